/*
 * proportion.c - the kvalitet.proportion type, its accessors and aggregates.
 *
 * A proportion is an indicator's summary: how many of the counted units
 * (index stays, discharges, admissions) met the criterion.  Keeping the pair
 * instead of the ratio lets monthly values per unit roll up exactly to
 * quarters, years and regions (two-step aggregation), and the state is a
 * fixed-width, non-internal value, so parallel query and Citus can compute
 * partial aggregates and combine them.
 */
#include "kvalitet.h"

#include <math.h>

#include "access/htup_details.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "stats.h"

PG_FUNCTION_INFO_V1(proportion_in);
PG_FUNCTION_INFO_V1(proportion_out);
PG_FUNCTION_INFO_V1(proportion_recv);
PG_FUNCTION_INFO_V1(proportion_send);
PG_FUNCTION_INFO_V1(proportion_make);
PG_FUNCTION_INFO_V1(proportion_numerator);
PG_FUNCTION_INFO_V1(proportion_denominator);
PG_FUNCTION_INFO_V1(proportion_rate);
PG_FUNCTION_INFO_V1(proportion_wilson_lower);
PG_FUNCTION_INFO_V1(proportion_wilson_upper);
PG_FUNCTION_INFO_V1(proportion_eq);
PG_FUNCTION_INFO_V1(proportion_ne);
PG_FUNCTION_INFO_V1(proportion_add);
PG_FUNCTION_INFO_V1(proportion_accum);
PG_FUNCTION_INFO_V1(proportion_combine);
PG_FUNCTION_INFO_V1(poisson_rate);

static Proportion *
proportion_palloc(int64 numerator, int64 denominator)
{
	Proportion *p = (Proportion *) palloc(sizeof(Proportion));

	p->numerator = numerator;
	p->denominator = denominator;
	return p;
}

/* Report an invalid pair; `what` names the input for the message. */
static void
report_invalid(kv_proportion_status st, const char *what, const char *text)
{
	switch (st)
	{
		case KV_PROP_OK:
			return;
		case KV_PROP_OVERFLOW:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value \"%s\" is out of range for type %s", text, what),
					 errdetail("Numerator and denominator must each fit in a bigint.")));
			break;
		case KV_PROP_NEGATIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", what, text),
					 errdetail("Numerator and denominator cannot be negative.")));
			break;
		case KV_PROP_NUM_GT_DEN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", what, text),
					 errdetail("The numerator cannot exceed the denominator.")));
			break;
		case KV_PROP_SYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", what, text),
					 errhint("A proportion is written numerator/denominator, for example 37/412.")));
			break;
	}
}

/* Values built from parts (not text) fail with a value error, not a syntax error. */
static void
check_parts(int64 numerator, int64 denominator)
{
	kv_proportion_status st = kv_proportion_check(numerator, denominator);

	if (st != KV_PROP_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid proportion %lld/%lld",
						(long long) numerator, (long long) denominator),
				 errdetail("A proportion needs 0 <= numerator <= denominator.")));
}

Datum
proportion_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	kv_proportion parsed;

	report_invalid(kv_proportion_parse(text, &parsed), "kvalitet.proportion", text);
	PG_RETURN_PROPORTION_P(proportion_palloc(parsed.numerator, parsed.denominator));
}

Datum
proportion_out(PG_FUNCTION_ARGS)
{
	Proportion *p = PG_GETARG_PROPORTION_P(0);
	char	   *buf = palloc(KV_PROPORTION_TEXT_MAX);

	kv_proportion_format(p, buf);
	PG_RETURN_CSTRING(buf);
}

/* Binary form: two big-endian int64s, validated like the text form. */
Datum
proportion_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		numerator = pq_getmsgint64(buf);
	int64		denominator = pq_getmsgint64(buf);

	if (kv_proportion_check(numerator, denominator) != KV_PROP_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external kvalitet.proportion value"),
				 errdetail("A proportion needs 0 <= numerator <= denominator.")));
	PG_RETURN_PROPORTION_P(proportion_palloc(numerator, denominator));
}

Datum
proportion_send(PG_FUNCTION_ARGS)
{
	Proportion *p = PG_GETARG_PROPORTION_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, p->numerator);
	pq_sendint64(&buf, p->denominator);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
proportion_make(PG_FUNCTION_ARGS)
{
	int64		numerator = PG_GETARG_INT64(0);
	int64		denominator = PG_GETARG_INT64(1);

	check_parts(numerator, denominator);
	PG_RETURN_PROPORTION_P(proportion_palloc(numerator, denominator));
}

Datum
proportion_numerator(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_PROPORTION_P(0)->numerator);
}

Datum
proportion_denominator(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(PG_GETARG_PROPORTION_P(0)->denominator);
}

