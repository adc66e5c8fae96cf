/*
 * test_stats.c - unit tests for src/core/stats.c: normal quantile, Wilson
 * score interval, incomplete gamma function and Garwood Poisson interval.
 *
 * Reference values and where they come from:
 *  - "published": textbook constants (z 1.959963984540054 for 97.5 %,
 *    2.5758293035489 for 99.5 %, 1.2815515655446004 for 90 %), and the
 *    exact Poisson confidence limits as printed (6 decimals) in published
 *    tables of Garwood's limits;
 *  - "mpmath": computed once with mpmath 1.3 at 40-50 significant digits,
 *    with an algorithm of its own (erfinv / ncdf for the normal quantile,
 *    hyp1f1 for the incomplete gamma function, the closed Wilson formula
 *    c +- h in 50-digit arithmetic);
 *  - closed forms evaluated here with libm (-log(alpha/2), erf, erfc,
 *    Poisson sums), independent of the code under test.
 */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "unit.h"

/* |got - want| <= rel * |want|, printed like IS_NEAR. */
#define IS_REL(got, want, rel, name) \
	IS_NEAR((got), (want), (rel) * fabs((double) (want)), (name))

static void
test_normal_quantile(void)
{
	double		prev;
	int			bad;

	/* published */
	IS_REL(kv_normal_quantile(0.975), 1.959963984540054, 1e-14, "z(0.975)");
	IS_REL(kv_normal_quantile(0.995), 2.5758293035489, 1e-13, "z(0.995)");
	IS_REL(kv_normal_quantile(0.9), 1.2815515655446004, 1e-14, "z(0.9)");
	IS_REL(kv_normal_quantile(0.025), -1.959963984540054, 1e-14, "z(0.025)");
	/* mpmath, 40 digits */
	IS_REL(kv_normal_quantile(1e-10), -6.3613409024040562047, 1e-14, "z(1e-10)");
	IS_REL(kv_normal_quantile(1e-20), -9.2623400897984075737, 1e-14, "z(1e-20)");
	IS_REL(kv_normal_quantile(1e-300), -37.047096299361199237, 1e-13, "z(1e-300)");
	IS_REL(kv_normal_quantile(4.9406564584124654e-324), -38.467405617144346251, 1e-13,
		   "z(smallest subnormal)");
	IS_REL(kv_normal_quantile(1.0 - DBL_EPSILON / 2.0), 8.2095361516013868556, 1e-13,
		   "z(1 - 2^-53)");
	IS_REL(kv_normal_quantile(0.0005), -3.2905267314918947932, 1e-14, "z(0.0005)");
	IS_REL(kv_normal_quantile(0.8), 0.84162123357291420518, 1e-14, "z(0.8)");
	OK(kv_normal_quantile(0.5) == 0.0, "z(0.5) is exactly 0");

	OK(isnan(kv_normal_quantile(0.0)), "z(0) is NaN");
	OK(isnan(kv_normal_quantile(1.0)), "z(1) is NaN");
	OK(isnan(kv_normal_quantile(-0.1)), "z(-0.1) is NaN");
	OK(isnan(kv_normal_quantile(1.5)), "z(1.5) is NaN");
	OK(isnan(kv_normal_quantile(NAN)), "z(NaN) is NaN");

	/* Phi(z(p)) = p with libm's erfc, over p from 1e-300 to 1 - 1e-6 */
	bad = 0;
	for (double e = -300.0; e <= 0.0; e += 0.25)
	{
		double		p = pow(10.0, e) * 0.5,
					z = kv_normal_quantile(p),
					back = 0.5 * erfc(-z / sqrt(2.0));

		if (!(fabs(back / p - 1.0) <= 1e-13 * (1.0 + z * z)))
		{
			if (bad++ < 3)
				printf("# p %.17g: Phi(z) %.17g\n", p, back);
		}
	}
	IS_INT(bad, 0, "Phi(z(p)) = p for p = 0.5 * 10^e, e = -300 .. 0");

	/* symmetry and monotonicity on a fine grid */
	bad = 0;
	prev = -INFINITY;
	for (int i = 1; i < 4096; i++)
	{
		double		p = i / 4096.0,
					z = kv_normal_quantile(p);

		if (z != -kv_normal_quantile(1.0 - p) || !(z > prev))
			bad++;
		prev = z;
	}
	IS_INT(bad, 0, "z(p) = -z(1-p) and strictly increasing on i/4096");
}

/*
 * The Wilson bounds in the textbook form c -+ h, in long double; fine as a
 * second opinion where p is not tiny.
 */
