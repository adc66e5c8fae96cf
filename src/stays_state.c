/*
 * stays_state.c - the StayState of the patient-flow functions and how one
 * contact row gets into it: allocation and growth of its buffer, the
 * checks of a row (a bad row is skipped and counted, or an error), and the
 * report of what a call skipped.
 *
 * The aggregates (stays_aggregates.c) and kvalitet.stays (stays_query.c)
 * fill a StayState row by row with stays_add_row and read the result
 * through stays_run_engine (stays_engine.c), so both give the same stays
 * from the same rows.  The other parts of the state have files of their
 * own: stays_dict.c (ids), stays_rules.c (rules and code sets),
 * stays_runs.c (sorted runs and the patient cursor).
 */
#include "kvalitet.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "stays_state.h"

/* ---------------------------------------------------------------------
 * The state
 * --------------------------------------------------------------------- */

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

/*
 * Grow an array of 32-bit slots, one per dictionary id, to `needed` slots;
 * new slots get every byte set to `fill`.  The arrays live in the state
 * (the classifier's cache, the id -> rank maps, which are all -1 between
 * patients), so that processing one patient costs nothing per dictionary
 * entry.
 */
void *
stays_grow_slots(MemoryContext cxt, void *slots, int32 *size, int32 needed, int fill)
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

/* ---------------------------------------------------------------------
 * Bad rows
 * --------------------------------------------------------------------- */

static const char *const bad_reason_text[BAD_NREASONS] = {
	"NULL patient",
	"NULL start_at",
	"end_at before start_at",
	"infinite start_at or end_at",
	"a diagnosis that is not a code",
	"an infinite death_date or birth_date"
};

/* Skip and count a row that cannot be placed in time, or raise an error
 * (kvalitet.on_bad_input). */
static void
bad_row(StayState *st, BadReason reason)
{
	if (stays_bad_input_is_error())
		ereport(ERROR,
				(errcode(reason == BAD_END_BEFORE_START || reason == BAD_INFINITE_TIME ?
						 ERRCODE_INVALID_DATETIME_FORMAT : ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kvalitet: contact row with %s", bad_reason_text[reason]),
				 errhint("Set kvalitet.on_bad_input = warning to skip such rows and count them instead.")));
	st->bad[reason]++;
}

/*
 * A diagnosis that is not a code costs only the diagnosis: the contact
 * stays, its diagnosis unknown (docs/indicators.md section 1).  The error
 * shows the text (a code is not personal data), never the patient;
 * unprintable bytes become '?' and long texts are cut.
 */
static void
unknown_diagnosis(StayState *st, const char *raw, int len)
{
	if (stays_bad_input_is_error())
	{
		char		shown[44];
		int			n = Min(len, 40);

		for (int i = 0; i < n; i++)
			shown[i] = raw[i] >= 0x20 && raw[i] < 0x7f ? raw[i] : '?';
		strcpy(shown + n, len > n ? "..." : "");
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("kvalitet: contact row with a diagnosis that is not a code: \"%s\"", shown),
				 errhint("Set kvalitet.on_bad_input = warning to count such diagnoses as unknown instead.")));
	}
	st->bad[BAD_DIAGNOSIS]++;
}

/* One WARNING with the rows skipped and the diagnoses counted as unknown. */
static void
warn_bad_rows(const StayState *st, const char *aggname)
{
	StringInfoData detail,
				what;
	int64		skipped = 0,
				unknown = st->bad[BAD_DIAGNOSIS],
				dates = st->bad[BAD_DATE];

	initStringInfo(&detail);
	for (int r = 0; r < BAD_NREASONS; r++)
	{
		if (st->bad[r] == 0 || r == BAD_DIAGNOSIS || r == BAD_DATE)
			continue;
		appendStringInfo(&detail, "%s%lld with %s", skipped ? ", " : "Skipped: ",
						 (long long) st->bad[r], bad_reason_text[r]);
		skipped += st->bad[r];
	}
	if (skipped > 0)
		appendStringInfoString(&detail, unknown > 0 ? ". " : ".");
	if (unknown > 0)
		appendStringInfo(&detail, "%lld contacts with a diagnosis that is not a code, counted as unknown.",
						 (long long) unknown);
	if (dates > 0)
		appendStringInfo(&detail, "%s%lld rows with an infinite death_date or birth_date, the date ignored.",
						 skipped > 0 || unknown > 0 ? " " : "", (long long) dates);
	if (skipped == 0 && unknown == 0 && dates == 0)
		return;
	initStringInfo(&what);
	if (skipped > 0)
		appendStringInfo(&what, "skipped %lld contact rows", (long long) skipped);
	if (unknown > 0)
		appendStringInfo(&what, "%scounted %lld diagnoses as unknown", skipped > 0 ? " and " : "",
						 (long long) unknown);
	if (dates > 0)
		appendStringInfo(&what, "%signored %lld infinite dates", skipped > 0 || unknown > 0 ? " and " : "",
						 (long long) dates);
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("%s %s", aggname, what.data),
			 errdetail_internal("%s", detail.data),
			 errhint("Set kvalitet.on_bad_input = error to stop at the first bad row instead.")));
}

