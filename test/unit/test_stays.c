/*
 * test_stays.c - unit tests of the stay and readmission engine (stays.c).
 *
 * Expected values come from docs/indicators.md section 9 (worked examples), from hand
 * computation (thresholds, patterns) and from a second, deliberately naive
 * implementation of docs/indicators.md sections 3 and 4 written below from the text of docs/indicators.md;
 * it shares no code with stays.c (it has its own order, grouping, dominant
 * diagnosis and readmission logic) and is compared on 20,000 random
 * patients whose timings cluster at every threshold.
 */
#include "unit.h"
#include "stays.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define US INT64_C(1)
#define SEC INT64_C(1000000)
#define HOUR KV_USEC_PER_HOUR

/* ---------- timestamps ---------- */

/* Days from 2000-01-01 to y-m-d (y >= 2000), by plain counting. */
static int64_t
days_since_2000(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t		days = 0;
	int			yy;
	int			mm;

	for (yy = 2000; yy < y; yy++)
		days += ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0) ? 366 : 365;
	for (mm = 1; mm < m; mm++)
	{
		days += mdays[mm - 1];
		if (mm == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
			days++;
	}
	return days + d - 1;
}

/* A UTC timestamp in microseconds since 2000-01-01. */
static int64_t
ts(int y, int m, int d, int h, int mi, int s)
{
	return ((days_since_2000(y, m, d) * 24 + h) * 60 + mi) * 60 * SEC + s * SEC;
}

/* ---------- diagnosis table and classifier ---------- */

/* Diagnosis ids index this table, which is sorted, as the caller's ranks are. */
static const char *const codes[] = {
	"DA09", "DC509", "DD05", "DD509", "DE86", "DF200", "DF320", "DI219",
	"DI500", "DJ189", "DJ441", "DK590", "DM169", "DO45", "DO800", "DR074",
	"DS720", "DT300", "DT36", "DX59", "DZ740", "DZ763"
};
#define NCODES ((int) (sizeof(codes) / sizeof(codes[0])))

/* Id of a code in the table; -1 for NULL (a NULL pointer). */
static int32_t
D(const char *code)
{
	int			i;

	if (code == NULL)
		return -1;
	for (i = 0; i < NCODES; i++)
		if (strcmp(codes[i], code) == 0)
			return i;
	printf("# unknown test code %s\n", code);
	abort();
}

/* Is code in a set of prefixes ("DC") and ranges ("DT30-DT35")? */
static bool
in_set(const char *code, const char *const *entries)
{
	for (; *entries != NULL; entries++)
	{
		const char *e = *entries;
		const char *dash = strchr(e, '-');

		if (dash == NULL)
		{
			if (strncmp(code, e, strlen(e)) == 0)
				return true;
		}
		else
		{
			size_t		len = (size_t) (dash - e);

			if (strlen(code) >= len && strncmp(code, e, len) >= 0 &&
				strncmp(code, dash + 1, len) <= 0)
				return true;
		}
	}
	return false;
}

/* The default sets of docs/indicators.md section 2. */
static const char *const set_index_excl[] = {"DC", "DD0", "DO40-DO48", "DZ763", "DF", NULL};
static const char *const set_readm_excl[] = {"DC", "DD0", "DO80", "DO81", "DO82", "DO84", "DF", "DZ763", NULL};
static const char *const set_injury[] = {"DS", "DT1", "DT2", "DT30-DT35", "DT51-DT59", "DT6", "DT7", "DT9", "DX", "DY", NULL};
static const char *const set_preventable[] = {
	"DE86", "DK590", "DJ12-DJ18", "DJ20-DJ22", "DN30", "DN390", "DA09", "DK52",
	"DD50-DD53", "DL89", "DZ74", "DZ75", "DS02", "DS12", "DS22", "DS32", "DS42",
	"DS52", "DS62", "DS72", "DS82", "DS92", "DT02", "DT08", "DT10", "DT12", NULL
};
static const char *const set_psychiatric[] = {"DF", NULL};
static const char *const set_newborn[] = {"DE86", "DP59", "DP92", "DR628", NULL};

/*
 * Classifier context.  `late_diag` is additionally in `late_sets` when the
 * stay's deciding instant is at or after `cutoff`: that checks the instant.
 */
typedef struct test_cls
{
	long		calls;
	long		bad_calls;		/* calls with diag < 0 or out of the table */
	int32_t		late_diag;
	uint32_t	late_sets;
	int64_t		cutoff;
} test_cls;

static uint32_t
test_classify(void *ctx, int32_t diag, int64_t at)
{
	test_cls   *cls = (test_cls *) ctx;
	const char *code;
	uint32_t	sets = 0;

	cls->calls++;
	if (diag < 0 || diag >= NCODES)
	{
		cls->bad_calls++;
		return 0;
	}
	code = codes[diag];
	if (in_set(code, set_index_excl))
		sets |= KV_SET_INDEX_EXCLUSION;
	if (in_set(code, set_readm_excl))
		sets |= KV_SET_READM_EXCLUSION;
	if (in_set(code, set_injury))
		sets |= KV_SET_INJURY;
	if (in_set(code, set_psychiatric))
		sets |= KV_SET_PSYCHIATRIC;
	if (in_set(code, set_preventable))
		sets |= KV_SET_TARGET | KV_SET_PREVENTABLE;
	if (in_set(code, set_newborn))
		sets |= KV_SET_NEWBORN;
	if (diag == cls->late_diag && at >= cls->cutoff)
		sets |= cls->late_sets;
	return sets;
}

static test_cls cls_default = {0, 0, -2, 0, 0};

static kv_stay_params
default_params(void)
{
	kv_stay_params p;

	p.merge_gap = 4 * HOUR;
	p.min_admission = 12 * HOUR;
	p.window = 720 * HOUR;
	p.complete_until = ts(2030, 1, 1, 0, 0, 0);
	p.classify = test_classify;
	p.classify_ctx = &cls_default;
	return p;
}

/* ---------- helpers ---------- */

#define A KV_C_ACUTE
#define P 0						/* planned */
#define DIED KV_C_DIED
#define NOELIG 0x100			/* test-only: clear KV_C_ELIGIBLE */
#define OPEN KV_TS_OPEN

/* A contact of patient 1; eligible unless NOELIG is given. */
static kv_contact
K(int64_t start, int64_t end, unsigned flags, const char *code)
{
	kv_contact	c;

	memset(&c, 0, sizeof(c));
	c.patient = 1;
	c.start = start;
	c.end = end;
	c.diag = D(code);
	c.flags = (flags & NOELIG) ? (flags & ~NOELIG) : (flags | KV_C_ELIGIBLE);
	return c;
}

#define MAXC 64
static kv_contact g_c[MAXC];
static kv_stay g_s[MAXC];
static kv_stay_work g_w[MAXC];

/* Sort one patient's contacts into g_c and build g_s; returns the stays. */
static size_t
run_p(const kv_contact *in, size_t n, const kv_stay_params *p)
{
	memcpy(g_c, in, n * sizeof(kv_contact));
	kv_contacts_sort(g_c, n);
	return kv_patient_stays(g_c, n, p, g_s, g_w);
}

static size_t
run(const kv_contact *in, size_t n)
{
	kv_stay_params p = default_params();

	return run_p(in, n, &p);
}

static kv_totals
totals_of(size_t ns)
{
	kv_totals	t = {0};

	kv_totals_add(&t, g_s, ns);
	return t;
}

#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

/* 2025 shorthand: March/April day d, hour h. */
#define T(mo, d, h, mi, s) ts(2025, (mo), (d), (h), (mi), (s))

static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

/* xorshift64*: a seeded PRNG so runs are reproducible. */
static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t
rnd_below(uint64_t n)
{
	return rnd() % n;
}

