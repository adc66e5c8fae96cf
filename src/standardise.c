/*
 * standardise.c - age/sex-standardised rates (docs/indicators.md section 10):
 * kvalitet.direct_standardised_rate(events, population, standard_weight
 * [, per]) and kvalitet.indirect_standardised_ratio(observed, expected),
 * aggregates over the strata of one unit.
 *
 * Their states are float8 arrays (fixed width, not internal), so parallel
 * workers and Citus nodes hand partial sums to the combine functions.  The
 * intervals are src/core/stats.c's: Fay & Feuer's for the direct rate,
 * Garwood's on the observed count for the indirect ratio.
 *
 * kvalitet.pooled_strata(sexes, age_lows, events, populations, weights [,
 * min_population]) pools a unit's small strata before a direct
 * standardisation (src/core/strata.c).
 */
#include "kvalitet.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "stats.h"
#include "strata.h"

PG_FUNCTION_INFO_V1(direct_standardised_accum);
PG_FUNCTION_INFO_V1(direct_standardised_combine);
PG_FUNCTION_INFO_V1(direct_standardised_final);
PG_FUNCTION_INFO_V1(indirect_standardised_accum);
PG_FUNCTION_INFO_V1(indirect_standardised_combine);
PG_FUNCTION_INFO_V1(indirect_standardised_final);
PG_FUNCTION_INFO_V1(pooled_strata);

/* The direct state: sum w x / n, sum (w / n)^2 x, max w / n, sum w, per,
 * and the strata left out for want of a population. */
enum
{
	D_RATE, D_VAR, D_MAXWN, D_WEIGHT, D_PER, D_LEFT_OUT, D_LEN
};

/* The indirect state: observed, expected. */
enum
{
	I_OBSERVED, I_EXPECTED, I_LEN
};

/* The state's values, checked: a float8[] of len elements without NULLs. */
static float8 *
state_values(ArrayType *a, int len, const char *fname)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != len || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "%s: malformed state", fname); /* cannot happen */
	return (float8 *) ((char *) a + ARR_OVERHEAD_NONULLS(1));	/* no NULLs, one dimension */
}

/* The state to update: the argument itself inside an aggregate, else a copy. */
static ArrayType *
writable_state(FunctionCallInfo fcinfo, int argno)
{
	return AggCheckCallContext(fcinfo, NULL) ? PG_GETARG_ARRAYTYPE_P(argno)
		: PG_GETARG_ARRAYTYPE_P_COPY(argno);
}

/*
 * direct_standardised_accum(state, events, population, standard_weight
 * [, per]): one stratum.  A row with a NULL is left out; one whose
 * population is not positive has no rate and is left out and counted (one
 * warning); negative counts or weights are errors.
 */
Datum
direct_standardised_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, 0);
	float8	   *s = state_values(a, D_LEN, "kvalitet.direct_standardised_rate");
	double		x,
				n,
				w;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_ARRAYTYPE_P(a);
	x = (double) PG_GETARG_INT64(1);
	n = PG_GETARG_FLOAT8(2);
	w = PG_GETARG_FLOAT8(3);
	if (x < 0 || !(w >= 0) || isinf(w) || isnan(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet.direct_standardised_rate: events and standard_weight must not be negative"),
				 errdetail("The stratum has %.0f events and weight %g.", x, w)));
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		double		per = PG_GETARG_FLOAT8(4);

		if (!(per > 0.0) || isinf(per))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rate base \"per\" must be a positive number"),
					 errhint("Use 1000 for a rate per 1,000 persons.")));
		s[D_PER] = per;
	}
	if (!(n > 0.0))
	{
		s[D_LEFT_OUT] += 1.0;	/* no rate: counted in the final warning */
		PG_RETURN_ARRAYTYPE_P(a);
	}
	if (w == 0.0)
		PG_RETURN_ARRAYTYPE_P(a);
	s[D_RATE] += w * x / n;
	s[D_VAR] += (w / n) * (w / n) * x;
	s[D_MAXWN] = Max(s[D_MAXWN], w / n);
	s[D_WEIGHT] += w;
	PG_RETURN_ARRAYTYPE_P(a);
}

