/*
 * codes.c - diagnosis code normalisation and compiled code sets
 * (docs/indicators.md section 2).
 *
 * A compiled set groups its entries by length m (1..KV_CODE_MAXLEN).  Within
 * a group the distinct range ends k_0 < k_1 < ... < k_{K-1} cut the space of
 * m-byte strings into "pieces": piece 2i is the single string k_i and piece
 * 2i + 1 the open gap (k_i, k_{i+1}).  An entry [low, high] covers the
 * consecutive pieces from the one of low to the one of high.  Each entry's
 * validity interval is stored in the O(log K) canonical nodes of a bottom-up
 * segment tree over the pieces (leaves at indexes P .. 2P - 1 for P pieces,
 * node i's parent at i / 2, which works for any P when ranges are only
 * written and single leaves only read), merged per node into a sorted list of
 * disjoint day intervals.  A lookup finds the code prefix's piece by binary
 * search and walks from its leaf to the root, probing each node's list; every
 * node links to its nearest ancestor with a non-empty list, so the walk skips
 * the empty ones (for a set of prefixes only it probes the leaf alone).
 *
 * Everything lives in one block addressed by byte offsets, so the block can
 * be copied freely:
 *   header | group nodes | day intervals | keys (K * m bytes per group)
 */
#include "codes.h"

#include <stdlib.h>
#include <string.h>

#define KV_CODESET_MAGIC 0x5343564bU	/* "KVCS" */

/* Keeps every index and offset comfortably inside 32 bits. */
#define KV_CODESET_MAX_ENTRIES (1 << 26)

/* Scratch keys are zero-padded to this stride so one comparator fits all. */
#define KEY_STRIDE KV_CODE_MAXLEN

typedef struct kv_codeset_group
{
	uint32_t	nkeys;			/* distinct range ends of this length */
	uint32_t	leaves;			/* leaves of the segment tree (= pieces) */
	uint32_t	nodes_off;		/* 2 * leaves kv_codeset_node (index 0 unused) */
	uint32_t	keys_off;		/* nkeys * m bytes, ascending */
} kv_codeset_group;

typedef struct kv_codeset_node
{
	uint32_t	off;			/* byte offset of the node's day intervals */
	uint32_t	count;			/* number of intervals */
	uint32_t	up;				/* nearest ancestor with intervals, or 0 */
} kv_codeset_node;

typedef struct kv_day_span
{
	int32_t		from;
	int32_t		to;
} kv_day_span;

struct kv_codeset
{
	uint32_t	magic;
	uint32_t	size;			/* bytes in the whole block */
	uint32_t	nentries;
	uint32_t	maxlen;			/* longest entry */
	kv_codeset_group group[KV_CODE_MAXLEN + 1];	/* by entry length */
};

/*
 * Error messages for the PostgreSQL layer; they never include the code.
 */
const char *
kv_code_status_message(kv_code_status status)
{
	switch (status)
	{
		case KV_CODE_OK:
			return "no error";
		case KV_CODE_EMPTY:
			return "diagnosis code is empty";
		case KV_CODE_BAD_CHAR:
			return "diagnosis code contains a character other than letters, digits, dots and spaces";
		case KV_CODE_NOT_LETTER:
			return "diagnosis code does not start with a letter";
		case KV_CODE_TOO_LONG:
			return "diagnosis code is longer than 16 characters";
		case KV_CODE_BUFFER_TOO_SMALL:
			return "buffer too small for diagnosis code";
		case KV_CODE_RANGE_LENGTH:
			return "ends of code range differ in length";
		case KV_CODE_RANGE_ORDER:
			return "low end of code range is greater than its high end";
		case KV_CODE_BAD_VALIDITY:
			return "code set entry is valid from a date after its valid_to date";
		case KV_CODE_TOO_MANY:
			return "too many code set entries";
		case KV_CODE_NO_MEMORY:
			return "out of memory while compiling code set";
	}
	return "unknown code status";
}

static bool
is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* 'D', a letter, two digits, then letters or digits (codes.h). */
bool
kv_is_diagnosis_code(const char *code, size_t len)
{
	if (len < 4 || code[0] != 'D' || code[1] < 'A' || code[1] > 'Z' ||
		!is_digit((unsigned char) code[2]) || !is_digit((unsigned char) code[3]))
		return false;
	for (size_t i = 4; i < len; i++)
		if (!((code[i] >= 'A' && code[i] <= 'Z') || is_digit((unsigned char) code[i])))
			return false;
	return true;
}

