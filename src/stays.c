/*
 * stays.c - the patient-flow aggregates: readmission_rate,
 * preventable_admission_share and patient_stays (the per-stay relation).
 *
 * Each aggregate buffers one 32-byte kv_contact per row (patients and
 * diagnoses become small integer ids through dictionaries), and the final
 * function sorts the buffer and hands each patient's contacts to the stay
 * engine in src/core/stays.c, where every rule lives.  The state is
 * internal, with serialize/deserialize/combine functions: parallel workers
 * scan, buffer and sort in parallel, and the leader merges their sorted runs.
 * With ORDER BY patient inside the call, each patient is processed as soon
 * as the next begins, so memory is bounded by the largest patient.
 *
 * Why an aggregate for the per-stay relation too (patient_stays, grouped by
 * patient): it runs wherever the rows are, so a table distributed by
 * patient (Citus) or partitioned by patient needs nothing special, and a
 * materialized view over it is plain SQL.  A set-returning function over a
 * query text could skip the executor's sort by patient, but could not be
 * pushed down to where the rows live; it has not been built to compare
 * (bench/README.md has the aggregate's figures).
 *
 * Bad rows (NULL patient or start, end before start, a diagnosis that is no
 * code) are skipped and counted, and the final function raises one WARNING
 * with the counts per reason; with kvalitet.on_bad_input = error the first
 * bad row raises an ERROR instead.  No message ever shows a patient key.
 */
#include "kvalitet.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "nodes/primnodes.h"
#include "parser/parse_clause.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

#include "codes.h"
#include "stays.h"

PG_FUNCTION_INFO_V1(stays_accum);
PG_FUNCTION_INFO_V1(preventable_accum);
PG_FUNCTION_INFO_V1(patient_stays_accum);
PG_FUNCTION_INFO_V1(stays_combine);
PG_FUNCTION_INFO_V1(stays_serialize);
PG_FUNCTION_INFO_V1(stays_deserialize);
PG_FUNCTION_INFO_V1(readmission_final);
PG_FUNCTION_INFO_V1(preventable_final);
PG_FUNCTION_INFO_V1(patient_stays_final);
PG_FUNCTION_INFO_V1(stays_query);

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

typedef struct KeyDict
{
	int32		count;
	int32		capacity;		/* slots in the hash table (power of two) */
	int32	   *slots;			/* id + 1, 0 = empty */
	uint32	   *hashes;			/* per id */
	char	  **keys;			/* per id */
	uint16	   *lens;			/* per id */
	int32		keys_capacity;
} KeyDict;

