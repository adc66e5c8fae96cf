/*
 * test_calendar.c - unit tests of src/core/calendar.c.
 *
 * Expected values come from hand-computed dates, the holiday list in
 * test/data/danish_holidays_2000_2035.txt (one `YYYY-MM-DD<TAB>name` line per
 * public holiday; Easter Sundays as published in Danish calendars and checked
 * against Knuth's epact method, the other days as offsets from Easter Sunday
 * and fixed dates; Grundlovsdag, Juleaften and Nytårsaften are not listed),
 * Gauss's Easter algorithm (written here, independent of the library's
 * Meeus/Jones/Butcher computus), and naive day-by-day counting built on
 * those.
 *
 * Run from the repository root (the holiday list is read by relative path):
 *   gcc -std=c99 -O2 -Wall -Wextra -Werror -Isrc/core -Itest/unit \
 *       test/unit/test_calendar.c src/core/calendar.c -lm -o /tmp/test_calendar
 *   /tmp/test_calendar
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "unit.h"

#define HOLIDAY_FILE "test/data/danish_holidays_2000_2035.txt"
#define NDAYS (KV_CAL_MAX_DATE - KV_CAL_MIN_DATE + 1)

/* Flags of the naive calendar: the mask bits plus a public-holiday bit. */
#define NAIVE_PUBLIC 0x8u

static unsigned char naive_flags[NDAYS];
static int32_t naive_prefix[8][NDAYS + 1];	/* working days before index */
static uint32_t rng_state = 12345u;

static uint32_t
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Uniform integer in [lo, hi]. */
static int32_t
rng_between(int32_t lo, int32_t hi)
{
	return lo + (int32_t) (rng() % (uint32_t) (hi - lo + 1));
}

/*
 * Easter Sunday by Gauss's algorithm with the two classical exceptions
 * (April 26 becomes April 19; April 25 becomes April 18 in some years).
 */
static void
gauss_easter(int year, int *month, int *day)
{
	int			a = year % 19;
	int			b = year % 4;
	int			c = year % 7;
	int			k = year / 100;
	int			p = (13 + 8 * k) / 25;
	int			q = k / 4;
	int			big_m = (15 - p + k - q) % 30;
	int			big_n = (4 + k - q) % 7;
	int			d = (19 * a + big_m) % 30;
	int			e = (2 * b + 4 * c + 6 * d + big_n) % 7;

	if (d == 29 && e == 6)
	{
		*month = 4;
		*day = 19;
	}
	else if (d == 28 && e == 6 && (11 * big_m + 11) % 30 < 19)
	{
		*month = 4;
		*day = 18;
	}
	else if (22 + d + e <= 31)
	{
		*month = 3;
		*day = 22 + d + e;
	}
	else
	{
		*month = 4;
		*day = d + e - 9;
	}
}

static int32_t
ymd(int y, int m, int d)
{
	return kv_date_from_ymd(y, m, d);
}

/* Naive calendar: 1900-01-01 was a Monday; holidays from Gauss's Easter. */
static bool
naive_working(int32_t date, unsigned mask)
{
	int			idx = date - KV_CAL_MIN_DATE;

	if (idx % 7 >= 5)
		return false;
	return (naive_flags[idx] & (NAIVE_PUBLIC | mask)) == 0;
}

static void
naive_mark(int32_t date, unsigned flag)
{
	naive_flags[date - KV_CAL_MIN_DATE] |= (unsigned char) flag;
}

static void
build_naive(void)
{
	int			y;
	unsigned	mask;

	for (y = KV_CAL_MIN_YEAR; y <= KV_CAL_MAX_YEAR; y++)
	{
		int			em,
					ed;
		int32_t		e;

		gauss_easter(y, &em, &ed);
		e = ymd(y, em, ed);
		naive_mark(ymd(y, 1, 1), NAIVE_PUBLIC);
		naive_mark(e - 3, NAIVE_PUBLIC);
		naive_mark(e - 2, NAIVE_PUBLIC);
		naive_mark(e, NAIVE_PUBLIC);
		naive_mark(e + 1, NAIVE_PUBLIC);
		if (y <= 2023)
			naive_mark(e + 26, NAIVE_PUBLIC);
		naive_mark(e + 39, NAIVE_PUBLIC);
		naive_mark(e + 49, NAIVE_PUBLIC);
		naive_mark(e + 50, NAIVE_PUBLIC);
		naive_mark(ymd(y, 12, 25), NAIVE_PUBLIC);
		naive_mark(ymd(y, 12, 26), NAIVE_PUBLIC);
		naive_mark(ymd(y, 6, 5), KV_CLOSED_GRUNDLOVSDAG);
		naive_mark(ymd(y, 12, 24), KV_CLOSED_JULEAFTEN);
		naive_mark(ymd(y, 12, 31), KV_CLOSED_NYTAARSAFTEN);
	}
	for (mask = 0; mask < 8; mask++)
	{
		int			i;

		naive_prefix[mask][0] = 0;
		for (i = 0; i < NDAYS; i++)
			naive_prefix[mask][i + 1] = naive_prefix[mask][i] +
				(naive_working(KV_CAL_MIN_DATE + i, mask) ? 1 : 0);
	}
}

