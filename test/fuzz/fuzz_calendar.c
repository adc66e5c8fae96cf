/*
 * fuzz_calendar.c - libFuzzer target for the working-day calendar
 * (calendar.c).
 *
 * From the input come two dates, a working-day count and an extra_closed
 * mask, each either raw int32 values or values steered into the calendar's
 * range, its edges and the Easter season.  Checks:
 *   - date arithmetic for any int32: kv_date_to_ymd gives a valid date that
 *     kv_date_from_ymd maps back, the next day is the next date, the day of
 *     the week and (for years -4000..10000) the Julian day number agree;
 *   - kv_easter_sunday and kv_holiday against a second computus (Oudin's)
 *     and the list of closed days in calendar.h;
 *   - kv_add_working_days: OK exactly when enough working days exist inside
 *     the range (counted with kv_working_days_between), a result that is a
 *     working day when n != 0, the identities documented in calendar.h, and
 *     for small n the same day as a day-by-day walk over the model calendar;
 *   - kv_working_days_between: antisymmetric, additive, and for dates up to
 *     60 days apart equal to a direct count over the model calendar.
 * A failed check abort()s.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core
 *        test/fuzz/fuzz_calendar.c src/core/\*.c -lm
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

#include "fuzz.h"

#define NDAYS (KV_CAL_MAX_DATE - KV_CAL_MIN_DATE + 1)
#define SMALL_N 40				/* |n| up to this is walked day by day */
#define SMALL_SPAN 60			/* between() up to this is counted directly */


static uint32_t
next_u32(reader *r)
{
	uint32_t	v = 0;

	for (int i = 0; i < 4; i++)
		v = (v << 8) | next_byte(r);
	return v;
}

static bool
in_range(int32_t d)
{
	return d >= KV_CAL_MIN_DATE && d <= KV_CAL_MAX_DATE;
}

static bool
model_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
model_month_days(int64_t y, int m)
{
	static const int days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && model_leap(y) ? 29 : days[m];
}

/*
 * Days since 2000-01-01 by the Julian day number formula of Fliegel and
 * Van Flandern (valid for years after -4800).
 */
static int64_t
model_days(int64_t y, int64_t m, int64_t d)
{
	int64_t		a = (m - 14) / 12;
	int64_t		jdn = (1461 * (y + 4800 + a)) / 4 +
		(367 * (m - 2 - 12 * a)) / 12 -
		(3 * ((y + 4900 + a) / 100)) / 4 + d - 32075;

	return jdn - 2451545;
}

/* Easter Sunday by Oudin's algorithm (1940), as days since 2000-01-01. */
static int32_t
model_easter(int y)
{
	int			c = y / 100;
	int			n = y - 19 * (y / 19);
	int			k = (c - 17) / 25;
	int			i = c - c / 4 - (c - k) / 3 + 19 * n + 15;
	int			j,
				l,
				m,
				d;

	i = i - 30 * (i / 30);
	i = i - (i / 28) * (1 - (i / 28) * (29 / (i + 1)) * ((21 - n) / 11));
	j = y + y / 4 + i + 2 - c + c / 4;
	j = j - 7 * (j / 7);
	l = i - j;
	m = 3 + (l + 40) / 44;
	d = l + 28 - 31 * (m / 4);
	return (int32_t) model_days(y, m, d);
}

/*
 * The closed day on date (an in-range date) under mask, as calendar.h
 * lists them, or NULL; a public holiday wins over an optional day.
 */
static const char *
model_holiday(int32_t date, unsigned mask)
{
	int			y,
				m,
				d;
	int32_t		e;

	kv_date_to_ymd(date, &y, &m, &d);
	e = model_easter(y);
	if (m == 1 && d == 1)
		return "Nytårsdag";
	if (date == e - 3)
		return "Skærtorsdag";
	if (date == e - 2)
		return "Langfredag";
	if (date == e)
		return "Påskedag";
	if (date == e + 1)
		return "2. påskedag";
	if (date == e + 26 && y <= 2023)
		return "Store bededag";
	if (date == e + 39)
		return "Kristi himmelfartsdag";
	if (date == e + 49)
		return "Pinsedag";
	if (date == e + 50)
		return "2. pinsedag";
	if (m == 12 && d == 25)
		return "Juledag";
	if (m == 12 && d == 26)
		return "2. juledag";
	if (m == 6 && d == 5 && (mask & KV_CLOSED_GRUNDLOVSDAG))
		return "Grundlovsdag";
	if (m == 12 && d == 24 && (mask & KV_CLOSED_JULEAFTEN))
		return "Juleaften";
	if (m == 12 && d == 31 && (mask & KV_CLOSED_NYTAARSAFTEN))
		return "Nytårsaften";
	return NULL;
}

