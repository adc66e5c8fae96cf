/*
 * stats.c - normal quantile, Wilson and Garwood intervals
 * (docs/indicators.md section 7).
 *
 * The normal quantile is Wichura's algorithm AS241 (PPND16): three rational
 * approximations, for the centre and for the near and far tails.
 *
 * The Garwood limits are gamma quantiles, found by Newton iteration on
 * log P(a, x) (or log Q(a, x) for the upper tail).  Both are concave in x
 * for the shapes used here, so after the first step the iterates approach
 * the root from one side; a bracket and bisection guard against the rest.
 * P and Q come from the power series (x < a + 1) and from the continued
 * fraction (x >= a + 1).  Their common factor x^a e^-x / Gamma(a + 1) is
 * computed directly for small a and, for large a, in logarithms through
 * Stirling's series, so that the huge terms a log x and log Gamma(a + 1)
 * never cancel.  Above shape 1e10 the corrected Wilson-Hilferty formula is
 * already exact to double precision and replaces the iteration, whose
 * series would need O(sqrt(a)) terms.
 */
#include "stats.h"

#include <float.h>
#include <math.h>

/* Shapes above this use the corrected Wilson-Hilferty formula directly. */
#define KV_GAMMA_ASYMPTOTIC_SHAPE 1e10

/* Shapes from this one on take the Stirling route for log Gamma(a + 1). */
#define KV_GAMMA_STIRLING_SHAPE 20.0

#define KV_LOG_SQRT_2PI 0.91893853320467274178

/*
 * Evaluates a polynomial with coefficients c[0] + c[1] r + ... + c[n-1] r^(n-1)
 * by Horner's rule.
 */
static double
poly(const double *c, int n, double r)
{
	double		v = c[n - 1];

	for (int i = n - 2; i >= 0; i--)
		v = v * r + c[i];
	return v;
}

/*
 * AS241: for |p - 0.5| <= 0.425 a rational function of (p - 0.5)^2, beyond
 * that rational functions of r = sqrt(-log(min(p, 1 - p))), split at r = 5.
 */
double
kv_normal_quantile(double p)
{
	static const double centre_num[8] = {
		3.387132872796366608, 133.14166789178437745,
		1971.5909503065514427, 13731.693765509461125,
		45921.953931549871457, 67265.770927008700853,
		33430.575583588128105, 2509.0809287301226727
	};
	static const double centre_den[8] = {
		1.0, 42.313330701600911252,
		687.1870074920579083, 5394.1960214247511077,
		21213.794301586595867, 39307.89580009271061,
		28729.085735721942674, 5226.495278852545925
	};
	static const double near_num[8] = {
		1.42343711074968357734, 4.6303378461565452959,
		5.7694972214606914055, 3.64784832476320460504,
		1.27045825245236838258, 0.24178072517745061177,
		0.0227238449892691845833, 7.7454501427834140764e-4
	};
	static const double near_den[8] = {
		1.0, 2.05319162663775882187,
		1.6763848301838038494, 0.68976733498510000455,
		0.14810397642748007459, 0.0151986665636164571966,
		5.475938084995344946e-4, 1.05075007164441684324e-9
	};
	static const double far_num[8] = {
		6.6579046435011037772, 5.4637849111641143699,
		1.7848265399172913358, 0.29656057182850489123,
		0.026532189526576123093, 0.0012426609473880784386,
		2.71155556874348757815e-5, 2.01033439929228813265e-7
	};
	static const double far_den[8] = {
		1.0, 0.59983220655588793769,
		0.13692988092273580531, 0.0148753612908506148525,
		7.868691311456132591e-4, 1.8463183175100546818e-5,
		1.4215117583164458887e-7, 2.04426310338993978564e-15
	};
	double		q,
				r,
				z;

	if (!(p > 0.0 && p < 1.0))
		return NAN;

	q = p - 0.5;
	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		return q * poly(centre_num, 8, r) / poly(centre_den, 8, r);
	}

	r = sqrt(-log(q < 0.0 ? p : 1.0 - p));
	if (r <= 5.0)
	{
		r -= 1.6;
		z = poly(near_num, 8, r) / poly(near_den, 8, r);
	}
	else
	{
		r -= 5.0;
		z = poly(far_num, 8, r) / poly(far_den, 8, r);
	}
	return q < 0.0 ? -z : z;
}