/* Naive add_working_days: step one day at a time; false when leaving range. */
static bool
naive_add(int32_t date, int32_t n, unsigned mask, int32_t *result)
{
	int32_t		step = n >= 0 ? 1 : -1;
	int32_t		left = n >= 0 ? n : -n;

	while (left > 0)
	{
		date += step;
		if (date < KV_CAL_MIN_DATE || date > KV_CAL_MAX_DATE)
			return false;
		if (naive_working(date, mask))
			left--;
	}
	*result = date;
	return true;
}

/* Naive between: working days in (a, b], negated for b < a. */
static int32_t
naive_between(int32_t a, int32_t b, unsigned mask)
{
	return naive_prefix[mask][b - KV_CAL_MIN_DATE + 1] -
		naive_prefix[mask][a - KV_CAL_MIN_DATE + 1];
}

static int32_t
add(int32_t date, int32_t n, unsigned mask)
{
	int32_t		r = INT32_MIN;

	if (kv_add_working_days(date, n, mask, &r) != KV_CAL_OK)
		return INT32_MIN;
	return r;
}

static const char *
holiday_name(int32_t date, unsigned mask)
{
	const char *name = "unset";

	if (kv_holiday(date, mask, &name) != KV_CAL_OK)
		return "error";
	return name;
}

static int
working_flag(int32_t date, unsigned mask)
{
	bool		w = false;

	if (kv_is_working_day(date, mask, &w) != KV_CAL_OK)
		return -1;
	return w ? 1 : 0;
}

