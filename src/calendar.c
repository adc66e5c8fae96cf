/*
 * calendar.c - the Danish working-day calendar in SQL: kvalitet.is_holiday,
 * holiday_name, is_working_day, add_working_days, working_days_between,
 * the two settings the day-based rules read, kvalitet.timezone and
 * kvalitet.extra_closed_days, and the local days of kvalitet.timezone
 * (docs/calendar.md, docs/indicators.md section 6).  The epikrise
 * indicator that counts in these days is epikrise.c.
 *
 * The calendar itself is src/core/calendar.c; this file turns dates and
 * timestamps into its day numbers and its status codes into errors.
 *
 * Local days.  The epikrise rule compares local dates of two timestamps
 * per row.  Converting each through the time zone library would cost more
 * than everything else together, so each zone's UTC offsets are tabulated
 * once per backend as spans [start, end) of constant offset between
 * 1899-12-25 and 2201-01-07 UTC (a few hundred spans, indexed by week);
 * local_days.h shares them with epikrise.c.
 */
#include "kvalitet.h"

#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "mb/pg_wchar.h"

#include "calendar.h"
#include "local_days.h"

PG_FUNCTION_INFO_V1(calendar_is_holiday);
PG_FUNCTION_INFO_V1(calendar_holiday_name);
PG_FUNCTION_INFO_V1(calendar_is_working_day);
PG_FUNCTION_INFO_V1(calendar_add_working_days);
PG_FUNCTION_INFO_V1(calendar_working_days_between);
PG_FUNCTION_INFO_V1(calendar_in_calendar);
PG_FUNCTION_INFO_V1(calendar_in_calendar_closed);

/* ---------------------------------------------------------------------
 * Settings
 * ---------------------------------------------------------------------
 */

#define KV_DEFAULT_TIMEZONE "Europe/Copenhagen"

static char *kv_timezone_setting = NULL;
static char *kv_extra_closed_setting = NULL;

/* What the settings mean, kept current by their assign hooks. */
static pg_tz *kv_tz = NULL;
unsigned	kv_extra_closed = 0;

/* The optional closing days kvalitet.extra_closed_days can name. */
static const struct
{
	const char *name;
	unsigned	bit;
}			kv_closing_names[] =
{
	{"grundlovsdag", KV_CLOSED_GRUNDLOVSDAG},
	{"juleaften", KV_CLOSED_JULEAFTEN},
	{"nytaarsaften", KV_CLOSED_NYTAARSAFTEN},
	{"nyt\xc3\xa5rsaften", KV_CLOSED_NYTAARSAFTEN}	/* nytårsaften, UTF-8 */
};

static void invalidate_zone_caches(void);

/* Accept a time zone the time zone library knows and can use. */
static bool
check_timezone(char **newval, void **extra, GucSource source)
{
	pg_tz	   *tz;
	pg_tz	  **result;

	if (*newval == NULL || (*newval)[0] == '\0')
	{
		GUC_check_errmsg("kvalitet.timezone cannot be empty");
		GUC_check_errhint("Set a time zone name such as Europe/Copenhagen.");
		return false;
	}
	tz = pg_tzset(*newval);
	if (tz == NULL)
	{
		GUC_check_errmsg("time zone \"%s\" not recognized", *newval);
		GUC_check_errhint("Use a name from pg_timezone_names, such as Europe/Copenhagen.");
		return false;
	}
	if (!pg_tz_acceptable(tz))
	{
		GUC_check_errmsg("time zone \"%s\" appears to use leap seconds", *newval);
		GUC_check_errdetail("kvalitet does not support leap seconds.");
		return false;
	}
	result = (pg_tz **) malloc(sizeof(pg_tz *));
	if (result == NULL)
		return false;
	*result = tz;
	*extra = result;
	return true;
}

