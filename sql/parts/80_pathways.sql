
-- ---------------------------------------------------------------------------
-- Inputs beyond contacts, part 1: the shared helpers (skipped-row report,
-- pinned time zone) and udredningsret over pathway markers (SPEC 11.4,
-- docs/indicators.md "Udredningsret")
-- ---------------------------------------------------------------------------
-- These indicators are SQL over the caller's query: the work is a window
-- over markers per pathway, a month split or a join, which the executor does
-- well; the functions read the query's columns by name, as kvalitet.stays
-- does, and run as the caller.  The functions that run the caller's query
-- keep the caller's search_path (the query names the caller's tables) and
-- qualify every kvalitet object they name; the SQL-writing helpers pin it.

-- One WARNING (or, with kvalitet.on_bad_input = error, one error) that
-- counts the rows a call skipped, by reason; returns how many.
CREATE FUNCTION kvalitet.report_skipped_rows(caller text, row_kind text, reasons text[], counts bigint[])
	RETURNS bigint LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	total bigint;
	detail text;
BEGIN
	SELECT coalesce(sum(u.n), 0), string_agg(format('%s with %s', u.n, u.reason), ', ' ORDER BY u.i)
	INTO total, detail
	FROM unnest(reasons, counts) WITH ORDINALITY AS u(reason, n, i) WHERE u.n > 0;
	IF total = 0 THEN
		RETURN 0;
	END IF;
	IF current_setting('kvalitet.on_bad_input', true) = 'error' THEN
		RAISE EXCEPTION '% found % bad % rows', caller, total, row_kind
			USING ERRCODE = '22023', DETAIL = 'Bad: ' || detail || '.';
	END IF;
	RAISE WARNING '% skipped % % rows', caller, total, row_kind
		USING DETAIL = 'Skipped: ' || detail || '.',
		      HINT = 'Set kvalitet.on_bad_input = error to raise an error instead.';
	RETURN total;
END $$;
COMMENT ON FUNCTION kvalitet.report_skipped_rows(text, text, text[], bigint[]) IS
	'Raises one WARNING counting the skipped rows by reason (an error under kvalitet.on_bad_input = error); returns the total';

-- The time zone a call pins: the argument, else kvalitet.timezone, else
-- Europe/Copenhagen; an unknown zone raises 22023.  The result is written
-- into the SQL the call runs, so no setting has to reach other backends
-- (parallel workers, Citus nodes).
CREATE FUNCTION kvalitet.pinned_timezone(tz text) RETURNS text LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	zone constant text := coalesce(tz, nullif(current_setting('kvalitet.timezone', true), ''), 'Europe/Copenhagen');
BEGIN
	PERFORM now() AT TIME ZONE zone;
	RETURN zone;
END $$;
COMMENT ON FUNCTION kvalitet.pinned_timezone(text) IS
	'The time zone to pin: the argument, else the setting kvalitet.timezone, else Europe/Copenhagen (checked)';