static void
test_date_arithmetic(void)
{
	int			y = 1900,
				m = 1,
				d = 1;
	int32_t		counter = -36524;	/* 1900-01-01, by hand: 100*365 + 24 */
	int			bad_from = 0,
				bad_to = 0,
				bad_dow = 0;
	int32_t		at_2000 = INT32_MIN;
	static const int mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int32_t		far[] = {-2451545, -1000000, -1, 1000000, 2147483000, -2147483000};
	size_t		i;

	IS_INT(kv_date_from_ymd(2000, 1, 1), 0, "2000-01-01 is day 0");
	IS_INT(kv_date_from_ymd(2000, 3, 1), 60, "2000-03-01 is day 60");
	IS_INT(kv_date_from_ymd(1970, 1, 1), -10957, "Unix epoch is day -10957");
	IS_INT(kv_date_from_ymd(2024, 2, 29), 8825, "2024-02-29 is day 8825");
	IS_INT(kv_date_from_ymd(1999, 12, 31), -1, "1999-12-31 is day -1");
	IS_INT(KV_CAL_MIN_DATE, -36524, "KV_CAL_MIN_DATE is 1900-01-01");
	IS_INT(KV_CAL_MAX_DATE, 73413, "KV_CAL_MAX_DATE is 2200-12-31 (201*365 + 49 - 1)");

	/* Walk every day of 1900-2200 with a hand-rolled calendar. */
	for (;;)
	{
		int			yy,
					mm,
					dd;
		bool		leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		int			len = (m == 2 && leap) ? 29 : mlen[m - 1];

		if (kv_date_from_ymd(y, m, d) != counter)
			bad_from++;
		kv_date_to_ymd(counter, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			bad_to++;
		if (kv_day_of_week(counter) != (counter + 36524) % 7 + 1)
			bad_dow++;
		if (y == 2000 && m == 1 && d == 1)
			at_2000 = counter;
		if (y == 2200 && m == 12 && d == 31)
			break;
		counter++;
		if (++d > len)
		{
			d = 1;
			if (++m > 12)
			{
				m = 1;
				y++;
			}
		}
	}
	IS_INT(counter, 73413, "walk ends at day 73413");
	IS_INT(at_2000, 0, "walk passes 2000-01-01 at day 0");
	IS_INT(bad_from, 0, "kv_date_from_ymd agrees with the walk 1900-2200");
	IS_INT(bad_to, 0, "kv_date_to_ymd agrees with the walk 1900-2200");
	IS_INT(bad_dow, 0, "kv_day_of_week agrees with the walk (1900-01-01 Monday)");

	IS_INT(kv_day_of_week(0), 6, "2000-01-01 was a Saturday");
	IS_INT(kv_day_of_week(ymd(2025, 4, 20)), 7, "Easter 2025 is a Sunday");
	IS_INT(kv_day_of_week(ymd(2024, 12, 23)), 1, "2024-12-23 was a Monday");
	IS_INT(kv_day_of_week(-2451545), 1, "4714-11-24 BC (Julian day 0) was a Monday");

	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++)
	{
		int			yy,
					mm,
					dd;

		kv_date_to_ymd(far[i], &yy, &mm, &dd);
		OK(kv_ymd_valid(yy, mm, dd) && kv_date_from_ymd(yy, mm, dd) == far[i],
		   "far date survives a round trip");
	}
	{
		int			yy,
					mm,
					dd;

		kv_date_to_ymd(-2451545, &yy, &mm, &dd);
		OK(yy == -4713 && mm == 11 && dd == 24,
		   "Julian day 0 is -4713-11-24 proleptic Gregorian (PostgreSQL's minimum date)");
	}

	OK(kv_ymd_valid(2000, 2, 29), "2000-02-29 exists");
	OK(kv_ymd_valid(2024, 2, 29), "2024-02-29 exists");
	OK(!kv_ymd_valid(1900, 2, 29), "1900-02-29 does not exist");
	OK(!kv_ymd_valid(2100, 2, 29), "2100-02-29 does not exist");
	OK(!kv_ymd_valid(2023, 2, 29), "2023-02-29 does not exist");
	OK(!kv_ymd_valid(2023, 4, 31), "2023-04-31 does not exist");
	OK(kv_ymd_valid(2023, 12, 31), "2023-12-31 exists");
	OK(!kv_ymd_valid(2023, 0, 1), "month 0 does not exist");
	OK(!kv_ymd_valid(2023, 13, 1), "month 13 does not exist");
	OK(!kv_ymd_valid(2023, 1, 0), "day 0 does not exist");
	OK(kv_is_leap_year(2000) && !kv_is_leap_year(1900) &&
	   kv_is_leap_year(1904) && !kv_is_leap_year(2001),
	   "leap years 2000 and 1904, not 1900 or 2001");
}

static void
test_easter(void)
{
	static const int known[][3] = {
		{1900, 4, 15}, {1943, 4, 25}, {1954, 4, 18}, {1981, 4, 19},
		{2000, 4, 23}, {2008, 3, 23}, {2011, 4, 24}, {2019, 4, 21},
		{2024, 3, 31}, {2025, 4, 20}, {2038, 4, 25}
	};
	size_t		i;
	int			year;
	int			bad = 0;
	int			first_bad = 0;
	int32_t		e = 0;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
	{
		char		name[64];
		int			gm,
					gd;

		gauss_easter(known[i][0], &gm, &gd);
		snprintf(name, sizeof(name), "Gauss: Easter %d is %02d-%02d",
				 known[i][0], known[i][1], known[i][2]);
		OK(gm == known[i][1] && gd == known[i][2], name);

		snprintf(name, sizeof(name), "Easter %d is %02d-%02d",
				 known[i][0], known[i][1], known[i][2]);
		e = INT32_MIN;
		OK(kv_easter_sunday(known[i][0], &e) == KV_CAL_OK &&
		   e == ymd(known[i][0], known[i][1], known[i][2]), name);
	}

	for (year = KV_CAL_MIN_YEAR; year <= KV_CAL_MAX_YEAR; year++)
	{
		int			gm,
					gd;

		gauss_easter(year, &gm, &gd);
		if (kv_easter_sunday(year, &e) != KV_CAL_OK || e != ymd(year, gm, gd))
		{
			if (bad++ == 0)
				first_bad = year;
		}
	}
	IS_INT(bad, 0, "Easter 1900-2200 agrees with Gauss's algorithm");
	IS_INT(first_bad, 0, "first year disagreeing with Gauss (0 = none)");

	IS_INT(kv_easter_sunday(1899, &e), KV_CAL_OUT_OF_RANGE, "Easter 1899 is out of range");
	IS_INT(kv_easter_sunday(2201, &e), KV_CAL_OUT_OF_RANGE, "Easter 2201 is out of range");
}

/*
 * Every day listed in the published list is a holiday of that name; every
 * other day of 2000-2035 is not (with no extra closing days).
 */
