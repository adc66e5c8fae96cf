/*
 * epikrise.c - the epikrise indicator (docs/indicators.md section 6,
 * docs/calendar.md): the epikrise_timeliness aggregate and
 * kvalitet.epikrise_deadline, counted in local working days of
 * kvalitet.timezone.
 *
 * Why a cache of the last deadline: for a discharge, the bounds of its
 * local day and the end of its deadline's local day are computed once and
 * kept, so the next discharges of that day (tables are mostly in time
 * order) cost a few comparisons, and a letter is timely when sent before
 * that end, with no local date of its own (see kv_deadline).  The local
 * days themselves come from calendar.c through local_days.h.
 */
#include "kvalitet.h"

#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "calendar.h"
#include "local_days.h"

PG_FUNCTION_INFO_V1(epikrise_accum);
PG_FUNCTION_INFO_V1(epikrise_deadline);

/* ---------------------------------------------------------------------
 * Local days of letters and deadlines of discharges
 * ---------------------------------------------------------------------
 */

/*
 * The span of the last local date of a letter looked up in kv_tz (only
 * zones whose local dates step back need those); empty when invalid.
 */
static kv_offset_span kv_sent_span = {1, 0, 0};
static pg_tz *kv_sent_tz = NULL;	/* the zone of kv_sent_span */

/* The local date of t in zone tz, through a span cache. */
static inline int32
local_date(pg_tz *tz, TimestampTz t, kv_offset_span *cache, const char *what)
{
	if (unlikely(tz != kv_sent_tz))
	{
		kv_sent_tz = tz;
		cache->start = 1;
		cache->end = 0;
	}
	if (likely(t >= cache->start && t < cache->end))
		return day_of_local_usecs(t + cache->offset);
	if (TIMESTAMP_NOT_FINITE(t))
		kv_report_infinite(what);
	return kv_local_date_slow(tz, t, cache);
}

/*
 * The calendar a call counts in: the zone and closing days it names
 * (the explicit-argument forms), or the settings kvalitet.timezone and
 * kvalitet.extra_closed_days.
 */
typedef struct EpikriseCalendar
{
	pg_tz	   *tz;
	unsigned	mask;
} EpikriseCalendar;

/*
 * The deadline of the last discharge looked up.  In a zone whose local
 * dates never step back, a letter is timely exactly when it was sent
 * before `limit`, the end of the deadline's local day (kv_local_day_end);
 * and a discharge in [day_start, day_end) has the same local day, so the
 * next row from that day (tables are mostly in time order) costs a few
 * comparisons.  The day is empty (day_start > day_end) when nothing is
 * kept, or in a zone whose local dates step back.
 */
static struct
{
	TimestampTz day_start;		/* the discharge's local day, */
	TimestampTz day_end;		/* [day_start, day_end) */
	int32		n;				/* the deadline in working days */
	unsigned	mask;			/* the extra closing days */
	pg_tz	   *tz;				/* the zone counted in */
	int32		last_date;		/* add_working_days(local day, n) */
	TimestampTz limit;			/* kv_local_day_end of last_date */
	bool		by_instant;		/* compare sent_at with limit */
}			kv_deadline = {1, 0, 0, 0, NULL, 0, 0, false};

static void
invalidate_deadline(void)
{
	kv_deadline.day_start = 1;
	kv_deadline.day_end = 0;
}

/* kvalitet.timezone changed: what was derived from the old zone is stale. */
void
kv_epikrise_forget_zone(void)
{
	kv_sent_span.start = 1;
	kv_sent_span.end = 0;
	kv_sent_tz = NULL;
	invalidate_deadline();
}

/*
 * Fill kv_deadline for a discharge at t with a deadline of n working days.
 *
 * In a zone whose local dates never step back, a local midnight that falls
 * strictly inside the span of t (the span's start and end excluded) is the
 * boundary of its local day (what kv_local_day_end would find), so most days
 * need no search: rows out of time order cost a span lookup, a division
 * and the calendar.
 */