/* ISO day of the week from the day count; 2000-01-01 was a Saturday. */
static int
model_dow(int64_t date)
{
	int64_t		r = (date + 5) % 7;

	return (int) (r < 0 ? r + 7 : r) + 1;
}

static bool
model_working(int32_t date, unsigned mask)
{
	return model_dow(date) <= 5 && model_holiday(date, mask) == NULL;
}

/* Date arithmetic that must hold for every int32 date. */
static void
check_date_arith(int32_t date)
{
	int			y,
				m,
				d,
				y2,
				m2,
				d2;

	kv_date_to_ymd(date, &y, &m, &d);
	require(m >= 1 && m <= 12 && d >= 1 && d <= model_month_days(y, m));
	require(kv_ymd_valid(y, m, d));
	require(kv_date_from_ymd(y, m, d) == date);
	require(kv_day_of_week(date) == model_dow(date));
	require(kv_is_leap_year(y) == model_leap(y));
	if (y >= -4000 && y <= 10000)
		require(model_days(y, m, d) == date);
	if (date < INT32_MAX)
	{
		kv_date_to_ymd(date + 1, &y2, &m2, &d2);
		if (d < model_month_days(y, m))
			require(y2 == y && m2 == m && d2 == d + 1);
		else if (m < 12)
			require(y2 == y && m2 == m + 1 && d2 == 1);
		else
			require(y2 == y + 1 && m2 == 1 && d2 == 1);
	}
}

/* Easter, kv_holiday and kv_is_working_day on one date. */
static void
check_day(int32_t date, unsigned mask)
{
	const char *name = "unset";
	bool		w = false;
	kv_cal_status st;
	int			y,
				m,
				d;
	int32_t		easter = 0;

	st = kv_holiday(date, mask, &name);
	require((st == KV_CAL_OK) == in_range(date));
	require(kv_is_working_day(date, mask, &w) == st);
	if (st != KV_CAL_OK)
	{
		require(name == NULL);
		return;
	}
	{
		const char *expect = model_holiday(date, mask);

		require((name == NULL) == (expect == NULL));
		if (name != NULL)
			require(strcmp(name, expect) == 0);
	}
	require(w == model_working(date, mask));

	kv_date_to_ymd(date, &y, &m, &d);
	require(kv_easter_sunday(y, &easter) == KV_CAL_OK);
	require(easter == model_easter(y));
	require(kv_day_of_week(easter) == 7);
}

/* Working days in (a, b] minus those in (b, a], via the library. */
static int32_t
between(int32_t a, int32_t b, unsigned mask)
{
	int32_t		r = 0;

	require(kv_working_days_between(a, b, mask, &r) == KV_CAL_OK);
	return r;
}

static int
working01(int32_t date, unsigned mask)
{
	bool		w = false;

	require(kv_is_working_day(date, mask, &w) == KV_CAL_OK);
	return w ? 1 : 0;
}

/*
 * The n-th working day from date by walking the model calendar day by day;
 * false when the walk leaves the range first.
 */
static bool
model_add(int32_t date, int32_t n, unsigned mask, int32_t *result)
{
	int32_t		cur = date;
	int32_t		left = n < 0 ? -n : n;
	int			step = n < 0 ? -1 : 1;

	while (left > 0)
	{
		cur += step;
		if (!in_range(cur))
			return false;
		if (model_working(cur, mask))
			left--;
	}
	*result = cur;
	return true;
}

/* kv_add_working_days(date, n): status, result and identities. */
static void
check_add(int32_t date, int32_t n, unsigned mask)
{
	int32_t		r = 0;
	kv_cal_status st = kv_add_working_days(date, n, mask, &r);
	int64_t		avail;
	int64_t		need = n < 0 ? -(int64_t) n : n;

	if (!in_range(date))
	{
		require(st == KV_CAL_OUT_OF_RANGE);
		return;
	}
	/* working days the range holds in the direction of travel */
	if (n >= 0)
		avail = between(date, KV_CAL_MAX_DATE, mask);
	else
		avail = between(KV_CAL_MIN_DATE, date, mask) +
			working01(KV_CAL_MIN_DATE, mask) - working01(date, mask);
	require((st == KV_CAL_OK) == (need <= avail));

	if (need <= SMALL_N)
	{
		int32_t		mr = 0;
		bool		ok = model_add(date, n, mask, &mr);

		require(ok == (st == KV_CAL_OK));
		if (ok)
			require(r == mr);
	}
	if (st != KV_CAL_OK)
		return;

	require(in_range(r));
	if (n == 0)
	{
		require(r == date);
		return;
	}
	require(working01(r, mask) == 1);
	require(n > 0 ? r > date : r < date);
	if (n > 0)
		require(between(date, r, mask) == n);
	else
		require(between(date, r, mask) == n + 1 - working01(date, mask));
}