static void
test_holiday_file(void)
{
	FILE	   *f = fopen(HOLIDAY_FILE, "r");
	static bool listed[NDAYS];
	char		line[256];
	int			lines = 0;
	int			bad_name = 0;
	int			bad_working = 0;
	int			bad_other = 0;
	int			bad_easter = 0;
	int32_t		date;

	if (!OK(f != NULL, "holiday list " HOLIDAY_FILE " opens (run from the repository root)"))
		return;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		int			y,
					m,
					d;
		char		name[128];
		size_t		len;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (sscanf(line, "%4d-%2d-%2d\t%127[^\t]", &y, &m, &d, name) != 4 ||
			!kv_ymd_valid(y, m, d))
		{
			printf("# unreadable line: %s\n", line);
			bad_name++;
			continue;
		}
		lines++;
		date = ymd(y, m, d);
		listed[date - KV_CAL_MIN_DATE] = true;
		if (holiday_name(date, 0) == NULL || strcmp(holiday_name(date, 0), name) != 0)
		{
			printf("# %s: got \"%s\"\n", line, holiday_name(date, 0) ? holiday_name(date, 0) : "(null)");
			bad_name++;
		}
		if (working_flag(date, 0) != 0)
			bad_working++;
		if (strcmp(name, "Påskedag") == 0)
		{
			int			gm,
						gd;

			gauss_easter(y, &gm, &gd);
			if (gm != m || gd != d)
				bad_easter++;
		}
	}
	fclose(f);

	IS_INT(lines, 24 * 11 + 12 * 10, "list has 11 days a year 2000-2023 and 10 for 2024-2035");
	IS_INT(bad_name, 0, "every listed day is a holiday of the listed name");
	IS_INT(bad_working, 0, "no listed day is a working day");
	IS_INT(bad_easter, 0, "the list's Påskedag agrees with Gauss's algorithm");

	for (date = ymd(2000, 1, 1); date <= ymd(2035, 12, 31); date++)
	{
		if (listed[date - KV_CAL_MIN_DATE])
			continue;
		if (holiday_name(date, 0) != NULL ||
			working_flag(date, 0) != (kv_day_of_week(date) <= 5 ? 1 : 0))
		{
			if (bad_other++ < 5)
			{
				int			yy,
							mm,
							dd;

				kv_date_to_ymd(date, &yy, &mm, &dd);
				printf("# %04d-%02d-%02d is wrongly a holiday\n", yy, mm, dd);
			}
		}
	}
	IS_INT(bad_other, 0, "no unlisted day of 2000-2035 is a holiday");
}

static void
test_store_bededag(void)
{
	IS_STR(holiday_name(ymd(2023, 5, 5), 0), "Store bededag", "Store bededag 2023 is 5 May");
	IS_INT(working_flag(ymd(2023, 5, 5), 0), 0, "5 May 2023 is not a working day");
	IS_STR(holiday_name(ymd(2024, 4, 26), 0), NULL, "no Store bededag in 2024");
	IS_INT(working_flag(ymd(2024, 4, 26), 0), 1, "26 April 2024 is a working Friday");
	IS_STR(holiday_name(ymd(1900, 5, 11), 0), "Store bededag", "Store bededag 1900 is 11 May (E+26)");
	{
		int			em,
					ed;

		gauss_easter(2200, &em, &ed);
		IS_INT(working_flag(ymd(2200, em, ed) + 26, 0), 1, "E+26 of 2200 is a working Friday");
	}
}