static void
assign_timezone(const char *newval, void *extra)
{
	kv_tz = *(pg_tz **) extra;
	invalidate_zone_caches();
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Parse a comma-separated list of closing-day names (ASCII case and
 * surrounding blanks ignored) into a KV_CLOSED_* mask; an all-blank list is
 * the empty mask.  Returns false and points *bad / *badlen at the offending
 * item when an item is empty or not a known name.
 */
static bool
parse_closing_days(const char *list, unsigned *mask,
				   const char **bad, int *badlen)
{
	const char *p = list;

	*mask = 0;
	while (is_blank(*p))
		p++;
	if (*p == '\0')
		return true;
	while (true)
	{
		const char *start;
		const char *end;
		int			len;
		size_t		i;
		bool		found = false;

		while (is_blank(*p))
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && is_blank(end[-1]))
			end--;
		len = (int) (end - start);

		for (i = 0; i < lengthof(kv_closing_names); i++)
		{
			if ((int) strlen(kv_closing_names[i].name) == len &&
				pg_strncasecmp(start, kv_closing_names[i].name, len) == 0)
			{
				*mask |= kv_closing_names[i].bit;
				found = true;
				break;
			}
		}
		if (!found)
		{
			*bad = start;
			*badlen = len;
			return false;
		}
		if (*p == '\0')
			return true;
		p++;					/* the comma */
	}
}

static bool
check_extra_closed(char **newval, void **extra, GucSource source)
{
	unsigned	mask;
	const char *bad;
	int			badlen;
	unsigned   *result;

	if (!parse_closing_days(*newval ? *newval : "", &mask, &bad, &badlen))
	{
		if (badlen == 0)
			GUC_check_errmsg("kvalitet.extra_closed_days has an empty item");
		else
			GUC_check_errmsg("\"%.*s\" is not a closing day kvalitet.extra_closed_days knows",
							 badlen, bad);
		GUC_check_errhint("Name any of grundlovsdag, juleaften, nytaarsaften, separated by commas, or set '' for none.");
		return false;
	}
	result = (unsigned *) malloc(sizeof(unsigned));
	if (result == NULL)
		return false;
	*result = mask;
	*extra = result;
	return true;
}

static void
assign_extra_closed(const char *newval, void *extra)
{
	kv_extra_closed = *(unsigned *) extra;
}

/*
 * The zone named by an explicit argument (epikrise_timeliness's time-zone
 * argument), with the checks of kvalitet.timezone, as errors.
 */
pg_tz *
kv_parse_zone(const char *name)
{
	pg_tz	   *tz;

	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the time zone argument cannot be empty"),
				 errhint("Give a time zone name such as Europe/Copenhagen, or NULL for kvalitet.timezone.")));
	tz = pg_tzset(name);
	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", name),
				 errhint("Use a name from pg_timezone_names, such as Europe/Copenhagen.")));
	if (!pg_tz_acceptable(tz))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" appears to use leap seconds", name),
				 errdetail("kvalitet does not support leap seconds.")));
	return tz;
}

/* The KV_CLOSED_* mask of an explicit closing-day list, or an error. */
unsigned
kv_parse_closed_days(const char *list)
{
	unsigned	mask;
	const char *bad;
	int			badlen;

	if (!parse_closing_days(list, &mask, &bad, &badlen))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 badlen == 0 ?
				 errmsg("the closing-day list has an empty item") :
				 errmsg("\"%.*s\" is not a closing day kvalitet knows", badlen, bad),
				 errhint("Name any of grundlovsdag, juleaften, nytaarsaften, separated by commas, '' for none, or NULL for kvalitet.extra_closed_days.")));
	return mask;
}

/* The zone of the setting kvalitet.timezone. */
pg_tz *
kv_setting_zone(void)
{
	return kv_tz;
}

/*
 * Define kvalitet.timezone and kvalitet.extra_closed_days, and reserve the
 * kvalitet. prefix (called from _PG_init).  Both are PGC_USERSET so that
 * ALTER DATABASE/ROLE ... SET and a function's SET clause can pin them.
 */
void
kv_calendar_define_settings(void)
{
	DefineCustomStringVariable("kvalitet.timezone",
							   "Time zone whose local days kvalitet's day-based rules count.",
							   "Decides the local date of a timestamp in epikrise_timeliness and epikrise_deadline; independent of the session's TimeZone.",
							   &kv_timezone_setting,
							   KV_DEFAULT_TIMEZONE,
							   PGC_USERSET,
							   0,
							   check_timezone,
							   assign_timezone,
							   NULL);
	DefineCustomStringVariable("kvalitet.extra_closed_days",
							   "Optional closing days that count as holidays: grundlovsdag, juleaften, nytaarsaften.",
							   "A comma-separated list; empty (the default) means only the Danish public holidays close.",
							   &kv_extra_closed_setting,
							   "",
							   PGC_USERSET,
							   0,
							   check_extra_closed,
							   assign_extra_closed,
							   NULL);
}

