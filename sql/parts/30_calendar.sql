
-- ---------------------------------------------------------------------------
-- The Danish working-day calendar and epikrise_timeliness (SPEC section 6)
-- ---------------------------------------------------------------------------

-- The holiday and working-day functions are STABLE, not IMMUTABLE: they read
-- the setting kvalitet.extra_closed_days, so the same date can give another
-- answer under another setting (and they cannot be used in an index).

CREATE FUNCTION kvalitet.is_holiday(date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_is_holiday' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.is_holiday(date) IS
	'True on a Danish public holiday (Store bededag through 2023 only), and on 5 Jun, 24 Dec or 31 Dec when kvalitet.extra_closed_days names it; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.holiday_name(date) RETURNS text
	AS 'MODULE_PATHNAME', 'calendar_holiday_name' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.holiday_name(date) IS
	'Danish name of the holiday on the date (e.g. Skærtorsdag), NULL when is_holiday is false; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.is_working_day(date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_is_working_day' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.is_working_day(date) IS
	'True on Monday to Friday unless is_holiday; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.add_working_days(date, integer) RETURNS date
	AS 'MODULE_PATHNAME', 'calendar_add_working_days' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.add_working_days(date, integer) IS
	'n = 0: the date itself; n > 0: the n-th working day after it; n < 0: the |n|-th working day before it; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.working_days_between(date, date) RETURNS integer
	AS 'MODULE_PATHNAME', 'calendar_working_days_between' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.working_days_between(date, date) IS
	'Working days w with a < w <= b (negative, counted the other way, when b < a); add_working_days(a, working_days_between(a, b)) = b when b is a working day after a; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

-- epikrise_timeliness: the state is kvalitet.proportion itself (fixed width,
-- not internal), so parallel workers and Citus nodes hand partial values to
-- kvalitet.proportion_combine.  Rows with a NULL discharged_at are skipped,
-- like NULLs in count(col); epikrise_deadline serves per-row checks.

CREATE FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz) IS
	'Transition function of epikrise_timeliness(discharged_at, sent_at), deadline 1 working day. STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz, integer)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz, integer) IS
	'Transition function of epikrise_timeliness(discharged_at, sent_at, deadline_working_days). STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';

CREATE AGGREGATE kvalitet.epikrise_timeliness(discharged_at timestamptz, sent_at timestamptz) (
	SFUNC = kvalitet.epikrise_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.epikrise_timeliness(timestamptz, timestamptz) IS
	'Timely discharge letters / discharges, deadline 1 working day: timely when sent_at is not NULL and its local date is on or before add_working_days(local date of discharged_at, 1); local days in kvalitet.timezone; rows with NULL discharged_at are skipped';

CREATE AGGREGATE kvalitet.epikrise_timeliness(discharged_at timestamptz, sent_at timestamptz,
											  deadline_working_days integer) (
	SFUNC = kvalitet.epikrise_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.epikrise_timeliness(timestamptz, timestamptz, integer) IS
	'Timely discharge letters / discharges: timely when sent_at is not NULL and its local date is on or before add_working_days(local date of discharged_at, deadline_working_days); 0 = same local day; local days in kvalitet.timezone; rows with NULL discharged_at are skipped';

CREATE FUNCTION kvalitet.epikrise_deadline(discharged_at timestamptz, n integer DEFAULT 1)
	RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'epikrise_deadline' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_deadline(timestamptz, integer) IS
	'Last timely instant for a letter: the end of local day add_working_days(local date of discharged_at, n), i.e. the next local midnight minus 1 microsecond; sent_at <= this is timely. STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';
