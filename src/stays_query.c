/*
 * stays_query.c - kvalitet.stays(contacts_query, patient_type
 * [, data_complete_until [, rules]]): the per-stay relation of every
 * patient a query returns; kvalitet.stays_full, the same with the outcome
 * columns of kvalitet.stay (SPEC 11.1, 11.5, 11.6).
 *
 * Why a set-returning function over a query beside the aggregate: it feeds
 * the query's rows straight into one buffer, sorts it with the engine's
 * radix sort and walks the patients, skipping what patient_stays costs per
 * patient (the executor's sort or hash by patient, an aggregate state each,
 * an array to unnest); bench/stays.sh measures both.  It also sees all the
 * rows, so follow-up completeness has the default of docs/indicators.md
 * section 4 (the latest start seen).  The aggregate stays for what a
 * function cannot do: run where the rows are (Citus shards, partitions)
 * and compose with GROUP BY.
 */
#include "kvalitet.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/timestamp.h"

#include "stays_state.h"

PG_FUNCTION_INFO_V1(stays_query);

/* The query's columns, matched by name, in stays_add_row's argument order. */
enum
{
	QC_PATIENT, QC_START, QC_END, QC_ACUTE, QC_DIAGNOSIS, QC_DIED, QC_ELIGIBLE, QC_UNIT,
	QC_DEATH, QC_BIRTH,
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
	{"death_date", DATEOID, false},
	{"birth_date", DATEOID, false},
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

/* Is a column of type got good for one of type want?  varchar and text
 * serve each other, a domain serves its base type. */
static bool
column_type_fits(Oid got, Oid want)
{
	got = getBaseType(got);
	want = getBaseType(want);
	if (got == VARCHAROID)
		got = TEXTOID;
	if (want == VARCHAROID)
		want = TEXTOID;
	return got == want;
}

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
					 errhint("Name the columns patient, start_at, end_at, acute, diagnosis and, optionally, died, index_eligible, unit, death_date, birth_date.")));
		if (r->column[q] >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("kvalitet.stays: the contacts query returns column \"%s\" twice", name)));
		want = OidIsValid(query_columns[q].type) ? query_columns[q].type : r->patient_type;
		if (!column_type_fits(att->atttypid, want))
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
					 errhint("Name the columns patient, start_at, end_at, acute, diagnosis and, optionally, died, index_eligible, unit, death_date, birth_date.")));
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
	stays_add_row_dates(st, r->fcinfo, arg, QC_PATIENT, QC_START,
						r->column[QC_DIED] >= 0 ? QC_DIED : -1,
						r->column[QC_ELIGIBLE] >= 0 ? QC_ELIGIBLE : -1,
						r->column[QC_UNIT] >= 0 ? QC_UNIT : -1,
						r->column[QC_DEATH] >= 0 ? QC_DEATH : -1,
						r->column[QC_BIRTH] >= 0 ? QC_BIRTH : -1);
	/* the contact (date markers follow it) */
	for (int64 i = st->ncontacts - 1; i >= before; i--)
		if (!(st->contacts[i].flags & KV_C_MARKER))
		{
			r->latest_start = Max(r->latest_start, st->contacts[i].start);
			break;
		}
	MemoryContextSwitchTo(old);
	return true;
}

static void
receiver_nothing(DestReceiver *self)
{
}

/* Where kvalitet.stays puts its rows. */
typedef struct StaysOutput
{
	ReturnSetInfo *rsinfo;
	bool		known_completeness;
} StaysOutput;

/*
 * One patient's stays into the tuplestore, which copies them; the values
 * are allocated in the engine's per-patient context (stays_run_engine).
 */
static void
emit_stays(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
		   size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	StaysOutput *out = (StaysOutput *) arg;
	Datum		v[1 + STAY_NATTS];
	bool		isnull[1 + STAY_NATTS];

	switch (st->patient_kind)
	{
		case PATIENT_INT8:
			v[0] = Int64GetDatum(c[0].patient);
			break;
		case PATIENT_INT4:
			v[0] = Int32GetDatum((int32) c[0].patient);
			break;
		case PATIENT_UUID:
			v[0] = PointerGetDatum(st->patients.keys[c[0].patient]);
			break;
		default:
			v[0] = PointerGetDatum(stays_dict_text(&st->patients, (int32) c[0].patient));
	}
	isnull[0] = false;
	for (size_t i = 0; i < nstays; i++)
	{
		stays_stay_values(st, c, &stays[i], diag_map, unit_map, out->known_completeness,
					v + 1, isnull + 1);
		tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, v, isnull);
	}
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
	/* Bad SQL raises its own error, so: */
	if (plan == NULL)
		elog(ERROR, "kvalitet.stays: SPI_prepare_extended failed: %s",	/* cannot happen */
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
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	InitMaterializedSRF(fcinfo, 0);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "kvalitet.stays", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	st = stays_state_alloc(1024);
	st->patient_kind = stays_patient_kind(patient_type, "kvalitet.stays");
	stays_fix_rules(st, fcinfo, true, 3, NULL);
	/* kvalitet.stays_full returns the outcome columns; kvalitet.stays does not */
	if (rsinfo->setDesc->natts > 1 + STAY_NATTS_V1)
		stays_fix_outcome_rules(st, fcinfo, 3, OUTCOME_PREVENTABLE | OUTCOME_NEWBORN | OUTCOME_DAYS);
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
		elog(ERROR, "kvalitet.stays: SPI_connect failed");	/* cannot happen */
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = &recv.pub;
	ret = SPI_execute_plan_extended(prepare_contacts_query(query), &options);
	/* A failing query raises its own error, so: */
	if (ret < 0)
		elog(ERROR, "kvalitet.stays: the contacts query failed: %s",	/* cannot happen */
			 SPI_result_code_string(ret));
	SPI_finish();

	/*
	 * docs/indicators.md section 4: follow-up is complete up to the given
	 * time, else the latest start.
	 */
	st->has_complete_until = true;
	st->complete_until = PG_ARGISNULL(2) ? recv.latest_start : PG_GETARG_TIMESTAMPTZ(2);

	/*
	 * SPEC 11.1: deaths are complete up to the local date of
	 * data_complete_until, else of the latest start or the latest death
	 * date seen, whichever is later.
	 */
	if (st->rules.outcomes && st->complete_until != PG_INT64_MIN)
	{
		st->has_complete_day = true;
		st->complete_day = stays_local_day(stays_rules_zone(st), st->complete_until);
		if (PG_ARGISNULL(2) && st->has_latest_death && st->latest_death > st->complete_day)
			st->complete_day = st->latest_death;
	}

	out.rsinfo = rsinfo;
	out.known_completeness = true;
	old = MemoryContextSwitchTo(cxt);

	/*
	 * Patients in key order, as the executor would group them: a
	 * materialized view over these rows is then stored in the order of a
	 * (patient, stay_no) index, which keeps REFRESH CONCURRENTLY's
	 * comparison with the old contents cheap (2.4x the plain refresh
	 * otherwise, at 2 M contacts with text keys).
	 */
	stays_order_patients(st);
	stays_run_engine(st, fcinfo, st->complete_until, emit_stays, &out);
	stays_report_rows(st, "kvalitet.stays");
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
