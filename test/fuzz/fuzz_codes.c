/*
 * fuzz_codes.c - libFuzzer target for diagnosis code normalisation and code
 * sets (codes.c).
 *
 * The input, as arbitrary bytes, goes through kv_normalize_code and
 * kv_normalize_entry, whose results are compared with a plain reading of
 * the rules in codes.h (status and output) and must be idempotent.  The same
 * bytes, read as a small program of entries and probe codes over a narrow
 * alphabet (so that ranges overlap and prefixes collide), build a code set;
 * kv_codeset_match on the set and on a memcpy()d copy of it (the original
 * freed) must agree with a loop over the entries.  A failed check abort()s.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core
 *        test/fuzz/fuzz_codes.c src/core/\*.c -lm
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"

#include "fuzz.h"

#define MAX_ENTRIES 16
#define MAX_PROBES 200
#define ENTRY_TEXT 24			/* room for an end of up to 20 bytes */

/* Probe days: four far ones, then FIRST_DAY .. FIRST_DAY + NDAYS - 5. */
#define FIRST_DAY (-3)
#define NDAYS (4 + 21)

static bool
is_up(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_dig(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * The rules of codes.h, written out plainly: the expected status of
 * kv_normalize_code and, on KV_CODE_OK, the normal form in out (NUL-
 * terminated, at most KV_CODE_MAXLEN + 1 characters kept) and its length.
 */
static kv_code_status
model_normalize(const uint8_t *in, size_t len, char *out, size_t *outlen)
{
	char		sig[64];
	size_t		n = 0;
	size_t		total;
	bool		who;

	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = in[i];

		if (!(is_up(c) || is_dig(c) || (c >= 'a' && c <= 'z') ||
			  c == '.' || c == ' '))
			return KV_CODE_BAD_CHAR;
	}
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = in[i];

		if (c == '.' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (unsigned char) (c - 'a' + 'A');
		if (n < sizeof(sig) - 1)
			sig[n] = (char) c;
		n++;
	}
	if (n == 0)
		return KV_CODE_EMPTY;
	if (!is_up((unsigned char) sig[0]))
		return KV_CODE_NOT_LETTER;
	who = n >= 3 && is_dig((unsigned char) sig[1]) && is_dig((unsigned char) sig[2]);
	total = n + (who ? 1 : 0);
	if (total > KV_CODE_MAXLEN)
		return KV_CODE_TOO_LONG;
	out[0] = 'D';
	memcpy(out + (who ? 1 : 0), sig, n);
	out[total] = '\0';
	*outlen = total;
	return KV_CODE_OK;
}

/* Every status has a message, and it never quotes a code. */
static void
check_message(kv_code_status st)
{
	const char *msg = kv_code_status_message(st);

	require(msg != NULL && msg[0] != '\0');
	for (const char *p = msg; *p; p++)
		require(!is_up((unsigned char) *p));
}

/* A normalised code: non-empty, A-Z0-9 only, a letter first, not too long. */
static void
check_normal_form(const char *s, size_t len)
{
	require(len >= 1 && len <= KV_CODE_MAXLEN);
	require(strlen(s) == len);
	require(is_up((unsigned char) s[0]));
	for (size_t i = 0; i < len; i++)
		require(is_up((unsigned char) s[i]) || is_dig((unsigned char) s[i]));
}

/*
 * kv_normalize_code on the input: same status and output as the model,
 * idempotent, and bounded by outsize (the output buffers are exactly
 * outsize bytes so that AddressSanitizer sees any write past them).
 */
static void
check_normalize_code(const uint8_t *data, size_t size)
{
	char		out[KV_CODE_BUFSIZE];
	char		again[KV_CODE_BUFSIZE];
	char		model[KV_CODE_MAXLEN + 2];
	size_t		outlen = 999,
				againlen = 999,
				modellen = 0;
	kv_code_status st,
				mst;

	st = kv_normalize_code((const char *) data, size, out, sizeof(out), &outlen);
	mst = model_normalize(data, size, model, &modellen);
	require(st == mst);
	check_message(st);
	if (st != KV_CODE_OK)
		return;
	check_normal_form(out, outlen);
	require(outlen == modellen && strcmp(out, model) == 0);

	require(kv_normalize_code(out, outlen, again, sizeof(again), &againlen) == KV_CODE_OK);
	require(againlen == outlen && strcmp(again, out) == 0);

	/* outlen may be NULL */
	require(kv_normalize_code((const char *) data, size, again, sizeof(again), NULL) == KV_CODE_OK);
	require(strcmp(again, out) == 0);

	/* every smaller and larger exact-size buffer */
	for (size_t outsize = 0; outsize <= KV_CODE_BUFSIZE + 1; outsize++)
	{
		char	   *buf = malloc(outsize == 0 ? 1 : outsize);
		size_t		blen = 999;

		require(buf != NULL);
		st = kv_normalize_code((const char *) data, size,
							   outsize == 0 ? NULL : buf, outsize, &blen);
		if (outsize > outlen)
		{
			require(st == KV_CODE_OK);
			require(blen == outlen && memcmp(buf, out, outlen + 1) == 0);
		}
		else
			require(st == KV_CODE_BUFFER_TOO_SMALL);
		free(buf);
	}
}

/*
 * kv_normalize_entry on the input: the model splits at the only '-' (a
 * second one is KV_CODE_BAD_CHAR), normalises each side, and checks equal
 * length and low <= high; the result must be idempotent.
 */
static void
check_normalize_entry(const uint8_t *data, size_t size)
{
	char		low[KV_CODE_BUFSIZE],
				high[KV_CODE_BUFSIZE];
	char		mlow[KV_CODE_MAXLEN + 2],
				mhigh[KV_CODE_MAXLEN + 2];
	char		text[2 * KV_CODE_BUFSIZE + 1];
	char		low2[KV_CODE_BUFSIZE],
				high2[KV_CODE_BUFSIZE];
	size_t		low_len = 0,
				high_len = 0,
				mlow_len = 0,
				mhigh_len = 0,
				low2_len = 0,
				high2_len = 0,
				dashes = 0,
				dash = size,
				tlen;
	bool		is_range = false,
				is_range2 = false;
	kv_code_status st,
				mst;

	for (size_t i = 0; i < size; i++)
	{
		if (data[i] == '-')
		{
			if (dashes == 0)
				dash = i;
			dashes++;
		}
	}
	if (dashes > 1)
		mst = KV_CODE_BAD_CHAR;
	else
	{
		mst = model_normalize(data, dash, mlow, &mlow_len);
		if (mst == KV_CODE_OK && dashes == 1)
		{
			mst = model_normalize(data + dash + 1, size - dash - 1, mhigh, &mhigh_len);
			if (mst == KV_CODE_OK && mhigh_len != mlow_len)
				mst = KV_CODE_RANGE_LENGTH;
			else if (mst == KV_CODE_OK && memcmp(mlow, mhigh, mlow_len) > 0)
				mst = KV_CODE_RANGE_ORDER;
		}
	}

	st = kv_normalize_entry((const char *) data, size, low, &low_len,
							high, &high_len, &is_range);
	require(st == mst);
	check_message(st);
	if (st != KV_CODE_OK)
		return;

	check_normal_form(low, low_len);
	require(low_len == mlow_len && strcmp(low, mlow) == 0);
	require(is_range == (dashes == 1));
	if (is_range)
	{
		check_normal_form(high, high_len);
		require(high_len == mhigh_len && strcmp(high, mhigh) == 0);
		require(high_len == low_len && memcmp(low, high, low_len) <= 0);
	}
	else
		require(high_len == 0 && high[0] == '\0');

	/* idempotent: the entry written back in normal form reads the same */
	memcpy(text, low, low_len);
	tlen = low_len;
	if (is_range)
	{
		text[tlen++] = '-';
		memcpy(text + tlen, high, high_len);
		tlen += high_len;
	}
	require(kv_normalize_entry(text, tlen, low2, &low2_len, high2, &high2_len,
							   &is_range2) == KV_CODE_OK);
	require(is_range2 == is_range);
	require(low2_len == low_len && strcmp(low2, low) == 0);
	require(high2_len == high_len && strcmp(high2, high) == 0);
}


/* The narrow alphabet that most entry and probe characters come from. */
static const char alphabet[] = "ABZ019";

/* One character: mostly from the alphabet, sometimes a raw byte. */
static char
next_char(reader *r, bool letter, bool raw)
{
	uint8_t		b = next_byte(r);

	if (raw && b >= 0xF0)
		return (char) next_byte(r);
	if (letter)
		return alphabet[b % 3];
	return alphabet[b % 6];
}

/* An entry as stored: its ends and validity. */
typedef struct test_entry
{
	char		low[ENTRY_TEXT];
	char		high[ENTRY_TEXT];
	size_t		low_len;
	size_t		high_len;
	bool		range;
	int32_t		from;
	int32_t		to;
} test_entry;

/*
 * Decode one entry.  Header byte: bits 0-1 length - 1 (bit 7 set: a longer
 * length from the next byte, up to 18), bit 2 a range, bit 3 "raw": the
 * entry is taken as is, possibly invalid; otherwise ends start with a
 * letter, share a length and are ordered.  Two bytes of validity follow.
 */
static void
decode_entry(reader *r, test_entry *e)
{
	uint8_t		h = next_byte(r);
	bool		raw = (h & 0x08) != 0 && (h & 0x40) != 0;
	size_t		len = (size_t) (h & 3) + 1;
	uint8_t		f,
				t;

	if (h & 0x80)
		len = next_byte(r) % 19;
	if (!raw && len == 0)
		len = 1;
	if (!raw && len > KV_CODE_MAXLEN)
		len = KV_CODE_MAXLEN;
	e->range = (h & 0x04) != 0;
	e->low_len = len;
	for (size_t i = 0; i < len; i++)
		e->low[i] = next_char(r, i == 0 && !raw, raw);
	e->high_len = 0;
	if (e->range)
	{
		e->high_len = raw ? (size_t) (next_byte(r) % 19) : len;
		for (size_t i = 0; i < e->high_len; i++)
			e->high[i] = next_char(r, i == 0 && !raw, raw);
		if (!raw && memcmp(e->low, e->high, len) > 0)
		{
			char		tmp[ENTRY_TEXT];

			memcpy(tmp, e->low, len);
			memcpy(e->low, e->high, len);
			memcpy(e->high, tmp, len);
		}
	}

	f = next_byte(r);
	t = next_byte(r);
	e->from = f == 0 ? INT32_MIN : (int32_t) (f % 12) - 2;
	if (t == 0)
		e->to = INT32_MAX;
	else if (raw)
		e->to = (int32_t) (t % 12) - 2;
	else
		e->to = (e->from == INT32_MIN ? 0 : e->from) + (int32_t) (t % 8);
	if (f == 0xFF)
		e->from = INT32_MAX;
	if (t == 0xFF)
		e->to = INT32_MIN;
}

/* The documented checks of kv_code_entry_check, as a yes/no. */
static bool
model_entry_valid(const test_entry *e)
{
	const char *ends[2] = {e->low, e->high};
	size_t		lens[2] = {e->low_len, e->high_len};

	for (int k = 0; k < (e->range ? 2 : 1); k++)
	{
		if (lens[k] == 0 || lens[k] > KV_CODE_MAXLEN)
			return false;
		if (!is_up((unsigned char) ends[k][0]))
			return false;
		for (size_t i = 0; i < lens[k]; i++)
			if (!is_up((unsigned char) ends[k][i]) && !is_dig((unsigned char) ends[k][i]))
				return false;
	}
	if (e->range && (e->high_len != e->low_len ||
					 memcmp(e->low, e->high, e->low_len) > 0))
		return false;
	return e->from <= e->to;
}

/* Does a plain loop over the entries find one matching code on day? */
static bool
model_match(const test_entry *es, int n, const char *code, size_t len,
			int32_t day)
{
	for (int i = 0; i < n; i++)
	{
		const test_entry *e = &es[i];
		const char *high = e->range ? e->high : e->low;
		size_t		m = e->low_len;

		if (day < e->from || day > e->to || len < m)
			continue;
		if (memcmp(code, e->low, m) >= 0 && memcmp(code, high, m) <= 0)
			return true;
	}
	return false;
}

/* Blocks handed out by the test allocator, freed together. */
typedef struct alloc_list
{
	void	   *block[64];
	int			n;
	int			fail_at;		/* fail the call with this number (-1: never) */
	int			calls;
} alloc_list;

static void *
list_alloc(void *ctx, size_t size)
{
	alloc_list *l = ctx;
	void	   *p;

	if (l->calls++ == l->fail_at || l->n == 64)
		return NULL;
	p = malloc(size == 0 ? 1 : size);
	if (p != NULL)
		l->block[l->n++] = p;
	return p;
}

static void
list_free(alloc_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->block[i]);
	l->n = 0;
}

