/*
 * stays_engine.c - the driver of the stay engine: sorts a state's
 * contacts, ranks its diagnosis and unit ids like their text, walks its
 * patients (one buffer, or merged runs) and runs src/core/stays.c, where
 * every rule lives, on each patient; and the kvalitet.stay columns of one
 * stay for the functions that return stays.
 *
 * Why the ranking: ids are handed out in row order, but exact ties must
 * sort, and dominant-diagnosis ties break, by the codes' text, so that the
 * same rows in any order give the same stays (docs/indicators.md
 * section 3).
 */
#include "kvalitet.h"

#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "stays_state.h"

/* ---------------------------------------------------------------------
 * Sorting contacts, interruptibly
 * --------------------------------------------------------------------- */

/* The core sort's progress hook: where a cancel lands during a sort. */
static void
check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * kv_contacts_sort with a cancel check about every 64K elements handled:
 * src/core cannot check for interrupts itself, and a sort of 10 M contacts
 * takes about half a second.  A cancel leaves the array in some order,
 * which is fine: an error discards it.
 */
void
stays_sort_contacts(kv_contact *c, int64 n)
{
	kv_progress progress = {check_interrupts, NULL, 0};

	kv_contacts_sort_progress(c, (size_t) n, &progress);
}

/* ---------------------------------------------------------------------
 * Ranking ids like their text
 * --------------------------------------------------------------------- */

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
	stays_sort_ranks(items, k);
	for (size_t j = 0; j < k; j++)
	{
		rank_to_id[j] = items[j].id;
		rank_by_id[items[j].id] = (int32) j;
	}
	return k;
}

/*
 * Scratch of rank_patient: items and maps sized for the largest patient (in
 * the engine run's context), id -> rank maps sized for the dictionaries
 * (the state's own, which outlive the run).
 */
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
	stays_sort_contacts(c, n);	/* returns at once when already in order */
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
	stays_sort_ranks(items, dict->count);
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

			STAYS_CHECK_INTERRUPTS_AT(i);
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

/* ---------------------------------------------------------------------
 * Processing: sort, then run the engine one patient at a time
 * --------------------------------------------------------------------- */

