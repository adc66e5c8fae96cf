/*
 * stays_state.c - what the patient-flow functions share: the buffer of
 * contact rows (StayState), the dictionaries that turn patients, diagnoses
 * and units into small ids, the rules of one call, the checks and counts of
 * bad rows, and the driver that sorts the buffer and hands each patient's
 * contacts to the stay engine (src/core/stays.c, where every rule lives).
 *
 * The aggregates (stays_aggregates.c) and kvalitet.stays (stays_query.c)
 * fill a StayState row by row with stays_add_row and read the result
 * through stays_run_engine, so both give the same stays from the same rows.
 */
#include "kvalitet.h"

#include "catalog/pg_type.h"
#include <limits.h>

#include "common/hashfn.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "codes.h"
#include "contact_codec.h"
#include "stays_state.h"

static const char *const bad_reason_text[BAD_NREASONS] = {
	"NULL patient",
	"NULL start_at",
	"end_at before start_at",
	"infinite start_at or end_at",
	"diagnosis that is not a code"
};

/* ---------------------------------------------------------------------
 * Settings
 * --------------------------------------------------------------------- */

static int	merge_gap_s = 4 * 3600;
static int	min_admission_s = 12 * 3600;
static int	window_s = 720 * 3600;
static char *index_exclusion_set = NULL;
static char *readm_exclusion_set = NULL;
static char *injury_exclusion_set = NULL;
static char *psychiatric_set = NULL;

enum
{
	BAD_INPUT_WARNING,
	BAD_INPUT_ERROR
};
static int	on_bad_input = BAD_INPUT_WARNING;
static const struct config_enum_entry bad_input_options[] = {
	{"warning", BAD_INPUT_WARNING, false},
	{"error", BAD_INPUT_ERROR, false},
	{NULL, 0, false}
};

void
kv_stays_define_settings(void)
{
	DefineCustomIntVariable("kvalitet.merge_gap",
							"Largest gap between contacts that still joins them into one stay.",
							"dk-default-1: 4 hours.",
							&merge_gap_s, 4 * 3600, 0, INT_MAX, PGC_USERSET,
							GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("kvalitet.min_admission",
							"Shortest stay that counts as an admission.",
							"dk-default-1: 12 hours.",
							&min_admission_s, 12 * 3600, 0, INT_MAX, PGC_USERSET,
							GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("kvalitet.readmission_window",
							"Time after discharge within which an acute admission is a readmission.",
							"dk-default-1: 720 hours (30 days of absolute time).",
							&window_s, 720 * 3600, 0, INT_MAX, PGC_USERSET,
							GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.readmission_index_exclusion_set",
							   "Code set whose diagnoses keep a stay from being an index admission.",
							   NULL, &index_exclusion_set, "readmission_index_exclusion",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.readmission_exclusion_set",
							   "Code set whose diagnoses keep a next admission from being a readmission.",
							   NULL, &readm_exclusion_set, "readmission_exclusion",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.readmission_injury_exclusion_set",
							   "Code set of injuries: a next admission whose first contact has one is not a readmission.",
							   NULL, &injury_exclusion_set, "readmission_injury_exclusion",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.psychiatric_set",
							   "Code set of psychiatric diagnoses (a stay they dominate is not somatic).",
							   NULL, &psychiatric_set, "psychiatric",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("kvalitet.on_bad_input",
							 "What the aggregates do with a bad row: skip it and warn once, or raise an error.",
							 NULL, &on_bad_input, BAD_INPUT_WARNING, bad_input_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

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
static void
dict_reset(KeyDict *d)
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

		while (slots[i] != 0)
			i = (i + 1) & (newcap - 1);
		slots[i] = id + 1;
	}
	pfree(d->slots);
	d->slots = slots;
	d->capacity = newcap;
}

/* The id of key (inserted when new). */
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

/* ---------------------------------------------------------------------
 * The state: allocation, the raw code cache, bad rows
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

static inline uint32
raw_slot(uint64 key)
{
	return (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 54);	/* 10 bits */
}

/* The diagnosis id of a raw code text, or -1 when it is no code. */
static int32
diagnosis_id(StayState *st, const char *raw, int len)
{
	char		code[KV_CODE_BUFSIZE];
	size_t		codelen;
	uint64		key = 0;
	int32		id;

	if (st->raw_codes != NULL && len > 0 && len <= 8)
	{
		memcpy(&key, raw, len);
		if (st->raw_codes->key[raw_slot(key)] == key)
			return st->raw_codes->id[raw_slot(key)];
	}
	if (kv_normalize_code(raw, len, code, sizeof(code), &codelen) != KV_CODE_OK)
		return -1;
	id = stays_dict_id(&st->diagnoses, code, (int) codelen);
	if (key != 0)
	{
		st->raw_codes->key[raw_slot(key)] = key;
		st->raw_codes->id[raw_slot(key)] = id;
	}
	else if (st->raw_codes == NULL && st->ncontacts >= RAW_CACHE_AFTER)
		st->raw_codes = palloc0(sizeof(RawCodeCache));
	return id;
}

/* An empty state with room for `capacity` contacts, in the current context. */
StayState *
stays_state_alloc(int64 capacity)
{
	StayState  *st = palloc0(sizeof(StayState));

	st->capacity = capacity;
	st->contacts = palloc(sizeof(kv_contact) * capacity);
	stays_dict_init(&st->patients);
	stays_dict_init(&st->diagnoses);
	stays_dict_init(&st->units);
	return st;
}

/* Grow by a quarter: keeps the buffer within 40 bytes per 32-byte contact. */
void
stays_state_reserve(StayState *st, int64 more)
{
	if (st->ncontacts + more > st->capacity)
	{
		int64		cap = Max(st->capacity + Max(st->capacity / 4, 16), st->ncontacts + more);

		if ((Size) cap * sizeof(kv_contact) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many contacts for one kvalitet aggregate")));
		st->contacts = repalloc_huge(st->contacts, sizeof(kv_contact) * cap);
		st->capacity = cap;
	}
}

static void
bad_row(StayState *st, BadReason reason)
{
	if (on_bad_input == BAD_INPUT_ERROR)
		ereport(ERROR,
				(errcode(reason == BAD_DIAGNOSIS ? ERRCODE_INVALID_TEXT_REPRESENTATION :
						 reason == BAD_END_BEFORE_START || reason == BAD_INFINITE_TIME ?
						 ERRCODE_INVALID_DATETIME_FORMAT : ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kvalitet: contact row with %s", bad_reason_text[reason]),
				 errhint("Set kvalitet.on_bad_input = warning to skip such rows and count them instead.")));
	st->bad[reason]++;
}

static void
warn_bad_rows(const StayState *st, const char *aggname)
{
	StringInfoData detail;
	int64		total = 0;

	initStringInfo(&detail);
	for (int r = 0; r < BAD_NREASONS; r++)
	{
		if (st->bad[r] == 0)
			continue;
		appendStringInfo(&detail, "%s%lld with %s", total ? ", " : "",
						 (long long) st->bad[r], bad_reason_text[r]);
		total += st->bad[r];
	}
	if (total > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s skipped %lld contact rows", aggname, (long long) total),
				 errdetail("Skipped: %s.", detail.data),
				 errhint("Set kvalitet.on_bad_input = error to stop at the first bad row instead.")));
}

/* ---------------------------------------------------------------------
 * Rules: settings, or the kvalitet.stay_rules argument
 * --------------------------------------------------------------------- */

/* An interval as absolute microseconds (months have no fixed length). */
static int64
rule_duration(Interval *iv, const char *field)
{
	int64		usec;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet.stay_rules.%s cannot be given in months or years", field),
				 errhint("Write 30 days as '720 hours'.")));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &usec) ||
		pg_add_s64_overflow(usec, iv->time, &usec) || usec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet.stay_rules.%s must be a duration of zero or more", field)));
	return usec;
}