/* ---------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------
 */

/* A date outside 1900-2200, or infinite, for the calendar functions. */
void
kv_report_date_outside(DateADT date, const char *what)
{
	const char *shown = DatumGetCString(DirectFunctionCall1(date_out,
															DateADTGetDatum(date)));

	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
			 errmsg("%s %s is outside the working-day calendar", what, shown),
			 errdetail("kvalitet's Danish calendar covers 1900-01-01 to 2200-12-31.")));
}

/* The calendar day number of a date argument, checked against the range. */
static int32
calendar_day(DateADT date, const char *what)
{
	if (DATE_NOT_FINITE(date) || date < KV_CAL_MIN_DATE || date > KV_CAL_MAX_DATE)
		kv_report_date_outside(date, what);
	return (int32) date;
}

/* Move n working days, or report that the result leaves the calendar. */
int32
kv_add_working_days_or_report(int32 date, int32 n, unsigned mask)
{
	int32		result;

	if (kv_add_working_days(date, n, mask, &result) != KV_CAL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
				 errmsg_plural("%d working day from %s is outside the working-day calendar",
							   "%d working days from %s is outside the working-day calendar",
							   (unsigned long) Abs((int64) n),
							   n, DatumGetCString(DirectFunctionCall1(date_out,
																	  DateADTGetDatum(date)))),
				 errdetail("kvalitet's Danish calendar covers 1900-01-01 to 2200-12-31.")));
	return result;
}

/* ---------------------------------------------------------------------
 * Calendar functions
 * ---------------------------------------------------------------------
 */

/* is_holiday(date): a public holiday, or a closing day the setting names. */
Datum
calendar_is_holiday(PG_FUNCTION_ARGS)
{
	int32		date = calendar_day(PG_GETARG_DATEADT(0), "date");
	const char *name;

	(void) kv_holiday(date, kv_extra_closed, &name);
	PG_RETURN_BOOL(name != NULL);
}

/* holiday_name(date): the Danish name, NULL on other days. */
Datum
calendar_holiday_name(PG_FUNCTION_ARGS)
{
	int32		date = calendar_day(PG_GETARG_DATEADT(0), "date");
	const char *name;

	(void) kv_holiday(date, kv_extra_closed, &name);
	if (name == NULL)
		PG_RETURN_NULL();
	/* The core's names are UTF-8; convert for other server encodings. */
	PG_RETURN_TEXT_P(cstring_to_text(pg_any_to_server(name, strlen(name), PG_UTF8)));
}

Datum
calendar_is_working_day(PG_FUNCTION_ARGS)
{
	int32		date = calendar_day(PG_GETARG_DATEADT(0), "date");
	bool		result;

	(void) kv_is_working_day(date, kv_extra_closed, &result);
	PG_RETURN_BOOL(result);
}

Datum
calendar_add_working_days(PG_FUNCTION_ARGS)
{
	int32		date = calendar_day(PG_GETARG_DATEADT(0), "date");
	int32		n = PG_GETARG_INT32(1);

	PG_RETURN_DATEADT(kv_add_working_days_or_report(date, n, kv_extra_closed));
}

Datum
calendar_working_days_between(PG_FUNCTION_ARGS)
{
	int32		from = calendar_day(PG_GETARG_DATEADT(0), "date");
	int32		to = calendar_day(PG_GETARG_DATEADT(1), "date");
	int32		result;

	(void) kv_working_days_between(from, to, kv_extra_closed, &result);
	PG_RETURN_INT32(result);
}

/* Can the calendar answer for this day and the day n working days from it? */
static bool
in_calendar(DateADT date, int32 n, unsigned closed)
{
	int32		ignored;

	if (DATE_NOT_FINITE(date) || date < KV_CAL_MIN_DATE || date > KV_CAL_MAX_DATE)
		return false;
	return kv_add_working_days(date, n, closed, &ignored) == KV_CAL_OK;
}

