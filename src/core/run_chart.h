/*
 * run_chart.h - Anhøj's run-chart rules for one series of values in time
 * order (docs/indicators.md section 10).
 *
 * The centre line is the median of the baseline (the first `baseline`
 * values; all of them by default).  Values exactly on the centre line are
 * not useful; the useful values form runs of consecutive values on the same
 * side.  The series signals non-random variation when its longest run is
 * longer than round(log2(n) + 3), or when it crosses the centre line fewer
 * times than the smallest c with P(Binomial(n - 1, 1/2) <= c) >= 0.05, n
 * being the number of useful values; under 12 useful values nothing is
 * judged.  Sources: Anhøj & Olesen (2014), PLoS ONE 9(11): e113825, and the
 * R package qicharts2.
 *
 * Pure C, no PostgreSQL headers; nothing here allocates or prints.
 */
#ifndef KV_RUN_CHART_H
#define KV_RUN_CHART_H

#include <stddef.h>

/* Fewer useful values than this: no signal is judged. */
#define KV_RUN_CHART_MIN_USEFUL 12

typedef enum
{
	KV_SIGNAL_UNKNOWN = -1,		/* fewer than KV_RUN_CHART_MIN_USEFUL useful values */
	KV_SIGNAL_NONE = 0,
	KV_SIGNAL_YES = 1
} kv_signal;

typedef struct kv_run_chart
{
	double		centre;
	int			useful;			/* values not on the centre line */
	int			longest_run;
	int			longest_run_limit;	/* a longer run signals */
	int			crossings;
	int			crossings_limit;	/* fewer crossings signal */
	kv_signal	signal;
	int			last_side;		/* side of the latest run: +1 above, -1 below, 0 none */
} kv_run_chart;

/* round(log2(useful) + 3); 0 when useful < 1. */
extern int	kv_longest_run_limit(long useful);

/*
 * The smallest c with P(Binomial(useful - 1, 1/2) <= c) >= 0.05, from the
 * exact distribution; 0 when useful < 2.
 */
extern int	kv_crossings_limit(long useful);

/*
 * The rules over values[0..n) in time order.  baseline: how many of the
 * first values give the median (0, or more than n: all).  scratch must hold
 * min(baseline, n) doubles (it receives a sorted copy of the baseline).
 * Returns 0, or -1 when n is 0 (no centre line).
 */
extern int	kv_run_chart_compute(const double *values, size_t n, size_t baseline,
								 double *scratch, kv_run_chart *out);

#endif							/* KV_RUN_CHART_H */