static void
rule_set_name(char *into, const char *name)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("code set \"%s\" does not exist", name)));
	strlcpy(into, name, NAMEDATALEN);
}

/*
 * Fix the rules at the first row: the session's settings, overridden field
 * by field by the rules argument (argno >= 0) where that field is not NULL.
 * The target set (preventable) comes from its own argument.
 */
void
stays_fix_rules(StayState *st, FunctionCallInfo fcinfo, bool readmission,
		  int rules_argno, const char *target)
{
	StayRules  *r = &st->rules;
	const char *names[4] = {index_exclusion_set, readm_exclusion_set,
	injury_exclusion_set, psychiatric_set};

	memset(r, 0, sizeof(*r));
	r->merge_gap = (int64) merge_gap_s * USECS_PER_SEC;
	r->min_admission = (int64) min_admission_s * USECS_PER_SEC;
	r->window = (int64) window_s * USECS_PER_SEC;
	if (readmission)
		for (int i = 0; i < 4; i++)
			rule_set_name(r->sets[i], names[i]);
	if (target != NULL)
		rule_set_name(r->sets[4], target);

	if (rules_argno >= 0 && rules_argno < PG_NARGS() && !PG_ARGISNULL(rules_argno))
	{
		HeapTupleHeader t = PG_GETARG_HEAPTUPLEHEADER(rules_argno);
		static const char *const durations[3] = {"merge_gap", "min_admission", "readmission_window"};
		int64	   *fields[3] = {&r->merge_gap, &r->min_admission, &r->window};
		bool		isnull;
		Datum		d;

		for (int i = 0; i < 3; i++)
		{
			d = GetAttributeByNum(t, i + 1, &isnull);
			if (!isnull)
				*fields[i] = rule_duration(DatumGetIntervalP(d), durations[i]);
		}
		for (int i = 0; readmission && i < 4; i++)
		{
			d = GetAttributeByNum(t, i + 4, &isnull);
			if (!isnull)
				rule_set_name(r->sets[i], TextDatumGetCString(d));
		}
	}
	st->has_rules = true;
}

/* ---------------------------------------------------------------------
 * Buffering one contact row
 * --------------------------------------------------------------------- */

/*
 * The patient key type as a PATIENT_* kind; any other type (after looking
 * through domains) is an error naming the accepted ones.
 */
