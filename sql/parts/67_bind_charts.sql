
-- ---------------------------------------------------------------------------
-- kvalitet.bind: standardised values, run charts and control limits in the
-- generated views (docs/binding.md sections 3 and 11)
-- ---------------------------------------------------------------------------
-- An indicator is standardised when its catalogue row names a strata builder
-- (kvalitet.indicator.strata_builder): a function (ctx jsonb) RETURNS text
-- that returns a SELECT of its counted stays, one row per stay,
--   (code, month, hospital, department, municipality, sex, age, hit)
-- with the same month and org unit as its rows builder uses, the stay's sex
-- ({sex}: M or F from a CPR number, U when the patient key is no CPR number,
-- NULL when unknown), its age in years and whether it counts in the
-- numerator.  indicator_values groups them into strata (sex x age band) per
-- period and org unit, pools small strata (kvalitet.pooled_strata) and puts
-- the directly standardised value (Fay-Feuer interval) and the indirectly
-- standardised ratio against the region in the same period (Garwood) beside
-- the crude value.

-- The placeholders a strata builder may use beside binding_vars: {sex}, the
-- stay's sex over the stays aliased s.
CREATE FUNCTION kvalitet.binding_strata_vars(ctx jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_vars(ctx) || jsonb_build_object('sex',
	CASE WHEN (ctx #>> '{options,patient_is_cpr}')::boolean
		 THEN 'CASE WHEN kvalitet.cpr_is_valid(s.patient::text) THEN kvalitet.cpr_sex(s.patient::text) END'
		 ELSE '''U''::text' END)
$$;
COMMENT ON FUNCTION kvalitet.binding_strata_vars(jsonb) IS
	'Used by the strata builders: binding_vars and {sex}, the sex of a stay s (M/F from a CPR number, U without one)';

-- readmission_30d: the index admissions, by month and unit of discharge.
CREATE FUNCTION kvalitet.build_strata_readmission(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'readmission_30d'::text, s.discharge_month, s.hospital, s.department, s.municipality,
       {sex}, s.age_at_start, s.readmitted
FROM {p}.stays AS s
WHERE s.admission AND s.stay_end IS NOT NULL AND s.index_stay$q$, kvalitet.binding_strata_vars(ctx))
$$;
COMMENT ON FUNCTION kvalitet.build_strata_readmission(jsonb) IS
	'Strata builder of readmission_30d: one row per index admission with its sex, age and whether it was readmitted';

-- preventable_admissions_65: the acute admissions of age_min or over, by
-- the month they started.
CREATE FUNCTION kvalitet.build_strata_preventable_65(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65'::text, s.admission_month, s.hospital, s.department, s.municipality,
       {sex}, s.age_at_start,
       coalesce(kvalitet.code_in(s.dominant_diagnosis, {code_set}, (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date), false)
FROM {p}.stays AS s
WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}$q$,
	kvalitet.binding_strata_vars(ctx) || jsonb_build_object(
		'code_set', quote_literal(ctx #>> '{options,preventable_set}'),
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text))
$$;
COMMENT ON FUNCTION kvalitet.build_strata_preventable_65(jsonb) IS
	'Strata builder of preventable_admissions_65: one row per acute admission of 65 or over with its sex, age and whether it was preventable';

-- The private materialized view indicator_standardised: per indicator with
-- a strata builder, period and org unit (org_key = ROW(org_level, hospital,
-- department, municipality)::text) the direct and the indirect estimate;
-- NULL without strata (no strata builder computed, or no age bound).  Age
-- bands: those of the standard population chosen (option
-- standard_population), or 5-year bands up to 90+ when the standard is the
-- indicator's own denominator in the reference year (option standard_year;
-- default the latest year with all 12 months, else the latest year).  Apart
-- from indicator_values, so that indicator_values joins a relation whose
-- size the planner knows (a join to these CTEs inline was planned as a
-- nested loop that repeated them per row).
CREATE FUNCTION kvalitet.build_indicator_standardised(ctx jsonb) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b record;
	piece text;
	strata text[] := ARRAY[]::text[];
	std constant text := ctx #>> '{options,standard_population}';
	ref_year constant integer := (ctx #>> '{options,standard_year}')::integer;
	v jsonb := kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'x', 'month');
BEGIN
	IF std IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kvalitet.standard_population AS sp WHERE sp.standard = std) THEN
		RAISE EXCEPTION 'kvalitet.bind: no standard population %', std USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Fill kvalitet.standard_population, use esp2013, or leave standard_population out (the indicator''s own denominator).';
	END IF;
	FOR b IN SELECT ind.strata_builder::regproc AS builder FROM kvalitet.indicator AS ind
			 WHERE ind.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes')) AND ind.strata_builder IS NOT NULL
			 GROUP BY 1 ORDER BY min(ind.code) LOOP
		EXECUTE format('SELECT %s($1)', b.builder) INTO piece USING ctx;
		strata := strata || ('SELECT t.code, t.month, t.hospital, t.department, t.municipality, t.sex, t.age, '
							 || E'count(*) FILTER (WHERE t.hit), count(t.hit)\nFROM (' || piece
							 || E') AS t (code, month, hospital, department, municipality, sex, age, hit)\nGROUP BY 1, 2, 3, 4, 5, 6, 7');
	END LOOP;
	-- Without ages there are no strata.
	IF cardinality(strata) = 0 OR NOT kvalitet.binding_has(ctx, 'age') THEN
		RETURN NULL;
	END IF;
	-- Each builder's stays are counted per stratum, month and finest unit
	-- first (on Citus on the workers), and only those counts are grouped by
	-- org level; on Citus they are read once, as a materialized CTE (Citus
	-- runs no GROUPING SETS over a distributed table).
	v := v || jsonb_build_object(
		'materialized', CASE WHEN (ctx ->> 'contacts_distributed')::boolean THEN 'MATERIALIZED ' ELSE '' END,
		'strata', array_to_string(strata, E'\nUNION ALL\n'),
		'bands', CASE WHEN std IS NULL THEN 'ARRAY[0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]'
					  ELSE format('(SELECT array_agg(DISTINCT sp.age_low ORDER BY sp.age_low) FROM kvalitet.standard_population AS sp WHERE sp.standard = %L)', std) END,
		'weights', CASE WHEN std IS NULL THEN kvalitet.binding_fill($w$WITH r AS MATERIALIZED (
SELECT y.code, {year} AS year
FROM (SELECT m.code, date_trunc('year', m.month::timestamp)::date AS year, count(DISTINCT m.month) AS months
      FROM strata_monthly AS m WHERE m.org_level = 'region' GROUP BY 1, 2) AS y
GROUP BY y.code)
SELECT p.code, p.sex, p.age_low, p.population::double precision
FROM strata_periods AS p JOIN r ON r.code = p.code AND r.year = p.period_start
WHERE p.period_type = 'year' AND p.org_level = 'region'$w$, jsonb_build_object('year', CASE WHEN ref_year IS NULL
				THEN 'coalesce(max(y.year) FILTER (WHERE y.months = 12), max(y.year))'
				ELSE format('make_date(%s, 1, 1)', ref_year) END))
			ELSE format($w$SELECT cs.code, cs.sex, sp.age_low, sum(sp.weight)
FROM (SELECT DISTINCT m.code, m.sex FROM strata_monthly AS m) AS cs
JOIN kvalitet.standard_population AS sp ON sp.standard = %L AND (cs.sex = 'U' OR sp.sex = cs.sex)
GROUP BY 1, 2, 3$w$, std) END);
	RETURN kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.indicator_standardised AS
WITH strata_groups (code, month, hospital, department, municipality, sex, age, events, population) AS {materialized}(
{strata}
), strata_monthly AS (
SELECT x.code, x.month, {org_level}, {org_columns}, x.sex, x.age_low,
       sum(x.events)::bigint AS events, sum(x.population)::bigint AS population
FROM (SELECT st.code, st.month, st.hospital, st.department, st.municipality, st.sex,
             bs.bands[width_bucket(st.age, bs.bands)] AS age_low, st.events, st.population
      FROM strata_groups AS st CROSS JOIN (SELECT {bands} AS bands) AS bs
      WHERE st.sex IS NOT NULL AND st.age IS NOT NULL AND width_bucket(st.age, bs.bands) > 0) AS x
GROUP BY x.code, x.sex, x.age_low, GROUPING SETS ({grouping_sets})
), strata_periods AS (
SELECT m.code, 'month'::text AS period_type, m.month AS period_start, m.org_level,
       ROW(m.org_level, m.hospital, m.department, m.municipality)::text AS org_key, m.sex, m.age_low, m.events, m.population
FROM strata_monthly AS m
UNION ALL
SELECT m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level,
       ROW(m.org_level, m.hospital, m.department, m.municipality)::text, m.sex, m.age_low, sum(m.events)::bigint, sum(m.population)::bigint
FROM strata_monthly AS m CROSS JOIN (VALUES ('quarter'), ('year')) AS t(period_type)
GROUP BY 1, 2, 3, 4, 5, 6, 7
), strata_weights (code, sex, age_low, weight) AS (
{weights}
), standard AS MATERIALIZED (
SELECT w.code, array_agg(w.sex) AS sexes, array_agg(w.age_low) AS ages, array_agg(0::bigint) AS events,
       array_agg(0::double precision) AS populations, array_agg(w.weight) AS weights
FROM strata_weights AS w GROUP BY w.code
), standardised (code, period_type, period_start, org_key, direct, indirect) AS (
SELECT d.code, d.period_type, d.period_start, d.org_key, e.direct, i.indirect
FROM (SELECT p.code, p.period_type, p.period_start, p.org_key, array_agg(p.sex) AS sexes, array_agg(p.age_low) AS ages,
             array_agg(p.events) AS events, array_agg(p.population::double precision) AS populations,
             array_agg(0::double precision) AS weights
      FROM strata_periods AS p GROUP BY 1, 2, 3, 4) AS d
JOIN standard AS sw ON sw.code = d.code
CROSS JOIN LATERAL (SELECT CASE WHEN NOT bool_or(ps.population = 0 AND ps.standard_weight > 0)
                                THEN kvalitet.direct_standardised_rate(ps.events, ps.population, ps.standard_weight, 1) FILTER (WHERE ps.population > 0)
                           END AS direct
                    FROM kvalitet.pooled_strata(d.sexes || sw.sexes, d.ages || sw.ages, d.events || sw.events,
                                                d.populations || sw.populations, d.weights || sw.weights) AS ps) AS e
LEFT JOIN (SELECT u.code, u.period_type, u.period_start, u.org_key,
                  kvalitet.indirect_standardised_ratio(u.events, u.population * r.events::double precision / r.population) AS indirect
           FROM strata_periods AS u
           JOIN strata_periods AS r ON r.code = u.code AND r.period_type = u.period_type AND r.period_start = u.period_start
                                   AND r.org_level = 'region' AND r.sex = u.sex AND r.age_low = u.age_low
           GROUP BY 1, 2, 3, 4) AS i
  ON i.code = d.code AND i.period_type = d.period_type AND i.period_start = d.period_start AND i.org_key = d.org_key
)
SELECT s.code, s.period_type, s.period_start, s.org_key, s.direct, s.indirect FROM standardised AS s
{data};
CREATE UNIQUE INDEX indicator_standardised_key ON {p}.indicator_standardised (code, period_type, period_start, org_key);
$q$, v) || kvalitet.binding_comment_sql(v ->> 'p' || '.indicator_standardised',
		'kvalitet: the age/sex-standardised estimates per indicator, period and org unit, behind indicator_values',
		'kvalitet.binding_chart_column_comments()');
END $$;
COMMENT ON FUNCTION kvalitet.build_indicator_standardised(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view indicator_standardised (direct with small strata pooled, and indirect against the region), or NULL when nothing is standardised';

-- The CTE indicator_values joins: standardised (code, period_type,
-- period_start, org_key, direct, indirect), from indicator_standardised when
-- the binding has it.
CREATE FUNCTION kvalitet.binding_standardised(ctx jsonb) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE WHEN kvalitet.build_indicator_standardised(ctx) IS NULL
	THEN $q$, standardised (code, period_type, period_start, org_key, direct, indirect) AS (
SELECT NULL::text, NULL::text, NULL::date, NULL::text, NULL::kvalitet.rate_estimate, NULL::kvalitet.rate_estimate WHERE false
)$q$
	ELSE kvalitet.binding_fill($q$, standardised (code, period_type, period_start, org_key, direct, indirect) AS (
SELECT s.code, s.period_type, s.period_start, s.org_key, s.direct, s.indirect FROM {p}.indicator_standardised AS s
)$q$, kvalitet.binding_vars(ctx)) END
$$;
COMMENT ON FUNCTION kvalitet.binding_standardised(jsonb) IS
	'Used by build_indicator_values: the CTE standardised, over indicator_standardised when the binding has it';

-- The column comments of the chart and standardised columns.
CREATE FUNCTION kvalitet.binding_chart_column_comments() RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN kvalitet.binding_value_column_comments() OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
	'standardised_value', 'Directly age/sex-standardised value (strata under 5 pooled with the next age band); NULL when not standardised',
	'standardised_ci_lower', 'Lower bound of the standardised value''s 95% interval (Fay-Feuer)',
	'standardised_ci_upper', 'Upper bound of the standardised value''s 95% interval',
	'standardised_ratio', 'Indirectly standardised ratio: observed / expected at the region''s rates per stratum in the same period',
	'ratio_ci_lower', 'Lower bound of the ratio''s 95% interval (Garwood on the observed count)',
	'ratio_ci_upper', 'Upper bound of the ratio''s 95% interval',
	'centre', 'Centre line of the run chart: the median of the series'' points in the chart',
	'on_centre', 'The point lies on the centre line (not a useful point)',
	'useful_points', 'Points of the series off the centre line',
	'longest_run', 'Longest run of points on one side of the centre line',
	'longest_run_limit', 'A longer run than this signals non-random variation (Anhøj)',
	'crossings', 'Times the series crosses the centre line',
	'crossings_limit', 'Fewer crossings than this signal non-random variation (Anhøj)',
	'run_signal', 'Anhøj''s rules signal non-random variation in the series; NULL under 12 useful points',
	'signal', 'improvement or deterioration (the run-chart signal, by the side of the latest run and the indicator''s direction), none, or NULL (under 12 useful points, or not the latest row)',
	'chart', 'The control chart: p (proportions) or u (per_1000); NULL for other measures',
	'control_centre', 'Centre line of the control chart, in the unit of value',
	'lower_limit', 'Lower 3-sigma control limit at this point',
	'upper_limit', 'Upper 3-sigma control limit at this point',
	'special_cause', 'The point lies outside its control limits (in goal_overview: the latest point; NULL elsewhere)',
	'code', 'Indicator (kvalitet.indicator.code)',
	'org_key', 'The org unit: ROW(org_level, hospital, department, municipality) as text',
	'direct', 'Directly standardised value with its 95% interval (Fay-Feuer), small strata pooled',
	'indirect', 'Indirectly standardised ratio against the region with its 95% interval (Garwood)');
COMMENT ON FUNCTION kvalitet.binding_chart_column_comments() IS
	'Used by kvalitet.bind: the column comments of indicator_values, goal_overview and run_charts';

-- The BI view run_charts: one row per point of each series (indicator x org
-- unit) over its last 24 periods (months; years for yearly indicators) up
-- to the indicator's latest period, with the run chart (Anhøj) and the
-- control chart (p for proportions, u for per_1000) of the series.
CREATE FUNCTION kvalitet.build_bi_run_charts(ctx jsonb) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {s}.run_charts WITH (security_invoker = true, security_barrier = true) AS
WITH pts AS (
SELECT iv.indicator_code, iv.indicator_name_da, iv.indicator_name_en, iv.measure, iv.lower_is_better,
       iv.period_type, iv.period_start, iv.period_label, iv.org_level, iv.org_unit, iv.hospital, iv.department, iv.municipality,
       iv.numerator, iv.denominator, iv.value, iv.followup_complete,
       max(iv.period_start) OVER (PARTITION BY iv.indicator_code) AS latest_start
FROM {s}.indicator_values AS iv
WHERE iv.period_type = CASE WHEN iv.indicator_code = ANY ({monthly}::text[]) THEN 'month' ELSE 'year' END
), win AS (
SELECT p.*,
       kvalitet.p_chart(p.numerator::double precision, p.denominator::double precision) OVER w AS pc,
       kvalitet.u_chart(p.numerator::double precision, p.denominator::double precision) OVER w AS uc
FROM pts AS p
WHERE p.period_start > p.latest_start - CASE p.period_type WHEN 'month' THEN interval '24 months' ELSE interval '24 years' END
WINDOW w AS (PARTITION BY p.indicator_code, p.org_level, p.org_unit ORDER BY p.period_start)
), rc AS (
SELECT w.indicator_code, w.org_level, w.org_unit, kvalitet.run_chart(w.value ORDER BY w.period_start) AS r
FROM win AS w GROUP BY 1, 2, 3
), side AS (
SELECT w.indicator_code, w.org_level, w.org_unit,
       (array_agg(w.value > (rc.r).centre ORDER BY w.period_start DESC) FILTER (WHERE w.value <> (rc.r).centre))[1] AS above
FROM win AS w JOIN rc USING (indicator_code, org_level, org_unit)
GROUP BY 1, 2, 3
)
SELECT w.indicator_code, w.indicator_name_da, w.indicator_name_en, w.measure, w.lower_is_better,
       w.period_type, w.period_start, w.period_label, w.org_level, w.org_unit, w.hospital, w.department, w.municipality,
       w.numerator, w.denominator, w.value, w.followup_complete,
       (rc.r).centre AS centre, w.value = (rc.r).centre AS on_centre,
       (rc.r).useful_points AS useful_points, (rc.r).longest_run AS longest_run, (rc.r).longest_run_limit AS longest_run_limit,
       (rc.r).crossings AS crossings, (rc.r).crossings_limit AS crossings_limit, (rc.r).signal AS run_signal,
       CASE WHEN NOT (rc.r).signal THEN 'none'
            WHEN (rc.r).signal THEN CASE WHEN sd.above = w.lower_is_better THEN 'deterioration' ELSE 'improvement' END
       END AS signal,
       CASE w.measure WHEN 'proportion' THEN 'p' WHEN 'per_1000' THEN 'u' END AS chart,
       CASE w.measure WHEN 'proportion' THEN (w.pc).centre WHEN 'per_1000' THEN (w.uc).centre * 1000 END AS control_centre,
       CASE w.measure WHEN 'proportion' THEN (w.pc).lower WHEN 'per_1000' THEN (w.uc).lower * 1000 END AS lower_limit,
       CASE w.measure WHEN 'proportion' THEN (w.pc).upper WHEN 'per_1000' THEN (w.uc).upper * 1000 END AS upper_limit,
       CASE w.measure WHEN 'proportion' THEN (w.pc).special_cause WHEN 'per_1000' THEN (w.uc).special_cause END AS special_cause,
       w.period_start = w.latest_start AS is_latest
FROM win AS w
JOIN rc USING (indicator_code, org_level, org_unit)
JOIN side AS sd USING (indicator_code, org_level, org_unit);
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object('monthly', quote_literal(ARRAY(
	SELECT ind.code FROM kvalitet.indicator AS ind
	WHERE ind.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes')) AND ind.grain = 'month' ORDER BY ind.code)::text)))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.run_charts',
		'kvalitet: one row per point of each indicator''s series per org unit over its last 24 months (years for yearly indicators): the value, the run chart''s centre line and Anhøj signal, and the p or u chart''s limits and special causes',
		'kvalitet.binding_chart_column_comments()')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_run_charts(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view run_charts';
