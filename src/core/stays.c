/*
 * stays.c - the stay and readmission engine (docs/indicators.md
 * sections 3, 4, 5 and 8).
 *
 * Contacts are sorted into a total order, one patient's contacts are merged
 * into stays, each stay gets its admission, acute, dominant diagnosis,
 * died, psychiatric and discharging-contact attributes, and a backward pass
 * links every stay to the next admission to decide index and readmitted.
 * Nothing here allocates; the caller passes the output and scratch arrays.
 * The choices made where docs/indicators.md is silent are listed in
 * stays.h.
 */
#include "stays.h"

#include <string.h>

#define SIGN64 UINT64_C(0x8000000000000000)

/* Below this many elements the radix sort finishes with insertion sort. */
#define SORT_SMALL 24

/*
 * The radix permutation is bound by cache misses on the bucket heads;
 * fetching a few elements ahead of each head roughly halves its time.
 */
#define PREFETCH_AHEAD 4
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH_WRITE(p) __builtin_prefetch((p), 1)
#else
#define PREFETCH_WRITE(p) ((void) 0)
#endif

/* Total order of contacts: patient, start, end (open last), diag (-1 last), flags. */
static inline int
contact_cmp(const kv_contact *a, const kv_contact *b)
{
	if (a->patient != b->patient)
		return a->patient < b->patient ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->diag != b->diag)
		return (uint32_t) a->diag < (uint32_t) b->diag ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	return 0;
}

/*
 * The sort key as four unsigned 64-bit words whose lexicographic order is
 * contact_cmp's: signed fields get their sign bit flipped, and the diagnosis
 * (as unsigned, so -1 sorts last) shares the last word with the flags.
 */
static inline uint64_t
key_word(const kv_contact *c, int w)
{
	switch (w)
	{
		case 0:
			return (uint64_t) c->patient ^ SIGN64;
		case 1:
			return (uint64_t) c->start ^ SIGN64;
		case 2:
			return (uint64_t) c->end ^ SIGN64;
		default:
			return ((uint64_t) (uint32_t) c->diag << 32) | c->flags;
	}
}

/* Byte k (0 = most significant) of the 32-byte sort key. */
static inline unsigned
key_byte(const kv_contact *c, int k)
{
	return (unsigned) (key_word(c, k >> 3) >> (56 - 8 * (k & 7))) & 0xFF;
}

/*
 * The one insertion sort of this file, for the small arrays the faster
 * sorts leave (radix sort buckets, a stay's diagnoses): defines
 * `static void name(type *a, size_t n)`, sorting by after(x, y), true when
 * *x belongs after *y.  A macro, so that each comparison inlines.
 */
#define DEFINE_INSERTION_SORT(name, type, after) \
static void \
name(type *a, size_t n) \
{ \
	size_t		i; \
 \
	for (i = 1; i < n; i++) \
	{ \
		type		x = a[i]; \
		size_t		j = i; \
 \
		while (j > 0 && after(&a[j - 1], &x)) \
		{ \
			a[j] = a[j - 1]; \
			j--; \
		} \
		a[j] = x; \
	} \
}

#define CONTACT_AFTER(x, y) (contact_cmp((x), (y)) > 0)
DEFINE_INSERTION_SORT(insertion_sort, kv_contact, CONTACT_AFTER)

/* Count k elements handled; call the caller's hook every KV_PROGRESS_STEP. */
static inline void
progress_add(kv_progress *p, size_t k)
{
	if (p == NULL || p->fn == NULL)
		return;
	p->done += k;
	if (p->done >= KV_PROGRESS_STEP)
	{
		p->done = 0;
		p->fn(p->arg);
	}
}

/* One element handled, counted in a local t so the hot loops touch no *p. */
#define PROGRESS_TICK(p, t) \
	do { \
		if (++(t) == KV_PROGRESS_STEP) \
		{ \
			progress_add((p), (t)); \
			(t) = 0; \
		} \
	} while (0)

/* The end of the next chunk of a loop from i to n, for progress calls. */
static inline size_t
chunk_end(size_t i, size_t n)
{
	return n - i > KV_PROGRESS_STEP ? i + KV_PROGRESS_STEP : n;
}

