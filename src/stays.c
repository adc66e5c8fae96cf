/*
 * stays.c - the patient-flow aggregates: readmission_rate,
 * preventable_admission_share and patient_stays (the per-stay relation).
 *
 * Each aggregate buffers one 32-byte kv_contact per row (patients and
 * diagnoses become small integer ids through dictionaries), and the final
 * function sorts the buffer and hands each patient's contacts to the stay
 * engine in src/core/stays.c, where every rule lives.  The state is
 * internal, with serialize/deserialize/combine functions, so parallel
 * workers scan and buffer in parallel and the leader merges their buffers.
 *
 * Bad rows (NULL patient or start, end before start, a diagnosis that is no
 * code) are skipped and counted, and the final function raises one WARNING
 * with the counts per reason; with kvalitet.on_bad_input = error the first
 * bad row raises an ERROR instead.  No message ever shows a patient key.
 */
#include "kvalitet.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
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
	d->capacity = 64;
	d->slots = palloc0(sizeof(int32) * d->capacity);
	d->keys_capacity = 32;
	d->hashes = palloc(sizeof(uint32) * d->keys_capacity);
	d->keys = palloc(sizeof(char *) * d->keys_capacity);
	d->lens = palloc(sizeof(uint16) * d->keys_capacity);
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

#define PATIENT_INT8 1
#define PATIENT_TEXT 2
#define PATIENT_UUID 3

/* The discharging unit's id rides in the upper bits of kv_contact.flags. */
#define UNIT_SHIFT 8
#define UNIT_NONE 0				/* no unit: id 0, real units are id + 1 */
#define MAX_UNITS ((1 << (32 - UNIT_SHIFT)) - 2)

typedef struct StayState
{
	int32		patient_kind;	/* PATIENT_*, 0 until the first row */
	char		target_set[NAMEDATALEN];	/* preventable: the target code set */
	int64		ncontacts;
	int64		capacity;
	kv_contact *contacts;
	KeyDict		patients;		/* text and uuid patients */
	KeyDict		diagnoses;		/* normalised codes */
	KeyDict		units;			/* discharging units (patient_stays) */
	int64		bad[BAD_NREASONS];
	int64		max_start;		/* latest start_at seen */
	int64		complete_until; /* patient_stays: data complete until, or */
	bool		has_complete_until;	/* ... unknown */
} StayState;

static StayState *
state_create(MemoryContext aggcontext)
{
	MemoryContext old = MemoryContextSwitchTo(aggcontext);
	StayState  *st = palloc0(sizeof(StayState));

	st->capacity = 1024;
	st->contacts = palloc(sizeof(kv_contact) * st->capacity);
	dict_init(&st->patients);
	dict_init(&st->diagnoses);
	dict_init(&st->units);
	st->max_start = PG_INT64_MIN;
	MemoryContextSwitchTo(old);
	return st;
}