static void
wilson_textbook(int64_t k, int64_t n, double level, double *lo, double *hi)
{
	long double z = -kv_normal_quantile((1.0 - level) / 2.0),
				nn = (long double) n,
				p = (long double) k / nn,
				z2 = z * z,
				c = (p + z2 / (2 * nn)) / (1 + z2 / nn),
				h = z / (1 + z2 / nn) * sqrtl(p * (1 - p) / nn + z2 / (4 * nn * nn));

	*lo = (double) (c - h);
	*hi = (double) (c + h);
}

/* Checks one Wilson interval against mpmath values. */
static void
wilson_is(int64_t k, int64_t n, double level, double want_lo, double want_hi,
		  const char *name)
{
	double		lo = -1.0,
				hi = -1.0;
	char		buf[160];

	snprintf(buf, sizeof(buf), "%s: status", name);
	IS_INT(kv_wilson_interval(k, n, level, &lo, &hi), KV_STATS_OK, buf);
	snprintf(buf, sizeof(buf), "%s: lower", name);
	if (want_lo == 0.0)
		OK(lo == 0.0, buf);
	else
		IS_REL(lo, want_lo, 1e-14, buf);
	snprintf(buf, sizeof(buf), "%s: upper", name);
	if (want_hi == 1.0)
		OK(hi == 1.0, buf);
	else
		IS_REL(hi, want_hi, 1e-14, buf);
}