/* A probe code to try against the set. */
typedef struct probe
{
	char		s[ENTRY_TEXT + 1];
	size_t		len;
} probe;

static void
add_probe(probe *ps, int *np, const char *s, size_t len)
{
	if (*np >= MAX_PROBES || len > ENTRY_TEXT)
		return;
	memcpy(ps[*np].s, s, len);
	ps[*np].len = len;
	(*np)++;
}

/* Probes around one entry end: itself, its prefixes, extensions, neighbours. */
static void
add_end_probes(probe *ps, int *np, const char *s, size_t len)
{
	char		buf[ENTRY_TEXT + 1];

	if (len == 0 || len > ENTRY_TEXT - 1)
		return;
	for (size_t k = 1; k <= len; k++)
		add_probe(ps, np, s, k);
	memcpy(buf, s, len);
	for (int a = 0; a < 6; a++)
	{
		buf[len] = alphabet[a];
		add_probe(ps, np, buf, len + 1);
	}
	memcpy(buf, s, len);
	buf[len - 1] = (char) (buf[len - 1] + 1);
	add_probe(ps, np, buf, len);
	buf[len - 1] = (char) (buf[len - 1] - 2);
	add_probe(ps, np, buf, len);
}

/*
 * Build a set from the decoded entries and compare every probe on every
 * interesting day with the model, on the built block and on a copy.
 */