static void
look_up_deadline(TimestampTz t, int32 n, const EpikriseCalendar *cal)
{
	kv_zone_spans *zone;
	kv_offset_span *span;
	int32		day;
	int32		last;
	TimestampTz midnight;

	if (TIMESTAMP_NOT_FINITE(t))
		kv_report_infinite("discharged_at");
	if (t < KV_SPANS_FROM || t >= KV_SPANS_TO)
	{
		kv_offset_span ignored;

		kv_report_date_outside(kv_local_date_slow(cal->tz, t, &ignored), "discharge date");
	}
	zone = kv_zone_of(cal->tz);
	span = find_span(zone, t);
	day = day_of_local_usecs(t + span->offset);
	if (day < KV_CAL_MIN_DATE || day > KV_CAL_MAX_DATE)
		kv_report_date_outside(day, "discharge date");

	invalidate_deadline();
	last = kv_add_working_days_or_report(day, n, cal->mask);
	kv_deadline.last_date = last;
	kv_deadline.n = n;
	kv_deadline.mask = cal->mask;
	kv_deadline.tz = cal->tz;
	kv_deadline.by_instant = zone->monotone;
	if (!zone->monotone)
	{
		kv_deadline.limit = kv_local_day_end(zone, last);
		return;
	}

	midnight = (TimestampTz) (last + 1) * USECS_PER_DAY - span->offset;
	kv_deadline.limit = midnight < span->end ? midnight : kv_local_day_end(zone, last);
	midnight = (TimestampTz) (day + 1) * USECS_PER_DAY - span->offset;
	kv_deadline.day_end = midnight < span->end ? midnight : kv_local_day_end(zone, day);
	midnight = (TimestampTz) day * USECS_PER_DAY - span->offset;
	kv_deadline.day_start = midnight > span->start ? midnight : kv_local_day_end(zone, day - 1);
}

/* Make kv_deadline hold the deadline of a discharge at t. */
static inline void
deadline_of(TimestampTz t, int32 n, const EpikriseCalendar *cal)
{
	if (likely(t >= kv_deadline.day_start && t < kv_deadline.day_end &&
			   n == kv_deadline.n && cal->mask == kv_deadline.mask &&
			   cal->tz == kv_deadline.tz))
		return;
	look_up_deadline(t, n, cal);
}

/* The explicit calendar arguments of one call site, parsed once. */
typedef struct EpikriseArgsCache
{
	text	   *zone_arg;		/* the arguments last parsed (NULL: none) */
	text	   *closed_arg;
	pg_tz	   *tz;				/* what they mean */
	unsigned	mask;
} EpikriseArgsCache;

static bool
same_text(text *cached, text *arg)
{
	return cached != NULL && VARSIZE_ANY_EXHDR(cached) == VARSIZE_ANY_EXHDR(arg) &&
		memcmp(VARDATA_ANY(cached), VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg)) == 0;
}

/*
 * The calendar of a call: arguments zone_argno and zone_argno + 1 (time
 * zone, closing days) when the call has them, each NULL meaning its
 * setting; otherwise the settings.  A call site's arguments are parsed
 * once and kept in fn_extra.
 */
static void
call_calendar(FunctionCallInfo fcinfo, int zone_argno, EpikriseCalendar *cal)
{
	EpikriseArgsCache *cache;

	cal->tz = kv_setting_zone();
	cal->mask = kv_extra_closed;
	if (PG_NARGS() <= zone_argno)
		return;
	cache = (EpikriseArgsCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(EpikriseArgsCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (!PG_ARGISNULL(zone_argno))
	{
		text	   *arg = PG_GETARG_TEXT_PP(zone_argno);

		if (!same_text(cache->zone_arg, arg))
		{
			char	   *name = text_to_cstring(arg);

			cache->zone_arg = NULL;
			cache->tz = kv_parse_zone(name);
			cache->zone_arg = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(arg));
			memcpy(cache->zone_arg, arg, VARSIZE_ANY(arg));
			pfree(name);
		}
		cal->tz = cache->tz;
	}
	if (!PG_ARGISNULL(zone_argno + 1))
	{
		text	   *arg = PG_GETARG_TEXT_PP(zone_argno + 1);

		if (!same_text(cache->closed_arg, arg))
		{
			char	   *list = text_to_cstring(arg);

			cache->closed_arg = NULL;
			cache->mask = kv_parse_closed_days(list);
			cache->closed_arg = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE_ANY(arg));
			memcpy(cache->closed_arg, arg, VARSIZE_ANY(arg));
			pfree(list);
		}
		cal->mask = cache->mask;
	}
}