static void
dict_init(KeyDict *d)
{
	d->count = 0;
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
static int32
dict_id(KeyDict *d, const char *key, int len)
{
	uint32		h = hash_bytes((const unsigned char *) key, len);
	uint32		i = h & (d->capacity - 1);
	int32		id;

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
 * The aggregate state
 * --------------------------------------------------------------------- */

typedef enum BadReason
{
	BAD_NULL_PATIENT,
	BAD_NULL_START,
	BAD_END_BEFORE_START,
	BAD_INFINITE_TIME,
	BAD_DIAGNOSIS,
	BAD_NREASONS
} BadReason;

static const char *const bad_reason_text[BAD_NREASONS] = {
	"NULL patient",
	"NULL start_at",
	"end_at before start_at",
	"infinite start_at or end_at",
	"diagnosis that is not a code"
};

/* The code sets the engine consults, in KV_SET_* bit order. */
#define SET_COUNT 5

/*
 * The rules one aggregate call uses, fixed at its first row: from the
 * optional kvalitet.stay_rules argument, else from the session's settings.
 */
typedef struct StayRules
{
	int64		merge_gap;
	int64		min_admission;
	int64		window;
	char		sets[SET_COUNT][NAMEDATALEN];	/* "" = not used */
} StayRules;

#define PATIENT_INT8 1
#define PATIENT_TEXT 2
#define PATIENT_UUID 3

/* The discharging unit's id rides in the upper bits of kv_contact.flags. */
#define UNIT_SHIFT 8
#define UNIT_NONE 0				/* no unit: id 0, real units are id + 1 */
#define MAX_UNITS ((1 << (32 - UNIT_SHIFT)) - 2)

struct Classifier;

typedef struct StayState
{
	int32		patient_kind;	/* PATIENT_*, 0 until the first row */
	bool		has_rules;		/* rules fixed (at the first row) */
	bool		streaming;		/* rows arrive ordered by patient */
	bool		grouped;		/* contacts sorted by (patient key, start, end) */
	StayRules	rules;
	struct Classifier *classifier;	/* built at the first use */
	kv_totals	totals;			/* of the patients already processed */
	int64		duplicates;		/* exact duplicate rows collapsed */
	int64		ncontacts;
	int64		capacity;
	kv_contact *contacts;
	KeyDict		patients;		/* text and uuid patients */
	KeyDict		diagnoses;		/* normalised codes */
	KeyDict		units;			/* discharging units (patient_stays) */
	int64		bad[BAD_NREASONS];
	int32	   *diag_rank;		/* per diagnosis id: rank in the current */
	int32		diag_rank_size;	/* ... patient, -1 between patients */
	struct RawCodeCache *raw_codes; /* after RAW_CACHE_AFTER rows */
	int32	   *unit_rank;		/* the same for units */
	int32		unit_rank_size;
	int64		complete_until; /* patient_stays: data complete until, or */
	bool		has_complete_until;	/* ... unknown */
} StayState;

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
	id = dict_id(&st->diagnoses, code, (int) codelen);
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
static StayState *
state_alloc(int64 capacity)
{
	StayState  *st = palloc0(sizeof(StayState));

	st->capacity = capacity;
	st->contacts = palloc(sizeof(kv_contact) * capacity);
	dict_init(&st->patients);
	dict_init(&st->diagnoses);
	dict_init(&st->units);
	return st;
}

static StayState *
state_create(FunctionCallInfo fcinfo, MemoryContext aggcontext, bool has_patient)
{
	MemoryContext old = MemoryContextSwitchTo(aggcontext);
	StayState  *st = state_alloc(has_patient ? 1024 : 16);	/* patient_stays: one patient */
	Aggref	   *aggref = AggGetAggref(fcinfo);

	/*
	 * With ORDER BY patient inside the call (readmission_rate(... ORDER BY
	 * patient, start_at)), rows come patient by patient: each patient is
	 * processed when the next one starts, so memory stays bounded by the
	 * largest patient (PostgreSQL's sort spills to disk beyond work_mem).
	 */
	if (has_patient && aggref != NULL && aggref->aggorder != NIL &&
		aggref->aggsplit == AGGSPLIT_SIMPLE)
	{
		SortGroupClause *first = linitial_node(SortGroupClause, aggref->aggorder);
		TargetEntry *patient = linitial_node(TargetEntry, aggref->args);

		st->streaming = first->tleSortGroupRef == patient->ressortgroupref;
		if (st->streaming)
			elog(DEBUG1, "kvalitet: rows ordered by patient, processed one patient at a time");
	}
	MemoryContextSwitchTo(old);
	return st;
}

/* Grow by a quarter: keeps the buffer within 40 bytes per 32-byte contact. */
static void
state_reserve(StayState *st, int64 more)
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
static void
fix_rules(StayState *st, FunctionCallInfo fcinfo, bool readmission,
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
 * Transition functions
 * --------------------------------------------------------------------- */

/* The patient type (bigint, text or uuid), as a PATIENT_* kind. */
static int32
patient_kind_of(Oid type)
{
	return type == INT8OID ? PATIENT_INT8 : type == UUIDOID ? PATIENT_UUID : PATIENT_TEXT;
}

/* Patient value -> patient id (st->patient_kind is set). */
static int64
patient_id(StayState *st, Datum value)
{
	switch (st->patient_kind)
	{
		case PATIENT_INT8:
			return DatumGetInt64(value);
		case PATIENT_UUID:
			return dict_id(&st->patients, (const char *) DatumGetUUIDP(value)->data, UUID_LEN);
		default:
			{
				text	   *t = DatumGetTextPP(value);

				if (VARSIZE_ANY_EXHDR(t) > PG_UINT16_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("patient identifier longer than %d bytes", PG_UINT16_MAX)));
				return dict_id(&st->patients, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
	}
}

static void process_buffer(StayState *st, FunctionCallInfo fcinfo);

/*
 * Buffer one contact row from the values arg[] (an aggregate's arguments,
 * or a row of kvalitet.stays' query).  Positions in arg[]: patient (or -1
 * for patient_stays, which is grouped by patient), start, end, acute,
 * diagnosis, died (-1 = absent), eligible (-1 = absent: eligible), unit (-1
 * = absent).  fcinfo is the calling function's (for its cached code sets).
 */
static void
add_row(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
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
		unit = dict_id(&st->units, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
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
		process_buffer(st, fcinfo);
		if (st->patient_kind != PATIENT_INT8)
		{
			dict_reset(&st->patients);
			c.patient = patient_id(st, arg[a_patient].value);
		}
	}
	state_reserve(st, 1);
	st->contacts[st->ncontacts++] = c;
}

static StayState *
get_state(FunctionCallInfo fcinfo, MemoryContext *aggcontext, bool has_patient)
{
	if (!AggCheckCallContext(fcinfo, aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvalitet aggregate transition function called in non-aggregate context")));
	if (PG_ARGISNULL(0))
	{
		StayState  *st = state_create(fcinfo, *aggcontext, has_patient);

		if (has_patient)
			st->patient_kind = patient_kind_of(get_fn_expr_argtype(fcinfo->flinfo, 1));
		return st;
	}
	return (StayState *) PG_GETARG_POINTER(0);
}

/*
 * readmission_rate(patient, start, end, acute, diagnosis [, died
 * [, index_eligible [, rules]]])
 */
Datum
stays_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, true);
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
		fix_rules(st, fcinfo, true, 8, NULL);
	add_row(st, fcinfo, fcinfo->args, 1, 2, PG_NARGS() > 6 ? 6 : -1, PG_NARGS() > 7 ? 7 : -1, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* preventable_admission_share(patient, start, end, acute, diagnosis [, set_name [, rules]]) */
Datum
preventable_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, true);
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
		fix_rules(st, fcinfo, false, 7,
				  PG_NARGS() > 6 && !PG_ARGISNULL(6) ?
				  text_to_cstring(PG_GETARG_TEXT_PP(6)) : "preventable_elderly");
	add_row(st, fcinfo, fcinfo->args, 1, 2, -1, -1, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * patient_stays(start, end, acute, diagnosis, died, eligible, unit
 * [, data_complete_until [, rules]]), grouped by patient
 */
Datum
patient_stays_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, false);
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
		fix_rules(st, fcinfo, true, 9, NULL);
	add_row(st, fcinfo, fcinfo->args, -1, 1, 5, 6, 7);
	if (PG_NARGS() > 8 && !PG_ARGISNULL(8))
	{
		st->complete_until = PG_GETARG_TIMESTAMPTZ(8);
		st->has_complete_until = true;
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* ---------------------------------------------------------------------
 * Parallel aggregation: serialize, deserialize, combine
 *
 * Each worker sorts its own buffer as it serializes it (the sort runs in
 * parallel); the leader merges the sorted runs, so its final function only
 * walks the patients.
 * --------------------------------------------------------------------- */

typedef struct RankItem
{
	int32		id;
	const KeyDict *dict;
} RankItem;

static int
rank_cmp(const void *a, const void *b)
{
	const RankItem *x = a,
			   *y = b;
	int			lx = x->dict->lens[x->id],
				ly = y->dict->lens[y->id];
	int			c = memcmp(x->dict->keys[x->id], y->dict->keys[y->id], Min(lx, ly));

	return c != 0 ? c : lx - ly;
}

static bool
keyed_patients(const StayState *st)
{
	return st->patient_kind == PATIENT_TEXT || st->patient_kind == PATIENT_UUID;
}

/*
 * Sort a worker's buffer by (patient, start, end) with patients in key
 * order: text and uuid patients are renumbered so that id order is key
 * order, which lets the leader merge runs from different workers.
 */
static void
sort_for_merge(StayState *st)
{
	if (keyed_patients(st) && st->patients.count > 0)
	{
		int32		n = st->patients.count;
		RankItem   *items = palloc(sizeof(RankItem) * n);
		int32	   *rank = palloc(sizeof(int32) * n);
		KeyDict		sorted;

		for (int32 i = 0; i < n; i++)
		{
			items[i].id = i;
			items[i].dict = &st->patients;
		}
		qsort(items, n, sizeof(RankItem), rank_cmp);
		dict_init(&sorted);
		for (int32 j = 0; j < n; j++)
		{
			rank[items[j].id] = j;
			dict_id(&sorted, st->patients.keys[items[j].id], st->patients.lens[items[j].id]);
		}
		for (int64 i = 0; i < st->ncontacts; i++)
			st->contacts[i].patient = rank[st->contacts[i].patient];
		st->patients = sorted;
	}
	kv_contacts_sort(st->contacts, st->ncontacts);
	st->grouped = true;
}

/* Order of two contacts of one state by (patient key, start, end). */
static int
merge_order(const StayState *st, const kv_contact *x, const kv_contact *y)
{
	if (x->patient != y->patient)
	{
		if (keyed_patients(st))
		{
			RankItem	a = {(int32) x->patient, &st->patients};
			RankItem	b = {(int32) y->patient, &st->patients};

			return rank_cmp(&a, &b);
		}
		return x->patient < y->patient ? -1 : 1;
	}
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

/* Ids of `from` mapped into `into` (keys added when new). */
static int32 *
merge_dict(KeyDict *into, const KeyDict *from)
{
	int32	   *map = palloc(sizeof(int32) * Max(from->count, 1));

	for (int32 i = 0; i < from->count; i++)
		map[i] = dict_id(into, from->keys[i], from->lens[i]);
	return map;
}

/* The id maps from one state's dictionaries into another's. */
typedef struct IdMaps
{
	bool		keyed;			/* remap patients too */
	int32	   *patient;
	int32	   *diag;
	int32	   *unit;
} IdMaps;

/* A contact of the other state, in this state's ids. */
static inline kv_contact
remap_contact(kv_contact c, const IdMaps *m)
{
	uint32		unit = c.flags >> UNIT_SHIFT;

	if (m->keyed)
		c.patient = m->patient[c.patient];
	if (c.diag >= 0)
		c.diag = m->diag[c.diag];
	if (unit != UNIT_NONE)
		c.flags = (c.flags & ((1u << UNIT_SHIFT) - 1)) |
			((uint32) (m->unit[unit - 1] + 1) << UNIT_SHIFT);
	return c;
}

/* Merge b's sorted contacts into a's sorted ones, remapping b's ids. */
static void
merge_runs(StayState *a, const StayState *b, const IdMaps *m)
{
	int64		na = a->ncontacts,
				nb = b->ncontacts,
				i = 0,
				j = 0,
				k = 0;
	kv_contact *out = MemoryContextAllocHuge(GetMemoryChunkContext(a->contacts),
											 sizeof(kv_contact) * Max(na + nb, 1));
	kv_contact	next;

	if (nb > 0)
		next = remap_contact(b->contacts[0], m);
	while (i < na && j < nb)
	{
		if (merge_order(a, &next, &a->contacts[i]) < 0)
		{
			out[k++] = next;
			if (++j < nb)
				next = remap_contact(b->contacts[j], m);
		}
		else
			out[k++] = a->contacts[i++];
	}
	while (i < na)
		out[k++] = a->contacts[i++];
	for (; j < nb; j++)
		out[k++] = remap_contact(b->contacts[j], m);
	pfree(a->contacts);
	a->contacts = out;
	a->ncontacts = k;
	a->capacity = Max(na + nb, 1);
}

static void
send_dict(StringInfo buf, const KeyDict *d)
{
	pq_sendint32(buf, d->count);
	for (int32 i = 0; i < d->count; i++)
	{
		pq_sendint16(buf, d->lens[i]);
		pq_sendbytes(buf, d->keys[i], d->lens[i]);
	}
}

static void
recv_dict(StringInfo buf, KeyDict *d)
{
	int32		n = pq_getmsgint(buf, 4);

	dict_init(d);
	for (int32 i = 0; i < n; i++)
	{
		int			len = pq_getmsgint(buf, 2);
		const char *key = pq_getmsgbytes(buf, len);

		if (dict_id(d, key, len) != i)
			elog(ERROR, "unexpected duplicate key in serialized kvalitet state");	/* cannot happen */
	}
}

/*
 * The state as bytes, for parallel workers only (never stored): the rules,
 * counters, dictionaries and the contacts, sorted here in the worker, in
 * native byte order.  Streaming never happens here (ordered aggregates are
 * not split).
 */
Datum
stays_serialize(PG_FUNCTION_ARGS)
{
	StayState  *st = (StayState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	sort_for_merge(st);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->patient_kind);
	pq_sendbyte(&buf, st->grouped);
	pq_sendbyte(&buf, st->has_rules);
	pq_sendbytes(&buf, (const char *) &st->rules, sizeof(StayRules));
	pq_sendint64(&buf, st->complete_until);
	pq_sendbyte(&buf, st->has_complete_until);
	for (int r = 0; r < BAD_NREASONS; r++)
		pq_sendint64(&buf, st->bad[r]);
	send_dict(&buf, &st->patients);
	send_dict(&buf, &st->diagnoses);
	send_dict(&buf, &st->units);
	pq_sendint64(&buf, st->ncontacts);
	pq_sendbytes(&buf, (const char *) st->contacts, st->ncontacts * sizeof(kv_contact));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
stays_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcontext,
				old;
	StringInfoData buf;
	StayState  *st;
	int64		n;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "kvalitet deserialize called in non-aggregate context");	/* cannot happen */
	old = MemoryContextSwitchTo(aggcontext);
	st = palloc0(sizeof(StayState));
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	st->patient_kind = pq_getmsgint(&buf, 4);
	st->grouped = pq_getmsgbyte(&buf);
	st->has_rules = pq_getmsgbyte(&buf);
	memcpy(&st->rules, pq_getmsgbytes(&buf, sizeof(StayRules)), sizeof(StayRules));
	st->complete_until = pq_getmsgint64(&buf);
	st->has_complete_until = pq_getmsgbyte(&buf);
	for (int r = 0; r < BAD_NREASONS; r++)
		st->bad[r] = pq_getmsgint64(&buf);
	recv_dict(&buf, &st->patients);
	recv_dict(&buf, &st->diagnoses);
	recv_dict(&buf, &st->units);
	n = pq_getmsgint64(&buf);
	st->capacity = Max(n, 16);
	st->contacts = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(kv_contact) * st->capacity);
	memcpy(st->contacts, pq_getmsgbytes(&buf, n * sizeof(kv_contact)), n * sizeof(kv_contact));
	st->ncontacts = n;
	pq_getmsgend(&buf);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

Datum
stays_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext,
				old;
	StayState  *a,
			   *b;
	IdMaps		maps;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "kvalitet combine called in non-aggregate context");	/* cannot happen */
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = (StayState *) PG_GETARG_POINTER(1);

	/*
	 * The first state is adopted as it is when the deserialize function built
	 * it in our aggregate context (parallel query); copying it would only cost
	 * time.  A state from elsewhere (partition-wise aggregation) is copied.
	 */
	if (PG_ARGISNULL(0) && GetMemoryChunkContext(b) == aggcontext)
		PG_RETURN_POINTER(b);
	old = MemoryContextSwitchTo(aggcontext);
	if (PG_ARGISNULL(0))
	{
		a = state_alloc(16);
		a->grouped = true;		/* empty, so in any order */
	}
	else
		a = (StayState *) PG_GETARG_POINTER(0);
	if (a->patient_kind == 0)
		a->patient_kind = b->patient_kind;
	if (!a->has_rules && b->has_rules)
	{
		a->rules = b->rules;
		a->has_rules = true;
	}
	if (b->has_complete_until)
	{
		a->complete_until = b->complete_until;
		a->has_complete_until = true;
	}

	maps.keyed = keyed_patients(a);
	maps.patient = merge_dict(&a->patients, &b->patients);
	maps.diag = merge_dict(&a->diagnoses, &b->diagnoses);
	maps.unit = merge_dict(&a->units, &b->units);
	if (a->grouped && b->grouped)
		merge_runs(a, b, &maps);
	else
	{
		state_reserve(a, b->ncontacts);
		for (int64 i = 0; i < b->ncontacts; i++)
			a->contacts[a->ncontacts++] = remap_contact(b->contacts[i], &maps);
		a->grouped = false;
	}
	for (int r = 0; r < BAD_NREASONS; r++)
		a->bad[r] += b->bad[r];
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * Processing: sort, then run the engine one patient at a time
 * --------------------------------------------------------------------- */

/*
 * The compiled code sets of one rules' set names, kept for the whole query
 * in the calling function's fn_extra: a per-stay relation has one aggregate
 * state per patient, and must not compile its sets once per patient.
 */
typedef struct CodeSets
{
	char		names[SET_COUNT][NAMEDATALEN];
	KvCodeSet	sets[SET_COUNT];	/* in KV_SET_* bit order */
	bool		have[SET_COUNT];
	bool		dated;			/* some set has dated entries */
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
	const CodeSets *cs;
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

	if (!cl->cs->dated && (cl->cache[id] & CACHED))
		return cl->cache[id] & ~CACHED;
	if (cl->cs->dated)
		day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(at)));
	for (int i = 0; i < SET_COUNT; i++)
		if (cl->cs->have[i] && kv_codeset_match(cl->cs->sets[i].set, code, len, day))
			bits |= 1u << i;
	if (!cl->cs->dated)
		cl->cache[id] = bits | CACHED;
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
		qsort(items, k, sizeof(RankItem), rank_cmp);
	else
		for (size_t j = 1; j < k; j++)
		{
			RankItem	item = items[j];
			size_t		i = j;

			for (; i > 0 && rank_cmp(&items[i - 1], &item) > 0; i--)
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

/* Per-patient callback of run_engine. */
typedef void (*patient_fn) (void *arg, StayState *st, const kv_contact *c,
							const kv_stay *stays, size_t nstays,
							const int32 *diag_map, const int32 *unit_map);

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
	qsort(items, dict->count, sizeof(RankItem), rank_cmp);
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
	for (int64 i = 0; i < st->ncontacts; i++)
	{
		kv_contact *c = &st->contacts[i];
		uint32		u = c->flags >> UNIT_SHIFT;

		if (c->diag >= 0)
			c->diag = diag_rank[c->diag];
		if (u != UNIT_NONE)
			c->flags = (c->flags & ((1u << UNIT_SHIFT) - 1)) |
				((uint32) (unit_rank[u - 1] + 1) << UNIT_SHIFT);
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
 * them, diag_map and unit_map turn a rank back into a dictionary id.
 */
static void
run_engine(StayState *st, FunctionCallInfo fcinfo, int64 complete_until,
		   patient_fn fn, void *arg)
{
	kv_stay_params params;
	size_t		n = st->ncontacts,
				done = 0,
				maxrun = 0;
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
		kv_contacts_sort(st->contacts, n);

	/* The largest patient decides the scratch sizes. */
	for (size_t i = 0; i < n;)
	{
		size_t		run = kv_patient_run(st->contacts + i, n - i);

		maxrun = Max(maxrun, run);
		i += run;
	}
	if (maxrun > (size_t) KV_MAX_PATIENT_CONTACTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("one patient has more than %d contacts", KV_MAX_PATIENT_CONTACTS)));
	maxrun = Max(maxrun, 1);
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

	while (done < n)
	{
		kv_contact *c = st->contacts + done;
		size_t		run = kv_patient_run(c, n - done);
		size_t		nstays,
					distinct;

		if (st->streaming)
			rank_patient(st, c, run, &r);
		else if (st->grouped)
			kv_contacts_sort(c, run);	/* equal (start, end) may reorder under the ranks */
		distinct = kv_contacts_dedupe(c, run);
		st->duplicates += (int64) (run - distinct);
		nstays = kv_patient_stays(c, distinct, &params, stays, work);
		fn(arg, st, c, stays, nstays, diag_map, unit_map);
		done += run;
		CHECK_FOR_INTERRUPTS();
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
static void
process_buffer(StayState *st, FunctionCallInfo fcinfo)
{
	run_engine(st, fcinfo, PG_INT64_MIN, add_totals, NULL);
	st->ncontacts = 0;
}

static void
report_rows(const StayState *st, const char *aggname)
{
	warn_bad_rows(st, aggname);
	if (st->duplicates > 0)
		ereport(NOTICE,
				(errmsg("%s counted %lld duplicate contact rows once", aggname,
						(long long) st->duplicates),
				 errdetail("Rows equal in every argument describe the same contact.")));
}

static Datum
finish(FunctionCallInfo fcinfo, bool readmission)
{
	StayState  *st;
	Proportion *result = palloc0(sizeof(Proportion));

	if (PG_ARGISNULL(0))
		PG_RETURN_PROPORTION_P(result);
	st = (StayState *) PG_GETARG_POINTER(0);
	process_buffer(st, fcinfo);
	report_rows(st, readmission ? "readmission_rate" : "preventable_admission_share");
	if (readmission)
	{
		result->numerator = st->totals.readmitted;
		result->denominator = st->totals.index;
	}
	else
	{
		result->numerator = st->totals.acute_target;
		result->denominator = st->totals.acute_admissions;
	}
	PG_RETURN_PROPORTION_P(result);
}

Datum
readmission_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, true);
}

Datum
preventable_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, false);
}

/* ---------------------------------------------------------------------
 * patient_stays: the per-stay relation of one patient as kvalitet.stay[]
 * --------------------------------------------------------------------- */

#define STAY_NATTS 14

typedef struct StayRows
{
	TupleDesc	desc;
	Datum	   *elems;
	int			nelems;
	bool		known_completeness;
} StayRows;

static text *
dict_text(const KeyDict *d, int32 id)
{
	return cstring_to_text_with_len(d->keys[id], d->lens[id]);
}

/*
 * The kvalitet.stay columns of one stay, into v[0..STAY_NATTS) (text
 * values are palloc'd in the current context).
 */
static void
stay_values(const StayState *st, const kv_contact *c, const kv_stay *s,
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
		PointerGetDatum(dict_text(&st->diagnoses, diag_map[s->dominant_diag]));
	v[6] = BoolGetDatum(s->died);
	isnull[7] = unit == UNIT_NONE;
	v[7] = isnull[7] ? (Datum) 0 :
		PointerGetDatum(dict_text(&st->units, unit_map[unit - 1]));
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

static void
collect_stays(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
			  size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	StayRows   *rows = (StayRows *) arg;

	if (rows->elems != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvalitet.patient_stays must be grouped by patient"),
				 errhint("Use SELECT patient, kvalitet.patient_stays(...) ... GROUP BY patient, or kvalitet.stays().")));
	rows->elems = palloc(sizeof(Datum) * Max(nstays, 1));
	for (size_t i = 0; i < nstays; i++)
	{
		Datum		v[STAY_NATTS];
		bool		isnull[STAY_NATTS];

		stay_values(st, c, &stays[i], diag_map, unit_map, rows->known_completeness, v, isnull);
		rows->elems[rows->nelems++] = HeapTupleGetDatum(heap_form_tuple(rows->desc, v, isnull));
	}
}

/*
 * Final function of patient_stays.  Follow-up completeness needs the time up
 * to which the data are complete (the optional argument); one patient's
 * rows cannot tell, so without it the flags are NULL.
 */
Datum
patient_stays_final(PG_FUNCTION_ARGS)
{
	StayState  *st;
	StayRows	rows;
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (StayState *) PG_GETARG_POINTER(0);
	elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(elemtype))
		elog(ERROR, "patient_stays must return an array of kvalitet.stay");	/* cannot happen */
	memset(&rows, 0, sizeof(rows));
	rows.desc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	rows.known_completeness = st->has_complete_until;
	run_engine(st, fcinfo, st->has_complete_until ? st->complete_until : PG_INT64_MIN,
			   collect_stays, &rows);
	report_rows(st, "patient_stays");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(rows.elems, rows.nelems, elemtype,
										  typlen, typbyval, typalign));
}

/* ---------------------------------------------------------------------
 * kvalitet.stays(contacts_query, patient_type [, data_complete_until
 * [, rules]]): the per-stay relation of every patient a query returns.
 *
 * Why a set-returning function over a query beside the aggregate: it feeds
 * the query's rows straight into one buffer, sorts it with the engine's
 * radix sort and walks the patients, skipping what patient_stays costs per
 * patient (the executor's sort or hash by patient, an aggregate state each,
 * an array to unnest); bench/stays.sh measures both.  It also sees all the
 * rows, so follow-up completeness has SPEC's default (the latest start
 * seen).  The aggregate stays for what a function cannot do: run where the
 * rows are (Citus shards, partitions) and compose with GROUP BY.
 * --------------------------------------------------------------------- */

/* The query's columns, matched by name, in add_row's argument order. */
enum
{
	QC_PATIENT, QC_START, QC_END, QC_ACUTE, QC_DIAGNOSIS, QC_DIED, QC_ELIGIBLE, QC_UNIT,
	QC_NCOLS
};

static const struct
{
	const char *name;
	Oid			type;			/* InvalidOid: the patient_type argument's */
	bool		required;
}			query_columns[QC_NCOLS] = {
	{"patient", InvalidOid, true},
	{"start_at", TIMESTAMPTZOID, true},
	{"end_at", TIMESTAMPTZOID, true},
	{"acute", BOOLOID, true},
	{"diagnosis", TEXTOID, true},
	{"died", BOOLOID, false},
	{"index_eligible", BOOLOID, false},
	{"unit", TEXTOID, false},
};

/* Receives the query's rows into a StayState (no tuple is kept). */
typedef struct ContactReceiver
{
	DestReceiver pub;
	StayState  *st;
	FunctionCallInfo fcinfo;
	Oid			patient_type;
	int			column[QC_NCOLS];	/* attribute index, -1 = absent */
	int64		latest_start;	/* of the rows buffered; PG_INT64_MIN: none */
} ContactReceiver;

static void
receiver_startup(DestReceiver *self, int operation, TupleDesc desc)
{
	ContactReceiver *r = (ContactReceiver *) self;

	for (int q = 0; q < QC_NCOLS; q++)
		r->column[q] = -1;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = NameStr(att->attname);
		int			q;
		Oid			want;

		if (att->attisdropped)
			continue;
		for (q = 0; q < QC_NCOLS; q++)
			if (strcmp(name, query_columns[q].name) == 0)
				break;
		if (q == QC_NCOLS)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("kvalitet.stays: the contacts query returns an unknown column \"%s\"", name),
					 errhint("Name the columns patient, start_at, end_at, acute, diagnosis and, optionally, died, index_eligible, unit.")));
		if (r->column[q] >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("kvalitet.stays: the contacts query returns column \"%s\" twice", name)));
		want = OidIsValid(query_columns[q].type) ? query_columns[q].type : r->patient_type;
		if (att->atttypid != want && !(want == TEXTOID && att->atttypid == VARCHAROID))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("kvalitet.stays: column \"%s\" of the contacts query is of type %s, not %s",
							name, format_type_be(att->atttypid), format_type_be(want)),
					 errhint("Cast it in the query, as in %s::%s AS %s.",
							 name, format_type_be(want), name)));
		r->column[q] = i;
	}
	for (int q = 0; q < QC_NCOLS; q++)
		if (query_columns[q].required && r->column[q] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("kvalitet.stays: the contacts query has no column \"%s\"",
							query_columns[q].name),
					 errhint("Name the columns patient, start_at, end_at, acute, diagnosis and, optionally, died, index_eligible, unit.")));
}