/* A raw text normalises to a diagnosis code (codes.h). */
bool
kv_diagnosis_text_is_code(const char *raw, size_t len)
{
	char		code[KV_CODE_BUFSIZE];
	size_t		codelen;

	return kv_normalize_code(raw, len, code, sizeof(code), &codelen) == KV_CODE_OK &&
		kv_is_diagnosis_code(code, codelen);
}

/*
 * Collects the significant characters (upper-cased, without spaces and
 * dots), decides whether the result is a WHO code needing the 'D' prefix,
 * and writes the normal form.  Up to KV_CODE_MAXLEN + 1 characters are
 * kept, enough to tell that a code is too long; the scan still runs to the
 * end so that a bad byte anywhere is reported as such.
 */
kv_code_status
kv_normalize_code(const char *in, size_t len, char *out, size_t outsize,
				  size_t *outlen)
{
	char		buf[KV_CODE_MAXLEN + 1];
	size_t		n = 0,
				total;
	bool		overflow = false,
				who;

	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) in[i];

		if (c == ' ' || c == '.')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char) (c - 'a' + 'A');
		else if (!is_upper(c) && !is_digit(c))
			return KV_CODE_BAD_CHAR;
		if (n < sizeof(buf))
			buf[n++] = (char) c;
		else
			overflow = true;
	}

	if (n == 0)
		return KV_CODE_EMPTY;
	if (!is_upper((unsigned char) buf[0]))
		return KV_CODE_NOT_LETTER;

	who = n >= 3 && is_digit((unsigned char) buf[1]) &&
		is_digit((unsigned char) buf[2]);
	total = n + (who ? 1 : 0);
	if (overflow || total > KV_CODE_MAXLEN)
		return KV_CODE_TOO_LONG;
	if (out == NULL || total >= outsize)
		return KV_CODE_BUFFER_TOO_SMALL;

	if (who)
		out[0] = 'D';
	memcpy(out + (who ? 1 : 0), buf, n);
	out[total] = '\0';
	if (outlen != NULL)
		*outlen = total;
	return KV_CODE_OK;
}

/*
 * Checks one end of an entry: non-empty, not too long, [A-Z0-9] only and
 * starting with a letter.
 */
static kv_code_status
check_entry_end(const char *s, size_t len)
{
	if (s == NULL || len == 0)
		return KV_CODE_EMPTY;
	if (len > KV_CODE_MAXLEN)
		return KV_CODE_TOO_LONG;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (!is_upper(c) && !is_digit(c))
			return KV_CODE_BAD_CHAR;
	}
	if (!is_upper((unsigned char) s[0]))
		return KV_CODE_NOT_LETTER;
	return KV_CODE_OK;
}

/*
 * Validates an entry as documented in codes.h; the checks of the low end
 * come first, then those of the high end, then the range and the dates.
 */
kv_code_status
kv_code_entry_check(const kv_code_entry *entry)
{
	kv_code_status st;

	st = check_entry_end(entry->low, entry->low_len);
	if (st != KV_CODE_OK)
		return st;
	if (entry->high != NULL)
	{
		st = check_entry_end(entry->high, entry->high_len);
		if (st != KV_CODE_OK)
			return st;
		if (entry->high_len != entry->low_len)
			return KV_CODE_RANGE_LENGTH;
		if (memcmp(entry->low, entry->high, entry->low_len) > 0)
			return KV_CODE_RANGE_ORDER;
	}
	if (entry->valid_from > entry->valid_to)
		return KV_CODE_BAD_VALIDITY;
	return KV_CODE_OK;
}

/*
 * Splits the text at its only '-', normalises each side and checks the
 * resulting entry.
 */
kv_code_status
kv_normalize_entry(const char *in, size_t len, char *low, size_t *low_len,
				   char *high, size_t *high_len, bool *is_range)
{
	kv_code_status st;
	kv_code_entry e;
	size_t		dash = len;

	for (size_t i = 0; i < len; i++)
	{
		if (in[i] != '-')
			continue;
		if (dash != len)
			return KV_CODE_BAD_CHAR;
		dash = i;
	}

	st = kv_normalize_code(in, dash, low, KV_CODE_BUFSIZE, low_len);
	if (st != KV_CODE_OK)
		return st;
	*is_range = dash != len;
	if (*is_range)
	{
		st = kv_normalize_code(in + dash + 1, len - dash - 1, high,
							   KV_CODE_BUFSIZE, high_len);
		if (st != KV_CODE_OK)
			return st;
	}
	else
	{
		high[0] = '\0';
		*high_len = 0;
	}

	e.low = low;
	e.low_len = *low_len;
	e.high = *is_range ? high : NULL;
	e.high_len = *high_len;
	e.valid_from = INT32_MIN;
	e.valid_to = INT32_MAX;
	return kv_code_entry_check(&e);
}