Datum
direct_standardised_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, 0);
	float8	   *s = state_values(a, D_LEN, "kvalitet.direct_standardised_rate");
	float8	   *t = state_values(PG_GETARG_ARRAYTYPE_P(1), D_LEN, "kvalitet.direct_standardised_rate");

	s[D_RATE] += t[D_RATE];
	s[D_VAR] += t[D_VAR];
	s[D_MAXWN] = Max(s[D_MAXWN], t[D_MAXWN]);
	s[D_WEIGHT] += t[D_WEIGHT];
	s[D_PER] = Max(s[D_PER], t[D_PER]);
	s[D_LEFT_OUT] += t[D_LEFT_OUT];
	PG_RETURN_ARRAYTYPE_P(a);
}

/*
 * The rate with weights scaled to sum to 1, per `per` (1,000 unless given),
 * with Fay & Feuer's 95 % interval; NULL when no stratum had a rate.
 */
Datum
direct_standardised_final(PG_FUNCTION_ARGS)
{
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), D_LEN, "kvalitet.direct_standardised_rate");
	double		w = s[D_WEIGHT],
				per = s[D_PER] > 0.0 ? s[D_PER] : 1000.0,
				y,
				lower,
				upper;

	if (s[D_LEFT_OUT] > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("kvalitet.direct_standardised_rate left out %.0f strata without a positive population",
						s[D_LEFT_OUT]),
				 errhint("Pool small strata with their neighbours before standardising.")));
	if (!(w > 0.0))
		PG_RETURN_NULL();
	y = s[D_RATE] / w;
	if (kv_fay_feuer_interval(y, s[D_VAR] / (w * w), s[D_MAXWN] / w, 0.95, &lower, &upper) != KV_STATS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kvalitet.direct_standardised_rate: cannot compute the interval")));
	return kv_rate_estimate(fcinfo, y * per, lower * per, upper * per);
}

/*
 * indirect_standardised_accum(state, observed, expected): one stratum of a
 * unit, expected = the stratum's denominator times the reference rate.
 */
Datum
indirect_standardised_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, 0);
	float8	   *s = state_values(a, I_LEN, "kvalitet.indirect_standardised_ratio");

	if (!PG_ARGISNULL(1))
	{
		if (PG_GETARG_INT64(1) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kvalitet.indirect_standardised_ratio: observed must not be negative")));
		s[I_OBSERVED] += (double) PG_GETARG_INT64(1);
	}
	if (!PG_ARGISNULL(2))
	{
		double		e = PG_GETARG_FLOAT8(2);

		if (!(e >= 0.0) || isinf(e))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kvalitet.indirect_standardised_ratio: expected must be a number of at least 0")));
		s[I_EXPECTED] += e;
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

Datum
indirect_standardised_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = writable_state(fcinfo, 0);
	float8	   *s = state_values(a, I_LEN, "kvalitet.indirect_standardised_ratio");
	float8	   *t = state_values(PG_GETARG_ARRAYTYPE_P(1), I_LEN, "kvalitet.indirect_standardised_ratio");

	s[I_OBSERVED] += t[I_OBSERVED];
	s[I_EXPECTED] += t[I_EXPECTED];
	PG_RETURN_ARRAYTYPE_P(a);
}

/* observed / expected with the Garwood 95 % interval of observed; NULL without expected. */
Datum
indirect_standardised_final(PG_FUNCTION_ARGS)
{
	float8	   *s = state_values(PG_GETARG_ARRAYTYPE_P(0), I_LEN, "kvalitet.indirect_standardised_ratio");
	double		e = s[I_EXPECTED],
				lower,
				upper;

	if (!(e > 0.0))
		PG_RETURN_NULL();
	if (s[I_OBSERVED] > (double) PG_INT64_MAX ||
		kv_poisson_interval((int64) s[I_OBSERVED], 0.95, &lower, &upper) != KV_STATS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kvalitet.indirect_standardised_ratio: cannot compute the interval")));
	return kv_rate_estimate(fcinfo, s[I_OBSERVED] / e, lower / e, upper / e);
}

/* One argument array of pooled_strata as Datums; NULL is an empty array. */
static int
strata_array(FunctionCallInfo fcinfo, int argno, Oid elmtype, int16 elmlen, bool elmbyval, char elmalign,
			 Datum **values, bool **nulls)
{
	ArrayType  *a;
	int			n;

	if (PG_ARGISNULL(argno))
	{
		*values = NULL;
		*nulls = NULL;
		return 0;
	}
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("kvalitet.pooled_strata: the arrays must have one dimension")));
	deconstruct_array(a, elmtype, elmlen, elmbyval, elmalign, values, nulls, &n);
	return n;
}