/*
 * Checks a confidence level and returns alpha / 2 = (1 - level) / 2 through
 * *half_alpha.
 */
static kv_stats_status
check_level(double level, double *half_alpha)
{
	if (!(level > 0.0 && level < 1.0))
		return KV_STATS_BAD_LEVEL;
	*half_alpha = (1.0 - level) / 2.0;
	return KV_STATS_OK;
}

/*
 * Wilson bounds with n = den, k = num, f = n - k:
 *   (k + z^2/2 +- z sqrt(k f / n + z^2/4)) / (n + z^2).
 * The upper bound is a sum of positive terms.  The lower bound subtracts two
 * nearly equal numbers when k is small, so it is taken in the equivalent
 * form k^2 / (n (k + z^2/2 + z sqrt(...))), which has no cancellation and is
 * exactly 0 for k = 0.  Everything in long double: n up to 2^63 is exact in
 * the x87 format and k f stays far below its range limit.
 */
kv_stats_status
kv_wilson_interval(int64_t num, int64_t den, double level,
				   double *lower, double *upper)
{
	kv_stats_status st;
	double		half_alpha,
				z;
	long double n,
				k,
				f,
				z2,
				sum;
	double		lo,
				hi;

	if (num < 0 || den < 0 || num > den)
		return KV_STATS_BAD_COUNT;
	st = check_level(level, &half_alpha);
	if (st != KV_STATS_OK)
		return st;
	if (den == 0)
		return KV_STATS_NO_INTERVAL;

	z = -kv_normal_quantile(half_alpha);
	n = (long double) den;
	k = (long double) num;
	f = (long double) (den - num);
	z2 = (long double) z * (long double) z;
	sum = k + z2 / 2.0L + (long double) z * sqrtl(k * f / n + z2 / 4.0L);

	lo = (num == 0) ? 0.0 : (double) ((k / n) * (k / sum));
	hi = (num == den) ? 1.0 : (double) (sum / (n + z2));

	*lower = lo < 0.0 ? 0.0 : (lo > 1.0 ? 1.0 : lo);
	*upper = hi < 0.0 ? 0.0 : (hi > 1.0 ? 1.0 : hi);
	return KV_STATS_OK;
}

/*
 * t - log(1 + t) for t = x/a - 1, accurate for every x > 0: by the
 * alternating series t^2/2 - t^3/3 + ... for |t| < 0.25, where the direct
 * difference would lose every digit, and otherwise as t - log(x / a), which
 * unlike log1p(t) keeps its accuracy when x is a tiny fraction of a (t then
 * rounds to -1).
 */
static double
t_minus_log1p(double x, double a)
{
	double		t = (x - a) / a,
				term,
				sum;

	if (fabs(t) >= 0.25)
		return t - log(x / a);

	sum = 0.0;
	term = -t;
	for (int n = 2; n < 60; n++)
	{
		double		add;

		term *= -t;
		add = term / n;
		sum += add;
		if (fabs(add) <= fabs(sum) * 1e-17)
			break;
	}
	return sum;
}

/*
 * log Gamma(a + 1) - (a log a - a + log sqrt(2 pi a)): the remainder of
 * Stirling's formula, by its asymptotic series (good to 1e-17 for a >= 20).
 */
static double
stirling_remainder(double a)
{
	double		r = 1.0 / a,
				r2 = r * r;

	return r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 -
														r2 * (1.0 / 1680.0 - r2 / 1188.0))));
}

