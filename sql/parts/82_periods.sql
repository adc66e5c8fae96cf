
-- ---------------------------------------------------------------------------
-- Inputs beyond contacts, part 2: færdigbehandlingsdage (SPEC 11.2), acute
-- admissions of patients with KOL / type 2 diabetes (11.3) and acute short
-- admissions (11.7), per 1,000 with the Garwood interval of section 7
-- ---------------------------------------------------------------------------

-- The per-period-month SQL of færdigbehandlingsdage: one row per period and
-- local month with its days (patient, kommune, month, days).  A period counts
-- every local day d with local_date(ready_at) <= d < local_date(discharged_at)
-- and d <= data_end (default: the latest local date of ready_at or
-- discharged_at), each in its own month.
CREATE FUNCTION kvalitet.faerdigbehandling_sql(periods_query text, data_end date, tz text)
	RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	RETURN format($q$WITH raw AS (
  SELECT p.patient, p.kommune::text AS kommune, p.ready_at::timestamptz AS ready_at,
         p.discharged_at::timestamptz AS discharged_at
  FROM (%1$s) AS p),
ok AS (
  SELECT r.patient, r.kommune, (r.ready_at AT TIME ZONE %2$L)::date AS first_day,
         (r.discharged_at AT TIME ZONE %2$L)::date AS out_day
  FROM raw AS r
  WHERE r.kommune IS NOT NULL AND isfinite(r.ready_at)
    AND (r.discharged_at IS NULL OR (isfinite(r.discharged_at) AND r.discharged_at >= r.ready_at))),
lim AS (%3$s),
b AS (
  SELECT ok.patient, ok.kommune, ok.first_day,
         least(coalesce(ok.out_day, lim.data_end + 1), lim.data_end + 1) AS stop_day
  FROM ok CROSS JOIN lim)
SELECT b.patient, b.kommune, mo.m::date AS month,
       least(b.stop_day, (mo.m + interval '1 month')::date) - greatest(b.first_day, mo.m::date) AS days
FROM b CROSS JOIN LATERAL generate_series(date_trunc('month', b.first_day::timestamp),
                                          date_trunc('month', (b.stop_day - 1)::timestamp), interval '1 month') AS mo(m)
WHERE b.stop_day > b.first_day$q$, periods_query, tz,
		CASE WHEN data_end IS NULL THEN 'SELECT greatest(max(ok.first_day), max(ok.out_day)) AS data_end FROM ok'
			 ELSE format('SELECT %L::date AS data_end', data_end) END);
COMMENT ON FUNCTION kvalitet.faerdigbehandling_sql(text, date, text) IS
	'The SQL of færdigbehandlingsdage per period and local month over a periods query (patient, kommune, ready_at, discharged_at), everything pinned';

-- Counts and reports the period rows færdigbehandlingsdage skips; returns
-- the data's end (the latest local date of a usable ready_at or
-- discharged_at).
CREATE FUNCTION kvalitet.faerdigbehandling_check(periods_query text, caller text, tz text) RETURNS date
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	n bigint[];
	last_day date;
BEGIN
	EXECUTE format($q$WITH p AS (SELECT q.kommune, q.ready_at::timestamptz AS ready_at,
	                                    q.discharged_at::timestamptz AS discharged_at FROM (%s) AS q),
	g AS (SELECT p.*, p.kommune IS NOT NULL AND isfinite(p.ready_at)
	             AND (p.discharged_at IS NULL OR (isfinite(p.discharged_at) AND p.discharged_at >= p.ready_at)) AS good
	      FROM p)
	SELECT (greatest(max(g.ready_at) FILTER (WHERE g.good), max(g.discharged_at) FILTER (WHERE g.good)) AT TIME ZONE %L)::date,
	  ARRAY[count(*) FILTER (WHERE g.kommune IS NULL),
	  count(*) FILTER (WHERE g.kommune IS NOT NULL AND g.ready_at IS NULL),
	  count(*) FILTER (WHERE g.kommune IS NOT NULL AND (NOT isfinite(g.ready_at) OR NOT isfinite(g.discharged_at))),
	  count(*) FILTER (WHERE g.kommune IS NOT NULL AND isfinite(g.ready_at) AND isfinite(g.discharged_at)
	                         AND g.discharged_at < g.ready_at)]
	FROM g$q$, periods_query, tz) INTO last_day, n;
	PERFORM kvalitet.report_skipped_rows(caller, 'period',
		ARRAY['NULL kommune', 'NULL ready_at', 'an infinite time', 'discharged_at before ready_at'], n);
	RETURN last_day;
