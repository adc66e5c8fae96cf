/*
 * test_textdate.c - unit tests of src/core/textdate.c: the date and time
 * spellings of delivered extracts, and what is rejected.  Expected day
 * numbers come from kv_date_from_ymd (checked day by day in
 * test_calendar.c) and two hand-computed ones; times by hand.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "textdate.h"
#include "unit.h"

/* Each parser through a heap copy of exactly the text's length (no terminator). */
static char *
copy_of(const char *s)
{
	size_t		len = strlen(s);
	char	   *c = malloc(len > 0 ? len : 1);

	if (c == NULL)
		abort();
	memcpy(c, s, len);
	return c;
}

static bool
date_of(const char *s, int32_t *day)
{
	char	   *c = copy_of(s);
	bool		ok = kv_text_date(c, strlen(s), day);

	free(c);
	return ok;
}

static bool
time_of(const char *s, int64_t *usec)
{
	char	   *c = copy_of(s);
	bool		ok = kv_text_time(c, strlen(s), usec);

	free(c);
	return ok;
}

static bool
timestamp_of(const char *s, int64_t *usec)
{
	char	   *c = copy_of(s);
	bool		ok = kv_text_timestamp(c, strlen(s), usec);

	free(c);
	return ok;
}

int
main(void)
{
	int32_t		d = -1;
	int64_t		t = -1;
	const char *bad_dates[] = {"", "2025", "2025011", "20251301", "20250230", "20230229", "2025-04-31",
		"2025-1-01", "2025/01/10", "10JAN2025", "00000101", "2025011012", "2025-01-10x", "abcdefgh", "2025-01-1"};
	const char *bad_times[] = {"", "8:00", "24:00", "08:60", "08:00:60", "08", "08:0", "08:00:3", "08:00:30.",
		"08:00:30,5", "0800x", "08-00", "x"};
	const char *bad_stamps[] = {"2025-01-10 25:00", "2025-02-30 08:00", "2025-01-10X08:00", "2025-01-10 x", "2025-01-10T"};

	IS_INT(date_of("20000101", &d) ? d : -99, 0, "20000101 is day 0");
	IS_INT(date_of("2000-03-01", &d) ? d : -99, 60, "2000-03-01 is day 60 (2000 is a leap year)");
	IS_INT(date_of("20240229", &d) ? d : -99, kv_date_from_ymd(2024, 2, 29), "YYYYMMDD, a leap day");
	IS_INT(date_of("2024-02-29", &d) ? d : -99, kv_date_from_ymd(2024, 2, 29), "YYYY-MM-DD");
	IS_INT(date_of(" 2025-01-10 08:00", &d) ? d : -99, kv_date_from_ymd(2025, 1, 10), "an ISO time after the date is ignored, blanks too");
	IS_INT(date_of("2025-01-10T08:00:00+01", &d) ? d : -99, kv_date_from_ymd(2025, 1, 10), "T and anything after it ignored");
	IS_INT(date_of("18991231", &d) ? d : -99, kv_date_from_ymd(1899, 12, 31), "dates before 2000 are negative days");
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++)
	{
		char		name[80];

		snprintf(name, sizeof(name), "no date: \"%s\"", bad_dates[i]);
		OK(!date_of(bad_dates[i], &d), name);
	}

	IS_INT(time_of("08:00", &t) ? t : -99, INT64_C(8) * 3600 * 1000000, "HH:MM");
	IS_INT(time_of("0800", &t) ? t : -99, INT64_C(8) * 3600 * 1000000, "HHMM");
	IS_INT(time_of("08.00", &t) ? t : -99, INT64_C(8) * 3600 * 1000000, "HH.MM");
	IS_INT(time_of("23:59:59", &t) ? t : -99, INT64_C(86399) * 1000000, "HH:MM:SS, the last second");
	IS_INT(time_of("080030", &t) ? t : -99, INT64_C(28830) * 1000000, "HHMMSS");
	IS_INT(time_of("00:00:01.5", &t) ? t : -99, INT64_C(1500000), "a fraction of a second");
	IS_INT(time_of("00:00:00.1234567", &t) ? t : -99, INT64_C(123456), "digits past the sixth are dropped");
	IS_INT(time_of(" 10:15 ", &t) ? t : -99, INT64_C(36900) * 1000000, "blanks around are ignored");
	for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
	{
		char		name[80];

		snprintf(name, sizeof(name), "no time: \"%s\"", bad_times[i]);
		OK(!time_of(bad_times[i], &t), name);
	}

	IS_INT(timestamp_of("2000-01-02 00:00:01", &t) ? t : -99, INT64_C(86401) * 1000000, "a timestamp with a space");
	IS_INT(timestamp_of("20000101T0800", &t) ? t : -99, INT64_C(28800) * 1000000, "YYYYMMDDTHHMM");
	IS_INT(timestamp_of("2025-01-10", &t) ? t : -99, (int64_t) kv_date_from_ymd(2025, 1, 10) * 86400 * 1000000, "a date alone is midnight");
	for (size_t i = 0; i < sizeof(bad_stamps) / sizeof(bad_stamps[0]); i++)
	{
		char		name[80];

		snprintf(name, sizeof(name), "no timestamp: \"%s\"", bad_stamps[i]);
		OK(!timestamp_of(bad_stamps[i], &t), name);
	}
	return unit_done();
}