/*
 * log of D(a, x) = x^a e^-x / Gamma(a + 1), the factor shared by the series
 * and the continued fraction.  For large a it is written as
 * -a (t - log(1 + t)) - log sqrt(2 pi a) - stirling_remainder(a), with
 * t = (x - a) / a, so no large terms cancel.
 */
static double
log_prefactor(double a, double x)
{
	if (a < KV_GAMMA_STIRLING_SHAPE)
		return a * log(x) - x - lgamma(a + 1.0);
	return -a * t_minus_log1p(x, a) - KV_LOG_SQRT_2PI - 0.5 * log(a)
		- stirling_remainder(a);
}

/* Values of the incomplete gamma function at one point. */
typedef struct gamma_point
{
	double		p;				/* P(a, x) */
	double		q;				/* Q(a, x) */
	double		log_p;			/* log P(a, x) */
	double		log_q;			/* log Q(a, x) */
	double		log_pdf;		/* log of the Gamma(a) density at x */
} gamma_point;

/*
 * Upper bound on the iterations of the series and of the continued
 * fraction: both need O(sqrt(a)) terms when x is near a.
 */
static long
max_terms(double a)
{
	return 1000L + (long) (40.0 * sqrt(a));
}

/*
 * Series sum_{n>=0} x^n / ((a+1)...(a+n)), so that P(a, x) = D(a, x) * sum.
 * Returns a negative value when it fails to converge.
 */
static double
gamma_series(double a, double x)
{
	double		term = 1.0,
				sum = 1.0;
	long		limit = max_terms(a);

	for (long n = 1; n <= limit; n++)
	{
		term *= x / (a + n);
		sum += term;
		if (term <= sum * (DBL_EPSILON / 4.0))
			return sum;
	}
	return -1.0;
}

/*
 * Continued fraction
 *   1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...)))
 * so that Q(a, x) = a D(a, x) * value, evaluated forwards by the modified
 * Lentz method.  Returns a negative value when it fails to converge.
 */
static double
gamma_fraction(double a, double x)
{
	const double tiny = 1e-300;
	double		b = x + 1.0 - a,
				c = 1.0 / tiny,
				d = 1.0 / b,
				value = d;
	long		limit = max_terms(a);

	for (long i = 1; i <= limit; i++)
	{
		double		an = -(double) i * ((double) i - a);
		double		delta;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < tiny)
			d = tiny;
		c = b + an / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		delta = d * c;
		value *= delta;
		if (fabs(delta - 1.0) <= DBL_EPSILON)
			return value;
	}
	return -1.0;
}

/*
 * D(a, x) itself.  For small a, where it is representable, as
 * x^a e^-x / Gamma(a + 1) with pow, exp and tgamma, each good to an ulp or
 * so; exponentiating the logarithm instead would turn the logarithm's
 * rounding error (about |log D| ulps) into a relative error of D.  For large
 * a the Stirling form of the logarithm is accurate and small near the
 * quantiles, so exp(ld) is used.
 */
static double
prefactor(double a, double x, double ld)
{
	if (a < KV_GAMMA_STIRLING_SHAPE && x <= 700.0 && ld > -700.0 && ld < 700.0)
	{
		double		xa = a * log(x);

		if (xa > -700.0 && xa < 700.0)
			return pow(x, a) * exp(-x) / tgamma(a + 1.0);
	}
	return exp(ld);
}

/*
 * Fills *g with P, Q, their logarithms and the log density at x > 0.  Uses
 * the series below x = a + 1 and the continued fraction above, and takes
 * the other tail as one minus the first (which is then not small: for
 * a >= 1 it is at least e^-2).  The logarithms come from the values while
 * those are normal numbers, and from log D otherwise.
 */