static void
state_reserve(StayState *st, int64 more)
{
	if (st->ncontacts + more > st->capacity)
	{
		int64		cap = Max(st->capacity * 2, st->ncontacts + more);

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

/* Patient argument -> patient id. */
static int64
patient_id(StayState *st, FunctionCallInfo fcinfo, int argno)
{
	if (st->patient_kind == 0)
	{
		Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);

		st->patient_kind = type == INT8OID ? PATIENT_INT8 :
			type == UUIDOID ? PATIENT_UUID : PATIENT_TEXT;
	}
	switch (st->patient_kind)
	{
		case PATIENT_INT8:
			return PG_GETARG_INT64(argno);
		case PATIENT_UUID:
			return dict_id(&st->patients, (const char *) PG_GETARG_UUID_P(argno)->data,
						   UUID_LEN);
		default:
			{
				text	   *t = PG_GETARG_TEXT_PP(argno);

				if (VARSIZE_ANY_EXHDR(t) > PG_UINT16_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("patient identifier longer than %d bytes", PG_UINT16_MAX)));
				return dict_id(&st->patients, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
	}
}

/*
 * Buffer one contact row.  Argument positions: patient (or -1 for
 * patient_stays, which is grouped by patient), start, end, acute, diagnosis,
 * died (-1 = absent), eligible (-1 = absent: eligible), unit (-1 = absent).
 */
static void
add_row(StayState *st, FunctionCallInfo fcinfo, int a_patient, int a_start,
		int a_died, int a_eligible, int a_unit)
{
	int			a_end = a_start + 1,
				a_acute = a_start + 2,
				a_diag = a_start + 3;
	kv_contact c;

	if (a_patient >= 0 && PG_ARGISNULL(a_patient))
		return bad_row(st, BAD_NULL_PATIENT);
	if (PG_ARGISNULL(a_start))
		return bad_row(st, BAD_NULL_START);

	c.start = PG_GETARG_TIMESTAMPTZ(a_start);
	c.end = PG_ARGISNULL(a_end) ? KV_TS_OPEN : PG_GETARG_TIMESTAMPTZ(a_end);
	if (TIMESTAMP_NOT_FINITE(c.start) || (!PG_ARGISNULL(a_end) && TIMESTAMP_NOT_FINITE(c.end)))
		return bad_row(st, BAD_INFINITE_TIME);
	if (c.end < c.start)
		return bad_row(st, BAD_END_BEFORE_START);

	c.diag = -1;
	if (!PG_ARGISNULL(a_diag))
	{
		text	   *t = PG_GETARG_TEXT_PP(a_diag);
		char		code[KV_CODE_BUFSIZE];
		size_t		len;

		if (kv_normalize_code(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), code, sizeof(code), &len) != KV_CODE_OK)
			return bad_row(st, BAD_DIAGNOSIS);
		c.diag = dict_id(&st->diagnoses, code, (int) len);
	}

	c.flags = 0;
	if (!PG_ARGISNULL(a_acute) && PG_GETARG_BOOL(a_acute))
		c.flags |= KV_C_ACUTE;
	if (a_died >= 0 && !PG_ARGISNULL(a_died) && PG_GETARG_BOOL(a_died))
		c.flags |= KV_C_DIED;
	if (a_eligible < 0 || (!PG_ARGISNULL(a_eligible) && PG_GETARG_BOOL(a_eligible)))
		c.flags |= KV_C_ELIGIBLE;
	if (a_unit >= 0 && !PG_ARGISNULL(a_unit))
	{
		text	   *t = PG_GETARG_TEXT_PP(a_unit);
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

	c.patient = a_patient >= 0 ? patient_id(st, fcinfo, a_patient) : 0;
	if (c.start > st->max_start)
		st->max_start = c.start;
	state_reserve(st, 1);
	st->contacts[st->ncontacts++] = c;
}

static StayState *
get_state(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvalitet aggregate transition function called in non-aggregate context")));
	if (PG_ARGISNULL(0))
		return state_create(aggcontext);
	return (StayState *) PG_GETARG_POINTER(0);
}

/* readmission_rate(patient, start, end, acute, diagnosis [, died [, eligible]]) */
Datum
stays_accum(PG_FUNCTION_ARGS)
{
	StayState  *st = get_state(fcinfo);
	MemoryContext aggcontext,
				old;

	AggCheckCallContext(fcinfo, &aggcontext);
	old = MemoryContextSwitchTo(aggcontext);
	add_row(st, fcinfo, 1, 2, PG_NARGS() > 6 ? 6 : -1, PG_NARGS() > 7 ? 7 : -1, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* preventable_admission_share(patient, start, end, acute, diagnosis [, set_name]) */
Datum
preventable_accum(PG_FUNCTION_ARGS)
{
	StayState  *st = get_state(fcinfo);
	MemoryContext aggcontext,
				old;

	AggCheckCallContext(fcinfo, &aggcontext);
	if (st->target_set[0] == '\0')
	{
		const char *name = "preventable_elderly";

		if (PG_NARGS() > 6 && !PG_ARGISNULL(6))
			name = text_to_cstring(PG_GETARG_TEXT_PP(6));
		if (strlen(name) >= NAMEDATALEN)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("code set \"%s\" does not exist", name)));
		strlcpy(st->target_set, name, NAMEDATALEN);
	}
	old = MemoryContextSwitchTo(aggcontext);
	add_row(st, fcinfo, 1, 2, -1, -1, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* patient_stays(start, end, acute, diagnosis, died, eligible, unit), grouped by patient */
Datum
patient_stays_accum(PG_FUNCTION_ARGS)
{
	StayState  *st = get_state(fcinfo);
	MemoryContext aggcontext,
				old;

	AggCheckCallContext(fcinfo, &aggcontext);
	old = MemoryContextSwitchTo(aggcontext);
	add_row(st, fcinfo, -1, 1, 5, 6, 7);
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
 * --------------------------------------------------------------------- */

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

Datum
stays_serialize(PG_FUNCTION_ARGS)
{
	StayState  *st = (StayState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->patient_kind);
	pq_sendstring(&buf, st->target_set);
	pq_sendint64(&buf, st->max_start);
	pq_sendint64(&buf, st->complete_until);
	pq_sendbyte(&buf, st->has_complete_until);
	for (int r = 0; r < BAD_NREASONS; r++)
		pq_sendint64(&buf, st->bad[r]);
	send_dict(&buf, &st->patients);
	send_dict(&buf, &st->diagnoses);
	send_dict(&buf, &st->units);
	pq_sendint64(&buf, st->ncontacts);
	/* Contacts in native byte order: the state never leaves this server. */
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
	strlcpy(st->target_set, pq_getmsgstring(&buf), NAMEDATALEN);
	st->max_start = pq_getmsgint64(&buf);
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

/* Ids of `from` mapped into `into` (keys added when new). */
static int32 *
merge_dict(KeyDict *into, const KeyDict *from)
{
	int32	   *map = palloc(sizeof(int32) * Max(from->count, 1));

	for (int32 i = 0; i < from->count; i++)
		map[i] = dict_id(into, from->keys[i], from->lens[i]);
	return map;
}

Datum
stays_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext,
				old;
	StayState  *a,
			   *b;
	int32	   *pmap,
			   *dmap,
			   *umap;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "kvalitet combine called in non-aggregate context");	/* cannot happen */
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = (StayState *) PG_GETARG_POINTER(1);
	old = MemoryContextSwitchTo(aggcontext);
	if (PG_ARGISNULL(0))
	{
		a = state_create(aggcontext);
		a->patient_kind = b->patient_kind;
		strlcpy(a->target_set, b->target_set, NAMEDATALEN);
	}
	else
		a = (StayState *) PG_GETARG_POINTER(0);
	if (a->patient_kind == 0)
		a->patient_kind = b->patient_kind;
	if (a->target_set[0] == '\0')
		strlcpy(a->target_set, b->target_set, NAMEDATALEN);

	pmap = merge_dict(&a->patients, &b->patients);
	dmap = merge_dict(&a->diagnoses, &b->diagnoses);
	umap = merge_dict(&a->units, &b->units);
	state_reserve(a, b->ncontacts);
	for (int64 i = 0; i < b->ncontacts; i++)
	{
		kv_contact c = b->contacts[i];
		uint32		unit = c.flags >> UNIT_SHIFT;

		if (a->patient_kind != PATIENT_INT8)
			c.patient = pmap[c.patient];
		if (c.diag >= 0)
			c.diag = dmap[c.diag];
		if (unit != UNIT_NONE)
			c.flags = (c.flags & ((1u << UNIT_SHIFT) - 1)) |
				((uint32) (umap[unit - 1] + 1) << UNIT_SHIFT);
		a->contacts[a->ncontacts++] = c;
	}
	for (int r = 0; r < BAD_NREASONS; r++)
		a->bad[r] += b->bad[r];
	if (b->max_start > a->max_start)
		a->max_start = b->max_start;
	if (b->has_complete_until)
	{
		a->complete_until = b->complete_until;
		a->has_complete_until = true;
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * Final functions: sort, then run the engine one patient at a time
 * --------------------------------------------------------------------- */

#define SET_COUNT 5

typedef struct Classifier
{
	StayState  *st;
	KvCodeSet	sets[SET_COUNT];	/* in KV_SET_* bit order */
	bool		have[SET_COUNT];
	bool		dated;			/* some set has dated entries */
	uint32	   *cache;			/* per global diagnosis id: bits | 0x80000000 */
	const int32 *local_to_global;	/* the current patient's rank -> id */
} Classifier;

static void
classifier_init(Classifier *cl, StayState *st, bool readmission, const char *target)
{
	const char *names[SET_COUNT] = {
		readmission ? index_exclusion_set : NULL,
		readmission ? readm_exclusion_set : NULL,
		readmission ? injury_exclusion_set : NULL,
		readmission ? psychiatric_set : NULL,
		target
	};

	memset(cl, 0, sizeof(*cl));
	cl->st = st;
	for (int i = 0; i < SET_COUNT; i++)
	{
		if (names[i] == NULL || names[i][0] == '\0')
			continue;
		kv_get_code_set(names[i], &cl->sets[i], CurrentMemoryContext);
		cl->have[i] = true;
		cl->dated |= cl->sets[i].dated;
	}
	cl->cache = palloc0(sizeof(uint32) * Max(st->diagnoses.count, 1));
}

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

	if (!cl->dated && cl->cache[id] != 0)
		return cl->cache[id] & 0x7fffffff;
	if (cl->dated)
		day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(at)));
	for (int i = 0; i < SET_COUNT; i++)
		if (cl->have[i] && kv_codeset_match(cl->sets[i].set, code, len, day))
			bits |= 1u << i;
	if (!cl->dated)
		cl->cache[id] = bits | 0x80000000;
	return bits;
}

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

/*
 * Give one patient's diagnoses and units ids ranked like their text, so
 * exact ties sort, and dominant-diagnosis ties break, the same way whatever
 * order the rows came in; then re-sort the patient's contacts.
 * local_to_global receives rank -> global diagnosis id.
 */
static void
rank_patient(StayState *st, kv_contact *c, size_t n, int32 *local_to_global,
			 RankItem *items, int32 *unit_rank_to_global)
{
	size_t		nd = 0,
				nu = 0;
	bool		units = false;

	for (size_t i = 0; i < n; i++)
	{
		bool		seen = false;

		if (c[i].flags >> UNIT_SHIFT)
			units = true;
		if (c[i].diag < 0)
			continue;
		for (size_t k = 0; k < nd; k++)
			if (items[k].id == c[i].diag)
			{
				seen = true;
				break;
			}
		if (!seen)
		{
			items[nd].id = c[i].diag;
			items[nd].dict = &st->diagnoses;
			nd++;
		}
	}
	if (nd > 1)
		qsort(items, nd, sizeof(RankItem), rank_cmp);
	for (size_t k = 0; k < nd; k++)
		local_to_global[k] = items[k].id;
	for (size_t i = 0; i < n; i++)
		if (c[i].diag >= 0)
			for (size_t k = 0; k < nd; k++)
				if (local_to_global[k] == c[i].diag)
				{
					c[i].diag = (int32) k;
					break;
				}

	if (units)
	{
		for (size_t i = 0; i < n; i++)
		{
			uint32		u = c[i].flags >> UNIT_SHIFT;
			bool		seen = false;

			if (u == UNIT_NONE)
				continue;
			for (size_t k = 0; k < nu; k++)
				if (items[k].id == (int32) (u - 1))
				{
					seen = true;
					break;
				}
			if (!seen)
			{
				items[nu].id = u - 1;
				items[nu].dict = &st->units;
				nu++;
			}
		}
		qsort(items, nu, sizeof(RankItem), rank_cmp);
		for (size_t k = 0; k < nu; k++)
			unit_rank_to_global[k] = items[k].id;
		for (size_t i = 0; i < n; i++)
		{
			uint32		u = c[i].flags >> UNIT_SHIFT;

			if (u == UNIT_NONE)
				continue;
			for (size_t k = 0; k < nu; k++)
				if (unit_rank_to_global[k] == (int32) (u - 1))
				{
					c[i].flags = (c[i].flags & ((1u << UNIT_SHIFT) - 1)) |
						((uint32) (k + 1) << UNIT_SHIFT);
					break;
				}
		}
	}
	if (nd > 1 || nu > 1)
		kv_contacts_sort(c, n);
}

static void
stay_params(kv_stay_params *p, Classifier *cl, int64 complete_until)
{
	p->merge_gap = (int64) merge_gap_s * USECS_PER_SEC;
	p->min_admission = (int64) min_admission_s * USECS_PER_SEC;
	p->window = (int64) window_s * USECS_PER_SEC;
	p->complete_until = complete_until;
	p->classify = classify;
	p->classify_ctx = cl;
}

/* Per-patient callback of run_engine. */
typedef void (*patient_fn) (void *arg, StayState *st, const kv_contact *c,
							const kv_stay *stays, size_t nstays,
							const int32 *diag_map, const int32 *unit_map);

/*
 * Sort the buffer, collapse exact duplicates, and run the stay engine on
 * each patient; returns the number of duplicates collapsed.
 */
static int64
run_engine(StayState *st, Classifier *cl, int64 complete_until,
		   patient_fn fn, void *arg)
{
	kv_stay_params params;
	size_t		n = st->ncontacts,
				done = 0,
				maxrun = 0;
	int64		duplicates;
	kv_stay    *stays;
	kv_stay_work *work;
	int32	   *diag_map,
			   *unit_map;
	RankItem   *items;

	stay_params(&params, cl, complete_until);
	kv_contacts_sort(st->contacts, n);
	n = kv_contacts_dedupe(st->contacts, n);
	duplicates = st->ncontacts - (int64) n;
	st->ncontacts = n;

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
	diag_map = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * maxrun);
	unit_map = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int32) * maxrun);
	items = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(RankItem) * maxrun);

	while (done < n)
	{
		kv_contact *c = st->contacts + done;
		size_t		run = kv_patient_run(c, n - done);
		size_t		nstays;

		rank_patient(st, c, run, diag_map, items, unit_map);
		cl->local_to_global = diag_map;
		nstays = kv_patient_stays(c, run, &params, stays, work);
		fn(arg, st, c, stays, nstays, diag_map, unit_map);
		done += run;
		CHECK_FOR_INTERRUPTS();
	}
	return duplicates;
}

