
-- ---------------------------------------------------------------------------
-- kvalitet.bind, step 3: the indicators' rows and indicator_values
-- ---------------------------------------------------------------------------
-- Each computed indicator names its rows builder in kvalitet.indicator.builder
-- (one builder may serve several indicators).  A builder of grain month
-- returns a SELECT of monthly rows
--   (code, month, org_level, hospital, department, municipality,
--    p, total, total_sq, n, complete)
-- that build_indicator_values rolls up exactly to quarters and years; one of
-- grain year returns the yearly rows itself
--   (code, period_type, period_start, org_level, hospital, department,
--    municipality, p, total, total_sq, n, complete).
-- p is a kvalitet.proportion (unit proportion); total, total_sq and n are the
-- sum, the sum of squares and the count (unit days, in seconds), or events
-- and citizens (unit per_1000); complete is false while a figure can change.
-- docs/binding.md section 10 walks through adding one.

-- The org levels of a monthly query over the relation aliased `alias`:
-- {org_level} and {org_columns} (its select list) and {grouping_sets} (one
-- set per level: region, hospital, department, municipality, as bound).
CREATE FUNCTION kvalitet.binding_org_levels(ctx jsonb, alias text, month_column text) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT jsonb_build_object(
	'org_level', CASE WHEN NOT (u.units OR u.muni) THEN '''region''::text AS org_level'
		ELSE 'CASE'
			|| CASE WHEN u.units THEN format(' WHEN GROUPING(%1$s.department) = 0 THEN ''department'' WHEN GROUPING(%1$s.hospital) = 0 THEN ''hospital''', alias) ELSE '' END
			|| CASE WHEN u.muni THEN format(' WHEN GROUPING(%s.municipality) = 0 THEN ''municipality''', alias) ELSE '' END
			|| ' ELSE ''region'' END AS org_level' END,
	'org_columns', CASE WHEN u.units THEN format('%1$s.hospital, %1$s.department', alias)
						ELSE 'NULL::text AS hospital, NULL::text AS department' END
		|| CASE WHEN u.muni THEN format(', %s.municipality', alias) ELSE ', NULL::text AS municipality' END,
	'grouping_sets', format('(%s.%s)', alias, month_column)
		|| CASE WHEN u.units THEN format(', (%1$s.%2$s, %1$s.hospital), (%1$s.%2$s, %1$s.hospital, %1$s.department)', alias, month_column) ELSE '' END
		|| CASE WHEN u.muni THEN format(', (%1$s.%2$s, %1$s.municipality)', alias, month_column) ELSE '' END)
FROM (SELECT kvalitet.binding_has(ctx, 'units') AS units, kvalitet.binding_has(ctx, 'contacts.municipality') AS muni) AS u
$$;
COMMENT ON FUNCTION kvalitet.binding_org_levels(jsonb, text, text) IS
	'Used by the rows builders: the org_level, org_columns and grouping_sets placeholders of a monthly query';