static bool
receiver_receive(TupleTableSlot *slot, DestReceiver *self)
{
	ContactReceiver *r = (ContactReceiver *) self;
	StayState  *st = r->st;
	MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(st));
	NullableDatum arg[QC_NCOLS];
	int64		before = st->ncontacts;

	slot_getallattrs(slot);
	for (int q = 0; q < QC_NCOLS; q++)
	{
		int			i = r->column[q];

		arg[q].isnull = i < 0 || slot->tts_isnull[i];
		arg[q].value = i < 0 ? (Datum) 0 : slot->tts_values[i];
	}
	add_row(st, r->fcinfo, arg, QC_PATIENT, QC_START,
			r->column[QC_DIED] >= 0 ? QC_DIED : -1,
			r->column[QC_ELIGIBLE] >= 0 ? QC_ELIGIBLE : -1,
			r->column[QC_UNIT] >= 0 ? QC_UNIT : -1);
	if (st->ncontacts > before)
		r->latest_start = Max(r->latest_start, st->contacts[st->ncontacts - 1].start);
	MemoryContextSwitchTo(old);
	return true;
}

static void
receiver_nothing(DestReceiver *self)
{
}

/* Where kvalitet.stays puts its rows, and the context reset per patient. */
typedef struct StaysOutput
{
	ReturnSetInfo *rsinfo;
	MemoryContext per_patient;
	bool		known_completeness;
} StaysOutput;

