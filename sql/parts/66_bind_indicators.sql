
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
-- The builders over the stays group twice: by month and finest unit first
-- (a plain GROUP BY, which Citus runs on the workers when the stays are a
-- distributed table), then by these grouping sets over those few rows
-- (Citus runs no GROUPING SETS over a distributed table).  Every aggregate
-- combines exactly: proportions by kvalitet.rollup, counts and sums by sum,
-- bool_and by bool_and.
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

-- readmission_30d and mean_length_of_stay: one pass over the closed
-- admissions, by month and unit of discharge (docs/indicators.md sections 4
-- and 8).
CREATE FUNCTION kvalitet.build_rows_discharges(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT v.code, d.month, d.org_level, d.hospital, d.department, d.municipality,
       v.p, v.total, v.total_sq, v.n, v.complete
FROM (SELECT m.month, {org_level}, {org_columns},
             kvalitet.rollup(m.readm) AS readm, coalesce(bool_and(m.readm_complete), true) AS readm_complete,
             sum(m.los_n)::bigint AS los_n, sum(m.los_total) AS los_total, sum(m.los_sq)::double precision AS los_sq
      FROM (SELECT s.discharge_month AS month, s.hospital, s.department, s.municipality,
                   kvalitet.proportion(s.readmitted) FILTER (WHERE s.index_stay) AS readm,
                   bool_and(s.followup_complete) FILTER (WHERE s.index_stay) AS readm_complete,
                   count(*) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_n,
                   sum(extract(epoch FROM s.stay_end - s.stay_start)) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_total,
                   sum(extract(epoch FROM s.stay_end - s.stay_start) * extract(epoch FROM s.stay_end - s.stay_start))
                       FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_sq
            FROM {p}.stays AS s
            WHERE s.admission AND s.stay_end IS NOT NULL
            GROUP BY 1, 2, 3, 4) AS m
      GROUP BY GROUPING SETS ({grouping_sets})) AS d
CROSS JOIN LATERAL (VALUES
    ('readmission_30d', d.readm, NULL::numeric, NULL::double precision, NULL::bigint, d.readm_complete),
    ('mean_length_of_stay', NULL::kvalitet.proportion, d.los_total, d.los_sq, d.los_n, true)
) AS v(code, p, total, total_sq, n, complete)
WHERE v.code = ANY ({codes}::text[]) AND coalesce(kvalitet.denominator(v.p), v.n) > 0$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'm', 'month') || jsonb_build_object(
		'codes', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text)))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_discharges(jsonb) IS
	'Rows builder of readmission_30d and mean_length_of_stay (monthly, by unit of discharge)';