-- readmission_30d, mean_length_of_stay and sa_acute_short_admissions: one
-- pass over the closed admissions, by month and unit of discharge
-- (docs/indicators.md sections 4 and 8).
CREATE FUNCTION kvalitet.build_rows_discharges(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT v.code, d.month, d.org_level, d.hospital, d.department, d.municipality,
       v.p, v.total, v.total_sq, v.n, v.complete
FROM (SELECT s.discharge_month AS month, {org_level}, {org_columns},
             kvalitet.proportion(s.readmitted) FILTER (WHERE s.index_stay) AS readm,
             coalesce(bool_and(s.followup_complete) FILTER (WHERE s.index_stay), true) AS readm_complete,
             count(*) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_n,
             sum(extract(epoch FROM s.stay_end - s.stay_start)) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_total,
             sum((extract(epoch FROM s.stay_end - s.stay_start))::double precision ^ 2) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_sq,
             kvalitet.proportion(s.stay_end - s.stay_start < {short_admission}::interval) FILTER (WHERE s.acute) AS short
      FROM {p}.stays AS s
      WHERE s.admission AND s.stay_end IS NOT NULL
      GROUP BY GROUPING SETS ({grouping_sets})) AS d
CROSS JOIN LATERAL (VALUES
    ('readmission_30d', d.readm, NULL::numeric, NULL::double precision, NULL::bigint, d.readm_complete),
    ('mean_length_of_stay', NULL::kvalitet.proportion, d.los_total, d.los_sq, d.los_n, true),
    ('sa_acute_short_admissions', d.short, NULL::numeric, NULL::double precision, NULL::bigint, true)
) AS v(code, p, total, total_sq, n, complete)
WHERE v.code = ANY ({codes}::text[]) AND coalesce(kvalitet.denominator(v.p), v.n) > 0$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 's', 'discharge_month') || jsonb_build_object(
		'short_admission', quote_literal(ctx #>> '{options,short_admission}'),
		'codes', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text)))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_discharges(jsonb) IS
	'Rows builder of readmission_30d, mean_length_of_stay and sa_acute_short_admissions (monthly, by unit of discharge)';