int32
stays_patient_kind(Oid type, const char *fname)
{
	switch (getBaseType(type))
	{
		case INT8OID:
			return PATIENT_INT8;
		case INT4OID:
			return PATIENT_INT4;
		case TEXTOID:
		case VARCHAROID:
			return PATIENT_TEXT;
		case UUIDOID:
			return PATIENT_UUID;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s: the patient key must be of type bigint, integer, text, varchar or uuid, not %s",
					fname, format_type_be(type)),
			 errhint("Cast the patient key to one of these types.")));
	return 0;					/* keep the compiler quiet */
}

/* Patient value -> patient id (st->patient_kind is set). */
static int64
patient_id(StayState *st, Datum value)
{
	switch (st->patient_kind)
	{
		case PATIENT_INT8:
			return DatumGetInt64(value);
		case PATIENT_INT4:
			return DatumGetInt32(value);
		case PATIENT_UUID:
			return stays_dict_id(&st->patients, (const char *) DatumGetUUIDP(value)->data, UUID_LEN);
		default:
			{
				text	   *t = DatumGetTextPP(value);

				if (VARSIZE_ANY_EXHDR(t) > PG_UINT16_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("patient identifier longer than %d bytes", PG_UINT16_MAX)));
				return stays_dict_id(&st->patients, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
	}
}

/*
 * Buffer one contact row from the values arg[] (an aggregate's arguments,
 * or a row of kvalitet.stays' query).  Positions in arg[]: patient (or -1
 * for patient_stays, which is grouped by patient), start, end, acute,
 * diagnosis, died (-1 = absent), eligible (-1 = absent: eligible), unit (-1
 * = absent).  fcinfo is the calling function's (for its cached code sets).
 */
void
stays_add_row(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
		int a_patient, int a_start, int a_died, int a_eligible, int a_unit)
{
	int			a_end = a_start + 1,
				a_acute = a_start + 2,
				a_diag = a_start + 3;
	kv_contact c;

	if (a_patient >= 0 && arg[a_patient].isnull)
		return bad_row(st, BAD_NULL_PATIENT);
	if (arg[a_start].isnull)
		return bad_row(st, BAD_NULL_START);

	c.start = DatumGetTimestampTz(arg[a_start].value);
	c.end = arg[a_end].isnull ? KV_TS_OPEN : DatumGetTimestampTz(arg[a_end].value);
	if (TIMESTAMP_NOT_FINITE(c.start) || (!arg[a_end].isnull && TIMESTAMP_NOT_FINITE(c.end)))
		return bad_row(st, BAD_INFINITE_TIME);
	if (c.end < c.start)
		return bad_row(st, BAD_END_BEFORE_START);

	c.diag = -1;
	if (!arg[a_diag].isnull)
	{
		text	   *t = DatumGetTextPP(arg[a_diag].value);

		c.diag = diagnosis_id(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		if (c.diag < 0)
			return bad_row(st, BAD_DIAGNOSIS);
	}

	c.flags = 0;
	if (!arg[a_acute].isnull && DatumGetBool(arg[a_acute].value))
		c.flags |= KV_C_ACUTE;
	if (a_died >= 0 && !arg[a_died].isnull && DatumGetBool(arg[a_died].value))
		c.flags |= KV_C_DIED;
	if (a_eligible < 0 || (!arg[a_eligible].isnull && DatumGetBool(arg[a_eligible].value)))
		c.flags |= KV_C_ELIGIBLE;
	if (a_unit >= 0 && !arg[a_unit].isnull)
	{
		text	   *t = DatumGetTextPP(arg[a_unit].value);
		int32		unit;

		if (VARSIZE_ANY_EXHDR(t) > PG_UINT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("unit identifier longer than %d bytes", PG_UINT16_MAX)));
		unit = stays_dict_id(&st->units, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		if (unit >= MAX_UNITS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("more than %d distinct units in one kvalitet aggregate", MAX_UNITS)));
		c.flags |= (uint32) (unit + 1) << UNIT_SHIFT;
	}

	c.patient = a_patient >= 0 ? patient_id(st, arg[a_patient].value) : 0;
	if (st->streaming && st->ncontacts > 0 &&
		st->contacts[st->ncontacts - 1].patient != c.patient)
	{
		/* The previous patient is complete: process it and start afresh. */
		stays_process_buffer(st, fcinfo);
		if (stays_keyed_patients(st))
		{
			dict_reset(&st->patients);
			c.patient = patient_id(st, arg[a_patient].value);
		}
	}
	stays_state_reserve(st, 1);
	st->contacts[st->ncontacts++] = c;
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

/*
 * Renumber text and uuid patients so that id order is the order of their
 * keys' bytes (bigint ids are the keys already).  The buffer's patient ids
 * change with them; its runs must have been flattened.
 */
void
stays_order_patients(StayState *st)
{
	int32		n = st->patients.count;
	RankItem   *items;
	int32	   *rank;
	KeyDict		sorted;

	Assert(st->nruns == 0);
	if (!stays_keyed_patients(st) || n == 0)
		return;
	items = palloc(sizeof(RankItem) * n);
	rank = palloc(sizeof(int32) * n);
	for (int32 i = 0; i < n; i++)
	{
		items[i].id = i;
		items[i].dict = &st->patients;
	}
	qsort(items, n, sizeof(RankItem), stays_rank_cmp);
	stays_dict_init(&sorted);
	for (int32 j = 0; j < n; j++)
	{
		rank[items[j].id] = j;
		stays_dict_id(&sorted, st->patients.keys[items[j].id], st->patients.lens[items[j].id]);
	}
	for (int64 i = 0; i < st->ncontacts; i++)
		st->contacts[i].patient = rank[st->contacts[i].patient];
	st->patients = sorted;
	pfree(items);
	pfree(rank);
}

/* ---------------------------------------------------------------------
 * Processing: sort, then run the engine one patient at a time
 * --------------------------------------------------------------------- */

/*
 * The compiled code sets of one rules' set names, kept for the whole query
 * in the calling function's fn_extra: a per-stay relation has one aggregate
 * state per patient, and must not compile its sets once per patient.
 */
#define CODE_BITS_CACHE 512

typedef struct CodeSets
{
	char		names[SET_COUNT][NAMEDATALEN];
	KvCodeSet	sets[SET_COUNT];	/* in KV_SET_* bit order */
	bool		have[SET_COUNT];
	bool		dated;			/* some set has dated entries */

	/*
	 * Set bits of codes of at most 8 bytes (zero-padded, as raw_slot keys),
	 * for the whole query: patient_stays has a state, and so a dictionary,
	 * per patient, which would otherwise match the same codes again for
	 * every patient.  Used when no set is dated.
	 */
	uint64		code_key[CODE_BITS_CACHE];	/* 0 = empty */
	uint32		code_bits[CODE_BITS_CACHE];
} CodeSets;

static CodeSets *
code_sets_for(FunctionCallInfo fcinfo, const StayRules *rules)
{
	CodeSets   *cs = (CodeSets *) fcinfo->flinfo->fn_extra;

	if (cs != NULL && memcmp(cs->names, rules->sets, sizeof(cs->names)) == 0)
		return cs;
	cs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CodeSets));
	memcpy(cs->names, rules->sets, sizeof(cs->names));
	for (int i = 0; i < SET_COUNT; i++)
	{
		if (rules->sets[i][0] == '\0')
			continue;
		kv_get_code_set(rules->sets[i], &cs->sets[i], fcinfo->flinfo->fn_mcxt);
		cs->have[i] = true;
		cs->dated |= cs->sets[i].dated;
	}
	fcinfo->flinfo->fn_extra = cs;
	return cs;
}

