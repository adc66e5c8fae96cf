/*
 * calendar.c - Danish working-day calendar for kvalitet
 * (docs/indicators.md section 6, docs/calendar.md).
 *
 * Date arithmetic on days since 2000-01-01, Easter by the Gregorian
 * computus, and working days between 1900-01-01 and 2200-12-31.
 *
 * Two tables, built once: the holiday of every day in the range (one byte
 * per day), so that checking one day costs a lookup; and the sorted dates of
 * the closed days that fall on Monday to Friday, one list per kind of
 * closing (public holiday, Grundlovsdag, Juleaften, Nytårsaften), so that the
 * number of working days up to any date costs a few binary searches.
 * Adding many working days jumps whole weeks using those counts and steps
 * day by day only for the last few days.
 */
#include "calendar.h"

#include <stddef.h>

#define KV_CAL_YEARS (KV_CAL_MAX_YEAR - KV_CAL_MIN_YEAR + 1)
#define KV_CAL_NDAYS (KV_CAL_MAX_DATE - KV_CAL_MIN_DATE + 1)

/*
 * At most 9 public holidays a year fall on Monday to Friday: the six that
 * are always on a weekday (Skærtorsdag, Langfredag, 2. påskedag, Store
 * bededag, Kristi himmelfartsdag, 2. pinsedag) and 1 Jan, 25 Dec, 26 Dec.
 */
#define KV_MAX_PUBLIC_WEEKDAYS 9

/* What a day is; public holidays first, then the optional closing days. */
typedef enum
{
	KV_DAY_NONE = 0,
	KV_DAY_NYTAARSDAG,
	KV_DAY_SKAERTORSDAG,
	KV_DAY_LANGFREDAG,
	KV_DAY_PAASKEDAG,
	KV_DAY_ANDEN_PAASKEDAG,
	KV_DAY_STORE_BEDEDAG,
	KV_DAY_KRISTI_HIMMELFART,
	KV_DAY_PINSEDAG,
	KV_DAY_ANDEN_PINSEDAG,
	KV_DAY_JULEDAG,
	KV_DAY_ANDEN_JULEDAG,
	KV_DAY_GRUNDLOVSDAG,
	KV_DAY_JULEAFTEN,
	KV_DAY_NYTAARSAFTEN
} kv_day_kind;

static const char *const kv_day_names[] = {
	NULL,
	"Nytårsdag",
	"Skærtorsdag",
	"Langfredag",
	"Påskedag",
	"2. påskedag",
	"Store bededag",
	"Kristi himmelfartsdag",
	"Pinsedag",
	"2. pinsedag",
	"Juledag",
	"2. juledag",
	"Grundlovsdag",
	"Juleaften",
	"Nytårsaften"
};

/* The extra_closed bit that closes each kind of day; 0 = always closed. */
static const unsigned kv_day_needs[] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	KV_CLOSED_GRUNDLOVSDAG,
	KV_CLOSED_JULEAFTEN,
	KV_CLOSED_NYTAARSAFTEN
};

/* Days before each month of a year that starts on 1 March. */
static const int kv_days_before_month_from_march[12] = {
	0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337
};

static bool kv_ready = false;
static uint8_t kv_day_kind_of[KV_CAL_NDAYS];
static int32_t kv_public_weekdays[KV_CAL_YEARS * KV_MAX_PUBLIC_WEEKDAYS];
static int	kv_n_public_weekdays;
static int32_t kv_optional_weekdays[3][KV_CAL_YEARS];
static int	kv_n_optional_weekdays[3];

/* Division rounding towards minus infinity. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * Days from 2000-01-01 to y-m-d.  Years are counted from 1 March so that
 * the leap day, when there is one, is the last day of its year; the
 * Gregorian calendar repeats every 400 years (146097 days).
 */
static int64_t
days_from_civil(int64_t year, int month, int day)
{
	int64_t		y = (month <= 2) ? year - 1 : year;
	int			m = (month <= 2) ? month + 9 : month - 3;
	int64_t		cycle = floor_div(y - 2000, 400);
	int64_t		yc = y - 2000 - cycle * 400;
	int64_t		since_march_2000;

	since_march_2000 = cycle * 146097 + yc * 365 + yc / 4 - yc / 100 +
		kv_days_before_month_from_march[m] + (day - 1);
	/* 2000-03-01 is 60 days after 2000-01-01 (31 + 29). */
	return since_march_2000 + 60;
}

bool
kv_is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days in a month of a year; month must be 1-12. */
static int
days_in_month(int year, int month)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && kv_is_leap_year(year))
		return 29;
	return len[month - 1];
}

bool
kv_ymd_valid(int year, int month, int day)
{
	return month >= 1 && month <= 12 && day >= 1 &&
		day <= days_in_month(year, month);
}

int32_t
kv_date_from_ymd(int year, int month, int day)
{
	return (int32_t) days_from_civil(year, month, day);
}

/*
 * Split a date into year, month and day: estimate the year from the mean
 * Gregorian year, correct it against 1 January, then walk the months.
 */