/*
 * The key bits that differ somewhere in c[0..n), per key word: the radix
 * sort skips key bytes that are constant without a counting pass.
 */
static void
key_vary(const kv_contact *c, size_t n, uint64_t *vary, kv_progress *p)
{
	uint64_t	first[4];
	size_t		i;
	int			w;

	for (w = 0; w < 4; w++)
	{
		first[w] = key_word(&c[0], w);
		vary[w] = 0;
	}
	for (i = 1; i < n;)
	{
		size_t		stop = chunk_end(i, n);

		progress_add(p, stop - i);
		for (; i < stop; i++)
		{
			vary[0] |= key_word(&c[i], 0) ^ first[0];
			vary[1] |= key_word(&c[i], 1) ^ first[1];
			vary[2] |= key_word(&c[i], 2) ^ first[2];
			vary[3] |= key_word(&c[i], 3) ^ first[3];
		}
	}
}

/*
 * In-place MSD radix sort (American flag sort) of c[0..n) on key bytes k..31.
 * `vary` (from key_vary over an enclosing range) says which bytes can
 * differ; when a counting pass finds its byte constant in this bucket, the
 * bucket's own mask is computed once so that the next constant bytes cost
 * nothing.  Recursion depth is at most 32 levels of 4 kB each, and every
 * level is linear, so the worst case is O(32 n) with no quadratic input.
 * Every element counted or moved counts towards the progress calls.
 */
static void
radix_sort(kv_contact *c, size_t n, int k, const uint64_t *vary, kv_progress *p)
{
	size_t		head[256];
	size_t		end[256];
	uint64_t	local[4];
	size_t		i;
	size_t		pos;
	size_t		moved = 0;
	int			b;

	for (;;)
	{
		int			w;
		int			shift;

		if (n <= SORT_SMALL)
		{
			insertion_sort(c, n);
			progress_add(p, n);
			return;
		}
		while (k < 32 && ((vary[k >> 3] >> (56 - 8 * (k & 7))) & 0xFF) == 0)
			k++;
		if (k == 32)
			return;				/* all elements equal */

		w = k >> 3;
		shift = 56 - 8 * (k & 7);
		memset(end, 0, sizeof(end));
		for (i = 0; i < n;)
		{
			size_t		stop = chunk_end(i, n);

			progress_add(p, stop - i);
			for (; i < stop; i++)
				end[(key_word(&c[i], w) >> shift) & 0xFF]++;
		}
		if (end[key_byte(&c[0], k)] == n)
		{
			/* constant in this bucket: use the bucket's own mask */
			key_vary(c, n, local, p);
			vary = local;
			k++;
			continue;
		}
		break;
	}

	/* counts -> bucket heads and ends */
	pos = 0;
	for (b = 0; b < 256; b++)
	{
		head[b] = pos;
		pos += end[b];
		end[b] = pos;
	}

	/* cycle leader permutation: every element moves straight to its bucket */
	for (b = 0; b < 256; b++)
	{
		while (head[b] < end[b])
		{
			kv_contact	x = c[head[b]];
			unsigned	d = key_byte(&x, k);

			while (d != (unsigned) b)
			{
				kv_contact	y = c[head[d]];

				if (head[d] + PREFETCH_AHEAD < n)
					PREFETCH_WRITE(&c[head[d] + PREFETCH_AHEAD]);
				c[head[d]++] = x;
				x = y;
				d = key_byte(&x, k);
				/* in the cycle too, as one cycle can be long */
				if (++moved == KV_PROGRESS_STEP)
				{
					/*
					 * The cycle's first slot holds a copy of an element
					 * placed since: x goes there, so that the array holds
					 * each element once should the callback not return.
					 */
					c[head[b]] = x;
					progress_add(p, moved);
					moved = 0;
				}
			}
			c[head[b]++] = x;
			PROGRESS_TICK(p, moved);
		}
	}
	progress_add(p, moved);

	pos = 0;
	for (b = 0; b < 256; b++)
	{
		size_t		cnt = end[b] - pos;

		if (cnt > 1 && k < 31)
			radix_sort(c + pos, cnt, k + 1, vary, p);
		pos = end[b];
	}
}