/* Strata in pooling order: sex (as bytes), then age band. */
typedef struct
{
	text	   *sex;
	kv_stratum	s;
} strata_entry;

static int
sex_cmp(text *a, text *b)
{
	int			la = VARSIZE_ANY_EXHDR(a),
				lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

static int
strata_entry_cmp(const void *a, const void *b)
{
	const strata_entry *x = a,
			   *y = b;
	int			c = sex_cmp(x->sex, y->sex);

	if (c != 0)
		return c;
	return x->s.age_low < y->s.age_low ? -1 : x->s.age_low > y->s.age_low;
}

/*
 * pooled_strata(sexes, age_lows, events, populations, weights [,
 * min_population]): the strata pooled, in sex and age order.  A stratum
 * without a sex or an age band is left out and counted in one warning;
 * negative or non-finite counts are errors.
 */
Datum
pooled_strata(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *sex,
			   *age,
			   *ev,
			   *pop,
			   *w;
	bool	   *sexn,
			   *agen,
			   *evn,
			   *popn,
			   *wn;
	int			n = strata_array(fcinfo, 0, TEXTOID, -1, false, TYPALIGN_INT, &sex, &sexn);
	double		min_population = PG_NARGS() > 5 && !PG_ARGISNULL(5) ? PG_GETARG_FLOAT8(5) : -1.0;
	strata_entry *e;
	kv_stratum *in,
			   *out;
	int			m = 0;
	size_t		npools;

	if (strata_array(fcinfo, 1, INT4OID, 4, true, TYPALIGN_INT, &age, &agen) != n ||
		strata_array(fcinfo, 2, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ev, &evn) != n ||
		strata_array(fcinfo, 3, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &pop, &popn) != n ||
		strata_array(fcinfo, 4, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &w, &wn) != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("kvalitet.pooled_strata: the arrays must be of the same length")));
	if (!(min_population >= 0.0) || isinf(min_population))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet.pooled_strata: min_population must be a number of at least 0")));

	e = palloc(Max(n, 1) * sizeof(strata_entry));
	for (int i = 0; i < n; i++)
	{
		double		x = evn[i] ? 0.0 : (double) DatumGetInt64(ev[i]),
					p = popn[i] ? 0.0 : DatumGetFloat8(pop[i]),
					wt = wn[i] ? 0.0 : DatumGetFloat8(w[i]);

		if (x < 0.0 || !(p >= 0.0) || !(wt >= 0.0) || isinf(p) || isinf(wt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("kvalitet.pooled_strata: events, populations and weights must be finite and not negative")));
		if (sexn[i] || agen[i])
			continue;
		e[m].sex = DatumGetTextPP(sex[i]);
		e[m].s.group = 0;
		e[m].s.age_low = DatumGetInt32(age[i]);
		e[m].s.events = x;
		e[m].s.population = p;
		e[m].s.weight = wt;
		m++;
	}
	if (m < n)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("kvalitet.pooled_strata left out %d strata without a sex or an age band", n - m)));
	qsort(e, m, sizeof(strata_entry), strata_entry_cmp);
	in = palloc(Max(m, 1) * sizeof(kv_stratum));
	out = palloc(Max(m, 1) * sizeof(kv_stratum));
	for (int i = 0; i < m; i++)
	{
		in[i] = e[i].s;
		in[i].group = i == 0 ? 0 : in[i - 1].group + (sex_cmp(e[i - 1].sex, e[i].sex) != 0);
	}
	npools = kv_pool_strata(in, m, min_population, out);

	InitMaterializedSRF(fcinfo, 0);
	for (size_t k = 0; k < npools; k++)
	{
		Datum		v[5];
		bool		isnull[5] = {false};
		int			first = 0;

		/* the pool's sex: that of the first stratum of its group */
		while (in[first].group != out[k].group)
			first++;
		v[0] = PointerGetDatum(e[first].sex);
		v[1] = Int32GetDatum(out[k].age_low);
		v[2] = Int64GetDatum((int64) llround(out[k].events));
		v[3] = Float8GetDatum(out[k].population);
		v[4] = Float8GetDatum(out[k].weight);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, isnull);
	}
	return (Datum) 0;
}
