/*
 * test_control_chart.c - unit tests of src/core/control_chart.c against
 * values worked out by hand (docs/indicators.md section 10).
 */
#include "unit.h"
#include "control_chart.h"

#define NEAR(got, want, name) OK(fabs((got) - (want)) < 1e-9, name)

int
main(void)
{
	/* p chart: 2/100, 20/100, 38/100: centre 0.2, s = 0.04, limits 0.08 and 0.32 */
	{
		double		x[] = {2, 20, 38},
					d[] = {100, 100, 100};
		bool		use[] = {true, true, true};
		kv_control_point p[3];

		IS_INT(kv_control_limits(KV_CHART_P, x, d, use, 3, p), 3, "p: three points used");
		NEAR(p[0].centre, 0.2, "p: centre 0.2");
		NEAR(p[0].lower, 0.08, "p: lower 0.08");
		NEAR(p[0].upper, 0.32, "p: upper 0.32");
		OK(p[0].special_cause && !p[1].special_cause && p[2].special_cause, "p: 0.02 and 0.38 are special causes");

		/* p': z = -4.5, 0, 4.5; mean moving range 4.5; sigma_z = 4.5 / 1.128 */
		kv_control_limits(KV_CHART_P_PRIME, x, d, use, 3, p);
		NEAR(p[1].upper, 0.2 + 3 * 0.04 * 4.5 / 1.128, "p': upper widened by sigma_z");
		NEAR(p[1].lower, 0.0, "p': lower clipped to 0");
		OK(!p[0].special_cause && !p[2].special_cause, "p': no special cause once over-dispersion is allowed for");
	}
	/* denominators differ: limits per point; a point left out gets none */
	{
		double		x[] = {10, 5, 99, 30},
					d[] = {100, 25, 0, 400};
		bool		use[] = {true, true, true, false};
		kv_control_point p[4];

		IS_INT(kv_control_limits(KV_CHART_P, x, d, use, 4, p), 2, "p: a zero denominator and an unused point take no part");
		NEAR(p[0].centre, 15.0 / 125.0, "p: centre from the used points only");
		NEAR(p[1].upper - p[1].centre, 3 * sqrt(0.12 * 0.88 / 25), "p: wider limits for the smaller denominator");
		OK(!p[2].has_limits && !p[3].has_limits, "p: no limits for the points left out");
	}
	/* u chart: 5, 10, 30 events per 1000: centre 0.015, s = sqrt(0.015 / 1000) */
	{
		double		x[] = {5, 10, 30},
					d[] = {1000, 1000, 1000};
		bool		use[] = {true, true, true};
		kv_control_point p[3];
		double		s = sqrt(0.015 / 1000);

		kv_control_limits(KV_CHART_U, x, d, use, 3, p);
		NEAR(p[0].centre, 0.015, "u: centre 0.015");
		NEAR(p[0].lower, 0.015 - 3 * s, "u: lower");
		NEAR(p[0].upper, 0.015 + 3 * s, "u: upper");
		OK(!p[0].special_cause && !p[1].special_cause && p[2].special_cause, "u: 30 per 1000 is a special cause");
	}
	/* on the limit is not outside; a centre of 0 collapses the limits */
	{
		double		x[] = {0, 0},
					d[] = {10, 20};
		bool		use[] = {true, true};
		kv_control_point p[2];

		kv_control_limits(KV_CHART_P_PRIME, x, d, use, 2, p);
		OK(p[0].lower == 0 && p[0].upper == 0 && !p[0].special_cause, "p': all zero: limits 0, no special cause");
		IS_INT(kv_control_limits(KV_CHART_P, x, d, use, 0, p), 0, "no points: none used");
	}
	return unit_done();
}