static void
test_extra_closed(void)
{
	/* 2025-06-05 is a Thursday, 2025-12-24 and 2025-12-31 are Wednesdays. */
	IS_INT(working_flag(ymd(2025, 6, 5), 0), 1, "Grundlovsdag 2025 works by default");
	IS_STR(holiday_name(ymd(2025, 6, 5), 0), NULL, "Grundlovsdag not named without the mask");
	IS_INT(working_flag(ymd(2025, 6, 5), KV_CLOSED_GRUNDLOVSDAG), 0, "Grundlovsdag closed by its bit");
	IS_STR(holiday_name(ymd(2025, 6, 5), KV_CLOSED_GRUNDLOVSDAG), "Grundlovsdag", "Grundlovsdag named with its bit");
	IS_INT(working_flag(ymd(2025, 6, 5), KV_CLOSED_JULEAFTEN | KV_CLOSED_NYTAARSAFTEN), 1,
		   "Grundlovsdag not closed by the other bits");

	IS_INT(working_flag(ymd(2025, 12, 24), 0), 1, "Juleaften 2025 works by default");
	IS_INT(working_flag(ymd(2025, 12, 24), KV_CLOSED_JULEAFTEN), 0, "Juleaften closed by its bit");
	IS_STR(holiday_name(ymd(2025, 12, 24), KV_CLOSED_JULEAFTEN), "Juleaften", "Juleaften named with its bit");
	IS_STR(holiday_name(ymd(2025, 12, 24), KV_CLOSED_GRUNDLOVSDAG | KV_CLOSED_NYTAARSAFTEN), NULL,
		   "Juleaften not named by the other bits");

	IS_INT(working_flag(ymd(2025, 12, 31), 0), 1, "Nytårsaften 2025 works by default");
	IS_INT(working_flag(ymd(2025, 12, 31), KV_CLOSED_NYTAARSAFTEN), 0, "Nytårsaften closed by its bit");
	IS_STR(holiday_name(ymd(2025, 12, 31), KV_CLOSED_ALL), "Nytårsaften", "Nytårsaften named with all bits");

	/* 2017-06-05 was 2. pinsedag, 2022-06-05 Pinsedag. */
	IS_STR(holiday_name(ymd(2017, 6, 5), KV_CLOSED_GRUNDLOVSDAG), "2. pinsedag",
		   "2. pinsedag wins over Grundlovsdag (2017)");
	IS_STR(holiday_name(ymd(2017, 6, 5), 0), "2. pinsedag", "5 June 2017 is 2. pinsedag");
	IS_STR(holiday_name(ymd(2022, 6, 5), KV_CLOSED_ALL), "Pinsedag", "Pinsedag wins over Grundlovsdag (2022)");
	/* 2027-06-05 is a Saturday. */
	IS_STR(holiday_name(ymd(2027, 6, 5), KV_CLOSED_GRUNDLOVSDAG), "Grundlovsdag",
		   "Grundlovsdag on a Saturday is still named");
	IS_INT(working_flag(ymd(2027, 6, 5), 0), 0, "a Saturday never works");

	IS_INT(add(ymd(2025, 6, 4), 1, 0), ymd(2025, 6, 5), "Wed 4 June + 1 = Thu 5 June by default");
	IS_INT(add(ymd(2025, 6, 4), 1, KV_CLOSED_GRUNDLOVSDAG), ymd(2025, 6, 6),
		   "Wed 4 June + 1 = Fri 6 June when Grundlovsdag is closed");
	IS_INT(add(ymd(2025, 12, 23), 1, KV_CLOSED_JULEAFTEN), ymd(2025, 12, 29),
		   "Tue 23 Dec 2025 + 1 = Mon 29 Dec with Juleaften closed");
	IS_INT(add(ymd(2025, 12, 30), 1, KV_CLOSED_NYTAARSAFTEN), ymd(2026, 1, 2),
		   "Tue 30 Dec 2025 + 1 = Fri 2 Jan 2026 with Nytårsaften closed");
	IS_INT(add(ymd(2025, 12, 30), 1, KV_CLOSED_JULEAFTEN), ymd(2025, 12, 31),
		   "Tue 30 Dec 2025 + 1 = Wed 31 Dec when only Juleaften is closed");
	{
		int32_t		r = INT32_MIN;

		/* December 2025: 23 weekdays less 25, 26 Dec; less 24 and 31 too. */
		OK(kv_working_days_between(ymd(2025, 11, 30), ymd(2025, 12, 31), 0, &r) == KV_CAL_OK && r == 21,
		   "21 working days in December 2025");
		OK(kv_working_days_between(ymd(2025, 11, 30), ymd(2025, 12, 31), KV_CLOSED_ALL, &r) == KV_CAL_OK && r == 19,
		   "19 working days in December 2025 with Juleaften and Nytårsaften closed");
	}
}