/*
 * Sort the buffer, collapse exact duplicates, and run the stay engine on
 * each patient, calling fn with its stays.
 *
 * Memory: what lasts as long as the state (the classifier, a streaming
 * state's id -> rank maps, the maps of packed runs) goes into the state's
 * context.  This run's scratch (the rank -> id maps, the cursor's readers
 * and the arrays sized for the largest patient, so that no patient
 * allocates its own) goes into a context of the run, deleted at its end.
 * Each patient is processed, fn included, in a context that is reset
 * after it: what fn allocates there (the output values of a stay) is gone
 * before the next patient, and what must outlive the patient fn allocates
 * elsewhere.  Streaming calls this once per patient, so both contexts
 * come from PostgreSQL's free list, and a reset with nothing allocated
 * costs nothing.
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
	kv_outcome_params outcomes;
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
	MemoryContext run_cxt,
				patient_cxt,
				old;

	cl = stays_classifier(st, fcinfo);
	run_cxt = AllocSetContextCreate(CurrentMemoryContext, "kvalitet stays run",
									ALLOCSET_DEFAULT_SIZES);
	patient_cxt = AllocSetContextCreate(run_cxt, "kvalitet stays patient",
										ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(run_cxt);

	params.merge_gap = st->rules.merge_gap;
	params.min_admission = st->rules.min_admission;
	params.window = st->rules.window;
	params.complete_until = complete_until;
	params.classify = stays_classify;
	params.classify_ctx = cl;
	memset(&outcomes, 0, sizeof(outcomes));
	if (st->rules.outcomes)
	{
		outcomes.local_day = stays_local_day;
		outcomes.local_day_ctx = stays_rules_zone(st);
		outcomes.complete_known = st->has_complete_day;
		outcomes.complete_day = st->complete_day;
		outcomes.mortality_window = st->rules.mortality_window;
		outcomes.newborn_window = st->rules.newborn_window;
		outcomes.newborn_any_cause = st->rules.newborn_any_cause;
	}

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
		stays_sort_contacts(st->contacts, st->ncontacts);	/* no runs then */

	/* The largest patient decides the scratch sizes (summed over runs). */
	stays_cursor_init(&pc, st);
	maxrun = stays_largest_patient(&pc.buffer);
	for (int32 r = 0; r < st->nruns; r++)
		maxrun += stays_largest_patient(&st->runs[r]);
	if (maxrun > (size_t) KV_MAX_PATIENT_CONTACTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("one patient has more than %d contacts", KV_MAX_PATIENT_CONTACTS)));
	maxrun = Max(maxrun, 1);
	if (pc.nreaders > 0)
		pc.scratch = MemoryContextAllocHuge(run_cxt, sizeof(kv_contact) * maxrun);
	stays = MemoryContextAllocHuge(run_cxt, sizeof(kv_stay) * maxrun);
	work = MemoryContextAllocHuge(run_cxt, sizeof(kv_stay_work) * maxrun);
	if (st->streaming)
	{
		r.diag_map = MemoryContextAllocHuge(run_cxt, sizeof(int32) * maxrun);
		r.unit_map = MemoryContextAllocHuge(run_cxt, sizeof(int32) * maxrun);
		r.items = MemoryContextAllocHuge(run_cxt, sizeof(RankItem) * maxrun);
		st->diag_rank = stays_grow_slots(GetMemoryChunkContext(st), st->diag_rank,
										 &st->diag_rank_size, st->diagnoses.count, 0xFF);
		st->unit_rank = stays_grow_slots(GetMemoryChunkContext(st), st->unit_rank,
										 &st->unit_rank_size, st->units.count, 0xFF);
		r.diag_rank = st->diag_rank;
		r.unit_rank = st->unit_rank;
		diag_map = r.diag_map;
		unit_map = r.unit_map;
	}
	cl->local_to_global = diag_map;

	MemoryContextSwitchTo(patient_cxt);
	while ((run = stays_cursor_next(&pc, &c)) > 0)
	{
		size_t		nstays,
					distinct,
					marks;
		kv_patient_dates dates;

		if (st->streaming)
			rank_patient(st, c, run, &r);
		else if (st->grouped)
			stays_sort_contacts(c, run);	/* runs gathered, or ties reordered by the ranks */
		/* the death and birth date markers come first (src/core/stays.h) */
		marks = kv_take_markers(c, run, &dates);
		c += marks;
		run -= marks;
		distinct = kv_contacts_dedupe(c, run);
		st->duplicates += (int64) (run - distinct);
		nstays = kv_patient_stays(c, distinct, &params, stays, work);
		if (st->rules.outcomes)
			kv_patient_outcomes(stays, nstays, &dates, &outcomes);
		if (nstays > 0)
			fn(arg, st, c, stays, nstays, diag_map, unit_map);
		MemoryContextReset(patient_cxt);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(run_cxt);
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
	st->has_last_mark[0] = st->has_last_mark[1] = false;
}

/* ---------------------------------------------------------------------
 * Output: the columns of one stay
 * --------------------------------------------------------------------- */

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
	/* SPEC 11.6, 11.1, 11.5 */
	isnull[14] = s->next_dominant_diag < 0;
	v[14] = isnull[14] ? (Datum) 0 :
		PointerGetDatum(stays_dict_text(&st->diagnoses, diag_map[s->next_dominant_diag]));
	v[15] = BoolGetDatum(s->preventable_readmitted);
	v[16] = BoolGetDatum(s->mortality_index);
	v[17] = Int32GetDatum(s->days_to_death);
	isnull[17] = !s->has_death;
	v[18] = BoolGetDatum(s->died_within);
	v[19] = BoolGetDatum(s->mortality_followup_complete);
	isnull[19] = !st->has_complete_day;
	v[20] = BoolGetDatum(s->birth_stay);
	v[21] = BoolGetDatum(s->newborn_index);
	v[22] = BoolGetDatum(s->newborn_readmitted);
}