/* True when c[0..n) is in contact_cmp order. */
static bool
is_sorted(const kv_contact *c, size_t n, kv_progress *p)
{
	size_t		i;

	for (i = 1; i < n;)
	{
		size_t		stop = chunk_end(i, n);

		progress_add(p, stop - i);
		for (; i < stop; i++)
			if (contact_cmp(&c[i - 1], &c[i]) > 0)
				return false;
	}
	return true;
}

/*
 * Sort contacts into the total order of contact_cmp.  A radix sort because
 * this is the hot path of the aggregates (millions of rows); see radix_sort.
 */
void
kv_contacts_sort_progress(kv_contact *c, size_t n, kv_progress *progress)
{
	uint64_t	vary[4];

	if (n <= SORT_SMALL)
	{
		insertion_sort(c, n);
		return;
	}
	if (is_sorted(c, n, progress))
		return;					/* the caller's ORDER BY already did it */
	key_vary(c, n, vary, progress);
	radix_sort(c, n, 0, vary, progress);
}

void
kv_contacts_sort(kv_contact *c, size_t n)
{
	kv_contacts_sort_progress(c, n, NULL);
}

/* True when c[0..n) is in kv_contacts_sort order. */
bool
kv_contacts_sorted(const kv_contact *c, size_t n)
{
	return is_sorted(c, n, NULL);
}

/*
 * Collapse exact duplicates (every field equal) of a sorted array, keeping
 * one; a row loaded twice must not count twice.  Returns the new count.
 */
size_t
kv_contacts_dedupe(kv_contact *c, size_t n)
{
	size_t		i;
	size_t		out;

	if (n == 0)
		return 0;
	out = 1;
	for (i = 1; i < n; i++)
	{
		if (contact_cmp(&c[out - 1], &c[i]) != 0)
			c[out++] = c[i];
	}
	return out;
}

/* Length of the leading run of c[0..n) that belongs to c[0]'s patient. */
size_t
kv_patient_run(const kv_contact *c, size_t n)
{
	size_t		i;

	for (i = 1; i < n; i++)
		if (c[i].patient != c[0].patient)
			break;
	return n == 0 ? 0 : i;
}

/* Parameters must not be negative (a negative gap would split overlaps). */
kv_stays_status
kv_stay_params_check(const kv_stay_params *p)
{
	if (p->merge_gap < 0 || p->min_admission < 0 || p->window < 0)
		return KV_STAYS_NEGATIVE_PARAM;
	return KV_STAYS_OK;
}

/*
 * A contact the engine can use: a finite start, an end that is open or not
 * before the start, and a diagnosis id of -1 or more.
 */
kv_stays_status
kv_contact_check(const kv_contact *c)
{
	if (c->start == INT64_MIN || c->start == INT64_MAX)
		return KV_STAYS_START_INFINITE;
	if (c->end < c->start)
		return KV_STAYS_END_BEFORE_START;
	if (c->diag < -1)
		return KV_STAYS_BAD_DIAGNOSIS;
	return KV_STAYS_OK;
}

/* Clamp a parameter to >= 0 so unchecked input cannot cause overflow. */
static inline uint64_t
nonneg(int64_t x)
{
	return x < 0 ? 0 : (uint64_t) x;
}

/*
 * True when instant b is at most `span` after instant a (b - a <= span),
 * computed without overflow; b <= a always qualifies.
 */
static inline bool
within(int64_t a, int64_t b, uint64_t span)
{
	if (b <= a)
		return true;
	return (uint64_t) b - (uint64_t) a <= span;
}

#define WORK_AFTER(x, y) ((x)->diag > (y)->diag)
DEFINE_INSERTION_SORT(work_insertion_sort, kv_stay_work, WORK_AFTER)

/* Restore the max-heap property below node i of w[0..n), keyed on diag. */
static void
work_sift_down(kv_stay_work *w, size_t i, size_t n)
{
	kv_stay_work x = w[i];

	for (;;)
	{
		size_t		child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && w[child + 1].diag > w[child].diag)
			child++;
		if (w[child].diag <= x.diag)
			break;
		w[i] = w[child];
		i = child;
	}
	w[i] = x;
}

/*
 * Group scratch entries by diagnosis: insertion sort for small stays,
 * heapsort (O(k log k), no allocation) for large ones.  The order inside a
 * group does not matter, because groups are only summed.
 */
