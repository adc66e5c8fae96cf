/*
 * kvalitet_gen.c - synthetic LPR3-shaped patient-flow data for kvalitet
 *
 * Writes one table of a synthetic Danish region (Region Midtjylland's
 * kommuner, a made-up set of hospital units) to stdout in PostgreSQL COPY
 * text format: kontakter, forloeb, epikriser, befolkning, personer, enheder
 * or organisationer, and the inputs of the remaining indicators: doede,
 * kronikere, faerdigbehandlede, forloebsmarkoerer, and the loaded figures
 * rkkp, lup, sundhed, udgifter and henvisninger.  The table
 * definitions are in tools/demo_schema.sql; the model and its rates are
 * described in docs/synthetic-data.md.
 *
 * The output depends only on the arguments.  Every synthetic resident is
 * simulated from a random stream derived from the seed and the resident's
 * position, so a table can be written on its own and still agree with the
 * other tables of the same arguments: writing epikriser or befolkning
 * simulates the same residents and contacts again without writing them.
 *
 * Build: gcc -std=c99 -O2 -Wall -Wextra -Werror -o kvalitet-gen tools/kvalitet_gen.c -lm
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECS	INT64_C(86400)
#define HOUR_SECS	INT64_C(3600)
#define YEAR_SECS	(365.25 * 86400.0)
#define NEVER		(INT64_MAX / 4)

#define MERGE_GAP	(4 * HOUR_SECS)		/* docs/indicators.md 3.1 default merge gap */
#define MIN_ADMISSION (12 * HOUR_SECS)	/* docs/indicators.md 3.3 default admission length */
#define EPISODE_GAP (6 * HOUR_SECS)		/* quiet time after an episode */
#define WINDOW_30D	(720 * HOUR_SECS)	/* docs/indicators.md 4 default readmission window */

#define MAX_CONTACTS 900		/* clean contacts per resident; keys use 3 digits */
#define DUP_SEQ_BASE 900		/* key suffixes of --dirty duplicates */
#define N_BANDS		20			/* 0-4, 5-9, ..., 95+ */
/*
 * The first residents also show rare situations that a small data set would
 * otherwise lack: arrivals in the daylight-saving hours and stays still open
 * at the data end.  Tying this to the position rather than the size keeps
 * large data sets free of pile-ups.
 */
#define SHOWCASE_RESIDENTS 500
#define CAL_FIRST	1880
#define CAL_LAST	2060
#define PI_D		3.14159265358979323846

/* ------------------------------------------------------------------ */
/* Random numbers                                                      */
/* ------------------------------------------------------------------ */

/*
 * A splitmix64 stream: a Weyl sequence passed through a 64-bit finaliser.
 * Small, fast and good enough for simulation; rand() is avoided because its
 * sequence differs between C libraries.
 */
typedef struct Rng
{
	uint64_t	state;
} Rng;

/* The splitmix64 finaliser, also used to derive independent seeds. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Next 64 random bits. */
static uint64_t
rng_next(Rng *r)
{
	r->state += UINT64_C(0x9e3779b97f4a7c15);
	return mix64(r->state);
}

/*
 * The stream of one resident: stream 0 drives the simulation, 1 the --dirty
 * corruption and 2 the discharge letters, so that turning --dirty on or
 * writing another table never changes what the other streams produce.
 */
static Rng
rng_for(uint64_t seed, uint64_t index, unsigned stream)
{
	Rng			r;

	r.state = mix64(seed ^ mix64(index * 4 + stream + UINT64_C(0x5bd1e995)));
	return r;
}

/* Uniform double in [0, 1). */
static double
rng_unit(Rng *r)
{
	return (double) (rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]; the modulo bias is far below any rate used. */
static int64_t
rng_range(Rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t) (rng_next(r) % (uint64_t) (hi - lo + 1));
}