void
kv_date_to_ymd(int32_t date, int *year, int *month, int *day)
{
	int64_t		y = 2000 + floor_div((int64_t) date * 400, 146097);
	int64_t		rest;
	int			m = 1;

	while (days_from_civil(y + 1, 1, 1) <= date)
		y++;
	while (days_from_civil(y, 1, 1) > date)
		y--;
	rest = date - days_from_civil(y, 1, 1);
	while (rest >= days_in_month((int) y, m))
	{
		rest -= days_in_month((int) y, m);
		m++;
	}
	*year = (int) y;
	*month = m;
	*day = (int) rest + 1;
}

int
kv_day_of_week(int32_t date)
{
	/* 2000-01-01 was a Saturday (6). */
	return (int) ((date % 7 + 7 + 5) % 7) + 1;
}

/*
 * Easter Sunday of a Gregorian year by the "anonymous Gregorian" computus
 * (Meeus/Jones/Butcher): the Paschal full moon from the Metonic cycle with
 * the solar and lunar century corrections, then the following Sunday.
 */
static int32_t
easter_of(int year)
{
	int			a = year % 19;
	int			b = year / 100;
	int			c = year % 100;
	int			d = b / 4;
	int			e = b % 4;
	int			f = (b + 8) / 25;
	int			g = (b - f + 1) / 3;
	int			h = (19 * a + b - d - g + 15) % 30;
	int			i = c / 4;
	int			k = c % 4;
	int			l = (32 + 2 * e + 2 * i - h - k) % 7;
	int			m = (a + 11 * h + 22 * l) / 451;
	int			month = (h + l - 7 * m + 114) / 31;
	int			day = (h + l - 7 * m + 114) % 31 + 1;

	return kv_date_from_ymd(year, month, day);
}

static bool
in_range(int32_t date)
{
	return date >= KV_CAL_MIN_DATE && date <= KV_CAL_MAX_DATE;
}

/* Mark date as a kind of day unless a public holiday already holds it. */
static void
mark_day(int32_t date, kv_day_kind kind)
{
	uint8_t    *slot = &kv_day_kind_of[date - KV_CAL_MIN_DATE];

	if (*slot == KV_DAY_NONE || kv_day_needs[*slot] != 0)
		*slot = (uint8_t) kind;
}

void
kv_calendar_init(void)
{
	int			year;
	int32_t		date;

	if (kv_ready)
		return;

	for (year = KV_CAL_MIN_YEAR; year <= KV_CAL_MAX_YEAR; year++)
	{
		int32_t		e = easter_of(year);

		mark_day(kv_date_from_ymd(year, 6, 5), KV_DAY_GRUNDLOVSDAG);
		mark_day(kv_date_from_ymd(year, 12, 24), KV_DAY_JULEAFTEN);
		mark_day(kv_date_from_ymd(year, 12, 31), KV_DAY_NYTAARSAFTEN);

		mark_day(kv_date_from_ymd(year, 1, 1), KV_DAY_NYTAARSDAG);
		mark_day(e - 3, KV_DAY_SKAERTORSDAG);
		mark_day(e - 2, KV_DAY_LANGFREDAG);
		mark_day(e, KV_DAY_PAASKEDAG);
		mark_day(e + 1, KV_DAY_ANDEN_PAASKEDAG);
		if (year <= 2023)
			mark_day(e + 26, KV_DAY_STORE_BEDEDAG);
		mark_day(e + 39, KV_DAY_KRISTI_HIMMELFART);
		mark_day(e + 49, KV_DAY_PINSEDAG);
		mark_day(e + 50, KV_DAY_ANDEN_PINSEDAG);
		mark_day(kv_date_from_ymd(year, 12, 25), KV_DAY_JULEDAG);
		mark_day(kv_date_from_ymd(year, 12, 26), KV_DAY_ANDEN_JULEDAG);
	}

	kv_n_public_weekdays = 0;
	kv_n_optional_weekdays[0] = 0;
	kv_n_optional_weekdays[1] = 0;
	kv_n_optional_weekdays[2] = 0;
	for (date = KV_CAL_MIN_DATE; date <= KV_CAL_MAX_DATE; date++)
	{
		int			kind = kv_day_kind_of[date - KV_CAL_MIN_DATE];

		if (kind == KV_DAY_NONE || kv_day_of_week(date) > 5)
			continue;
		if (kind < KV_DAY_GRUNDLOVSDAG)
			kv_public_weekdays[kv_n_public_weekdays++] = date;
		else
		{
			int			list = kind - KV_DAY_GRUNDLOVSDAG;

			kv_optional_weekdays[list][kv_n_optional_weekdays[list]++] = date;
		}
	}

	kv_ready = true;
}

/* Whether a kind of day is closed under the extra_closed mask. */
static inline bool
kind_closed(int kind, unsigned extra_closed)
{
	return kind != KV_DAY_NONE &&
		(kv_day_needs[kind] == 0 || (kv_day_needs[kind] & extra_closed) != 0);
}