/* kv_working_days_between(a, b) with c: status, symmetry, sums, identities. */
static void
check_between(int32_t a, int32_t b, int32_t c, unsigned mask)
{
	int32_t		ab = 0;
	kv_cal_status st = kv_working_days_between(a, b, mask, &ab);

	require((st == KV_CAL_OK) == (in_range(a) && in_range(b)));
	if (st != KV_CAL_OK)
		return;
	require(between(b, a, mask) == -ab);
	require(between(a, a, mask) == 0);
	if (in_range(c))
		require(between(a, c, mask) + between(c, b, mask) == ab);

	/* a direct count when the dates are close */
	if ((int64_t) b - a <= SMALL_SPAN && (int64_t) a - b <= SMALL_SPAN)
	{
		int32_t		count = 0;

		for (int32_t w = (a < b ? a : b) + 1; w <= (a < b ? b : a); w++)
			count += model_working(w, mask) ? 1 : 0;
		require(ab == (a <= b ? count : -count));
	}

	/* add(a, between(a, b)) == b when a < b and b works, or both work */
	if ((a < b && working01(b, mask)) ||
		(working01(a, mask) && working01(b, mask)))
	{
		int32_t		r = 0;

		require(kv_add_working_days(a, ab, mask, &r) == KV_CAL_OK);
		require(r == b);
	}
}

/*
 * One date from the input: raw, anywhere in the range, near its ends, or
 * near Easter or Christmas of a year in the range.
 */
static int32_t
next_date(reader *r)
{
	uint8_t		mode = next_byte(r);
	uint32_t	u = next_u32(r);

	switch (mode % 5)
	{
		case 0:
			return (int32_t) u;
		case 1:
			return KV_CAL_MIN_DATE + (int32_t) (u % NDAYS);
		case 2:
			return (u & 1) ? KV_CAL_MIN_DATE - 3 + (int32_t) ((u >> 1) % 64)
				: KV_CAL_MAX_DATE + 3 - (int32_t) ((u >> 1) % 64);
		case 3:
			return model_easter(KV_CAL_MIN_YEAR + (int) ((u >> 8) % 301)) +
				(int8_t) (u & 0xFF);
		default:
			return kv_date_from_ymd(KV_CAL_MIN_YEAR + (int) ((u >> 8) % 301), 12, 20) +
				(int8_t) (u & 0xFF) % 16;
	}
}

/* A working-day count: raw, small, medium, or around the range's size. */
static int32_t
next_count(reader *r)
{
	uint8_t		mode = next_byte(r);
	uint32_t	u = next_u32(r);

	switch (mode % 4)
	{
		case 0:
			return (int32_t) u;
		case 1:
			return (int8_t) (u & 0xFF) % (SMALL_N + 1);
		case 2:
			return (int16_t) (u & 0xFFFF);
		default:
			return ((u & 1) ? 1 : -1) * (NDAYS - (int32_t) ((u >> 1) % 40000));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader		r = {data, size};
	int32_t		a = next_date(&r);
	int32_t		b = next_date(&r);
	int32_t		c = next_date(&r);
	int32_t		n = next_count(&r);
	uint8_t		mb = next_byte(&r);
	unsigned	mask = mb & KV_CLOSED_ALL;
	unsigned	raw_mask = next_u32(&r);
	int32_t		ignored;
	int32_t		easter;
	int			year = (int) next_u32(&r);
	const char *name;
	bool		w;

	if (mb & 0x80)
		kv_calendar_init();

	check_date_arith(a);
	check_date_arith(b);
	check_date_arith(n);
	check_day(a, mask);
	check_day(b, mask);
	check_add(a, n, mask);
	check_add(b, (int8_t) (n & 0xFF) % (SMALL_N + 1), mask);
	check_between(a, b, c, mask);

	/* any year, any mask: only the range decides the status */
	require((kv_easter_sunday(year, &easter) == KV_CAL_OK) ==
			(year >= KV_CAL_MIN_YEAR && year <= KV_CAL_MAX_YEAR));
	require((kv_holiday(a, raw_mask, &name) == KV_CAL_OK) == in_range(a));
	require((kv_is_working_day(a, raw_mask, &w) == KV_CAL_OK) == in_range(a));
	require((kv_working_days_between(a, b, raw_mask, &ignored) == KV_CAL_OK) ==
			(in_range(a) && in_range(b)));
	if (kv_add_working_days(a, n, raw_mask, &ignored) == KV_CAL_OK)
		require(in_range(ignored));
	return 0;
}