static void
shuffle(kv_contact *c, size_t n)
{
	size_t		i;

	for (i = n; i > 1; i--)
	{
		size_t		j = (size_t) rnd_below(i);
		kv_contact	t = c[i - 1];

		c[i - 1] = c[j];
		c[j] = t;
	}
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

/* ---------- docs/indicators.md section 9 ---------- */

typedef struct example
{
	int			n;
	kv_contact	c[3];
	int			readm_num,
				readm_den,
				prev_num,
				prev_den;
} example;

static void
test_worked_examples(void)
{
	example		ex[8];
	kv_contact	all[24];
	kv_stay		stays[24];
	kv_stay_work work[24];
	size_t		nall = 0;
	size_t		i;
	size_t		pos;
	kv_totals	grand = {0};
	kv_stay_params p = default_params();
	char		name[100];
	size_t		ns;

	memset(ex, 0, sizeof(ex));
	/* 1: gap 3 h 59 m 59 s joins; dominant DJ441 (26 h vs 22 h) */
	ex[0].n = 2;
	ex[0].c[0] = K(T(3, 3, 8, 0, 0), T(3, 4, 10, 0, 0), A, "DJ441");
	ex[0].c[1] = K(T(3, 4, 13, 59, 59), T(3, 5, 12, 0, 0), P, "DI500");
	ex[0].readm_num = 0, ex[0].readm_den = 1, ex[0].prev_num = 0, ex[0].prev_den = 1;
	/* 2: exactly 720 h after discharge */
	ex[1].n = 2;
	ex[1].c[0] = K(T(3, 1, 10, 0, 0), T(3, 2, 10, 0, 0), P, "DI219");
	ex[1].c[1] = K(T(4, 1, 10, 0, 0), T(4, 2, 10, 0, 0), A, "DE86");
	ex[1].readm_num = 1, ex[1].readm_den = 2, ex[1].prev_num = 1, ex[1].prev_den = 1;
	/* 3: 720 h + 1 s */
	ex[2] = ex[1];
	ex[2].c[1].start = T(4, 1, 10, 0, 1);
	ex[2].readm_num = 0, ex[2].readm_den = 2, ex[2].prev_num = 1, ex[2].prev_den = 1;
	/* 4: the planned admission restarts the clock */
	ex[3].n = 3;
	ex[3].c[0] = K(T(3, 1, 10, 0, 0), T(3, 2, 10, 0, 0), A, "DI219");
	ex[3].c[1] = K(T(3, 6, 10, 0, 0), T(3, 7, 10, 0, 0), P, "DM169");
	ex[3].c[2] = K(T(3, 11, 10, 0, 0), T(3, 12, 10, 0, 0), A, "DJ189");
	ex[3].readm_num = 1, ex[3].readm_den = 3, ex[3].prev_num = 1, ex[3].prev_den = 2;
	/* 5: a 3-hour ambulant stay in between is skipped */
	ex[4].n = 3;
	ex[4].c[0] = K(T(3, 1, 10, 0, 0), T(3, 2, 10, 0, 0), A, "DI219");
	ex[4].c[1] = K(T(3, 4, 10, 0, 0), T(3, 4, 13, 0, 0), A, "DR074");
	ex[4].c[2] = K(T(3, 11, 10, 0, 0), T(3, 12, 10, 0, 0), A, "DJ189");
	ex[4].readm_num = 1, ex[4].readm_den = 2, ex[4].prev_num = 1, ex[4].prev_den = 2;
	/* 6: the next stay's first contact is an injury */
	ex[5].n = 3;
	ex[5].c[0] = K(T(3, 1, 10, 0, 0), T(3, 2, 10, 0, 0), A, "DI219");
	ex[5].c[1] = K(T(3, 11, 10, 0, 0), T(3, 11, 16, 0, 0), A, "DS720");
	ex[5].c[2] = K(T(3, 11, 16, 0, 0), T(3, 13, 16, 0, 0), A, "DI219");
	ex[5].readm_num = 0, ex[5].readm_den = 2, ex[5].prev_num = 0, ex[5].prev_den = 2;
	/* 7: cancer on any contact removes the index; 24 h tie, earlier wins */
	ex[6].n = 3;
	ex[6].c[0] = K(T(3, 1, 10, 0, 0), T(3, 2, 10, 0, 0), A, "DI219");
	ex[6].c[1] = K(T(3, 2, 10, 0, 0), T(3, 3, 10, 0, 0), A, "DC509");
	ex[6].c[2] = K(T(3, 11, 10, 0, 0), T(3, 12, 10, 0, 0), A, "DJ189");
	ex[6].readm_num = 0, ex[6].readm_den = 1, ex[6].prev_num = 1, ex[6].prev_den = 2;
	/* 8: died */
	ex[7].n = 1;
	ex[7].c[0] = K(T(3, 1, 10, 0, 0), T(3, 2, 10, 0, 0), A | DIED, "DI219");
	ex[7].readm_num = 0, ex[7].readm_den = 0, ex[7].prev_num = 0, ex[7].prev_den = 1;

	for (i = 0; i < 8; i++)
	{
		kv_totals	t;
		int			j;

		ns = run(ex[i].c, (size_t) ex[i].n);
		t = totals_of(ns);
		snprintf(name, sizeof(name), "example %d: readm %d/%d", (int) i + 1,
				 ex[i].readm_num, ex[i].readm_den);
		OK(t.readmitted == ex[i].readm_num && t.index == ex[i].readm_den, name);
		snprintf(name, sizeof(name), "example %d: prev %d/%d", (int) i + 1,
				 ex[i].prev_num, ex[i].prev_den);
		OK(t.acute_target == ex[i].prev_num && t.acute_admissions == ex[i].prev_den, name);
		for (j = 0; j < ex[i].n; j++)
		{
			all[nall] = ex[i].c[j];
			all[nall].patient = 1000 + (int64_t) i;
			nall++;
		}
	}

	/* details the "why" column names */
	IS_INT(run(ex[0].c, 2), 1, "example 1: one stay");
	OK(g_s[0].acute, "example 1: acute from the first contact");
	IS_INT(g_s[0].dominant_diag, D("DJ441"), "example 1: dominant DJ441");
	ns = run(ex[5].c, 3);
	IS_INT(ns, 2, "example 6: two stays");
	IS_INT(g_s[1].dominant_diag, D("DI219"), "example 6: second stay dominant DI219");
	OK(g_s[1].index && !g_s[0].readmitted, "example 6: next is an index, first not readmitted");
	ns = run(ex[6].c, 3);
	IS_INT(ns, 2, "example 7: two stays");
	IS_INT(g_s[0].dominant_diag, D("DI219"), "example 7: tie at 24 h, the earlier DI219 wins");
	OK(!g_s[0].index, "example 7: cancer contact removes the index");
	ns = run(ex[3].c, 3);
	OK(ns == 3 && g_s[0].index && !g_s[0].readmitted && g_s[1].index &&
	   g_s[1].readmitted && g_s[2].index && !g_s[2].readmitted,
	   "example 4: planned restarts the clock and is itself readmitted");
	ns = run(ex[4].c, 3);
	OK(ns == 3 && !g_s[1].admission && g_s[0].has_next &&
	   g_s[0].next_start == T(3, 11, 10, 0, 0) && g_s[0].readmitted,
	   "example 5: the ambulant stay is skipped");

	/* all eight patients in one shuffled array, as the aggregate sees them */
	shuffle(all, nall);
	kv_contacts_sort(all, nall);
	for (pos = 0; pos < nall;)
	{
		size_t		len = kv_patient_run(all + pos, nall - pos);

		ns = kv_patient_stays(all + pos, len, &p, stays, work);
		kv_totals_add(&grand, stays, ns);
		pos += len;
	}
	IS_INT(grand.readmitted, 3, "examples together: readm numerator 3");
	IS_INT(grand.index, 13, "examples together: readm denominator 13");
	IS_INT(grand.acute_target, 5, "examples together: prev numerator 5");
	IS_INT(grand.acute_admissions, 12, "examples together: prev denominator 12");
}

/* ---------- thresholds ---------- */

static void
test_merge_gap(void)
{
	int64_t		t0 = T(3, 1, 0, 0, 0);
	kv_contact	c[3];
	size_t		ns;
	kv_stay_params p = default_params();

	c[0] = K(t0, t0 + 13 * HOUR, A, "DI219");
	c[1] = K(t0 + 17 * HOUR, t0 + 18 * HOUR, P, "DI219");
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].end == t0 + 18 * HOUR && g_s[0].ncontacts == 2,
	   "gap exactly 4 h joins");

	c[1].start = t0 + 17 * HOUR + US;
	ns = run(c, 2);
	OK(ns == 2 && g_s[0].end == t0 + 13 * HOUR && g_s[1].start == t0 + 17 * HOUR + US,
	   "gap 4 h + 1 us opens a new stay");

	c[1].start = t0 + 17 * HOUR + SEC;
	IS_INT(run(c, 2), 2, "gap 4 h + 1 s opens a new stay");

	c[1].start = t0 + 17 * HOUR - US;
	IS_INT(run(c, 2), 1, "gap 4 h - 1 us joins");

	/* overlap: the later contact ends first, the stay keeps the latest end */
	c[1] = K(t0 + 5 * HOUR, t0 + 6 * HOUR, P, "DJ189");
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].start == t0 && g_s[0].end == t0 + 13 * HOUR &&
	   g_s[0].discharging == 0, "overlap joins; stay end is the latest end");

	/* the gap is measured from the latest end, not the last contact's end */
	c[2] = K(t0 + 17 * HOUR, t0 + 18 * HOUR, P, "DJ189");
	IS_INT(run(c, 3), 1, "gap counted from the stay's latest end (joins)");
	c[2].start = t0 + 17 * HOUR + US;
	IS_INT(run(c, 3), 2, "gap counted from the stay's latest end (splits)");

	/* merge_gap parameter 0: touching contacts join, 1 us apart do not */
	p.merge_gap = 0;
	c[1] = K(t0 + 13 * HOUR, t0 + 14 * HOUR, P, "DJ189");
	IS_INT(run_p(c, 2, &p), 1, "merge_gap 0: touching contacts join");
	c[1].start += US;
	IS_INT(run_p(c, 2, &p), 2, "merge_gap 0: 1 us apart splits");
}

static void
test_admission(void)
{
	int64_t		t0 = T(3, 1, 0, 0, 0);
	kv_contact	c[2];
	size_t		ns;
	kv_totals	t;

	c[0] = K(t0, t0 + 12 * HOUR, A, "DI219");
	ns = run(c, 1);
	t = totals_of(ns);
	OK(g_s[0].admission && g_s[0].index && t.acute_admissions == 1,
	   "exactly 12 h is an admission");

	c[0].end = t0 + 12 * HOUR - SEC;
	ns = run(c, 1);
	t = totals_of(ns);
	OK(!g_s[0].admission && !g_s[0].index && t.acute_admissions == 0 && t.index == 0,
	   "12 h - 1 s is ambulant: not index, not an acute admission");

	c[0].end = t0 + 12 * HOUR - US;
	run(c, 1);
	OK(!g_s[0].admission, "12 h - 1 us is ambulant");

	/* the stay's length counts, including the gap between its contacts */
	c[0] = K(t0, t0 + 5 * HOUR, A, "DI219");
	c[1] = K(t0 + 9 * HOUR, t0 + 12 * HOUR, A, "DI219");
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].admission, "two contacts spanning 12 h make an admission");
	c[1].end -= US;
	ns = run(c, 2);
	OK(ns == 1 && !g_s[0].admission, "two contacts spanning 12 h - 1 us do not");
}

static void
test_window(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	int64_t		e0 = t0 + 24 * HOUR;
	kv_contact	c[3];
	size_t		ns;

	c[0] = K(t0, e0, P, "DI219");
	c[1] = K(e0 + 720 * HOUR, e0 + 744 * HOUR, A, "DJ189");
	ns = run(c, 2);
	OK(ns == 2 && g_s[0].readmitted && g_s[0].next_start == e0 + 720 * HOUR,
	   "next admission exactly 720 h after discharge: readmitted");
	c[1].start += SEC;
	run(c, 2);
	OK(g_s[0].index && !g_s[0].readmitted && g_s[0].has_next,
	   "720 h + 1 s: not readmitted");
	c[1].start = e0 + 720 * HOUR + US;
	run(c, 2);
	OK(!g_s[0].readmitted, "720 h + 1 us: not readmitted");

	/* the clock restarts: planned next admission, acute one after it */
	c[1] = K(e0 + 100 * HOUR, e0 + 124 * HOUR, P, "DI219");
	c[2] = K(e0 + 200 * HOUR, e0 + 224 * HOUR, A, "DI219");
	ns = run(c, 3);
	OK(ns == 3 && !g_s[0].readmitted && g_s[1].readmitted &&
	   g_s[0].next_start == e0 + 100 * HOUR,
	   "only the next admission counts (clock restarts)");

	/* window parameter */
	{
		kv_stay_params p = default_params();

		p.window = 48 * HOUR;
		c[1] = K(e0 + 48 * HOUR, e0 + 72 * HOUR, A, "DI219");
		run_p(c, 2, &p);
		OK(g_s[0].readmitted, "window 48 h: next at 48 h readmitted");
		c[1].start += US;
		run_p(c, 2, &p);
		OK(!g_s[0].readmitted, "window 48 h: next at 48 h + 1 us not");
	}
}

static void
test_open(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	kv_contact	c[4];
	size_t		ns;
	kv_totals	t;

	/* an open contact absorbs everything after it, however late */
	c[0] = K(t0, OPEN, A, "DI219");
	c[1] = K(t0 + 100 * HOUR, t0 + 110 * HOUR, P, "DJ189");
	c[2] = K(t0 + 5000 * HOUR, t0 + 5001 * HOUR, A, "DJ189");
	ns = run(c, 3);
	t = totals_of(ns);
	OK(ns == 1 && g_s[0].ncontacts == 3 && g_s[0].end == OPEN,
	   "open stay absorbs later contacts");
	OK(g_s[0].admission && !g_s[0].index && !g_s[0].readmitted &&
	   !g_s[0].followup_complete && !g_s[0].has_next,
	   "open stay: admission, never index, follow-up not complete");
	IS_INT(g_s[0].dominant_diag, D("DI219"), "open contact is infinitely long");
	IS_INT(t.acute_admissions, 1, "open acute stay is an acute admission");
	IS_INT(t.index, 0, "open stay: no index");

	/* a short open contact beats long closed ones, and discharges */
	c[0] = K(t0, t0 + 2 * HOUR, P, "DJ189");
	c[1] = K(t0 + HOUR, OPEN, P, "DI500");
	c[2] = K(t0 + 3 * HOUR, t0 + 500 * HOUR, P, "DJ189");
	ns = run(c, 3);
	OK(ns == 1 && g_s[0].dominant_diag == D("DI500") && g_s[0].discharging == 1,
	   "dominant diagnosis and discharging contact of an open contact");

	/* two open contacts tie at infinity: the earlier start wins */
	c[0] = K(t0, OPEN, P, "DJ189");
	c[1] = K(t0 + HOUR, OPEN, P, "DI219");
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].dominant_diag == D("DJ189") && g_s[0].discharging == 1,
	   "two open contacts: earlier start dominates, later start discharges");

	/* open and closed contacts of one diagnosis still tie with another open one */
	c[0] = K(t0, OPEN, P, "DJ189");
	c[1] = K(t0 + HOUR, OPEN, P, "DI219");
	c[2] = K(t0 + 2 * HOUR, t0 + 50 * HOUR, P, "DI219");
	run(c, 3);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "infinite totals are equal (earlier start wins)");

	/* an open NULL contact does not beat a closed diagnosis */
	c[0] = K(t0, OPEN, P, NULL);
	c[1] = K(t0 + HOUR, t0 + 2 * HOUR, P, "DJ189");
	run(c, 2);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "open NULL contact never dominates");

	/* an index before an open acute stay is readmitted by it */
	c[0] = K(t0, t0 + 24 * HOUR, P, "DI219");
	c[1] = K(t0 + 48 * HOUR, OPEN, A, "DJ189");
	ns = run(c, 2);
	OK(ns == 2 && g_s[0].index && g_s[0].readmitted &&
	   g_s[0].next_start == t0 + 48 * HOUR,
	   "an open acute admission readmits the previous index");
}