typedef struct Classifier
{
	StayState  *st;
	CodeSets   *cs;
	uint32	   *cache;			/* per diagnosis id: bits | CACHED */
	int32		cache_size;
	const int32 *local_to_global;	/* the current patient's rank -> id */
} Classifier;

#define CACHED 0x80000000u


/*
 * Set bits of a diagnosis for a stay decided at `at`.  The day that decides
 * is the stay's end (or start) in the session time zone; it is only worked
 * out when some set has dated entries, otherwise the bits are cached per code.
 */
static uint32
classify(void *ctx, int32 diag, int64_t at)
{
	Classifier *cl = (Classifier *) ctx;
	int32		id = cl->local_to_global[diag];
	const char *code = cl->st->diagnoses.keys[id];
	int			len = cl->st->diagnoses.lens[id];
	int32		day = 0;
	uint32		bits = 0;

	uint64		key = 0;
	uint32		slot = 0;

	if (!cl->cs->dated)
	{
		if (cl->cache[id] & CACHED)
			return cl->cache[id] & ~CACHED;
		if (len > 0 && len <= 8)
		{
			memcpy(&key, code, len);
			slot = raw_slot(key) & (CODE_BITS_CACHE - 1);
			if (cl->cs->code_key[slot] == key)
			{
				cl->cache[id] = cl->cs->code_bits[slot] | CACHED;
				return cl->cs->code_bits[slot];
			}
		}
	}
	else
		day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(at)));
	for (int i = 0; i < SET_COUNT; i++)
		if (cl->cs->have[i] && kv_codeset_match(cl->cs->sets[i].set, code, len, day))
			bits |= 1u << i;
	if (!cl->cs->dated)
	{
		cl->cache[id] = bits | CACHED;
		if (key != 0)
		{
			cl->cs->code_key[slot] = key;
			cl->cs->code_bits[slot] = bits;
		}
	}
	return bits;
}

/*
 * Rank the distinct ids one patient uses (diagnoses, or units) like their
 * text.  rank_by_id (one slot per id of the dictionary, all -1 between
 * patients) receives each used id's rank; rank_to_id the reverse.  Returns
 * how many ids the patient uses.  O(n + k log k).
 */
static size_t
rank_ids(const kv_contact *c, size_t n, bool units, const KeyDict *dict,
		 RankItem *items, int32 *rank_to_id, int32 *rank_by_id)
{
	size_t		k = 0;

	for (size_t i = 0; i < n; i++)
	{
		int32		id = units ? (int32) (c[i].flags >> UNIT_SHIFT) - 1 : c[i].diag;

		if (id < 0 || rank_by_id[id] != -1)
			continue;
		rank_by_id[id] = -2;	/* seen; ranked below */
		items[k].id = id;
		items[k].dict = dict;
		k++;
	}
	/* A patient usually has a handful of distinct ids: insertion sort then. */
	if (k > 16)
		qsort(items, k, sizeof(RankItem), stays_rank_cmp);
	else
		for (size_t j = 1; j < k; j++)
		{
			RankItem	item = items[j];
			size_t		i = j;

			for (; i > 0 && stays_rank_cmp(&items[i - 1], &item) > 0; i--)
				items[i] = items[i - 1];
			items[i] = item;
		}
	for (size_t j = 0; j < k; j++)
	{
		rank_to_id[j] = items[j].id;
		rank_by_id[items[j].id] = (int32) j;
	}
	return k;
}

