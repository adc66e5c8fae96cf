/*
 * fuzz_stays.c - libFuzzer target for the stay and readmission engine
 * (stays.c).
 *
 * The input gives the parameters, a small classifier table and up to 64
 * contacts of patients 0-3 with small times (so the merge gap, the minimum
 * admission and the window are all hit, often exactly), diagnoses -1..5,
 * any flags, and now and then open ends, extreme instants and invalid rows.
 * Checks:
 *   - kv_contact_check rejects exactly the rows stays.h calls invalid;
 *   - kv_contacts_sort gives the documented total order, the same array as
 *     qsort with a plain comparator, whatever the input order (reversed
 *     too), and kv_contacts_dedupe drops exactly the repeated rows (the
 *     input with every row repeated dedupes to the same array);
 *   - per patient (kv_patient_run), kv_patient_stays agrees field by field
 *     with a straightforward model of docs/indicators.md sections 3 and 4 as stays.h
 *     reads them, calls the classifier once per distinct diagnosis per stay
 *     at the stay's deciding instant, and its stays cover the contacts once,
 *     in order, numbered 1..k; readmitted implies index, index implies a
 *     closed admission;
 *   - kv_totals_add counts what the stays say.
 * A failed check abort()s.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core
 *        test/fuzz/fuzz_stays.c src/core/\*.c -lm
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stays.h"

#include "fuzz.h"

#define MAX_CONTACTS 64
#define MAX_CALLS (3 * MAX_CONTACTS * 8)

typedef __int128 i128;


/*
 * The classifier: a table byte per diagnosis (id mod 8) gives the sets;
 * when its top bit is set, stays decided at an odd instant get other bits
 * of it instead, so a wrong instant shows.  Every call is logged.
 */
typedef struct classifier
{
	uint8_t		table[8];
	int			ncalls;
	int32_t		call_diag[MAX_CALLS];
	int64_t		call_at[MAX_CALLS];
} classifier;

static uint32_t
sets_of(const classifier *cl, int32_t diag, int64_t at)
{
	uint8_t		t;

	if (cl == NULL)
		return 0;				/* no classifier: no sets */
	t = cl->table[(uint32_t) diag % 8];

	if ((t & 0x80) && (at & 1))
		return (uint32_t) (t >> 2) & 0x1F;
	return t & 0x1Fu;
}

static uint32_t
classify_cb(void *ctx, int32_t diag, int64_t at)
{
	classifier *cl = ctx;

	require(diag >= 0);
	require(cl->ncalls < MAX_CALLS);
	cl->call_diag[cl->ncalls] = diag;
	cl->call_at[cl->ncalls] = at;
	cl->ncalls++;
	return sets_of(cl, diag, at);
}

/* The documented order: patient, start, end (open last), diag (-1 last), flags. */
static int
model_cmp(const kv_contact *a, const kv_contact *b)
{
	if (a->patient != b->patient)
		return a->patient < b->patient ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->diag != b->diag)
	{
		if (a->diag == -1 || b->diag == -1)
			return a->diag == -1 ? 1 : -1;
		return a->diag < b->diag ? -1 : 1;
	}
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	return 0;
}

static int
model_qsort_cmp(const void *a, const void *b)
{
	return model_cmp(a, b);
}

static bool
model_contact_valid(const kv_contact *c)
{
	return c->start != INT64_MIN && c->start != INT64_MAX &&
		c->end >= c->start && c->diag >= -1;
}

/*
 * One contact from 4 bytes.  b0: patient (bits 0-1), flags (bits 2-4).
 * b1: diagnosis (mod 7, -1..5; 0xFA-0xFF: INT32_MAX, -2, INT32_MIN).
 * b2 and bits 4-5 of b3: start 0..1023, or with bits 6-7 of b3 set an
 * instant next to INT64_MIN or INT64_MAX (b3 = 0xFF: INT64_MAX itself).
 * Bits 0-3 of b3: length in steps of 3, 15 = open, 14 = end before start,
 * 13 = end at INT64_MAX - 1.
 */
