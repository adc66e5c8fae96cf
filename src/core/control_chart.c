/*
 * control_chart.c - p, p' and u chart limits (control_chart.h says what).
 */
#include "control_chart.h"

#include <math.h>

/* d2 for moving ranges of two: the mean range of two normal values / sigma */
#define D2_FOR_TWO 1.128

static double
clip(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

size_t
kv_control_limits(kv_chart_kind kind, const double *x, const double *d,
				  const bool *use, size_t n, kv_control_point *out)
{
	double		sum_x = 0.0,
				sum_d = 0.0,
				centre,
				sigma_z = 1.0;
	size_t		used = 0;

	for (size_t i = 0; i < n; i++)
	{
		out[i].has_limits = use[i] && d[i] > 0.0;
		if (!out[i].has_limits)
			continue;
		sum_x += x[i];
		sum_d += d[i];
		used++;
	}
	if (used == 0)
		return 0;
	centre = sum_x / sum_d;

	if (kind == KV_CHART_P_PRIME)
	{
		/* Laney: the spread of z between consecutive points */
		double		prev = 0.0,
					mr = 0.0;
		size_t		nmr = 0;
		bool		have_prev = false;
		double		s_unit = sqrt(centre * (1.0 - centre));

		for (size_t i = 0; i < n && s_unit > 0.0; i++)
		{
			double		z;

			if (!out[i].has_limits)
				continue;
			z = (x[i] / d[i] - centre) / (s_unit / sqrt(d[i]));
			if (have_prev)
			{
				mr += fabs(z - prev);
				nmr++;
			}
			prev = z;
			have_prev = true;
		}
		sigma_z = nmr > 0 ? mr / nmr / D2_FOR_TWO : 0.0;
	}

	for (size_t i = 0; i < n; i++)
	{
		double		s,
					value;

		if (!out[i].has_limits)
			continue;
		value = x[i] / d[i];
		out[i].centre = centre;
		if (kind == KV_CHART_U)
		{
			s = sqrt(centre / d[i]);
			out[i].lower = centre - 3.0 * s < 0.0 ? 0.0 : centre - 3.0 * s;
			out[i].upper = centre + 3.0 * s;
		}
		else
		{
			s = sqrt(centre * (1.0 - centre) / d[i]) * sigma_z;
			out[i].lower = clip(centre - 3.0 * s, 0.0, 1.0);
			out[i].upper = clip(centre + 3.0 * s, 0.0, 1.0);
		}
		out[i].special_cause = value < out[i].lower || value > out[i].upper;
	}
	return used;
}
