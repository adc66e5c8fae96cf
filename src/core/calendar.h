/*
 * calendar.h - Danish working-day calendar for kvalitet
 * (docs/indicators.md section 6, docs/calendar.md).
 *
 * A date is an int32_t count of days since 2000-01-01 (PostgreSQL DateADT),
 * proleptic Gregorian.  The plain date arithmetic (kv_date_from_ymd,
 * kv_date_to_ymd, kv_day_of_week) works for any date; everything that needs
 * the holiday calendar is limited to the years KV_CAL_MIN_YEAR to
 * KV_CAL_MAX_YEAR and returns KV_CAL_OUT_OF_RANGE for a date outside them,
 * or for a result that would fall outside them.
 *
 * A working day is Monday to Friday and not a closed day.  Closed days are
 * the Danish public holidays (helligdage):
 *
 *   Nytårsdag 1 Jan, Skærtorsdag E-3, Langfredag E-2, Påskedag E,
 *   2. påskedag E+1, Store bededag E+26 (years up to and including 2023;
 *   abolished from 2024 by Act no. 214 of 2023-03-06), Kristi himmelfartsdag
 *   E+39, Pinsedag E+49, 2. pinsedag E+50, Juledag 25 Dec, 2. juledag 26 Dec
 *
 * (E = Easter Sunday), plus those of Grundlovsdag (5 Jun), Juleaften (24 Dec)
 * and Nytårsaften (31 Dec) that the caller names in the extra_closed mask.
 *
 * The holiday tables are built on first use (or by kv_calendar_init) in
 * static memory.  That is safe in a single-threaded process such as a
 * PostgreSQL backend; a multi-threaded caller must call kv_calendar_init
 * once before any other thread uses this module.
 */
#ifndef KV_CALENDAR_H
#define KV_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

typedef enum
{
	KV_CAL_OK = 0,
	KV_CAL_OUT_OF_RANGE			/* a date or year outside 1900-2200 */
} kv_cal_status;

#define KV_CAL_MIN_YEAR 1900
#define KV_CAL_MAX_YEAR 2200
#define KV_CAL_MIN_DATE (-36524)	/* 1900-01-01 */
#define KV_CAL_MAX_DATE 73413		/* 2200-12-31 */

/* Bits of the extra_closed mask: optional closing days. */
#define KV_CLOSED_GRUNDLOVSDAG	0x1u	/* 5 June */
#define KV_CLOSED_JULEAFTEN		0x2u	/* 24 December */
#define KV_CLOSED_NYTAARSAFTEN	0x4u	/* 31 December */
#define KV_CLOSED_ALL			0x7u

/* Prepare the holiday tables now rather than on first use. */
extern void kv_calendar_init(void);

/* True when year is a Gregorian leap year. */
extern bool kv_is_leap_year(int year);

/* True when y-m-d names a real Gregorian date (month 1-12, day in month). */
extern bool kv_ymd_valid(int year, int month, int day);

/*
 * Days since 2000-01-01 of a valid Gregorian date (see kv_ymd_valid).  Any
 * year whose dates fit in int32_t is accepted; no calendar range applies.
 */
extern int32_t kv_date_from_ymd(int year, int month, int day);

/* The year, month (1-12) and day of any date. */
extern void kv_date_to_ymd(int32_t date, int *year, int *month, int *day);

/* ISO day of the week of any date: 1 = Monday .. 7 = Sunday. */
extern int	kv_day_of_week(int32_t date);

/* Easter Sunday of year (Gregorian computus), 1900 <= year <= 2200. */
extern kv_cal_status kv_easter_sunday(int year, int32_t *result);

/*
 * Whether date is a closed day.  *name is set to the Danish name of the day
 * (UTF-8, static storage) when it is a public holiday, or when it is
 * Grundlovsdag, Juleaften or Nytårsaften and extra_closed names it; else
 * *name is NULL.  A public holiday wins over an optional day falling on the
 * same date (5 June can be Pinsedag or 2. pinsedag).  A closed day on a
 * Saturday or Sunday is reported all the same.
 */
extern kv_cal_status kv_holiday(int32_t date, unsigned extra_closed,
								const char **name);

/* Whether date is a working day: Monday to Friday and not a closed day. */
extern kv_cal_status kv_is_working_day(int32_t date, unsigned extra_closed,
									   bool *result);

/*
 * Move n working days from date:
 *   n == 0: date itself, whether or not it is a working day;
 *   n > 0:  the n-th working day after date (date itself not counted);
 *   n < 0:  the |n|-th working day before date (date itself not counted).
 * KV_CAL_OUT_OF_RANGE when date, or the result, lies outside 1900-2200.
 */
extern kv_cal_status kv_add_working_days(int32_t date, int32_t n,
										 unsigned extra_closed,
										 int32_t *result);

/*
 * The number of working days w with from < w <= to when from <= to, and
 * minus the number with to < w <= from when to < from.  Equivalently
 * W(to) - W(from), where W(x) counts working days up to and including x; so
 * results add up: between(a, b) + between(b, c) == between(a, c).
 *
 * With add_working_days:
 *   between(d, add_working_days(d, n)) == n for every n >= 0;
 *   add_working_days(a, between(a, b)) == b whenever a < b and b is a
 *   working day, or a and b are both working days (in either order).
 */
extern kv_cal_status kv_working_days_between(int32_t from, int32_t to,
											 unsigned extra_closed,
											 int32_t *result);

#endif							/* KV_CALENDAR_H */