/*
 * in_calendar(date, n [, closed_days]): what epikrise_timeliness needs of a
 * discharge's local day; the bound views skip and count the letters it
 * rejects instead of stopping at the first one.  They pass the closing days,
 * which a Citus worker would not see as a setting.
 */
Datum
calendar_in_calendar(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(in_calendar(PG_GETARG_DATEADT(0), PG_GETARG_INT32(1), kv_extra_closed));
}

Datum
calendar_in_calendar_closed(PG_FUNCTION_ARGS)
{
	unsigned	closed = kv_extra_closed;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(2))
	{
		char	   *list = text_to_cstring(PG_GETARG_TEXT_PP(2));

		closed = kv_parse_closed_days(list);
		pfree(list);
	}
	PG_RETURN_BOOL(in_calendar(PG_GETARG_DATEADT(0), PG_GETARG_INT32(1), closed));
}

/* ---------------------------------------------------------------------
 * Local days in kvalitet.timezone
 * ---------------------------------------------------------------------
 */

/* Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC). */
#define KV_EPOCH_DIFF_SECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

/* Weeks of the tabulated stretch (local_days.h), each with its first span. */
#define KV_SPAN_WEEKS ((KV_SPANS_TO_DAYS - KV_SPANS_FROM_DAYS) / 7 + 1)

/* Zones tabulated in this backend (a function's SET clause may switch). */
#define KV_MAX_ZONES 4
static kv_zone_spans kv_zones[KV_MAX_ZONES];
static int	kv_nzones = 0;
static int	kv_next_zone_slot = 0;

/* The tabulated zone of kv_tz, once looked up; NULL when not yet. */
static kv_zone_spans *kv_zone = NULL;

/* Forget everything derived from kv_tz (its value has changed). */
static void
invalidate_zone_caches(void)
{
	kv_zone = NULL;
	kv_epikrise_forget_zone();
}

/*
 * Tabulate a zone's offsets with pg_next_dst_boundary, which gives the
 * offset in force at an instant and the next transition after it.
 */
static void
tabulate_zone(kv_zone_spans *zone, pg_tz *tz)
{
	pg_time_t	t = KV_SPANS_FROM / USECS_PER_SEC + KV_EPOCH_DIFF_SECS;
	pg_time_t	stop = KV_SPANS_TO / USECS_PER_SEC + KV_EPOCH_DIFF_SECS;
	int			cap = 64;
	int			n = 0;
	int			i;
	int			w;
	kv_offset_span *spans;

	spans = MemoryContextAlloc(TopMemoryContext, cap * sizeof(kv_offset_span));
	while (t < stop)
	{
		long int	before_off,
					after_off;
		int			before_dst,
					after_dst;
		pg_time_t	boundary = 0;
		pg_time_t	end;
		int			r;

		r = pg_next_dst_boundary(&t, &before_off, &before_dst, &boundary,
								 &after_off, &after_dst, tz);
		if (r == 1 && boundary <= t)
		{
			/* t is itself the zone's first transition: ask just after it. */
			pg_time_t	next = t + 1;

			r = pg_next_dst_boundary(&next, &before_off, &before_dst, &boundary,
									 &after_off, &after_dst, tz);
			if (r == 1 && boundary <= next)
				r = -1;
		}
		if (r < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot read the transitions of time zone \"%s\"",
							pg_get_timezone_name(tz)),
					 errhint("Set kvalitet.timezone to a zone of the IANA database, such as Europe/Copenhagen.")));
		end = (r == 1 && boundary < stop) ? boundary : stop;

		if (n == cap)
		{
			cap *= 2;
			spans = repalloc(spans, cap * sizeof(kv_offset_span));
		}
		spans[n].start = (t - KV_EPOCH_DIFF_SECS) * USECS_PER_SEC;
		spans[n].end = (end - KV_EPOCH_DIFF_SECS) * USECS_PER_SEC;
		spans[n].offset = (int64) before_off * USECS_PER_SEC;
		n++;
		t = end;
	}
	/* The first span starts at the stretch's start, exactly. */
	spans[0].start = KV_SPANS_FROM;

	/*
	 * Whether the local date ever steps back, which takes a clock turned
	 * back across midnight (not Copenhagen's).
	 */
	zone->monotone = true;
	for (i = 1; i < n; i++)
	{
		if (day_of_local_usecs(spans[i].start + spans[i].offset) <
			day_of_local_usecs(spans[i].start - 1 + spans[i - 1].offset))
			zone->monotone = false;
	}

	/* Spans are months long, so a week holds at most a few of them. */
	if (n > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("time zone \"%s\" has too many transitions for kvalitet's calendar",
						pg_get_timezone_name(tz)),
				 errhint("Set kvalitet.timezone to a zone of the IANA database, such as Europe/Copenhagen.")));
	if (zone->week_span == NULL)
		zone->week_span = MemoryContextAlloc(TopMemoryContext,
											 KV_SPAN_WEEKS * sizeof(int16));
	for (i = 0, w = 0; w < KV_SPAN_WEEKS; w++)
	{
		TimestampTz week_start = KV_SPANS_FROM + w * KV_USECS_PER_WEEK;

		while (i < n - 1 && spans[i].end <= week_start)
			i++;
		zone->week_span[w] = (int16) i;
	}

	if (zone->spans != NULL)
		pfree(zone->spans);
	zone->tz = tz;
	zone->spans = spans;
	zone->nspans = n;
}
/*
 * The end of local day `date` in a tabulated zone: the instant after the
 * last one whose local date is `date` or earlier (a calendar date lies well
 * inside the tabulated stretch).  Within a span the local date grows with
 * time, so that instant lies in the last span that starts on or before
 * `date`: its end, or the instant its wall clock reaches the next
 * midnight, whichever comes first.  Where the clock never steps back over
 * midnight this is also the first instant of the next local day; where it
 * does, the instants in the repeated stretch stay timely up to it.
 */
