/*
 * stays_aggregates.c - the patient-flow aggregates: readmission_rate,
 * preventable_admission_share and patient_stays (the per-stay relation of
 * one patient, grouped by patient).
 *
 * Each aggregate buffers one 32-byte kv_contact per row in a StayState
 * (stays_state.c), and the final function sorts the buffer and runs the
 * stay engine on each patient.  The state is internal, with
 * serialize/deserialize/combine functions: parallel workers scan, buffer
 * and sort in parallel, and the leader merges their sorted runs (when the
 * planner picks such a plan: by default it does not, stays_cost.c).  With
 * ORDER BY patient inside the call, each patient is processed as soon as
 * the next begins, so memory is bounded by the largest patient.
 *
 * Why an aggregate for the per-stay relation too (patient_stays, grouped by
 * patient): it runs wherever the rows are, so a table distributed by
 * patient (Citus) or partitioned by patient needs nothing special.  On one
 * machine kvalitet.stays (stays_query.c) is about three times faster
 * (bench/README.md).
 *
 * Bad rows (NULL patient or start, end before start, a diagnosis that is no
 * code) are skipped and counted, and the final function raises one WARNING
 * with the counts per reason; with kvalitet.on_bad_input = error the first
 * bad row raises an ERROR instead.  No message ever shows a patient key.
 */
#include "kvalitet.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "contact_codec.h"
#include "stays_state.h"

PG_FUNCTION_INFO_V1(stays_accum);
PG_FUNCTION_INFO_V1(preventable_accum);
PG_FUNCTION_INFO_V1(patient_stays_accum);
PG_FUNCTION_INFO_V1(stays_combine);
PG_FUNCTION_INFO_V1(stays_serialize);
PG_FUNCTION_INFO_V1(stays_deserialize);
PG_FUNCTION_INFO_V1(readmission_final);
PG_FUNCTION_INFO_V1(preventable_final);
PG_FUNCTION_INFO_V1(patient_stays_final);
PG_FUNCTION_INFO_V1(mortality_accum);
PG_FUNCTION_INFO_V1(newborn_accum);
PG_FUNCTION_INFO_V1(preventable_readmission_accum);
PG_FUNCTION_INFO_V1(mortality_final);
PG_FUNCTION_INFO_V1(newborn_final);
PG_FUNCTION_INFO_V1(preventable_readmission_final);

/* ---------------------------------------------------------------------
 * Transition functions
 * --------------------------------------------------------------------- */

static StayState *
state_create(FunctionCallInfo fcinfo, MemoryContext aggcontext, bool one_patient)
{
	MemoryContext old = MemoryContextSwitchTo(aggcontext);
	StayState  *st = stays_state_alloc(one_patient ? 16 : 1024);	/* patient_stays: small groups */
	Aggref	   *aggref = AggGetAggref(fcinfo);

	/*
	 * With ORDER BY patient inside the call (readmission_rate(... ORDER BY
	 * patient, start_at)), rows come patient by patient: each patient is
	 * processed when the next one starts, so memory stays bounded by the
	 * largest patient (PostgreSQL's sort spills to disk beyond work_mem).
	 */
	if (!one_patient && aggref != NULL && aggref->aggorder != NIL &&
		aggref->aggsplit == AGGSPLIT_SIMPLE)
	{
		SortGroupClause *first = linitial_node(SortGroupClause, aggref->aggorder);
		TargetEntry *patient = linitial_node(TargetEntry, aggref->args);

		Oid			collation = exprCollation((Node *) patient->expr);

		/*
		 * Under a nondeterministic collation patients that differ in bytes
		 * can sort as equal and interleave: buffer and sort bytewise instead.
		 */
		st->streaming = first->tleSortGroupRef == patient->ressortgroupref &&
			(!OidIsValid(collation) || get_collation_isdeterministic(collation));
		if (st->streaming)
			elog(DEBUG1, "kvalitet: rows ordered by patient, processed one patient at a time");
	}
	MemoryContextSwitchTo(old);
	return st;
}