static void
emit_stays(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
		   size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	StaysOutput *out = (StaysOutput *) arg;
	MemoryContext old = MemoryContextSwitchTo(out->per_patient);
	Datum		v[1 + STAY_NATTS];
	bool		isnull[1 + STAY_NATTS];

	switch (st->patient_kind)
	{
		case PATIENT_INT8:
			v[0] = Int64GetDatum(c[0].patient);
			break;
		case PATIENT_UUID:
			v[0] = PointerGetDatum(st->patients.keys[c[0].patient]);
			break;
		default:
			v[0] = PointerGetDatum(dict_text(&st->patients, (int32) c[0].patient));
	}
	isnull[0] = false;
	for (size_t i = 0; i < nstays; i++)
	{
		stay_values(st, c, &stays[i], diag_map, unit_map, out->known_completeness,
					v + 1, isnull + 1);
		tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, v, isnull);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(out->per_patient);
}

/* Prepare the contacts query; it must be one SELECT (or VALUES, TABLE). */
static SPIPlanPtr
prepare_contacts_query(const char *query)
{
	SPIPrepareOptions options;
	SPIPlanPtr	plan;
	List	   *sources;

	memset(&options, 0, sizeof(options));
	options.cursorOptions = CURSOR_OPT_PARALLEL_OK;
	plan = SPI_prepare_extended(query, &options);
	if (plan == NULL)
		elog(ERROR, "kvalitet.stays: SPI_prepare_extended failed: %s",
			 SPI_result_code_string(SPI_result));
	sources = SPI_plan_get_plan_sources(plan);
	if (list_length(sources) != 1 ||
		((CachedPlanSource *) linitial(sources))->commandTag != CMDTAG_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("kvalitet.stays: the contacts query must be a single SELECT")));
	return plan;
}