static void
test_add_working_days_cases(void)
{
	/* Hand-checked against a 2023-2027 wall calendar. */
	IS_INT(add(ymd(2025, 1, 9), 1, 0), ymd(2025, 1, 10), "Thu + 1 = Fri");
	IS_INT(add(ymd(2025, 1, 10), 1, 0), ymd(2025, 1, 13), "Fri + 1 = Mon");
	IS_INT(add(ymd(2025, 1, 11), 1, 0), ymd(2025, 1, 13), "Sat + 1 = Mon");
	IS_INT(add(ymd(2025, 1, 12), 1, 0), ymd(2025, 1, 13), "Sun + 1 = Mon");
	IS_INT(add(ymd(2025, 1, 8), 3, 0), ymd(2025, 1, 13), "Wed + 3 = Mon (not Sat)");
	IS_INT(add(ymd(2025, 1, 6), 5, 0), ymd(2025, 1, 13), "Mon + 5 = next Mon");
	IS_INT(add(ymd(2025, 1, 11), 5, 0), ymd(2025, 1, 17), "Sat + 5 = Fri");
	IS_INT(add(ymd(2025, 1, 11), 10, 0), ymd(2025, 1, 24), "Sat + 10 = Fri two weeks on");
	IS_INT(add(ymd(2025, 1, 12), 0, 0), ymd(2025, 1, 12), "Sun + 0 = the Sunday itself");
	IS_INT(add(ymd(2025, 4, 17), 0, 0), ymd(2025, 4, 17), "Skærtorsdag + 0 = itself");

	/* Easter 2025: 17 Skærtorsdag, 18 Langfredag, 20 Påskedag, 21 2. påskedag. */
	IS_INT(add(ymd(2025, 4, 16), 1, 0), ymd(2025, 4, 22), "Wed before Easter + 1 = Tue after");
	IS_INT(add(ymd(2025, 4, 17), 1, 0), ymd(2025, 4, 22), "Skærtorsdag + 1 = Tue after Easter");
	IS_INT(add(ymd(2025, 4, 15), 2, 0), ymd(2025, 4, 22), "Tue before Easter + 2 = Tue after");
	IS_INT(add(ymd(2025, 4, 22), -1, 0), ymd(2025, 4, 16), "Tue after Easter - 1 = Wed before");
	IS_INT(add(ymd(2025, 4, 20), -1, 0), ymd(2025, 4, 16), "Påskedag - 1 = Wed before");

	/* Christmas 2024: Mon 23, Tue 24, Wed 25, Thu 26, Fri 27, Tue 31; Wed 1 Jan. */
	IS_INT(add(ymd(2024, 12, 23), 1, 0), ymd(2024, 12, 24), "Mon 23 Dec + 1 = 24 Dec");
	IS_INT(add(ymd(2024, 12, 23), 1, KV_CLOSED_JULEAFTEN), ymd(2024, 12, 27),
		   "Mon 23 Dec + 1 = Fri 27 Dec with Juleaften closed");
	IS_INT(add(ymd(2024, 12, 23), 2, 0), ymd(2024, 12, 27), "Mon 23 Dec + 2 = Fri 27 Dec");
	IS_INT(add(ymd(2024, 12, 31), 1, 0), ymd(2025, 1, 2), "Tue 31 Dec + 1 = Thu 2 Jan");
	IS_INT(add(ymd(2024, 12, 30), 1, KV_CLOSED_NYTAARSAFTEN), ymd(2025, 1, 2),
		   "Mon 30 Dec + 1 = Thu 2 Jan with Nytårsaften closed");
	IS_INT(add(ymd(2025, 12, 31), 1, 0), ymd(2026, 1, 2), "Wed 31 Dec 2025 + 1 = Fri 2 Jan 2026");
	IS_INT(add(ymd(2026, 12, 31), 1, 0), ymd(2027, 1, 4), "Thu 31 Dec 2026 + 1 = Mon 4 Jan 2027");
	IS_INT(add(ymd(2027, 1, 4), -1, 0), ymd(2026, 12, 31), "Mon 4 Jan 2027 - 1 = Thu 31 Dec 2026");
	IS_INT(add(ymd(2027, 1, 4), -1, KV_CLOSED_NYTAARSAFTEN), ymd(2026, 12, 30),
		   "Mon 4 Jan 2027 - 1 = Wed 30 Dec 2026 with Nytårsaften closed");
	IS_INT(add(ymd(2025, 1, 13), -1, 0), ymd(2025, 1, 10), "Mon - 1 = Fri");
	IS_INT(add(ymd(2025, 1, 12), -1, 0), ymd(2025, 1, 10), "Sun - 1 = Fri");

	IS_INT(add(ymd(2023, 5, 4), 1, 0), ymd(2023, 5, 8), "Thu 4 May 2023 + 1 = Mon (Store bededag)");
	IS_INT(add(ymd(2024, 4, 25), 1, 0), ymd(2024, 4, 26), "Thu 25 Apr 2024 + 1 = Fri 26 Apr");
}