static void
decode_contact(reader *r, kv_contact *c)
{
	uint8_t		b0 = next_byte(r),
				b1 = next_byte(r),
				b2 = next_byte(r),
				b3 = next_byte(r);
	int			len = b3 & 0x0F;

	c->patient = b0 & 3;
	c->flags = (b0 >> 2) & 7;
	if (b1 == 0xFF)
		c->diag = INT32_MIN;
	else if (b1 >= 0xFD)
		c->diag = -2;
	else if (b1 >= 0xFA)
		c->diag = INT32_MAX;
	else
		c->diag = (int32_t) (b1 % 7) - 1;

	if (b3 == 0xFF)
		c->start = INT64_MAX;
	else if ((b3 & 0xC0) == 0xC0)
		c->start = (b2 & 1) ? INT64_MAX - 1 - (b2 >> 1) : INT64_MIN + 1 + (b2 >> 1);
	else
		c->start = b2 + (int64_t) ((b3 & 0x30) << 4);

	if (len == 15)
		c->end = KV_TS_OPEN;
	else if (len == 14)
		c->end = c->start == INT64_MIN ? INT64_MIN : c->start - 1;
	else if (len == 13)
		c->end = INT64_MAX - 1;
	else if (c->start > INT64_MAX - 1 - 3 * len)
		c->end = INT64_MAX - 1;
	else
		c->end = c->start + 3 * len;
}

/* A parameter byte: small, or (0xFF) the largest value. */
static int64_t
param(uint8_t b, int mod)
{
	return b == 0xFF ? INT64_MAX : (int64_t) (b % mod);
}

/*
 * The model of docs/indicators.md 3 and 4 over one patient's sorted contacts c[0..n),
 * written for clarity: 128-bit arithmetic, quadratic loops.
 */
static size_t
model_stays(const kv_contact *c, size_t n, const kv_stay_params *p,
			const classifier *cl, kv_stay *out)
{
	size_t		ns = 0;
	size_t		i = 0;

	while (i < n)
	{
		kv_stay    *s = &out[ns];
		size_t		first = i;
		int64_t		end = c[i].end;
		int64_t		at;

		for (i++; i < n; i++)
		{
			if (end != KV_TS_OPEN && (i128) c[i].start > (i128) end + p->merge_gap)
				break;
			if (c[i].end > end)
				end = c[i].end;
		}
		memset(s, 0, sizeof(*s));
		s->number = (int32_t) ns + 1;
		s->first = (int32_t) first;
		s->ncontacts = (int32_t) (i - first);
		s->start = c[first].start;
		s->end = end;
		s->admission = end == KV_TS_OPEN || (i128) end - s->start >= p->min_admission;
		s->acute = (c[first].flags & KV_C_ACUTE) != 0;
		for (size_t j = first; j < i; j++)
		{
			if (c[j].flags & KV_C_DIED)
				s->died = true;
			if (c[j].end == end)
				s->discharging = (int32_t) j;	/* the last one with the latest end */
		}
		s->eligible = (c[s->discharging].flags & KV_C_ELIGIBLE) != 0;

		/* dominant diagnosis: largest total, open = infinite; earliest; smallest */
		at = end == KV_TS_OPEN ? s->start : end;
		s->dominant_diag = -1;
		{
			bool		best_open = false;
			i128		best_total = 0;
			int64_t		best_first = 0;

			for (size_t j = first; j < i; j++)
			{
				int32_t		d = c[j].diag;
				bool		open = false,
							seen = false;
				i128		total = 0;
				int64_t		first_start = INT64_MAX;
				uint32_t	sets;
				bool		better;

				if (d < 0)
					continue;
				for (size_t k = first; k < j; k++)
					if (c[k].diag == d)
						seen = true;
				if (seen)
					continue;	/* each diagnosis once, at its first contact */
				for (size_t k = first; k < i; k++)
				{
					if (c[k].diag != d)
						continue;
					if (c[k].end == KV_TS_OPEN)
						open = true;
					else
						total += (i128) c[k].end - c[k].start;
					if (c[k].start < first_start)
						first_start = c[k].start;
				}
				sets = sets_of(cl, d, at);
				s->contact_sets |= sets;
				if (d == c[first].diag)
					s->first_sets = sets;
				if (s->dominant_diag < 0)
					better = true;
				else if (open != best_open)
					better = open;
				else if (!open && total != best_total)
					better = total > best_total;
				else if (first_start != best_first)
					better = first_start < best_first;
				else
					better = d < s->dominant_diag;
				if (better)
				{
					s->dominant_diag = d;
					s->dominant_sets = sets;
					best_open = open;
					best_total = total;
					best_first = first_start;
				}
			}
		}
		s->psychiatric = (s->dominant_sets & KV_SET_PSYCHIATRIC) != 0;
		s->index = s->admission && end != KV_TS_OPEN && !s->died &&
			!s->psychiatric && (s->contact_sets & KV_SET_INDEX_EXCLUSION) == 0 &&
			s->eligible;
		s->followup_complete = end != KV_TS_OPEN &&
			(i128) end + p->window <= p->complete_until;
		ns++;
	}

	/* the next admission of each stay, and readmission */
	for (size_t k = 0; k < ns; k++)
	{
		kv_stay    *s = &out[k];

		for (size_t j = k + 1; j < ns; j++)
		{
			const kv_stay *nx = &out[j];

			if (!nx->admission)
				continue;
			s->has_next = true;
			s->next_start = nx->start;
			s->readmitted = s->index &&
				(i128) nx->start <= (i128) s->end + p->window &&
				nx->acute &&
				(nx->contact_sets & KV_SET_READM_EXCLUSION) == 0 &&
				(nx->first_sets & KV_SET_INJURY) == 0;
			break;
		}
	}
	return ns;
}