/* qsort comparator for zero-padded scratch keys. */
static int
compare_keys(const void *a, const void *b)
{
	return memcmp(a, b, KEY_STRIDE);
}

/* qsort comparator for day intervals: by start, then by end. */
static int
compare_spans(const void *a, const void *b)
{
	const kv_day_span *x = a;
	const kv_day_span *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return 0;
}

/*
 * Index of the scratch key equal to the m-byte string s among the nkeys
 * sorted, distinct keys (s is known to be there).
 */
static uint32_t
find_scratch_key(const unsigned char *keys, uint32_t nkeys,
				 const char *s, size_t m)
{
	unsigned char probe[KEY_STRIDE];
	uint32_t	lo = 0,
				hi = nkeys;

	memset(probe, 0, sizeof(probe));
	memcpy(probe, s, m);
	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (memcmp(keys + (size_t) mid * KEY_STRIDE, probe, KEY_STRIDE) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds x to *total, failing when the sum passes UINT32_MAX. */
static bool
add_size(size_t *total, size_t x)
{
	if (x > (size_t) UINT32_MAX - *total)
		return false;
	*total += x;
	return true;
}

/*
 * Builds the compiled set in three steps: sort and deduplicate each length
 * group's range ends (scratch), count the canonical segment-tree nodes of
 * every entry to size the block, then fill the block, merge each node's day
 * intervals and squeeze out the space the merges freed.
 */
kv_code_status
kv_codeset_build(const kv_code_entry *entries, int n, kv_alloc_fn alloc,
				 void *ctx, kv_codeset **set_out, int *bad_entry)
{
	size_t		count[KV_CODE_MAXLEN + 1];
	size_t		first[KV_CODE_MAXLEN + 1];
	uint32_t	nkeys[KV_CODE_MAXLEN + 1];
	uint32_t	leaves[KV_CODE_MAXLEN + 1];
	size_t		node_base[KV_CODE_MAXLEN + 1];
	size_t		total_nodes = 0,
				total_spans = 0,
				size,
				pos[KV_CODE_MAXLEN + 1];
	unsigned char *keys = NULL;
	uint32_t   *pieces = NULL;
	uint32_t   *node_count = NULL;
	char	   *block;
	kv_codeset *set;
	kv_codeset_node *nodes;
	size_t		w,
				spans_start;
	uint32_t	maxlen = 0;

	if (n < 0 || n > KV_CODESET_MAX_ENTRIES || (n > 0 && entries == NULL))
		return KV_CODE_TOO_MANY;

	memset(count, 0, sizeof(count));
	for (int i = 0; i < n; i++)
	{
		kv_code_status st = kv_code_entry_check(&entries[i]);

		if (st != KV_CODE_OK)
		{
			if (bad_entry != NULL)
				*bad_entry = i;
			return st;
		}
		count[entries[i].low_len]++;
		if (entries[i].low_len > maxlen)
			maxlen = (uint32_t) entries[i].low_len;
	}

	/* Step 1: every entry's two ends, sorted and deduplicated per length. */
	if (n > 0)
	{
		keys = alloc(ctx, (size_t) n * 2 * KEY_STRIDE);
		pieces = alloc(ctx, (size_t) n * 2 * sizeof(uint32_t));
		if (keys == NULL || pieces == NULL)
			return KV_CODE_NO_MEMORY;
	}
	w = 0;
	for (int m = 0; m <= KV_CODE_MAXLEN; m++)
	{
		first[m] = w;
		pos[m] = w;
		w += 2 * count[m];
	}
	for (int i = 0; i < n; i++)
	{
		const kv_code_entry *e = &entries[i];
		size_t		m = e->low_len;
		unsigned char *k = keys + pos[m] * KEY_STRIDE;

		memset(k, 0, 2 * KEY_STRIDE);
		memcpy(k, e->low, m);
		memcpy(k + KEY_STRIDE, e->high != NULL ? e->high : e->low, m);
		pos[m] += 2;
	}
	for (int m = 0; m <= KV_CODE_MAXLEN; m++)
	{
		unsigned char *g;
		uint32_t	k = 0;

		nkeys[m] = 0;
		leaves[m] = 0;
		node_base[m] = total_nodes;
		if (count[m] == 0)
			continue;
		g = keys + first[m] * KEY_STRIDE;
		qsort(g, 2 * count[m], KEY_STRIDE, compare_keys);
		for (size_t i = 0; i < 2 * count[m]; i++)
		{
			if (k > 0 && memcmp(g + (size_t) (k - 1) * KEY_STRIDE,
								g + i * KEY_STRIDE, KEY_STRIDE) == 0)
				continue;
			if (k != i)
				memcpy(g + (size_t) k * KEY_STRIDE, g + i * KEY_STRIDE, KEY_STRIDE);
			k++;
		}
		nkeys[m] = k;
		leaves[m] = 2 * k - 1;
		total_nodes += 2 * (size_t) leaves[m];
	}

	/* Step 2: each entry's pieces and the interval count of every node. */
	if (total_nodes > 0)
	{
		node_count = alloc(ctx, total_nodes * sizeof(uint32_t));
		if (node_count == NULL)
			return KV_CODE_NO_MEMORY;
		memset(node_count, 0, total_nodes * sizeof(uint32_t));
	}
	for (int i = 0; i < n; i++)
	{
		const kv_code_entry *e = &entries[i];
		size_t		m = e->low_len;
		const unsigned char *g = keys + first[m] * KEY_STRIDE;
		uint32_t	l,
					r;

		pieces[2 * i] = 2 * find_scratch_key(g, nkeys[m], e->low, m);
		pieces[2 * i + 1] = 2 * find_scratch_key(g, nkeys[m],
												 e->high != NULL ? e->high : e->low, m);
		for (l = pieces[2 * i] + leaves[m], r = pieces[2 * i + 1] + leaves[m] + 1;
			 l < r; l >>= 1, r >>= 1)
		{
			if (l & 1)
			{
				node_count[node_base[m] + l++]++;
				total_spans++;
			}
			if (r & 1)
			{
				node_count[node_base[m] + --r]++;
				total_spans++;
			}
		}
	}

	size = sizeof(kv_codeset);
	if (!add_size(&size, total_nodes * sizeof(kv_codeset_node)) ||
		!add_size(&size, total_spans * sizeof(kv_day_span)))
		return KV_CODE_TOO_MANY;
	for (int m = 1; m <= KV_CODE_MAXLEN; m++)
		if (!add_size(&size, (size_t) nkeys[m] * m))
			return KV_CODE_TOO_MANY;

	/* Step 3: lay out the block and fill it. */
	block = alloc(ctx, size);
	if (block == NULL)
		return KV_CODE_NO_MEMORY;
	set = (kv_codeset *) block;
	memset(set, 0, sizeof(kv_codeset));
	set->magic = KV_CODESET_MAGIC;
	set->nentries = (uint32_t) n;
	set->maxlen = maxlen;
	nodes = (kv_codeset_node *) (block + sizeof(kv_codeset));
	spans_start = sizeof(kv_codeset) + total_nodes * sizeof(kv_codeset_node);
	w = spans_start;
	for (int m = 0; m <= KV_CODE_MAXLEN; m++)
	{
		set->group[m].nkeys = nkeys[m];
		set->group[m].leaves = leaves[m];
		set->group[m].nodes_off = (uint32_t) (sizeof(kv_codeset) +
											  node_base[m] * sizeof(kv_codeset_node));
		for (size_t j = node_base[m]; j < node_base[m] + 2 * (size_t) leaves[m]; j++)
		{
			nodes[j].off = (uint32_t) w;
			nodes[j].count = 0;
			w += node_count[j] * sizeof(kv_day_span);
		}
	}

	for (int i = 0; i < n; i++)
	{
		const kv_code_entry *e = &entries[i];
		size_t		m = e->low_len;
		kv_codeset_node *g = nodes + node_base[m];
		kv_day_span span;
		uint32_t	l,
					r;

		span.from = e->valid_from;
		span.to = e->valid_to;
		for (l = pieces[2 * i] + leaves[m], r = pieces[2 * i + 1] + leaves[m] + 1;
			 l < r; l >>= 1, r >>= 1)
		{
			if (l & 1)
			{
				kv_codeset_node *nd = &g[l++];

				memcpy(block + nd->off + nd->count++ * sizeof(kv_day_span),
					   &span, sizeof(span));
			}
			if (r & 1)
			{
				kv_codeset_node *nd = &g[--r];

				memcpy(block + nd->off + nd->count++ * sizeof(kv_day_span),
					   &span, sizeof(span));
			}
		}
	}

	/* Merge each node's intervals and move them down over the freed space. */
	w = spans_start;
	for (size_t j = 0; j < total_nodes; j++)
	{
		kv_day_span *s = (kv_day_span *) (block + nodes[j].off);
		uint32_t	c = nodes[j].count,
					k = 0;

		if (c > 1)
		{
			qsort(s, c, sizeof(kv_day_span), compare_spans);
			for (uint32_t i = 1; i < c; i++)
			{
				if ((int64_t) s[i].from <= (int64_t) s[k].to + 1)
				{
					if (s[i].to > s[k].to)
						s[k].to = s[i].to;
				}
				else
					s[++k] = s[i];
			}
			c = k + 1;
		}
		if (c > 0)
			memmove(block + w, s, c * sizeof(kv_day_span));
		nodes[j].off = (uint32_t) w;
		nodes[j].count = c;
		w += c * sizeof(kv_day_span);
	}

	/* Link each node to its nearest ancestor that has intervals. */
	for (int m = 1; m <= KV_CODE_MAXLEN; m++)
	{
		kv_codeset_node *g = nodes + node_base[m];

		for (uint32_t j = 1; j < 2 * leaves[m]; j++)
		{
			uint32_t	parent = j >> 1;

			g[j].up = parent == 0 ? 0 :
				(g[parent].count > 0 ? parent : g[parent].up);
		}
	}

	for (int m = 1; m <= KV_CODE_MAXLEN; m++)
	{
		set->group[m].keys_off = (uint32_t) w;
		for (uint32_t k = 0; k < nkeys[m]; k++)
		{
			memcpy(block + w, keys + (first[m] + k) * KEY_STRIDE, m);
			w += m;
		}
	}
	set->size = (uint32_t) w;

	*set_out = set;
	return KV_CODE_OK;
}

/*
 * memcmp() for the short keys of a lookup, written out so the compiler can
 * inline it: the library call costs more than the comparison.
 */
static inline int
compare_short(const char *a, const char *b, size_t m)
{
	for (size_t i = 0; i < m; i++)
	{
		if (a[i] != b[i])
			return (unsigned char) a[i] < (unsigned char) b[i] ? -1 : 1;
	}
	return 0;
}

/*
 * Is day inside one of the count sorted, disjoint intervals at s?  Binary
 * search for the last interval starting on or before day.
 */
static bool
spans_contain(const kv_day_span *s, uint32_t count, int32_t day)
{
	uint32_t	lo = 0,
				hi = count;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (s[mid].from <= day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && day <= s[lo - 1].to;
}

/*
 * For each entry length m the code is long enough for: locate the piece of
 * the code's first m bytes among the group's keys, then test the day
 * against the intervals on the path from that piece's leaf to the root.
 */
bool
kv_codeset_match(const kv_codeset *set, const char *code, size_t len,
				 int32_t on_date)
{
	const char *base = (const char *) set;
	size_t		top;

	if (set == NULL || code == NULL)
		return false;
	top = len < set->maxlen ? len : set->maxlen;
	for (size_t m = 1; m <= top; m++)
	{
		const kv_codeset_group *g = &set->group[m];
		const char *keys = base + g->keys_off;
		const kv_codeset_node *nodes;
		uint32_t	lo = 0,
					hi = g->nkeys,
					piece,
					node;

		if (g->nkeys == 0)
			continue;
		while (lo < hi)
		{
			uint32_t	mid = lo + (hi - lo) / 2;

			if (compare_short(keys + (size_t) mid * m, code, m) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			continue;			/* before the smallest key */
		if (compare_short(keys + (size_t) (lo - 1) * m, code, m) == 0)
			piece = 2 * (lo - 1);
		else if (lo == g->nkeys)
			continue;			/* after the largest key */
		else
			piece = 2 * (lo - 1) + 1;

		nodes = (const kv_codeset_node *) (base + g->nodes_off);
		node = g->leaves + piece;
		if (nodes[node].count == 0)
			node = nodes[node].up;
		while (node != 0)
		{
			const kv_codeset_node *nd = &nodes[node];

			if (spans_contain((const kv_day_span *) (base + nd->off),
							  nd->count, on_date))
				return true;
			node = nd->up;
		}
	}
	return false;
}

/* The block size recorded at build time. */
size_t
kv_codeset_size(const kv_codeset *set)
{
	return set == NULL ? 0 : set->size;
}

/* The entry count recorded at build time. */
int
kv_codeset_entry_count(const kv_codeset *set)
{
	return set == NULL ? 0 : (int) set->nentries;
}