/* splitmix64, seeded, for repeatable random cases. */
static uint64_t rng_state = 7;

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void
test_wilson(void)
{
	double		lo = -7.0,
				hi = -7.0,
				lo2,
				hi2;
	int			bad_sym = 0,
				bad_order = 0,
				bad_textbook = 0,
				bad_level = 0;

	/* mpmath, closed formula at 50 digits */
	wilson_is(37, 412, 0.95, 0.06585591872396812, 0.12133431247964651, "37/412 at 95%");
	wilson_is(37, 412, 0.99, 0.059731486918013292049, 0.13288240469902997504, "37/412 at 99%");
	wilson_is(37, 412, 0.9, 0.069234591742500563977, 0.11572928121471276171, "37/412 at 90%");
	wilson_is(0, 10, 0.95, 0.0, 0.27753279986288917, "0/10 at 95%");
	wilson_is(0, 10, 0.99, 0.0, 0.39885409330490814715, "0/10 at 99%");
	wilson_is(10, 10, 0.95, 0.72246720013711083, 1.0, "10/10 at 95%");
	wilson_is(0, 1, 0.95, 0.0, 0.79345068562276261203, "0/1 at 95%");
	wilson_is(1, 1, 0.95, 0.20654931437723738797, 1.0, "1/1 at 95%");
	wilson_is(1, 1000000000000LL, 0.95, 1.7652455493517478e-13, 5.66493426573651e-12,
			  "1/1e12 at 95%");
	wilson_is(5, 7, 0.99, 0.27807585064470974, 0.9419478200720384, "5/7 at 99%");
	wilson_is(1, 2, 0.5, 0.28475888458196231, 0.71524111541803769, "1/2 at 50%");
	wilson_is(3, INT64_C(4611686018427387904), 0.95, 2.2123594804319285e-19,
			  1.9127902587214472e-18, "3/2^62 at 95%");
	wilson_is(INT64_C(2305843009213693952), INT64_C(4611686018427387904), 0.999,
			  0.49999999923386454, 0.50000000076613546, "2^61/2^62 at 99.9%");
	wilson_is(1, INT64_MAX, 0.95, 1.9138830595772956772e-20, 6.1419340379234545005e-19,
			  "1/(2^63-1) at 95%");
	wilson_is(INT64_C(4611686018427387903), INT64_C(4611686018427387904), 0.95,
			  0.99999999999999999877, 0.99999999999999999996, "(2^62-1)/2^62 at 95%");
	wilson_is(INT64_MAX, INT64_MAX, 0.95, 0.99999999999999999958, 1.0,
			  "(2^63-1)/(2^63-1) at 95%");

	/* errors */
	IS_INT(kv_wilson_interval(0, 0, 0.95, &lo, &hi), KV_STATS_NO_INTERVAL,
		   "0/0 has no interval");
	OK(lo == -7.0 && hi == -7.0, "0/0 leaves the outputs alone");
	IS_INT(kv_wilson_interval(-1, 10, 0.95, &lo, &hi), KV_STATS_BAD_COUNT, "negative numerator");
	IS_INT(kv_wilson_interval(11, 10, 0.95, &lo, &hi), KV_STATS_BAD_COUNT, "numerator > denominator");
	IS_INT(kv_wilson_interval(0, -1, 0.95, &lo, &hi), KV_STATS_BAD_COUNT, "negative denominator");
	IS_INT(kv_wilson_interval(1, 10, 0.0, &lo, &hi), KV_STATS_BAD_LEVEL, "level 0");
	IS_INT(kv_wilson_interval(1, 10, 1.0, &lo, &hi), KV_STATS_BAD_LEVEL, "level 1");
	IS_INT(kv_wilson_interval(1, 10, -0.5, &lo, &hi), KV_STATS_BAD_LEVEL, "level -0.5");
	IS_INT(kv_wilson_interval(1, 10, 95.0, &lo, &hi), KV_STATS_BAD_LEVEL, "level 95");
	IS_INT(kv_wilson_interval(1, 10, NAN, &lo, &hi), KV_STATS_BAD_LEVEL, "level NaN");
	IS_INT(kv_wilson_interval(1, 10, INFINITY, &lo, &hi), KV_STATS_BAD_LEVEL, "level inf");
	IS_INT(kv_wilson_interval(0, 0, 2.0, &lo, &hi), KV_STATS_BAD_LEVEL,
		   "a bad level is reported even for 0/0");

	/*
	 * Random k/n with n up to 2^62: lower(k, n) = 1 - upper(n - k, n) to a
	 * few ulps (long double is only double under valgrind),
	 * 0 <= lower <= k/n <= upper <= 1, a higher level gives a wider
	 * interval, and for n <= 10^6 with k not small the textbook form agrees.
	 */
	for (int i = 0; i < 20000; i++)
	{
		int			bits = 1 + (int) (rng_next() % 62);
		int64_t		n = (int64_t) (rng_next() >> (64 - bits)) + 1,
					k = (int64_t) (rng_next() % (uint64_t) (n + 1));
		double		level = (i % 2) ? 0.95 : 0.5 + 0.49999 * (double) (rng_next() >> 11) / 9007199254740992.0;
		double		p = (double) k / (double) n,
					lo_c,
					hi_c;

		kv_wilson_interval(k, n, level, &lo, &hi);
		kv_wilson_interval(n - k, n, level, &lo2, &hi2);
		if (fabs(lo - (1.0 - hi2)) > 1e-15 || fabs(hi - (1.0 - lo2)) > 1e-15)
		{
			if (bad_sym++ < 3)
				printf("# %lld/%lld: [%.17g, %.17g] vs mirror [%.17g, %.17g]\n",
					   (long long) k, (long long) n, lo, hi, lo2, hi2);
		}
		if (!(0.0 <= lo && lo <= p && p <= hi && hi <= 1.0))
			bad_order++;
		kv_wilson_interval(k, n, 1.0 - (1.0 - level) / 2.0, &lo2, &hi2);
		if (!(lo2 <= lo && hi2 >= hi))
			bad_level++;
		if (n <= 1000000 && k >= 10 && n - k >= 10)
		{
			wilson_textbook(k, n, level, &lo_c, &hi_c);
			if (fabs(lo - lo_c) > 1e-13 * lo_c || fabs(hi - hi_c) > 1e-13 * hi_c)
				bad_textbook++;
		}
	}
	IS_INT(bad_sym, 0, "Wilson interval mirrors: lower(k) = 1 - upper(n-k)");
	IS_INT(bad_order, 0, "0 <= lower <= k/n <= upper <= 1");
	IS_INT(bad_level, 0, "a higher level gives a wider interval");
	IS_INT(bad_textbook, 0, "agrees with the textbook form c -+ h");
}

/*
 * Sum of the Poisson(mu) probabilities of j = from .. to, term by term from
 * logs (from <= to).  Independent of the incomplete gamma code.
 */
static double
poisson_sum(double mu, int64_t from, int64_t to)
{
	double		sum = 0.0;

	for (int64_t j = from; j <= to; j++)
	{
		double		t = exp((double) j * log(mu) - mu - lgamma((double) j + 1.0));

		sum += t;
		if (j > mu && t < sum * 1e-18)
			break;
	}
	return sum;
}