-- preventable_admissions_65: acute admissions of patients aged age_min or
-- over, by the month they started (docs/indicators.md section 5).
CREATE FUNCTION kvalitet.build_rows_preventable_65(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65'::text, a.month, a.org_level, a.hospital, a.department, a.municipality,
       a.p, NULL::numeric, NULL::double precision, NULL::bigint, a.complete
FROM (SELECT m.month, {org_level}, {org_columns}, kvalitet.rollup(m.p) AS p, bool_and(m.complete) AS complete
      FROM (SELECT s.admission_month AS month, s.hospital, s.department, s.municipality,
                   kvalitet.proportion(coalesce(kvalitet.code_in(s.dominant_diagnosis, {code_set},
                       (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date), false)) AS p,
                   bool_and(s.stay_end IS NOT NULL) AS complete
            FROM {p}.stays AS s
            WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}
            GROUP BY 1, 2, 3, 4) AS m
      GROUP BY GROUPING SETS ({grouping_sets})) AS a$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'm', 'month') || jsonb_build_object(
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

-- Acute admissions of citizens aged age_min or over that meet a condition
-- (event, SQL over the stays aliased s), per 1,000 citizens of that age on
-- 1 January, by year of admission and municipality of residence; complete
-- once every such admission has ended.  The rows of each code in codes
-- that the binding computes.
CREATE FUNCTION kvalitet.binding_rows_65_per_1000(ctx jsonb, codes text[], event text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT k.code, r.* FROM (SELECT 'year'::text, y.year, CASE WHEN GROUPING(y.municipality) = 0 THEN 'municipality' ELSE 'region' END,
       NULL::text, NULL::text, y.municipality, NULL::kvalitet.proportion, sum(y.events), NULL::double precision, sum(y.population)::bigint, bool_and(y.complete)
FROM (SELECT coalesce(ev.year, po.year) AS year, coalesce(ev.municipality, po.municipality) AS municipality,
             coalesce(ev.events, 0) AS events, coalesce(po.population, 0) AS population, coalesce(ev.complete, true) AS complete
      FROM (SELECT date_trunc('year', s.admission_month)::date AS year, s.municipality,
                   count(*) FILTER (WHERE {event}) AS events,
                   bool_and(s.stay_end IS NOT NULL) AS complete
            FROM {p}.stays AS s
            WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}
            GROUP BY 1, 2) AS ev
      FULL JOIN (SELECT make_date(pp.year, 1, 1) AS year, pp.municipality, sum(pp.count) AS population
                 FROM {p}.population AS pp WHERE pp.age_low >= {age_min} GROUP BY 1, 2) AS po
        ON po.year = ev.year AND po.municipality = ev.municipality) AS y
GROUP BY GROUPING SETS ((y.year), (y.year, y.municipality))
HAVING sum(y.population) > 0) AS r
CROSS JOIN (SELECT c.code FROM unnest({computed}::text[]) AS c(code) WHERE c.code = ANY ({codes}::text[])) AS k$q$,
	kvalitet.binding_vars(ctx) || jsonb_build_object(
		'event', event,
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text,
		'codes', quote_literal(codes::text),
		'computed', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text)))
$$;
COMMENT ON FUNCTION kvalitet.binding_rows_65_per_1000(jsonb, text[], text) IS
	'Used by the rows builders: acute admissions of citizens aged age_min or over that meet a condition, per 1,000 such citizens, by year and municipality';