static StayState *
get_state(FunctionCallInfo fcinfo, MemoryContext *aggcontext, bool one_patient,
		  const char *fname)
{
	if (!AggCheckCallContext(fcinfo, aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvalitet aggregate transition function called in non-aggregate context")));
	if (PG_ARGISNULL(0))
	{
		StayState  *st = state_create(fcinfo, *aggcontext, one_patient);

		st->patient_kind = stays_patient_kind(get_fn_expr_argtype(fcinfo->flinfo, 1), fname);
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
	StayState  *st = get_state(fcinfo, &aggcontext, false, "kvalitet.readmission_rate");
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
		stays_fix_rules(st, fcinfo, true, 8, NULL);
	stays_add_row(st, fcinfo, fcinfo->args, 1, 2, PG_NARGS() > 6 ? 6 : -1, PG_NARGS() > 7 ? 7 : -1, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* preventable_admission_share(patient, start, end, acute, diagnosis [, set_name [, rules]]) */
Datum
preventable_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, false, "kvalitet.preventable_admission_share");
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
		stays_fix_rules(st, fcinfo, false, 7,
				  PG_NARGS() > 6 && !PG_ARGISNULL(6) ?
				  text_to_cstring(PG_GETARG_TEXT_PP(6)) : "preventable_elderly");
	stays_add_row(st, fcinfo, fcinfo->args, 1, 2, -1, -1, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * An optional set_name argument (position arg) overrides the rules' set in
 * slot: a name names the set, NULL means no set (any diagnosis), and an
 * omitted argument leaves the rules' set.  Returns true for NULL.
 */
static bool
set_from_argument(StayState *st, FunctionCallInfo fcinfo, int arg, int slot)
{
	char	   *name;

	if (PG_NARGS() <= arg)
		return false;
	if (PG_ARGISNULL(arg))
	{
		st->rules.sets[slot][0] = '\0';
		return true;
	}
	name = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("code set \"%s\" does not exist", name)));
	strlcpy(st->rules.sets[slot], name, NAMEDATALEN);
	return false;
}

/*
 * mortality_rate(patient, start, end, acute, diagnosis, died, death_date
 * [, window_days [, rules]]): docs/indicators.md 11.1.  window_days NULL =
 * the rules' (30 days).
 */
Datum
mortality_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, false, "kvalitet.mortality_rate");
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
	{
		stays_fix_rules(st, fcinfo, true, 9, NULL);
		stays_fix_outcome_rules(st, fcinfo, 9, OUTCOME_DAYS);
		if (PG_NARGS() > 8 && !PG_ARGISNULL(8))
			st->rules.mortality_window = stays_window_days(PG_GETARG_INT32(8), "window_days");
	}
	stays_add_row_dates(st, fcinfo, fcinfo->args, 1, 2, 6, -1, -1, 7, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * newborn_readmission_rate(patient, start, end, acute, diagnosis, died,
 * birth_date [, set_name [, rules]]): docs/indicators.md 11.5.  set_name
 * omitted = the rules' (newborn_selected_causes); NULL = any cause.
 */
Datum
newborn_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, false, "kvalitet.newborn_readmission_rate");
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
	{
		stays_fix_rules(st, fcinfo, true, 9, NULL);
		stays_fix_outcome_rules(st, fcinfo, 9, OUTCOME_NEWBORN | OUTCOME_DAYS);
		if (set_from_argument(st, fcinfo, 8, SET_NEWBORN))
			st->rules.newborn_any_cause = true;
	}
	stays_add_row_dates(st, fcinfo, fcinfo->args, 1, 2, 6, -1, -1, -1, 7);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * preventable_readmission_rate(patient, start, end, acute, diagnosis, died,
 * index_eligible [, set_name [, rules]]): docs/indicators.md 11.6.  set_name
 * omitted = the rules' (preventable_elderly); NULL = any diagnosis (then
 * the numerator is readmission_rate's).
 */
Datum
preventable_readmission_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, false, "kvalitet.preventable_readmission_rate");
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
	{
		stays_fix_rules(st, fcinfo, true, 9, NULL);
		stays_fix_outcome_rules(st, fcinfo, 9, OUTCOME_PREVENTABLE);
		(void) set_from_argument(st, fcinfo, 8, SET_PREVENTABLE);
	}
	stays_add_row(st, fcinfo, fcinfo->args, 1, 2, 6, 7, -1);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * patient_stays(patient, start, end, acute, diagnosis, died, eligible, unit
 * [, data_complete_until [, rules [, death_date, birth_date]]]), grouped by
 * patient
 */
Datum
patient_stays_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	StayState  *st = get_state(fcinfo, &aggcontext, true, "kvalitet.patient_stays");
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (!st->has_rules)
	{
		stays_fix_rules(st, fcinfo, true, 10, NULL);
		stays_fix_outcome_rules(st, fcinfo, 10,
								OUTCOME_PREVENTABLE | OUTCOME_NEWBORN | OUTCOME_DAYS);
	}
	/* The patient, though grouped by: a group of two patients is an error. */
	stays_add_row_dates(st, fcinfo, fcinfo->args, 1, 2, 6, 7, 8,
						PG_NARGS() > 11 ? 11 : -1, PG_NARGS() > 12 ? 12 : -1);
	if (PG_NARGS() > 9 && !PG_ARGISNULL(9))
	{
		st->complete_until = PG_GETARG_TIMESTAMPTZ(9);
		st->has_complete_until = true;
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* ---------------------------------------------------------------------
 * Parallel aggregation: serialize, deserialize, combine
 *
 * Each worker sorts its own buffer as it serializes it (the sort runs in
 * parallel) and packs it; the leader keeps each worker's packed run with
 * maps from the worker's ids to its own, so its final function only walks
 * the patients, decoding the runs as it merges them.
 * --------------------------------------------------------------------- */

/*
 * Sort a worker's buffer by (patient, start, end) with patients in key
 * order (stays_order_patients), which lets the leader merge runs from
 * different workers.
 */
static void
sort_for_merge(StayState *st)
{
	stays_flatten_runs(st);
	stays_order_patients(st);
	stays_sort_contacts(st->contacts, st->ncontacts);
	st->grouped = true;
}

/* Ids of `from` mapped into `into` (keys added when new). */
static int32 *
merge_dict(KeyDict *into, const KeyDict *from)
{
	int32	   *map = palloc(sizeof(int32) * Max(from->count, 1));

	for (int32 i = 0; i < from->count; i++)
	{
		STAYS_CHECK_INTERRUPTS_AT(i);
		map[i] = stays_dict_id(into, from->keys[i], from->lens[i]);
	}
	return map;
}

/* Bytes send_dict writes. */
static Size
dict_bytes(const KeyDict *d)
{
	Size		size = 4;

	for (int32 i = 0; i < d->count; i++)
		size += 2 + d->lens[i];
	return size;
}

static void
send_dict(StringInfo buf, const KeyDict *d)
{
	pq_sendint32(buf, d->count);
	for (int32 i = 0; i < d->count; i++)
	{
		STAYS_CHECK_INTERRUPTS_AT(i);
		pq_sendint16(buf, d->lens[i]);
		pq_sendbytes(buf, d->keys[i], d->lens[i]);
	}
}

static void
recv_dict(StringInfo buf, KeyDict *d)
{
	int32		n = pq_getmsgint(buf, 4);

	stays_dict_init(d);
	for (int32 i = 0; i < n; i++)
	{
		int			len = pq_getmsgint(buf, 2);
		const char *key = pq_getmsgbytes(buf, len);

		STAYS_CHECK_INTERRUPTS_AT(i);
		if (stays_dict_id(d, key, len) != i)
			elog(ERROR, "unexpected duplicate key in serialized kvalitet state");	/* cannot happen */
	}
}

/* The 1 GB limit of a bytea, as an error that says what to do. */
static void
too_many_to_pass(int64 ncontacts)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("kvalitet: a parallel worker's %lld contacts are too many to pass to the leader",
					(long long) ncontacts),
			 errdetail("A partial aggregate state is limited to 1 GB (about 11 bytes a contact)."),
			 errhint("Run the query without parallel workers (SET max_parallel_workers_per_gather = 0), or partition the contacts by a patient bucket.")));
}