END $$;
COMMENT ON FUNCTION kvalitet.faerdigbehandling_check(text, text, text) IS
	'Counts and reports (one WARNING) the period rows færdigbehandlingsdage skips: NULL kommune or ready_at, an infinite time, discharged_at before ready_at; returns the latest local date of a usable ready_at or discharged_at';

CREATE FUNCTION kvalitet.faerdigbehandling_days(periods_query text, data_end date DEFAULT NULL, tz text DEFAULT NULL)
	RETURNS TABLE (kommune text, month date, days bigint, patients bigint)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	zone constant text := kvalitet.pinned_timezone(tz);
	last_day date;
BEGIN
	last_day := kvalitet.faerdigbehandling_check(periods_query, 'faerdigbehandling_days', zone);
	RETURN QUERY EXECUTE format('SELECT d.kommune, d.month, sum(d.days)::bigint, count(DISTINCT d.patient)
		FROM (%s) AS d WHERE d.days > 0 GROUP BY d.kommune, d.month ORDER BY d.kommune, d.month',
		kvalitet.faerdigbehandling_sql(periods_query, coalesce(data_end, last_day), zone));
END $$;
COMMENT ON FUNCTION kvalitet.faerdigbehandling_days(text, date, text) IS
	'Færdigbehandlingsdage (SPEC 11.2) per kommune and local month: days d with local_date(ready_at) <= d < local_date(discharged_at) and d <= data_end (default the latest date seen); same-day discharge gives 0 days';

CREATE FUNCTION kvalitet.faerdigbehandling_rate(periods_query text, population_query text,
		data_end date DEFAULT NULL, tz text DEFAULT NULL, per numeric DEFAULT 1000)
	RETURNS TABLE (kommune text, month date, days bigint, citizens bigint, rate kvalitet.rate_estimate)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	zone constant text := kvalitet.pinned_timezone(tz);
	last_day date;
BEGIN
	last_day := kvalitet.faerdigbehandling_check(periods_query, 'faerdigbehandling_rate', zone);
	RETURN QUERY EXECUTE format('WITH d AS (SELECT d.kommune, d.month, sum(d.days)::bigint AS days FROM (%s) AS d
		WHERE d.days > 0 GROUP BY d.kommune, d.month),
	pop AS (SELECT p.kommune::text AS kommune, p.year::integer AS year, sum(p.count)::bigint AS citizens
		FROM (%s) AS p GROUP BY 1, 2)
	SELECT d.kommune, d.month, d.days, pop.citizens,
		CASE WHEN pop.citizens > 0 THEN kvalitet.poisson_rate(d.days, pop.citizens, %L::numeric) END
	FROM d LEFT JOIN pop ON pop.kommune = d.kommune AND pop.year = extract(year FROM d.month)::integer
	ORDER BY d.kommune, d.month',
		kvalitet.faerdigbehandling_sql(periods_query, coalesce(data_end, last_day), zone), population_query, per);
END $$;
COMMENT ON FUNCTION kvalitet.faerdigbehandling_rate(text, text, date, text, numeric) IS
	'Færdigbehandlingsdage per 1,000 citizens of the kommune (all ages; population query: kommune, year, count) per local month, with the Garwood interval; NULL rate without a population';