static void
test_add_working_days_naive(void)
{
	int			bad_small = 0;
	int			bad_random = 0;
	int			bad_between = 0;
	int			bad_identity = 0;
	int			bad_roundtrip = 0;
	int			i;
	int32_t		date;
	int32_t		want = 0;

	/* Every start day 2019-2026 and every mask, small n both ways. */
	for (date = ymd(2019, 1, 1); date <= ymd(2026, 12, 31); date++)
	{
		unsigned	mask;
		int32_t		n;

		for (mask = 0; mask < 8; mask++)
			for (n = -7; n <= 7; n++)
			{
				naive_add(date, n, mask, &want);
				if (add(date, n, mask) != want)
					bad_small++;
			}
	}
	IS_INT(bad_small, 0, "add_working_days, n in -7..7, every day 2019-2026, every mask");

	naive_add(ymd(2025, 1, 1), 1000, 0, &want);
	IS_INT(add(ymd(2025, 1, 1), 1000, 0), want, "1 Jan 2025 + 1000 as the naive loop");
	naive_add(ymd(2025, 1, 1), -1000, KV_CLOSED_ALL, &want);
	IS_INT(add(ymd(2025, 1, 1), -1000, KV_CLOSED_ALL), want, "1 Jan 2025 - 1000 (all closed) as the naive loop");
	naive_add(KV_CAL_MIN_DATE, 70000, 0, &want);
	IS_INT(add(KV_CAL_MIN_DATE, 70000, 0), want, "1900-01-01 + 70000 as the naive loop");
	naive_add(KV_CAL_MAX_DATE, -70000, 5, &want);
	IS_INT(add(KV_CAL_MAX_DATE, -70000, 5), want, "2200-12-31 - 70000 as the naive loop");

	for (i = 0; i < 4000; i++)
	{
		unsigned	mask = (unsigned) rng_between(0, 7);
		int32_t		a = rng_between(KV_CAL_MIN_DATE, KV_CAL_MAX_DATE);
		int32_t		b = rng_between(KV_CAL_MIN_DATE, KV_CAL_MAX_DATE);
		int32_t		n;
		int32_t		got = INT32_MIN;
		int32_t		between = INT32_MIN;
		bool		ok;
		bool		aw;
		bool		bw;

		switch (i % 3)
		{
			case 0:
				n = rng_between(-20, 20);
				break;
			case 1:
				n = rng_between(-400, 400);
				break;
			default:
				n = rng_between(-5000, 5000);
				break;
		}
		ok = naive_add(a, n, mask, &want);
		if ((kv_add_working_days(a, n, mask, &got) == KV_CAL_OK) != ok ||
			(ok && got != want))
			bad_random++;

		if (kv_working_days_between(a, b, mask, &between) != KV_CAL_OK ||
			between != naive_between(a, b, mask))
			bad_between++;

		/* between(a, add(a, n)) == n for n >= 0 */
		if (ok && n >= 0 &&
			(kv_working_days_between(a, got, mask, &between) != KV_CAL_OK || between != n))
			bad_identity++;

		/* add(a, between(a, b)) == b when a < b and b works, or both work */
		aw = naive_working(a, mask);
		bw = naive_working(b, mask);
		if (bw && (a < b || aw) &&
			(kv_working_days_between(a, b, mask, &between) != KV_CAL_OK ||
			 add(a, between, mask) != b))
			bad_roundtrip++;
	}
	IS_INT(bad_random, 0, "add_working_days on random dates agrees with the naive loop");
	IS_INT(bad_between, 0, "working_days_between on random pairs agrees with naive counting");
	IS_INT(bad_identity, 0, "between(a, add(a, n)) == n for n >= 0");
	IS_INT(bad_roundtrip, 0, "add(a, between(a, b)) == b for working b");

	{
		int32_t		r = INT32_MIN;

		OK(kv_working_days_between(ymd(2025, 1, 10), ymd(2025, 1, 13), 0, &r) == KV_CAL_OK && r == 1,
		   "Fri to Mon is 1 working day");
		OK(kv_working_days_between(ymd(2025, 1, 13), ymd(2025, 1, 10), 0, &r) == KV_CAL_OK && r == -1,
		   "Mon to Fri is -1 working day");
		OK(kv_working_days_between(ymd(2025, 1, 11), ymd(2025, 1, 12), 0, &r) == KV_CAL_OK && r == 0,
		   "Sat to Sun is 0 working days");
		OK(kv_working_days_between(ymd(2025, 4, 16), ymd(2025, 4, 22), 0, &r) == KV_CAL_OK && r == 1,
		   "Wed before Easter 2025 to Tue after is 1 working day");
		/* 2024: 262 weekdays (leap year from a Monday) less 8 on weekdays. */
		OK(kv_working_days_between(ymd(2023, 12, 31), ymd(2024, 12, 31), 0, &r) == KV_CAL_OK && r == 254,
		   "254 working days in 2024");
		/* 2023: 260 weekdays less 8 holidays on weekdays (1 Jan a Sunday). */
		OK(kv_working_days_between(ymd(2022, 12, 31), ymd(2023, 12, 31), 0, &r) == KV_CAL_OK && r == 252,
		   "252 working days in 2023");
	}
}