static kv_stats_status
gamma_evaluate(double a, double x, gamma_point *g)
{
	double		ld = log_prefactor(a, x),
				d = prefactor(a, x, ld);

	g->log_pdf = log(a) + ld - log(x);
	if (x < a + 1.0)
	{
		double		s = gamma_series(a, x);

		if (s < 0.0)
			return KV_STATS_NO_CONVERGENCE;
		g->p = d * s;
		g->log_p = g->p >= DBL_MIN ? log(g->p) : ld + log(s);
		g->q = 1.0 - g->p;
		g->log_q = log1p(-g->p);
	}
	else
	{
		double		cf = gamma_fraction(a, x);

		if (cf < 0.0)
			return KV_STATS_NO_CONVERGENCE;
		g->q = a * d * cf;
		g->log_q = g->q >= DBL_MIN ? log(g->q) : log(a) + ld + log(cf);
		g->p = 1.0 - g->q;
		g->log_p = log1p(-g->q);
	}
	return KV_STATS_OK;
}

/*
 * P(a, x) through gamma_evaluate, with the edge cases x = 0 and x = inf.
 */
double
kv_gamma_p(double a, double x)
{
	gamma_point g;

	if (!(a > 0.0) || !(x >= 0.0) || isinf(a))
		return NAN;
	if (x == 0.0)
		return 0.0;
	if (isinf(x))
		return 1.0;
	if (gamma_evaluate(a, x, &g) != KV_STATS_OK)
		return NAN;
	return g.p;
}

/*
 * Q(a, x) through gamma_evaluate, with the edge cases x = 0 and x = inf.
 */
double
kv_gamma_q(double a, double x)
{
	gamma_point g;

	if (!(a > 0.0) || !(x >= 0.0) || isinf(a))
		return NAN;
	if (x == 0.0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	if (gamma_evaluate(a, x, &g) != KV_STATS_OK)
		return NAN;
	return g.q;
}

/*
 * Wilson-Hilferty approximation to the Gamma(a, 1) quantile at normal
 * deviate z, a (1 - 1/(9a) + z / (3 sqrt(a)))^3, plus the next Cornish-Fisher
 * correction -(z^3 - 3z) / (108 sqrt(a)), which makes its relative error
 * O(a^-2).  Returns a negative value when the cube's base is not positive
 * (small a, far lower tail).
 */
static double
wilson_hilferty(double a, double z)
{
	double		s = sqrt(a);
	double		base = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * s);

	if (base <= 0.0)
		return -1.0;
	return a * base * base * base - (z * z * z - 3.0 * z) / (108.0 * s);
}

/*
 * Gamma quantile by safeguarded Newton iteration on h(x) = log(P(a, x) / p)
 * (or log(Q(a, x) / p) for the upper tail); the ratio keeps h accurate as it
 * goes to zero, where a difference of two large logarithms would not.  The
 * start is the Wilson-Hilferty value, or for a small lower-tail target the
 * solution of x^a / Gamma(a + 1) = p, the leading term of P near 0, which
 * is also the answer when it lies below the normal doubles.  The
 * bracket [lo, hi] shrinks with every evaluation; a Newton step that leaves
 * it is replaced by bisection (geometric while the bracket spans a large
 * ratio, by steps of 1/16 while its lower end is still 0).
 */
