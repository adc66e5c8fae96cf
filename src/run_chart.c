/*
 * run_chart.c - kvalitet.run_chart(value [, baseline_points] ORDER BY t):
 * Anhøj's run-chart rules over one series (src/core/run_chart.c).
 *
 * The state is the series' values in the order the call gives them.  Order
 * is the point, so the aggregate insists on ORDER BY inside the call (or a
 * window's ORDER BY), and it has no combine function: partial states of an
 * ordered series cannot be merged, and PostgreSQL never splits an ordered
 * aggregate anyway.  NULL values are ignored; NaN values too, counted in
 * one warning.
 */
#include "kvalitet.h"

#include <math.h>

#include "nodes/primnodes.h"
#include "utils/builtins.h"

#include "run_chart.h"

PG_FUNCTION_INFO_V1(run_chart_accum);
PG_FUNCTION_INFO_V1(run_chart_final);

typedef struct RunChartState
{
	int64		n;
	int64		capacity;
	double	   *values;
	int32		baseline;		/* 0: all points */
	bool		baseline_set;
	int64		nan;			/* NaN values ignored */
} RunChartState;

static RunChartState *
run_chart_state(FunctionCallInfo fcinfo, MemoryContext aggcontext)
{
	RunChartState *st;
	Aggref	   *aggref = AggGetAggref(fcinfo);

	/* A plain aggregate call must say its order; a window gives its own. */
	if (aggref != NULL && aggref->aggorder == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("kvalitet.run_chart needs its points in time order"),
				 errhint("Write kvalitet.run_chart(value ORDER BY t).")));
	st = MemoryContextAllocZero(aggcontext, sizeof(RunChartState));
	st->capacity = 64;
	st->values = MemoryContextAlloc(aggcontext, st->capacity * sizeof(double));
	return st;
}

/* run_chart_accum(state, value [, baseline_points]) */
Datum
run_chart_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	RunChartState *st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("kvalitet aggregate transition function called in non-aggregate context")));
	st = PG_ARGISNULL(0) ? run_chart_state(fcinfo, aggcontext) : (RunChartState *) PG_GETARG_POINTER(0);

	if (PG_NARGS() > 2 && !PG_ARGISNULL(2) && !st->baseline_set)
	{
		int32		baseline = PG_GETARG_INT32(2);

		if (baseline < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kvalitet.run_chart: baseline_points must be at least 1, not %d", baseline),
					 errhint("Pass NULL, or leave it out, for a centre line over all points.")));
		st->baseline = baseline;
		st->baseline_set = true;
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	if (isnan(PG_GETARG_FLOAT8(1)))
	{
		st->nan++;
		PG_RETURN_POINTER(st);
	}
	if (st->n == PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("kvalitet.run_chart: a series of more than %d points", PG_INT32_MAX)));
	if (st->n == st->capacity)
	{
		st->capacity *= 2;
		st->values = repalloc_huge(st->values, st->capacity * sizeof(double));
	}
	st->values[st->n++] = PG_GETARG_FLOAT8(1);
	PG_RETURN_POINTER(st);
}

/* The result row kvalitet.run_chart_result; NULL when no point had a value. */
Datum
run_chart_final(PG_FUNCTION_ARGS)
{
	RunChartState *st;
	kv_run_chart rc;
	Datum		v[7];
	bool		isnull[7] = {false};
	double	   *scratch;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RunChartState *) PG_GETARG_POINTER(0);
	if (st->nan > 0)
		ereport(WARNING,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_plural("kvalitet.run_chart ignored " INT64_FORMAT " NaN value",
								"kvalitet.run_chart ignored " INT64_FORMAT " NaN values",
								st->nan, st->nan),
				 errhint("Give a missing point as NULL.")));
	if (st->n == 0)
		PG_RETURN_NULL();
	scratch = palloc_extended(st->n * sizeof(double), MCXT_ALLOC_HUGE);
	kv_run_chart_compute(st->values, (size_t) st->n, (size_t) st->baseline, scratch, &rc);
	pfree(scratch);

	v[0] = Float8GetDatum(rc.centre);
	v[1] = Int32GetDatum(rc.useful);
	v[2] = Int32GetDatum(rc.longest_run);
	v[3] = Int32GetDatum(rc.longest_run_limit);
	v[4] = Int32GetDatum(rc.crossings);
	v[5] = Int32GetDatum(rc.crossings_limit);
	v[6] = BoolGetDatum(rc.signal == KV_SIGNAL_YES);
	isnull[6] = rc.signal == KV_SIGNAL_UNKNOWN;
	return kv_result_row(fcinfo, v, isnull);
}
