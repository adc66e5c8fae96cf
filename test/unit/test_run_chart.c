/*
 * test_run_chart.c - unit tests of src/core/run_chart.c: the limits against
 * the values of docs/indicators.md section 10 and an exact integer binomial
 * computed here, and the runs analysis on hand-made series.
 */
#include "unit.h"
#include "run_chart.h"

#include <stdint.h>

/* The smallest c with P(Binomial(m, 1/2) <= c) >= 0.05, in integers: sum
 * the binomial coefficients until they reach 2^m / 20 (m <= 62). */
static int
exact_crossings_limit(int useful)
{
	int			m = useful - 1;
	uint64_t	coef = 1,
				sum = 0;

	for (int k = 0; k <= m; k++)
	{
		sum += coef;
		if ((unsigned __int128) sum * 20 >= ((unsigned __int128) 1 << m))
			return k;
		coef = coef * (uint64_t) (m - k) / (uint64_t) (k + 1);
	}
	return m;
}

static kv_run_chart
chart(const double *v, size_t n, size_t baseline)
{
	double		scratch[256];
	kv_run_chart rc;

	kv_run_chart_compute(v, n, baseline, scratch, &rc);
	return rc;
}

int
main(void)
{
	/* docs/indicators.md section 10: n = 12, 24, 50, 100 */
	IS_INT(kv_longest_run_limit(12), 7, "longest run limit, 12 useful");
	IS_INT(kv_crossings_limit(12), 3, "crossings limit, 12 useful");
	IS_INT(kv_longest_run_limit(24), 8, "longest run limit, 24 useful");
	IS_INT(kv_crossings_limit(24), 8, "crossings limit, 24 useful");
	IS_INT(kv_longest_run_limit(50), 9, "longest run limit, 50 useful");
	IS_INT(kv_crossings_limit(50), 19, "crossings limit, 50 useful");
	IS_INT(kv_longest_run_limit(100), 10, "longest run limit, 100 useful");
	IS_INT(kv_crossings_limit(100), 41, "crossings limit, 100 useful");

	/* every n up to 63 against the exact integer computation */
	{
		int			bad = 0;

		for (int n = 2; n <= 63; n++)
			if (kv_crossings_limit(n) != exact_crossings_limit(n))
				bad = n;
		IS_INT(bad, 0, "crossings limit equals the exact binomial for 2..63 useful values");
	}
	/* large n: the limit is a little under (n - 1) / 2 - 0.82 sqrt(n - 1),
	 * the normal approximation, and grows with n */
	{
		int			c = kv_crossings_limit(1000001);
		double		approx = 500000.0 - 1.6449 * 500.0;

		OK(c > approx - 3 && c < approx + 3, "crossings limit near the normal approximation at 1,000,001 useful values");
		OK(kv_crossings_limit(100000) <= kv_crossings_limit(100001), "crossings limit does not fall as n grows");
	}
	IS_INT(kv_crossings_limit(1), 0, "crossings limit of one useful value is 0");
	IS_INT(kv_longest_run_limit(0), 0, "longest run limit of no useful value is 0");

	/* 1..24 rising: median 12.5, one run below and one above */
	{
		double		v[24];
		kv_run_chart rc;

		for (int i = 0; i < 24; i++)
			v[i] = i + 1;
		rc = chart(v, 24, 0);
		OK(rc.centre == 12.5, "rising series: centre is the median 12.5");
		IS_INT(rc.useful, 24, "rising series: 24 useful");
		IS_INT(rc.longest_run, 12, "rising series: longest run 12");
		IS_INT(rc.crossings, 1, "rising series: one crossing");
		IS_INT(rc.signal, KV_SIGNAL_YES, "rising series signals");
		IS_INT(rc.last_side, 1, "rising series ends above the centre");
	}
	/* alternating around 2: 12 useful, 11 crossings, no signal */
	{
		double		v[12];
		kv_run_chart rc;

		for (int i = 0; i < 12; i++)
			v[i] = i % 2 ? 3 : 1;
		rc = chart(v, 12, 0);
		OK(rc.centre == 2, "alternating: centre 2");
		IS_INT(rc.crossings, 11, "alternating: 11 crossings");
		IS_INT(rc.longest_run, 1, "alternating: longest run 1");
		IS_INT(rc.signal, KV_SIGNAL_NONE, "alternating: no signal");
	}
	/* points on the centre line are not useful and do not break a run */
	{
		double		v[] = {1, 5, 1, 5, 3, 5, 5, 3, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5};
		kv_run_chart rc = chart(v, 19, 0);

		OK(rc.centre == 3, "on the line: centre 3");
		IS_INT(rc.useful, 17, "on the line: the two 3s are not useful");
		IS_INT(rc.longest_run, 6, "on the line: 5 3 5 ... the 3 does not break the run (5,5,5 then 1s)");
		IS_INT(rc.crossings, 5, "on the line: five crossings");
		IS_INT(rc.signal, KV_SIGNAL_NONE, "on the line: 17 useful, run 6 <= 7, crossings 5 >= 5");
	}
	/* exactly at the limits: a run of limit + 1 signals, of limit does not */
	{
		double		v[24];

		/* centre pinned by a baseline of 2 (values 0 and 10: median 5) */
		v[0] = 0;
		v[1] = 10;
		for (int i = 2; i < 12; i++)
			v[i] = i < 2 + 7 ? 0 : 10;
		{
			kv_run_chart rc = chart(v, 12, 2);

			OK(rc.centre == 5, "baseline of two: centre 5");
			IS_INT(rc.longest_run, 7, "baseline of two: run of 7");
			IS_INT(rc.crossings, 3, "baseline of two: three crossings (= the limit)");
			IS_INT(rc.signal, KV_SIGNAL_NONE, "a run of exactly the limit, crossings exactly the limit: no signal");
		}
		v[9] = 0;				/* run of 8 below */
		{
			kv_run_chart rc = chart(v, 12, 2);

			IS_INT(rc.longest_run, 8, "run of 8");
			IS_INT(rc.crossings, 3, "still three crossings");
			IS_INT(rc.signal, KV_SIGNAL_YES, "a run of the limit + 1 signals");
		}
		v[9] = 10;
		v[3] = 10;				/* 0 10 0 10 0 ...: crossings go up, run goes down */
		{
			kv_run_chart rc = chart(v, 12, 2);

			IS_INT(rc.crossings, 5, "five crossings");
			IS_INT(rc.signal, KV_SIGNAL_NONE, "no signal with five crossings and a run of 5");
		}
	}
	/* the baseline: a centre from the first points only */
	{
		double		v[] = {10, 12, 11, 13, 20, 21, 22, 23};
		kv_run_chart rc = chart(v, 8, 4);

		OK(rc.centre == 11.5, "baseline 4: median of 10 12 11 13 is 11.5");
		IS_INT(rc.useful, 8, "baseline 4: all 8 useful");
		IS_INT(rc.longest_run, 5, "baseline 4: 13 20 21 22 23 above");
		IS_INT(rc.signal, KV_SIGNAL_UNKNOWN, "baseline 4: under 12 useful, nothing judged");
		rc = chart(v, 8, 100);
		OK(rc.centre == 16.5, "a baseline longer than the series is the whole series");
	}
	/* one value; no values */
	{
		double		v[] = {7};
		double		scratch[1];
		kv_run_chart rc = chart(v, 1, 0);

		OK(rc.centre == 7 && rc.useful == 0 && rc.crossings == 0 && rc.longest_run == 0,
		   "one value: the centre, nothing useful");
		IS_INT(kv_run_chart_compute(v, 0, 0, scratch, &rc), -1, "no values: no centre");
	}
	return unit_done();
}