Datum
stays_query(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			patient_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	MemoryContext cxt,
				old;
	ContactReceiver recv;
	SPIExecuteOptions options;
	StaysOutput out;
	StayState  *st;
	char	   *query;
	int			ret;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kvalitet.stays: the contacts query must not be NULL")));
	if (patient_type != INT8OID && patient_type != TEXTOID && patient_type != UUIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("kvalitet.stays: patient_type must be bigint, text or uuid, not %s",
						format_type_be(patient_type)),
				 errhint("Pass a typed NULL, as in kvalitet.stays($q$...$q$, NULL::bigint).")));
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	InitMaterializedSRF(fcinfo, 0);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "kvalitet.stays", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	st = state_alloc(1024);
	st->patient_kind = patient_kind_of(patient_type);
	fix_rules(st, fcinfo, true, 3, NULL);
	MemoryContextSwitchTo(old);

	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = receiver_receive;
	recv.pub.rStartup = receiver_startup;
	recv.pub.rShutdown = receiver_nothing;
	recv.pub.rDestroy = receiver_nothing;
	recv.pub.mydest = DestNone;
	recv.st = st;
	recv.fcinfo = fcinfo;
	recv.patient_type = patient_type;
	recv.latest_start = PG_INT64_MIN;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "kvalitet.stays: SPI_connect failed");
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = &recv.pub;
	ret = SPI_execute_plan_extended(prepare_contacts_query(query), &options);
	if (ret < 0)
		elog(ERROR, "kvalitet.stays: the contacts query failed: %s", SPI_result_code_string(ret));
	SPI_finish();

	/* SPEC 4: follow-up is complete up to the given time, else the latest start. */
	st->has_complete_until = true;
	st->complete_until = PG_ARGISNULL(2) ? recv.latest_start : PG_GETARG_TIMESTAMPTZ(2);

	out.rsinfo = rsinfo;
	out.known_completeness = true;
	out.per_patient = AllocSetContextCreate(cxt, "kvalitet.stays rows", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	run_engine(st, fcinfo, st->complete_until, emit_stays, &out);
	report_rows(st, "kvalitet.stays");
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