-- preventable_admissions_65: acute admissions of patients aged age_min or
-- over, by the month they started (docs/indicators.md section 5).
CREATE FUNCTION kvalitet.build_rows_preventable_65(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65'::text, a.month, a.org_level, a.hospital, a.department, a.municipality,
       a.p, NULL::numeric, NULL::double precision, NULL::bigint, a.complete
FROM (SELECT s.admission_month AS month, {org_level}, {org_columns},
             kvalitet.proportion(coalesce(kvalitet.code_in(s.dominant_diagnosis, {code_set},
                 (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date), false)) AS p,
             bool_and(s.stay_end IS NOT NULL) AS complete
      FROM {p}.stays AS s
      WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}
      GROUP BY GROUPING SETS ({grouping_sets})) AS a$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 's', 'admission_month') || jsonb_build_object(
		'code_set', quote_literal(ctx #>> '{options,preventable_set}'),
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_preventable_65(jsonb) IS
	'Rows builder of preventable_admissions_65 (monthly, by month the admission started)';

-- epikrise_timely: the letters per month of discharge, from the private
-- function epikrise_monthly (docs/indicators.md section 6).
CREATE FUNCTION kvalitet.build_rows_epikrise_timely(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'epikrise_timely'::text, e.month, e.org_level, e.hospital, e.department, e.municipality,
       e.p, NULL::numeric, NULL::double precision, NULL::bigint, e.complete
FROM (SELECT f.month, {org_level}, {org_columns}, kvalitet.rollup(f.timely) AS p, bool_and(f.complete) AS complete
      FROM {p}.epikrise_monthly() AS f
      GROUP BY GROUPING SETS ({grouping_sets})
      HAVING kvalitet.denominator(kvalitet.rollup(f.timely)) > 0) AS e$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'f', 'month'))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_epikrise_timely(jsonb) IS
	'Rows builder of epikrise_timely (monthly, by month of discharge)';

-- preventable_admissions_65_per_1000: the same admissions per 1,000
-- citizens aged age_min or over on 1 January, by year and municipality.
CREATE FUNCTION kvalitet.build_rows_preventable_65_per_1000(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65_per_1000', 'year', y.year, CASE WHEN GROUPING(y.municipality) = 0 THEN 'municipality' ELSE 'region' END,
       NULL, NULL, y.municipality, NULL, sum(y.events), NULL, sum(y.population)::bigint, bool_and(y.complete)
FROM (SELECT coalesce(ev.year, po.year) AS year, coalesce(ev.municipality, po.municipality) AS municipality,
             coalesce(ev.events, 0) AS events, coalesce(po.population, 0) AS population, coalesce(ev.complete, true) AS complete
      FROM (SELECT date_trunc('year', s.admission_month)::date AS year, s.municipality,
                   count(*) FILTER (WHERE kvalitet.code_in(s.dominant_diagnosis, {code_set},
                       (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date)) AS events,
                   bool_and(s.stay_end IS NOT NULL) AS complete
            FROM {p}.stays AS s
            WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}
            GROUP BY 1, 2) AS ev
      FULL JOIN (SELECT make_date(pp.year, 1, 1) AS year, pp.municipality, sum(pp.count) AS population
                 FROM {p}.population AS pp WHERE pp.age_low >= {age_min} GROUP BY 1, 2) AS po
        ON po.year = ev.year AND po.municipality = ev.municipality) AS y
GROUP BY GROUPING SETS ((y.year), (y.year, y.municipality))
HAVING sum(y.population) > 0$q$,
	kvalitet.binding_vars(ctx) || jsonb_build_object(
		'code_set', quote_literal(ctx #>> '{options,preventable_set}'),
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_preventable_65_per_1000(jsonb) IS
	'Rows builder of preventable_admissions_65_per_1000 (yearly, by municipality of residence)';

-- indicator_values: every computed indicator's rows (its builder, called
-- once per builder), monthly rows rolled up exactly to quarters and years,
-- with names, values, intervals and the gate that decides who sees a row.
-- A days numerator is shown to 6 decimals of a day; a quarter's or year's is
-- the sum of its months' as shown, so that they add up exactly (the value
-- and interval come from the exact seconds).
CREATE FUNCTION kvalitet.build_indicator_values(ctx jsonb) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b record;
	piece text;
	monthly text[] := ARRAY[]::text[];
	yearly text := '';
BEGIN
	FOR b IN SELECT ind.builder::regproc AS builder, ind.grain FROM kvalitet.indicator AS ind
			 WHERE ind.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes'))
			 GROUP BY 1, 2 ORDER BY min(ind.code) LOOP
		EXECUTE format('SELECT %s($1)', b.builder) INTO piece USING ctx;
		IF b.grain = 'month' THEN
			monthly := monthly || piece;
		ELSE
			-- typed here: the builder's NULLs are untyped in a subquery
			yearly := yearly || E'\nUNION ALL\nSELECT y.code::text, y.period_type::text, y.period_start::date, y.org_level::text, '
				|| E'y.hospital::text, y.department::text, y.municipality::text, y.p::kvalitet.proportion, y.total::numeric, '
				|| E'y.total_sq::double precision, y.n::bigint, y.complete::boolean, round(y.total::numeric / 86400, 6)\nFROM (\n' || piece
				|| E'\n) AS y (code, period_type, period_start, org_level, hospital, department, municipality, p, total, total_sq, n, complete)';
		END IF;
	END LOOP;
	IF cardinality(monthly) = 0 THEN
		monthly := ARRAY['SELECT NULL::text, NULL::date, NULL::text, NULL::text, NULL::text, NULL::text, NULL::kvalitet.proportion, NULL::numeric, NULL::double precision, NULL::bigint, NULL::boolean WHERE false'];
	END IF;
	RETURN kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.indicator_values AS
WITH monthly (code, month, org_level, hospital, department, municipality, p, total, total_sq, n, complete) AS (
{monthly}
), periods AS (
SELECT m.code, 'month'::text AS period_type, m.month AS period_start, m.org_level, m.hospital, m.department,
       m.municipality, m.p, m.total, m.total_sq, m.n, m.complete, round(m.total / 86400, 6) AS days
FROM monthly AS m
UNION ALL
SELECT m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level, m.hospital, m.department,
       m.municipality, kvalitet.rollup(m.p), sum(m.total), sum(m.total_sq), sum(m.n)::bigint, bool_and(m.complete),
       sum(round(m.total / 86400, 6))
FROM monthly AS m CROSS JOIN (VALUES ('quarter'), ('year')) AS t(period_type)
GROUP BY m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level, m.hospital, m.department, m.municipality{yearly}
){standardised}
SELECT r.code AS indicator_code, ind.goal_no, g.name_da AS goal_name_da, g.name_en AS goal_name_en,
       ind.name_da AS indicator_name_da, ind.name_en AS indicator_name_en, ind.unit AS measure, ind.lower_is_better,
       r.period_type, r.period_start,
       (r.period_start + CASE r.period_type WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
                                            ELSE interval '1 year' END - interval '1 day')::date AS period_end,
       CASE r.period_type WHEN 'month' THEN to_char(r.period_start, 'YYYY-MM')
                          WHEN 'quarter' THEN to_char(r.period_start, 'YYYY-"Q"Q')
                          ELSE to_char(r.period_start, 'YYYY') END AS period_label,
       r.org_level,
       CASE r.org_level WHEN 'region' THEN {region_name}
                        WHEN 'hospital' THEN coalesce(r.hospital, '(unknown)')
                        WHEN 'department' THEN coalesce(r.hospital, '(unknown)') || ' / ' || coalesce(r.department, '(unknown)')
                        ELSE coalesce(r.municipality, '(unknown)') END AS org_unit,
       r.hospital, r.department, r.municipality,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.numerator(r.p)::numeric
                     WHEN 'days' THEN r.days
                     ELSE r.total END AS numerator,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.denominator(r.p) ELSE r.n END AS denominator,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.rate(r.p)
                     WHEN 'days' THEN (r.total / r.n / 86400)::double precision
                     ELSE (sd.pr).value END AS value,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.wilson_lower(r.p)
                     WHEN 'days' THEN (r.total / r.n / 86400)::double precision - 1.959963984540054 * sd.se
                     ELSE (sd.pr).lower END AS ci_lower,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.wilson_upper(r.p)
                     WHEN 'days' THEN (r.total / r.n / 86400)::double precision + 1.959963984540054 * sd.se
                     ELSE (sd.pr).upper END AS ci_upper,
       (sz.direct).value AS standardised_value, (sz.direct).lower AS standardised_ci_lower, (sz.direct).upper AS standardised_ci_upper,
       (sz.indirect).value AS standardised_ratio, (sz.indirect).lower AS ratio_ci_lower, (sz.indirect).upper AS ratio_ci_upper,
       r.complete AS followup_complete,
       r.p AS proportion,
       CASE WHEN r.org_level = 'hospital' AND r.hospital IS NOT NULL THEN 'H' || chr(31) || r.hospital
            WHEN r.org_level = 'department' AND r.hospital IS NOT NULL AND r.department IS NOT NULL
                 THEN 'D' || chr(31) || r.hospital || chr(31) || r.department
            ELSE 'region' END AS gate
FROM periods AS r
JOIN kvalitet.indicator AS ind ON ind.code = r.code
LEFT JOIN kvalitet.goal AS g ON g.goal_no = ind.goal_no
CROSS JOIN LATERAL (SELECT CASE WHEN ind.unit = 'days' AND r.n > 1
                                THEN sqrt(greatest(r.total_sq - (r.total::double precision ^ 2) / r.n, 0) / (r.n - 1) / r.n) / 86400
                           END AS se,
                           kvalitet.poisson_rate(CASE WHEN ind.unit = 'per_1000' THEN r.total::bigint END, r.n) AS pr) AS sd
LEFT JOIN standardised AS sz ON sz.code = r.code AND sz.period_type = r.period_type AND sz.period_start = r.period_start
      AND sz.org_key = ROW(r.org_level, r.hospital, r.department, r.municipality)::text
{data};
CREATE UNIQUE INDEX indicator_values_key ON {p}.indicator_values (indicator_code, period_type, period_start, org_level, org_unit);
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
		'monthly', array_to_string(monthly, E'\nUNION ALL\n'), 'yearly', yearly, 'standardised', kvalitet.binding_standardised(ctx),
		'region_name', quote_literal(ctx #>> '{options,region_name}')))
		|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.indicator_values',
			'kvalitet: the indicator values per month, quarter and year and per org unit, with the gate that decides who sees them',
			'kvalitet.binding_chart_column_comments()');
END $$;
COMMENT ON FUNCTION kvalitet.build_indicator_values(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view indicator_values, from the rows builders of the computed indicators';
