/*
 * stays_dict.c - the dictionaries of the patient-flow functions: byte
 * strings (text and uuid patients, normalised diagnosis codes, units) to
 * dense ids, and the cache of raw diagnosis texts in front of the
 * diagnosis dictionary.
 *
 * Why ids: a buffered contact is 32 bytes (kv_contact) whatever its keys,
 * and the stay engine compares integers; the texts come back only for
 * ordering (stays_rank_cmp) and for output (stays_dict_text).
 */
#include "kvalitet.h"

#include "common/hashfn.h"
#include "utils/builtins.h"

#include "codes.h"
#include "stays_state.h"

/* ---------------------------------------------------------------------
 * A dictionary of byte strings -> dense ids (patients, diagnoses, units)
 * --------------------------------------------------------------------- */

void
stays_dict_init(KeyDict *d)
{
	memset(d, 0, sizeof(*d));	/* arrays made at the first key */
}

static void
dict_allocate(KeyDict *d)
{
	d->capacity = 16;
	d->slots = palloc0(sizeof(int32) * d->capacity);
	d->keys_capacity = 8;
	d->hashes = palloc(sizeof(uint32) * d->keys_capacity);
	d->keys = palloc(sizeof(char *) * d->keys_capacity);
	d->lens = palloc(sizeof(uint16) * d->keys_capacity);
}

/* Forget every key (the streaming path keeps one patient at a time). */
void
stays_dict_reset(KeyDict *d)
{
	for (int32 id = 0; id < d->count; id++)
		pfree(d->keys[id]);
	if (d->capacity > 0)
		memset(d->slots, 0, sizeof(int32) * d->capacity);
	d->count = 0;
}

static void
dict_grow_slots(KeyDict *d)
{
	int32		newcap = d->capacity * 2;
	int32	   *slots = palloc0(sizeof(int32) * newcap);

	for (int32 id = 0; id < d->count; id++)
	{
		uint32		i = d->hashes[id] & (newcap - 1);

		STAYS_CHECK_INTERRUPTS_AT(id);

		while (slots[i] != 0)
			i = (i + 1) & (newcap - 1);
		slots[i] = id + 1;
	}
	pfree(d->slots);
	d->slots = slots;
	d->capacity = newcap;
}

/*
 * The id of key (inserted when new).  Called once per row (the executor
 * checks for a cancel between rows); loops over whole dictionaries check
 * themselves.
 */
int32
stays_dict_id(KeyDict *d, const char *key, int len)
{
	uint32		h = hash_bytes((const unsigned char *) key, len);
	uint32		i;
	int32		id;

	if (d->capacity == 0)
		dict_allocate(d);
	i = h & (d->capacity - 1);

	while (d->slots[i] != 0)
	{
		id = d->slots[i] - 1;
		if (d->hashes[id] == h && d->lens[id] == len && memcmp(d->keys[id], key, len) == 0)
			return id;
		i = (i + 1) & (d->capacity - 1);
	}
	if (d->count >= PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct keys in one kvalitet aggregate")));
	if (d->count == d->keys_capacity)
	{
		d->keys_capacity *= 2;
		d->hashes = repalloc(d->hashes, sizeof(uint32) * d->keys_capacity);
		d->keys = repalloc(d->keys, sizeof(char *) * d->keys_capacity);
		d->lens = repalloc(d->lens, sizeof(uint16) * d->keys_capacity);
	}
	id = d->count++;
	d->hashes[id] = h;
	d->keys[id] = palloc(len + 1);
	memcpy(d->keys[id], key, len);
	d->keys[id][len] = '\0';
	d->lens[id] = len;
	d->slots[i] = id + 1;
	if (d->count * 2 > d->capacity)
		dict_grow_slots(d);
	return id;
}

/* Order of two dictionary ids (RankItem) by their text, as bytes. */
int
stays_rank_cmp(const void *a, const void *b)
{
	const RankItem *x = a,
			   *y = b;
	int			lx = x->dict->lens[x->id],
				ly = y->dict->lens[y->id];
	int			c = memcmp(x->dict->keys[x->id], y->dict->keys[y->id], Min(lx, ly));

	return c != 0 ? c : lx - ly;
}

/* Comparisons until the next cancel check of stays_sort_ranks. */
static uint32 rank_cmp_countdown = STAYS_CHECK_EVERY;

/*
 * stays_rank_cmp with a cancel check every 64K comparisons: sorting the
 * keys of a whole dictionary (millions of patients) takes seconds.  The
 * countdown costs nothing beside the memcmp.
 */
static inline int
rank_cmp_checked(const RankItem *a, const RankItem *b)
{
	if (unlikely(--rank_cmp_countdown == 0))
	{
		rank_cmp_countdown = STAYS_CHECK_EVERY;
		CHECK_FOR_INTERRUPTS();
	}
	return stays_rank_cmp(a, b);
}

/*
 * Sort dictionary ids like their text: PostgreSQL's sort template with the
 * comparison inlined, which insertion-sorts the small arrays that are the
 * usual case (one patient's codes).  The keys of a dictionary are
 * distinct, so the order is total and no tie depends on the algorithm.
 */
#define ST_SORT stays_sort_ranks
#define ST_ELEMENT_TYPE RankItem
#define ST_COMPARE(a, b) rank_cmp_checked(a, b)
#define ST_SCOPE
#define ST_DEFINE
#include "lib/sort_template.h"

/* A dictionary key as text. */
text *
stays_dict_text(const KeyDict *d, int32 id)
{
	return cstring_to_text_with_len(d->keys[id], d->lens[id]);
}

/* ---------------------------------------------------------------------
 * The raw code cache
 * --------------------------------------------------------------------- */

/*
 * Diagnosis ids of raw diagnosis texts seen before.  Rows repeat a few
 * hundred codes, so most rows can skip normalising and hashing their code:
 * a direct-mapped table keyed by the text itself (texts of at most 8 bytes,
 * zero-padded: a text never holds a zero byte, so the key is exact).  Made
 * after the first RAW_CACHE_AFTER rows, so the per-patient states of
 * patient_stays stay small.
 */
#define RAW_CACHE_SIZE 1024
#define RAW_CACHE_AFTER 256

typedef struct RawCodeCache
{
	uint64		key[RAW_CACHE_SIZE];	/* 0 = empty */
	int32		id[RAW_CACHE_SIZE];
} RawCodeCache;

/* The diagnosis id of a raw code text, or -1 when it is no code. */
int32
stays_diagnosis_id(StayState *st, const char *raw, int len)
{
	char		code[KV_CODE_BUFSIZE];
	size_t		codelen;
	uint64		key = 0;
	int32		id;

	if (st->raw_codes != NULL && len > 0 && len <= 8)
	{
		memcpy(&key, raw, len);
		if (st->raw_codes->key[stays_raw_slot(key)] == key)
			return st->raw_codes->id[stays_raw_slot(key)];
	}
	/* Not a diagnosis code (ICD-9, free text, a procedure): unknown, -1. */
	if (kv_normalize_code(raw, len, code, sizeof(code), &codelen) != KV_CODE_OK ||
		!kv_is_diagnosis_code(code, codelen))
		id = -1;
	else
		id = stays_dict_id(&st->diagnoses, code, (int) codelen);
	if (key != 0)
	{
		st->raw_codes->key[stays_raw_slot(key)] = key;
		st->raw_codes->id[stays_raw_slot(key)] = id;
	}
	else if (st->raw_codes == NULL && st->ncontacts >= RAW_CACHE_AFTER)
		st->raw_codes = palloc0(sizeof(RawCodeCache));
	return id;
}
