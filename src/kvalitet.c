/*
 * kvalitet.c - module entry point and settings of kvalitet.
 */
#include "kvalitet.h"

#include "funcapi.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load: each feature file defines its own settings, and this is the
 * one place that calls them, in order.
 */
void
_PG_init(void)
{
	kv_codes_init();
	kv_stays_define_settings();
	kv_calendar_define_settings();
	/* Last: from here on an unknown kvalitet.* setting is an error. */
	MarkGUCPrefixReserved("kvalitet");
}

/*
 * Reject a confidence level outside (0, 1): an interval at level 1 would be
 * infinitely wide, and a level written as 95 instead of 0.95 is a common slip.
 */
void
kv_check_level(double level)
{
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1 exclusive"),
				 errdetail("The level given was %g.", level),
				 errhint("Write 95%% as 0.95.")));
}

/* The composite result of the calling function (its declared row type). */
Datum
kv_result_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "kvalitet: the result type is not composite");	/* cannot happen */
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

Datum
kv_rate_estimate(FunctionCallInfo fcinfo, double value, double lower, double upper)
{
	Datum		v[3] = {Float8GetDatum(value), Float8GetDatum(lower), Float8GetDatum(upper)};
	bool		nulls[3] = {false, false, false};

	return kv_result_row(fcinfo, v, nulls);
}