static void
test_gamma(void)
{
	enum
	{
		NEDGE = 6
	};
	static const double edge[NEDGE][3] = {
		{20.103094631628778, 1.4065271907361548e-248, 0},
		{27.169280270678726, 1.5034390306068691e-259, 0},
		{21.0, 1e-300, 0},
		{1e5, 1e-300, 0},
		{1e5, 1e-300, 1},
		{0.5, 1e-300, 1}
	};
	double		x = -1.0;
	int			bad = 0,
				checked;

	/* a = 1: P = 1 - exp(-x); a = 1/2: P = erf(sqrt(x)) (libm) */
	IS_REL(kv_gamma_p(1.0, 0.5), -expm1(-0.5), 1e-15, "P(1, 0.5)");
	IS_REL(kv_gamma_q(1.0, 3.0), exp(-3.0), 1e-15, "Q(1, 3)");
	IS_REL(kv_gamma_q(1.0, 700.0), exp(-700.0), 1e-13, "Q(1, 700)");
	IS_REL(kv_gamma_p(1.0, 1e-300), 1e-300, 1e-15, "P(1, 1e-300)");
	for (double xx = 0.001; xx < 200.0; xx *= 1.7)
	{
		double		p = kv_gamma_p(0.5, xx),
					q = kv_gamma_q(0.5, xx);

		if (fabs(p - erf(sqrt(xx))) > 1e-14 * erf(sqrt(xx)) ||
			fabs(q - erfc(sqrt(xx))) > 1e-13 * erfc(sqrt(xx)) ||
			fabs(p + q - 1.0) > 4e-16)
		{
			if (bad++ < 3)
				printf("# x %g: P %.17g Q %.17g erf %.17g erfc %.17g\n",
					   xx, p, q, erf(sqrt(xx)), erfc(sqrt(xx)));
		}
	}
	IS_INT(bad, 0, "P(1/2, x) = erf(sqrt x), Q(1/2, x) = erfc(sqrt x), x = 0.001 .. 200");

	/* integer a: Q(a, x) = P(Poisson(x) <= a - 1) */
	bad = 0;
	for (int a = 1; a <= 400; a += 7)
		for (double f = 0.2; f < 3.0; f += 0.3)
		{
			double		xx = f * a,
						want = poisson_sum(xx, 0, a - 1);

			if (fabs(kv_gamma_q(a, xx) - want) > 1e-12 * want)
			{
				if (bad++ < 3)
					printf("# Q(%d, %g) = %.17g, Poisson sum %.17g\n",
						   a, xx, kv_gamma_q(a, xx), want);
			}
		}
	IS_INT(bad, 0, "Q(n, x) equals the Poisson sum for n = 1 .. 400");

	/* mpmath */
	IS_REL(kv_gamma_p(10.0, 4.795389), 0.0250000092837804, 1e-13, "P(10, 4.795389)");

	OK(kv_gamma_p(3.0, 0.0) == 0.0 && kv_gamma_q(3.0, 0.0) == 1.0, "P(a, 0) = 0, Q(a, 0) = 1");
	OK(kv_gamma_p(3.0, INFINITY) == 1.0 && kv_gamma_q(3.0, INFINITY) == 0.0,
	   "P(a, inf) = 1, Q(a, inf) = 0");
	OK(isnan(kv_gamma_p(0.0, 1.0)) && isnan(kv_gamma_q(-1.0, 1.0)) &&
	   isnan(kv_gamma_p(1.0, -1.0)) && isnan(kv_gamma_p(NAN, 1.0)) &&
	   isnan(kv_gamma_q(1.0, NAN)), "bad arguments give NaN");

	/*
	 * Random shapes 0.01 .. 1e6 and tails 1e-200 .. 0.5 on either side, and
	 * some far tails (x a tiny fraction of a large shape): the quantile
	 * converges and is right to 1e-12, i.e. the target lies between the tail
	 * probabilities at x (1 - 1e-12) and x (1 + 1e-12).
	 */
	bad = 0;
	checked = 0;
	for (int i = 0; i < 3000 + NEDGE; i++)
	{
		double		a = pow(10.0, -2.0 + 8.0 * (double) (rng_next() >> 11) / 9007199254740992.0),
					p = pow(10.0, -200.0 * pow((double) (rng_next() >> 11) / 9007199254740992.0, 3.0)) / 2.0,
					below,
					above;
		bool		upper = (i % 2) == 1;

		if (i >= 3000)
		{
			a = edge[i - 3000][0];
			p = edge[i - 3000][1];
			upper = edge[i - 3000][2] != 0.0;
		}
		kv_stats_status st = kv_gamma_quantile(a, p, upper, &x);

		if (st != KV_STATS_OK || !(x >= 0.0))
		{
			if (bad++ < 3)
				printf("# a %.17g p %.17g upper %d: status %d x %g\n", a, p, upper, st, x);
			continue;
		}
		if (x < 1e-290)
			continue;			/* underflows (small a, tiny p): cannot bracket */
		checked++;
		below = upper ? kv_gamma_q(a, x * (1.0 + 1e-12)) : kv_gamma_p(a, x * (1.0 - 1e-12));
		above = upper ? kv_gamma_q(a, x * (1.0 - 1e-12)) : kv_gamma_p(a, x * (1.0 + 1e-12));
		if (!(below <= p && p <= above))
		{
			if (bad++ < 3)
				printf("# a %.17g p %.17g upper %d: x %.17g brackets [%.17g, %.17g]\n",
					   a, p, upper, x, below, above);
		}
	}
	printf("# %d of %d quantiles bracketed\n", checked, 3000 + NEDGE);
	OK(checked > 2500, "most random quantiles are normal numbers");
	IS_INT(bad, 0, "random and far-tail gamma quantiles are right to 1e-12");

	/*
	 * Far lower tails of large shapes, where x is a small fraction of a:
	 * there P(a, x) = x^a e^-x / Gamma(a + 1) * S with
	 * S = 1 + x / (a + 1) + x^2 / ((a + 1)(a + 2)) + ..., so
	 * x = exp((log p + lgamma(a + 1) + x - log S) / a), solved here by
	 * fixed-point iteration with libm's lgamma.
	 */
	for (int i = 0; i < 4; i++)
	{
		static const double far[4][2] = {
			{20.103094631628778, 1.4065271907361548e-248},
			{21.0, 1e-300},
			{30.0, 1e-300},
			{400.0, 1e-300}
		};
		double		a = far[i][0],
					p = far[i][1],
					want = 0.0;
		char		name[96];

		for (int it = 0; it < 30; it++)
		{
			double		term = 1.0,
						sum = 1.0;

			for (int n = 1; n < 200; n++)
			{
				term *= want / (a + n);
				sum += term;
			}
			want = exp((log(p) + lgamma(a + 1.0) + want - log(sum)) / a);
		}
		snprintf(name, sizeof(name), "far lower tail: a = %g, p = %g", a, p);
		IS_INT(kv_gamma_quantile(a, p, false, &x), KV_STATS_OK, name);
		IS_REL(x, want, 1e-12, name);
	}

	IS_INT(kv_gamma_quantile(0.0, 0.5, false, &x), KV_STATS_BAD_ARGUMENT, "quantile: a = 0");
	IS_INT(kv_gamma_quantile(1.0, 0.0, false, &x), KV_STATS_BAD_ARGUMENT, "quantile: p = 0");
	IS_INT(kv_gamma_quantile(1.0, 1.0, true, &x), KV_STATS_BAD_ARGUMENT, "quantile: p = 1");
	IS_INT(kv_gamma_quantile(1.0, NAN, true, &x), KV_STATS_BAD_ARGUMENT, "quantile: p NaN");
	IS_INT(kv_gamma_quantile(1.0, 0.3, false, &x), KV_STATS_OK, "quantile: a = 1, p = 0.3");
	IS_REL(x, -log1p(-0.3), 1e-15, "quantile of Gamma(1) is -log(1 - p)");
	IS_INT(kv_gamma_quantile(1.0, 1e-300, true, &x), KV_STATS_OK, "quantile: a = 1, Q = 1e-300");
	IS_REL(x, 300.0 * log(10.0), 1e-15, "upper quantile of Gamma(1) is -log(q)");
	IS_INT(kv_gamma_quantile(0.5, 1e-5, false, &x), KV_STATS_OK, "quantile: a = 1/2, P = 1e-5");
	IS_REL(erf(sqrt(x)), 1e-5, 1e-13, "P(1/2, x) = erf(sqrt x) at the quantile");
	IS_INT(kv_gamma_quantile(0.5, 1e-20, true, &x), KV_STATS_OK, "quantile: a = 1/2, Q = 1e-20");
	IS_REL(erfc(sqrt(x)), 1e-20, 1e-13, "Q(1/2, x) = erfc(sqrt x) at the quantile");
}

