/*
 * local_days.h - local days in kvalitet.timezone, shared by calendar.c
 * (which keeps the setting and tabulates each zone's UTC offsets) and
 * epikrise.c (which compares the local days of a discharge and a letter).
 *
 * A zone's offsets are tabulated once per backend as spans [start, end) of
 * constant offset, so that a local date costs a lookup and a division
 * rather than a call into the time zone library (see calendar.c).
 */
#ifndef KV_LOCAL_DAYS_H
#define KV_LOCAL_DAYS_H

#include "kvalitet.h"

#include "pgtime.h"
#include "utils/date.h"

/* A stretch of time over which the zone's UTC offset does not change. */
typedef struct
{
	TimestampTz start;			/* first instant of the span */
	TimestampTz end;			/* first instant after it */
	int64		offset;			/* local time minus UTC, microseconds */
} kv_offset_span;

/* A zone's spans from KV_SPANS_FROM to KV_SPANS_TO, in order. */
typedef struct
{
	pg_tz	   *tz;
	kv_offset_span *spans;
	int			nspans;
	bool		monotone;		/* local dates never step back */
	int16	   *week_span;		/* per week of the stretch, the span in force
								 * at its start */
} kv_zone_spans;

/*
 * The tabulated stretch, in days since 2000-01-01 UTC: 1899-12-25 to
 * 2201-01-07, a week beyond the calendar at both ends so that every local
 * day of the calendar lies inside it whatever the zone's offset.
 */
#define KV_SPANS_FROM_DAYS (-36531)
#define KV_SPANS_TO_DAYS 73420
#define KV_SPANS_FROM ((int64) KV_SPANS_FROM_DAYS * USECS_PER_DAY)
#define KV_SPANS_TO ((int64) KV_SPANS_TO_DAYS * USECS_PER_DAY)
#define KV_USECS_PER_WEEK (7 * USECS_PER_DAY)

/* kvalitet.extra_closed_days as a KV_CLOSED_* mask (calendar.c). */
extern unsigned kv_extra_closed;

/* Days since 2000-01-01 of a local wall-clock time in microseconds. */
static inline int32
day_of_local_usecs(int64 local)
{
	int64		day = local / USECS_PER_DAY;

	if (local % USECS_PER_DAY < 0)
		day--;
	return (int32) day;
}

/* The span of a tabulated zone in force at t, KV_SPANS_FROM <= t < KV_SPANS_TO. */
static inline kv_offset_span *
find_span(kv_zone_spans *zone, TimestampTz t)
{
	int			i = zone->week_span[(t - KV_SPANS_FROM) / KV_USECS_PER_WEEK];

	while (zone->spans[i].end <= t)
		i++;
	return &zone->spans[i];
}

/* calendar.c */
extern kv_zone_spans *kv_current_zone(void);
extern TimestampTz kv_local_day_end(kv_zone_spans *zone, int32 date);
extern kv_zone_spans *kv_zone_of(pg_tz *tz);
extern pg_tz *kv_setting_zone(void);
extern pg_tz *kv_parse_zone(const char *name);
extern unsigned kv_parse_closed_days(const char *list);
extern int32 kv_local_date_slow(pg_tz *tz, TimestampTz t, kv_offset_span *cache);
extern void kv_report_infinite(const char *what);
extern void kv_report_date_outside(DateADT date, const char *what);
extern int32 kv_add_working_days_or_report(int32 date, int32 n, unsigned mask);

/* epikrise.c: forget what was derived from the zone (kvalitet.timezone changed). */
extern void kv_epikrise_forget_zone(void);

#endif							/* KV_LOCAL_DAYS_H */