static void
work_sort(kv_stay_work *w, size_t n)
{
	size_t		i;

	if (n <= 16)
	{
		work_insertion_sort(w, n);
		return;
	}
	for (i = n / 2; i > 0; i--)
		work_sift_down(w, i - 1, n);
	for (i = n - 1; i > 0; i--)
	{
		kv_stay_work t = w[0];

		w[0] = w[i];
		w[i] = t;
		work_sift_down(w, 0, i);
	}
}

/* Total contact duration of one diagnosis: infinite, or a 128-bit sum. */
typedef struct diag_total
{
	bool		open;
	uint64_t	hi;
	uint64_t	lo;
} diag_total;

/* Compare two totals: -1, 0 or 1.  Two infinite totals are equal. */
static int
total_cmp(const diag_total *a, const diag_total *b)
{
	if (a->open != b->open)
		return a->open ? 1 : -1;
	if (a->open)
		return 0;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* Sets of a diagnosis for a stay decided at `at`; no classifier: no sets. */
static inline uint32_t
classify(const kv_stay_params *p, int32_t diag, int64_t at)
{
	if (p->classify == NULL)
		return 0;
	return p->classify(p->classify_ctx, diag, at);
}

/*
 * Diagnosis attributes of stay s over contacts c[s->first ..]: the dominant
 * diagnosis (docs/indicators.md section 3, rule 5) and its sets, the union
 * of all contacts' sets and the sets of the first contact's diagnosis.  The
 * classifier is called once per distinct diagnosis, at the stay's deciding
 * instant.
 */
static void
stay_diagnoses(const kv_contact *c, kv_stay *s, const kv_stay_params *p,
			   kv_stay_work *work)
{
	const kv_contact *sc = c + s->first;
	int64_t		at = s->end == KV_TS_OPEN ? s->start : s->end;
	size_t		m = (size_t) s->ncontacts;
	size_t		k = 0;
	size_t		i;
	size_t		g;
	diag_total	best = {false, 0, 0};
	int64_t		best_start = 0;

	s->dominant_diag = -1;
	s->dominant_sets = 0;
	s->contact_sets = 0;
	s->first_sets = 0;

	for (i = 0; i < m; i++)
	{
		if (sc[i].diag < 0)
			continue;
		work[k].start = sc[i].start;
		work[k].diag = sc[i].diag;
		work[k].open = sc[i].end == KV_TS_OPEN;
		work[k].duration = (work[k].open || sc[i].end < sc[i].start) ? 0 :
			(uint64_t) sc[i].end - (uint64_t) sc[i].start;
		k++;
	}
	if (k == 0)
		return;
	work_sort(work, k);

	for (g = 0; g < k;)
	{
		int32_t		d = work[g].diag;
		diag_total	tot = {false, 0, 0};
		int64_t		first_start = work[g].start;
		uint32_t	sets;

		for (; g < k && work[g].diag == d; g++)
		{
			if (work[g].open)
				tot.open = true;
			tot.lo += work[g].duration;
			if (tot.lo < work[g].duration)
				tot.hi++;
			if (work[g].start < first_start)
				first_start = work[g].start;
		}

		sets = classify(p, d, at);
		s->contact_sets |= sets;
		if (d == sc[0].diag)
			s->first_sets = sets;

		/* groups come in ascending id order: on a full tie the smaller id stays */
		if (s->dominant_diag < 0 ||
			total_cmp(&tot, &best) > 0 ||
			(total_cmp(&tot, &best) == 0 && first_start < best_start))
		{
			s->dominant_diag = d;
			s->dominant_sets = sets;
			best = tot;
			best_start = first_start;
		}
	}
}

/* Follow-up is complete when the stay is closed and end + window <= until. */
bool
kv_stay_followup_complete(const kv_stay *s, int64_t window,
						  int64_t complete_until)
{
	if (s->end == KV_TS_OPEN || s->end > complete_until)
		return false;
	return (uint64_t) complete_until - (uint64_t) s->end >= nonneg(window);
}

/*
 * Build one patient's stays (docs/indicators.md section 3), then decide
 * index and readmitted (section 4) in a backward pass that carries the
 * next admission.
 */
size_t
kv_patient_stays(const kv_contact *c, size_t n, const kv_stay_params *p,
				 kv_stay *out, kv_stay_work *work)
{
	uint64_t	gap = nonneg(p->merge_gap);
	uint64_t	min_adm = nonneg(p->min_admission);
	uint64_t	window = nonneg(p->window);
	size_t		ns = 0;
	size_t		i = 0;
	size_t		s;
	const kv_stay *next = NULL;

	if (n > (size_t) KV_MAX_PATIENT_CONTACTS)
		n = (size_t) KV_MAX_PATIENT_CONTACTS;

	while (i < n)
	{
		kv_stay    *st = &out[ns];
		size_t		first = i;
		size_t		disch = i;
		int64_t		end = c[i].end;
		bool		died = (c[i].flags & KV_C_DIED) != 0;

		/* Section 3, rule 1: join while start <= stay_end + gap; open absorbs all */
		for (i++; i < n; i++)
		{
			if (end != KV_TS_OPEN && !within(end, c[i].start, gap))
				break;
			/* >=: the latest end, and on ties the later (later-starting) one */
			if (c[i].end >= end)
			{
				end = c[i].end;
				disch = i;
			}
			if (c[i].flags & KV_C_DIED)
				died = true;
		}

		memset(st, 0, sizeof(*st));
		st->number = (int32_t) (ns + 1);
		st->first = (int32_t) first;
		st->ncontacts = (int32_t) (i - first);
		st->discharging = (int32_t) disch;
		st->start = c[first].start;
		st->end = end;
		st->admission = end == KV_TS_OPEN ||
			(end >= st->start &&
			 (uint64_t) end - (uint64_t) st->start >= min_adm);
		st->acute = (c[first].flags & KV_C_ACUTE) != 0;
		st->died = died;
		st->eligible = (c[disch].flags & KV_C_ELIGIBLE) != 0;
		stay_diagnoses(c, st, p, work);
		st->psychiatric = (st->dominant_sets & KV_SET_PSYCHIATRIC) != 0;
		st->index = st->admission && end != KV_TS_OPEN && !st->died &&
			!st->psychiatric &&
			(st->contact_sets & KV_SET_INDEX_EXCLUSION) == 0 &&
			st->eligible;
		st->followup_complete = kv_stay_followup_complete(st, p->window,
														  p->complete_until);
		st->next_dominant_diag = -1;
		ns++;
	}

	/* Section 4: the next admission, ambulant stays skipped */
	for (s = ns; s > 0; s--)
	{
		kv_stay    *st = &out[s - 1];

		if (next != NULL)
		{
			st->has_next = true;
			st->next_start = next->start;
			st->readmitted = st->index &&
				within(st->end, next->start, window) &&
				next->acute &&
				(next->contact_sets & KV_SET_READM_EXCLUSION) == 0 &&
				(next->first_sets & KV_SET_INJURY) == 0;
			st->next_dominant_diag = next->dominant_diag;
			st->preventable_readmitted = st->readmitted &&
				(next->dominant_sets & KV_SET_PREVENTABLE) != 0;
		}
		if (st->admission)
			next = st;
	}
	return ns;
}

/* The marker of a patient's death or birth date (stays.h). */
kv_contact
kv_date_marker(int64_t patient, bool birth, int32_t day)
{
	kv_contact	m;

	m.patient = patient;
	m.start = birth ? KV_MARK_BIRTH : KV_MARK_DEATH;
	m.end = day;
	m.diag = -1;
	m.flags = KV_C_MARKER;
	return m;
}

/* The leading markers of one patient's sorted run: the earliest date of each kind. */
size_t
kv_take_markers(const kv_contact *c, size_t n, kv_patient_dates *d)
{
	size_t		k;

	memset(d, 0, sizeof(*d));
	for (k = 0; k < n && (c[k].flags & KV_C_MARKER); k++)
	{
		int32_t		day = (int32_t) c[k].end;

		/* sorted by (start, end): the first of each kind is the earliest */
		if (c[k].start == KV_MARK_DEATH && !d->has_death)
		{
			d->has_death = true;
			d->death_day = day;
		}
		else if (c[k].start == KV_MARK_BIRTH && !d->has_birth)
		{
			d->has_birth = true;
			d->birth_day = day;
		}
	}
	return k;
}

/*
 * Section 11.1: index = acute admission whose dominant diagnosis is not
 * psychiatric; event = a death on a local date d with start day <= d <=
 * start day + window.  The patient's death date is the earliest of the
 * given date and the local end dates of the stays that died.
 */
static void
mortality_outcomes(kv_stay *s, size_t ns, const kv_patient_dates *d,
				   const kv_outcome_params *p)
{
	bool		known = d->has_death;
	int32_t		death = d->death_day;
	size_t		i;

	for (i = 0; i < ns; i++)
	{
		if (s[i].died && s[i].end != KV_TS_OPEN)
		{
			int32_t		day = p->local_day(p->local_day_ctx, s[i].end);

			if (!known || day < death)
				death = day;
			known = true;
		}
	}
	for (i = 0; i < ns; i++)
	{
		int64_t		start_day;

		s[i].mortality_index = s[i].admission && s[i].acute && !s[i].psychiatric;
		s[i].has_death = known;
		if (!known && !p->complete_known)
			continue;
		start_day = p->local_day(p->local_day_ctx, s[i].start);
		s[i].mortality_followup_complete = p->complete_known &&
			start_day + (p->mortality_window < 0 ? 0 : p->mortality_window) <= p->complete_day;
		if (!known)
			continue;
		s[i].days_to_death = (int32_t) ((int64_t) death - start_day);
		s[i].died_within = s[i].mortality_index && s[i].days_to_death >= 0 &&
			s[i].days_to_death <= p->mortality_window;
	}
}

/*
 * Section 11.5: the birth stay is the first stay when it starts on the
 * birth date or the day after; a closed birth stay that did not die is an
 * index, readmitted when a later admission starts on a local date <= the
 * birth stay's end date + window with its dominant diagnosis in the set
 * (or any, without a set).
 */
static void
newborn_outcomes(kv_stay *s, size_t ns, const kv_patient_dates *d,
				 const kv_outcome_params *p)
{
	int64_t		first_day;
	int64_t		last_day;
	size_t		i;

	if (!d->has_birth || ns == 0)
		return;
	first_day = p->local_day(p->local_day_ctx, s[0].start);
	if (first_day != d->birth_day && first_day != (int64_t) d->birth_day + 1)
		return;
	s[0].birth_stay = true;
	s[0].newborn_index = s[0].end != KV_TS_OPEN && !s[0].died;
	if (!s[0].newborn_index)
		return;
	last_day = (int64_t) p->local_day(p->local_day_ctx, s[0].end) +
		(p->newborn_window < 0 ? 0 : p->newborn_window);
	for (i = 1; i < ns; i++)
	{
		if (!s[i].admission)
			continue;
		if (p->local_day(p->local_day_ctx, s[i].start) > last_day)
			break;				/* stays come in start order */
		if (p->newborn_any_cause || (s[i].dominant_sets & KV_SET_NEWBORN))
		{
			s[0].newborn_readmitted = true;
			break;
		}
	}
}

void
kv_patient_outcomes(kv_stay *s, size_t ns, const kv_patient_dates *d,
					const kv_outcome_params *p)
{
	mortality_outcomes(s, ns, d, p);
	newborn_outcomes(s, ns, d, p);
}

/* Add one patient's stays to the readmission and preventable totals. */
void
kv_totals_add(kv_totals *t, const kv_stay *s, size_t nstays)
{
	size_t		i;

	for (i = 0; i < nstays; i++)
	{
		if (s[i].index)
			t->index++;
		if (s[i].readmitted)
			t->readmitted++;
		if (s[i].preventable_readmitted)
			t->preventable_readmitted++;
		if (s[i].mortality_index)
		{
			t->mortality_index++;
			if (s[i].died_within)
				t->mortality_events++;
			else if (s[i].has_death && s[i].days_to_death < 0)
				t->mortality_inconsistent++;
		}
		if (s[i].newborn_index)
		{
			t->newborn_index++;
			if (s[i].newborn_readmitted)
				t->newborn_readmitted++;
		}
		if (s[i].admission && s[i].acute)
		{
			t->acute_admissions++;
			if (s[i].dominant_sets & KV_SET_TARGET)
				t->acute_target++;
		}
	}
}