/* Field-by-field equality of two stays. */
static bool
stay_equal(const kv_stay *a, const kv_stay *b)
{
	return a->start == b->start && a->end == b->end &&
		a->next_start == b->next_start && a->number == b->number &&
		a->first == b->first && a->ncontacts == b->ncontacts &&
		a->discharging == b->discharging &&
		a->dominant_diag == b->dominant_diag &&
		a->dominant_sets == b->dominant_sets &&
		a->contact_sets == b->contact_sets &&
		a->first_sets == b->first_sets &&
		a->admission == b->admission && a->acute == b->acute &&
		a->died == b->died && a->psychiatric == b->psychiatric &&
		a->eligible == b->eligible && a->index == b->index &&
		a->readmitted == b->readmitted && a->has_next == b->has_next &&
		a->followup_complete == b->followup_complete;
}

/* Compare one logged classifier call with an expected (diag, at). */
static int
call_cmp(int32_t d1, int64_t a1, int32_t d2, int64_t a2)
{
	if (a1 != a2)
		return a1 < a2 ? -1 : 1;
	if (d1 != d2)
		return d1 < d2 ? -1 : 1;
	return 0;
}

typedef struct call
{
	int32_t		diag;
	int64_t		at;
} call;

static int
call_qsort_cmp(const void *a, const void *b)
{
	const call *x = a,
			   *y = b;

	return call_cmp(x->diag, x->at, y->diag, y->at);
}

/*
 * The engine on one patient's contacts c[0..n): against the model, the
 * structural invariants and the classifier log.  Returns the stays (to be
 * freed by the caller) and their number in *nstays.
 */