-- preventable_admissions_65_per_1000: acute admissions of citizens 65+ with
-- a dominant diagnosis in the preventable set, per 1,000 citizens 65+; the
-- sundhedsaftale's sa_preventable_admissions is the same figure.
CREATE FUNCTION kvalitet.build_rows_preventable_65_per_1000(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_rows_65_per_1000(ctx, ARRAY['preventable_admissions_65_per_1000', 'sa_preventable_admissions'],
	kvalitet.binding_fill($e$kvalitet.code_in(s.dominant_diagnosis, {code_set}, (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date)$e$,
		kvalitet.binding_vars(ctx) || jsonb_build_object('code_set', quote_literal(ctx #>> '{options,preventable_set}'))))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_preventable_65_per_1000(jsonb) IS
	'Rows builder of preventable_admissions_65_per_1000 and sa_preventable_admissions, the same figure (yearly, by municipality of residence)';

-- sa_acute_short_admissions (SPEC 11.7): closed acute somatic admissions of
-- citizens 65+ shorter than short_admission, per 1,000 citizens 65+.  The
-- units carry no specialty, so every somatic unit counts (the catalogue's
-- definition and the status note say so).
CREATE FUNCTION kvalitet.build_rows_short_admissions(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_rows_65_per_1000(ctx, ARRAY['sa_acute_short_admissions'],
	format('s.stay_end IS NOT NULL AND NOT coalesce(s.psychiatric, false) AND s.stay_end - s.stay_start < %L::interval',
		   ctx #>> '{options,short_admission}'))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_short_admissions(jsonb) IS
	'Rows builder of sa_acute_short_admissions (yearly, by municipality of residence)';

-- indicator_values: every computed indicator's rows (its builder, called
-- once per builder), monthly rows rolled up exactly to quarters and years,
-- with names, values, intervals and the gate that decides who sees a row.
-- A years or currency value (loaded figures) is total / n, a count's is
-- total, without an interval.  A days numerator is shown to 6 decimals of a day; a quarter's or year's is
-- the sum of its months' as shown, so that they add up exactly (the value
-- and interval come from the exact seconds).  The sums of squares are
-- added as numeric, so that no figure depends on the order in which the
-- rows arrive (on Citus, the order the workers answer in).
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
       m.municipality, kvalitet.rollup(m.p), sum(m.total), sum(m.total_sq::numeric)::double precision, sum(m.n)::bigint, bool_and(m.complete),
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
                     WHEN 'per_1000' THEN (sd.pr).value
                     WHEN 'count' THEN r.total::double precision
                     ELSE (r.total / nullif(r.n, 0))::double precision END AS value,
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

-- ---------------------------------------------------------------------------
-- The remaining indicators (SPEC 11): the stays' outcome columns, the
-- sources beyond contacts, and their rows builders
-- ---------------------------------------------------------------------------

-- The comments of the per-stay outcome columns (SPEC 11.1, 11.5, 11.6) and
-- of the contacts' death date, for the private and BI stays.
CREATE FUNCTION kvalitet.binding_outcome_column_comments() RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN jsonb_build_object(
	'death_date', 'Death date of the patient (the contact''s own, else the deaths table''s); NULL = alive',
	'next_dominant_diagnosis', 'Dominant diagnosis of the patient''s next admission',
	'preventable_readmitted', 'Readmitted, and the next admission''s dominant diagnosis is in the preventable set (SPEC 11.6)',
	'mortality_index', 'Index stay of the 30-day mortality: an acute admission whose dominant diagnosis is not psychiatric (SPEC 11.1)',
	'days_to_death', 'Local days from the start of the stay to the patient''s death',
	'died_within_window', 'Died on a local day from the stay''s start to start + the mortality window (30 days)',
	'mortality_followup_complete', 'The mortality window after the stay''s start lies within the data',
	'birth_stay', 'The patient''s first stay, starting on the birth date or the day after (SPEC 11.5)',
	'newborn_index', 'A closed birth stay not ending in death: index of the newborn readmissions',
	'newborn_readmitted', 'Newborn index followed within 28 days of its end by an admission with a dominant diagnosis in the newborn set');
COMMENT ON FUNCTION kvalitet.binding_outcome_column_comments() IS
	'Used by kvalitet.bind: the comments of the stays'' outcome columns (mortality, newborn, preventable readmission) and of the contacts'' death date';

-- The sources beyond contacts in kvalitet's terms: one private view
-- src_<input> per source given, its columns named as in
-- kvalitet.binding_fields() (a field not bound is NULL), the patient key of
-- the contacts' type.  Rows are read as they are: the builders check them
-- (kvalitet.loaded_rows_sql, faerdigbehandling_sql, udredning_clock_sql)
-- and input_counts() counts what they reject.
CREATE FUNCTION kvalitet.build_sources(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	src text;
	cols text;
	out text := '';
BEGIN
	FOR src IN SELECT t.key FROM jsonb_each_text(ctx -> 'tables') AS t
			   WHERE t.key IN ('faerdigbehandling', 'chronic_register', 'pathway_markers', 'rkkp_results', 'lup_answers',
							   'population_health', 'costs', 'municipal_referrals')
			   ORDER BY t.key LOOP
		SELECT string_agg(CASE WHEN b.kind = 'key'
							   THEN format('(%s)::%s AS %I', coalesce(ctx -> 'fields' ->> (src || '.' || b.field), 'NULL'), ctx ->> 'key_type', b.field)
							   ELSE format('%s AS %I', coalesce(ctx -> 'fields' ->> (src || '.' || b.field),
											'NULL::' || CASE b.kind WHEN 'double' THEN 'double precision' ELSE b.kind END), b.field) END,
						  ', ' ORDER BY b.n)
		INTO cols
		FROM kvalitet.binding_fields() WITH ORDINALITY AS b(source, field, kind, lpr3, canonical, description, lpr_a, n)
		WHERE b.source = src;
		out := out || format(E'CREATE VIEW %s.%I WITH (security_invoker = true) AS\nSELECT %s\nFROM %s AS c;\n',
							 quote_ident(ctx ->> 'private_schema'), 'src_' || src, cols, ctx #>> ARRAY['tables', src])
			|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.' || quote_ident('src_' || src),
				format('kvalitet: the rows of %s (%s) in kvalitet''s terms, as given', ctx #>> ARRAY['tables', src], src),
				format('(SELECT jsonb_object_agg(b.field, b.description) FROM kvalitet.binding_fields() AS b WHERE b.source = %L)', src));
	END LOOP;
	RETURN nullif(out, '');
END $$;
COMMENT ON FUNCTION kvalitet.build_sources(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private views src_<input> of the sources beyond contacts (færdigbehandling, chronic register, pathway markers, loaded figures), or NULL when none is given';

-- The SQL of a source's rows as the direct functions read them.
CREATE FUNCTION kvalitet.binding_source_query(ctx jsonb, src text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT format('SELECT * FROM %s.%I', quote_ident(ctx ->> 'private_schema'), 'src_' || src)
$$;
COMMENT ON FUNCTION kvalitet.binding_source_query(jsonb, text) IS
	'Used by the rows builders: the query of a source beyond contacts (its private view src_<input>)';

-- mortality_30d_acute by the month the admission started, and
-- sa_newborn_readmissions and sa_preventable_readmissions by the month of
-- discharge, from the stays' outcome columns (one pass over the contacts
-- feeds them all; docs/indicators.md section 12).  The preventable
-- readmissions' index stays are those of patients aged age_min or over.
CREATE FUNCTION kvalitet.build_rows_stay_outcomes(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'mortality_30d_acute'::text, d.month, d.org_level, d.hospital, d.department, d.municipality,
       d.p, NULL::numeric, NULL::double precision, NULL::bigint, d.complete
FROM (SELECT m.month, {org_level}, {org_columns}, kvalitet.rollup(m.p) AS p, bool_and(m.complete) AS complete
      FROM (SELECT s.admission_month AS month, s.hospital, s.department, s.municipality,
                   kvalitet.proportion(coalesce(s.died_within_window, false)) AS p,
                   bool_and(coalesce(s.mortality_followup_complete, false)) AS complete
            FROM {p}.stays AS s
            WHERE s.mortality_index AND 'mortality_30d_acute' = ANY ({codes}::text[])
            GROUP BY 1, 2, 3, 4) AS m
      GROUP BY GROUPING SETS ({grouping_sets})) AS d$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'm', 'month') || jsonb_build_object(
		'codes', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text)))
	|| E'\nUNION ALL\n' ||
	kvalitet.binding_fill($q$SELECT v.code, d.month, d.org_level, d.hospital, d.department, d.municipality,
       v.p, NULL::numeric, NULL::double precision, NULL::bigint, v.complete
FROM (SELECT m.month, {org_level}, {org_columns},
             kvalitet.rollup(m.newborn) AS newborn, coalesce(bool_and(m.newborn_complete), true) AS newborn_complete,
             kvalitet.rollup(m.prev) AS prev, coalesce(bool_and(m.prev_complete), true) AS prev_complete
      FROM (SELECT s.discharge_month AS month, s.hospital, s.department, s.municipality,
                   kvalitet.proportion(coalesce(s.newborn_readmitted, false)) FILTER (WHERE s.newborn_index) AS newborn,
                   bool_and(s.followup_complete) FILTER (WHERE s.newborn_index) AS newborn_complete,
                   kvalitet.proportion(coalesce(s.preventable_readmitted, false)) FILTER (WHERE s.index_stay AND s.age_at_start >= {age_min}) AS prev,
                   bool_and(s.followup_complete) FILTER (WHERE s.index_stay AND s.age_at_start >= {age_min}) AS prev_complete
            FROM {p}.stays AS s
            WHERE s.stay_end IS NOT NULL AND (s.newborn_index OR (s.index_stay AND s.age_at_start >= {age_min}))
            GROUP BY 1, 2, 3, 4) AS m
      GROUP BY GROUPING SETS ({grouping_sets})) AS d
CROSS JOIN LATERAL (VALUES
    ('sa_newborn_readmissions', d.newborn, d.newborn_complete),
    ('sa_preventable_readmissions', d.prev, d.prev_complete)
) AS v(code, p, complete)
WHERE v.code = ANY ({codes}::text[]) AND kvalitet.denominator(v.p) > 0$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'm', 'month') || jsonb_build_object(
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text,
		'codes', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text)))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_stay_outcomes(jsonb) IS
	'Rows builder of mortality_30d_acute (monthly, by month of admission), sa_newborn_readmissions and sa_preventable_readmissions (monthly, by month of discharge), from the stays'' outcome columns';

-- faerdigbehandlingsdage: the days of the færdigbehandling periods
-- (kvalitet.faerdigbehandling_sql: each local day in its own month, days
-- after the data's end not counted) per year, per 1,000 citizens (all
-- ages) of the kommune, and of the region.  A year is complete when the
-- data reach its last day.
CREATE FUNCTION kvalitet.build_rows_faerdigbehandling(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'faerdigbehandlingsdage', 'year', y.year, CASE WHEN GROUPING(y.municipality) = 0 THEN 'municipality' ELSE 'region' END,
       NULL, NULL, y.municipality, NULL, sum(y.days), NULL, sum(y.population)::bigint,
       bool_and(y.year + interval '1 year' - interval '1 day' <= (SELECT max(greatest((f.ready_at AT TIME ZONE {tz})::date, (f.discharged_at AT TIME ZONE {tz})::date))
                                                                 FROM {p}.src_faerdigbehandling AS f
                                                                 WHERE f.kommune IS NOT NULL AND isfinite(f.ready_at)
                                                                   AND (f.discharged_at IS NULL OR (isfinite(f.discharged_at) AND f.discharged_at >= f.ready_at))))
FROM (SELECT coalesce(ev.year, po.year) AS year, coalesce(ev.municipality, po.municipality) AS municipality,
             coalesce(ev.days, 0) AS days, coalesce(po.population, 0) AS population
      FROM (SELECT date_trunc('year', d.month::timestamp)::date AS year, d.kommune AS municipality, sum(d.days) AS days
            FROM ({days_sql}) AS d WHERE d.days > 0 GROUP BY 1, 2) AS ev
      FULL JOIN (SELECT make_date(pp.year, 1, 1) AS year, pp.municipality, sum(pp.count) AS population
                 FROM {p}.population AS pp GROUP BY 1, 2) AS po
        ON po.year = ev.year AND po.municipality = ev.municipality) AS y
WHERE y.year IN (SELECT date_trunc('year', d.month::timestamp)::date FROM ({days_sql}) AS d WHERE d.days > 0)
GROUP BY GROUPING SETS ((y.year), (y.year, y.municipality))
HAVING sum(y.population) > 0$q$,
	kvalitet.binding_vars(ctx) || jsonb_build_object(
		'days_sql', kvalitet.faerdigbehandling_sql(kvalitet.binding_source_query(ctx, 'faerdigbehandling'), NULL,
												   ctx #>> '{options,timezone}')))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_faerdigbehandling(jsonb) IS
	'Rows builder of faerdigbehandlingsdage (yearly, per 1,000 citizens of the kommune and of the region)';

-- acute_admissions_copd_per_1000 and acute_admissions_t2d_per_1000: acute
-- admissions (the stays) with stay_start in year Y of the patients with the
-- disease in Y, per 1,000 of them (SPEC 11.3), over the years of the stays'
-- starts.  The patients: from the chronic register (disease copd /
-- type2_diabetes) when bound, else the proxy over the contacts' diagnoses
-- (kvalitet.chronic_patients_sql, look-back chronic_lookback_years); a proxy
-- year whose look-back reaches before the data is not complete.
CREATE FUNCTION kvalitet.build_rows_chronic(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx);
	register constant boolean := kvalitet.binding_has(ctx, 'chronic_register');
	contacts_q constant text := kvalitet.binding_fill(
		'SELECT c.patient, c.start_at, c.diagnosis FROM {p}.contacts AS c WHERE kvalitet.contact_skip_reason(c.patient, c.start_at, c.end_at) IS NULL', v);
	ill text[] := ARRAY[]::text[];
	d record;
BEGIN
	FOR d IN SELECT * FROM (VALUES ('acute_admissions_copd_per_1000', 'copd'),
								   ('acute_admissions_t2d_per_1000', 'type2_diabetes')) AS t(code, disease)
			 WHERE t.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes')) LOOP
		ill := ill || format('SELECT %L::text AS code, i.patient, i.year FROM (%s) AS i', d.code,
			kvalitet.chronic_patients_sql(contacts_q, CASE WHEN register THEN kvalitet.binding_source_query(ctx, 'chronic_register') END,
										  d.disease, d.disease, coalesce((ctx #>> '{options,chronic_lookback_years}')::integer, 5),
										  ctx #>> '{options,timezone}', '(SELECT span.last_year FROM span)'));
	END LOOP;
	IF cardinality(ill) = 0 THEN
		RETURN 'SELECT NULL::text, NULL::text, NULL::date, NULL::text, NULL::text, NULL::text, NULL::text, NULL::kvalitet.proportion, NULL::numeric, NULL::double precision, NULL::bigint, NULL::boolean WHERE false';
	END IF;
	RETURN kvalitet.binding_fill($q$SELECT y.code, 'year', make_date(y.year, 1, 1), 'region', NULL, NULL, NULL, NULL,
       y.admissions, NULL, y.patients, y.complete
FROM (WITH st AS (SELECT s.patient, extract(year FROM s.stay_start AT TIME ZONE {tz})::integer AS year,
                         s.admission AND coalesce(s.acute, false) AS acute_admission
                  FROM {p}.stays AS s),
           span AS (SELECT min(st.year) AS first_year, max(st.year) AS last_year FROM st),
           ill AS (SELECT DISTINCT i.code, i.patient, i.year FROM ({ill}) AS i, span
                   WHERE i.year BETWEEN span.first_year AND span.last_year),
           adm AS (SELECT st.patient, st.year, count(*) AS n FROM st WHERE st.acute_admission GROUP BY 1, 2)
      SELECT ill.code, ill.year, count(*) AS patients, coalesce(sum(adm.n), 0)::numeric AS admissions,
             {register} OR ill.year - {lookback} + 1 >= min(span.first_year) AS complete
      FROM ill CROSS JOIN span LEFT JOIN adm ON adm.patient = ill.patient AND adm.year = ill.year
      GROUP BY ill.code, ill.year) AS y$q$,
		v || jsonb_build_object('ill', array_to_string(ill, E'\nUNION ALL\n'), 'register', register::text,
								'lookback', (coalesce((ctx #>> '{options,chronic_lookback_years}')::integer, 5))::text));
END $$;
COMMENT ON FUNCTION kvalitet.build_rows_chronic(jsonb) IS
	'Rows builder of acute_admissions_copd_per_1000 and acute_admissions_t2d_per_1000 (yearly, region; chronic register or diagnosis-history proxy)';

-- udredningsret_30d and waiting_time_days: the clocks of
-- kvalitet.udredning_clock_sql over the pathway markers (SPEC 11.4), by the
-- month a clock is counted in (region level: markers carry no unit).
-- waiting_time_days is the mean of the days to assessment of the clocks that
-- ended in the month (udredningsret gives the median and 90th percentile).  A
-- month is complete when its last day + the window lies within the markers.
CREATE FUNCTION kvalitet.build_rows_udredning(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT v.code, c.month, 'region'::text, NULL::text, NULL::text, NULL::text,
       v.p, v.total, v.total_sq, v.n, c.complete
FROM (SELECT c.month, kvalitet.proportion(c.met) AS met,
             sum(c.days::numeric * 86400) FILTER (WHERE c.end_at IS NOT NULL) AS total,
             sum((c.days::double precision * 86400) ^ 2) FILTER (WHERE c.end_at IS NOT NULL) AS total_sq,
             count(*) FILTER (WHERE c.end_at IS NOT NULL) AS n,
             (c.month + interval '1 month' - interval '1 day')::date + {window} <=
                 (SELECT max((m.marked_at AT TIME ZONE {tz})::date) FROM {p}.src_pathway_markers AS m
                  WHERE m.patient IS NOT NULL AND m.pathway_id IS NOT NULL AND isfinite(m.marked_at) AND kvalitet.is_code(m.code)) AS complete
      FROM ({clocks}) AS c
      WHERE c.counted
      GROUP BY c.month) AS c
CROSS JOIN LATERAL (VALUES
    ('udredningsret_30d', c.met, NULL::numeric, NULL::double precision, NULL::bigint),
    ('waiting_time_days', NULL::kvalitet.proportion, c.total, c.total_sq, c.n)
) AS v(code, p, total, total_sq, n)
WHERE v.code = ANY ({codes}::text[]) AND coalesce(kvalitet.denominator(v.p), v.n) > 0$q$,
	kvalitet.binding_vars(ctx) || jsonb_build_object(
		'window', (coalesce((ctx #>> '{options,udredning_window_days}')::integer, 30))::text,
		'codes', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text),
		'clocks', kvalitet.udredning_clock_sql(kvalitet.binding_source_query(ctx, 'pathway_markers'), NULL,
			coalesce((ctx #>> '{options,clinical_counts_as_met}')::boolean, true), ctx #>> '{options,timezone}',
			coalesce((ctx #>> '{options,udredning_window_days}')::integer, 30), 'udredning_start', 'udredning_done', 'udredning_clinical')))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_udredning(jsonb) IS
	'Rows builder of udredningsret_30d and waiting_time_days (monthly, region; pathway markers)';

-- The loaded figures (SPEC 11.8), yearly, region level, from the good rows
-- of kvalitet.loaded_rows_sql (the rejected ones are counted by
-- input_counts()): clinical_standards_met (results meeting their standard,
-- by the year of period_end), patient_experience_positive (positive answers
-- / answers over every survey, unit and question of the year),
-- healthy_life_years (the value of the area named like the region, or of
-- the only area, sex total), cost_per_patient (cost / treated patients of
-- the units; treated NULL = distinct patients with a stay discharged from
-- the unit in the year) and sa_rehabilitation_referrals (per 1,000 citizens,
-- of the region and of each kommune).
CREATE FUNCTION kvalitet.build_rows_loaded(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx) || jsonb_build_object('region_name', quote_literal(ctx #>> '{options,region_name}'));
	codes constant text[] := ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'));
	parts text[] := ARRAY[]::text[];
BEGIN
	IF 'clinical_standards_met' = ANY (codes) THEN
		parts := parts || kvalitet.binding_fill($q$SELECT 'clinical_standards_met', 'year', date_trunc('year', g.period_end::timestamp)::date, 'region', NULL::text, NULL::text, NULL::text,
       kvalitet.proportion(CASE WHEN g.higher_is_better THEN g.numerator::numeric >= g.standard::numeric * g.denominator
                                ELSE g.numerator::numeric <= g.standard::numeric * g.denominator END),
       NULL::numeric, NULL::double precision, NULL::bigint, true
FROM ({src}) AS g WHERE g.reason IS NULL GROUP BY 3$q$, v || jsonb_build_object('src',
			kvalitet.loaded_rows_sql('rkkp_results', kvalitet.binding_source_query(ctx, 'rkkp_results'), NULL)));
	END IF;
	IF 'patient_experience_positive' = ANY (codes) THEN
		parts := parts || kvalitet.binding_fill($q$SELECT 'patient_experience_positive', 'year', make_date(g.year, 1, 1), 'region', NULL::text, NULL::text, NULL::text,
       kvalitet.rollup(kvalitet.proportion(g.positive_answers, g.answers)), NULL::numeric, NULL::double precision, NULL::bigint, true
FROM ({src}) AS g WHERE g.reason IS NULL GROUP BY g.year HAVING sum(g.answers) > 0$q$, v || jsonb_build_object('src',
			kvalitet.loaded_rows_sql('lup_answers', kvalitet.binding_source_query(ctx, 'lup_answers'), NULL)));
	END IF;
	IF 'healthy_life_years' = ANY (codes) THEN
		parts := parts || kvalitet.binding_fill($q$SELECT 'healthy_life_years', 'year', make_date(h.year, 1, 1), 'region', NULL::text, NULL::text, NULL::text,
       NULL::kvalitet.proportion, h.value::numeric, NULL::double precision, 1::bigint, true
FROM (SELECT g.year, coalesce(min(g.value) FILTER (WHERE lower(g.area) = lower({region_name})),
                              CASE WHEN count(DISTINCT g.area) = 1 THEN min(g.value) END) AS value
      FROM ({src}) AS g
      WHERE g.reason IS NULL AND g.measure = 'healthy_life_years' AND coalesce(g.sex, 'total') = 'total'
      GROUP BY g.year) AS h
WHERE h.value IS NOT NULL$q$, v || jsonb_build_object('src',
			kvalitet.loaded_rows_sql('population_health', kvalitet.binding_source_query(ctx, 'population_health'), NULL)));
	END IF;
	IF 'cost_per_patient' = ANY (codes) THEN
		parts := parts || kvalitet.binding_fill($q$SELECT 'cost_per_patient', 'year', make_date(g.year, 1, 1), 'region', NULL::text, NULL::text, NULL::text,
       NULL::kvalitet.proportion, sum(g.cost), NULL::double precision, sum(coalesce(g.treated_patients, t.n, 0))::bigint, true
FROM ({src}) AS g
LEFT JOIN (SELECT extract(year FROM coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::integer AS year,
                  s.discharging_unit AS unit, count(DISTINCT s.patient) AS n
           FROM {p}.stays AS s WHERE s.discharging_unit IS NOT NULL GROUP BY 1, 2) AS t
  ON g.treated_patients IS NULL AND t.year = g.year AND t.unit = g.unit
WHERE g.reason IS NULL
GROUP BY g.year
HAVING sum(coalesce(g.treated_patients, t.n, 0)) > 0$q$, v || jsonb_build_object('src',
			kvalitet.loaded_rows_sql('costs', kvalitet.binding_source_query(ctx, 'costs'), NULL)));
	END IF;
	IF 'sa_rehabilitation_referrals' = ANY (codes) THEN
		parts := parts || kvalitet.binding_fill($q$SELECT 'sa_rehabilitation_referrals', 'year', y.year, (CASE WHEN GROUPING(y.municipality) = 0 THEN 'municipality' ELSE 'region' END)::text,
       NULL::text, NULL::text, y.municipality, NULL::kvalitet.proportion, sum(y.referrals)::numeric, NULL::double precision, sum(y.population)::bigint, true
FROM (SELECT coalesce(ev.year, po.year) AS year, coalesce(ev.municipality, po.municipality) AS municipality,
             coalesce(ev.referrals, 0) AS referrals, coalesce(po.population, 0) AS population
      FROM (SELECT make_date(g.year, 1, 1) AS year, g.kommune AS municipality, sum(g.referrals) AS referrals
            FROM ({src}) AS g WHERE g.reason IS NULL GROUP BY 1, 2) AS ev
      FULL JOIN (SELECT make_date(pp.year, 1, 1) AS year, pp.municipality, sum(pp.count) AS population
                 FROM {p}.population AS pp GROUP BY 1, 2) AS po
        ON po.year = ev.year AND po.municipality = ev.municipality) AS y
WHERE y.year IN (SELECT make_date(g.year, 1, 1) FROM ({src}) AS g WHERE g.reason IS NULL)
GROUP BY GROUPING SETS ((y.year), (y.year, y.municipality))
HAVING sum(y.population) > 0$q$, v || jsonb_build_object('src',
			kvalitet.loaded_rows_sql('municipal_referrals', kvalitet.binding_source_query(ctx, 'municipal_referrals'), NULL)));
	END IF;
	IF cardinality(parts) = 0 THEN
		RETURN 'SELECT NULL::text, NULL::text, NULL::date, NULL::text, NULL::text, NULL::text, NULL::text, NULL::kvalitet.proportion, NULL::numeric, NULL::double precision, NULL::bigint, NULL::boolean WHERE false';
	END IF;
	RETURN array_to_string(parts, E'\nUNION ALL\n');
END $$;
COMMENT ON FUNCTION kvalitet.build_rows_loaded(jsonb) IS
	'Rows builder of the loaded figures: clinical_standards_met, patient_experience_positive, healthy_life_years, cost_per_patient, sa_rehabilitation_referrals (yearly)';
