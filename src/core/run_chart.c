/*
 * run_chart.c - Anhøj's run-chart rules (run_chart.h says what and why).
 */
#include "run_chart.h"

#include <math.h>
#include <stdlib.h>

int
kv_longest_run_limit(long useful)
{
	if (useful < 1)
		return 0;
	/* log2(n) + 3 is never exactly x.5 for an integer n, so rounding is plain */
	return (int) floor(log2((double) useful) + 3.0 + 0.5);
}

/*
 * The exact binomial CDF with p = 1/2 summed upwards.  Terms more than ten
 * standard deviations below the mean (sd = sqrt(m) / 2) are below 1e-20 in
 * all, so the sum starts there; its first term comes from lgamma and the
 * rest from the ratio pmf(k + 1) / pmf(k) = (m - k) / (k + 1).  P(X <= c)
 * is never exactly 0.05 (2^m / 20 is not an integer), so rounding errors of
 * 1e-9 cannot move the answer.
 */
int
kv_crossings_limit(long useful)
{
	double		m,
				logp,
				cdf = 0.0;
	long		k,
				first;

	if (useful < 2)
		return 0;
	m = (double) (useful - 1);
	first = (long) floor(m / 2.0 - 5.0 * sqrt(m));
	if (first < 0)
		first = 0;
	logp = lgamma(m + 1.0) - lgamma((double) first + 1.0) - lgamma(m - (double) first + 1.0)
		- m * log(2.0);
	for (k = first; k < (long) m; k++)
	{
		cdf += exp(logp);
		if (cdf >= 0.05)
			return (int) k;
		logp += log(m - (double) k) - log((double) k + 1.0);
	}
	return (int) m;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

int
kv_run_chart_compute(const double *values, size_t n, size_t baseline,
					 double *scratch, kv_run_chart *out)
{
	size_t		nb = (baseline == 0 || baseline > n) ? n : baseline;
	int			side = 0,
				run = 0,
				runs = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < nb; i++)
		scratch[i] = values[i];
	qsort(scratch, nb, sizeof(double), cmp_double);
	out->centre = nb % 2 ? scratch[nb / 2] : (scratch[nb / 2 - 1] + scratch[nb / 2]) / 2.0;

	out->useful = 0;
	out->longest_run = 0;
	for (size_t i = 0; i < n; i++)
	{
		int			s = values[i] > out->centre ? 1 : values[i] < out->centre ? -1 : 0;

		if (s == 0)
			continue;			/* on the centre line: not useful */
		out->useful++;
		if (s == side)
			run++;
		else
		{
			side = s;
			run = 1;
			runs++;
		}
		if (run > out->longest_run)
			out->longest_run = run;
	}
	out->crossings = runs > 0 ? runs - 1 : 0;
	out->last_side = side;
	out->longest_run_limit = kv_longest_run_limit(out->useful);
	out->crossings_limit = kv_crossings_limit(out->useful);
	if (out->useful < KV_RUN_CHART_MIN_USEFUL)
		out->signal = KV_SIGNAL_UNKNOWN;
	else
		out->signal = (out->longest_run > out->longest_run_limit ||
					   out->crossings < out->crossings_limit) ? KV_SIGNAL_YES : KV_SIGNAL_NONE;
	return 0;
}
