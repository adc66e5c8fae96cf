/*
 * stays_runs.c - the order of patients and the sorted runs of a state.
 *
 * Combining parallel workers' states keeps each worker's sorted buffer as
 * a run beside the leader's own (StayRun, often still packed); the final
 * walk merges them patient by patient through a PatientCursor instead of
 * building one merged copy.  Runs merge only when every state orders its
 * patients the same way, by key: stays_order_patients renumbers text and
 * uuid patients so, and IdMaps carry a run's ids into the state's.
 */
#include "kvalitet.h"

#include "utils/memutils.h"

#include "contact_codec.h"
#include "stays_state.h"

/* ---------------------------------------------------------------------
 * Patient order
 * --------------------------------------------------------------------- */

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
	stays_sort_ranks(items, n);
	stays_dict_init(&sorted);
	for (int32 j = 0; j < n; j++)
	{
		STAYS_CHECK_INTERRUPTS_AT(j);
		rank[items[j].id] = j;
		stays_dict_id(&sorted, st->patients.keys[items[j].id], st->patients.lens[items[j].id]);
	}
	for (int64 i = 0; i < st->ncontacts; i++)
	{
		STAYS_CHECK_INTERRUPTS_AT(i);
		st->contacts[i].patient = rank[st->contacts[i].patient];
	}
	st->patients = sorted;
	pfree(items);
	pfree(rank);
}

/* ---------------------------------------------------------------------
 * Sorted runs and their readers
 * --------------------------------------------------------------------- */

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
	{
		STAYS_CHECK_INTERRUPTS_AT(i);
		map[i] = outer[inner != NULL ? inner[i] : i];
	}
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
		{
			STAYS_CHECK_INTERRUPTS_AT(st->ncontacts);
			st->contacts[st->ncontacts++] = rr.head;
		}
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

/* ---------------------------------------------------------------------
 * The patient cursor
 * --------------------------------------------------------------------- */

void
stays_cursor_init(PatientCursor *pc, StayState *st)
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
size_t
stays_cursor_next(PatientCursor *pc, kv_contact **c)
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

		CHECK_FOR_INTERRUPTS(); /* per patient: cheap, and a walk of 10 M */
		largest = Max(largest, n);
		i += n;
	}
	return largest;
}