/* Scratch of rank_patient, sized for the largest patient and the dictionaries. */
typedef struct RankScratch
{
	RankItem   *items;
	int32	   *diag_map;		/* rank -> diagnosis id */
	int32	   *unit_map;		/* rank -> unit id */
	int32	   *diag_rank;		/* diagnosis id -> rank, -1 when unused */
	int32	   *unit_rank;		/* unit id -> rank, -1 when unused */
} RankScratch;

/*
 * Give one patient's diagnoses and units ids ranked like their text, so
 * exact ties sort, and dominant-diagnosis ties break, the same way whatever
 * order the rows came in; then re-sort the patient's contacts.
 */
static void
rank_patient(StayState *st, kv_contact *c, size_t n, RankScratch *r)
{
	size_t		nd = rank_ids(c, n, false, &st->diagnoses, r->items, r->diag_map, r->diag_rank);
	size_t		nu = rank_ids(c, n, true, &st->units, r->items, r->unit_map, r->unit_rank);

	for (size_t i = 0; i < n; i++)
	{
		uint32		u = c[i].flags >> UNIT_SHIFT;

		if (c[i].diag >= 0)
			c[i].diag = r->diag_rank[c[i].diag];
		if (u != UNIT_NONE)
			c[i].flags = (c[i].flags & ((1u << UNIT_SHIFT) - 1)) |
				((uint32) (r->unit_rank[u - 1] + 1) << UNIT_SHIFT);
	}
	/* Leave the id -> rank maps all -1 for the next patient. */
	for (size_t j = 0; j < nd; j++)
		r->diag_rank[r->diag_map[j]] = -1;
	for (size_t j = 0; j < nu; j++)
		r->unit_rank[r->unit_map[j]] = -1;
	kv_contacts_sort(c, n);		/* returns at once when already in order */
}

/*
 * Grow an array of 32-bit slots, one per dictionary id, to `needed` slots;
 * new slots get every byte set to `fill`.  The arrays live in the state
 * (the classifier's cache, the id -> rank maps, which are all -1 between
 * patients), so that processing one patient costs nothing per dictionary
 * entry.
 */
static void *
grow_slots(MemoryContext cxt, void *slots, int32 *size, int32 needed, int fill)
{
	int32		newsize;

	if (*size >= needed)
		return slots;
	newsize = Max(needed, Max(*size * 2, 64));
	slots = slots ? repalloc(slots, sizeof(int32) * newsize) :
		MemoryContextAlloc(cxt, sizeof(int32) * newsize);
	memset((int32 *) slots + *size, fill, sizeof(int32) * (newsize - *size));
	*size = newsize;
	return slots;
}

/* Patients are dictionary ids of text or uuid keys (not integer values). */
bool
stays_keyed_patients(const StayState *st)
{
	return st->patient_kind == PATIENT_TEXT || st->patient_kind == PATIENT_UUID;
}

/* Order of two patient ids of one state: by key, or by bigint value. */
int
stays_patient_cmp(const StayState *st, int64 x, int64 y)
{
	if (x == y)
		return 0;
	if (stays_keyed_patients(st))
	{
		RankItem	a = {(int32) x, &st->patients};
		RankItem	b = {(int32) y, &st->patients};

		return stays_rank_cmp(&a, &b);
	}
	return x < y ? -1 : 1;
}

/*
 * The map outer[inner[i]] for the n ids of inner, in the current context;
 * a NULL map means the same ids.
 */
int32 *
stays_compose_map(const int32 *inner, int32 n, const int32 *outer)
{
	int32	   *map;

	if (outer == NULL)
		return (int32 *) inner;
	map = palloc(sizeof(int32) * Max(n, 1));
	for (int32 i = 0; i < n; i++)
		map[i] = outer[inner != NULL ? inner[i] : i];
	return map;
}

/* Keep a sorted run beside the state's buffer (the struct is copied). */
void
stays_add_run(StayState *st, const StayRun *run)
{
	MemoryContext cxt = GetMemoryChunkContext(st);

	if (run->ncontacts == 0)
		return;
	st->runs = st->runs == NULL ? MemoryContextAlloc(cxt, sizeof(StayRun)) :
		repalloc(st->runs, sizeof(StayRun) * (st->nruns + 1));
	st->runs[st->nruns++] = *run;
}

/* Contacts a run reader decodes at a time. */
#define READ_BATCH 64

/*
 * Reads a run's contacts in order, in the state's ids, one ahead: from its
 * array, or decoded from its packed bytes a batch at a time.
 */
typedef struct RunReader
{
	const StayRun *run;
	int64		left;			/* packed contacts not yet decoded */
	kv_contact_reader packed;
	const kv_contact *next;		/* the contacts after head: in the run's */
	const kv_contact *last;		/* ... array, or in batch */
	bool		has_head;
	kv_contact	head;			/* the contact read last */
	kv_contact	batch[READ_BATCH];
} RunReader;