/* The rate is undefined (NULL) when nothing was counted. */
Datum
proportion_rate(PG_FUNCTION_ARGS)
{
	Proportion *p = PG_GETARG_PROPORTION_P(0);

	if (p->denominator == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) p->numerator / (double) p->denominator);
}

/* Wilson score interval bounds; NULL when the denominator is 0. */
static bool
wilson(FunctionCallInfo fcinfo, double *lower, double *upper)
{
	Proportion *p = PG_GETARG_PROPORTION_P(0);
	double		level = PG_GETARG_FLOAT8(1);

	kv_check_level(level);
	if (p->denominator == 0)
		return false;
	return kv_wilson_interval(p->numerator, p->denominator, level,
							  lower, upper) == 0;
}

Datum
proportion_wilson_lower(PG_FUNCTION_ARGS)
{
	double		lower,
				upper;

	if (!wilson(fcinfo, &lower, &upper))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(lower);
}

Datum
proportion_wilson_upper(PG_FUNCTION_ARGS)
{
	double		lower,
				upper;

	if (!wilson(fcinfo, &lower, &upper))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(upper);
}

Datum
proportion_eq(PG_FUNCTION_ARGS)
{
	Proportion *a = PG_GETARG_PROPORTION_P(0);
	Proportion *b = PG_GETARG_PROPORTION_P(1);

	PG_RETURN_BOOL(a->numerator == b->numerator &&
				   a->denominator == b->denominator);
}

Datum
proportion_ne(PG_FUNCTION_ARGS)
{
	Proportion *a = PG_GETARG_PROPORTION_P(0);
	Proportion *b = PG_GETARG_PROPORTION_P(1);

	PG_RETURN_BOOL(a->numerator != b->numerator ||
				   a->denominator != b->denominator);
}

static void
add_or_report(Proportion *into, const Proportion *add)
{
	if (!kv_proportion_add(into, add))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kvalitet.proportion out of range"),
				 errdetail("The sum of the counts does not fit in a bigint.")));
}

/* a + b: numerators and denominators added. */
Datum
proportion_add(PG_FUNCTION_ARGS)
{
	Proportion *a = PG_GETARG_PROPORTION_P(0);
	Proportion *b = PG_GETARG_PROPORTION_P(1);
	Proportion *sum = proportion_palloc(a->numerator, a->denominator);

	add_or_report(sum, b);
	PG_RETURN_PROPORTION_P(sum);
}

/*
 * The state to update: in aggregate context the state is ours (nodeAgg
 * copied the initial value into the aggregate context), so it is updated in
 * place instead of allocating 16 bytes per row; outside, a fresh copy.
 */
static Proportion *
writable_state(FunctionCallInfo fcinfo)
{
	Proportion *state = PG_GETARG_PROPORTION_P(0);

	if (AggCheckCallContext(fcinfo, NULL))
		return state;
	return proportion_palloc(state->numerator, state->denominator);
}

/* proportion(boolean): true counts in both parts, false in the denominator. */
Datum
proportion_accum(PG_FUNCTION_ARGS)
{
	Proportion *state = writable_state(fcinfo);
	bool		hit = PG_GETARG_BOOL(1);
	Proportion	one = {hit ? 1 : 0, 1};

	add_or_report(state, &one);
	PG_RETURN_PROPORTION_P(state);
}

/* Combine function of both aggregates, and transition function of rollup. */
Datum
proportion_combine(PG_FUNCTION_ARGS)
{
	Proportion *state = writable_state(fcinfo);
	Proportion *other = PG_GETARG_PROPORTION_P(1);

	add_or_report(state, other);
	PG_RETURN_PROPORTION_P(state);
}

/*
 * kvalitet.rate(events, population, per, level): events per `per` persons
 * with an exact (Garwood) Poisson interval, as a (value, lower, upper) row.
 */
Datum
poisson_rate(PG_FUNCTION_ARGS)
{
	int64		events = PG_GETARG_INT64(0);
	int64		population = PG_GETARG_INT64(1);
	double		per = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
														 PG_GETARG_DATUM(2)));
	double		level = PG_GETARG_FLOAT8(3);
	double		lower,
				upper;

	if (events < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of events cannot be negative"),
				 errdetail("The events given were %lld.", (long long) events)));
	if (population <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("population must be positive"),
				 errdetail("The population given was %lld.", (long long) population)));
	if (!(per > 0.0) || isinf(per))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rate base \"per\" must be a positive number"),
				 errhint("Use 1000 for a rate per 1,000 persons.")));
	kv_check_level(level);

	if (kv_poisson_interval(events, level, &lower, &upper) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cannot compute a Poisson interval for %lld events",
						(long long) events)));

	return kv_rate_estimate(fcinfo, (double) events / (double) population * per,
							lower / (double) population * per, upper / (double) population * per);
}