/* A deadline is a number of working days, 0 (the same local day) or more. */
static void
check_deadline(int32 n)
{
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("epikrise deadline cannot be negative"),
				 errdetail("The deadline given was %d working days.", n),
				 errhint("0 means the same local day, 1 the next working day.")));
}

/* ---------------------------------------------------------------------
 * epikrise_timeliness and epikrise_deadline
 * ---------------------------------------------------------------------
 */

/*
 * The state to update: in aggregate context it is ours (nodeAgg copied the
 * initial value into the aggregate context), so it is updated in place;
 * called directly, a fresh copy.  A NULL state (direct call) is 0/0.
 */
static Proportion *
writable_state(FunctionCallInfo fcinfo)
{
	Proportion *copy;

	if (!PG_ARGISNULL(0))
	{
		Proportion *state = PG_GETARG_PROPORTION_P(0);

		/* AggCheckCallContext's test, inline: this runs once per row. */
		if (fcinfo->context != NULL &&
			(IsA(fcinfo->context, AggState) ||
			 IsA(fcinfo->context, WindowAggState)))
			return state;
		copy = (Proportion *) palloc(sizeof(Proportion));
		*copy = *state;
		return copy;
	}
	copy = (Proportion *) palloc0(sizeof(Proportion));
	return copy;
}

/*
 * Transition function of epikrise_timeliness: (state, discharged_at,
 * sent_at [, deadline [, time zone, closing days]]), deadline 1 when not
 * given, the calendar of the settings unless named.  A row without a
 * discharge time is not counted (like NULL in count(col)); one with a
 * discharge counts in the denominator, and in the numerator when a letter
 * was sent no later than the deadline's local date.
 */
Datum
epikrise_accum(PG_FUNCTION_ARGS)
{
	Proportion *state = writable_state(fcinfo);
	int32		n = 1;
	bool		timely = false;
	EpikriseCalendar cal;

	if (PG_ARGISNULL(1))
		PG_RETURN_PROPORTION_P(state);
	if (PG_NARGS() > 3)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("epikrise deadline cannot be NULL"),
					 errhint("Give the deadline in working days, or leave it out for 1.")));
		n = PG_GETARG_INT32(3);
		check_deadline(n);
	}

	call_calendar(fcinfo, 4, &cal);
	deadline_of(PG_GETARG_TIMESTAMPTZ(1), n, &cal);
	if (!PG_ARGISNULL(2))
	{
		TimestampTz sent = PG_GETARG_TIMESTAMPTZ(2);

		if (likely(kv_deadline.by_instant))
		{
			if (unlikely(TIMESTAMP_NOT_FINITE(sent)))
				kv_report_infinite("sent_at");
			timely = sent < kv_deadline.limit;
		}
		else
			timely = local_date(cal.tz, sent, &kv_sent_span, "sent_at") <=
				kv_deadline.last_date;
	}

	if (unlikely(state->denominator == PG_INT64_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("kvalitet.proportion out of range"),
				 errdetail("The number of discharges does not fit in a bigint.")));
	state->denominator++;
	if (timely)
		state->numerator++;
	PG_RETURN_PROPORTION_P(state);
}

/*
 * epikrise_deadline(discharged_at, n [, time zone, closing days]): the
 * last timely instant, the end of
 * local day add_working_days(local_date(discharged_at), n): kv_local_day_end
 * less one microsecond.
 */
Datum
epikrise_deadline(PG_FUNCTION_ARGS)
{
	TimestampTz discharged_at;
	int32		n;
	EpikriseCalendar cal;

	/* The explicit-calendar form is not STRICT (NULL names a setting). */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	discharged_at = PG_GETARG_TIMESTAMPTZ(0);
	n = PG_GETARG_INT32(1);

	check_deadline(n);
	call_calendar(fcinfo, 2, &cal);
	deadline_of(discharged_at, n, &cal);
	PG_RETURN_TIMESTAMPTZ(kv_deadline.limit - 1);
}
