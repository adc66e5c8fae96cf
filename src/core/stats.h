/*
 * stats.h - confidence intervals for kvalitet's results
 * (docs/indicators.md section 7).
 *
 * Pure C, no PostgreSQL headers.  Provides the inverse standard normal CDF,
 * the Wilson score interval for a proportion (kvalitet.proportion) and the
 * exact Garwood interval for a Poisson count (kvalitet.rate), together with
 * the regularized incomplete gamma function and its inverse on which the
 * Garwood limits rest.
 *
 * Functions that can fail return a kv_stats_status; the PostgreSQL layer
 * turns a status into an ereport() (or, for KV_STATS_NO_INTERVAL, into SQL
 * NULL).  Nothing here prints, aborts or allocates.
 */
#ifndef KV_STATS_H
#define KV_STATS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum kv_stats_status
{
	KV_STATS_OK = 0,
	KV_STATS_NO_INTERVAL,		/* denominator is 0: the result is SQL NULL */
	KV_STATS_BAD_LEVEL,			/* level not a finite number in (0, 1) */
	KV_STATS_BAD_COUNT,			/* negative count, or numerator > denominator */
	KV_STATS_BAD_ARGUMENT,		/* gamma shape <= 0, probability outside (0, 1) */
	KV_STATS_NO_CONVERGENCE		/* an iteration failed to converge (a bug) */
} kv_stats_status;

/*
 * Inverse of the standard normal CDF: the z with Phi(z) = p.  Relative
 * accuracy about 1e-15 over the whole double range.  p outside (0, 1), and
 * NaN, give NaN; p = 0.5 gives exactly 0.
 */
extern double kv_normal_quantile(double p);

/*
 * Wilson score interval for the proportion num/den at confidence level
 * `level` (e.g. 0.95), with z = kv_normal_quantile(1 - (1 - level) / 2).
 * Requires 0 <= num <= den; den may be as large as INT64_MAX.  Bounds lie in
 * [0, 1]; num = 0 gives *lower == 0 exactly and num = den gives *upper == 1
 * exactly.  den = 0 returns KV_STATS_NO_INTERVAL and leaves the outputs
 * untouched.
 */
extern kv_stats_status kv_wilson_interval(int64_t num, int64_t den, double level,
										  double *lower, double *upper);

/*
 * Exact (Garwood) confidence interval for the mean of a Poisson variable
 * observed as k events, at confidence `level`:
 *   lower = chi2_quantile(alpha/2, 2k) / 2     (0 when k = 0)
 *   upper = chi2_quantile(1 - alpha/2, 2k + 2) / 2
 * with alpha = 1 - level, i.e. gamma quantiles of shapes k and k + 1.  For
 * k up to 1e10 they come from inverting the incomplete gamma function
 * (relative accuracy about 1e-14; about a millisecond at the top of that
 * range); above 1e10 from the Wilson-Hilferty cube-root formula with its
 * next Cornish-Fisher correction, whose relative error there is below
 * 1e-15.  k < 0 returns KV_STATS_BAD_COUNT, a bad level KV_STATS_BAD_LEVEL;
 * on an error the outputs are left untouched.
 */
extern kv_stats_status kv_poisson_interval(int64_t k, double level,
										   double *lower, double *upper);

/*
 * Fay & Feuer's gamma interval for a directly standardised rate
 * y = sum_i w_i x_i / n_i (Statistics in Medicine 16 (1997) 791-801), given
 * y, its variance v = sum_i (w_i / n_i)^2 x_i and wm = max_i w_i / n_i:
 *   lower = (v / y) G(alpha/2; y^2 / v)                  (0 when y = 0)
 *   upper = ((v + wm^2) / (y + wm)) G(1 - alpha/2; (y + wm)^2 / (v + wm^2))
 * with G(p; a) the p-quantile of Gamma(a, 1).  With one stratum it is the
 * Garwood interval divided by n.  Needs y, v >= 0 and wm > 0, else
 * KV_STATS_BAD_ARGUMENT.
 */
extern kv_stats_status kv_fay_feuer_interval(double y, double v, double wm, double level,
											 double *lower, double *upper);

/*
 * Regularized incomplete gamma functions for shape a > 0 and x >= 0:
 * P(a, x) = gamma(a, x) / Gamma(a) and Q(a, x) = 1 - P(a, x).  P comes from
 * its power series for x < a + 1 and Q from its continued fraction above,
 * the other one as one minus it; so a small tail keeps its relative
 * accuracy (for a >= 1 the tail taken as a difference is at least e^-2).
 * Invalid arguments give NaN.
 */
extern double kv_gamma_p(double a, double x);
extern double kv_gamma_q(double a, double x);

/*
 * Quantile of the Gamma(a, 1) distribution: the x >= 0 with P(a, x) = p, or
 * with Q(a, x) = p when upper_tail is true (which is the accurate way to ask
 * for a quantile close to 1).  Needs a > 0 and 0 < p < 1, else
 * KV_STATS_BAD_ARGUMENT.  Safeguarded Newton iteration from a Wilson-Hilferty
 * (or small-x) start; relative accuracy about 1e-14.  A lower quantile below
 * the smallest normal double (small a, tiny p) is returned as the
 * subnormal or zero it rounds to.
 */
extern kv_stats_status kv_gamma_quantile(double a, double p, bool upper_tail,
										 double *x);

#endif							/* KV_STATS_H */