/* Checks one Garwood interval against reference values. */
static void
poisson_is(int64_t k, double level, double want_lo, double want_hi, double rel,
		   const char *name)
{
	double		lo = -1.0,
				hi = -1.0;
	char		buf[160];

	snprintf(buf, sizeof(buf), "%s: status", name);
	IS_INT(kv_poisson_interval(k, level, &lo, &hi), KV_STATS_OK, buf);
	snprintf(buf, sizeof(buf), "%s: lower", name);
	if (want_lo == 0.0)
		OK(lo == 0.0, buf);
	else
		IS_REL(lo, want_lo, rel, buf);
	snprintf(buf, sizeof(buf), "%s: upper", name);
	IS_REL(hi, want_hi, rel, buf);
}

static void
test_poisson(void)
{
	static const double levels[] = {0.8, 0.9, 0.95, 0.99, 0.999};
	double		lo = -3.0,
				hi = -3.0,
				prev_lo = -1.0,
				prev_hi = 0.0;
	int			bad_lo = 0,
				bad_hi = 0,
				bad_mono = 0,
				bad_nest = 0;

	/* published tables, printed to 6 decimals */
	poisson_is(0, 0.95, 0.0, 3.688879, 2e-7, "k=0 at 95% (table)");
	poisson_is(1, 0.95, 0.025318, 5.571643, 2e-5, "k=1 at 95% (table)");
	poisson_is(10, 0.95, 4.795389, 18.390356, 2e-7, "k=10 at 95% (table)");
	poisson_is(0, 0.99, 0.0, 5.298317, 2e-7, "k=0 at 99% (table)");
	poisson_is(1, 0.99, 0.005013, 7.429944, 1e-4, "k=1 at 99% (table)");
	poisson_is(10, 0.99, 3.716922, 21.397827, 2e-7, "k=10 at 99% (table)");

	/* closed forms with libm: k = 0 upper -log(alpha/2), k = 1 lower -log(1 - alpha/2) */
	poisson_is(0, 0.95, 0.0, -log(0.025), 1e-15, "k=0 at 95% (closed form)");
	poisson_is(0, 0.99, 0.0, -log(0.005), 1e-15, "k=0 at 99% (closed form)");
	kv_poisson_interval(1, 0.95, &lo, &hi);
	IS_REL(lo, -log1p(-0.025), 1e-14, "k=1 lower at 95% (closed form)");
	IS_REL(exp(-hi) * (1.0 + hi), 0.025, 1e-14,
		   "k=1 upper at 95%: P(X <= 1) = e^-u (1 + u) = 0.025");

	/* mpmath, 45 digits, alpha from the double nearest to the level */
	poisson_is(1, 0.95, 0.025317807984289898178, 5.5716433909388975496, 1e-13, "k=1 at 95%");
	poisson_is(10, 0.95, 4.7953886961324343625, 18.390356042017776954, 1e-13, "k=10 at 95%");
	poisson_is(1, 0.99, 0.0050125418235442865063, 7.4301295002801214136, 1e-13, "k=1 at 99%");
	poisson_is(10, 0.99, 3.7169221314671180067, 21.397827499654268303, 1e-13, "k=10 at 99%");
	poisson_is(2, 0.95, 0.2422092785439650197, 7.224687667723959647, 1e-13, "k=2 at 95%");
	poisson_is(37, 0.95, 26.051414567106029979, 50.999626141930831383, 1e-13, "k=37 at 95%");
	poisson_is(100, 0.95, 81.363991250923143741, 121.62679379242638563, 1e-13, "k=100 at 95%");
	poisson_is(1000, 0.99, 920.42404616335915724, 1084.3728680643891755, 1e-13, "k=1000 at 99%");
	poisson_is(5, 0.5, 3.3686003859773210579, 7.4227018355200889534, 1e-13, "k=5 at 50%");
	poisson_is(5, 0.999999, 0.14663075106362722059, 26.263292613572785962, 1e-13,
			   "k=5 at 99.9999%");
	poisson_is(1000000, 0.95, 998040.98334029390338, 1001961.9119454321936, 1e-13, "k=1e6 at 95%");
	poisson_is(1000000000, 0.95, 999938021.44392792192, 1000061981.4504089482, 1e-13,
			   "k=1e9 at 95%");
	poisson_is(INT64_C(30000000000), 0.95, 29999660525.226931082, 30000339477.667380457, 1e-14,
			   "k=3e10 at 95% (Wilson-Hilferty range)");

	/* the definition: P(X >= k | lower) = alpha/2 = P(X <= k | upper) */
	for (int k = 1; k <= 300; k++)
		for (int l = 0; l < 5; l++)
		{
			double		half_alpha = (1.0 - levels[l]) / 2.0;

			kv_poisson_interval(k, levels[l], &lo, &hi);
			if (fabs(poisson_sum(lo, k, INT64_MAX) / half_alpha - 1.0) > 1e-11)
			{
				if (bad_lo++ < 3)
					printf("# k %d level %g: P(X >= k | %.17g) = %.17g\n", k, levels[l],
						   lo, poisson_sum(lo, k, INT64_MAX));
			}
			if (fabs(poisson_sum(hi, 0, k) / half_alpha - 1.0) > 1e-11)
			{
				if (bad_hi++ < 3)
					printf("# k %d level %g: P(X <= k | %.17g) = %.17g\n", k, levels[l],
						   hi, poisson_sum(hi, 0, k));
			}
		}
	IS_INT(bad_lo, 0, "lower limit: P(X >= k) = alpha/2, k = 1 .. 300, five levels");
	IS_INT(bad_hi, 0, "upper limit: P(X <= k) = alpha/2, k = 1 .. 300, five levels");

	/* monotone in k, contains k, 99% contains 95% */
	for (int64_t k = 0; k <= 3000; k++)
	{
		double		lo99,
					hi99;

		kv_poisson_interval(k, 0.95, &lo, &hi);
		kv_poisson_interval(k, 0.99, &lo99, &hi99);
		if (!(lo <= (double) k && (double) k < hi && (k == 0 || lo > prev_lo) && hi > prev_hi))
			bad_mono++;
		if (!(lo99 <= lo && hi99 > hi) || (k > 0 && !(lo99 < lo)))
			bad_nest++;
		prev_lo = lo;
		prev_hi = hi;
	}
	IS_INT(bad_mono, 0, "k = 0 .. 3000: lower <= k < upper, both increasing");
	IS_INT(bad_nest, 0, "k = 0 .. 3000: the 99% interval contains the 95% interval");

	/*
	 * large k, up to INT64_MAX: ordered, and close to the Cornish-Fisher
	 * expansion of the gamma quantiles, k -+ z sqrt(k) + (z^2 - 1) / 3 for the
	 * lower limit and + (z^2 + 2) / 3 for the upper, whose error is about
	 * 0.2 / sqrt(k) (plus the rounding of k itself to a double)
	 */
	bad_mono = 0;
	prev_lo = 0.0;
	for (int64_t k = 1000; k > 0 && k <= INT64_MAX / 3; k *= 3)
	{
		const double z = 1.959963984540054;
		double		kd = (double) k,
					s = z * sqrt(kd),
					tol = 1.0 / sqrt(kd) + 4.0 * kd * DBL_EPSILON;

		kv_poisson_interval(k, 0.95, &lo, &hi);
		if (!(lo < kd && kd < hi && lo > prev_lo &&
			  fabs(lo - (kd - s + (z * z - 1.0) / 3.0)) < tol &&
			  fabs(hi - (kd + s + (z * z + 2.0) / 3.0)) < tol))
		{
			if (bad_mono++ < 3)
				printf("# k %lld: [%.17g, %.17g]\n", (long long) k, lo, hi);
		}
		prev_lo = lo;
	}
	IS_INT(kv_poisson_interval(INT64_MAX, 0.95, &lo, &hi), KV_STATS_OK, "k = 2^63 - 1");
	OK(lo < 9.2233720368547758e18 && hi > 9.2233720368547758e18, "k = 2^63 - 1 is inside");
	IS_INT(bad_mono, 0, "k = 1000 * 3^i: ordered, near the Cornish-Fisher expansion");

	/*
	 * Across the switch to the Wilson-Hilferty formula at shape 1e10 the
	 * limits move by about one per unit of k, as they do on either side.
	 */
	{
		double		l0,
					h0,
					l1,
					h1,
					l2,
					h2;

		kv_poisson_interval(INT64_C(9999999999), 0.95, &l0, &h0);
		kv_poisson_interval(INT64_C(10000000000), 0.95, &l1, &h1);
		kv_poisson_interval(INT64_C(10000000001), 0.95, &l2, &h2);
		IS_NEAR(l1 - l0, 1.0, 1e-4, "lower limit step at k = 1e10 - 1");
		IS_NEAR(l2 - l1, 1.0, 1e-4, "lower limit step at k = 1e10 (formula)");
		IS_NEAR(h1 - h0, 1.0, 1e-4, "upper limit step at k = 1e10 - 1 (formula)");
		IS_NEAR(h2 - h1, 1.0, 1e-4, "upper limit step at k = 1e10");
	}

	/* errors */
	lo = hi = -3.0;
	IS_INT(kv_poisson_interval(-1, 0.95, &lo, &hi), KV_STATS_BAD_COUNT, "negative count");
	IS_INT(kv_poisson_interval(5, 1.0, &lo, &hi), KV_STATS_BAD_LEVEL, "level 1");
	IS_INT(kv_poisson_interval(5, 0.0, &lo, &hi), KV_STATS_BAD_LEVEL, "level 0");
	IS_INT(kv_poisson_interval(5, NAN, &lo, &hi), KV_STATS_BAD_LEVEL, "level NaN");
	OK(lo == -3.0 && hi == -3.0, "errors leave the outputs alone");
}

