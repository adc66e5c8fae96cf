
-- ---------------------------------------------------------------------------
-- The Danish working-day calendar (docs/calendar.md)
-- ---------------------------------------------------------------------------

-- The holiday and working-day functions are STABLE, not IMMUTABLE: they read
-- the setting kvalitet.extra_closed_days, so the same date can give another
-- answer under another setting (and they cannot be used in an index).

CREATE FUNCTION kvalitet.is_holiday(day date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_is_holiday' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.is_holiday(date) IS
	'True on a Danish public holiday (Store bededag through 2023 only), and on 5 Jun, 24 Dec or 31 Dec when kvalitet.extra_closed_days names it; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.holiday_name(day date) RETURNS text
	AS 'MODULE_PATHNAME', 'calendar_holiday_name' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.holiday_name(date) IS
	'Danish name of the holiday on the date (e.g. Skærtorsdag), NULL when is_holiday is false; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.is_working_day(day date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_is_working_day' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.is_working_day(date) IS
	'True on Monday to Friday unless is_holiday; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.add_working_days(day date, working_days integer) RETURNS date
	AS 'MODULE_PATHNAME', 'calendar_add_working_days' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.add_working_days(date, integer) IS
	'working_days = 0: the day itself; > 0: the working_days-th working day after it; < 0: the |working_days|-th working day before it; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.working_days_between(start_date date, end_date date) RETURNS integer
	AS 'MODULE_PATHNAME', 'calendar_working_days_between' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.working_days_between(date, date) IS
	'Working days w with start_date < w <= end_date (negative, counted the other way, when end_date < start_date); add_working_days(start_date, working_days_between(start_date, end_date)) = end_date when end_date is a working day after start_date; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.in_calendar(day date, working_days integer DEFAULT 0) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_in_calendar' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.in_calendar(date, integer) IS
	'True when the day and the day working_days working days from it both lie in the calendar (1900-2200), so add_working_days answers instead of raising. STABLE: reads kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.in_calendar(day date, working_days integer, closed_days text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_in_calendar_closed' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.in_calendar(date, integer, text) IS
	'in_calendar with the closing days given as in epikrise_timeliness''s explicit calendar (a comma-separated list, '''' for none; NULL: kvalitet.extra_closed_days, hence STABLE)';