static void
test_death_and_eligibility(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	kv_contact	c[3];
	size_t		ns;

	c[0] = K(t0, t0 + 24 * HOUR, A, "DI219");
	c[1] = K(t0 + 24 * HOUR, t0 + 30 * HOUR, A | DIED, "DI219");
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].died && !g_s[0].index, "death on any contact: not an index");

	/* a stay ending in death still readmits the stay before it */
	c[0] = K(t0, t0 + 24 * HOUR, A, "DI219");
	c[1] = K(t0 + 48 * HOUR, t0 + 72 * HOUR, A | DIED, "DI219");
	ns = run(c, 2);
	OK(ns == 2 && g_s[0].readmitted && !g_s[1].index,
	   "a fatal readmission counts as a readmission");

	/* index eligibility is read from the discharging contact */
	c[0] = K(t0, t0 + 24 * HOUR, A | NOELIG, "DI219");
	c[1] = K(t0 + 2 * HOUR, t0 + 20 * HOUR, A, "DI219");
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].discharging == 0 && !g_s[0].eligible && !g_s[0].index,
	   "discharging contact not eligible: not an index");
	c[0].flags |= KV_C_ELIGIBLE;
	c[1].flags &= ~(uint32_t) KV_C_ELIGIBLE;
	run(c, 2);
	OK(g_s[0].index, "a non-discharging ineligible contact does not matter");

	/* discharging tie on end: the later start */
	c[0] = K(t0, t0 + 24 * HOUR, A, "DI219");
	c[1] = K(t0 + 2 * HOUR, t0 + 24 * HOUR, A | NOELIG, "DI219");
	run(c, 2);
	OK(g_s[0].discharging == 1 && !g_s[0].index, "equal ends: latest start discharges");

	/* equal end and start: the later in sort order (NULL diagnosis last) */
	c[1] = K(t0, t0 + 24 * HOUR, A | NOELIG, NULL);
	run(c, 2);
	OK(g_s[0].discharging == 1 && g_c[1].diag == -1 && !g_s[0].index,
	   "equal end and start: the later contact in sort order discharges");
}

static void
test_exclusions(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	int64_t		e0 = t0 + 24 * HOUR;
	int64_t		t1 = e0 + 100 * HOUR;
	kv_contact	c[4];
	size_t		ns;
	size_t		i;
	char		name[100];
	static const char *const idx_codes[] = {"DC509", "DD05", "DO45", "DZ763", "DF200"};
	static const char *const readm_codes[] = {"DC509", "DD05", "DO800", "DF200", "DZ763"};

	/* index exclusion on any contact, even a short, non-first one */
	for (i = 0; i < N(idx_codes); i++)
	{
		c[0] = K(t0, e0, A, "DI219");
		c[1] = K(e0, e0 + HOUR, A, idx_codes[i]);
		ns = run(c, 2);
		snprintf(name, sizeof(name), "%s on a minor contact removes the index", idx_codes[i]);
		OK(ns == 1 && g_s[0].admission && !g_s[0].index, name);
	}
	c[1] = K(e0, e0 + HOUR, A, "DO800");
	run(c, 2);
	OK(g_s[0].index, "DO800 is not an index exclusion");

	/* readmission exclusion on any contact of the next admission */
	for (i = 0; i < N(readm_codes); i++)
	{
		c[0] = K(t0, e0, P, "DI219");
		c[1] = K(t1, t1 + 24 * HOUR, A, "DI219");
		c[2] = K(t1 + 24 * HOUR, t1 + 25 * HOUR, A, readm_codes[i]);
		ns = run(c, 3);
		snprintf(name, sizeof(name), "%s on the next admission: not readmitted", readm_codes[i]);
		OK(ns == 2 && g_s[0].index && !g_s[0].readmitted, name);
	}
	c[2] = K(t1 + 24 * HOUR, t1 + 25 * HOUR, A, "DO45");
	run(c, 3);
	OK(g_s[0].readmitted, "DO45 on the next admission does not prevent readmission");
	c[2] = K(t1 + 24 * HOUR, t1 + 25 * HOUR, A, "DO800");
	run(c, 3);
	OK(!g_s[0].readmitted && g_s[1].index, "a DO800 stay is an index but not a readmission");

	/* injury: only the first contact of the next admission counts */
	c[0] = K(t0, e0, P, "DI219");
	c[1] = K(t1, t1 + 2 * HOUR, A, "DS720");
	c[2] = K(t1 + 2 * HOUR, t1 + 40 * HOUR, A, "DI219");
	ns = run(c, 3);
	OK(ns == 2 && g_s[1].dominant_diag == D("DI219") && !g_s[0].readmitted,
	   "injury as first diagnosis: not readmitted");
	c[1].diag = D("DT300");
	run(c, 3);
	OK(!g_s[0].readmitted, "DT300 (range DT30-DT35) first: not readmitted");
	c[1].diag = D("DT36");
	run(c, 3);
	OK(g_s[0].readmitted, "DT36 (outside the ranges) first: readmitted");
	c[1].diag = D("DI219");
	c[2].diag = D("DS720");
	run(c, 3);
	OK(g_s[0].readmitted && g_s[1].dominant_diag == D("DS720"),
	   "injury on a later contact (even dominant): readmitted");
	c[1].diag = -1;
	c[2].diag = D("DI219");
	run(c, 3);
	OK(g_s[0].readmitted, "NULL first diagnosis is not an injury");

	/* which contact is first: same start, shorter end first */
	c[1] = K(t1, t1 + 30 * HOUR, A, "DS720");
	c[2] = K(t1, t1 + HOUR, A, "DI219");
	run(c, 3);
	OK(g_s[0].readmitted, "same start: the shorter contact is first (not the injury)");
	/* same start and end: the smaller code first; NULL last */
	c[1] = K(t1, t1 + 30 * HOUR, A, "DS720");
	c[2] = K(t1, t1 + 30 * HOUR, A, "DI219");
	run(c, 3);
	OK(g_s[0].readmitted, "same start and end: DI219 sorts before DS720");
	c[2] = K(t1, t1 + 30 * HOUR, P, NULL);
	run(c, 3);
	OK(!g_s[0].readmitted, "same start and end: DS720 sorts before NULL");
	/* and acute is read from that first contact */
	c[1] = K(t1, t1 + 30 * HOUR, P, "DI219");
	c[2] = K(t1, t1 + 30 * HOUR, A, "DI500");
	run(c, 3);
	OK(!g_s[1].acute && !g_s[0].readmitted, "acute is read from the first contact");

	/* psychiatric: the dominant diagnosis decides */
	c[0] = K(t0, e0, A, "DF200");
	c[1] = K(e0, e0 + HOUR, A, "DI219");
	run(c, 2);
	OK(g_s[0].psychiatric && !g_s[0].index, "dominant DF200: psychiatric");
	c[0].diag = D("DI219");
	c[1].diag = D("DF320");
	run(c, 2);
	OK(!g_s[0].psychiatric && !g_s[0].index,
	   "DF320 not dominant: not psychiatric (but an index exclusion)");

	/* a psychiatric set without index exclusion: only the dominant decides */
	{
		test_cls	cls = {0, 0, -2, KV_SET_PSYCHIATRIC, 0};
		kv_stay_params p = default_params();

		cls.late_diag = D("DI500");
		p.classify_ctx = &cls;
		c[0] = K(t0, e0, A, "DI500");
		c[1] = K(e0, e0 + HOUR, A, "DI219");
		run_p(c, 2, &p);
		OK(g_s[0].psychiatric && !g_s[0].index,
		   "psychiatric dominant diagnosis alone removes the index");
		c[0].diag = D("DI219");
		c[1].diag = D("DI500");
		run_p(c, 2, &p);
		OK(!g_s[0].psychiatric && g_s[0].index,
		   "psychiatric non-dominant diagnosis alone does not");
	}
}

/*
 * The classifier is asked at the stay's deciding instant: its end, or its
 * start when open.  DI500 joins every set at 2025-01-01 00:00 here.
 */
static void
test_deciding_instant(void)
{
	test_cls	cls = {0, 0, -2, 0, 0};
	kv_stay_params p = default_params();
	kv_contact	c[2];
	int64_t		cut = ts(2025, 1, 1, 0, 0, 0);

	cls.late_diag = D("DI500");
	cls.late_sets = KV_SET_INDEX_EXCLUSION | KV_SET_READM_EXCLUSION | KV_SET_INJURY;
	cls.cutoff = cut;
	p.classify_ctx = &cls;

	c[0] = K(cut - 24 * HOUR, cut, A, "DI500");
	run_p(c, 1, &p);
	OK(!g_s[0].index, "closed stay ending at the cutoff: decided by its end");
	c[0] = K(cut - 24 * HOUR, cut - US, A, "DI500");
	run_p(c, 1, &p);
	OK(g_s[0].index, "closed stay ending 1 us before the cutoff: old rules");
	c[0] = K(cut - US, OPEN, A, "DI500");
	run_p(c, 1, &p);
	OK(g_s[0].contact_sets == 0, "open stay: decided by its start");
	c[0] = K(cut, OPEN, A, "DI500");
	run_p(c, 1, &p);
	OK(g_s[0].contact_sets & KV_SET_INDEX_EXCLUSION, "open stay starting at the cutoff: new rules");

	/* the next admission is classified at its own end */
	c[0] = K(cut - 200 * HOUR, cut - 176 * HOUR, P, "DI219");
	c[1] = K(cut - 24 * HOUR, cut - US, A, "DI500");
	run_p(c, 2, &p);
	OK(g_s[0].readmitted, "next admission ending before the cutoff: readmitted");
	c[1].end = cut;
	run_p(c, 2, &p);
	OK(!g_s[0].readmitted, "next admission ending at the cutoff: excluded");
	IS_INT(cls.bad_calls, 0, "classifier never called with NULL or unknown ids");
}

static void
test_dominant_ties(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	kv_contact	c[12];
	int			i;
	size_t		ns;

	c[0] = K(t0, t0 + 10 * HOUR, P, "DJ189");
	c[1] = K(t0 + 10 * HOUR, t0 + 20 * HOUR, P, "DI219");
	run(c, 2);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "equal totals: earlier first start, not smaller code");

	c[0] = K(t0, t0 + 10 * HOUR, P, "DJ189");
	c[1] = K(t0, t0 + 10 * HOUR, P, "DI219");
	run(c, 2);
	IS_INT(g_s[0].dominant_diag, D("DI219"), "equal totals and first start: smaller code");

	c[0] = K(t0, t0 + 10 * HOUR, P, "DJ189");
	c[1] = K(t0, t0 + 5 * HOUR, P, "DI219");
	c[2] = K(t0 + 6 * HOUR, t0 + 11 * HOUR, P, "DI219");
	run(c, 3);
	IS_INT(g_s[0].dominant_diag, D("DI219"), "summed 5 h + 5 h ties 10 h; same first start: smaller");
	c[2].end += US;
	run(c, 3);
	IS_INT(g_s[0].dominant_diag, D("DI219"), "summed 10 h + 1 us beats 10 h");
	c[1].diag = D("DJ441");
	c[2].diag = D("DJ441");
	c[2].end -= 2 * US;
	run(c, 3);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "10 h beats summed 10 h - 1 us");

	/* the first contact's start decides ties, not its position */
	c[0] = K(t0 + HOUR, t0 + 7 * HOUR, P, "DI219");
	c[1] = K(t0, t0 + 3 * HOUR, P, "DJ189");
	c[2] = K(t0 + 8 * HOUR, t0 + 11 * HOUR, P, "DJ189");
	run(c, 3);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "6 h tie: DJ189 starts earlier");

	/* stays with many diagnosed contacts (grouped by a heapsort) */
	{
		kv_contact	big[40];
		int64_t		t = t0;

		for (i = 0; i < 40; i++)
		{
			int64_t		len = (i % 4 == 3) ? 2 * HOUR + 54 * 60 * SEC : HOUR;

			big[i] = K(t, t + len, P, (i % 4 == 3) ? "DI219" : "DJ189");
			t += len;
		}
		ns = run(big, 40);
		OK(ns == 1 && g_s[0].dominant_diag == D("DJ189"),
		   "40 interleaved contacts: DJ189 30 x 1 h beats DI219 10 x 2.9 h");
		big[39].end += HOUR + US;
		run(big, 40);
		IS_INT(g_s[0].dominant_diag, D("DI219"), "... and loses to DI219 30 h + 1 us");
		for (i = 0; i < 24; i++)
		{
			t = t0 + (i / 2) * HOUR;
			big[i] = K(t, t + HOUR, P, (i % 2) ? "DJ189" : "DJ441");
		}
		big[24] = K(t0 + 4 * HOUR, t0 + 5 * HOUR, P, "DI219");
		run(big, 25);
		IS_INT(g_s[0].dominant_diag, D("DJ189"),
			   "25 contacts, full tie of DJ189 and DJ441: the smaller id");
	}

	/* sums beyond 64 bits: 5 x 4e18 us beats 4 x 4.5e18 us */
	for (i = 0; i < 4; i++)
		c[i] = K(0, INT64_C(4500000000000000000), P, "DJ189");
	for (i = 4; i < 9; i++)
		c[i] = K(1, 1 + INT64_C(4000000000000000000), P, "DI219");
	ns = run(c, 9);
	OK(ns == 1 && g_s[0].dominant_diag == D("DI219"),
	   "duration totals do not overflow (2e19 us beats 1.8e19 us)");
}