static void
check_codeset(const uint8_t *data, size_t size)
{
	reader		r = {data, size};
	test_entry	es[MAX_ENTRIES];
	kv_code_entry ce[MAX_ENTRIES];
	probe	   *ps;
	int			np = 0;
	int			n,
				first_bad = -1,
				bad = -12345;
	alloc_list	al;
	kv_codeset *set = NULL;
	kv_codeset *copy;
	kv_code_status st;
	size_t		setsize;
	bool	   *answers;
	static const int32_t far_days[4] = {INT32_MIN, INT32_MIN + 1, INT32_MAX - 1, INT32_MAX};

	n = next_byte(&r) % (MAX_ENTRIES + 1);
	for (int i = 0; i < n; i++)
	{
		decode_entry(&r, &es[i]);
		ce[i].low = es[i].low;
		ce[i].low_len = es[i].low_len;
		ce[i].high = es[i].range ? es[i].high : NULL;
		ce[i].high_len = es[i].high_len;
		ce[i].valid_from = es[i].from;
		ce[i].valid_to = es[i].to;
		require((kv_code_entry_check(&ce[i]) == KV_CODE_OK) == model_entry_valid(&es[i]));
		if (first_bad < 0 && !model_entry_valid(&es[i]))
			first_bad = i;
	}

	al.n = 0;
	al.calls = 0;
	al.fail_at = -1;
	if (next_byte(&r) == 0xA5)
		al.fail_at = next_byte(&r) % 4;
	st = kv_codeset_build(n == 0 && (size & 1) ? NULL : ce, n, list_alloc, &al,
						  &set, &bad);
	check_message(st);
	if (first_bad >= 0)
	{
		require(st != KV_CODE_OK && st != KV_CODE_NO_MEMORY);
		require(bad == first_bad);
		require(st == kv_code_entry_check(&ce[first_bad]));
		require(set == NULL);
		list_free(&al);
		return;
	}
	if (al.fail_at >= 0 && st == KV_CODE_NO_MEMORY)
	{
		require(set == NULL);
		list_free(&al);
		return;
	}
	require(st == KV_CODE_OK);
	require(set != NULL);
	require(kv_codeset_entry_count(set) == n);
	setsize = kv_codeset_size(set);
	require(setsize > 0);

	ps = malloc(sizeof(probe) * MAX_PROBES);
	require(ps != NULL);
	for (int i = 0; i < n; i++)
	{
		add_end_probes(ps, &np, es[i].low, es[i].low_len);
		if (es[i].range)
			add_end_probes(ps, &np, es[i].high, es[i].high_len);
	}
	while (r.left > 0 && np < MAX_PROBES)
	{
		char		buf[ENTRY_TEXT];
		size_t		len = next_byte(&r) % 8;

		for (size_t k = 0; k < len; k++)
			buf[k] = next_char(&r, false, true);
		add_probe(ps, &np, buf, len);
	}

	/* the block must work from anywhere: copy it, free the original */
	copy = malloc(setsize);
	require(copy != NULL);
	memcpy(copy, set, setsize);

	/*
	 * The original against the model, then (the original freed) the copy
	 * against the original's answers, kept as one bit per probe and day.
	 */
	answers = malloc((size_t) np * NDAYS);
	require(answers != NULL);
	for (int pass = 0; pass < 2; pass++)
	{
		const kv_codeset *s = pass == 0 ? set : copy;

		for (int i = 0; i < np; i++)
		{
			/* the probe in an exact-size heap buffer, so overreads show */
			char	   *code = malloc(ps[i].len == 0 ? 1 : ps[i].len);

			require(code != NULL);
			memcpy(code, ps[i].s, ps[i].len);
			for (int d = 0; d < NDAYS; d++)
			{
				int32_t		day = d < 4 ? far_days[d] : FIRST_DAY + d - 4;
				bool		got = kv_codeset_match(s, code, ps[i].len, day);

				if (pass == 0)
				{
					require(got == model_match(es, n, code, ps[i].len, day));
					answers[(size_t) i * NDAYS + d] = got;
				}
				else
					require(got == answers[(size_t) i * NDAYS + d]);
			}
			require(!kv_codeset_match(NULL, code, ps[i].len, 0));
			free(code);
		}
		if (pass == 0)
			list_free(&al);
	}
	free(answers);
	require(kv_codeset_size(copy) == setsize);
	require(kv_codeset_entry_count(copy) == n);
	free(copy);
	free(ps);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_normalize_code(data, size);
	check_normalize_entry(data, size);
	check_codeset(data, size);
	return 0;
}