static kv_stay *
check_patient(const kv_contact *c, size_t n, const kv_stay_params *p,
			  classifier *cl, size_t *nstays)
{
	kv_stay    *out = malloc(n * sizeof(kv_stay));
	kv_stay_work *work = malloc(n * sizeof(kv_stay_work));
	kv_stay    *model = malloc(n * sizeof(kv_stay));
	call	   *expect = malloc(n * sizeof(call));
	call	   *got;
	size_t		ns,
				mns,
				covered = 0,
				nexpect = 0;

	require(out != NULL && work != NULL && model != NULL && expect != NULL);
	cl->ncalls = 0;
	ns = kv_patient_stays(c, n, p, out, work);
	require(ns >= 1 && ns <= n);

	/* structure: cover every contact once, in order, numbered 1..k */
	for (size_t k = 0; k < ns; k++)
	{
		const kv_stay *s = &out[k];

		require(s->number == (int32_t) k + 1);
		require(s->first == (int32_t) covered);
		require(s->ncontacts >= 1);
		covered += (size_t) s->ncontacts;
		require(s->discharging >= s->first && s->discharging < s->first + s->ncontacts);
		require(!s->readmitted || s->index);
		require(!s->index || (s->admission && s->end != KV_TS_OPEN));
		require(!s->readmitted || s->has_next);
		require(s->followup_complete ==
				kv_stay_followup_complete(s, p->window, p->complete_until));
		if (k + 1 < ns)
			require(s->end != KV_TS_OPEN && s->end < out[k + 1].start);
	}
	require(covered == n);

	/* every field as the model has it */
	mns = model_stays(c, n, p, p->classify == NULL ? NULL : cl, model);
	require(mns == ns);
	for (size_t k = 0; k < ns; k++)
		require(stay_equal(&out[k], &model[k]));

	/* the classifier: once per distinct diagnosis per stay, at its instant */
	if (p->classify != NULL)
	{
		for (size_t k = 0; k < ns; k++)
		{
			const kv_stay *s = &out[k];
			int64_t		at = s->end == KV_TS_OPEN ? s->start : s->end;

			for (int32_t j = s->first; j < s->first + s->ncontacts; j++)
			{
				bool		seen = false;

				if (c[j].diag < 0)
					continue;
				for (int32_t i = s->first; i < j; i++)
					if (c[i].diag == c[j].diag)
						seen = true;
				if (!seen)
				{
					expect[nexpect].diag = c[j].diag;
					expect[nexpect].at = at;
					nexpect++;
				}
			}
		}
		require((size_t) cl->ncalls == nexpect);
		got = malloc((nexpect + 1) * sizeof(call));
		require(got != NULL);
		for (size_t k = 0; k < nexpect; k++)
		{
			got[k].diag = cl->call_diag[k];
			got[k].at = cl->call_at[k];
		}
		qsort(got, nexpect, sizeof(call), call_qsort_cmp);
		qsort(expect, nexpect, sizeof(call), call_qsort_cmp);
		for (size_t k = 0; k < nexpect; k++)
			require(call_cmp(got[k].diag, got[k].at, expect[k].diag, expect[k].at) == 0);
		free(got);
	}

	free(work);
	free(model);
	free(expect);
	*nstays = ns;
	return out;
}

/*
 * Sort and dedupe a copy of c[0..n) and run every patient through
 * check_patient; the stays of all patients are concatenated into *all.
 */