static void
test_range(void)
{
	int32_t		before = ymd(1899, 12, 31);
	int32_t		after = ymd(2201, 1, 1);
	int32_t		r = 12345;
	bool		w = false;
	const char *name = "unset";
	int32_t		last_working = KV_CAL_MAX_DATE;
	int32_t		first_working = KV_CAL_MIN_DATE;

	IS_INT(kv_holiday(before, 0, &name), KV_CAL_OUT_OF_RANGE, "holiday 1899-12-31 out of range");
	IS_STR(name, NULL, "no name out of range");
	IS_INT(kv_holiday(after, 0, &name), KV_CAL_OUT_OF_RANGE, "holiday 2201-01-01 out of range");
	IS_INT(kv_is_working_day(before, 0, &w), KV_CAL_OUT_OF_RANGE, "working 1899-12-31 out of range");
	IS_INT(kv_is_working_day(after, 0, &w), KV_CAL_OUT_OF_RANGE, "working 2201-01-01 out of range");
	IS_INT(kv_add_working_days(before, 0, 0, &r), KV_CAL_OUT_OF_RANGE, "add from 1899-12-31 out of range");
	IS_INT(kv_add_working_days(after, -1, 0, &r), KV_CAL_OUT_OF_RANGE, "add from 2201-01-01 out of range");
	IS_INT(kv_working_days_between(before, 0, 0, &r), KV_CAL_OUT_OF_RANGE, "between from 1899-12-31 out of range");
	IS_INT(kv_working_days_between(0, after, 0, &r), KV_CAL_OUT_OF_RANGE, "between to 2201-01-01 out of range");
	IS_INT(r, 12345, "result untouched on error");

	IS_STR(holiday_name(KV_CAL_MIN_DATE, 0), "Nytårsdag", "1900-01-01 is in range (Nytårsdag)");
	IS_STR(holiday_name(KV_CAL_MAX_DATE, KV_CLOSED_NYTAARSAFTEN), "Nytårsaften", "2200-12-31 is in range");
	IS_INT(add(KV_CAL_MAX_DATE, 0, 0), KV_CAL_MAX_DATE, "add 0 on the last day");
	IS_INT(kv_add_working_days(KV_CAL_MAX_DATE, 1, 0, &r), KV_CAL_OUT_OF_RANGE, "2200-12-31 + 1 out of range");
	IS_INT(kv_add_working_days(KV_CAL_MIN_DATE, -1, 0, &r), KV_CAL_OUT_OF_RANGE, "1900-01-01 - 1 out of range");
	IS_INT(kv_add_working_days(0, INT32_MAX, 0, &r), KV_CAL_OUT_OF_RANGE, "n = INT32_MAX out of range");
	IS_INT(kv_add_working_days(0, INT32_MIN, 0, &r), KV_CAL_OUT_OF_RANGE, "n = INT32_MIN out of range");

	while (!naive_working(last_working, 0))
		last_working--;
	while (!naive_working(first_working, 0))
		first_working++;
	{
		int32_t		from = last_working - 3000;
		int32_t		n = naive_between(from, last_working, 0);

		IS_INT(add(from, n, 0), last_working, "reaching the last working day of 2200");
		IS_INT(kv_add_working_days(from, n + 1, 0, &r), KV_CAL_OUT_OF_RANGE, "one more leaves the range");
		/* working days in [first_working, first_working + 3000) */
		n = naive_between(first_working - 1, first_working + 2999, 0);
		IS_INT(add(first_working + 3000, -n, 0), first_working, "reaching the first working day of 1900");
		IS_INT(kv_add_working_days(first_working + 3000, -n - 1, 0, &r), KV_CAL_OUT_OF_RANGE,
			   "one more back leaves the range");
	}
	IS_INT(first_working, ymd(1900, 1, 2), "first working day in range is 1900-01-02");
}

int
main(void)
{
	kv_calendar_init();
	build_naive();
	test_date_arithmetic();
	test_easter();
	test_holiday_file();
	test_store_bededag();
	test_extra_closed();
	test_add_working_days_cases();
	test_add_working_days_naive();
	test_range();
	return unit_done();
}