/* Working-day test for an in-range date; the tables must be ready. */
static inline bool
working(int32_t date, unsigned extra_closed)
{
	return kv_day_of_week(date) <= 5 &&
		!kind_closed(kv_day_kind_of[date - KV_CAL_MIN_DATE], extra_closed);
}

/* How many entries of a sorted list are <= x. */
static int32_t
count_upto(const int32_t *list, int n, int32_t x)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (list[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Working days from 1900-01-01 up to and including x, for
 * KV_CAL_MIN_DATE - 1 <= x <= KV_CAL_MAX_DATE: the weekdays (1900-01-01 was
 * a Monday) less the closed days that fall on a weekday.
 */
static int32_t
working_upto(int32_t x, unsigned extra_closed)
{
	int32_t		k = x - KV_CAL_MIN_DATE + 1;
	int32_t		count = (k / 7) * 5 + (k % 7 < 5 ? k % 7 : 5);
	int			list;

	count -= count_upto(kv_public_weekdays, kv_n_public_weekdays, x);
	for (list = 0; list < 3; list++)
	{
		if (extra_closed & (1u << list))
			count -= count_upto(kv_optional_weekdays[list],
								kv_n_optional_weekdays[list], x);
	}
	return count;
}

kv_cal_status
kv_easter_sunday(int year, int32_t *result)
{
	if (year < KV_CAL_MIN_YEAR || year > KV_CAL_MAX_YEAR)
		return KV_CAL_OUT_OF_RANGE;
	*result = easter_of(year);
	return KV_CAL_OK;
}

kv_cal_status
kv_holiday(int32_t date, unsigned extra_closed, const char **name)
{
	int			kind;

	*name = NULL;
	if (!in_range(date))
		return KV_CAL_OUT_OF_RANGE;
	if (!kv_ready)
		kv_calendar_init();
	kind = kv_day_kind_of[date - KV_CAL_MIN_DATE];
	if (kind_closed(kind, extra_closed))
		*name = kv_day_names[kind];
	return KV_CAL_OK;
}

kv_cal_status
kv_is_working_day(int32_t date, unsigned extra_closed, bool *result)
{
	if (!in_range(date))
		return KV_CAL_OUT_OF_RANGE;
	if (!kv_ready)
		kv_calendar_init();
	*result = working(date, extra_closed);
	return KV_CAL_OK;
}

/*
 * Move n working days.  Whole weeks hold exactly five weekdays, so a jump of
 * w weeks passes at most 5w working days; jumps keep at least one working
 * day still to go, which the day-by-day steps then find, so the result is
 * always a working day.  Jumps stop short of the range ends; a step past an
 * end is the out-of-range error.
 */
kv_cal_status
kv_add_working_days(int32_t date, int32_t n, unsigned extra_closed,
					int32_t *result)
{
	int32_t		cur = date;
	int32_t		left;

	if (!in_range(date))
		return KV_CAL_OUT_OF_RANGE;
	/* The whole range holds fewer than KV_CAL_NDAYS working days. */
	if (n > KV_CAL_NDAYS || n < -KV_CAL_NDAYS)
		return KV_CAL_OUT_OF_RANGE;
	if (!kv_ready)
		kv_calendar_init();

	if (n >= 0)
	{
		left = n;
		while (left > 0)
		{
			int32_t		weeks = (left - 1) / 5;
			int32_t		room = (KV_CAL_MAX_DATE - cur) / 7;

			if (weeks > room)
				weeks = room;
			if (weeks > 0)
			{
				int32_t		next = cur + 7 * weeks;

				left -= working_upto(next, extra_closed) -
					working_upto(cur, extra_closed);
				cur = next;
			}
			else
			{
				if (cur == KV_CAL_MAX_DATE)
					return KV_CAL_OUT_OF_RANGE;
				cur++;
				if (working(cur, extra_closed))
					left--;
			}
		}
	}
	else
	{
		left = -n;
		while (left > 0)
		{
			int32_t		weeks = (left - 1) / 5;
			int32_t		room = (cur - KV_CAL_MIN_DATE) / 7;

			if (weeks > room)
				weeks = room;
			if (weeks > 0)
			{
				int32_t		next = cur - 7 * weeks;

				/* working days in [next, cur) */
				left -= working_upto(cur - 1, extra_closed) -
					working_upto(next - 1, extra_closed);
				cur = next;
			}
			else
			{
				if (cur == KV_CAL_MIN_DATE)
					return KV_CAL_OUT_OF_RANGE;
				cur--;
				if (working(cur, extra_closed))
					left--;
			}
		}
	}
	*result = cur;
	return KV_CAL_OK;
}

kv_cal_status
kv_working_days_between(int32_t from, int32_t to, unsigned extra_closed,
						int32_t *result)
{
	if (!in_range(from) || !in_range(to))
		return KV_CAL_OUT_OF_RANGE;
	if (!kv_ready)
		kv_calendar_init();
	*result = working_upto(to, extra_closed) - working_upto(from, extra_closed);
	return KV_CAL_OK;
}