/* True with probability p. */
static bool
rng_chance(Rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Standard normal deviate (Box-Muller, one value per call). */
static double
rng_normal(Rng *r)
{
	double		u1 = 1.0 - rng_unit(r);
	double		u2 = rng_unit(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * PI_D * u2);
}

/* Exponential deviate with the given mean. */
static double
rng_exp(Rng *r, double mean)
{
	return -mean * log(1.0 - rng_unit(r));
}

/* Log-normal deviate given its median and the sd of its logarithm. */
static double
rng_lognormal(Rng *r, double median, double sigma)
{
	return median * exp(sigma * rng_normal(r));
}

/* Index drawn from integer weights. */
static int
rng_weighted(Rng *r, const int *w, int n)
{
	int			total = 0;
	int			i;
	int64_t		x;

	for (i = 0; i < n; i++)
		total += w[i];
	x = rng_range(r, 0, total - 1);
	for (i = 0; i < n; i++)
	{
		x -= w[i];
		if (x < 0)
			return i;
	}
	return n - 1;
}

/* ------------------------------------------------------------------ */
/* Calendar: days since 2000-01-01, Danish local time, holidays        */
/* ------------------------------------------------------------------ */

typedef struct YearInfo
{
	int32_t		jan1;			/* day number of 1 January */
	int32_t		spring;			/* day of the switch to summer time */
	int32_t		autumn;			/* day of the switch back */
	int32_t		holidays[11];	/* Danish public holidays (docs/indicators.md 6) */
	int			nholidays;
} YearInfo;

static YearInfo years[CAL_LAST - CAL_FIRST + 2];

static const int month_start[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

/* Floor division for possibly negative numerators. */
static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if ((a % b) != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 2000-01-01 to 1 January of year y (y >= 1). */
static int32_t
days_before_year(int y)
{
	int			n = y - 1;

	return 365 * (y - 2000) + (n / 4 - n / 100 + n / 400) - (1999 / 4 - 1999 / 100 + 1999 / 400);
}

/* Day number of a civil date. */
static int32_t
ymd_days(int y, int m, int d)
{
	return days_before_year(y) + month_start[m - 1] + (m > 2 && is_leap(y)) + d - 1;
}

/* Year containing a day number. */
static int
year_of_day(int32_t day)
{
	int			y = 2000 + (int) floordiv(day, 366);

	while (days_before_year(y + 1) <= day)
		y++;
	while (days_before_year(y) > day)
		y--;
	return y;
}

/* Civil date of a day number. */
static void
days_ymd(int32_t day, int *y, int *m, int *d)
{
	int			yy = year_of_day(day);
	int			doy = day - days_before_year(yy);
	int			leap = is_leap(yy);
	int			mm = 12;

	while (mm > 1 && doy < month_start[mm - 1] + (mm > 2 ? leap : 0))
		mm--;
	*y = yy;
	*m = mm;
	*d = doy - month_start[mm - 1] - (mm > 2 ? leap : 0) + 1;
}

/* Day of the week, Monday = 0 ... Sunday = 6 (2000-01-01 was a Saturday). */
static int
weekday(int32_t day)
{
	return (int) ((floordiv(day, 7) * -7 + day + 5) % 7);
}

/* Last Sunday of a month. */
static int32_t
last_sunday(int y, int m)
{
	int32_t		last = ymd_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;

	return last - (weekday(last) + 1) % 7;
}

/* Easter Sunday by the Gregorian computus (anonymous algorithm). */
static int32_t
easter_sunday(int y)
{
	int			a = y % 19,
				b = y / 100,
				c = y % 100,
				d = b / 4,
				e = b % 4,
				f = (b + 8) / 25,
				g = (b - f + 1) / 3,
				h = (19 * a + b - d - g + 15) % 30,
				i = c / 4,
				k = c % 4,
				l = (32 + 2 * e + 2 * i - h - k) % 7,
				m = (a + 11 * h + 22 * l) / 451;
	int			month = (h + l - 7 * m + 114) / 31;
	int			day = (h + l - 7 * m + 114) % 31 + 1;

	return ymd_days(y, month, day);
}

/* Fills the per-year table of transitions and holidays. */
static void
calendar_init(void)
{
	int			y;

	for (y = CAL_FIRST; y <= CAL_LAST + 1; y++)
	{
		YearInfo   *yi = &years[y - CAL_FIRST];
		int32_t		e = easter_sunday(y);
		int			n = 0;

		yi->jan1 = ymd_days(y, 1, 1);
		yi->spring = last_sunday(y, 3);
		yi->autumn = last_sunday(y, 10);
		yi->holidays[n++] = yi->jan1;
		yi->holidays[n++] = e - 3;
		yi->holidays[n++] = e - 2;
		yi->holidays[n++] = e;
		yi->holidays[n++] = e + 1;
		if (y <= 2023)
			yi->holidays[n++] = e + 26;
		yi->holidays[n++] = e + 39;
		yi->holidays[n++] = e + 49;
		yi->holidays[n++] = e + 50;
		yi->holidays[n++] = ymd_days(y, 12, 25);
		yi->holidays[n++] = ymd_days(y, 12, 26);
		yi->nholidays = n;
	}
}

static const YearInfo *
year_info(int32_t day)
{
	return &years[year_of_day(day) - CAL_FIRST];
}

/* Monday to Friday and not a Danish public holiday. */
static bool
is_working_day(int32_t day)
{
	const YearInfo *yi = year_info(day);
	int			i;

	if (weekday(day) >= 5)
		return false;
	for (i = 0; i < yi->nholidays; i++)
		if (yi->holidays[i] == day)
			return false;
	return true;
}

/* The n-th working day after d (n >= 1); d itself when n = 0. */
static int32_t
add_working_days(int32_t d, int n)
{
	while (n > 0)
	{
		d++;
		if (is_working_day(d))
			n--;
	}
	return d;
}

/*
 * UTC offset of an instant in Europe/Copenhagen: summer time runs from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October (the EU rule since 1996).
 */
static int64_t
utc_offset(int64_t t)
{
	const YearInfo *yi = year_info((int32_t) floordiv(t, DAY_SECS));

	if (t >= yi->spring * DAY_SECS + HOUR_SECS && t < yi->autumn * DAY_SECS + HOUR_SECS)
		return 2 * HOUR_SECS;
	return HOUR_SECS;
}

/*
 * The instant PostgreSQL reads from a local wall-clock time with
 * `(date + time) AT TIME ZONE 'Europe/Copenhagen'`: a time in the skipped
 * spring hour and a time in the repeated autumn hour both count as standard
 * time (UTC+1).
 */
static int64_t
local_to_instant(int32_t day, int32_t sec)
{
	const YearInfo *yi = year_info(day);
	int64_t		wall = day * DAY_SECS + sec;

	if (wall >= yi->spring * DAY_SECS + 3 * HOUR_SECS && wall < yi->autumn * DAY_SECS + 2 * HOUR_SECS)
		return wall - 2 * HOUR_SECS;
	return wall - HOUR_SECS;
}

/*
 * A time as written in a contact row: the local date and time of day, and
 * the instant PostgreSQL reads back from them.  Every time is built through
 * these so the simulation works with exactly what a loaded table holds.
 */
typedef struct Stamp
{
	int32_t		day;
	int32_t		sec;
	int64_t		t;
} Stamp;

/* A stamp from a local wall-clock time (may lie in the spring gap). */
static Stamp
stamp_local(int32_t day, int32_t sec)
{
	Stamp		s;

	s.day = day;
	s.sec = sec;
	s.t = local_to_instant(day, sec);
	return s;
}

/* A stamp for an instant, written as the local time in force then. */
static Stamp
stamp_at(int64_t t)
{
	int64_t		wall = t + utc_offset(t);
	int32_t		day = (int32_t) floordiv(wall, DAY_SECS);

	return stamp_local(day, (int32_t) (wall - day * DAY_SECS));
}

/* ------------------------------------------------------------------ */
/* Output                                                              */
/* ------------------------------------------------------------------ */

static char out_buf[1 << 20];
static size_t out_len;

/* Writes the buffer to stdout; a failed write ends the program. */
static void
out_flush(void)
{
	if (out_len > 0 && fwrite(out_buf, 1, out_len, stdout) != out_len)
	{
		fprintf(stderr, "kvalitet-gen: write error: %s\n", strerror(errno));
		exit(1);
	}
	out_len = 0;
}

/* Makes room for n more bytes. */
static inline void
out_room(size_t n)
{
	if (out_len + n > sizeof(out_buf))
		out_flush();
}

static inline void
out_char(char c)
{
	out_room(1);
	out_buf[out_len++] = c;
}

/* Appends a string that needs no COPY escaping. */
static void
out_str(const char *s)
{
	size_t		n = strlen(s);

	out_room(n);
	memcpy(out_buf + out_len, s, n);
	out_len += n;
}

/* Appends a decimal integer. */
static void
out_int(int64_t v)
{
	char		tmp[24];
	int			n = 0;
	uint64_t	u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;

	do
	{
		tmp[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	out_room((size_t) n + 1);
	if (v < 0)
		out_buf[out_len++] = '-';
	while (n > 0)
		out_buf[out_len++] = tmp[--n];
}

/* Appends a zero-padded number of the given width. */
static void
out_pad(int v, int width)
{
	out_room((size_t) width);
	for (int i = width - 1; i >= 0; i--)
	{
		out_buf[out_len + i] = (char) ('0' + v % 10);
		v /= 10;
	}
	out_len += (size_t) width;
}

/* Appends YYYY-MM-DD. */
static void
out_date(int32_t day)
{
	int			y,
				m,
				d;

	days_ymd(day, &y, &m, &d);
	out_pad(y, 4);
	out_char('-');
	out_pad(m, 2);
	out_char('-');
	out_pad(d, 2);
}

/* Appends HH:MM:SS. */
static void
out_time(int32_t sec)
{
	out_pad(sec / 3600, 2);
	out_char(':');
	out_pad(sec / 60 % 60, 2);
	out_char(':');
	out_pad(sec % 60, 2);
}

/* Appends an instant as local time with its UTC offset, e.g. 2025-03-30 03:30:00+02. */
static void
out_timestamptz(int64_t t)
{
	int64_t		off = utc_offset(t);
	int64_t		wall = t + off;
	int32_t		day = (int32_t) floordiv(wall, DAY_SECS);

	out_date(day);
	out_char(' ');
	out_time((int32_t) (wall - day * DAY_SECS));
	out_str(off == 2 * HOUR_SECS ? "+02" : "+01");
}

/*
 * Appends a text value in COPY text format: backslash, tab, newline and
 * carriage return get their backslash escapes, other control characters an
 * octal escape, so no raw control character ever reaches the stream.
 */
static void
out_text(const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '\\')
			out_str("\\\\");
		else if (c == '\t')
			out_str("\\t");
		else if (c == '\n')
			out_str("\\n");
		else if (c == '\r')
			out_str("\\r");
		else if (c < 0x20 || c == 0x7f)
		{
			out_char('\\');
			out_char((char) ('0' + (c >> 6)));
			out_char((char) ('0' + ((c >> 3) & 7)));
			out_char((char) ('0' + (c & 7)));
		}
		else
			out_char((char) c);
	}
}

/* ------------------------------------------------------------------ */
/* Reference data: kommuner, age structure, hospitals, diagnoses       */
/* ------------------------------------------------------------------ */

enum
{
	H_AUH, H_RANDERS, H_HORSENS, H_GODSTRUP, H_VIBORG, H_PSYK, N_HOSP
};

enum
{
	D_AKUT, D_MED, D_KARDIO, D_NEURO, D_ORTO, D_KIR, D_ONKO, D_BOERN,
	D_GYNOBS, D_GERI, D_PSYK, N_DEPT
};

typedef struct Kommune
{
	const char *code;			/* 3-digit kommunekode as in FOLK1A */
	double		pop;			/* approximate residents, thousands */
	int			hospital;		/* acute hospital of the catchment area */
	int			psych;			/* psychiatric unit index among the three */
} Kommune;

/* Region Midtjylland's 19 kommuner with rounded 2020 populations. */
static const Kommune kommuner[] = {
	{"615", 90.0, H_HORSENS, 0}, {"657", 89.0, H_GODSTRUP, 2},
	{"661", 59.0, H_GODSTRUP, 2}, {"665", 20.0, H_GODSTRUP, 2},
	{"671", 21.0, H_GODSTRUP, 2}, {"706", 43.0, H_RANDERS, 1},
	{"707", 37.0, H_RANDERS, 1}, {"710", 48.0, H_AUH, 0},
	{"727", 23.0, H_AUH, 0}, {"730", 98.0, H_RANDERS, 1},
	{"740", 94.0, H_VIBORG, 2}, {"741", 3.7, H_AUH, 0},
	{"746", 62.0, H_AUH, 0}, {"751", 349.0, H_AUH, 0},
	{"756", 41.0, H_GODSTRUP, 2}, {"760", 56.0, H_GODSTRUP, 2},
	{"766", 47.0, H_HORSENS, 0}, {"779", 46.0, H_VIBORG, 2},
	{"791", 97.0, H_VIBORG, 2},
};
#define N_KOMMUNER ((int) (sizeof(kommuner) / sizeof(kommuner[0])))

/*
 * Share of the population per 5-year age band (percent, both sexes), the
 * approximate shape of Region Midtjylland around 2020.  Only the shape
 * matters; the birth cohorts are weighted so that the simulated population
 * has this structure in 2020 (see cohort_init).
 */
static const double band_share[N_BANDS] = {
	5.5, 5.8, 6.1, 6.2, 7.3, 6.9, 5.8, 5.6, 6.1, 6.8,
	7.0, 6.5, 5.9, 5.5, 5.5, 4.0, 2.6, 1.5, 0.7, 0.2
};

static const char *const band_label[N_BANDS] = {
	"0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39",
	"40-44", "45-49", "50-54", "55-59", "60-64", "65-69", "70-74",
	"75-79", "80-84", "85-89", "90-94", "95+"
};

/* Episodes per person-year by age band (before frailty and conditions). */
static const double rate_acute_adm[N_BANDS] = {
	.080, .030, .030, .040, .045, .045, .045, .045, .050, .055,
	.065, .075, .090, .095, .128, .180, .255, .340, .410, .440
};
static const double rate_planned_adm[N_BANDS] = {
	.030, .020, .020, .025, .030, .030, .040, .045, .055, .065,
	.090, .110, .130, .150, .160, .150, .120, .085, .055, .030
};
static const double rate_er[N_BANDS] = {
	.250, .150, .150, .180, .180, .120, .120, .120, .120, .120,
	.120, .120, .120, .150, .150, .150, .220, .220, .220, .220
};
static const double rate_outpatient[N_BANDS] = {
	.500, .350, .350, .400, .400, .500, .500, .500, .500, .900,
	.900, .900, .900, 1.40, 1.40, 1.60, 1.60, 1.20, 1.20, 1.20
};

static const char *const hospital_name[N_HOSP] = {
	"Aarhus Universitetshospital", "Regionshospitalet Randers",
	"Regionshospitalet Horsens", "Regionshospitalet Gødstrup",
	"Regionshospitalet Viborg", "Psykiatrien i Region Midtjylland"
};
static const char *const hospital_short[N_HOSP] = {
	"AUH", "RH Randers", "RH Horsens", "RH Gødstrup", "RH Viborg", "Psykiatrien"
};
static const char *const dept_name[N_DEPT] = {
	"Akutafdelingen", "Medicinsk afdeling", "Hjertesygdomme", "Neurologi",
	"Ortopædkirurgi", "Kirurgi", "Kræftafdelingen", "Børn og Unge",
	"Kvindesygdomme og Fødsler", "Geriatrisk afdeling", "Psykiatrisk afdeling"
};

/* Which departments each hospital has; psychiatry has three sites. */
static const char hospital_has[N_HOSP][N_DEPT] = {
	{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0},
	{1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0},
	{1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0},
	{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0},
	{1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0},
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3},
};
static const char *const psych_site[3] = {"Aarhus", "Randers", "Gødstrup"};

typedef struct Unit
{
	char		sor[16];
	char		navn[96];
	int			hospital;
	int			dept;
} Unit;

#define MAX_UNITS 64
static Unit units[MAX_UNITS];
static int	n_units;
static int	unit_of[N_HOSP][N_DEPT];	/* first unit, -1 when absent */

/* Builds the unit list and its lookup table. */
static void
units_init(void)
{
	int			h,
				d,
				k;

	for (h = 0; h < N_HOSP; h++)
	{
		int			local = 0;

		for (d = 0; d < N_DEPT; d++)
		{
			unit_of[h][d] = -1;
			for (k = 0; k < hospital_has[h][d]; k++)
			{
				Unit	   *u = &units[n_units];

				if (unit_of[h][d] < 0)
					unit_of[h][d] = n_units;
				local++;
				memcpy(u->sor, "9990000000001", 14);
				u->sor[6] = (char) ('1' + h);
				u->sor[7] = (char) ('0' + local / 10);
				u->sor[8] = (char) ('0' + local % 10);
				if (d == D_PSYK)
					snprintf(u->navn, sizeof(u->navn), "%s %s", dept_name[d], psych_site[k]);
				else
					snprintf(u->navn, sizeof(u->navn), "%s %s", hospital_short[h], dept_name[d]);
				u->hospital = h;
				u->dept = d;
				n_units++;
			}
		}
	}
}

/*
 * Unit of a department for a patient whose home hospital is h: the local
 * department when there is one, else geriatrics falls back to medicine and
 * everything else goes to Aarhus Universitetshospital.
 */
static int
unit_for(int h, int dept, int psych_site_index)
{
	if (dept == D_PSYK)
		return unit_of[H_PSYK][D_PSYK] + psych_site_index;
	if (unit_of[h][dept] >= 0)
		return unit_of[h][dept];
	if (dept == D_GERI)
		return unit_of[h][D_MED];
	return unit_of[H_AUH][dept];
}

/* A diagnosis code and its relative weight within a list. */
typedef struct Dx
{
	const char *code;
	int			weight;
} Dx;

/*
 * Diagnosis lists.  In the elderly acute list the preventable-elderly codes
 * of docs/indicators.md 2 carry about a fifth of the weight.
 */
static const Dx elderly_acute_dx[] = {
	/* preventable (docs/indicators.md 2 preventable_elderly) */
	{"DE869", 7}, {"DK590", 2}, {"DJ189", 14}, {"DJ159", 2}, {"DJ181", 1},
	{"DJ209", 2}, {"DJ22", 3}, {"DN300", 2}, {"DN390", 8}, {"DA099", 2},
	{"DK529", 2}, {"DD509", 1}, {"DL899", 1}, {"DZ740", 1}, {"DZ751", 1},
	{"DS720", 5}, {"DS721", 2}, {"DS525", 1}, {"DS422", 1}, {"DS322", 1},
	{"DS820", 1},
	/* others */
	{"DI500", 24}, {"DI509", 9}, {"DI219", 15}, {"DI214", 9}, {"DI639", 15},
	{"DG459", 6}, {"DI489", 18}, {"DJ441", 18}, {"DA419", 15}, {"DR074", 15},
	{"DR109", 9}, {"DR559", 9}, {"DK802", 6}, {"DK566", 6}, {"DK922", 6},
	{"DN179", 9}, {"DI269", 6}, {"DC349", 6}, {"DC189", 3}, {"DE119", 3},
	{"DE111", 3}, {"DZ039", 12}, {"DS065", 3}, {"DF059", 6}, {"DR296", 3},
	{"DI110", 3}, {"DE871", 6}, {"DM161", 2}
};
static const Dx adult_acute_dx[] = {
	{"DR109", 8}, {"DR074", 8}, {"DK358", 4}, {"DK802", 4}, {"DK566", 1},
	{"DS525", 2}, {"DS820", 2}, {"DS060", 2}, {"DS720", 1}, {"DT510", 1},
	{"DT424", 1}, {"DJ189", 4}, {"DJ159", 1}, {"DN390", 2}, {"DN300", 1},
	{"DA419", 2}, {"DA099", 2}, {"DI219", 3}, {"DI214", 1}, {"DI500", 1},
	{"DI639", 1}, {"DI489", 2}, {"DI269", 1}, {"DZ039", 5}, {"DG409", 1},
	{"DE101", 1}, {"DE119", 1}, {"DE869", 1}, {"DJ441", 1}, {"DC509", 1},
	{"DK922", 1}, {"DR559", 1}, {"DK859", 1}
};
static const Dx child_acute_dx[] = {
	{"DJ069", 4}, {"DJ189", 3}, {"DJ210", 3}, {"DJ459", 2}, {"DA099", 4},
	{"DR509", 4}, {"DS525", 2}, {"DS060", 2}, {"DS420", 1}, {"DK358", 2},
	{"DE101", 1}, {"DG409", 1}, {"DN390", 1}, {"DE869", 1}, {"DZ039", 3},
	{"DR104", 1}, {"DR560", 1}
};
static const Dx planned_dx[] = {
	{"DM161", 6}, {"DM171", 6}, {"DK802", 3}, {"DK409", 2}, {"DC189", 2},
	{"DC509", 2}, {"DC619", 2}, {"DC349", 1}, {"DI251", 3}, {"DN40", 1},
	{"DM511", 1}, {"DN811", 1}, {"DD259", 1}, {"DI839", 1}, {"DS832", 1},
	{"DK429", 1}, {"DZ470", 1}
};
static const Dx er_dx[] = {
	{"DS610", 3}, {"DS934", 3}, {"DS525", 2}, {"DS060", 2}, {"DS011", 1},
	{"DS626", 1}, {"DS800", 1}, {"DS420", 1}, {"DT151", 1}, {"DT009", 1},
	{"DT784", 1}, {"DR074", 4}, {"DR109", 3}, {"DZ039", 4}, {"DJ069", 2},
	{"DN390", 2}, {"DR509", 2}, {"DR51", 1}, {"DM545", 1}, {"DR42", 1}
};
static const Dx child_er_dx[] = {
	{"DS610", 2}, {"DS934", 2}, {"DS525", 3}, {"DS060", 3}, {"DS011", 2},
	{"DS420", 2}, {"DT151", 1}, {"DT009", 1}, {"DJ069", 3}, {"DR509", 3},
	{"DA099", 2}, {"DR104", 1}, {"DZ039", 2}
};
static const Dx outpatient_dx[] = {
	{"DZ039", 4}, {"DM161", 2}, {"DM171", 2}, {"DM545", 2}, {"DI489", 2},
	{"DI109", 2}, {"DZ098", 3}, {"DN180", 1}, {"DK219", 1}, {"DG439", 1},
	{"DL409", 1}, {"DZ017", 1}, {"DR104", 1}, {"DG473", 1}, {"DE039", 1},
	{"DN393", 1}, {"DI251", 1}, {"DK802", 1}
};
static const Dx child_outpatient_dx[] = {
	{"DZ039", 3}, {"DJ459", 2}, {"DL209", 2}, {"DR104", 1}, {"DZ098", 2},
	{"DE109", 1}, {"DF900", 1}, {"DQ210", 1}
};
static const Dx cancer_m_dx[] = {
	{"DC619", 4}, {"DC349", 3}, {"DC189", 3}, {"DC679", 1}, {"DC439", 1},
	{"DC859", 1}, {"DC259", 1}, {"DC209", 1}
};
static const Dx cancer_k_dx[] = {
	{"DC509", 6}, {"DC349", 3}, {"DC189", 3}, {"DC439", 1}, {"DC859", 1},
	{"DC259", 1}, {"DC541", 1}, {"DC569", 1}
};
static const Dx psych_dx[] = {
	{"DF329", 4}, {"DF332", 2}, {"DF200", 2}, {"DF319", 1}, {"DF412", 2},
	{"DF431", 2}, {"DF102", 2}, {"DF609", 1}
};
static const Dx birth_dx[] = {
	{"DO800", 70}, {"DO810", 4}, {"DO814", 3}, {"DO821", 8}, {"DO839", 3},
	{"DO840", 1}
};
static const Dx postpartum_dx[] = {
	{"DO864", 3}, {"DO722", 2}, {"DO911", 1}
};
static const Dx neonatal_dx[] = {
	{"DP073", 4}, {"DP221", 2}, {"DP599", 2}, {"DP369", 1}, {"DP051", 1}
};
static const Dx newborn_readm_dx[] = {
	{"DP599", 45}, {"DP929", 20}, {"DE869", 15}, {"DR628", 10}, {"DA099", 5},
	{"DR509", 5}
};
static const Dx copd_acute_dx[] = {
	{"DJ441", 7}, {"DJ449", 2}, {"DJ189", 1}
};
static const Dx t2d_dx[] = {
	{"DE111", 3}, {"DE116", 3}, {"DE119", 4}
};

/*
 * Malformed diagnoses for --dirty; the control characters are written with
 * COPY escapes by out_text.
 */
static const char *const bad_diagnoses[] = {
	"", "123", "X", "D?J4", "DJ4\t41", "DI2\n19", "DE\00186", "DS72\\0", "DZ 03 9"
};

/* One code drawn from a list by weight. */
static const char *
pick_dx(Rng *r, const Dx *list, int n)
{
	int			total = 0;
	int			i;
	int64_t		x;

	for (i = 0; i < n; i++)
		total += list[i].weight;
	x = rng_range(r, 0, total - 1);
	for (i = 0; i < n - 1; i++)
	{
		x -= list[i].weight;
		if (x < 0)
			break;
	}
	return list[i].code;
}

#define PICK(r, list) pick_dx((r), (list), (int) (sizeof(list) / sizeof((list)[0])))

/* Department that treats a diagnosis (by its SKS chapter and block). */
static int
dept_for(const char *code, double age, Rng *r)
{
	if (strncmp(code, "DF", 2) == 0)
		return D_PSYK;
	if (strncmp(code, "DO", 2) == 0 || strncmp(code, "DZ3", 3) == 0)
		return D_GYNOBS;
	if (strncmp(code, "DP", 2) == 0)
		return D_BOERN;
	if (strncmp(code, "DS", 2) == 0 || strncmp(code, "DT", 2) == 0 || strncmp(code, "DM", 2) == 0)
		return D_ORTO;
	if (age < 15)
		return D_BOERN;
	if (strncmp(code, "DC", 2) == 0)
		return D_ONKO;
	if (strncmp(code, "DI2", 3) == 0 || strncmp(code, "DI4", 3) == 0 ||
		strncmp(code, "DI5", 3) == 0 || strncmp(code, "DI1", 3) == 0 ||
		strncmp(code, "DR07", 4) == 0)
		return D_KARDIO;
	if (strncmp(code, "DI6", 3) == 0 || strncmp(code, "DG", 2) == 0)
		return D_NEURO;
	if (strncmp(code, "DK35", 4) == 0 || strncmp(code, "DK4", 3) == 0 ||
		strncmp(code, "DK56", 4) == 0 || strncmp(code, "DK8", 3) == 0 ||
		strncmp(code, "DR10", 4) == 0 || strncmp(code, "DN40", 4) == 0 ||
		strncmp(code, "DN81", 4) == 0 || strncmp(code, "DD25", 4) == 0 ||
		strncmp(code, "DI8", 3) == 0 || strncmp(code, "DZ47", 4) == 0)
		return D_KIR;
	if (age >= 80 && rng_chance(r, 0.5))
		return D_GERI;
	return D_MED;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

typedef enum Table
{
	T_KONTAKTER, T_EPIKRISER, T_BEFOLKNING, T_ENHEDER, T_FORLOEB, T_ORGANISATIONER, T_PERSONER,
	T_DOEDE, T_KRONIKERE, T_FAERDIG, T_MARKOERER, T_RKKP, T_LUP, T_SUNDHED, T_UDGIFTER, T_HENVISNINGER
} Table;

typedef struct Config
{
	Table		table;
	int64_t		target_contacts;	/* 0 when --patients is used */
	int64_t		target_patients;
	uint64_t	seed;
	bool		dirty;
	int			from_year;
	int			to_year;
	int64_t		start_t;		/* 1 January from_year 00:00 local */
	int64_t		end_t;			/* 1 January to_year+1 00:00 local: data end */
} Config;

/* ------------------------------------------------------------------ */
/* Residents: birth cohorts, mortality, CPR numbers                    */
/* ------------------------------------------------------------------ */

#define MALE_AT_BIRTH 0.513

/*
 * Cumulative hazard of a Gompertz-Makeham mortality law, fitted by eye to
 * Danish life tables: yearly mortality about 0.8% (men) and 0.5% (women)
 * at 60, 5.5% and 3.5% at 80, 15% and 11% at 90.
 */
static double
cum_hazard(double age, bool male)
{
	double		b = male ? 1.8e-5 : 0.55e-5;
	double		c = male ? 0.10 : 0.11;

	return 2e-4 * age + b / c * (exp(c * age) - 1.0);
}

/* Probability of surviving to an age, both sexes mixed as at birth. */
static double
survival_mixed(double age)
{
	return MALE_AT_BIRTH * exp(-cum_hazard(age, true)) +
		(1.0 - MALE_AT_BIRTH) * exp(-cum_hazard(age, false));
}

/* Age at death drawn from the mortality law (inverse transform, bisection). */
static double
draw_death_age(Rng *r, bool male)
{
	double		target = -log(1.0 - rng_unit(r));
	double		lo = 0.0,
				hi = 130.0;
	int			i;

	for (i = 0; i < 50; i++)
	{
		double		mid = 0.5 * (lo + hi);

		if (cum_hazard(mid, male) < target)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static int	cohort_first;
static int	cohort_n;
static double *cohort_cum;		/* cumulative birth weight per year */
static double kommune_cum[N_KOMMUNER];

/*
 * Weights births per calendar year so that survivors in mid-2020 follow
 * band_share: a cohort's weight is its band's share per year of age divided
 * by the probability of surviving to its 2020 age.  The open band 95+ is
 * spread over the ages the mortality law reaches; cohorts born after 2020
 * get the weight of the 2020 cohort.
 */
static void
cohort_init(const Config *cfg)
{
	double		total_share = 0.0,
				open_band = 0.0,
				acc = 0.0;
	int			i;

	for (i = 0; i < N_BANDS; i++)
		total_share += band_share[i];
	for (i = 0; i < 300; i++)
		open_band += survival_mixed(95.05 + i * 0.1) * 0.1;

	cohort_first = cfg->from_year - 110;
	cohort_n = cfg->to_year - cohort_first + 1;
	cohort_cum = malloc(sizeof(double) * (size_t) cohort_n);
	if (cohort_cum == NULL)
	{
		fprintf(stderr, "kvalitet-gen: out of memory\n");
		exit(1);
	}
	for (i = 0; i < cohort_n; i++)
	{
		int			age = 2020 - (cohort_first + i);
		double		w;

		if (age < 0)
			age = 0;
		if (age >= 95)
			w = band_share[N_BANDS - 1] / open_band;
		else
			w = band_share[age / 5] / 5.0 / survival_mixed(age + 0.5);
		acc += w / total_share;
		cohort_cum[i] = acc;
	}

	acc = 0.0;
	for (i = 0; i < N_KOMMUNER; i++)
	{
		acc += kommuner[i].pop;
		kommune_cum[i] = acc;
	}
}

typedef struct Contact
{
	int64_t		key;
	Stamp		start;
	Stamp		end;
	bool		open;			/* still running at the data end */
	bool		virt;			/* ALCA03: virtual (telephone or video) */
	bool		acute;
	bool		died;
	int16_t		unit;
	char		diag[12];
} Contact;

typedef struct Resident
{
	int64_t		index;
	int64_t		birth_t;
	int32_t		birth_day;
	int64_t		death_t;
	bool		male;
	int			kommune;
	int			hospital;
	double		frailty;
	bool		copd;
	bool		t2d;
	bool		psych;
	const char *cancer;			/* NULL when none */
	const char *psych_code;
	char		cpr[12];
	int			ncontacts;
	Contact		contacts[MAX_CONTACTS];
} Resident;

/* Age in years at an instant. */
static double
age_at(const Resident *p, int64_t t)
{
	return (double) (t - p->birth_t) / YEAR_SECS;
}

/* Five-year age band of an age, 95+ last. */
static int
band_of(double age)
{
	int			b = (int) (age / 5.0);

	return b < 0 ? 0 : (b >= N_BANDS ? N_BANDS - 1 : b);
}

/*
 * Prevalence of chronic conditions by age in the middle of the period:
 * each pair is (upper age limit, probability), the last limit open.
 */
typedef struct AgeStep
{
	double		below;
	double		p;
} AgeStep;

static const AgeStep copd_prevalence[] = {
	{40, 0.0}, {55, 0.02}, {65, 0.05}, {75, 0.09}, {999, 0.11}
};
static const AgeStep t2d_prevalence[] = {
	{30, 0.002}, {45, 0.015}, {55, 0.04}, {65, 0.08}, {75, 0.13}, {999, 0.15}
};
static const AgeStep cancer_prevalence[] = {
	{40, 0.005}, {50, 0.015}, {65, 0.04}, {75, 0.08}, {999, 0.09}
};
static const AgeStep psych_prevalence[] = {
	{12, 0.01}, {65, 0.04}, {999, 0.015}
};

/* The probability of the first step whose upper limit lies above the age. */
static double
by_age_steps(double age, const AgeStep *steps, int n)
{
	int			i;

	for (i = 0; i < n - 1 && age >= steps[i].below; i++)
		;
	return steps[i].p;
}

#define by_age(age, steps) by_age_steps((age), (steps), (int) (sizeof(steps) / sizeof((steps)[0])))

/*
 * Draws the resident at a position: birth, sex, death, kommune, frailty and
 * chronic conditions.  Returns false for a draw that died before the data
 * period starts (it is skipped; the position is still used up).
 */
static bool
resident_draw(const Config *cfg, Rng *r, Resident *p)
{
	double		u = rng_unit(r) * cohort_cum[cohort_n - 1];
	int			lo = 0,
				hi = cohort_n - 1;
	int			year;
	int32_t		jan1;
	double		mid_age;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (cohort_cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	year = cohort_first + lo;
	jan1 = ymd_days(year, 1, 1);
	p->birth_day = jan1 + (int32_t) rng_range(r, 0, (is_leap(year) ? 366 : 365) - 1);
	p->birth_t = stamp_local(p->birth_day, (int32_t) rng_range(r, 0, 1439) * 60).t;
	p->male = rng_chance(r, MALE_AT_BIRTH);
	p->death_t = p->birth_t + (int64_t) (draw_death_age(r, p->male) * YEAR_SECS);
	if (p->death_t <= cfg->start_t || p->birth_t >= cfg->end_t)
		return false;

	u = rng_unit(r) * kommune_cum[N_KOMMUNER - 1];
	for (p->kommune = 0; p->kommune < N_KOMMUNER - 1 && kommune_cum[p->kommune] <= u; p->kommune++)
		;
	p->hospital = kommuner[p->kommune].hospital;
	p->frailty = exp(0.6 * rng_normal(r) - 0.18);

	mid_age = age_at(p, (cfg->start_t + cfg->end_t) / 2);
	p->copd = rng_chance(r, by_age(mid_age, copd_prevalence));
	p->t2d = rng_chance(r, by_age(mid_age, t2d_prevalence));
	p->cancer = NULL;
	if (rng_chance(r, by_age(mid_age, cancer_prevalence)))
		p->cancer = p->male ? PICK(r, cancer_m_dx) : PICK(r, cancer_k_dx);
	p->psych = rng_chance(r, by_age(mid_age, psych_prevalence));
	p->psych_code = mid_age < 18 ? "DF900" : PICK(r, psych_dx);
	p->ncontacts = 0;
	return true;
}

static uint16_t *cpr_used;		/* serials handed out per (birth day, sex) */
static int32_t cpr_first_day;

/* Allowed 7th digits of a CPR number for a birth year (CPR-kontoret's rule). */
static int
seventh_digits(int year, int *digits)
{
	static const int d1858[] = {5, 6, 7, 8};
	static const int d1900[] = {0, 1, 2, 3};
	static const int d1937[] = {0, 1, 2, 3, 4, 9};
	static const int d2000[] = {4, 5, 6, 7, 8, 9};
	const int  *src;
	int			n = 4;

	if (year < 1900 || year >= 2037)
		src = d1858;
	else if (year < 1937)
		src = d1900;
	else if (year < 2000)
	{
		src = d1937;
		n = 6;
	}
	else
	{
		src = d2000;
		n = 6;
	}
	memcpy(digits, src, sizeof(int) * (size_t) n);
	return n;
}

/*
 * Gives the resident a CPR number: its birth date, a 7th digit that CPR's
 * century rule maps to the birth year, and a sex-consistent last digit.  The
 * serials of one birth date and sex are handed out in a seeded permuted
 * order, so two residents never share a number.  Serials that pass the
 * modulus-11 check are skipped: numbers issued before 2007 all pass it, so
 * a synthetic number is unlikely (though not certain) to be a real one.
 */
static void
assign_cpr(const Config *cfg, Resident *p)
{
	int			y,
				m,
				d,
				digits[6];
	int			nd;
	int			capacity;
	size_t		slot = (size_t) (p->birth_day - cpr_first_day) * 2 + (p->male ? 1 : 0);
	int			offset;

	days_ymd(p->birth_day, &y, &m, &d);
	nd = seventh_digits(y, digits);
	capacity = nd * 500;
	offset = (int) (mix64(cfg->seed ^ ((uint64_t) slot * UINT64_C(0x9e3779b97f4a7c15))) % (uint64_t) capacity);
	for (;;)
	{
		int			k = cpr_used[slot]++;
		int			idx = (int) ((offset + (int64_t) k * 1009) % capacity);
		int			serial = digits[idx / 500] * 1000 + (idx / 5 % 100) * 10 +
			(idx % 5) * 2 + (p->male ? 1 : 0);
		int			dig[10] = {d / 10, d % 10, m / 10, m % 10, y / 10 % 10, y % 10,
			serial / 1000, serial / 100 % 10, serial / 10 % 10, serial % 10};
		static const int weight[10] = {4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
		int			sum = 0;
		int			i;

		for (i = 0; i < 10; i++)
			sum += dig[i] * weight[i];
		if (sum % 11 == 0 && k < capacity)
			continue;
		for (i = 0; i < 10; i++)
			p->cpr[i < 6 ? i : i + 1] = (char) ('0' + dig[i]);
		p->cpr[6] = '-';
		p->cpr[11] = '\0';
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Contact simulation                                                  */
/* ------------------------------------------------------------------ */

typedef struct Sim
{
	const Config *cfg;
	Resident   *p;
	Rng		   *r;
	int64_t		stop;			/* no new episode after this (death) */
} Sim;

/* What an episode left behind, for scheduling what comes next. */
typedef struct Episode
{
	bool		any;			/* wrote at least one contact */
	bool		open;			/* runs past the data end */
	bool		died;
	bool		admitted;		/* lasted 12 hours or more */
	bool		birth;
	Stamp		end;
	const char *main;
} Episode;

/* Local hour-of-day weights of acute arrivals (quiet nights, busy days). */
static const int arrival_hour_w[24] = {
	20, 15, 12, 10, 10, 10, 15, 25, 40, 50, 60, 60,
	60, 60, 60, 60, 60, 55, 50, 45, 40, 35, 30, 25
};

/* Local hour-of-day weights of discharges from wards. */
static const int discharge_hour_w[24] = {
	0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 40, 60,
	70, 70, 60, 50, 40, 30, 20, 15, 10, 5, 0, 0
};

/*
 * Writes the spelling of a diagnosis as a registration would: mostly the
 * normal form, a few in lower case, with a dot, without the D prefix or
 * padded with spaces (docs/indicators.md 2 normalises all of these).
 */
static void
spell_diag(Rng *r, const char *code, char *dst)
{
	double		u = rng_unit(r);
	size_t		n = strlen(code);
	size_t		i;

	if (u < 0.015)
	{
		for (i = 0; i <= n; i++)
			dst[i] = (char) ((code[i] >= 'A' && code[i] <= 'Z') ? code[i] + 32 : code[i]);
	}
	else if (u < 0.030 && n >= 5)
	{
		memcpy(dst, code, 4);
		dst[4] = '.';
		memcpy(dst + 5, code + 4, n - 3);
	}
	else if (u < 0.035)
		memcpy(dst, code + 1, n);
	else if (u < 0.037 && n >= 5)
	{
		for (i = 0; i < 4; i++)
			dst[i] = (char) ((code[i] >= 'A' && code[i] <= 'Z') ? code[i] + 32 : code[i]);
		dst[4] = '.';
		for (i = 4; i <= n; i++)
			dst[i + 1] = (char) ((code[i] >= 'A' && code[i] <= 'Z') ? code[i] + 32 : code[i]);
	}
	else if (u < 0.039)
	{
		dst[0] = ' ';
		memcpy(dst + 1, code, n);
		dst[n + 1] = ' ';
		dst[n + 2] = '\0';
	}
	else
		memcpy(dst, code, n + 1);
}

/*
 * Appends a contact.  Contacts starting at or after the data end are not
 * recorded (returns NULL); contacts ending after it are written open.
 */
static Contact *
add_contact(Sim *s, Stamp start, Stamp end, bool virt, bool acute,
			const char *diag, int unit)
{
	Resident   *p = s->p;
	Contact    *c;

	if (start.t >= s->cfg->end_t || p->ncontacts >= MAX_CONTACTS)
		return NULL;
	c = &p->contacts[p->ncontacts];
	c->key = (p->index + 1) * 1000 + p->ncontacts;
	p->ncontacts++;
	c->start = start;
	c->end = end;
	c->open = end.t > s->cfg->end_t;
	c->virt = virt;
	c->acute = acute;
	c->died = false;
	c->unit = (int16_t) unit;
	spell_diag(s->r, diag, c->diag);
	return c;
}

/* The next night of a daylight-saving change within 60 days, or -1. */
static int32_t
next_dst_night(int32_t day)
{
	const YearInfo *yi = year_info(day);
	int32_t		next;

	if (day < yi->spring)
		next = yi->spring;
	else if (day < yi->autumn)
		next = yi->autumn;
	else
		next = year_info(yi->jan1 + 366)->spring;
	return next - day <= 60 ? next : -1;
}

/*
 * Start of an acute episode near an instant: the same local day at an hour
 * drawn from the arrival profile, moved a day on while it would start
 * before not_before.  Arrivals at night on the day of a daylight-saving
 * change fall in the skipped or repeated hour by themselves, but too rarely
 * for a small data set; so for showcase residents (with allow_dst) one
 * arrival in ten is moved to 02:00-02:59 local time on the coming change
 * day, when that is within 60 days.
 */
static Stamp
acute_start(Sim *s, int64_t around, int64_t not_before, bool allow_dst)
{
	Stamp		a = stamp_at(around > not_before ? around : not_before);
	int32_t		day = a.day;
	int32_t		sec;
	Stamp		st;

	if (allow_dst && s->p->index < SHOWCASE_RESIDENTS && rng_chance(s->r, 0.10))
	{
		int32_t		dst = next_dst_night(day);

		if (dst >= 0)
		{
			st = stamp_local(dst, (int32_t) rng_range(s->r, 120, 179) * 60);
			if (st.t >= not_before && st.t < s->stop)
				return st;
		}
	}
	for (;;)
	{
		sec = (int32_t) (rng_weighted(s->r, arrival_hour_w, 24) * 3600 + rng_range(s->r, 0, 59) * 60);
		st = stamp_local(day, sec);
		if (st.t >= not_before)
			return st;
		day++;
	}
}

/*
 * Start of a planned contact, local time in [lo_min, hi_min): on the day of
 * the given instant when that is a working day, else on one of the next
 * five working days (so weekends and holidays do not all land on Monday);
 * moved on by working days while it would start before not_before.
 */
static Stamp
planned_start(Sim *s, int64_t around, int64_t not_before, int lo_min, int hi_min)
{
	int32_t		day = stamp_at(around > not_before ? around : not_before).day;
	Stamp		st;

	if (!is_working_day(day))
		day = add_working_days(day, (int) rng_range(s->r, 1, 5));
	for (;;)
	{
		if (is_working_day(day))
		{
			st = stamp_local(day, (int32_t) (rng_range(s->r, lo_min / 15, hi_min / 15 - 1) * 15 * 60));
			if (st.t >= not_before)
				return st;
		}
		day++;
	}
}

/* End of a ward contact: a whole number of days later, at a discharge hour. */
static Stamp
ward_end(Sim *s, Stamp start, double median_days, double sigma, int min_days)
{
	int			days = (int) floor(rng_lognormal(s->r, median_days, sigma) + 0.5);
	Stamp		end;

	if (days < min_days)
		days = min_days;
	if (days > 120)
		days = 120;
	end = stamp_local(start.day + days,
					  (int32_t) (rng_weighted(s->r, discharge_hour_w, 24) * 3600 + rng_range(s->r, 0, 59) * 60));
	if (end.t <= start.t + 2 * HOUR_SECS)
		end = stamp_at(start.t + rng_range(s->r, 2 * 60, 8 * 60) * 60);
	return end;
}

/* End after a duration drawn in minutes from a clamped log-normal. */
static Stamp
short_end(Sim *s, Stamp start, double median_min, double sigma, double lo_min, double hi_min)
{
	double		m = rng_lognormal(s->r, median_min, sigma);

	if (m < lo_min)
		m = lo_min;
	if (m > hi_min)
		m = hi_min;
	return stamp_at(start.t + (int64_t) m * 60);
}

/*
 * Gap between two contacts of one transfer chain: mostly none, sometimes
 * minutes or hours, sometimes an overlap, and a few exactly at the 4-hour
 * merge limit or one second past it (which docs/indicators.md 3 splits into two stays).
 */
static int64_t
transfer_gap(Rng *r)
{
	double		u = rng_unit(r);

	if (u < 0.70)
		return 0;
	if (u < 0.85)
		return rng_range(r, 1, 60) * 60;
	if (u < 0.92)
		return rng_range(r, 61, 239) * 60;
	if (u < 0.96)
		return -rng_range(r, 5, 60) * 60;
	if (u < 0.98)
		return MERGE_GAP;
	return MERGE_GAP + 1;
}

/* Episode bookkeeping shared by all episode kinds. */
static void
episode_note(Episode *ep, const Contact *c, Stamp first_start)
{
	if (c == NULL)
		return;
	ep->any = true;
	ep->end = c->end;
	ep->open = c->open;
	ep->died = c->died;
	ep->admitted = c->open || c->end.t - first_start.t >= MIN_ADMISSION;
}

/* Ends a contact with the patient's death at the given instant. */
static void
end_in_death(Contact *c, int64_t death_t)
{
	c->end = stamp_at(death_t);
	if (c->end.t <= c->start.t)
		c->end = stamp_at(c->start.t + 30 * 60);
	c->open = false;
	c->died = true;
}

/*
 * Clips a contact at the death instant when it reaches it.  Returns true
 * when it did, so the transfer chain stops there.
 */
static bool
clip_at_death(Contact *c, int64_t death_t)
{
	if (c == NULL || death_t == NEVER || (!c->open && c->end.t < death_t))
		return false;
	end_in_death(c, death_t);
	return true;
}

/*
 * Whether a transfer chain goes on after contact c: c exists, is closed,
 * did not reach the death instant, and the next contact would start before
 * it.
 */
static bool
chain_continues(Contact *c, int64_t next_start, int64_t death_t)
{
	if (c == NULL || c->open || clip_at_death(c, death_t))
		return false;
	return death_t == NEVER || next_start < death_t;
}

/* Main diagnosis of an acute admission, from the resident's conditions and age. */
static const char *
acute_main(Sim *s, double age)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;

	if (p->copd && rng_chance(r, 0.35))
		return PICK(r, copd_acute_dx);
	if (p->t2d && rng_chance(r, 0.10))
		return PICK(r, t2d_dx);
	if (p->cancer && rng_chance(r, 0.25))
		return p->cancer;
	if (age < 15)
		return PICK(r, child_acute_dx);
	if (age < 65)
		return PICK(r, adult_acute_dx);
	return PICK(r, elderly_acute_dx);
}

/* Symptom diagnosis often given at the acute unit before the ward's. */
static const char *
symptom_code(int dept, double age)
{
	if (age < 15)
		return "DR509";
	if (dept == D_KARDIO)
		return "DR074";
	if (dept == D_KIR)
		return "DR109";
	return "DZ039";
}

/*
 * An acute admission: usually an acute-unit contact followed by a transfer
 * to a ward and sometimes a further transfer; sometimes a short stay in the
 * acute unit only, sometimes straight to the ward.  Psychiatric admissions
 * are a single long contact.  With death_t set, the stay lasts until that
 * instant and its last contact carries died = true.
 */
static Episode
ep_acute_admission(Sim *s, Stamp start, const char *main, int64_t death_t)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;
	double		age = age_at(p, start.t);
	int			h = p->hospital;
	int			psite = kommuner[p->kommune].psych;
	double		los = age >= 65 ? 3.0 : 2.0;
	int			dept;
	double		u;
	Episode		ep;
	Contact    *last;

	memset(&ep, 0, sizeof(ep));
	if (main == NULL)
		main = acute_main(s, age);
	ep.main = main;
	dept = dept_for(main, age, r);
	u = rng_unit(r);

	if (dept == D_PSYK)
		last = add_contact(s, start, ward_end(s, start, 12.0, 0.9, 1), false, true, main,
						   unit_for(h, dept, psite));
	else if (u < 0.10)
		last = add_contact(s, start, ward_end(s, start, los, 0.8, 1), false, true, main,
						   unit_for(h, dept, psite));
	else if (u < 0.28)
		last = add_contact(s, start, short_end(s, start, 20 * 60, 0.4, 12 * 60, 47 * 60), false, true,
						   main, unit_for(h, D_AKUT, psite));
	else
	{
		int			ward_h = (dept == D_KARDIO && rng_chance(r, 0.3)) ? H_AUH : h;
		Contact    *c;
		Stamp		st;

		c = add_contact(s, start, short_end(s, start, 5 * 60, 0.5, 60, 11 * 60), false, true,
						rng_chance(r, 0.5) ? symptom_code(dept, age) : main,
						unit_for(h, D_AKUT, psite));
		last = c;
		if (c != NULL && chain_continues(c, c->end.t + MERGE_GAP + 1, death_t))
		{
			st = stamp_at(c->end.t + transfer_gap(r));
			c = add_contact(s, st, ward_end(s, st, los, 0.8, 1), false, true, main,
							unit_for(ward_h, dept, psite));
			last = c != NULL ? c : last;
			if (c != NULL && chain_continues(c, c->end.t + MERGE_GAP + 1, death_t) &&
				rng_chance(r, age >= 65 ? 0.30 : 0.15))
			{
				/* on to geriatrics or medicine, back at the home hospital */
				st = stamp_at(c->end.t + transfer_gap(r));
				c = add_contact(s, st, ward_end(s, st, 3.0, 0.7, 1), false, true, main,
								unit_for(h, age >= 65 ? D_GERI : D_MED, psite));
				last = c != NULL ? c : last;
			}
		}
	}
	if (last != NULL && death_t != NEVER && !last->died)
		end_in_death(last, death_t);
	episode_note(&ep, last, start);
	return ep;
}

/* A planned admission to a ward, sometimes with one transfer. */
static Episode
ep_planned_admission(Sim *s, int64_t around, int64_t not_before)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;
	Stamp		start = planned_start(s, around, not_before, 7 * 60, 11 * 60);
	double		age = age_at(p, start.t);
	const char *main;
	int			psite = kommuner[p->kommune].psych;
	Episode		ep;
	Contact    *c;

	memset(&ep, 0, sizeof(ep));
	if (p->cancer && rng_chance(r, 0.6))
		main = p->cancer;
	else if (age < 15)
		main = PICK(r, child_outpatient_dx);
	else
		main = PICK(r, planned_dx);
	ep.main = main;
	c = add_contact(s, start, ward_end(s, start, 1.5, 0.7, 1), false, false, main,
					unit_for(p->hospital, dept_for(main, age, r), psite));
	if (c != NULL && !c->open && rng_chance(r, 0.12))
	{
		Stamp		st = stamp_at(c->end.t + transfer_gap(r));

		c = add_contact(s, st, ward_end(s, st, 2.0, 0.6, 1), false, false, main,
						unit_for(p->hospital, D_MED, psite));
	}
	if (c == NULL && p->ncontacts > 0)
		c = &p->contacts[p->ncontacts - 1];
	if (c != NULL && c->start.t >= start.t)
		episode_note(&ep, c, start);
	return ep;
}

/* An emergency-department visit of a few hours. */
static Episode
ep_er_visit(Sim *s, int64_t around, int64_t not_before)
{
	Resident   *p = s->p;
	Stamp		start = acute_start(s, around, not_before, true);
	Episode		ep;
	Contact    *c;

	memset(&ep, 0, sizeof(ep));
	c = add_contact(s, start, short_end(s, start, 180, 0.6, 20, 690), false, true,
					age_at(p, start.t) < 15 ? PICK(s->r, child_er_dx) : PICK(s->r, er_dx),
					unit_for(p->hospital, D_AKUT, 0));
	episode_note(&ep, c, start);
	return ep;
}

/* Diagnosis of a planned outpatient or virtual contact. */
static const char *
outpatient_diag(Sim *s, double age)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;

	if (p->psych && rng_chance(r, 0.5))
		return p->psych_code;
	if (p->cancer && rng_chance(r, 0.45))
		return p->cancer;
	if (p->copd && rng_chance(r, 0.4))
		return "DJ449";
	if (p->t2d && rng_chance(r, 0.35))
		return rng_chance(r, 0.7) ? "DE119" : "DE116";
	if (age < 15)
		return PICK(r, child_outpatient_dx);
	if (!p->male && age >= 20 && age < 40 && rng_chance(r, 0.15))
		return "DZ348";
	return PICK(r, outpatient_dx);
}

/*
 * A planned outpatient visit (under an hour mostly, a few day procedures of
 * several hours) or, with virt, a virtual contact (telephone or video, ALCA03).
 */
static Episode
ep_outpatient(Sim *s, int64_t around, int64_t not_before, bool virt)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;
	Stamp		start = planned_start(s, around, not_before, 8 * 60, 15 * 60 + 30);
	double		age = age_at(p, start.t);
	const char *diag = outpatient_diag(s, age);
	int			unit = unit_for(p->hospital, dept_for(diag, age, r), kommuner[p->kommune].psych);
	Stamp		end;
	Episode		ep;

	memset(&ep, 0, sizeof(ep));
	if (virt)
		end = stamp_at(start.t + rng_range(r, 5, 30) * 60);
	else if (rng_chance(r, 0.10))
		end = short_end(s, start, 300, 0.3, 180, 540);
	else
		end = short_end(s, start, 35, 0.5, 10, 180);
	episode_note(&ep, add_contact(s, start, end, virt, false, diag, unit), start);
	return ep;
}

/* Duration of a birth stay: a third go home within hours, the rest after days. */
static Stamp
birth_stay_end(Sim *s, Stamp start)
{
	if (rng_chance(s->r, 0.35))
		return short_end(s, start, 7 * 60, 0.3, 4 * 60, 11 * 60);
	return ward_end(s, start, 2.0, 0.5, 1);
}

/* A woman giving birth: mostly acute, some planned caesarean sections. */
static Episode
ep_birth(Sim *s, int64_t around, int64_t not_before)
{
	Resident   *p = s->p;
	bool		planned = rng_chance(s->r, 0.10);
	Stamp		start = planned ? planned_start(s, around, not_before, 7 * 60, 11 * 60)
		: acute_start(s, around, not_before, true);
	const char *diag = planned ? "DO820" : PICK(s->r, birth_dx);
	Episode		ep;

	memset(&ep, 0, sizeof(ep));
	ep.birth = true;
	ep.main = diag;
	episode_note(&ep, add_contact(s, start, birth_stay_end(s, start), false, !planned, diag,
								  unit_for(p->hospital, D_GYNOBS, 0)), start);
	return ep;
}

/* The birth contact of a resident born during the data period. */
static Episode
ep_newborn(Sim *s)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;
	Stamp		start = stamp_at(p->birth_t);
	Episode		ep;
	Contact    *c;

	memset(&ep, 0, sizeof(ep));
	c = add_contact(s, start, birth_stay_end(s, start), false, true,
					rng_chance(r, 0.95) ? "DZ380" : "DZ383", unit_for(p->hospital, D_GYNOBS, 0));
	if (c != NULL && !c->open && rng_chance(r, 0.08))
	{
		Stamp		st = stamp_at(c->end.t + transfer_gap(r));

		c = add_contact(s, st, ward_end(s, st, 7.0, 0.7, 1), false, true,
						PICK(r, neonatal_dx), unit_for(p->hospital, D_BOERN, 0));
	}
	if (c == NULL && p->ncontacts > 0)
		c = &p->contacts[p->ncontacts - 1];
	episode_note(&ep, c, start);
	return ep;
}

/* A newborn's acute readmission (jaundice, feeding problems, dehydration). */
static Episode
ep_newborn_readmission(Sim *s, Stamp start)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;
	const char *diag = PICK(r, newborn_readm_dx);
	Stamp		end = rng_chance(r, 0.5) ? short_end(s, start, 6 * 60, 0.3, 3 * 60, 11 * 60)
		: ward_end(s, start, 2.0, 0.5, 1);
	Episode		ep;

	memset(&ep, 0, sizeof(ep));
	ep.main = diag;
	episode_note(&ep, add_contact(s, start, end, false, true, diag,
								  unit_for(p->hospital, D_BOERN, 0)), start);
	return ep;
}

/* A readmission waiting to happen. */
typedef struct Pending
{
	bool		set;
	bool		exact;			/* start exactly at `at` */
	bool		newborn;
	int64_t		at;
	int64_t		not_before;
	const char *main;
} Pending;

/*
 * After an admission, maybe schedules an acute readmission: more likely
 * with age, frailty and COPD; mostly within two weeks, and a few exactly
 * 720 hours or 720 hours and one second after the discharge.
 */
static void
maybe_readmit(Sim *s, const Episode *ep, Pending *pd)
{
	Resident   *p = s->p;
	Rng		   *r = s->r;
	double		age = age_at(p, ep->end.t);
	double		prob = age < 15 ? 0.03 : age < 65 ? 0.06 : age < 80 ? 0.09 : 0.10;
	double		u;

	if (!ep->any || ep->open || ep->died || !ep->admitted)
		return;
	if (p->copd)
		prob *= 1.5;
	prob *= sqrt(p->frailty < 3.0 ? p->frailty : 3.0);
	if (!rng_chance(r, prob))
		return;
	pd->set = true;
	pd->newborn = false;
	pd->not_before = ep->end.t + EPISODE_GAP;
	u = rng_unit(r);
	pd->exact = u < 0.04;
	if (u < 0.02)
		pd->at = ep->end.t + WINDOW_30D;
	else if (u < 0.04)
		pd->at = ep->end.t + WINDOW_30D + 1;
	else
	{
		double		days;

		do
			days = rng_exp(r, 7.0);
		while (days >= 29.0);
		pd->at = ep->end.t + (int64_t) (days * DAY_SECS);
	}
	if (ep->birth)
		pd->main = PICK(r, postpartum_dx);
	else
		pd->main = rng_chance(r, 0.4) ? ep->main : NULL;
}

/* Probability that a death in the period happens in hospital. */
static double
hospital_death_share(double age)
{
	return age < 60 ? 0.35 : age < 85 ? 0.50 : 0.40;
}

/* Largest event rate (per second) a resident can have over the period. */
static double
max_rate(const Sim *s, double out_f)
{
	const Resident *p = s->p;
	int			b0 = band_of(age_at(p, s->cfg->start_t));
	int			b1 = band_of(age_at(p, s->cfg->end_t));
	double		best = 0.0;
	int			b;

	for (b = b0; b <= b1; b++)
	{
		double		sum = rate_acute_adm[b] * p->frailty * 2.5 * 1.3 +
			rate_planned_adm[b] * sqrt(p->frailty) * 2.5 +
			rate_er[b] * p->frailty +
			rate_outpatient[b] * out_f * 1.25;

		if (sum > best)
			best = sum;
	}
	/* room for psychiatric admissions and births */
	return (best + 0.12 + 0.12) / YEAR_SECS;
}

/* Multiplier of outpatient visits from chronic conditions. */
static double
outpatient_factor(const Resident *p)
{
	double		f = sqrt(p->frailty);

	if (p->copd)
		f *= 1.5;
	if (p->t2d)
		f *= 1.5;
	if (p->cancer)
		f *= 2.0;
	if (p->psych)
		f *= 2.0;
	return f;
}

/* Fertility per woman-year by age. */
static double
fertility(double age)
{
	if (age < 18 || age >= 46)
		return 0.0;
	if (age < 20)
		return 0.01;
	if (age < 25)
		return 0.035;
	if (age < 30)
		return 0.10;
	if (age < 35)
		return 0.12;
	if (age < 40)
		return 0.055;
	return 0.012;
}

/*
 * Simulates one resident's contacts over the data period.  Episodes arrive
 * as a Poisson process thinned from a constant upper rate, so rates can
 * follow age exactly; each episode is followed by a quiet gap; scheduled
 * readmissions are inserted when they come first.  A death inside the
 * period is either silent (nothing after it) or ends a last acute stay.
 */
static void
simulate(Sim *s)
{
	const Config *cfg = s->cfg;
	Resident   *p = s->p;
	Rng		   *r = s->r;
	int64_t		t = p->birth_t > cfg->start_t ? p->birth_t : cfg->start_t;
	int64_t		stop = p->death_t < cfg->end_t ? p->death_t : cfg->end_t;
	int64_t		terminal_at = NEVER;
	int64_t		next_birth = 0;
	double		out_f = outpatient_factor(p);
	double		lmax = max_rate(s, out_f);
	Pending		pd;
	Episode		ep;

	memset(&pd, 0, sizeof(pd));
	if (p->death_t < cfg->end_t &&
		rng_chance(r, hospital_death_share(age_at(p, p->death_t))))
	{
		terminal_at = p->death_t - (int64_t) (rng_lognormal(r, 4.0, 0.9) * DAY_SECS) - HOUR_SECS;
		stop = terminal_at - EPISODE_GAP;
	}
	s->stop = stop;

	if (p->birth_t >= cfg->start_t)
	{
		ep = ep_newborn(s);
		if (ep.any && !ep.open)
		{
			t = ep.end.t + EPISODE_GAP;
			if (rng_chance(r, 0.06))
			{
				pd.set = true;
				pd.newborn = true;
				pd.exact = false;
				pd.not_before = t;
				pd.at = ep.end.t + rng_range(r, 1, 14) * DAY_SECS;
			}
		}
		else if (ep.open)
			return;
	}

	for (;;)
	{
		int64_t		cand = t + (int64_t) rng_exp(r, 1.0 / lmax);
		double		age,
					u;
		int			b;

		if (pd.set && pd.at <= cand)
		{
			Stamp		st;

			pd.set = false;
			if (pd.at >= stop)
				break;
			if (pd.exact)
				st = stamp_at(pd.at);
			else
				st = acute_start(s, pd.at, pd.not_before, false);
			if (st.t >= stop)
				break;
			if (pd.newborn)
				ep = ep_newborn_readmission(s, st);
			else
				ep = ep_acute_admission(s, st, pd.main, NEVER);
			if (!ep.any)
				continue;
			if (ep.open)
				return;
			t = ep.end.t + EPISODE_GAP;
			maybe_readmit(s, &ep, &pd);
			continue;
		}
		if (cand >= stop)
			break;

		age = age_at(p, cand);
		b = band_of(age);
		u = rng_unit(r) * lmax * YEAR_SECS;
		memset(&ep, 0, sizeof(ep));
		if ((u -= rate_acute_adm[b] * p->frailty * (p->copd ? 2.5 : 1.0) * (p->t2d ? 1.3 : 1.0)) < 0)
			ep = ep_acute_admission(s, acute_start(s, cand, t, true), NULL, NEVER);
		else if ((u -= rate_planned_adm[b] * sqrt(p->frailty) * (p->cancer ? 2.5 : 1.0)) < 0)
			ep = ep_planned_admission(s, cand, t);
		else if ((u -= rate_er[b] * p->frailty) < 0)
			ep = ep_er_visit(s, cand, t);
		else if ((u -= rate_outpatient[b] * out_f) < 0)
			ep = ep_outpatient(s, cand, t, false);
		else if ((u -= 0.25 * rate_outpatient[b] * out_f) < 0)
			ep = ep_outpatient(s, cand, t, true);
		else if ((u -= (p->psych && age >= 12 ? 0.12 : 0.0)) < 0)
			ep = ep_acute_admission(s, acute_start(s, cand, t, true), p->psych_code, NEVER);
		else if (!p->male && cand >= next_birth && (u -= fertility(age)) < 0)
		{
			ep = ep_birth(s, cand, t);
			next_birth = ep.end.t + (int64_t) (1.3 * YEAR_SECS);
		}
		if (!ep.any)
		{
			t = cand;
			continue;
		}
		if (ep.open)
			return;
		t = ep.end.t + EPISODE_GAP;
		if (t >= stop)
			break;
		maybe_readmit(s, &ep, &pd);
	}

	if (p->index < SHOWCASE_RESIDENTS && terminal_at == NEVER && p->death_t >= cfg->end_t &&
		t < cfg->end_t - 5 * DAY_SECS && rng_chance(r, 0.02))
	{
		/* an admission in the last days, likely still open at the data end */
		ep_acute_admission(s, acute_start(s, cfg->end_t - rng_range(r, 1, 5) * DAY_SECS, t, false),
						   NULL, NEVER);
	}
	if (terminal_at != NEVER)
	{
		Stamp		st = acute_start(s, terminal_at, t, false);

		if (st.t < p->death_t - HOUR_SECS)
			ep_acute_admission(s, st, p->cancer && rng_chance(r, 0.5) ? p->cancer : NULL, p->death_t);
	}
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

/* Kinds of --dirty kontakter rows. */
enum
{
	DIRTY_NONE, DIRTY_NULL_CPR, DIRTY_NULL_START, DIRTY_END_BEFORE_START,
	DIRTY_BAD_DIAG, DIRTY_NULL_DIAG, DIRTY_DUPLICATE, N_DIRTY
};

/* Kinds of --dirty epikriser rows. */
enum
{
	LETTER_CLEAN, LETTER_DUPLICATE, LETTER_NULL_DISCHARGE, LETTER_NULL_CPR, N_LETTER_DIRTY
};

/*
 * --pseudonymise: patient keys are written as pseudonyms in the style of
 * Forskerservice's cpr_encrypted (a fixed-length text derived from the CPR
 * number and the seed, the same in every table of a run) instead of CPR
 * numbers; ages then need a birth date (table personer).
 */
static bool pseudonymise;
static uint64_t pseudonym_seed;

static const char *
patient_key(const Resident *p)
{
	static char buf[40];
	uint64_t	h = pseudonym_seed;
	const char *c;

	if (!pseudonymise)
		return p->cpr;
	for (c = p->cpr; *c; c++)
		h = mix64(h ^ (uint64_t) (unsigned char) *c);
	snprintf(buf, sizeof(buf), "%016llX%016llX", (unsigned long long) h,
			 (unsigned long long) mix64(h ^ UINT64_C(0x9E3779B97F4A7C15)));
	return buf;
}

/*
 * Groups a resident's contacts into forløb (LPR3's dw_ek_forloeb): the
 * physical-attendance contacts of one stay (docs/indicators.md 3) share one,
 * keyed by the stay's first contact; a virtual contact has its own.  fkey[k]
 * is the forløb key of contact k.  A contact that died is the last of its
 * resident, so its forløb ends with it.
 */
static void
forloeb_keys(const Resident *p, int64_t *fkey)
{
	static const Contact *order[MAX_CONTACTS];
	int			n = 0;
	int			i = 0;
	int			k;

	for (k = 0; k < p->ncontacts; k++)
	{
		const Contact *c = &p->contacts[k];
		int			j;

		fkey[k] = c->key;
		if (c->virt)
			continue;
		for (j = n; j > 0 && (c->start.t < order[j - 1]->start.t ||
							  (c->start.t == order[j - 1]->start.t &&
							   (c->open ? NEVER : c->end.t) < (order[j - 1]->open ? NEVER : order[j - 1]->end.t))); j--)
			order[j] = order[j - 1];
		order[j] = c;
		n++;
	}
	while (i < n)
	{
		int64_t		first = order[i]->key;
		int64_t		stay_end = order[i]->open ? NEVER : order[i]->end.t;

		fkey[order[i] - p->contacts] = first;
		for (i++; i < n && order[i]->start.t <= stay_end + MERGE_GAP; i++)
		{
			int64_t		ce = order[i]->open ? NEVER : order[i]->end.t;

			if (ce > stay_end)
				stay_end = ce;
			fkey[order[i] - p->contacts] = first;
		}
	}
}

/* Writes one kontakter row, corrupted as `dirty` says. */
static void
write_contact(const Resident *p, const Contact *c, int64_t key, int64_t fkey, int dirty, Rng *dr)
{
	out_int(key);
	out_char('\t');
	if (dirty == DIRTY_NULL_CPR)
		out_str("\\N");
	else
		out_str(patient_key(p));
	out_char('\t');
	if (dirty == DIRTY_NULL_START)
		out_str("\\N\t\\N");
	else
	{
		out_date(c->start.day);
		out_char('\t');
		out_time(c->start.sec);
	}
	out_char('\t');
	if (dirty == DIRTY_END_BEFORE_START)
	{
		Stamp		e = stamp_at(c->start.t - rng_range(dr, 60, 72 * 60) * 60);

		out_date(e.day);
		out_char('\t');
		out_time(e.sec);
	}
	else if (c->open)
		out_str("\\N\t\\N");
	else
	{
		out_date(c->end.day);
		out_char('\t');
		out_time(c->end.sec);
	}
	out_str(c->virt ? "\tALCA03\t" : "\tALCA00\t");
	out_str(c->acute ? "ATA1\t" : "ATA3\t");
	if (dirty == DIRTY_BAD_DIAG)
		out_text(bad_diagnoses[rng_range(dr, 0, (int64_t) (sizeof(bad_diagnoses) / sizeof(bad_diagnoses[0])) - 1)]);
	else if (dirty == DIRTY_NULL_DIAG)
		out_str("\\N");
	else
		out_text(c->diag);
	out_char('\t');
	out_str(units[c->unit].sor);
	out_str(c->died ? "\tt\t" : "\tf\t");
	out_str(kommuner[p->kommune].code);
	out_char('\t');
	out_int(fkey);
	out_char('\n');
}

/* Writes a resident's contacts; with --dirty about 1% are corrupted or duplicated. */
static void
write_kontakter(const Config *cfg, const Resident *p)
{
	static int64_t fkey[MAX_CONTACTS];
	Rng			dr = rng_for(cfg->seed, (uint64_t) p->index, 1);
	int			dups = 0;
	int			i;

	forloeb_keys(p, fkey);
	for (i = 0; i < p->ncontacts; i++)
	{
		const Contact *c = &p->contacts[i];
		int			dirty = DIRTY_NONE;

		if (cfg->dirty && rng_chance(&dr, 0.01))
			dirty = (int) rng_range(&dr, 1, N_DIRTY - 1);
		if (dirty == DIRTY_DUPLICATE)
		{
			write_contact(p, c, c->key, fkey[i], DIRTY_NONE, &dr);
			write_contact(p, c, (p->index + 1) * 1000 + DUP_SEQ_BASE + dups++, fkey[i], DIRTY_NONE, &dr);
		}
		else
			write_contact(p, c, c->key, fkey[i], dirty, &dr);
	}
}

/*
 * When the discharge letter of a discharge is sent, or false when none is:
 * mostly within hours, else on one of the next working days (so Fridays,
 * weekends and holidays push letters on), a few late by days or weeks, a
 * few before the discharge.
 */
static bool
letter_sent(Rng *r, int64_t discharged, int64_t *sent)
{
	double		u = rng_unit(r);
	int32_t		day = stamp_at(discharged).day;
	int32_t		office = (int32_t) (rng_range(r, 8 * 4, 16 * 4 - 1) * 15 * 60 + rng_range(r, 0, 899));

	if (u < 0.03)
		return false;
	if (u < 0.04)
		*sent = discharged - rng_range(r, 5 * 60, 3600);
	else if (u < 0.60)
		*sent = discharged + rng_range(r, 10 * 60, 3 * 3600);
	else if (u < 0.85)
		*sent = stamp_local(add_working_days(day, 1), office).t;
	else if (u < 0.92)
		*sent = stamp_local(add_working_days(day, 2), office).t;
	else if (u < 0.97)
		*sent = stamp_local(add_working_days(day, (int) rng_range(r, 3, 6)), office).t;
	else
		*sent = stamp_local(day + (int32_t) rng_range(r, 6, 20), office).t;
	return true;
}

/* Writes one epikriser row; a NULL discharged_at when discharged is NEVER. */
static void
write_letter(const Resident *p, int64_t key, bool null_cpr, int64_t discharged, bool has_sent, int64_t sent)
{
	out_int(key);
	out_char('\t');
	out_str(null_cpr ? "\\N" : patient_key(p));
	out_char('\t');
	if (discharged == NEVER)
		out_str("\\N");
	else
		out_timestamptz(discharged);
	out_char('\t');
	if (has_sent)
		out_timestamptz(sent);
	else
		out_str("\\N");
	out_char('\n');
}

/* Order of contacts in a stay: by start, then end, open ones last (docs/indicators.md 3). */
static bool
contact_before(const Contact *a, const Contact *b)
{
	int64_t		ae = a->open ? NEVER : a->end.t;
	int64_t		be = b->open ? NEVER : b->end.t;

	return a->start.t < b->start.t || (a->start.t == b->start.t && ae < be);
}

/*
 * Forms the resident's stays from the physical-attendance contacts by the
 * rules of docs/indicators.md 3 and writes one letter row per closed admission that did
 * not end in death, keyed by its discharging contact.
 */
static void
write_epikriser(const Config *cfg, const Resident *p)
{
	static const Contact *order[MAX_CONTACTS];
	Rng			er = rng_for(cfg->seed, (uint64_t) p->index, 2);
	Rng			dr = rng_for(cfg->seed, (uint64_t) p->index, 1);
	int			n = 0;
	int			i = 0;

	for (int k = 0; k < p->ncontacts; k++)
	{
		const Contact *c = &p->contacts[k];
		int			j;

		if (c->virt)
			continue;
		for (j = n; j > 0 && contact_before(c, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = c;
		n++;
	}

	while (i < n)
	{
		const Contact *disch = order[i];
		int64_t		stay_start = order[i]->start.t;
		int64_t		stay_end = order[i]->open ? NEVER : order[i]->end.t;
		bool		died = order[i]->died;

		for (i++; i < n && order[i]->start.t <= stay_end + MERGE_GAP; i++)
		{
			const Contact *c = order[i];
			int64_t		ce = c->open ? NEVER : c->end.t;
			int64_t		de = disch->open ? NEVER : disch->end.t;

			if (ce > stay_end)
				stay_end = ce;
			if (ce >= de)
				disch = c;
			died = died || c->died;
		}
		if (stay_end != NEVER && !died && stay_end - stay_start >= MIN_ADMISSION)
		{
			int64_t		sent = 0;
			bool		has_sent = letter_sent(&er, stay_end, &sent);
			int			dirty = LETTER_CLEAN;

			if (cfg->dirty && rng_chance(&dr, 0.01))
				dirty = (int) rng_range(&dr, 1, N_LETTER_DIRTY - 1);
			write_letter(p, disch->key, dirty == LETTER_NULL_CPR,
						 dirty == LETTER_NULL_DISCHARGE ? NEVER : stay_end, has_sent, sent);
			if (dirty == LETTER_DUPLICATE)
				write_letter(p, disch->key, false, stay_end, has_sent, sent);
		}
	}
}

/* Writes the unit table. */
static void
write_enheder(void)
{
	int			i;

	for (i = 0; i < n_units; i++)
	{
		out_str(units[i].sor);
		out_char('\t');
		out_text(units[i].navn);
		out_char('\t');
		out_text(hospital_name[units[i].hospital]);
		out_char('\t');
		out_text(dept_name[units[i].dept]);
		out_char('\n');
	}
}

/*
 * Writes a resident's forløb: key, patient, start and end (local date and
 * time; NULL end while a contact of it is open) and afslutningsmaade:
 * ALAC70 (afsluttet ved patientens død) when it ended in death, NULL while
 * open, else ALAC01 (kvalitet reads only ALAC70).
 */
static void
write_forloeb(const Resident *p)
{
	static int64_t fkey[MAX_CONTACTS];
	int			k;

	forloeb_keys(p, fkey);
	for (k = 0; k < p->ncontacts; k++)
	{
		const Contact *first = &p->contacts[k];
		Stamp		start = first->start;
		Stamp		end = first->end;
		bool		open = false;
		bool		died = false;
		int			j;

		if (fkey[k] != first->key)
			continue;
		for (j = 0; j < p->ncontacts; j++)
		{
			const Contact *c = &p->contacts[j];

			if (fkey[j] != fkey[k])
				continue;
			if (c->start.t < start.t)
				start = c->start;
			if (c->open)
				open = true;
			else if (c->end.t > end.t)
				end = c->end;
			died = died || c->died;
		}
		out_int(fkey[k]);
		out_char('\t');
		out_str(patient_key(p));
		out_char('\t');
		out_date(start.day);
		out_char('\t');
		out_time(start.sec);
		out_char('\t');
		if (open)
			out_str("\\N\t\\N\t\\N\n");
		else
		{
			out_date(end.day);
			out_char('\t');
			out_time(end.sec);
			out_str(died ? "\tALAC70\n" : "\tALAC01\n");
		}
	}
}

/*
 * Writes the units as LPR3_F's organisationer: SOR-like code, institution
 * (the hospital), level 1 (the department), level 2 (the unit) and the
 * validity (from 1 January 2010, open-ended).
 */
static void
write_organisationer(void)
{
	int			i;

	for (i = 0; i < n_units; i++)
	{
		out_str(units[i].sor);
		out_char('\t');
		out_text(hospital_name[units[i].hospital]);
		out_char('\t');
		out_text(dept_name[units[i].dept]);
		out_char('\t');
		out_text(units[i].navn);
		out_str("\t2010-01-01\t\\N\n");
	}
}

/* Writes a resident as a BEF-like population-register row: key, birth date, sex, kommune. */
static void
write_person(const Resident *p)
{
	out_str(patient_key(p));
	out_char('\t');
	out_date(p->birth_day);
	out_str(p->male ? "\tM\t" : "\tK\t");
	out_str(kommuner[p->kommune].code);
	out_char('\n');
}

/* Writes a resident's CPR death date when it dies within the data period. */
static void
write_doed(const Config *cfg, const Resident *p)
{
	if (p->death_t < cfg->start_t || p->death_t >= cfg->end_t)
		return;
	out_str(patient_key(p));
	out_char('\t');
	out_date(stamp_at(p->death_t).day);
	out_char('\n');
}

/*
 * Writes a resident's chronic-register periods (KOL, type 2 diabetes): from
 * a diagnosis age drawn around 60 (KOL) or 55 (diabetes), open-ended, or
 * ending on the day of death; nothing when that age lies after the data.
 */
static void
write_kroniker(const Config *cfg, const Resident *p)
{
	Rng			r = rng_for(cfg->seed, (uint64_t) p->index, 3);
	int			d;

	for (d = 0; d < 2; d++)
	{
		bool		has = d == 0 ? p->copd : p->t2d;
		double		age = (d == 0 ? 60.0 : 55.0) + 8.0 * rng_normal(&r);
		int64_t		from = p->birth_t + (int64_t) ((age < 30.0 ? 30.0 : age) * YEAR_SECS);

		if (!has || from >= cfg->end_t || from >= p->death_t)
			continue;
		out_str(patient_key(p));
		out_str(d == 0 ? "\tcopd\t" : "\ttype2_diabetes\t");
		out_date(stamp_at(from).day);
		out_char('\t');
		if (p->death_t < cfg->end_t)
			out_date(stamp_at(p->death_t).day);
		else
			out_str("\\N");
		out_char('\n');
	}
}

/* Is a unit's department medical (færdigbehandling periods come from these)? */
static bool
medical_unit(int unit)
{
	int			d = unit >= 0 && unit < n_units ? units[unit].dept : -1;

	return d == D_MED || d == D_GERI || d == D_KARDIO || d == D_NEURO || d == D_AKUT;
}

/*
 * Writes færdigbehandling periods: a closed admission of a resident aged 65
 * or over, discharged alive from a medical unit, waited for the kommune
 * after it was declared ready for discharge with probability 0.2, for
 * 1 + an exponential number of days (mean 2); the period ends at the
 * discharge.  Stays are formed as for the letters.
 */
static void
write_faerdig(const Config *cfg, const Resident *p)
{
	static const Contact *order[MAX_CONTACTS];
	Rng			r = rng_for(cfg->seed, (uint64_t) p->index, 4);
	int			n = 0;
	int			i = 0;

	for (int k = 0; k < p->ncontacts; k++)
	{
		const Contact *c = &p->contacts[k];
		int			j;

		if (c->virt)
			continue;
		for (j = n; j > 0 && contact_before(c, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = c;
		n++;
	}
	while (i < n)
	{
		const Contact *disch = order[i];
		int64_t		stay_start = order[i]->start.t;
		int64_t		stay_end = order[i]->open ? NEVER : order[i]->end.t;
		bool		died = order[i]->died;

		for (i++; i < n && order[i]->start.t <= stay_end + MERGE_GAP; i++)
		{
			const Contact *c = order[i];
			int64_t		ce = c->open ? NEVER : c->end.t;

			if (ce > stay_end)
				stay_end = ce;
			if (ce >= (disch->open ? NEVER : disch->end.t))
				disch = c;
			died = died || c->died;
		}
		if (stay_end != NEVER && !died && stay_end - stay_start >= 2 * DAY_SECS &&
			age_at(p, stay_start) >= 65.0 && medical_unit(disch->unit) && rng_chance(&r, 0.2))
		{
			int64_t		wait = (int64_t) ((1.0 + rng_exp(&r, 2.0)) * DAY_SECS);
			int64_t		ready = stay_end - wait;

			if (ready < stay_start + DAY_SECS)
				ready = stay_start + DAY_SECS;
			out_str(patient_key(p));
			out_char('\t');
			out_str(kommuner[p->kommune].code);
			out_char('\t');
			out_timestamptz(ready);
			out_char('\t');
			out_timestamptz(stay_end);
			out_char('\n');
		}
	}
}

/* Writes one pathway marker row. */
static void
write_marker(const Resident *p, int64_t forloeb, const char *code, int64_t t)
{
	Stamp		st = stamp_at(t);

	out_str(patient_key(p));
	out_char('\t');
	out_int(forloeb);
	out_char('\t');
	out_str(code);
	out_char('\t');
	out_date(st.day);
	out_char('\t');
	out_time(st.sec);
	out_char('\n');
}

/*
 * Writes forløbsmarkører of udredningsret: a planned (non-acute) physical
 * forløb starts with a referral to assessment (AFV01A) with probability
 * 0.06, marked 2-20 days before its first contact; the assessment ends
 * 5 + an exponential number of days (mean 26) after the referral, so that
 * about 60% end within 30 days: done (AFX01A), or for 8% continued for
 * clinical reasons (AFX01D1); 5% have no end marker.  Markers after the
 * data end are not written.
 */
static void
write_markoerer(const Config *cfg, const Resident *p)
{
	static int64_t fkey[MAX_CONTACTS];
	Rng			r = rng_for(cfg->seed, (uint64_t) p->index, 5);
	int			k;

	forloeb_keys(p, fkey);
	for (k = 0; k < p->ncontacts; k++)
	{
		const Contact *c = &p->contacts[k];
		int64_t		start;
		int64_t		end;
		double		u;

		if (fkey[k] != c->key || c->virt || c->acute || !rng_chance(&r, 0.06))
			continue;
		start = c->start.t - rng_range(&r, 2, 20) * DAY_SECS - rng_range(&r, 0, 6 * 3600);
		end = start + (int64_t) ((5.0 + rng_exp(&r, 26.0)) * DAY_SECS);
		u = rng_unit(&r);
		if (start < cfg->start_t)
			continue;
		write_marker(p, fkey[k], "AFV01A", start);
		if (u < 0.05 || end >= cfg->end_t || end >= p->death_t)
			continue;
		write_marker(p, fkey[k], u < 0.13 ? "AFX01D1" : "AFX01A", end);
	}
}

/*
 * The loaded figures (docs/synthetic-data.md): published figures of other
 * systems, drawn per year and hospital from their own stream.
 */
static void
write_rkkp(const Config *cfg)
{
	static const char *const db[4] = {"Dansk Apopleksiregister", "Dansk Hjerteregister", "Dansk Hoftealloplastik Register", "Dansk Diabetes Database"};
	Rng			r = rng_for(cfg->seed, UINT64_C(0xA0000001), 6);
	int			y,
				h,
				i;

	for (y = cfg->from_year; y <= cfg->to_year; y++)
		for (h = 0; h < N_HOSP; h++)
		{
			if (h == H_PSYK)
				continue;
			for (i = 0; i < 12; i++)
			{
				double		standard = 0.70 + 0.05 * (i % 4);
				int64_t		den = rng_range(&r, 40, 400);
				double		rate = standard + 0.06 * rng_normal(&r) + 0.03;
				int64_t		num = (int64_t) floor((rate > 1.0 ? 1.0 : rate < 0.0 ? 0.0 : rate) * (double) den + 0.5);

				out_text(db[i % 4]);
				out_str("\tind");
				out_int(i + 1);
				out_char('\t');
				out_date(ymd_days(y, 1, 1));
				out_char('\t');
				out_date(ymd_days(y, 12, 31));
				out_char('\t');
				out_text(hospital_name[h]);
				out_char('\t');
				out_int(num);
				out_char('\t');
				out_int(den);
				out_str(i % 4 == 0 ? "\t0.70" : i % 4 == 1 ? "\t0.75" : i % 4 == 2 ? "\t0.80" : "\t0.85");
				out_str(i % 6 == 5 ? "\tf\n" : "\tt\n");
			}
		}
}

static void
write_lup(const Config *cfg)
{
	Rng			r = rng_for(cfg->seed, UINT64_C(0xA0000002), 6);
	int			y,
				h,
				q;

	for (y = cfg->from_year; y <= cfg->to_year; y++)
		for (h = 0; h < N_HOSP; h++)
			for (q = 1; q <= 8; q++)
			{
				int64_t		answers = rng_range(&r, 300, 1500);
				double		share = 0.86 + 0.03 * rng_normal(&r);

				out_str("LUP somatik\t");
				out_int(y);
				out_char('\t');
				out_text(hospital_name[h]);
				out_str("\tspm");
				out_int(q);
				out_char('\t');
				out_int(answers);
				out_char('\t');
				out_int((int64_t) floor((share > 1.0 ? 1.0 : share) * (double) answers));
				out_char('\n');
			}
}

static void
write_sundhed(const Config *cfg)
{
	Rng			r = rng_for(cfg->seed, UINT64_C(0xA0000003), 6);
	int			y;

	for (y = cfg->from_year; y <= cfg->to_year; y++)
	{
		double		hly = 60.0 + 0.1 * (y - 2016) + 0.3 * rng_normal(&r);
		double		le = 80.9 + 0.15 * (y - 2016) + 0.1 * rng_normal(&r);
		char		buf[64];

		snprintf(buf, sizeof(buf), "%d\tRegion Midtjylland\ttotal\thealthy_life_years\t%.1f\n", y, hly);
		out_str(buf);
		snprintf(buf, sizeof(buf), "%d\tRegion Midtjylland\ttotal\tlife_expectancy\t%.1f\n", y, le);
		out_str(buf);
	}
}

static int64_t *treated;		/* [unit][year]: distinct patients with a contact */

/* Counts a resident once per unit and year it had a physical contact in. */
static void
treated_add(const Config *cfg, const Resident *p)
{
	static bool seen[MAX_UNITS][CAL_LAST - CAL_FIRST + 1];
	int			ny = cfg->to_year - cfg->from_year + 1;
	int			k;

	memset(seen, 0, sizeof(seen));
	for (k = 0; k < p->ncontacts; k++)
	{
		const Contact *c = &p->contacts[k];
		int			y,
					m,
					d;

		days_ymd(c->start.day, &y, &m, &d);
		if (c->virt || c->unit < 0 || y < cfg->from_year || y > cfg->to_year || seen[c->unit][y - cfg->from_year])
			continue;
		seen[c->unit][y - cfg->from_year] = true;
		treated[c->unit * ny + (y - cfg->from_year)]++;
	}
}

/*
 * Costs per unit and year: the unit's treated patients times about 42,000
 * DKK; treated_patients is left NULL (kvalitet counts them) for every
 * other unit-year.
 */
static void
write_udgifter(const Config *cfg)
{
	Rng			r = rng_for(cfg->seed, UINT64_C(0xA0000004), 6);
	int			ny = cfg->to_year - cfg->from_year + 1;
	int			u,
				y;

	for (u = 0; u < n_units; u++)
		for (y = cfg->from_year; y <= cfg->to_year; y++)
		{
			int64_t		n = treated[u * ny + (y - cfg->from_year)];
			double		per = 42000.0 * (1.0 + 0.15 * rng_normal(&r));

			if (n == 0)
				continue;
			out_int(y);
			out_char('\t');
			out_str(units[u].sor);
			out_char('\t');
			out_int((int64_t) floor((double) n * per));
			out_char('\t');
			if ((u + y) % 2 == 0)
				out_int(n);
			else
				out_str("\\N");
			out_char('\n');
		}
}

static int64_t *census;			/* [kommune][year][band][sex] */

/* Index of a census cell. */
static size_t
census_cell(const Config *cfg, int kommune, int year, int band, int male)
{
	int			ny = cfg->to_year - cfg->from_year + 1;

	size_t		cell = (size_t) kommune * (size_t) ny + (size_t) (year - cfg->from_year);

	return (cell * N_BANDS + (size_t) band) * 2 + (size_t) male;
}

/* Counts a resident in every 1 January census it is alive for. */
static void
census_add(const Config *cfg, const Resident *p)
{
	int			y;
	int			by,
				bm,
				bd;

	days_ymd(p->birth_day, &by, &bm, &bd);
	for (y = cfg->from_year; y <= cfg->to_year; y++)
	{
		int32_t		jan1 = years[y - CAL_FIRST].jan1;

		if (p->birth_day < jan1 && p->death_t > stamp_local(jan1, 0).t)
		{
			/* completed years on 1 January */
			int			age = y - by - ((bm == 1 && bd == 1) ? 0 : 1);

			census[census_cell(cfg, p->kommune, y, band_of(age), p->male)]++;
		}
	}
}

/* Writes the census: every kommune, year, age band and sex, zeros included. */
static void
write_befolkning(const Config *cfg)
{
	int			k,
				y,
				b,
				m;

	for (k = 0; k < N_KOMMUNER; k++)
		for (y = cfg->from_year; y <= cfg->to_year; y++)
			for (b = 0; b < N_BANDS; b++)
				for (m = 1; m >= 0; m--)
				{
					out_str(kommuner[k].code);
					out_char('\t');
					out_int(y);
					out_char('\t');
					out_str(band_label[b]);
					out_str(m ? "\tM\t" : "\tK\t");
					out_int(census[census_cell(cfg, k, y, b, m)]);
					out_char('\n');
				}
}

/* Referrals to municipal rehabilitation: about 20 per 1,000 citizens a year. */
static void
write_henvisninger(const Config *cfg)
{
	Rng			r = rng_for(cfg->seed, UINT64_C(0xA0000005), 6);
	int			k,
				y,
				b,
				m;

	for (k = 0; k < N_KOMMUNER; k++)
		for (y = cfg->from_year; y <= cfg->to_year; y++)
		{
			int64_t		n = 0;
			double		rate = 0.020 * (1.0 + 0.08 * rng_normal(&r));

			for (b = 0; b < N_BANDS; b++)
				for (m = 0; m < 2; m++)
					n += census[census_cell(cfg, k, y, b, m)];
			out_int(y);
			out_char('\t');
			out_str(kommuner[k].code);
			out_char('\t');
			out_int((int64_t) floor((double) n * rate + 0.5));
			out_char('\n');
		}
}

/*
 * Simulates residents in order until the target number of contacts or
 * patients is reached, writing the requested table as it goes.  Every
 * table walks the same residents, which keeps them consistent.
 */
static void
run(const Config *cfg)
{
	static Resident person;
	int64_t		contacts = 0;
	int64_t		patients = 0;
	int64_t		index;
	int32_t		last_day = ymd_days(cfg->to_year + 1, 1, 1);

	if (cfg->table == T_ENHEDER || cfg->table == T_ORGANISATIONER || cfg->table == T_RKKP ||
		cfg->table == T_LUP || cfg->table == T_SUNDHED)
	{
		if (cfg->table == T_ENHEDER)
			write_enheder();
		else if (cfg->table == T_ORGANISATIONER)
			write_organisationer();
		else if (cfg->table == T_RKKP)
			write_rkkp(cfg);
		else if (cfg->table == T_LUP)
			write_lup(cfg);
		else
			write_sundhed(cfg);
		out_flush();
		return;
	}
	cohort_init(cfg);
	cpr_first_day = ymd_days(cohort_first, 1, 1);
	cpr_used = calloc((size_t) (last_day - cpr_first_day + 1) * 2, sizeof(uint16_t));
	census = calloc((size_t) N_KOMMUNER * (size_t) (cfg->to_year - cfg->from_year + 1) * N_BANDS * 2,
					sizeof(int64_t));
	treated = calloc((size_t) MAX_UNITS * (size_t) (cfg->to_year - cfg->from_year + 1), sizeof(int64_t));
	if (cpr_used == NULL || census == NULL || treated == NULL)
	{
		fprintf(stderr, "kvalitet-gen: out of memory\n");
		exit(1);
	}

	for (index = 0;; index++)
	{
		Rng			r = rng_for(cfg->seed, (uint64_t) index, 0);
		Sim			s;

		person.index = index;
		if (!resident_draw(cfg, &r, &person))
			continue;
		assign_cpr(cfg, &person);
		s.cfg = cfg;
		s.p = &person;
		s.r = &r;
		simulate(&s);

		if (cfg->table == T_KONTAKTER)
			write_kontakter(cfg, &person);
		else if (cfg->table == T_FORLOEB)
			write_forloeb(&person);
		else if (cfg->table == T_PERSONER)
			write_person(&person);
		else if (cfg->table == T_EPIKRISER)
			write_epikriser(cfg, &person);
		else if (cfg->table == T_DOEDE)
			write_doed(cfg, &person);
		else if (cfg->table == T_KRONIKERE)
			write_kroniker(cfg, &person);
		else if (cfg->table == T_FAERDIG)
			write_faerdig(cfg, &person);
		else if (cfg->table == T_MARKOERER)
			write_markoerer(cfg, &person);
		else if (cfg->table == T_UDGIFTER)
			treated_add(cfg, &person);
		else
			census_add(cfg, &person);

		contacts += person.ncontacts;
		patients += person.ncontacts > 0;
		if (cfg->target_contacts > 0 ? contacts >= cfg->target_contacts
			: patients >= cfg->target_patients)
			break;
	}
	if (cfg->table == T_BEFOLKNING)
		write_befolkning(cfg);
	else if (cfg->table == T_HENVISNINGER)
		write_henvisninger(cfg);
	else if (cfg->table == T_UDGIFTER)
		write_udgifter(cfg);
	out_flush();
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */
/* ------------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr,
			"usage: kvalitet-gen --table kontakter|forloeb|epikriser|befolkning|personer|enheder|organisationer|\n"
			"                            doede|kronikere|faerdigbehandlede|forloebsmarkoerer|\n"
			"                            rkkp|lup|sundhed|udgifter|henvisninger\n"
			"                    [--patients N | --contacts N] [--seed S] [--dirty] [--pseudonymise]\n"
			"                    [--from-year 2016] [--to-year 2025]\n"
			"Writes one table of a synthetic Danish region to stdout in PostgreSQL\n"
			"COPY text format. Default size: --contacts 20000; default seed: 1.\n");
	exit(2);
}

/* Parses a non-negative integer argument or exits with a message. */
static uint64_t
parse_number(const char *opt, const char *arg, uint64_t lo, uint64_t hi)
{
	char	   *end;
	unsigned long long v;

	if (arg == NULL || *arg == '\0' || *arg == '-')
	{
		fprintf(stderr, "kvalitet-gen: %s needs a number\n", opt);
		exit(2);
	}
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
	{
		fprintf(stderr, "kvalitet-gen: %s must be a whole number from %llu to %llu\n",
				opt, (unsigned long long) lo, (unsigned long long) hi);
		exit(2);
	}
	return (uint64_t) v;
}

int
main(int argc, char **argv)
{
	Config		cfg;
	bool		have_table = false;
	int			i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.seed = 1;
	cfg.from_year = 2016;
	cfg.to_year = 2025;

	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--dirty") == 0)
		{
			cfg.dirty = true;
			continue;
		}
		if (strcmp(a, "--pseudonymise") == 0)
		{
			pseudonymise = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			usage();
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--table") == 0)
		{
			have_table = true;
			if (strcmp(v, "kontakter") == 0)
				cfg.table = T_KONTAKTER;
			else if (strcmp(v, "epikriser") == 0)
				cfg.table = T_EPIKRISER;
			else if (strcmp(v, "befolkning") == 0)
				cfg.table = T_BEFOLKNING;
			else if (strcmp(v, "enheder") == 0)
				cfg.table = T_ENHEDER;
			else if (strcmp(v, "forloeb") == 0)
				cfg.table = T_FORLOEB;
			else if (strcmp(v, "organisationer") == 0)
				cfg.table = T_ORGANISATIONER;
			else if (strcmp(v, "personer") == 0)
				cfg.table = T_PERSONER;
			else if (strcmp(v, "doede") == 0)
				cfg.table = T_DOEDE;
			else if (strcmp(v, "kronikere") == 0)
				cfg.table = T_KRONIKERE;
			else if (strcmp(v, "faerdigbehandlede") == 0)
				cfg.table = T_FAERDIG;
			else if (strcmp(v, "forloebsmarkoerer") == 0)
				cfg.table = T_MARKOERER;
			else if (strcmp(v, "rkkp") == 0)
				cfg.table = T_RKKP;
			else if (strcmp(v, "lup") == 0)
				cfg.table = T_LUP;
			else if (strcmp(v, "sundhed") == 0)
				cfg.table = T_SUNDHED;
			else if (strcmp(v, "udgifter") == 0)
				cfg.table = T_UDGIFTER;
			else if (strcmp(v, "henvisninger") == 0)
				cfg.table = T_HENVISNINGER;
			else
			{
				fprintf(stderr, "kvalitet-gen: unknown table \"%s\"\n", v);
				exit(2);
			}
		}
		else if (strcmp(a, "--patients") == 0)
			cfg.target_patients = (int64_t) parse_number(a, v, 1, UINT64_C(100000000));
		else if (strcmp(a, "--contacts") == 0)
			cfg.target_contacts = (int64_t) parse_number(a, v, 1, UINT64_C(2000000000));
		else if (strcmp(a, "--seed") == 0)
			cfg.seed = parse_number(a, v, 0, UINT64_MAX);
		else if (strcmp(a, "--from-year") == 0)
			cfg.from_year = (int) parse_number(a, v, 1996, 2050);
		else if (strcmp(a, "--to-year") == 0)
			cfg.to_year = (int) parse_number(a, v, 1996, 2050);
		else
		{
			fprintf(stderr, "kvalitet-gen: unknown option \"%s\"\n", a);
			usage();
		}
	}
	if (!have_table)
		usage();
	if (cfg.target_patients > 0 && cfg.target_contacts > 0)
	{
		fprintf(stderr, "kvalitet-gen: give --patients or --contacts, not both\n");
		exit(2);
	}
	if (cfg.from_year > cfg.to_year)
	{
		fprintf(stderr, "kvalitet-gen: --from-year must not be after --to-year\n");
		exit(2);
	}
	if (cfg.target_patients == 0 && cfg.target_contacts == 0)
		cfg.target_contacts = 20000;

	pseudonym_seed = mix64(cfg.seed ^ UINT64_C(0x6B76616C69746574));
	calendar_init();
	units_init();
	cfg.start_t = stamp_local(ymd_days(cfg.from_year, 1, 1), 0).t;
	cfg.end_t = stamp_local(ymd_days(cfg.to_year + 1, 1, 1), 0).t;
	run(&cfg);
	return 0;
}