static void
test_null_diagnoses(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	kv_contact	c[3];
	size_t		ns;

	c[0] = K(t0, t0 + 100 * HOUR, P, NULL);
	c[1] = K(t0 + HOUR, t0 + 2 * HOUR, P, "DJ189");
	run(c, 2);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "a long NULL contact never dominates");

	c[0] = K(t0, t0 + 24 * HOUR, A, NULL);
	c[1] = K(t0 + 24 * HOUR, t0 + 30 * HOUR, A, NULL);
	ns = run(c, 2);
	OK(ns == 1 && g_s[0].dominant_diag == -1 && g_s[0].dominant_sets == 0 &&
	   !g_s[0].psychiatric && g_s[0].index,
	   "all contacts NULL: no dominant diagnosis, still an index");
	OK(totals_of(ns).acute_admissions == 1 && totals_of(ns).acute_target == 0,
	   "all NULL: acute admission outside the target set");
	IS_INT(cls_default.bad_calls, 0, "classifier never called with -1");
}

static void
test_duplicates(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	kv_contact	c[5];
	size_t		n;
	kv_stay_params p = default_params();

	c[0] = K(t0, t0 + 10 * HOUR, P, "DJ189");
	c[1] = c[0];
	c[2] = K(t0, t0 + 15 * HOUR, P, "DI219");
	c[3] = K(t0, t0 + 15 * HOUR, A, "DI219");	/* differs in flags only */
	c[4] = c[2];
	run(c, 5);
	IS_INT(g_s[0].dominant_diag, D("DI219"), "without dedupe: DI219 30 h+ vs DJ189 20 h");
	memcpy(g_c, c, sizeof(c));
	shuffle(g_c, 5);
	kv_contacts_sort(g_c, 5);
	n = kv_contacts_dedupe(g_c, 5);
	IS_INT(n, 3, "dedupe removes the two exact copies, keeps the flag variant");
	OK(kv_contacts_sorted(g_c, n) && g_c[0].diag == D("DJ189") &&
	   g_c[1].flags == KV_C_ELIGIBLE && g_c[2].flags == (KV_C_ELIGIBLE | A),
	   "dedupe keeps the order");
	IS_INT(kv_contacts_dedupe(g_c, 0), 0, "dedupe of nothing");

	c[0] = K(t0, t0 + 10 * HOUR, P, "DJ189");
	c[1] = c[0];
	c[2] = K(t0, t0 + 15 * HOUR, P, "DI219");
	memcpy(g_c, c, 3 * sizeof(kv_contact));
	kv_contacts_sort(g_c, 3);
	n = kv_contacts_dedupe(g_c, 3);
	kv_patient_stays(g_c, n, &p, g_s, g_w);
	IS_INT(g_s[0].dominant_diag, D("DI219"), "after dedupe DI219 (15 h) beats DJ189 (10 h)");
	run(c, 3);
	IS_INT(g_s[0].dominant_diag, D("DJ189"), "a duplicated row counts twice (20 h) without dedupe");
}

/* ---------- order independence ---------- */

static void
test_order_independence(void)
{
	int64_t		t0 = T(3, 1, 10, 0, 0);
	kv_contact	base[40];
	kv_contact	sorted0[40];
	kv_stay		stays0[40];
	size_t		ns0;
	size_t		n = 0;
	int			i;
	int			rep;
	int			bad_sort = 0;
	int			bad_stays = 0;
	kv_stay_params p = default_params();

	/* ties on every key: same start, same end, same diagnosis, flags only */
	for (i = 0; i < 10; i++)
	{
		int64_t		s = t0 + (i / 3) * 30 * HOUR;

		base[n++] = K(s, s + 13 * HOUR, (i & 1) ? A : P, (i % 2) ? "DI219" : "DS720");
		base[n++] = K(s, s + 13 * HOUR, (i & 1) ? P : A | DIED, (i % 2) ? "DI219" : "DS720");
		base[n++] = K(s, s + 13 * HOUR, A | NOELIG, NULL);
		base[n++] = K(s + HOUR, (i == 9) ? OPEN : s + 13 * HOUR, A, "DJ189");
	}
	memcpy(sorted0, base, n * sizeof(kv_contact));
	kv_contacts_sort(sorted0, n);
	ns0 = kv_patient_stays(sorted0, n, &p, stays0, g_w);

	for (rep = 0; rep < 1000; rep++)
	{
		size_t		ns;
		size_t		k;

		memcpy(g_c, base, n * sizeof(kv_contact));
		shuffle(g_c, n);
		kv_contacts_sort(g_c, n);
		if (memcmp(g_c, sorted0, n * sizeof(kv_contact)) != 0)
			bad_sort++;
		ns = kv_patient_stays(g_c, n, &p, g_s, g_w);
		if (ns != ns0)
			bad_stays++;
		else
			for (k = 0; k < ns; k++)
				if (!stay_equal(&g_s[k], &stays0[k]))
				{
					bad_stays++;
					break;
				}
	}
	IS_INT(ns0, 4, "order test patient: four stays (30 h apart, last open)");
	IS_INT(bad_sort, 0, "1000 shuffles sort to the same array");
	IS_INT(bad_stays, 0, "1000 shuffles give the same stays");
}

/* ---------- a long regular patient ---------- */

/*
 * 2,500 groups of 4 contacts of 2 h, 4 h apart (joins), groups 4 h + 1 us
 * apart (splits): every stay lasts 4 x 2 h + 3 x 4 h = 20 h (an admission).
 * Group g is acute when g is odd; its third contact dies when g % 5 == 4.
 * Diagnoses: DI219 then three DJ189, so DJ189 (6 h) dominates and is a
 * target.  By hand: index = 2500 - 500 died = 2000; readmitted = index g
 * with g + 1 acute (g even, g < 2499) and g % 5 != 4: 1250 even g minus the
 * 250 with g % 10 == 4 = 1000; acute admissions = odd g = 1250, all target.
 */
static void
test_long_patient(void)
{
	size_t		n = 10000;
	kv_contact *c = malloc(n * sizeof(kv_contact));
	kv_stay    *s = malloc(n * sizeof(kv_stay));
	kv_stay_work *w = malloc(n * sizeof(kv_stay_work));
	kv_stay_params p = default_params();
	int64_t		t = T(3, 1, 0, 0, 0);
	int64_t		first_end = 0;
	size_t		g;
	size_t		ns;
	kv_totals	tot = {0};

	for (g = 0; g < 2500; g++)
	{
		int			j;

		for (j = 0; j < 4; j++)
		{
			unsigned	f = (g % 2 == 1) ? A : P;

			if (j == 2 && g % 5 == 4)
				f |= DIED;
			c[g * 4 + j] = K(t, t + 2 * HOUR, f, j == 0 ? "DI219" : "DJ189");
			t += 2 * HOUR;
			if (j < 3)
				t += 4 * HOUR;
		}
		if (g == 0)
			first_end = t;
		t += 4 * HOUR + US;
	}
	shuffle(c, n);
	kv_contacts_sort(c, n);
	ns = kv_patient_stays(c, n, &p, s, w);
	kv_totals_add(&tot, s, ns);
	IS_INT(ns, 2500, "10,000 contacts: 2,500 stays");
	OK(s[0].start == T(3, 1, 0, 0, 0) && s[0].end == first_end &&
	   first_end - s[0].start == 20 * HOUR && s[0].ncontacts == 4 &&
	   s[2499].number == 2500 && s[2499].first == 9996,
	   "10,000 contacts: stays of 20 h, 4 contacts each");
	IS_INT(tot.index, 2000, "10,000 contacts: 2,000 index stays");
	IS_INT(tot.readmitted, 1000, "10,000 contacts: 1,000 readmitted");
	IS_INT(tot.acute_admissions, 1250, "10,000 contacts: 1,250 acute admissions");
	IS_INT(tot.acute_target, 1250, "10,000 contacts: all acute admissions in the target set");
	free(c);
	free(s);
	free(w);
}

/* ---------- the sort ---------- */

/* Reference order for qsort, written out from the header's description. */
static int
ref_cmp(const void *pa, const void *pb)
{
	const kv_contact *a = pa;
	const kv_contact *b = pb;
	int			ka = (a->diag == -1);
	int			kb = (b->diag == -1);

	if (a->patient != b->patient)
		return a->patient < b->patient ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if ((a->end == OPEN) != (b->end == OPEN))
		return a->end == OPEN ? 1 : -1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (ka != kb)
		return ka ? 1 : -1;
	if (a->diag != b->diag)
		return a->diag < b->diag ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	return 0;
}

/* Fill c with random contacts; narrow ranges make ties on every key. */
static void
random_contacts(kv_contact *c, size_t n, bool narrow)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (narrow)
		{
			c[i].patient = (int64_t) rnd_below(50) - 25;
			c[i].start = (int64_t) rnd_below(20) - 10;
			c[i].end = rnd_below(5) == 0 ? OPEN : c[i].start + (int64_t) rnd_below(4);
			c[i].diag = (int32_t) rnd_below(4) - 1;
			c[i].flags = (uint32_t) (rnd_below(4) | rnd_below(3) << 8);
		}
		else
		{
			c[i].patient = (rnd() & 1) ? (int64_t) rnd() : (int64_t) rnd_below(100000);
			c[i].start = ts(2020, 1, 1, 0, 0, 0) + (int64_t) rnd_below(INT64_C(5) * 8760 * HOUR);
			c[i].end = rnd_below(50) == 0 ? OPEN : c[i].start + (int64_t) rnd_below(100 * HOUR);
			c[i].diag = rnd_below(10) == 0 ? -1 : (int32_t) rnd_below(30000);
			c[i].flags = (uint32_t) rnd_below(8);
		}
	}
}