static void
run_reader_advance(RunReader *rr)
{
	if (rr->next == rr->last && rr->left > 0)
	{
		size_t		want = (size_t) Min(rr->left, READ_BATCH);

		if (kv_contacts_read(&rr->packed, rr->batch, want) < want)
			elog(ERROR, "malformed contacts in a serialized kvalitet state");	/* cannot happen */
		for (size_t i = 0; i < want; i++)
			rr->batch[i] = stays_remap_contact(rr->batch[i], &rr->run->maps);
		rr->left -= (int64) want;
		rr->next = rr->batch;
		rr->last = rr->batch + want;
	}
	rr->has_head = rr->next < rr->last;
	if (rr->has_head)
		rr->head = *rr->next++;
}

static void
run_reader_init(RunReader *rr, const StayRun *run)
{
	rr->run = run;
	if (run->packed != NULL)
	{
		kv_contact_reader_init(&rr->packed, run->packed, run->packed_len);
		rr->left = run->ncontacts;
		rr->next = rr->last = rr->batch;
	}
	else
	{
		rr->left = 0;
		rr->next = run->contacts;
		rr->last = run->contacts + run->ncontacts;
	}
	run_reader_advance(rr);
}

/* Append the runs to the state's own buffer (which is then not grouped). */
void
stays_flatten_runs(StayState *st)
{
	if (st->nruns == 0)
		return;
	for (int32 r = 0; r < st->nruns; r++)
	{
		StayRun    *run = &st->runs[r];
		RunReader	rr;

		stays_state_reserve(st, run->ncontacts);
		for (run_reader_init(&rr, run); rr.has_head; run_reader_advance(&rr))
			st->contacts[st->ncontacts++] = rr.head;
		if (run->contacts != NULL)
			pfree(run->contacts);
		if (run->packed != NULL)
			pfree(run->packed);
	}
	pfree(st->runs);
	st->runs = NULL;
	st->nruns = 0;
	st->grouped = false;
}

/*
 * Walks the patients of a state: of its one buffer (in place), or merged
 * from its buffer and sorted runs, gathering one patient's contacts from
 * every run into `scratch`.
 */
typedef struct PatientCursor
{
	const StayState *st;
	int32		nreaders;		/* 0: the buffer alone, read in place */
	RunReader  *readers;
	StayRun		buffer;			/* the state's buffer as a run */
	int64		pos;			/* in the buffer, read in place */
	kv_contact *scratch;		/* room for the largest merged patient */
} PatientCursor;

static void
cursor_init(PatientCursor *pc, StayState *st)
{
	/* No allocation for a buffer alone: streaming calls this per patient. */
	memset(pc, 0, sizeof(PatientCursor));
	pc->st = st;
	pc->buffer.ncontacts = st->ncontacts;
	pc->buffer.largest = -1;
	pc->buffer.contacts = st->contacts;
	if (st->nruns == 0)
		return;
	pc->nreaders = 1 + st->nruns;
	pc->readers = palloc(sizeof(RunReader) * pc->nreaders);
	run_reader_init(&pc->readers[0], &pc->buffer);
	for (int32 r = 0; r < st->nruns; r++)
		run_reader_init(&pc->readers[1 + r], &st->runs[r]);
}

/*
 * The next patient's contacts (*c, returned count; 0 at the end).  With
 * runs they are gathered into the scratch array, each run's part in order
 * (the caller sorts the whole).
 */
static size_t
cursor_next(PatientCursor *pc, kv_contact **c)
{
	int32		first = -1;
	int64		patient;
	size_t		n = 0;

	if (pc->nreaders == 0)
	{
		if (pc->pos >= pc->buffer.ncontacts)
			return 0;
		*c = pc->buffer.contacts + pc->pos;
		n = kv_patient_run(*c, pc->buffer.ncontacts - pc->pos);
		pc->pos += n;
		return n;
	}
	for (int32 r = 0; r < pc->nreaders; r++)
		if (pc->readers[r].has_head &&
			(first < 0 || stays_patient_cmp(pc->st, pc->readers[r].head.patient,
											pc->readers[first].head.patient) < 0))
			first = r;
	if (first < 0)
		return 0;
	patient = pc->readers[first].head.patient;
	for (int32 r = first; r < pc->nreaders; r++)
	{
		RunReader  *rr = &pc->readers[r];

		for (; rr->has_head && rr->head.patient == patient; run_reader_advance(rr))
			pc->scratch[n++] = rr->head;
	}
	*c = pc->scratch;
	return n;
}

/* The contacts of a run's largest patient (counted when not known). */
size_t
stays_largest_patient(const StayRun *run)
{
	size_t		largest = 0;

	if (run->largest >= 0)
		return (size_t) run->largest;
	for (int64 i = 0; i < run->ncontacts;)
	{
		size_t		n = kv_patient_run(run->contacts + i, run->ncontacts - i);

		largest = Max(largest, n);
		i += n;
	}
	return largest;
}

/*
 * Rank every id of a dictionary like its text, once for the whole buffer:
 * rank_to_id[rank] = id, id_to_rank[id] = rank.
 */