-- Patients with the disease per year (patient, year): from a register query
-- (patient, disease, from_date, to_date; a period overlapping the year), or
-- the proxy: a contact in the look-back years with a diagnosis in the set.
CREATE FUNCTION kvalitet.chronic_patients_sql(contacts_query text, register_query text, disease text,
		set_name text, lookback_years integer, tz text, last_year text)
	RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
	RETURN CASE WHEN register_query IS NOT NULL THEN format($q$SELECT DISTINCT r.patient, y.year
FROM (SELECT q.patient, q.from_date::date AS from_date, q.to_date::date AS to_date FROM (%1$s) AS q
      WHERE q.patient IS NOT NULL AND lower(btrim(q.disease::text)) = lower(btrim(%2$L))
        AND q.from_date IS NOT NULL AND (q.to_date IS NULL OR q.to_date::date >= q.from_date::date)) AS r
CROSS JOIN LATERAL generate_series(extract(year FROM r.from_date)::integer,
                                   least(coalesce(extract(year FROM r.to_date)::integer, %3$s), %3$s)) AS y(year)$q$,
		register_query, disease, last_year)
	ELSE format($q$SELECT DISTINCT h.patient, h.year + k AS year
FROM (SELECT c.patient, extract(year FROM c.start_at::timestamptz AT TIME ZONE %2$L)::integer AS year
      FROM (%1$s) AS c
      WHERE c.patient IS NOT NULL AND isfinite(c.start_at::timestamptz)
        AND CASE WHEN kvalitet.is_code(c.diagnosis::text)
                 THEN kvalitet.code_in(c.diagnosis::text, %3$L, (c.start_at::timestamptz AT TIME ZONE %2$L)::date) END) AS h
CROSS JOIN generate_series(0, %4$s - 1) AS k$q$, contacts_query, tz, set_name, lookback_years)
	END;
COMMENT ON FUNCTION kvalitet.chronic_patients_sql(text, text, text, text, integer, text, text) IS
	'The SQL of (patient, year) with the disease: a register period overlapping the year (open periods up to the year last_year, an SQL expression), or (no register) a contact in the look-back years with a diagnosis in the set';

CREATE FUNCTION kvalitet.chronic_acute_admissions(contacts_query text, patient_type anyelement, disease text,
		register_query text DEFAULT NULL, set_name text DEFAULT NULL, lookback_years integer DEFAULT 5,
		tz text DEFAULT NULL, rules kvalitet.stay_rules DEFAULT NULL, per numeric DEFAULT 1000)
	RETURNS TABLE (year integer, patients bigint, acute_admissions bigint, rate kvalitet.rate_estimate,
		source text, lookback_complete boolean)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	zone constant text := kvalitet.pinned_timezone(tz);
	n bigint[];