/* Contacts packed at a time: the buffer grows by at most this many's room. */
#define PACK_CHUNK 65536

/*
 * The state as bytes, for parallel workers only (never stored): the rules,
 * counters, dictionaries and the contacts, sorted here in the worker and
 * packed (src/core/contact_codec.h: about a third of their 32 bytes), with
 * the size of the largest patient, which the leader's scratch needs.
 * Streaming never happens here (ordered aggregates are not split).
 */
Datum
stays_serialize(PG_FUNCTION_ARGS)
{
	StayState  *st = (StayState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	Size		size;
	StayRun		buffer;

	sort_for_merge(st);
	buffer = (StayRun) {.ncontacts = st->ncontacts, .largest = -1, .contacts = st->contacts};
	/* Room for the typical packed size; chunks below grow it if need be. */
	size = 64 + sizeof(StayRules) + sizeof(st->bad) + dict_bytes(&st->patients) +
		dict_bytes(&st->diagnoses) + dict_bytes(&st->units) + (Size) st->ncontacts * 12;
	if (size >= MaxAllocSize - VARHDRSZ)
		too_many_to_pass(st->ncontacts);
	pq_begintypsend(&buf);
	enlargeStringInfo(&buf, (int) size);
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
	pq_sendint64(&buf, (int64) stays_largest_patient(&buffer));
	for (int64 i = 0; i < st->ncontacts; i += PACK_CHUNK)
	{
		int64		n = Min(PACK_CHUNK, st->ncontacts - i);

		CHECK_FOR_INTERRUPTS();
		if ((Size) buf.len + (Size) n * KV_CONTACT_PACKED_MAX >= MaxAllocSize - VARHDRSZ)
			too_many_to_pass(st->ncontacts);
		enlargeStringInfo(&buf, (int) (n * KV_CONTACT_PACKED_MAX));
		buf.len += (int) kv_contacts_pack(st->contacts + i, n, i > 0 ? &st->contacts[i - 1] : NULL,
										  (unsigned char *) buf.data + buf.len);
	}
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
	StayRun		run = {0};

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "kvalitet deserialize called in non-aggregate context");	/* cannot happen */
	old = MemoryContextSwitchTo(aggcontext);
	st = stays_state_alloc(16);
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
	run.ncontacts = pq_getmsgint64(&buf);
	run.largest = pq_getmsgint64(&buf);
	run.packed_len = buf.len - buf.cursor;
	run.packed = palloc(Max(run.packed_len, 1));
	memcpy(run.packed, pq_getmsgbytes(&buf, (int) run.packed_len), run.packed_len);
	run.npatient = st->patients.count;
	run.ndiag = st->diagnoses.count;
	run.nunit = st->units.count;
	stays_add_run(st, &run);
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
		a = stays_state_alloc(16);
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

	maps.patient = stays_keyed_patients(a) ? merge_dict(&a->patients, &b->patients) : NULL;
	maps.diag = merge_dict(&a->diagnoses, &b->diagnoses);
	maps.unit = merge_dict(&a->units, &b->units);
	if (a->grouped && b->grouped)
	{
		/*
		 * Keep b's sorted buffer and runs as runs of a: a worker's packed run
		 * as it is, with maps into a's ids (the final walk decodes it); an
		 * unpacked one copied in a's ids.
		 */
		StayRun		own = {.ncontacts = b->ncontacts, .largest = -1, .contacts = b->contacts};

		for (int32 r = -1; r < b->nruns; r++)
		{
			StayRun		run = r < 0 ? own : b->runs[r];

			if (run.packed != NULL)
			{
				if (GetMemoryChunkContext(run.packed) != aggcontext)
				{
					unsigned char *copy = palloc(Max(run.packed_len, 1));

					memcpy(copy, run.packed, run.packed_len);
					run.packed = copy;
				}
				run.maps.patient = stays_compose_map(run.maps.patient, run.npatient, maps.patient);
				run.maps.diag = stays_compose_map(run.maps.diag, run.ndiag, maps.diag);
				run.maps.unit = stays_compose_map(run.maps.unit, run.nunit, maps.unit);
			}
			else if (run.ncontacts > 0)
			{
				kv_contact *copy = MemoryContextAllocHuge(aggcontext, sizeof(kv_contact) * run.ncontacts);

				for (int64 i = 0; i < run.ncontacts; i++)
					copy[i] = stays_remap_contact(run.contacts[i], &maps);
				run.contacts = copy;
			}
			stays_add_run(a, &run);
		}
	}
	else
	{
		stays_flatten_runs(a);
		stays_flatten_runs(b);
		stays_state_reserve(a, b->ncontacts);
		for (int64 i = 0; i < b->ncontacts; i++)
			a->contacts[a->ncontacts++] = stays_remap_contact(b->contacts[i], &maps);
		a->grouped = false;
	}
	for (int r = 0; r < BAD_NREASONS; r++)
		a->bad[r] += b->bad[r];
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * Final functions
 * --------------------------------------------------------------------- */

/* Which proportion a final function returns. */
typedef enum FinalKind
{
	FINAL_READMISSION,
	FINAL_PREVENTABLE,
	FINAL_MORTALITY,
	FINAL_NEWBORN,
	FINAL_PREVENTABLE_READMISSION
} FinalKind;

static const char *const final_name[] = {
	"readmission_rate", "preventable_admission_share", "mortality_rate",
	"newborn_readmission_rate", "preventable_readmission_rate"
};

/* The aggregates' totals as the proportion of their kind. */
static Datum
finish(FunctionCallInfo fcinfo, FinalKind kind)
{
	StayState  *st;
	Proportion *result = palloc0(sizeof(Proportion));
	const kv_totals *t;

	if (PG_ARGISNULL(0))
		PG_RETURN_PROPORTION_P(result);
	st = (StayState *) PG_GETARG_POINTER(0);
	stays_process_buffer(st, fcinfo);
	stays_report_rows(st, final_name[kind]);
	t = &st->totals;
	switch (kind)
	{
		case FINAL_READMISSION:
			result->numerator = t->readmitted;
			result->denominator = t->index;
			break;
		case FINAL_PREVENTABLE:
			result->numerator = t->acute_target;
			result->denominator = t->acute_admissions;
			break;
		case FINAL_MORTALITY:
			/* docs/indicators.md 11.1: counted, and not an event */
			if (t->mortality_inconsistent > 0)
				ereport(WARNING,
						(errcode(ERRCODE_WARNING),
						 errmsg("mortality_rate counted %lld index stays that start after the patient's death date",
								(long long) t->mortality_inconsistent),
						 errdetail("Such a stay stays in the denominator without a death; the death date or the stay is wrong.")));
			result->numerator = t->mortality_events;
			result->denominator = t->mortality_index;
			break;
		case FINAL_NEWBORN:
			result->numerator = t->newborn_readmitted;
			result->denominator = t->newborn_index;
			break;
		case FINAL_PREVENTABLE_READMISSION:
			/* no preventable set: every readmission (stays_accum's numerator) */
			result->numerator = st->rules.sets[SET_PREVENTABLE][0] == '\0' ?
				t->readmitted : t->preventable_readmitted;
			result->denominator = t->index;
			break;
	}
	PG_RETURN_PROPORTION_P(result);
}

Datum
readmission_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, FINAL_READMISSION);
}