static void
add_totals(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
		   size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	kv_totals_add((kv_totals *) arg, stays, nstays);
}

static void
note_duplicates(int64 duplicates, const char *aggname)
{
	if (duplicates > 0)
		ereport(NOTICE,
				(errmsg("%s counted %lld duplicate contact rows once", aggname,
						(long long) duplicates),
				 errdetail("Rows equal in every argument describe the same contact.")));
}

static Datum
finish(FunctionCallInfo fcinfo, bool readmission)
{
	StayState  *st;
	Classifier	cl;
	kv_totals	totals = {0, 0, 0, 0};
	Proportion *result = palloc(sizeof(Proportion));
	const char *aggname = readmission ? "readmission_rate" : "preventable_admission_share";
	int64		duplicates;

	if (PG_ARGISNULL(0))
	{
		result->numerator = result->denominator = 0;
		PG_RETURN_PROPORTION_P(result);
	}
	st = (StayState *) PG_GETARG_POINTER(0);
	classifier_init(&cl, st, readmission,
					readmission ? NULL : (st->target_set[0] ? st->target_set : "preventable_elderly"));
	duplicates = run_engine(st, &cl, st->max_start, add_totals, &totals);
	warn_bad_rows(st, aggname);
	note_duplicates(duplicates, aggname);
	if (readmission)
	{
		result->numerator = totals.readmitted;
		result->denominator = totals.index;
	}
	else
	{
		result->numerator = totals.acute_target;
		result->denominator = totals.acute_admissions;
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
	int			capacity;
	bool		known_completeness;
} StayRows;

static void
collect_stays(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
			  size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	StayRows   *rows = (StayRows *) arg;

	if (rows->nelems > 0 && nstays > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvalitet.patient_stays must be grouped by patient")));
	rows->capacity = nstays;
	rows->elems = palloc(sizeof(Datum) * Max(nstays, 1));
	for (size_t i = 0; i < nstays; i++)
	{
		const kv_stay *s = &stays[i];
		Datum		v[STAY_NATTS];
		bool		isnull[STAY_NATTS];
		uint32		unit = c[s->discharging].flags >> UNIT_SHIFT;
		bool		open = s->end == KV_TS_OPEN;

		memset(isnull, 0, sizeof(isnull));
		v[0] = Int32GetDatum(s->number);
		v[1] = TimestampTzGetDatum(s->start);
		v[2] = TimestampTzGetDatum(s->end);
		isnull[2] = open;
		v[3] = BoolGetDatum(s->admission);
		v[4] = BoolGetDatum(s->acute);
		if (s->dominant_diag >= 0)
		{
			int32		id = diag_map[s->dominant_diag];

			v[5] = PointerGetDatum(cstring_to_text_with_len(st->diagnoses.keys[id],
															st->diagnoses.lens[id]));
		}
		else
			isnull[5] = true;
		v[6] = BoolGetDatum(s->died);
		if (unit != UNIT_NONE)
		{
			int32		id = unit_map[unit - 1];

			v[7] = PointerGetDatum(cstring_to_text_with_len(st->units.keys[id],
															st->units.lens[id]));
		}
		else
			isnull[7] = true;
		v[8] = BoolGetDatum(s->index);
		v[9] = BoolGetDatum(s->readmitted);
		v[10] = TimestampTzGetDatum(s->next_start);
		isnull[10] = !s->has_next;
		v[11] = Float8GetDatum(open || !s->has_next ? 0.0 :
							   (double) (s->next_start - s->end) / (double) USECS_PER_HOUR);
		isnull[11] = open || !s->has_next;
		v[12] = BoolGetDatum(s->followup_complete);
		isnull[12] = open || !rows->known_completeness;
		v[13] = BoolGetDatum(s->psychiatric);
		rows->elems[rows->nelems++] = HeapTupleGetDatum(heap_form_tuple(rows->desc, v, isnull));
	}
}

/*
 * Final function of patient_stays.  Follow-up completeness needs the time up
 * to which the data are complete (the optional last argument); one patient's
 * rows cannot tell, so without it the flags are NULL.
 */
Datum
patient_stays_final(PG_FUNCTION_ARGS)
{
	StayState  *st;
	Classifier	cl;
	StayRows	rows;
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int64		duplicates;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (StayState *) PG_GETARG_POINTER(0);
	elemtype = get_fn_expr_rettype(fcinfo->flinfo);
	elemtype = get_element_type(elemtype);
	if (!OidIsValid(elemtype))
		elog(ERROR, "patient_stays must return an array of kvalitet.stay");	/* cannot happen */
	memset(&rows, 0, sizeof(rows));
	rows.desc = BlessTupleDesc(lookup_rowtype_tupdesc_copy(elemtype, -1));
	classifier_init(&cl, st, true, NULL);
	rows.known_completeness = st->has_complete_until;
	duplicates = run_engine(st, &cl,
							st->has_complete_until ? st->complete_until : PG_INT64_MIN,
							collect_stays, &rows);
	warn_bad_rows(st, "patient_stays");
	note_duplicates(duplicates, "patient_stays");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(rows.elems, rows.nelems, elemtype,
										  typlen, typbyval, typalign));
}