static void
test_sort(void)
{
	size_t		n = 1000000;
	kv_contact *a = malloc(n * sizeof(kv_contact));
	kv_contact *b = malloc(n * sizeof(kv_contact));
	clock_t		t0;
	double		ms_kv;
	double		ms_q;
	int			round;
	size_t		k;

	IS_INT(sizeof(kv_contact), 32, "kv_contact is 32 bytes");
	for (round = 0; round < 2; round++)
	{
		bool		narrow = round == 1;

		random_contacts(a, n, narrow);
		memcpy(b, a, n * sizeof(kv_contact));
		t0 = clock();
		kv_contacts_sort(a, n);
		ms_kv = (double) (clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
		t0 = clock();
		qsort(b, n, sizeof(kv_contact), ref_cmp);
		ms_q = (double) (clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
		printf("# sort 1M %s contacts: kv_contacts_sort %.0f ms, qsort %.0f ms\n",
			   narrow ? "tie-heavy" : "random", ms_kv, ms_q);
		OK(memcmp(a, b, n * sizeof(kv_contact)) == 0,
		   narrow ? "sort of 1M tie-heavy contacts equals qsort" :
		   "sort of 1M random contacts equals qsort");
		OK(kv_contacts_sorted(a, n), "kv_contacts_sorted accepts the result");
	}

	/* reverse order, then sorted input, then tiny arrays */
	for (k = 0; k < n / 2; k++)
	{
		kv_contact	t = a[k];

		a[k] = a[n - 1 - k];
		a[n - 1 - k] = t;
	}
	OK(!kv_contacts_sorted(a, n), "kv_contacts_sorted rejects reversed input");
	memcpy(a, b, n * sizeof(kv_contact));
	for (k = 1; a[k].patient == a[0].patient && a[k].start == a[0].start; k++)
		;
	a[0] = b[k];
	a[k] = b[0];
	OK(!kv_contacts_sorted(a, n), "kv_contacts_sorted rejects one early inversion");
	kv_contacts_sort(a, n);
	OK(memcmp(a, b, n * sizeof(kv_contact)) == 0, "one early inversion sorts back");
	for (k = n - 2; b[k].patient == b[n - 1].patient && b[k].start == b[n - 1].start; k--)
		;
	a[k] = b[n - 1];
	a[n - 1] = b[k];
	OK(!kv_contacts_sorted(a, n), "kv_contacts_sorted rejects an inversion at the end");
	kv_contacts_sort(a, n);
	OK(memcmp(a, b, n * sizeof(kv_contact)) == 0, "an inversion at the end sorts back");
	for (k = 0; k < n / 2; k++)
	{
		kv_contact	t = a[k];

		a[k] = a[n - 1 - k];
		a[n - 1 - k] = t;
	}
	kv_contacts_sort(a, n);
	OK(memcmp(a, b, n * sizeof(kv_contact)) == 0, "reversed input sorts back");
	kv_contacts_sort(a, n);
	OK(memcmp(a, b, n * sizeof(kv_contact)) == 0, "sorted input stays sorted");
	for (k = 0; k <= 40; k++)
	{
		random_contacts(a, k, true);
		memcpy(b, a, k * sizeof(kv_contact));
		kv_contacts_sort(a, k);
		qsort(b, k, sizeof(kv_contact), ref_cmp);
		if (memcmp(a, b, k * sizeof(kv_contact)) != 0)
			break;
	}
	IS_INT(k, 41, "arrays of 0 to 40 contacts sort like qsort");
	/* adjacent swaps at either end of 100 distinct sorted contacts */
	for (k = 0; k < 100; k++)
		b[k] = K((int64_t) k, (int64_t) k + 1, 0, NULL);
	memcpy(a, b, 100 * sizeof(kv_contact));
	a[0] = b[1];
	a[1] = b[0];
	OK(!kv_contacts_sorted(a, 100), "kv_contacts_sorted sees a swap of the first two");
	kv_contacts_sort(a, 100);
	OK(memcmp(a, b, 100 * sizeof(kv_contact)) == 0, "a swap of the first two sorts back");
	a[98] = b[99];
	a[99] = b[98];
	OK(!kv_contacts_sorted(a, 100), "kv_contacts_sorted sees a swap of the last two");
	kv_contacts_sort(a, 100);
	OK(memcmp(a, b, 100 * sizeof(kv_contact)) == 0, "a swap of the last two sorts back");
	/* a patient change in the low byte only, and patients at the extremes */
	a[0] = K(5, 6, 0, NULL);
	a[0].patient = INT64_MAX;
	a[1] = K(5, 6, 0, NULL);
	a[1].patient = INT64_MIN;
	a[2] = K(5, 6, 0, NULL);
	a[2].patient = -1;
	a[3] = K(5, 6, 0, NULL);
	a[3].patient = 0;
	for (k = 4; k < 40; k++)
		a[k] = a[k % 4];
	kv_contacts_sort(a, 40);
	OK(a[0].patient == INT64_MIN && a[9].patient == INT64_MIN &&
	   a[10].patient == -1 && a[20].patient == 0 && a[39].patient == INT64_MAX,
	   "extreme patient ids sort as signed");
	IS_INT(kv_patient_run(a, 40), 10, "kv_patient_run stops at the next patient");
	IS_INT(kv_patient_run(a + 30, 10), 10, "kv_patient_run reaches the end");
	IS_INT(kv_patient_run(a, 0), 0, "kv_patient_run of nothing");
	free(a);
	free(b);
}

/* ---------- checks and edges ---------- */

/* ---------- the sort's progress calls ---------- */

/* What the progress callback of test_sort_progress saw. */
typedef struct ProgressSeen
{
	size_t		calls;
	size_t		stop_at;		/* longjmp out on this call (0: never) */
	jmp_buf		out;
} ProgressSeen;

static void
count_progress(void *arg)
{
	ProgressSeen *seen = arg;

	if (++seen->calls == seen->stop_at)
		longjmp(seen->out, 1);
}

/*
 * kv_contacts_sort_progress: the same order as kv_contacts_sort, a call
 * about every KV_PROGRESS_STEP elements handled (the server checks for a
 * cancel there), and after a callback that does not return (a cancel's
 * longjmp), the array still holds every element.
 */
static void
test_sort_progress(void)
{
	size_t		n = 1000000;
	size_t		steps = n / KV_PROGRESS_STEP;
	kv_contact *a = malloc(n * sizeof(kv_contact));
	kv_contact *b = malloc(n * sizeof(kv_contact));
	kv_contact *orig = malloc(n * sizeof(kv_contact));
	ProgressSeen seen;
	kv_progress progress;
	size_t		calls;
	volatile size_t stop;		/* kept across the longjmp */
	volatile int round;

	for (round = 0; round < 2; round++)
	{
		bool		narrow = round == 1;

		random_contacts(orig, n, narrow);
		memcpy(a, orig, n * sizeof(kv_contact));
		memcpy(b, orig, n * sizeof(kv_contact));
		memset(&seen, 0, sizeof(seen));
		progress = (kv_progress) {count_progress, &seen, 0};
		kv_contacts_sort_progress(a, n, &progress);
		kv_contacts_sort(b, n);
		OK(memcmp(a, b, n * sizeof(kv_contact)) == 0,
		   narrow ? "with progress calls, 1M tie-heavy contacts sort the same" :
		   "with progress calls, 1M random contacts sort the same");
		/* each level counts and moves every element once: at least 2 n */
		printf("# sort 1M %s contacts: %zu progress calls (%zu per %zu contacts)\n",
			   narrow ? "tie-heavy" : "random", seen.calls, seen.calls / (steps > 0 ? steps : 1),
			   (size_t) KV_PROGRESS_STEP);
		OK(seen.calls >= 2 * steps && seen.calls <= 64 * steps,
		   narrow ? "tie-heavy sort: a progress call per KV_PROGRESS_STEP elements handled" :
		   "random sort: a progress call per KV_PROGRESS_STEP elements handled");

		/*
		 * A callback that does not return, at calls in every phase: the
		 * scans, the counting and permutation passes, the recursion.
		 */
		calls = seen.calls;
		for (stop = 1; stop <= calls; stop += 1 + stop / 3)
		{
			memcpy(a, orig, n * sizeof(kv_contact));
			memset(&seen, 0, sizeof(seen));
			seen.stop_at = stop;
			progress = (kv_progress) {count_progress, &seen, 0};
			if (setjmp(seen.out) == 0)
				kv_contacts_sort_progress(a, n, &progress);
			if (seen.calls != stop)
				break;
			kv_contacts_sort(a, n);
			if (memcmp(a, b, n * sizeof(kv_contact)) != 0)
				break;
		}
		OK(stop > calls,
		   narrow ? "a sort left by a jump at any call holds every tie-heavy contact once" :
		   "a sort left by a jump at any call holds every random contact once");
	}

	/* sorted input is only scanned, and the scan calls too */
	memset(&seen, 0, sizeof(seen));
	progress = (kv_progress) {count_progress, &seen, 0};
	kv_contacts_sort_progress(a, n, &progress);
	OK(memcmp(a, b, n * sizeof(kv_contact)) == 0, "sorted input stays sorted with progress calls");
	IS_INT(seen.calls, (n - 1) / KV_PROGRESS_STEP, "scanning sorted input calls once per KV_PROGRESS_STEP");

	/* no callback, and small arrays, which never call */
	memcpy(a, orig, n * sizeof(kv_contact));
	progress = (kv_progress) {NULL, NULL, 0};
	kv_contacts_sort_progress(a, n, &progress);
	OK(memcmp(a, b, n * sizeof(kv_contact)) == 0, "a progress without a callback sorts the same");
	memset(&seen, 0, sizeof(seen));
	progress = (kv_progress) {count_progress, &seen, 0};
	random_contacts(a, 1000, false);
	kv_contacts_sort_progress(a, 1000, &progress);
	OK(kv_contacts_sorted(a, 1000) && seen.calls == 0, "1000 contacts sort without a progress call");
	free(a);
	free(b);
	free(orig);
}

static void
test_checks_and_edges(void)
{
	kv_stay_params p = default_params();
	kv_contact	c[2];
	kv_stay		s;
	int64_t		big = INT64_C(9223371331200000000);	/* PostgreSQL's last timestamp */

	IS_INT(kv_stay_params_check(&p), KV_STAYS_OK, "default parameters are valid");
	p.merge_gap = -1;
	IS_INT(kv_stay_params_check(&p), KV_STAYS_NEGATIVE_PARAM, "negative merge gap rejected");
	p = default_params();
	p.window = -1;
	IS_INT(kv_stay_params_check(&p), KV_STAYS_NEGATIVE_PARAM, "negative window rejected");
	p = default_params();
	p.min_admission = -1;
	IS_INT(kv_stay_params_check(&p), KV_STAYS_NEGATIVE_PARAM, "negative min_admission rejected");
	p = default_params();

	c[0] = K(10, 10, 0, NULL);
	IS_INT(kv_contact_check(&c[0]), KV_STAYS_OK, "zero-length contact is valid");
	c[0].end = 9;
	IS_INT(kv_contact_check(&c[0]), KV_STAYS_END_BEFORE_START, "end before start rejected");
	c[0].end = OPEN;
	IS_INT(kv_contact_check(&c[0]), KV_STAYS_OK, "open contact is valid");
	c[0].start = INT64_MIN;
	IS_INT(kv_contact_check(&c[0]), KV_STAYS_START_INFINITE, "-infinity start rejected");
	c[0].start = INT64_MAX;
	IS_INT(kv_contact_check(&c[0]), KV_STAYS_START_INFINITE, "infinity start rejected");
	c[0] = K(10, 20, 0, NULL);
	c[0].diag = -2;
	IS_INT(kv_contact_check(&c[0]), KV_STAYS_BAD_DIAGNOSIS, "diagnosis id -2 rejected");

	/* follow-up completeness */
	memset(&s, 0, sizeof(s));
	s.end = 1000;
	OK(kv_stay_followup_complete(&s, 100, 1100), "follow-up complete at end + window");
	OK(!kv_stay_followup_complete(&s, 100, 1099), "follow-up incomplete 1 us before");
	s.end = OPEN;
	OK(!kv_stay_followup_complete(&s, 100, INT64_MAX), "open stay: follow-up never complete");
	s.end = big;
	/* INT64_MAX - big = 705,654,775,807 us: 196 h fits, 197 h does not */
	OK(kv_stay_followup_complete(&s, 196 * HOUR, INT64_MAX),
	   "end + window just inside int64: complete");
	OK(!kv_stay_followup_complete(&s, 197 * HOUR, INT64_MAX),
	   "end + window beyond int64: incomplete, no overflow");
	OK(!kv_stay_followup_complete(&s, 720 * HOUR, INT64_MAX),
	   "end + 720 h beyond int64: incomplete");

	/* stays at the end of time: no overflow in gap, length or window */
	c[0] = K(big - 48 * HOUR, big - 24 * HOUR, P, "DI219");
	c[1] = K(big - 13 * HOUR, big, A, "DI219");
	p.complete_until = INT64_MAX;
	IS_INT(run_p(c, 2, &p), 2, "stays at PostgreSQL's last timestamp");
	OK(g_s[0].index && g_s[0].readmitted && g_s[1].index &&
	   !g_s[0].followup_complete && !g_s[1].followup_complete,
	   "stays at the end of time: index, readmitted, follow-up beyond int64");
	c[0] = K(-big, -big + 24 * HOUR, P, "DI219");
	c[1] = K(big - 24 * HOUR, big, A, "DI219");
	IS_INT(run_p(c, 2, &p), 2, "contacts 584,000 years apart: two stays");
	OK(g_s[0].has_next && !g_s[0].readmitted, "... not readmitted");

	/* empty input, and a classifier-less run */
	IS_INT(kv_patient_stays(g_c, 0, &p, g_s, g_w), 0, "no contacts: no stays");
	p.classify = NULL;
	c[0] = K(0, 24 * HOUR, A, "DC509");
	run_p(c, 1, &p);
	OK(g_s[0].index && g_s[0].contact_sets == 0, "no classifier: no sets");
}

/* ---------- the naive reference implementation ---------- */

/*
 * Straight from docs/indicators.md 3 and 4, quadratic, with its own representation of
 * open ends (a flag) and its own order.  Test durations are far below
 * 2^63 / contacts, so plain int64 sums suffice here.
 */
typedef struct nv_stay
{
	int			first;
	int			count;
	int64_t		start;
	int64_t		end;			/* latest closed end; meaningless when open */
	bool		open;
	bool		admission,
				acute,
				died,
				psychiatric,
				index,
				readmitted,
				has_next,
				followup;
	int64_t		next_start;
	int32_t		dominant;
	kv_contact	discharging;
} nv_stay;

typedef struct nv_stats
{
	long		gap_exact_join;
	long		window_exact_readm;
	long		window_plus_1us;
	long		adm_exact;
	long		adm_minus_1us;
	long		followup_exact;
	long		dominant_full_tie;
	long		many_diagnoses;	/* stays with more than 16 diagnosed contacts */
} nv_stats;

/* Order of docs/indicators.md: start, end (NULL end last), diagnosis (NULL last), flags. */
static bool
nv_before(const kv_contact *a, const kv_contact *b)
{
	bool		ao = a->end == OPEN;
	bool		bo = b->end == OPEN;
	bool		an = a->diag < 0;
	bool		bn = b->diag < 0;

	if (a->start != b->start)
		return a->start < b->start;
	if (ao != bo)
		return bo;
	if (!ao && a->end != b->end)
		return a->end < b->end;
	if (an != bn)
		return bn;
	if (a->diag != b->diag)
		return a->diag < b->diag;
	return a->flags < b->flags;
}

static uint32_t
nv_sets(const kv_stay_params *p, int32_t diag, const nv_stay *s)
{
	if (diag < 0 || p->classify == NULL)
		return 0;
	return p->classify(p->classify_ctx, diag, s->open ? s->start : s->end);
}

static int
nv_stays(kv_contact *c, int n, const kv_stay_params *p, nv_stay *st, nv_stats *stats)
{
	int			i,
				j,
				k;
	int			ns = 0;

	/* selection sort */
	for (i = 0; i < n; i++)
	{
		int			m = i;

		for (j = i + 1; j < n; j++)
			if (nv_before(&c[j], &c[m]))
				m = j;
		if (m != i)
		{
			kv_contact	t = c[i];

			c[i] = c[m];
			c[m] = t;
		}
	}

	/* 3.1 and 3.2 */
	for (i = 0; i < n; i++)
	{
		nv_stay    *cur = ns > 0 ? &st[ns - 1] : NULL;

		if (cur != NULL && (cur->open || c[i].start <= cur->end + p->merge_gap))
		{
			if (!cur->open && c[i].start - cur->end == p->merge_gap)
				stats->gap_exact_join++;
			cur->count++;
			if (c[i].end == OPEN)
				cur->open = true;
			else if (c[i].end > cur->end)
				cur->end = c[i].end;
		}
		else
		{
			memset(&st[ns], 0, sizeof(nv_stay));
			st[ns].first = i;
			st[ns].count = 1;
			st[ns].start = c[i].start;
			st[ns].open = c[i].end == OPEN;
			st[ns].end = st[ns].open ? c[i].start : c[i].end;
			ns++;
		}
	}

	for (k = 0; k < ns; k++)
	{
		nv_stay    *s = &st[k];
		kv_contact *sc = c + s->first;
		uint32_t	all_sets = 0;
		int			d;
		bool		best_inf = false;
		int64_t		best_sum = 0;
		int64_t		best_fs = 0;

		/* 3.3 and 3.4 */
		s->admission = s->open || s->end - s->start >= p->min_admission;
		if (!s->open && s->end - s->start == p->min_admission)
			stats->adm_exact++;
		if (!s->open && s->end - s->start == p->min_admission - 1)
			stats->adm_minus_1us++;
		s->acute = (sc[0].flags & KV_C_ACUTE) != 0;

		/* 3.5: every contact's diagnosis is a candidate */
		s->dominant = -1;
		for (i = 0, j = 0; i < s->count; i++)
			j += sc[i].diag >= 0;
		if (j > 16)
			stats->many_diagnoses++;
		for (i = 0; i < s->count; i++)
		{
			bool		inf = false;
			int64_t		sum = 0;
			int64_t		fs = INT64_MAX;
			bool		better;

			d = sc[i].diag;
			if (d < 0)
				continue;
			for (j = 0; j < s->count; j++)
			{
				if (sc[j].diag != d)
					continue;
				if (sc[j].end == OPEN)
					inf = true;
				else
					sum += sc[j].end - sc[j].start;
				if (sc[j].start < fs)
					fs = sc[j].start;
			}
			if (s->dominant < 0)
				better = true;
			else if (inf != best_inf)
				better = inf;
			else if (!inf && sum != best_sum)
				better = sum > best_sum;
			else if (fs != best_fs)
				better = fs < best_fs;
			else
			{
				if (d != s->dominant)
					stats->dominant_full_tie++;
				better = d < s->dominant;
			}
			if (better)
			{
				s->dominant = d;
				best_inf = inf;
				best_sum = sum;
				best_fs = fs;
			}
		}

		/* 3.6 */
		for (i = 0; i < s->count; i++)
		{
			if (sc[i].flags & KV_C_DIED)
				s->died = true;
			all_sets |= nv_sets(p, sc[i].diag, s);
		}
		s->psychiatric = (nv_sets(p, s->dominant, s) & KV_SET_PSYCHIATRIC) != 0;

		/* 3.7: latest end (open latest), then latest start, then later */
		j = 0;
		for (i = 1; i < s->count; i++)
		{
			bool		io = sc[i].end == OPEN;
			bool		jo = sc[j].end == OPEN;

			if (io != jo)
			{
				if (io)
					j = i;
			}
			else if (!io && sc[i].end != sc[j].end)
			{
				if (sc[i].end > sc[j].end)
					j = i;
			}
			else if (sc[i].start >= sc[j].start)
				j = i;
		}
		s->discharging = sc[j];

		/* 4: index */
		s->index = s->admission && !s->open && !s->died && !s->psychiatric &&
			!(all_sets & KV_SET_INDEX_EXCLUSION) &&
			(s->discharging.flags & KV_C_ELIGIBLE);
		s->followup = !s->open && s->end + p->window <= p->complete_until;
		if (!s->open && s->end + p->window == p->complete_until)
			stats->followup_exact++;
	}

	/* 4: next admission and readmitted */
	for (k = 0; k < ns; k++)
	{
		nv_stay    *s = &st[k];
		nv_stay    *nx = NULL;
		int			t;

		for (t = k + 1; t < ns; t++)
			if (st[t].admission)
			{
				nx = &st[t];
				break;
			}
		if (nx == NULL)
			continue;
		s->has_next = true;
		s->next_start = nx->start;
		if (s->index)
		{
			uint32_t	nx_sets = 0;

			for (i = 0; i < nx->count; i++)
				nx_sets |= nv_sets(p, c[nx->first + i].diag, nx);
			s->readmitted = nx->start <= s->end + p->window && nx->acute &&
				!(nx_sets & KV_SET_READM_EXCLUSION) &&
				!(nv_sets(p, c[nx->first].diag, nx) & KV_SET_INJURY);
			if (nx->start - s->end == p->window && s->readmitted)
				stats->window_exact_readm++;
			if (nx->start - s->end == p->window + 1)
				stats->window_plus_1us++;
		}
	}
	return ns;
}

/* Compare engine stays with naive stays; describe the first difference. */
static bool
same_as_naive(const kv_stay *s, const kv_contact *c, size_t ns,
			  const nv_stay *v, int nv, char *why, size_t whylen)
{
	size_t		k;

	if ((int) ns != nv)
	{
		snprintf(why, whylen, "%d stays, naive %d", (int) ns, nv);
		return false;
	}
	for (k = 0; k < ns; k++)
	{
		const kv_stay *a = &s[k];
		const nv_stay *b = &v[k];
		const char *f = NULL;

		if (a->start != b->start || a->first != b->first || a->ncontacts != b->count)
			f = "extent";
		else if ((a->end == OPEN) != b->open || (!b->open && a->end != b->end))
			f = "end";
		else if (a->admission != b->admission)
			f = "admission";
		else if (a->acute != b->acute)
			f = "acute";
		else if (a->died != b->died)
			f = "died";
		else if (a->dominant_diag != b->dominant)
			f = "dominant";
		else if (a->psychiatric != b->psychiatric)
			f = "psychiatric";
		else if (memcmp(&c[a->discharging], &b->discharging, sizeof(kv_contact)) != 0)
			f = "discharging";
		else if (a->index != b->index)
			f = "index";
		else if (a->has_next != b->has_next || (b->has_next && a->next_start != b->next_start))
			f = "next";
		else if (a->readmitted != b->readmitted)
			f = "readmitted";
		else if (a->followup_complete != b->followup)
			f = "followup";
		else if (a->number != (int32_t) k + 1)
			f = "number";
		if (f != NULL)
		{
			snprintf(why, whylen, "stay %d: %s", (int) k + 1, f);
			return false;
		}
	}
	return true;
}

/* Codes the generator draws from: mostly neutral, some in every set. */
static const char *const neutral_codes[] = {
	"DI219", "DI500", "DJ189", "DJ441", "DM169", "DE86", "DR074", "DK590"
};

/*
 * One random patient whose timings sit at the thresholds: each contact
 * starts at the same instant as the previous one, inside the stay, or at
 * stay end + {0, 4 h +- 1 us, 720 h +- 1 us, random}; lengths are 12 h +- 1 us,
 * 4 h, 8 h, 0, random or open.
 */
static int
random_patient(kv_contact *c, int64_t patient, kv_stay_params *p, int maxn)
{
	int			n = 1 + (int) rnd_below((uint64_t) maxn);
	bool		crowded = maxn > 12;
	int64_t		base = ts(2024, 12, 1, 0, 0, 0) + (int64_t) rnd_below(60 * 24) * HOUR;
	int64_t		maxend = base;
	int64_t		prev_start = base;
	int			i;

	for (i = 0; i < n; i++)
	{
		int64_t		start;
		int64_t		len;
		int			r = (int) rnd_below(15);

		/* big patients: mostly joining starts, so stays get many contacts */
		if (crowded && rnd_below(10) < 8)
			r = (int) rnd_below(5);
		if (i == 0)
			start = base;
		else if (r == 0)
			start = prev_start;
		else if (r == 1)
			start = prev_start + (int64_t) rnd_below(6) * HOUR;
		else if (r == 2)
			start = maxend;
		else if (r == 3)
			start = maxend + p->merge_gap - US;
		else if (r == 4 || r == 13)
			start = maxend + p->merge_gap;
		else if (r == 5)
			start = maxend + p->merge_gap + US;
		else if (r == 6)
			start = maxend + p->window - US;
		else if (r == 7 || r == 14)
			start = maxend + p->window;
		else if (r == 8)
			start = maxend + p->window + US;
		else if (r == 9)
			start = maxend - HOUR;
		else if (r == 10)
			start = maxend + (int64_t) rnd_below(100) * HOUR;
		else
			start = maxend + (int64_t) rnd_below(1500) * HOUR;
		if (start < prev_start)
			start = prev_start;

		r = (int) rnd_below(12);
		if (r == 0)
			len = p->min_admission - US;
		else if (r == 1 || r == 2)
			len = p->min_admission;
		else if (r == 3)
			len = p->min_admission + US;
		else if (r == 4)
			len = 4 * HOUR;
		else if (r == 5)
			len = 8 * HOUR;
		else if (r == 6)
			len = 0;
		else if (r == 7)
			len = 24 * HOUR;
		else if (r == 8)
			len = (int64_t) rnd_below(48) * HOUR;
		else if (r == 9)
			len = rnd_below(8) == 0 ? -1 : 2 * HOUR;
		else
			len = (int64_t) rnd_below(30 * 3600) * SEC;

		memset(&c[i], 0, sizeof(kv_contact));
		c[i].patient = patient;
		c[i].start = start;
		c[i].end = len < 0 ? OPEN : start + len;
		if (rnd_below(5) == 0)
			c[i].diag = -1;
		else if (rnd_below(10) < 7)
			c[i].diag = D(neutral_codes[rnd_below(N(neutral_codes))]);
		else
			c[i].diag = (int32_t) rnd_below(NCODES);
		c[i].flags = (rnd() & 1 ? KV_C_ACUTE : 0) |
			(rnd_below(25) == 0 ? KV_C_DIED : 0) |
			(rnd_below(10) != 0 ? KV_C_ELIGIBLE : 0);
		if (rnd_below(20) == 0 && i > 0)
		{
			c[i] = c[i - 1];	/* an exact duplicate or a flag variant */
			if (rnd() & 1)
				c[i].flags ^= KV_C_ACUTE;
		}

		prev_start = c[i].start;
		if (c[i].end != OPEN && c[i].end > maxend)
			maxend = c[i].end;
	}
	/* follow-up cut-off: random, or exactly at some contact's end + window */
	if (rnd() & 1)
	{
		const kv_contact *x = &c[rnd_below((uint64_t) n)];

		p->complete_until = (x->end == OPEN ? x->start : x->end) + p->window +
			(int64_t) rnd_below(3) - 1;
	}
	else
		p->complete_until = base + (int64_t) rnd_below(3000) * HOUR;
	return n;
}

static void
test_cross_check(void)
{
	int			npat = 20000;
	kv_contact *all = malloc((size_t) npat * 60 * sizeof(kv_contact));
	kv_stay		big_s[60];
	kv_stay_work big_w[60];
	size_t		nall = 0;
	int			pat;
	int			mismatches = 0;
	nv_stats	stats;
	kv_totals	eng = {0};
	kv_totals	nvt = {0};
	kv_totals	grand = {0};
	test_cls	cls = {0, 0, -2, 0, 0};
	long		stays_total = 0;
	long		open_total = 0;
	size_t		pos;

	memset(&stats, 0, sizeof(stats));
	cls.late_diag = D("DI500");
	cls.late_sets = KV_SET_INDEX_EXCLUSION | KV_SET_INJURY | KV_SET_TARGET;
	cls.cutoff = ts(2025, 1, 1, 0, 0, 0);

	for (pat = 0; pat < npat; pat++)
	{
		kv_contact	c[60];
		kv_contact	nc[60];
		nv_stay		nv[60];
		kv_stay_params p = default_params();
		int			n;
		int			nvn;
		size_t		ns;
		int			k;
		char		why[100];

		p.classify_ctx = &cls;
		if (rnd_below(4) == 0)
		{
			/* other parameters, so nothing depends on the defaults */
			static const int64_t gaps[] = {0, HOUR, 4 * HOUR, 10 * HOUR};
			static const int64_t mins[] = {0, HOUR, 12 * HOUR, 24 * HOUR};
			static const int64_t wins[] = {0, 48 * HOUR, 720 * HOUR, 2000 * HOUR};

			p.merge_gap = gaps[rnd_below(4)];
			p.min_admission = mins[rnd_below(4)];
			p.window = wins[rnd_below(4)];
		}
		n = random_patient(c, pat, &p, pat % 10 == 0 ? 60 : 12);
		memcpy(nc, c, sizeof(kv_contact) * (size_t) n);
		nvn = nv_stays(nc, n, &p, nv, &stats);

		memcpy(g_c, c, sizeof(kv_contact) * (size_t) n);
		shuffle(g_c, (size_t) n);
		kv_contacts_sort(g_c, (size_t) n);
		ns = kv_patient_stays(g_c, (size_t) n, &p, g_s, g_w);
		if (!same_as_naive(g_s, g_c, ns, nv, nvn, why, sizeof(why)))
		{
			if (mismatches < 5)
			{
				printf("# patient %d: %s\n", pat, why);
				for (k = 0; k < n; k++)
					printf("#   %lld %lld %d %u\n", (long long) g_c[k].start,
						   (long long) g_c[k].end, g_c[k].diag, g_c[k].flags);
			}
			mismatches++;
		}
		kv_totals_add(&eng, g_s, ns);
		for (k = 0; k < nvn; k++)
		{
			nvt.index += nv[k].index;
			nvt.readmitted += nv[k].readmitted;
			if (nv[k].admission && nv[k].acute)
			{
				nvt.acute_admissions++;
				if (nv[k].dominant >= 0 &&
					(test_classify(&cls, nv[k].dominant,
								   nv[k].open ? nv[k].start : nv[k].end) & KV_SET_TARGET))
					nvt.acute_target++;
			}
			open_total += nv[k].open;
		}
		stays_total += nvn;
		/* default-parameter patients also go into one big array */
		if (p.merge_gap == 4 * HOUR && p.min_admission == 12 * HOUR &&
			p.window == 720 * HOUR)
		{
			memcpy(all + nall, c, sizeof(kv_contact) * (size_t) n);
			nall += (size_t) n;
			for (k = 0; k < nvn; k++)
			{
				grand.index += nv[k].index;
				grand.readmitted += nv[k].readmitted;
			}
		}
	}
	IS_INT(mismatches, 0, "20,000 random patients: engine equals the naive implementation");
	OK(eng.index == nvt.index && eng.readmitted == nvt.readmitted &&
	   eng.acute_admissions == nvt.acute_admissions &&
	   eng.acute_target == nvt.acute_target,
	   "20,000 random patients: totals equal the naive totals");
	printf("# %ld stays (%ld open), index %lld, readmitted %lld, acute %lld, target %lld\n",
		   stays_total, open_total, (long long) nvt.index, (long long) nvt.readmitted,
		   (long long) nvt.acute_admissions, (long long) nvt.acute_target);
	printf("# thresholds hit: gap exact %ld, 12 h exact %ld, 12 h - 1 us %ld, window exact readmitted %ld, "
		   "window + 1 us %ld, follow-up exact %ld, dominant full ties %ld, stays with > 16 diagnoses %ld\n",
		   stats.gap_exact_join, stats.adm_exact, stats.adm_minus_1us,
		   stats.window_exact_readm, stats.window_plus_1us,
		   stats.followup_exact, stats.dominant_full_tie, stats.many_diagnoses);
	OK(stats.gap_exact_join > 100 && stats.adm_exact > 100 && stats.adm_minus_1us > 100 &&
	   stats.window_exact_readm > 100 && stats.window_plus_1us > 100 &&
	   stats.followup_exact > 100 && stats.dominant_full_tie > 10 &&
	   stats.many_diagnoses > 50,
	   "the random patients hit every threshold many times");

	/* the same patients in one shuffled array, processed slice by slice */
	{
		kv_stay_params p = default_params();
		kv_totals	t = {0};

		p.classify_ctx = &cls;
		shuffle(all, nall);
		kv_contacts_sort(all, nall);
		for (pos = 0; pos < nall;)
		{
			size_t		len = kv_patient_run(all + pos, nall - pos);
			size_t		ns = kv_patient_stays(all + pos, len, &p, big_s, big_w);

			kv_totals_add(&t, big_s, ns);
			pos += len;
		}
		OK(t.index == grand.index && t.readmitted == grand.readmitted && grand.index > 1000,
		   "all default-parameter patients in one array: same readmission totals");
	}
	free(all);
}


/* ---------- outcomes: docs/indicators.md 11.1, 11.5, 11.6 ---------- */

/*
 * A test time zone: UTC+1, and UTC+2 from 2025-03-30 01:00 UTC (the EU
 * switch), as Europe/Copenhagen in 2025 up to October.
 */
static int32_t
test_local_day(void *ctx, int64_t at)
{
	int64_t		off = at >= ts(2025, 3, 30, 1, 0, 0) ? 2 * HOUR : HOUR;
	int64_t		local = at + off;
	int64_t		day = 24 * HOUR;

	(*(long *) ctx)++;
	return (int32_t) (local >= 0 ? local / day : -((-local + day - 1) / day));
}

static long local_day_calls;

static kv_outcome_params
outcome_params(void)
{
	kv_outcome_params o;

	o.local_day = test_local_day;
	o.local_day_ctx = &local_day_calls;
	o.mortality_window = 30;
	o.newborn_window = 28;
	o.newborn_any_cause = false;
	o.complete_known = false;
	o.complete_day = 0;
	return o;
}

/* Days since 2000 of a 2025 date. */
#define DAY(mo, d) ((int32_t) days_since_2000(2025, (mo), (d)))

/* Build stays from contacts and markers, then the outcomes; totals out. */
static kv_totals
outcomes_run(const kv_contact *in, size_t n, int32_t death, int32_t birth,
			 const kv_outcome_params *o, size_t *nstays)
{
	kv_contact	buf[MAXC];
	kv_patient_dates d;
	kv_stay_params p = default_params();
	kv_totals	t;
	size_t		m = n,
				k,
				ns;

	memcpy(buf, in, n * sizeof(kv_contact));
	if (death != INT32_MIN)
		buf[m++] = kv_date_marker(1, false, death);
	if (birth != INT32_MIN)
		buf[m++] = kv_date_marker(1, true, birth);
	kv_contacts_sort(buf, m);
	m = kv_contacts_dedupe(buf, m);
	k = kv_take_markers(buf, m, &d);
	memcpy(g_c, buf + k, (m - k) * sizeof(kv_contact));
	ns = kv_patient_stays(g_c, m - k, &p, g_s, g_w);
	kv_patient_outcomes(g_s, ns, &d, o);
	memset(&t, 0, sizeof(t));
	kv_totals_add(&t, g_s, ns);
	if (nstays)
		*nstays = ns;
	return t;
}

#define NODATE INT32_MIN

static void
test_markers(void)
{
	kv_contact	c[6];
	kv_patient_dates d;
	size_t		m,
				k;

	c[0] = K(T(3, 1, 10, 0, 0), T(3, 3, 10, 0, 0), A, "DI219");
	c[1] = kv_date_marker(1, false, DAY(3, 20));
	c[2] = kv_date_marker(1, true, DAY(1, 2));
	c[3] = kv_date_marker(1, false, DAY(3, 18));
	c[4] = kv_date_marker(1, false, DAY(3, 20));
	c[5] = kv_date_marker(1, true, DAY(1, 2));
	kv_contacts_sort(c, 6);
	OK(c[0].flags == KV_C_MARKER && c[0].start == KV_MARK_DEATH, "markers: death markers sort first");
	OK(c[5].flags != KV_C_MARKER, "markers: the contact sorts after the markers");
	m = kv_contacts_dedupe(c, 6);
	IS_INT(m, 4, "markers: equal markers collapse like duplicate rows");
	k = kv_take_markers(c, m, &d);
	IS_INT(k, 3, "markers: three distinct markers at the front");
	OK(d.has_death && d.death_day == DAY(3, 18), "markers: the earliest death date wins");
	OK(d.has_birth && d.birth_day == DAY(1, 2), "markers: the birth date");
	k = kv_take_markers(c + 3, 1, &d);
	OK(k == 0 && !d.has_death && !d.has_birth, "markers: none before a plain contact");
}

static void
test_mortality(void)
{
	kv_outcome_params o = outcome_params();
	kv_totals	t;
	size_t		ns;

	/* Acute admission starting 2025-03-01 10:00 UTC (local day 03-01). */
	kv_contact	adm[] = {K(T(3, 1, 10, 0, 0), T(3, 3, 10, 0, 0), A, "DI219")};

	t = outcomes_run(adm, 1, DAY(3, 31), NODATE, &o, &ns);
	OK(t.mortality_index == 1 && t.mortality_events == 1, "mortality: death on day 30 is an event");
	IS_INT(g_s[0].days_to_death, 30, "mortality: days_to_death 30");
	t = outcomes_run(adm, 1, DAY(4, 1), NODATE, &o, &ns);
	OK(t.mortality_index == 1 && t.mortality_events == 0, "mortality: death on day 31 is not");
	t = outcomes_run(adm, 1, DAY(3, 1), NODATE, &o, &ns);
	OK(t.mortality_events == 1 && g_s[0].days_to_death == 0, "mortality: death on the start date is day 0");
	t = outcomes_run(adm, 1, DAY(2, 28), NODATE, &o, &ns);
	OK(t.mortality_index == 1 && t.mortality_events == 0 && t.mortality_inconsistent == 1,
	   "mortality: death before the start: index, no event, counted as inconsistent");
	IS_INT(g_s[0].days_to_death, -1, "mortality: days_to_death -1");
	t = outcomes_run(adm, 1, NODATE, NODATE, &o, &ns);
	OK(t.mortality_index == 1 && t.mortality_events == 0 && !g_s[0].has_death, "mortality: alive");
	o.mortality_window = 7;
	t = outcomes_run(adm, 1, DAY(3, 8), NODATE, &o, &ns);
	OK(t.mortality_events == 1, "mortality: window 7: day 7 is an event");
	t = outcomes_run(adm, 1, DAY(3, 9), NODATE, &o, &ns);
	OK(t.mortality_events == 0, "mortality: window 7: day 8 is not");
	o = outcome_params();

	{
		/* 23:30 UTC on 03-01 is 00:30 local on 03-02: day 0 is 03-02. */
		kv_contact	late[] = {K(T(3, 1, 23, 30, 0), T(3, 3, 10, 0, 0), A, "DI219")};

		t = outcomes_run(late, 1, DAY(4, 1), NODATE, &o, &ns);
		OK(t.mortality_events == 1, "mortality: local midnight: start 00:30 local, death on day 30");
		t = outcomes_run(late, 1, DAY(3, 1), NODATE, &o, &ns);
		OK(t.mortality_events == 0 && t.mortality_inconsistent == 1,
		   "mortality: local midnight: a death on the UTC start date is before the local start date");
	}
	{
		/* Across the DST change (03-30): start 03-29 23:30 UTC = 03-30 00:30 local. */
		kv_contact	dst[] = {K(T(3, 29, 23, 30, 0), T(4, 2, 10, 0, 0), A, "DI219")};

		t = outcomes_run(dst, 1, DAY(4, 29), NODATE, &o, &ns);
		OK(t.mortality_events == 1, "mortality: DST: day 30 after a local start on 03-30");
		t = outcomes_run(dst, 1, DAY(4, 30), NODATE, &o, &ns);
		OK(t.mortality_events == 0, "mortality: DST: day 31 is not");
	}
	{
		/* In-hospital death without a register date: the local end date. */
		kv_contact	died[] = {
			K(T(3, 1, 10, 0, 0), T(3, 3, 10, 0, 0), A, "DI219"),
			K(T(3, 20, 10, 0, 0), T(3, 31, 23, 30, 0), A | DIED, "DJ189")
		};

		t = outcomes_run(died, 2, NODATE, NODATE, &o, &ns);
		IS_INT(ns, 2, "mortality: two stays");
		/* death at 03-31 23:30 UTC = 04-01 local: day 31 of the first, day 12 of the second */
		OK(t.mortality_index == 2 && t.mortality_events == 1, "mortality: a died stay gives the death on its local end date");
		OK(!g_s[0].died_within && g_s[1].died_within && g_s[0].days_to_death == 31,
		   "mortality: per stay: first day 31, second within");
		/* a register date earlier than the died stay's end wins */
		t = outcomes_run(died, 2, DAY(3, 31), NODATE, &o, &ns);
		OK(t.mortality_events == 2, "mortality: the earliest of register and hospital death");
		/* a register date later than the died stay's end does not */
		t = outcomes_run(died, 2, DAY(4, 5), NODATE, &o, &ns);
		OK(t.mortality_events == 1 && g_s[1].days_to_death == 12, "mortality: a later register date does not move the death");
	}
	{
		/* follow-up complete when local start date + window <= complete_day */
		kv_contact	late[] = {K(T(3, 1, 23, 30, 0), T(3, 3, 10, 0, 0), A, "DI219")};	/* local 03-02 */

		o.complete_known = true;
		o.complete_day = DAY(4, 1);
		t = outcomes_run(late, 1, NODATE, NODATE, &o, &ns);
		OK(g_s[0].mortality_followup_complete && !g_s[0].has_death,
		   "mortality follow-up: local start 03-02 + 30 = 04-01: complete on 04-01");
		o.complete_day = DAY(3, 31);
		t = outcomes_run(late, 1, NODATE, NODATE, &o, &ns);
		OK(!g_s[0].mortality_followup_complete, "mortality follow-up: not on 03-31");
		o.mortality_window = 7;
		t = outcomes_run(late, 1, DAY(3, 20), NODATE, &o, &ns);
		OK(g_s[0].mortality_followup_complete && !g_s[0].died_within,
		   "mortality follow-up: window 7 complete on 03-31; a death on day 18 is outside");
		o = outcome_params();
		t = outcomes_run(late, 1, DAY(3, 20), NODATE, &o, &ns);
		OK(!g_s[0].mortality_followup_complete, "mortality follow-up: unknown completeness: false");
	}
	{
		kv_contact	planned[] = {K(T(3, 1, 10, 0, 0), T(3, 3, 10, 0, 0), P, "DI219")};
		kv_contact	psych[] = {K(T(3, 1, 10, 0, 0), T(3, 3, 10, 0, 0), A, "DF200")};
		kv_contact	amb[] = {K(T(3, 1, 10, 0, 0), T(3, 1, 21, 59, 59), A, "DI219")};
		kv_contact	open[] = {K(T(3, 1, 10, 0, 0), OPEN, A, "DI219")};

		t = outcomes_run(planned, 1, DAY(3, 5), NODATE, &o, &ns);
		OK(t.mortality_index == 0 && !g_s[0].died_within && g_s[0].days_to_death == 4,
		   "mortality: a planned admission is no index (days_to_death still shown)");
		t = outcomes_run(psych, 1, DAY(3, 5), NODATE, &o, &ns);
		OK(t.mortality_index == 0, "mortality: a psychiatric admission is no index");
		t = outcomes_run(amb, 1, DAY(3, 5), NODATE, &o, &ns);
		OK(t.mortality_index == 0, "mortality: an ambulant acute stay is no index");
		t = outcomes_run(open, 1, DAY(3, 5), NODATE, &o, &ns);
		OK(t.mortality_index == 1 && t.mortality_events == 1, "mortality: an open acute admission is an index");
	}
}

static void
test_newborn(void)
{
	kv_outcome_params o = outcome_params();
	kv_totals	t;
	size_t		ns;
	int32_t		b = DAY(3, 1);

	/* Birth stay 03-01 08:00 to 03-03 08:00 UTC (local end date 03-03). */
	kv_contact	c[] = {
		K(T(3, 1, 8, 0, 0), T(3, 3, 8, 0, 0), P, "DZ763"),
		K(T(3, 31, 10, 0, 0), T(4, 2, 10, 0, 0), A, "DE86")
	};

	/* 03-03 + 28 = 03-31: a start on local 03-31 is in */
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(g_s[0].birth_stay && t.newborn_index == 1 && t.newborn_readmitted == 1,
	   "newborn: readmission on end date + 28 counts");
	c[1] = K(T(3, 31, 22, 30, 0), T(4, 2, 10, 0, 0), A, "DE86");	/* 04-01 00:30 local (DST) */
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(t.newborn_index == 1 && t.newborn_readmitted == 0, "newborn: end date + 29 (local) does not");
	c[1] = K(T(3, 31, 21, 30, 0), T(4, 2, 10, 0, 0), A, "DE86");	/* 03-31 23:30 local */
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(t.newborn_readmitted == 1, "newborn: 23:30 local on day 28 counts");
	c[1] = K(T(3, 10, 10, 0, 0), T(3, 12, 10, 0, 0), A, "DJ189");
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(t.newborn_index == 1 && t.newborn_readmitted == 0, "newborn: a cause outside the set does not count");
	o.newborn_any_cause = true;
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(t.newborn_readmitted == 1, "newborn: without a set any cause counts");
	o.newborn_any_cause = false;
	c[1] = K(T(3, 10, 10, 0, 0), T(3, 10, 20, 0, 0), A, "DE86");	/* 10 h: ambulant */
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(t.newborn_readmitted == 0, "newborn: an ambulant stay is no readmission");
	c[1] = K(T(3, 10, 10, 0, 0), T(3, 12, 10, 0, 0), P, "DE86");
	t = outcomes_run(c, 2, NODATE, b, &o, &ns);
	OK(t.newborn_readmitted == 1, "newborn: a planned admission counts too (any admission)");

	t = outcomes_run(c, 2, NODATE, DAY(2, 27), &o, &ns);
	OK(!g_s[0].birth_stay && t.newborn_index == 0, "newborn: first stay two days after birth is no birth stay");
	t = outcomes_run(c, 2, NODATE, DAY(2, 28), &o, &ns);
	OK(g_s[0].birth_stay && t.newborn_index == 1, "newborn: first stay the day after birth is the birth stay");
	t = outcomes_run(c, 2, NODATE, DAY(3, 2), &o, &ns);
	OK(!g_s[0].birth_stay, "newborn: first stay before the birth date is no birth stay");
	t = outcomes_run(c, 2, NODATE, NODATE, &o, &ns);
	OK(!g_s[0].birth_stay && t.newborn_index == 0, "newborn: no birth date, no birth stay");
	{
		/* 23:30 UTC on 02-28 is 00:30 local on 03-01 = the birth date */
		kv_contact	e[] = {K(T(2, 28, 23, 30, 0), T(3, 3, 8, 0, 0), P, "DZ763")};

		t = outcomes_run(e, 1, NODATE, DAY(2, 28), &o, &ns);
		OK(g_s[0].birth_stay, "newborn: local 03-01 00:30 is the day after a 02-28 birth");
		t = outcomes_run(e, 1, NODATE, DAY(2, 27), &o, &ns);
		OK(!g_s[0].birth_stay, "newborn: and two days after a 02-27 birth");
	}
	{
		kv_contact	died[] = {K(T(3, 1, 8, 0, 0), T(3, 3, 8, 0, 0), DIED, "DZ763")};
		kv_contact	open[] = {K(T(3, 1, 8, 0, 0), OPEN, P, "DZ763")};

		t = outcomes_run(died, 1, NODATE, b, &o, &ns);
		OK(g_s[0].birth_stay && t.newborn_index == 0, "newborn: a birth stay ending in death is no index");
		t = outcomes_run(open, 1, NODATE, b, &o, &ns);
		OK(g_s[0].birth_stay && t.newborn_index == 0, "newborn: an open birth stay is no index");
	}
	{
		/* a later stay that is ambulant, then an admission in the set */
		kv_contact	e[] = {
			K(T(3, 1, 8, 0, 0), T(3, 1, 12, 0, 0), P, "DZ763"),
			K(T(3, 5, 8, 0, 0), T(3, 5, 10, 0, 0), A, "DJ189"),
			K(T(3, 8, 8, 0, 0), T(3, 10, 10, 0, 0), A, "DJ189"),
			K(T(3, 20, 8, 0, 0), T(3, 22, 10, 0, 0), A, "DE86")
		};

		t = outcomes_run(e, 4, NODATE, b, &o, &ns);
		OK(g_s[0].birth_stay && !g_s[0].admission && t.newborn_index == 1,
		   "newborn: an ambulant birth stay is an index");
		OK(t.newborn_readmitted == 1, "newborn: not only the next admission: some later admission");
	}
}

static void
test_preventable_readmission(void)
{
	kv_totals	t;
	size_t		ns;
	kv_contact	c[] = {
		K(T(3, 1, 10, 0, 0), T(3, 3, 10, 0, 0), A, "DI219"),
		K(T(3, 10, 10, 0, 0), T(3, 12, 10, 0, 0), A, "DE86"),
		K(T(3, 20, 10, 0, 0), T(3, 22, 10, 0, 0), A, "DI500"),
		K(T(5, 20, 10, 0, 0), T(5, 22, 10, 0, 0), A, "DE86")
	};

	ns = run(c, N(c));
	t = totals_of(ns);
	IS_INT(ns, 4, "preventable readmission: four stays");
	OK(t.index == 4 && t.readmitted == 2 && t.preventable_readmitted == 1,
	   "preventable readmission: one of two readmissions has a preventable next dominant diagnosis");
	OK(g_s[0].preventable_readmitted && !g_s[1].preventable_readmitted && !g_s[2].preventable_readmitted,
	   "preventable readmission: per stay");
	IS_INT(g_s[0].next_dominant_diag, D("DE86"), "next_dominant_diag of stay 1");
	IS_INT(g_s[2].next_dominant_diag, D("DE86"), "next_dominant_diag outside the window is still shown");
	IS_INT(g_s[3].next_dominant_diag, -1, "no next admission: -1");
}

int
main(void)
{
	int			i;

	for (i = 1; i < NCODES; i++)
		if (strcmp(codes[i - 1], codes[i]) >= 0)
			break;
	IS_INT(i, NCODES, "the test's code table is sorted (ids rank like codes)");
	/* 25 years with 7 leap days (2000, ..., 2024), then Jan + Feb 2025 */
	IS_INT(ts(2025, 1, 1, 0, 0, 0), INT64_C(9132) * 86400 * SEC, "test clock: 2025-01-01");
	IS_INT(ts(2025, 3, 1, 10, 0, 0), (INT64_C(9191) * 24 + 10) * HOUR, "test clock: 2025-03-01 10:00");

	test_worked_examples();
	test_merge_gap();
	test_admission();
	test_window();
	test_open();
	test_death_and_eligibility();
	test_exclusions();
	test_deciding_instant();
	test_dominant_ties();
	test_null_diagnoses();
	test_duplicates();
	test_order_independence();
	test_long_patient();
	test_sort();
	test_sort_progress();
	test_checks_and_edges();
	test_cross_check();
	test_markers();
	test_mortality();
	test_newborn();
	test_preventable_readmission();
	return unit_done();
}