static void
rank_dict(const KeyDict *dict, int32 *rank_to_id, int32 *id_to_rank)
{
	RankItem   *items = palloc(sizeof(RankItem) * Max(dict->count, 1));

	for (int32 id = 0; id < dict->count; id++)
	{
		items[id].id = id;
		items[id].dict = dict;
	}
	if (dict->count > 16)
		qsort(items, dict->count, sizeof(RankItem), stays_rank_cmp);
	else						/* one patient's codes (patient_stays) */
		for (int32 j = 1; j < dict->count; j++)
		{
			RankItem	item = items[j];
			int32		k = j;

			for (; k > 0 && stays_rank_cmp(&items[k - 1], &item) > 0; k--)
				items[k] = items[k - 1];
			items[k] = item;
		}
	for (int32 j = 0; j < dict->count; j++)
	{
		rank_to_id[j] = items[j].id;
		id_to_rank[items[j].id] = j;
	}
	pfree(items);
}

/*
 * Give all buffered contacts diagnosis and unit ids ranked like their text
 * (see rank_patient), ranking each dictionary once: cheaper than ranking
 * per patient whenever the whole buffer is processed at once.
 */
static void
rank_buffer(StayState *st, int32 *diag_map, int32 *unit_map)
{
	int32	   *diag_rank = palloc(sizeof(int32) * Max(st->diagnoses.count, 1));
	int32	   *unit_rank = palloc(sizeof(int32) * Max(st->units.count, 1));

	rank_dict(&st->diagnoses, diag_map, diag_rank);
	rank_dict(&st->units, unit_map, unit_rank);
	for (int32 r = -1; r < st->nruns; r++)
	{
		StayRun    *run = r < 0 ? NULL : &st->runs[r];
		kv_contact *cs = r < 0 ? st->contacts : run->contacts;
		int64		n = r < 0 ? st->ncontacts : run->ncontacts;

		if (run != NULL && run->packed != NULL)
		{
			/* Packed: rank through its maps, decoding nothing now. */
			MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(st));

			run->maps.diag = stays_compose_map(run->maps.diag, run->ndiag, diag_rank);
			run->maps.unit = stays_compose_map(run->maps.unit, run->nunit, unit_rank);
			MemoryContextSwitchTo(old);
			continue;
		}
		for (int64 i = 0; i < n; i++)
		{
			kv_contact *c = &cs[i];
			uint32		u = c->flags >> UNIT_SHIFT;

			if (c->diag >= 0)
				c->diag = diag_rank[c->diag];
			if (u != UNIT_NONE)
				c->flags = (c->flags & ((1u << UNIT_SHIFT) - 1)) |
					((uint32) (unit_rank[u - 1] + 1) << UNIT_SHIFT);
		}
	}
	pfree(diag_rank);
	pfree(unit_rank);
}

/*
 * Sort the buffer, collapse exact duplicates, and run the stay engine on
 * each patient, calling fn with its stays.  Scratch memory comes from the
 * current (short-lived) context; the classifier lives in the aggregate's.
 *
 * Diagnosis and unit ids are first ranked like their text, so that exact
 * ties sort, and dominant-diagnosis ties break, the same way whatever order
 * the rows came in: once for the whole buffer, or per patient when
 * streaming (the dictionaries then grow between calls).  Whatever ranked
 * them, diag_map and unit_map turn a rank back into a dictionary id.  A
 * state combined from parallel workers holds their sorted runs beside its
 * buffer; the patient cursor gathers each patient from all of them.
 */