/*
 * Speed of the exact inversion where it is slowest, just below the switch
 * to the asymptotic formula: 50 intervals for k near 1e10 take about 30 ms
 * at -O2 and 100 ms at -O0 (Newton from the Wilson-Hilferty start needs one
 * or two evaluations of O(sqrt(k)) terms; a stray bisection phase costs
 * ten times more).  The time is only checked outside valgrind (seen in
 * LD_PRELOAD) and when KV_UNIT_NO_TIMING is unset.
 */
static void
test_poisson_speed(void)
{
	const char *preload = getenv("LD_PRELOAD");
	bool		timing = getenv("KV_UNIT_NO_TIMING") == NULL &&
		!(preload != NULL && strstr(preload, "vgpreload") != NULL);
	clock_t		t0 = clock();
	double		secs,
				lo,
				hi;
	int			bad = 0;

	for (int i = 0; i < 50; i++)
	{
		int64_t		k = INT64_C(9999999999) - (int64_t) i * 99999991;

		if (kv_poisson_interval(k, 0.95, &lo, &hi) != KV_STATS_OK ||
			!(lo < (double) k && (double) k < hi))
			bad++;
	}
	secs = (double) (clock() - t0) / CLOCKS_PER_SEC;
	printf("# 50 Garwood intervals for k near 1e10: %.3f s\n", secs);
	IS_INT(bad, 0, "50 intervals for k near 1e10");
	if (timing)
		OK(secs < 0.4, "50 intervals for k near 1e10 take < 0.4 s");
}