TimestampTz
kv_local_day_end(kv_zone_spans *zone, int32 date)
{
	int			lo = 0;
	int			hi = zone->nspans - 1;
	kv_offset_span *span;
	TimestampTz midnight;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo + 1) / 2;

		span = &zone->spans[mid];
		if (day_of_local_usecs(span->start + span->offset) <= date)
			lo = mid;
		else
			hi = mid - 1;
	}
	span = &zone->spans[lo];
	midnight = (TimestampTz) (date + 1) * USECS_PER_DAY - span->offset;
	return Min(span->end, midnight);
}

/*
 * The tabulated spans of zone tz, tabulating it if it is new here.  A slot
 * taken over from another zone is tabulated afresh, so the cached pointer
 * to the setting's zone is dropped when it was that slot.
 */
kv_zone_spans *
kv_zone_of(pg_tz *tz)
{
	kv_zone_spans *zone;
	int			i;

	for (i = 0; i < kv_nzones; i++)
	{
		if (kv_zones[i].tz == tz)
			return &kv_zones[i];
	}
	if (kv_nzones < KV_MAX_ZONES)
		zone = &kv_zones[kv_nzones++];
	else
	{
		zone = &kv_zones[kv_next_zone_slot];
		kv_next_zone_slot = (kv_next_zone_slot + 1) % KV_MAX_ZONES;
		if (zone == kv_zone)
			kv_zone = NULL;
		zone->tz = NULL;
	}
	tabulate_zone(zone, tz);
	return zone;
}

/* The tabulated spans of kv_tz (the setting kvalitet.timezone). */
kv_zone_spans *
kv_current_zone(void)
{
	if (kv_zone == NULL)
		kv_zone = kv_zone_of(kv_tz);
	return kv_zone;
}

/*
 * Local date of a finite timestamp outside the span cache: look it up, and
 * keep its span in *cache.
 */
int32
kv_local_date_slow(pg_tz *tz, TimestampTz t, kv_offset_span *cache)
{
	if (t >= KV_SPANS_FROM && t < KV_SPANS_TO)
	{
		*cache = *find_span(kv_zone_of(tz), t);
		return day_of_local_usecs(t + cache->offset);
	}
	else
	{
		/* Far outside the calendar: rare, so ask the library directly. */
		struct pg_tm tm;
		fsec_t		fsec;
		int			tzoff;

		if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, tz) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range")));
		return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
	}
}

/* Report an infinite timestamp: it has no local day. */
void
kv_report_infinite(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
			 errmsg("%s cannot be infinite", what),
			 errdetail("An infinite timestamp has no local day in the working-day calendar.")));
}