void
stays_run_engine(StayState *st, FunctionCallInfo fcinfo, int64 complete_until,
		   patient_fn fn, void *arg)
{
	kv_stay_params params;
	size_t		maxrun = 0,
				run;
	kv_contact *c;
	PatientCursor pc;
	kv_stay    *stays;
	kv_stay_work *work;
	RankScratch r;
	Classifier *cl;
	int32	   *diag_map,
			   *unit_map;

	if (st->classifier == NULL)
	{
		st->classifier = MemoryContextAllocZero(GetMemoryChunkContext(st), sizeof(Classifier));
		st->classifier->st = st;
	}
	cl = st->classifier;
	cl->cs = code_sets_for(fcinfo, &st->rules);
	cl->cache = grow_slots(GetMemoryChunkContext(st), cl->cache, &cl->cache_size,
						   st->diagnoses.count, 0);

	params.merge_gap = st->rules.merge_gap;
	params.min_admission = st->rules.min_admission;
	params.window = st->rules.window;
	params.complete_until = complete_until;
	params.classify = classify;
	params.classify_ctx = cl;

	memset(&r, 0, sizeof(r));
	if (st->streaming)
	{
		/* One patient's rows: ranked below, per patient. */
		diag_map = NULL;
		unit_map = NULL;
	}
	else
	{
		diag_map = palloc(sizeof(int32) * Max(st->diagnoses.count, 1));
		unit_map = palloc(sizeof(int32) * Max(st->units.count, 1));
		rank_buffer(st, diag_map, unit_map);
	}
	if (!st->grouped)
		kv_contacts_sort(st->contacts, st->ncontacts);	/* no runs then */

	/* The largest patient decides the scratch sizes (summed over runs). */
	cursor_init(&pc, st);
	maxrun = stays_largest_patient(&pc.buffer);
	for (int32 r = 0; r < st->nruns; r++)
		maxrun += stays_largest_patient(&st->runs[r]);
	if (maxrun > (size_t) KV_MAX_PATIENT_CONTACTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("one patient has more than %d contacts", KV_MAX_PATIENT_CONTACTS)));
	maxrun = Max(maxrun, 1);
	if (pc.nreaders > 0)
		pc.scratch = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(kv_contact) * maxrun);
	stays = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(kv_stay) * maxrun);
	work = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(kv_stay_work) * maxrun);
	if (st->streaming)
	{
		r.diag_map = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * maxrun);
		r.unit_map = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * maxrun);
		r.items = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RankItem) * maxrun);
		st->diag_rank = grow_slots(GetMemoryChunkContext(st), st->diag_rank,
								   &st->diag_rank_size, st->diagnoses.count, 0xFF);
		st->unit_rank = grow_slots(GetMemoryChunkContext(st), st->unit_rank,
								   &st->unit_rank_size, st->units.count, 0xFF);
		r.diag_rank = st->diag_rank;
		r.unit_rank = st->unit_rank;
		diag_map = r.diag_map;
		unit_map = r.unit_map;
	}
	cl->local_to_global = diag_map;

	while ((run = cursor_next(&pc, &c)) > 0)
	{
		size_t		nstays,
					distinct;

		if (st->streaming)
			rank_patient(st, c, run, &r);
		else if (st->grouped)
			kv_contacts_sort(c, run);	/* runs gathered, or ties reordered by the ranks */
		distinct = kv_contacts_dedupe(c, run);
		st->duplicates += (int64) (run - distinct);
		nstays = kv_patient_stays(c, distinct, &params, stays, work);
		fn(arg, st, c, stays, nstays, diag_map, unit_map);
		CHECK_FOR_INTERRUPTS();
	}
	if (pc.nreaders > 0)
	{
		pfree(pc.readers);
		pfree(pc.scratch);
	}
	pfree(stays);
	pfree(work);
	if (!st->streaming)
	{
		pfree(diag_map);
		pfree(unit_map);
	}
	else
	{
		pfree(r.diag_map);
		pfree(r.unit_map);
		pfree(r.items);
	}
}

static void
add_totals(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
		   size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	kv_totals_add(&st->totals, stays, nstays);
}

/* Process everything buffered into the totals, and empty the buffer. */
void
stays_process_buffer(StayState *st, FunctionCallInfo fcinfo)
{
	stays_run_engine(st, fcinfo, PG_INT64_MIN, add_totals, NULL);
	st->ncontacts = 0;
}

void
stays_report_rows(const StayState *st, const char *aggname)
{
	warn_bad_rows(st, aggname);
	if (st->duplicates > 0)
		ereport(NOTICE,
				(errmsg("%s counted %lld duplicate contact rows once", aggname,
						(long long) st->duplicates),
				 errdetail("Rows equal in every argument describe the same contact.")));
}

/* ---------------------------------------------------------------------
 * Output: the columns of one stay
 * --------------------------------------------------------------------- */

/* A dictionary key as text. */
text *
stays_dict_text(const KeyDict *d, int32 id)
{
	return cstring_to_text_with_len(d->keys[id], d->lens[id]);
}

/*
 * The kvalitet.stay columns of one stay, into v[0..STAY_NATTS) (text
 * values are palloc'd in the current context).
 */
void
stays_stay_values(const StayState *st, const kv_contact *c, const kv_stay *s,
			const int32 *diag_map, const int32 *unit_map, bool known_completeness,
			Datum *v, bool *isnull)
{
	uint32		unit = c[s->discharging].flags >> UNIT_SHIFT;
	bool		open = s->end == KV_TS_OPEN;
	bool		no_next = open || !s->has_next;

	memset(isnull, 0, sizeof(bool) * STAY_NATTS);
	v[0] = Int32GetDatum(s->number);
	v[1] = TimestampTzGetDatum(s->start);
	v[2] = TimestampTzGetDatum(s->end);
	isnull[2] = open;
	v[3] = BoolGetDatum(s->admission);
	v[4] = BoolGetDatum(s->acute);
	isnull[5] = s->dominant_diag < 0;
	v[5] = isnull[5] ? (Datum) 0 :
		PointerGetDatum(stays_dict_text(&st->diagnoses, diag_map[s->dominant_diag]));
	v[6] = BoolGetDatum(s->died);
	isnull[7] = unit == UNIT_NONE;
	v[7] = isnull[7] ? (Datum) 0 :
		PointerGetDatum(stays_dict_text(&st->units, unit_map[unit - 1]));
	v[8] = BoolGetDatum(s->index);
	v[9] = BoolGetDatum(s->readmitted);
	v[10] = TimestampTzGetDatum(s->next_start);
	isnull[10] = !s->has_next;
	v[11] = Float8GetDatum(no_next ? 0.0 :
						   (double) (s->next_start - s->end) / (double) USECS_PER_HOUR);
	isnull[11] = no_next;
	v[12] = BoolGetDatum(s->followup_complete);
	isnull[12] = open || !known_completeness;
	v[13] = BoolGetDatum(s->psychiatric);
}