BEGIN
	IF disease IS NULL OR lookback_years IS NULL OR lookback_years < 1 THEN
		RAISE EXCEPTION 'chronic_acute_admissions: disease must be given and lookback_years >= 1'
			USING ERRCODE = '22023';
	END IF;
	IF register_query IS NULL AND NOT EXISTS (SELECT 1 FROM kvalitet.code_set AS s
											  WHERE s.set_name = coalesce(chronic_acute_admissions.set_name, disease)) THEN
		RAISE EXCEPTION 'chronic_acute_admissions: no code set "%"', coalesce(set_name, disease)
			USING ERRCODE = '22023', HINT = 'Shipped sets: copd, type2_diabetes; or give register_query.';
	END IF;
	IF register_query IS NOT NULL THEN
		EXECUTE format($q$SELECT ARRAY[count(*) FILTER (WHERE r.patient IS NULL),
		  count(*) FILTER (WHERE r.patient IS NOT NULL AND r.disease IS NULL),
		  count(*) FILTER (WHERE r.patient IS NOT NULL AND r.disease IS NOT NULL AND r.from_date IS NULL),
		  count(*) FILTER (WHERE r.patient IS NOT NULL AND r.disease IS NOT NULL AND r.to_date::date < r.from_date::date)]
		FROM (%s) AS r$q$, register_query) INTO n;
		PERFORM kvalitet.report_skipped_rows('chronic_acute_admissions', 'register',
			ARRAY['NULL patient', 'NULL disease', 'NULL from_date', 'to_date before from_date'], n);
	END IF;
	-- The years reported: those of the stays' starts.
	RETURN QUERY EXECUTE format('WITH st AS MATERIALIZED (
		SELECT s.patient::text AS patient, extract(year FROM s.stay_start AT TIME ZONE %1$L)::integer AS year,
		       s.admission AND coalesce(s.acute, false) AS acute_admission
		FROM kvalitet.stays(%2$L, NULL::%3$s, NULL, %4$L::kvalitet.stay_rules) AS s),
	span AS (SELECT min(st.year) AS first_year, max(st.year) AS last_year FROM st),
	ill AS (SELECT DISTINCT i.patient::text AS patient, i.year FROM (%5$s) AS i, span
		WHERE i.year BETWEEN span.first_year AND span.last_year),
	adm AS (SELECT st.patient, st.year, count(*) AS n FROM st WHERE st.acute_admission GROUP BY 1, 2),
	y AS (SELECT ill.year, count(*) AS patients, coalesce(sum(adm.n), 0)::bigint AS admissions
		FROM ill LEFT JOIN adm ON adm.patient = ill.patient AND adm.year = ill.year GROUP BY ill.year)
	SELECT g.year, coalesce(y.patients, 0), coalesce(y.admissions, 0),
		CASE WHEN y.patients > 0 THEN kvalitet.poisson_rate(y.admissions, y.patients, %6$L::numeric) END,
		%7$L::text, %8$L::boolean OR g.year - %9$s + 1 >= span.first_year
	FROM span CROSS JOIN LATERAL generate_series(span.first_year, span.last_year) AS g(year)
	LEFT JOIN y ON y.year = g.year ORDER BY g.year',
		zone, contacts_query, format_type(pg_typeof(patient_type), NULL), rules,
		kvalitet.chronic_patients_sql(contacts_query, register_query, disease, coalesce(set_name, disease),
									  lookback_years, zone, '(SELECT span.last_year FROM span)'),
		per, CASE WHEN register_query IS NULL THEN 'proxy' ELSE 'register' END, register_query IS NOT NULL,
		lookback_years);
END $$;
COMMENT ON FUNCTION kvalitet.chronic_acute_admissions(text, anyelement, text, text, text, integer, text, kvalitet.stay_rules, numeric) IS
	'Acute admissions (section 3) per 1,000 patients with the disease (SPEC 11.3) per year of stay_start: patients from the register when given, else the proxy (a contact in years Y-4..Y with a diagnosis in the set; source = proxy, lookback_complete says whether the data reach back far enough); NULL rate without patients';

-- Acute short admissions of citizens age_min+ per 1,000 citizens age_min+.
CREATE FUNCTION kvalitet.short_acute_admissions(contacts_query text, patient_type anyelement,
		patients_query text, population_query text, max_length interval DEFAULT '24 hours',
		age_min integer DEFAULT 65, medical_units_query text DEFAULT NULL, tz text DEFAULT NULL,
		rules kvalitet.stay_rules DEFAULT NULL, per numeric DEFAULT 1000)
	RETURNS TABLE (year integer, kommune text, short_admissions bigint, citizens bigint,
		rate kvalitet.rate_estimate, medical_by text)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	zone constant text := kvalitet.pinned_timezone(tz);
	key_type constant text := format_type(pg_typeof(patient_type), NULL);
	unknown bigint;