kv_stats_status
kv_gamma_quantile(double a, double p, bool upper_tail, double *x_out)
{
	double		z,
				x,
				lo = 0.0,
				hi = INFINITY,
				target = log(p);

	if (!(a > 0.0) || isinf(a) || !(p > 0.0 && p < 1.0))
		return KV_STATS_BAD_ARGUMENT;

	z = upper_tail ? -kv_normal_quantile(p) : kv_normal_quantile(p);
	x = wilson_hilferty(a, z);
	if (a > KV_GAMMA_ASYMPTOTIC_SHAPE && x > 0.0)
	{
		*x_out = x;
		return KV_STATS_OK;
	}
	if (!upper_tail)
	{
		double		log_small = (target + lgamma(a + 1.0)) / a;

		/* below DBL_MIN the leading term is exact to working precision */
		if (log_small < -700.0)
		{
			*x_out = exp(log_small);
			return KV_STATS_OK;
		}
		if (x <= 0.0 || a < 1.0)
			x = exp(log_small);
	}
	if (!(x > 0.0) || isinf(x))
		x = a;

	for (int iter = 0; iter < 400; iter++)
	{
		gamma_point g;
		kv_stats_status st;
		double		tail,
					log_tail,
					h,
					slope,
					next;

		st = gamma_evaluate(a, x, &g);
		if (st != KV_STATS_OK)
			return st;
		tail = upper_tail ? g.q : g.p;
		log_tail = upper_tail ? g.log_q : g.log_p;
		h = tail >= DBL_MIN ? log(tail / p) : log_tail - target;
		if (h == 0.0)
		{
			*x_out = x;
			return KV_STATS_OK;
		}
		/* P rises with x, Q falls: move the bracket end on the right side */
		if ((h < 0.0) != upper_tail)
			lo = x;
		else
			hi = x;

		slope = exp(g.log_pdf - log_tail);
		if (upper_tail)
			slope = -slope;
		next = x - h / slope;
		if (fabs(next - x) <= 4.0 * DBL_EPSILON * x)
		{
			*x_out = next;
			return KV_STATS_OK;
		}

		if (!(next > lo && next < hi))
		{
			if (isinf(hi))
				next = 2.0 * x;
			else if (lo == 0.0)
				next = hi / 16.0;
			else if (hi / lo > 4.0)
				next = sqrt(lo * hi);
			else
				next = lo + (hi - lo) / 2.0;
		}
		if (!isinf(hi) && hi - lo <= 4.0 * DBL_EPSILON * hi)
		{
			*x_out = next;
			return KV_STATS_OK;
		}
		x = next;
	}
	return KV_STATS_NO_CONVERGENCE;
}

/*
 * Garwood limits: with alpha = 1 - level, the lower limit is the alpha/2
 * quantile of Gamma(k) and the upper limit the 1 - alpha/2 quantile of
 * Gamma(k + 1), i.e. half the chi-square quantiles on 2k and 2k + 2 degrees
 * of freedom.
 */
kv_stats_status
kv_poisson_interval(int64_t k, double level, double *lower, double *upper)
{
	kv_stats_status st;
	double		half_alpha,
				lo = 0.0,
				hi;

	if (k < 0)
		return KV_STATS_BAD_COUNT;
	st = check_level(level, &half_alpha);
	if (st != KV_STATS_OK)
		return st;

	if (k > 0)
	{
		st = kv_gamma_quantile((double) k, half_alpha, false, &lo);
		if (st != KV_STATS_OK)
			return st;
	}
	st = kv_gamma_quantile((double) k + 1.0, half_alpha, true, &hi);
	if (st != KV_STATS_OK)
		return st;

	*lower = lo;
	*upper = hi;
	return KV_STATS_OK;
}

kv_stats_status
kv_fay_feuer_interval(double y, double v, double wm, double level,
					  double *lower, double *upper)
{
	kv_stats_status st;
	double		half_alpha,
				lo = 0.0,
				hi;

	if (!(y >= 0.0) || !(v >= 0.0) || !(wm > 0.0) || !isfinite(y) || !isfinite(v) || !isfinite(wm))
		return KV_STATS_BAD_ARGUMENT;
	st = check_level(level, &half_alpha);
	if (st != KV_STATS_OK)
		return st;
	if (y > 0.0 && v > 0.0)
	{
		st = kv_gamma_quantile(y * y / v, half_alpha, false, &lo);
		if (st != KV_STATS_OK)
			return st;
		lo *= v / y;
	}
	st = kv_gamma_quantile((y + wm) * (y + wm) / (v + wm * wm), half_alpha, true, &hi);
	if (st != KV_STATS_OK)
		return st;
	*lower = lo;
	*upper = hi * (v + wm * wm) / (y + wm);
	return KV_STATS_OK;
}