static size_t
run_all(const kv_contact *sorted, size_t n, const kv_stay_params *p,
		classifier *cl, kv_stay *all, kv_totals *totals)
{
	size_t		i = 0,
				total = 0;

	memset(totals, 0, sizeof(*totals));
	while (i < n)
	{
		size_t		run = kv_patient_run(sorted + i, n - i);
		size_t		expect = 1;
		size_t		ns;
		kv_stay    *st;
		kv_contact *own;

		while (i + expect < n && sorted[i + expect].patient == sorted[i].patient)
			expect++;
		require(run == expect);

		/* the patient's rows in an exact-size buffer, so overreads show */
		own = malloc(run * sizeof(kv_contact));
		require(own != NULL);
		memcpy(own, sorted + i, run * sizeof(kv_contact));
		st = check_patient(own, run, p, cl, &ns);
		kv_totals_add(totals, st, ns);
		memcpy(all + total, st, ns * sizeof(kv_stay));
		total += ns;
		free(st);
		free(own);
		i += run;
	}
	return total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader		r = {data, size};
	kv_stay_params p;
	classifier *cl = malloc(sizeof(classifier));
	kv_contact	in[MAX_CONTACTS];
	kv_contact	a[MAX_CONTACTS],
				b[MAX_CONTACTS],
				q[MAX_CONTACTS],
				t[3 * MAX_CONTACTS];
	kv_stay		sa[MAX_CONTACTS],
				sb[MAX_CONTACTS];
	kv_totals	ta,
				tb,
				tm;
	size_t		n = 0,
				na,
				nb,
				nt,
				nq,
				ka,
				kb;
	uint8_t		mode;

	require(cl != NULL);
	p.merge_gap = param(next_byte(&r), 16);
	p.min_admission = param(next_byte(&r), 32);
	p.window = param(next_byte(&r), 256);
	{
		uint8_t		cu = next_byte(&r);

		p.complete_until = cu == 0xFF ? INT64_MAX : cu == 0xFE ? INT64_MIN : cu * 4;
	}
	mode = next_byte(&r);
	p.classify = (mode & 1) ? NULL : classify_cb;
	p.classify_ctx = cl;
	for (int k = 0; k < 8; k++)
		cl->table[k] = next_byte(&r);
	require(kv_stay_params_check(&p) == KV_STAYS_OK);
	{
		kv_stay_params bad = p;

		bad.window = -1 - (int64_t) (mode >> 1);
		require(kv_stay_params_check(&bad) == KV_STAYS_NEGATIVE_PARAM);
	}

	/* the rows the engine accepts */
	while (r.left >= 4 && n < MAX_CONTACTS)
	{
		kv_contact	c;

		decode_contact(&r, &c);
		require((kv_contact_check(&c) == KV_STAYS_OK) == model_contact_valid(&c));
		if (model_contact_valid(&c))
			in[n++] = c;
	}

	/* sort: the documented total order, independent of the input order */
	{
		bool		sorted_in = true;

		for (size_t i = 1; i < n; i++)
			if (model_cmp(&in[i - 1], &in[i]) > 0)
				sorted_in = false;
		require(kv_contacts_sorted(in, n) == sorted_in);
	}
	memcpy(a, in, n * sizeof(kv_contact));
	for (size_t i = 0; i < n; i++)
		b[i] = in[n - 1 - i];
	memcpy(q, in, n * sizeof(kv_contact));
	for (size_t i = 0; i < n; i++)
	{
		t[3 * i] = in[i];
		t[3 * i + 1] = in[(i * 7 + 3) % n];
		t[3 * i + 2] = in[n - 1 - i];
	}
	kv_contacts_sort(a, n);
	kv_contacts_sort(b, n);
	kv_contacts_sort(t, 3 * n);
	qsort(q, n, sizeof(kv_contact), model_qsort_cmp);
	require(kv_contacts_sorted(a, n));
	require(kv_contacts_sorted(t, 3 * n));
	for (size_t i = 1; i < 3 * n; i++)
		require(model_cmp(&t[i - 1], &t[i]) <= 0);
	require(n == 0 || memcmp(a, q, n * sizeof(kv_contact)) == 0);
	require(n == 0 || memcmp(a, b, n * sizeof(kv_contact)) == 0);

	/* dedupe: the distinct rows, however often repeated */
	nq = 0;
	for (size_t i = 0; i < n; i++)
		if (nq == 0 || model_cmp(&q[nq - 1], &q[i]) != 0)
			q[nq++] = q[i];
	na = kv_contacts_dedupe(a, n);
	nb = kv_contacts_dedupe(b, n);
	nt = kv_contacts_dedupe(t, 3 * n);
	require(na == nq && nb == nq && nt == nq);
	require(nq == 0 || memcmp(a, q, nq * sizeof(kv_contact)) == 0);
	require(nq == 0 || memcmp(b, q, nq * sizeof(kv_contact)) == 0);
	require(nq == 0 || memcmp(t, q, nq * sizeof(kv_contact)) == 0);
	require(kv_patient_run(a, 0) == 0);

	/* stays: checked per patient, and unchanged by the input order */
	ka = run_all(a, na, &p, cl, sa, &ta);
	kb = run_all(b, nb, &p, cl, sb, &tb);
	require(ka == kb);
	for (size_t i = 0; i < ka; i++)
		require(stay_equal(&sa[i], &sb[i]));
	require(ta.index == tb.index && ta.readmitted == tb.readmitted &&
			ta.acute_admissions == tb.acute_admissions &&
			ta.acute_target == tb.acute_target);

	/* totals as the stays say */
	memset(&tm, 0, sizeof(tm));
	for (size_t i = 0; i < ka; i++)
	{
		tm.index += sa[i].index;
		tm.readmitted += sa[i].readmitted;
		if (sa[i].admission && sa[i].acute)
		{
			tm.acute_admissions++;
			tm.acute_target += (sa[i].dominant_sets & KV_SET_TARGET) != 0;
		}
	}
	require(ta.index == tm.index && ta.readmitted == tm.readmitted &&
			ta.acute_admissions == tm.acute_admissions &&
			ta.acute_target == tm.acute_target);

	free(cl);
	return 0;
}
