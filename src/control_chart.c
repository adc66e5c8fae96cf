/*
 * control_chart.c - kvalitet.p_chart, p_prime_chart and u_chart: control
 * limits per point of a series, as window functions (the limits need the
 * whole series, the answer is per row), over src/core/control_chart.c.
 *
 * Used as kvalitet.p_chart(numerator, denominator) OVER (PARTITION BY series
 * ORDER BY t): the window's partition is the series and its order the time
 * (p' charts use consecutive points).  The limits are computed once per
 * partition and kept in the partition's memory.
 */
#include "kvalitet.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/memutils.h"
#include "windowapi.h"

#include "control_chart.h"

PG_FUNCTION_INFO_V1(p_chart_window);
PG_FUNCTION_INFO_V1(p_prime_chart_window);
PG_FUNCTION_INFO_V1(u_chart_window);

typedef struct ChartPartition
{
	bool		done;
	kv_control_point *points;
} ChartPartition;

/* A point takes part when both values are there and make sense. */
static bool
usable_point(kv_chart_kind kind, bool xnull, double x, bool dnull, double d)
{
	if (xnull || dnull || isnan(x) || isnan(d) || x < 0.0 || d <= 0.0)
		return false;
	return kind == KV_CHART_U || x <= d;
}

static Datum
chart_window(FunctionCallInfo fcinfo, kv_chart_kind kind)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	ChartPartition *part = WinGetPartitionLocalMemory(winobj, sizeof(ChartPartition));
	kv_control_point *pt;
	Datum		v[4];
	bool		isnull[4] = {false};

	if (!part->done)
	{
		int64		n = WinGetPartitionRowCount(winobj);
		double	   *x = palloc_extended(Max(n, 1) * sizeof(double), MCXT_ALLOC_HUGE);
		double	   *d = palloc_extended(Max(n, 1) * sizeof(double), MCXT_ALLOC_HUGE);
		bool	   *use = palloc_extended(Max(n, 1) * sizeof(bool), MCXT_ALLOC_HUGE);

		for (int64 i = 0; i < n; i++)
		{
			bool		xnull,
						dnull,
						isout;
			Datum		xv = WinGetFuncArgInPartition(winobj, 0, (int) i, WINDOW_SEEK_HEAD, false, &xnull, &isout);
			Datum		dv = WinGetFuncArgInPartition(winobj, 1, (int) i, WINDOW_SEEK_HEAD, false, &dnull, &isout);

			x[i] = xnull ? 0.0 : DatumGetFloat8(xv);
			d[i] = dnull ? 0.0 : DatumGetFloat8(dv);
			use[i] = usable_point(kind, xnull, x[i], dnull, d[i]);
		}
		part->points = MemoryContextAllocHuge(GetMemoryChunkContext(part),
											  Max(n, 1) * sizeof(kv_control_point));
		kv_control_limits(kind, x, d, use, (size_t) n, part->points);
		pfree(x);
		pfree(d);
		pfree(use);
		part->done = true;
	}
	pt = &part->points[WinGetCurrentPosition(winobj)];
	if (!pt->has_limits)
		PG_RETURN_NULL();
	v[0] = Float8GetDatum(pt->centre);
	v[1] = Float8GetDatum(pt->lower);
	v[2] = Float8GetDatum(pt->upper);
	v[3] = BoolGetDatum(pt->special_cause);
	return kv_result_row(fcinfo, v, isnull);
}

/* p_chart(numerator, denominator): share charts, binomial limits. */
Datum
p_chart_window(PG_FUNCTION_ARGS)
{
	return chart_window(fcinfo, KV_CHART_P);
}

/* p_prime_chart(numerator, denominator): Laney's limits for large denominators. */
Datum
p_prime_chart_window(PG_FUNCTION_ARGS)
{
	return chart_window(fcinfo, KV_CHART_P_PRIME);
}

/* u_chart(events, exposure): rates, Poisson limits. */
Datum
u_chart_window(PG_FUNCTION_ARGS)
{
	return chart_window(fcinfo, KV_CHART_U);
}