BEGIN
	IF max_length IS NULL OR age_min IS NULL THEN
		RAISE EXCEPTION 'short_acute_admissions: max_length and age_min must be given' USING ERRCODE = '22023';
	END IF;
	CREATE TEMP TABLE IF NOT EXISTS kvalitet_short_stays (patient text, stay_date date, kommune text,
		birth_date date, known boolean) ON COMMIT DROP;
	TRUNCATE kvalitet_short_stays;
	EXECUTE format('INSERT INTO pg_temp.kvalitet_short_stays
		SELECT s.patient::text, (s.stay_start AT TIME ZONE %1$L)::date, pt.kommune, pt.birth_date, pt.patient IS NOT NULL
		FROM kvalitet.stays(%2$L, NULL::%3$s, NULL, %4$L::kvalitet.stay_rules) AS s
		LEFT JOIN (SELECT DISTINCT ON (p.patient::text) p.patient::text AS patient, p.kommune::text AS kommune,
		                  p.birth_date::date AS birth_date
		           FROM (%5$s) AS p WHERE p.patient IS NOT NULL ORDER BY p.patient::text) AS pt
		       ON pt.patient = s.patient::text
		WHERE s.admission AND s.acute AND NOT coalesce(s.psychiatric, false) AND s.stay_end IS NOT NULL
		  AND s.stay_end - s.stay_start < %6$L::interval
		  AND (%7$L IS NULL OR s.discharging_unit IN (SELECT u.unit::text FROM (%8$s) AS u))',
		zone, contacts_query, key_type, rules, patients_query, max_length, medical_units_query,
		coalesce(medical_units_query, 'SELECT NULL::text AS unit'));
	SELECT count(*) INTO unknown FROM pg_temp.kvalitet_short_stays AS s WHERE NOT s.known OR s.birth_date IS NULL;
	PERFORM kvalitet.report_skipped_rows('short_acute_admissions', 'short admission',
		ARRAY['a patient without a birth date in patients_query'], ARRAY[unknown]);
	RETURN QUERY EXECUTE format('WITH a AS (SELECT extract(year FROM s.stay_date)::integer AS year, s.kommune, count(*) AS n
		FROM pg_temp.kvalitet_short_stays AS s
		WHERE s.birth_date IS NOT NULL AND extract(year FROM age(s.stay_date, s.birth_date)) >= %1$s
		GROUP BY GROUPING SETS ((extract(year FROM s.stay_date)::integer, s.kommune), (extract(year FROM s.stay_date)::integer))
		HAVING GROUPING(s.kommune) = 1 OR s.kommune IS NOT NULL),
	pop AS (SELECT p.year::integer AS year, p.kommune::text AS kommune, sum(p.count)::bigint AS citizens
		FROM (%2$s) AS p WHERE substring(p.age_band::text FROM ''[0-9]+'')::integer >= %1$s
		GROUP BY GROUPING SETS ((p.year::integer, p.kommune::text), (p.year::integer))
		HAVING GROUPING(p.kommune::text) = 1 OR p.kommune::text IS NOT NULL)
	SELECT a.year, a.kommune, a.n, pop.citizens,
		CASE WHEN pop.citizens > 0 THEN kvalitet.poisson_rate(a.n, pop.citizens, %3$L::numeric) END, %4$L::text
	FROM a LEFT JOIN pop ON pop.year = a.year AND pop.kommune IS NOT DISTINCT FROM a.kommune
	ORDER BY a.year, a.kommune NULLS LAST',
		age_min, population_query, per,
		CASE WHEN medical_units_query IS NULL THEN 'all somatic units' ELSE 'medical units' END);
END $$;
COMMENT ON FUNCTION kvalitet.short_acute_admissions(text, anyelement, text, text, interval, integer, text, text, kvalitet.stay_rules, numeric) IS
	'Acute somatic admissions shorter than max_length (SPEC 11.7) of citizens aged age_min+ at the stay''s start per 1,000 citizens age_min+, per year and kommune (kommune NULL = all); medical units from medical_units_query (column unit), else all somatic units';