/* What a call skipped: one WARNING for bad rows, one NOTICE for duplicates. */
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
static bool
add_row(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
		int a_patient, int a_start, int a_died, int a_eligible, int a_unit)
{
	int			a_end = a_start + 1,
				a_acute = a_start + 2,
				a_diag = a_start + 3;
	kv_contact c;

	if (a_patient >= 0 && arg[a_patient].isnull)
		{
		bad_row(st, BAD_NULL_PATIENT);
		return false;
	}
	if (arg[a_start].isnull)
		{
		bad_row(st, BAD_NULL_START);
		return false;
	}

	c.start = DatumGetTimestampTz(arg[a_start].value);
	c.end = arg[a_end].isnull ? KV_TS_OPEN : DatumGetTimestampTz(arg[a_end].value);
	if (TIMESTAMP_NOT_FINITE(c.start) || (!arg[a_end].isnull && TIMESTAMP_NOT_FINITE(c.end)))
		{
		bad_row(st, BAD_INFINITE_TIME);
		return false;
	}
	if (c.end < c.start)
		{
		bad_row(st, BAD_END_BEFORE_START);
		return false;
	}

	c.diag = -1;
	if (!arg[a_diag].isnull)
	{
		text	   *t = DatumGetTextPP(arg[a_diag].value);

		c.diag = stays_diagnosis_id(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		if (c.diag < 0)
			unknown_diagnosis(st, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
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
			stays_dict_reset(&st->patients);
			c.patient = patient_id(st, arg[a_patient].value);
		}
	}
	stays_state_reserve(st, 1);
	st->contacts[st->ncontacts++] = c;
	return true;
}

void
stays_add_row(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
			  int a_patient, int a_start, int a_died, int a_eligible, int a_unit)
{
	add_row(st, fcinfo, arg, a_patient, a_start, a_died, a_eligible, a_unit);
}

/*
 * Buffer the marker of a death (kind 0) or birth (kind 1) date after the
 * contact row c it came with, unless the marker buffered last is the same
 * (rows of one patient usually come together); one marker per patient is
 * enough, the rest collapse as duplicates when the patient is processed.  An infinite date is
 * ignored and counted (kvalitet.on_bad_input = error: an error).
 */
static void
add_date(StayState *st, const kv_contact *c, int kind, const NullableDatum *date)
{
	DateADT		day;
	kv_contact	m;

	if (date->isnull)
		return;
	day = DatumGetDateADT(date->value);
	if (DATE_NOT_FINITE(day))
	{
		if (stays_bad_input_is_error())
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("kvalitet: contact row with %s", bad_reason_text[BAD_DATE]),
					 errhint("Set kvalitet.on_bad_input = warning to ignore such dates and count them instead.")));
		st->bad[BAD_DATE]++;
		return;
	}
	if (kind == 0 && (!st->has_latest_death || day > st->latest_death))
	{
		st->latest_death = day;
		st->has_latest_death = true;
	}
	/*
	 * A birth date only matters to a patient whose first stay starts on it
	 * or the day after, so only a contact starting within two days of it
	 * (whatever the zone) carries it: the birth stay's first contact does,
	 * and the buffer does not double when every row has a birth date.
	 */
	if (kind == 1)
	{
		if (c->start < ((int64) day - 2) * USECS_PER_DAY || c->start >= ((int64) day + 4) * USECS_PER_DAY)
			return;
	}
	m = kv_date_marker(c->patient, kind == 1, day);
	if (st->has_last_mark[kind] && memcmp(&st->last_mark[kind], &m, sizeof(m)) == 0)
		return;
	stays_state_reserve(st, 1);
	st->contacts[st->ncontacts++] = m;
	st->last_mark[kind] = m;
	st->has_last_mark[kind] = true;
}

/*
 * stays_add_row for the outcomes: also the patient's death date and birth
 * date (positions in arg[], -1 = absent), each carried as a date marker
 * (src/core/stays.h) when the contact row itself was buffered.
 */
void
stays_add_row_dates(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
					int a_patient, int a_start, int a_died, int a_eligible, int a_unit,
					int a_death, int a_birth)
{
	kv_contact	c;

	if (!add_row(st, fcinfo, arg, a_patient, a_start, a_died, a_eligible, a_unit))
		return;
	c = st->contacts[st->ncontacts - 1];	/* the markers follow it */
	if (a_death >= 0)
		add_date(st, &c, 0, &arg[a_death]);
	if (a_birth >= 0)
		add_date(st, &c, 1, &arg[a_birth]);
}