/* Fay-Feuer: one stratum is Garwood / n; more strata widen it; bad input. */
static void
test_fay_feuer(void)
{
	double		lo,
				hi,
				glo,
				ghi;

	kv_poisson_interval(37, 0.95, &glo, &ghi);
	OK(kv_fay_feuer_interval(37.0 / 1000, 37.0 / 1e6, 1.0 / 1000, 0.95, &lo, &hi) == KV_STATS_OK,
	   "Fay-Feuer: one stratum");
	OK(fabs(lo - glo / 1000) < 1e-12 && fabs(hi - ghi / 1000) < 1e-12,
	   "Fay-Feuer: one stratum is the Garwood interval divided by n");
	kv_fay_feuer_interval(0.0, 0.0, 1.0 / 500, 0.95, &lo, &hi);
	kv_poisson_interval(0, 0.95, &glo, &ghi);
	OK(lo == 0.0 && fabs(hi - ghi / 500) < 1e-12, "Fay-Feuer: no events: 0 and the Garwood upper / n");
	{
		/* two strata, weights 0.5: 10/1000 and 40/2000; y = 0.015 */
		double		y = 0.5 * 10 / 1000 + 0.5 * 40 / 2000.0;
		double		v = 0.25 * 10 / 1e6 + 0.25 * 40 / 4e6;
		double		wm = 0.5 / 1000;

		OK(kv_fay_feuer_interval(y, v, wm, 0.95, &lo, &hi) == KV_STATS_OK && lo < y && y < hi,
		   "Fay-Feuer: two strata: the interval holds the rate");
		OK(hi - lo > 2 * 1.96 * sqrt(v), "Fay-Feuer: wider than the normal interval (it is conservative)");
	}
	OK(kv_fay_feuer_interval(0.01, 1e-6, 0.0, 0.95, &lo, &hi) == KV_STATS_BAD_ARGUMENT,
	   "Fay-Feuer: wm must be positive");
	OK(kv_fay_feuer_interval(0.01, 1e-6, 0.001, 1.5, &lo, &hi) == KV_STATS_BAD_LEVEL,
	   "Fay-Feuer: a bad level");
}

int
main(void)
{
	test_normal_quantile();
	test_wilson();
	test_gamma();
	test_poisson();
	test_poisson_speed();
	test_fay_feuer();
	return unit_done();
}