Datum
preventable_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, FINAL_PREVENTABLE);
}

Datum
mortality_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, FINAL_MORTALITY);
}

Datum
newborn_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, FINAL_NEWBORN);
}

Datum
preventable_readmission_final(PG_FUNCTION_ARGS)
{
	return finish(fcinfo, FINAL_PREVENTABLE_READMISSION);
}

/* ---------------------------------------------------------------------
 * patient_stays: the per-stay relation of one patient as kvalitet.stay[]
 * --------------------------------------------------------------------- */

/* The kvalitet.stay[] being built by patient_stays' final function. */
typedef struct StayRows
{
	TupleDesc	desc;
	Datum	   *elems;
	int			nelems;
	bool		known_completeness;
	MemoryContext cxt;			/* of the elements: the final function's */
} StayRows;

/*
 * The patient's stays as composite values.  The engine calls this in its
 * per-patient context, which is reset afterwards: the column values are
 * made there, the elements that must outlive it in rows->cxt.
 */
static void
collect_stays(void *arg, StayState *st, const kv_contact *c, const kv_stay *stays,
			  size_t nstays, const int32 *diag_map, const int32 *unit_map)
{
	StayRows   *rows = (StayRows *) arg;

	if (rows->elems != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("kvalitet.patient_stays: one group holds more than one patient"),
				 errhint("Use SELECT patient, kvalitet.patient_stays(patient, ...) ... GROUP BY patient, or kvalitet.stays().")));
	rows->elems = MemoryContextAlloc(rows->cxt, sizeof(Datum) * Max(nstays, 1));
	for (size_t i = 0; i < nstays; i++)
	{
		Datum		v[STAY_NATTS];
		bool		isnull[STAY_NATTS];
		MemoryContext old;

		stays_stay_values(st, c, &stays[i], diag_map, unit_map, rows->known_completeness, v, isnull);
		old = MemoryContextSwitchTo(rows->cxt);
		rows->elems[rows->nelems++] = HeapTupleGetDatum(heap_form_tuple(rows->desc, v, isnull));
		MemoryContextSwitchTo(old);
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
	rows.cxt = CurrentMemoryContext;
	/* SPEC 11.1: deaths complete up to the local date of data_complete_until */
	st->has_complete_day = st->has_complete_until;
	if (st->has_complete_until)
		st->complete_day = stays_local_day(stays_rules_zone(st), st->complete_until);
	stays_run_engine(st, fcinfo, st->has_complete_until ? st->complete_until : PG_INT64_MIN,
			   collect_stays, &rows);
	stays_report_rows(st, "patient_stays");
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(rows.elems, rows.nelems, elemtype,
										  typlen, typbyval, typalign));
}

