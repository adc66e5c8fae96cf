/*
 * control_chart.h - Shewhart control limits for proportions and rates
 * (docs/indicators.md section 10): p charts, Laney's p' charts and u charts.
 *
 * For one series of points i with numerator x_i and denominator n_i:
 *   p chart:  centre p = sum x / sum n; limits p +- 3 s_i, s_i =
 *             sqrt(p (1 - p) / n_i), clipped to [0, 1].
 *   p' chart: z_i = (x_i / n_i - p) / s_i; sigma_z = the mean moving range
 *             of z over consecutive points / 1.128; limits p +- 3 sigma_z s_i,
 *             clipped to [0, 1] (Laney 2002, for large denominators).
 *   u chart:  centre u = sum x / sum n; limits u +- 3 sqrt(u / n_i), the
 *             lower one at least 0.
 * A point outside its limits (strictly) is a special cause.  Points with no
 * numerator or a denominator that is not positive take no part and get no
 * limits.  Sources: Montgomery, Introduction to Statistical Quality Control;
 * Laney (2002), Quality Engineering 14(4): 531-537; the R package qicharts2.
 *
 * Pure C, no PostgreSQL headers; nothing here allocates or prints.
 */
#ifndef KV_CONTROL_CHART_H
#define KV_CONTROL_CHART_H

#include <stdbool.h>
#include <stddef.h>

typedef enum
{
	KV_CHART_P,
	KV_CHART_P_PRIME,
	KV_CHART_U
} kv_chart_kind;

typedef struct kv_control_point
{
	bool		has_limits;		/* false: the point takes no part */
	double		centre;
	double		lower;
	double		upper;
	bool		special_cause;
} kv_control_point;

/*
 * Limits for the n points (x[i], d[i]) in series order; use[i] false leaves
 * a point out.  out[] receives one entry per point.  Returns the number of
 * points used; with none, or a centre of 0 or (p charts) 1, the limits
 * collapse onto the centre.
 */
extern size_t kv_control_limits(kv_chart_kind kind, const double *x, const double *d,
								 const bool *use, size_t n, kv_control_point *out);

#endif							/* KV_CONTROL_CHART_H */