-- Can kvalitet.normalize_code read the text?  The C normaliser itself, so
-- a row that passes never makes code_in raise.
CREATE FUNCTION kvalitet.is_code(code text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'is_code_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.is_code(text) IS
	'Does the text normalise to a code (kvalitet.normalize_code would not raise)? SKS codes of any kind: DJ441, AFV01A';

-- The per-clock SQL of udredningsret: one row per start marker.  Used by
-- udredning_clocks and udredningsret, and by builders of bound views.
-- Columns: patient, pathway_id, start_at, end_at, end_kind (done, clinical
-- or NULL), start_date, end_date, deadline (local day 30), days, met,
-- counted, month.
CREATE FUNCTION kvalitet.udredning_clock_sql(markers_query text, data_end date, clinical_counts_as_met boolean,
		tz text, window_days integer, start_set text, done_set text, clinical_set text)
	RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	RETURN format($q$WITH raw AS (
  SELECT m.patient, m.pathway_id::text AS pathway_id, m.code::text AS code, m.marked_at::timestamptz AS marked_at
  FROM (%1$s) AS m),
ok AS (
  SELECT r.patient, r.pathway_id, r.marked_at, (r.marked_at AT TIME ZONE %2$L)::date AS marked_date, r.code
  FROM raw AS r
  WHERE r.patient IS NOT NULL AND r.pathway_id IS NOT NULL AND isfinite(r.marked_at) AND kvalitet.is_code(r.code)),
k AS (
  SELECT o.patient, o.pathway_id, o.marked_at, o.marked_date,
         CASE WHEN kvalitet.is_code(o.code) THEN kvalitet.code_in(o.code, %3$L, o.marked_date) END AS is_start,
         CASE WHEN kvalitet.is_code(o.code) THEN kvalitet.code_in(o.code, %4$L, o.marked_date) END AS is_done,
         CASE WHEN kvalitet.is_code(o.code) THEN kvalitet.code_in(o.code, %5$L, o.marked_date) END AS is_clinical
  FROM ok AS o),
w AS (
  SELECT k.patient, k.pathway_id, k.marked_at, k.marked_date, k.is_start,
         min(k.marked_at) FILTER (WHERE k.is_done) OVER after_it AS done_at,
         min(k.marked_at) FILTER (WHERE k.is_clinical) OVER after_it AS clinical_at
  FROM k WHERE k.is_start OR k.is_done OR k.is_clinical
  WINDOW after_it AS (PARTITION BY k.patient, k.pathway_id ORDER BY k.marked_at
                      RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)),
lim AS (%6$s),
c AS (
  SELECT w.patient, w.pathway_id, w.marked_at AS start_at, w.marked_date AS start_date,
         CASE WHEN w.done_at <= w.clinical_at OR w.clinical_at IS NULL THEN w.done_at ELSE w.clinical_at END AS end_at,
         CASE WHEN w.done_at <= w.clinical_at OR (w.clinical_at IS NULL AND w.done_at IS NOT NULL) THEN 'done'
              WHEN w.clinical_at IS NOT NULL THEN 'clinical' END AS end_kind,
         w.marked_date + %7$s AS deadline
  FROM w WHERE w.is_start),
e AS (
  SELECT c.*, (c.end_at AT TIME ZONE %2$L)::date AS end_date FROM c)
SELECT e.patient, e.pathway_id, e.start_at, e.end_at, e.end_kind, e.start_date, e.end_date, e.deadline,
       e.end_date - e.start_date AS days,
       coalesce((e.end_kind = 'done' OR (e.end_kind = 'clinical' AND %8$L::boolean)) AND e.end_date <= e.deadline, false) AS met,
       (e.end_at IS NOT NULL OR e.deadline <= lim.data_end) AS counted,
       CASE WHEN e.end_at IS NOT NULL THEN date_trunc('month', e.end_date::timestamp)::date
            WHEN e.deadline <= lim.data_end THEN date_trunc('month', e.deadline::timestamp)::date END AS month
FROM e CROSS JOIN lim$q$,
		markers_query, tz, start_set, done_set, clinical_set,
		CASE WHEN data_end IS NULL THEN 'SELECT max(ok.marked_date) AS data_end FROM ok'
			 ELSE format('SELECT %L::date AS data_end', data_end) END,
		window_days, clinical_counts_as_met);
COMMENT ON FUNCTION kvalitet.udredning_clock_sql(text, date, boolean, text, integer, text, text, text) IS
	'The SQL of the per-clock relation of udredningsret over a markers query (patient, pathway_id, code, marked_at), everything pinned';

-- Counts the marker rows that cannot be used, by reason, and reports them;
-- returns the data's end: the latest local date of a usable marker.
CREATE FUNCTION kvalitet.udredning_check_markers(markers_query text, caller text, tz text) RETURNS date
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n bigint[];
	last_day date;
BEGIN
	EXECUTE format($q$SELECT (max(m.marked_at::timestamptz) FILTER (WHERE m.patient IS NOT NULL AND m.pathway_id IS NOT NULL
	                         AND isfinite(m.marked_at::timestamptz) AND kvalitet.is_code(m.code::text)) AT TIME ZONE %L)::date,
	  ARRAY[count(*) FILTER (WHERE m.patient IS NULL),
	  count(*) FILTER (WHERE m.patient IS NOT NULL AND m.pathway_id IS NULL),
	  count(*) FILTER (WHERE m.patient IS NOT NULL AND m.pathway_id IS NOT NULL AND m.marked_at IS NULL),
	  count(*) FILTER (WHERE m.patient IS NOT NULL AND m.pathway_id IS NOT NULL AND NOT isfinite(m.marked_at::timestamptz)),
	  count(*) FILTER (WHERE m.patient IS NOT NULL AND m.pathway_id IS NOT NULL AND isfinite(m.marked_at::timestamptz)
	                         AND m.code IS NULL),
	  count(*) FILTER (WHERE m.patient IS NOT NULL AND m.pathway_id IS NOT NULL AND isfinite(m.marked_at::timestamptz)
	                         AND NOT kvalitet.is_code(m.code::text))]
	FROM (%s) AS m$q$, tz, markers_query) INTO last_day, n;
	PERFORM kvalitet.report_skipped_rows(caller, 'marker',
		ARRAY['NULL patient', 'NULL pathway_id', 'NULL marked_at', 'infinite marked_at', 'NULL code',
		      'a code that is not a code'], n);
	RETURN last_day;
END $$;
COMMENT ON FUNCTION kvalitet.udredning_check_markers(text, text, text) IS
	'Counts and reports (one WARNING) the marker rows udredningsret skips: NULL patient, pathway_id, marked_at or code, infinite time, a code that is not a code; returns the latest local date of a usable marker';

CREATE FUNCTION kvalitet.udredning_clocks(markers_query text, patient_type anyelement,
		data_end date DEFAULT NULL, clinical_counts_as_met boolean DEFAULT true, tz text DEFAULT NULL,
		window_days integer DEFAULT 30, start_set text DEFAULT 'udredning_start',
		done_set text DEFAULT 'udredning_done', clinical_set text DEFAULT 'udredning_clinical')
	RETURNS TABLE (patient anyelement, pathway_id text, start_at timestamptz, end_at timestamptz,
		end_kind text, start_date date, end_date date, deadline date, days integer, met boolean,
		counted boolean, month date)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	zone text;
	last_day date;
BEGIN
	IF window_days IS NULL OR window_days < 0 OR clinical_counts_as_met IS NULL THEN
		RAISE EXCEPTION 'udredning_clocks: window_days must be >= 0 and clinical_counts_as_met not NULL'
			USING ERRCODE = '22023';
	END IF;
	zone := kvalitet.pinned_timezone(tz);
	last_day := kvalitet.udredning_check_markers(markers_query, 'udredning_clocks', zone);
	RETURN QUERY EXECUTE format('SELECT c.patient::%s, c.pathway_id, c.start_at, c.end_at, c.end_kind, c.start_date,
		c.end_date, c.deadline, c.days, c.met, c.counted, c.month FROM (%s) AS c',
		format_type(pg_typeof(patient_type), NULL),
		kvalitet.udredning_clock_sql(markers_query, coalesce(data_end, last_day), clinical_counts_as_met,
			zone, window_days, start_set, done_set, clinical_set));
END $$;
COMMENT ON FUNCTION kvalitet.udredning_clocks(text, anyelement, date, boolean, text, integer, text, text, text) IS
	'Udredningsret per start marker (SPEC 11.4): the first done or clinical marker of the pathway at or after the start ends the clock; met when it is on a local date <= start + window_days; counted in the month the clock ends, or of day 30 when open; open clocks whose day 30 is after data_end (default the latest marker) are not counted yet';

CREATE FUNCTION kvalitet.udredningsret(markers_query text,
		data_end date DEFAULT NULL, clinical_counts_as_met boolean DEFAULT true, tz text DEFAULT NULL,
		window_days integer DEFAULT 30, start_set text DEFAULT 'udredning_start',
		done_set text DEFAULT 'udredning_done', clinical_set text DEFAULT 'udredning_clinical')
	RETURNS TABLE (month date, met kvalitet.proportion, ended bigint, median_days double precision,
		p90_days double precision)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	zone text;
	last_day date;
BEGIN
	IF window_days IS NULL OR window_days < 0 OR clinical_counts_as_met IS NULL THEN
		RAISE EXCEPTION 'udredningsret: window_days must be >= 0 and clinical_counts_as_met not NULL'
			USING ERRCODE = '22023';
	END IF;
	zone := kvalitet.pinned_timezone(tz);
	last_day := kvalitet.udredning_check_markers(markers_query, 'udredningsret', zone);
	RETURN QUERY EXECUTE format('SELECT c.month, kvalitet.proportion(c.met), count(*) FILTER (WHERE c.end_at IS NOT NULL),
		percentile_cont(0.5) WITHIN GROUP (ORDER BY c.days) FILTER (WHERE c.end_at IS NOT NULL),
		percentile_cont(0.9) WITHIN GROUP (ORDER BY c.days) FILTER (WHERE c.end_at IS NOT NULL)
		FROM (%s) AS c WHERE c.counted GROUP BY c.month ORDER BY c.month',
		kvalitet.udredning_clock_sql(markers_query, coalesce(data_end, last_day), clinical_counts_as_met,
			zone, window_days, start_set, done_set, clinical_set));
END $$;
COMMENT ON FUNCTION kvalitet.udredningsret(text, date, boolean, text, integer, text, text, text) IS
	'Udredningsret per month (SPEC 11.4): clocks met / clocks counted, ended clocks, median and 90th percentile (interpolated) of days to assessment over the clocks that ended in the month';
