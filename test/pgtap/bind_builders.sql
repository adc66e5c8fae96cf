-- The builders of kvalitet.bind, each called alone with a hand-made binding
-- context; what the catalogue decides (requires, caveats, builder); the SQL
-- kept as text survives a hostile search_path; and an indicator added the
-- way docs/binding.md section 10 says (one rows builder, one catalogue row).
BEGIN;
SET client_min_messages = warning;
SELECT plan(31);

-- A context as kvalitet.binding_context makes it: contacts with an end,
-- acute and diagnosis, no units, no municipality, no age.
CREATE FUNCTION pg_temp.ctx() RETURNS jsonb LANGUAGE sql AS $$
SELECT jsonb_build_object(
	'target_schema', 'Tap BI', 'private_schema', 'tap_priv', 'preset', 'canonical',
	'tables', jsonb_build_object('contacts', 'tap_src.contacts'),
	'options', jsonb_build_object('timezone', 'Europe/Copenhagen', 'region_name', 'Region', 'private_schema', 'tap_priv',
		'merge_gap', '4 hours', 'min_admission', '12 hours', 'readmission_window', '720 hours',
		'preventable_set', 'preventable_elderly', 'epikrise_deadline', 1, 'short_admission', '24 hours',
		'age_min', 65, 'extra_closed_days', '', 'patient_is_cpr', false),
	'fields', jsonb_build_object('contacts.patient', '(c.patient)::bigint', 'contacts.start_at', 'c.start_at',
		'contacts.end_at', 'c.end_at', 'contacts.acute', 'c.acute', 'contacts.diagnosis', 'c.diagnosis'),
	'key_type', 'bigint',
	'bound', jsonb_build_array('contacts.patient', 'contacts.start_at', 'contacts.end_at', 'contacts.acute', 'contacts.diagnosis'),
	'populate', true)
$$;

-- Named placeholders.
SELECT is(kvalitet.binding_fill('SELECT {a} FROM {b}.t WHERE {a} = ''{x}''', '{"a": "c.x", "b": "s", "x": "{a}"}'),
          'SELECT c.x FROM s.t WHERE c.x = ''{a}''', 'binding_fill fills each placeholder, and not what it filled in');
SELECT throws_ok($$SELECT kvalitet.binding_fill('SELECT {nothing}', '{}')$$, '22023',
                 'kvalitet.binding_fill: no text for placeholder {nothing}', 'a placeholder without a text is an error');

-- The status: the catalogue's requires and caveats.
SELECT is((SELECT e FROM jsonb_array_elements(kvalitet.binding_status(pg_temp.ctx()) -> 'status') AS e
           WHERE e ->> 'code' = 'readmission_30d'),
          '{"code": "readmission_30d", "computed": true, "note": "contacts.died not bound: stays ended by death are not recognised"}'::jsonb,
          'readmission_30d is computed, with the caveat of its unbound input');
SELECT is((SELECT e ->> 'note' FROM jsonb_array_elements(kvalitet.binding_status(pg_temp.ctx()) -> 'status') AS e
           WHERE e ->> 'code' = 'preventable_admissions_65_per_1000'),
          'missing input: age (contacts.birth_date, persons.birth_date, or a CPR number as patient), contacts.municipality, population (municipality, year, age_band, count)',
          'a missing input is named in the order of requires');
SELECT is(kvalitet.binding_status(pg_temp.ctx()) -> 'codes',
          '["acute_admissions_copd_per_1000", "acute_admissions_t2d_per_1000", "mean_length_of_stay", "readmission_30d"]'::jsonb,
          'codes lists what is computed');
SELECT is((SELECT e ->> 'note' FROM jsonb_array_elements(kvalitet.binding_status(pg_temp.ctx()) -> 'status') AS e
           WHERE e ->> 'code' = 'healthy_life_years'),
          'missing input: population_health (year, area, sex, measure, value)', 'a loaded figure without its table is not computed');

-- Object builders, one at a time.
SELECT is(kvalitet.build_contacts(pg_temp.ctx()),
$$CREATE VIEW tap_priv.contacts WITH (security_invoker = true) AS
SELECT k.patient, k.start_at, k.end_at, k.acute, k.diagnosis AS diagnosis, NULL::boolean AS died, k.index_eligible, k.unit, k.municipality,
       k.own_birth AS birth_date, k.death_date AS death_date
FROM (SELECT (c.patient)::bigint AS patient, c.start_at AS start_at, c.end_at AS end_at, c.acute AS acute, c.diagnosis AS diagnosis,
             NULL::boolean AS own_died, NULL::date AS death_date, NULL::text AS episode, NULL::text AS contact_key,
             true AS index_eligible, NULL::text AS unit, NULL::text AS municipality, NULL::date AS own_birth
      FROM tap_src.contacts AS c) AS k;
SELECT kvalitet.binding_comment('tap_priv.contacts'::pg_catalog.regclass, 'kvalitet: the rows of tap_src.contacts that form stays, in kvalitet''s terms', kvalitet.binding_column_comments() || kvalitet.binding_outcome_column_comments());
$$, 'build_contacts: the contacts view, unbound fields as typed NULLs, and its comments');
SELECT ok(kvalitet.build_schemas(pg_temp.ctx()) LIKE E'CREATE SCHEMA IF NOT EXISTS "Tap BI";\nCREATE SCHEMA IF NOT EXISTS tap_priv;\n%',
          'build_schemas quotes the schema names');
SELECT is(kvalitet.build_org_units(pg_temp.ctx()), NULL, 'build_org_units: nothing without a units table');
SELECT is(kvalitet.build_epikriser(pg_temp.ctx()), NULL, 'build_epikriser: nothing without epikriser');
SELECT is(kvalitet.build_epikrise_monthly(pg_temp.ctx()), NULL, 'build_epikrise_monthly: nothing without epikriser');
SELECT is(kvalitet.build_population(pg_temp.ctx()), NULL, 'build_population: nothing without a population');
SELECT ok(kvalitet.build_stays(pg_temp.ctx()) LIKE
          '%kvalitet.stays_full(''SELECT c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, c.index_eligible, c.unit AS unit, c.death_date, NULL::date AS birth_date FROM tap_priv.contacts AS c WHERE kvalitet.contact_skip_reason(c.patient, c.start_at, c.end_at) IS NULL'', NULL::bigint,%kvalitet.stay_rules(time_zone => ''Europe/Copenhagen'', %',
          'build_stays: the query kvalitet.stays parses at each refresh qualifies every function and operator');
SELECT ok(kvalitet.build_stays(pg_temp.ctx() || '{"contacts_distributed": true, "stays_colocate_with": "tap_src.contacts"}') LIKE
          E'CREATE TABLE tap_priv.stays AS\nSELECT %kvalitet.patient_stays(c.patient, %NULL::timestamptz%GROUP BY c.patient) AS q%WITH NO DATA;\n'
          || E'CREATE UNIQUE INDEX stays_patient_stay_no ON tap_priv.stays (patient, stay_no);\n'
          || E'SELECT pg_catalog.create_distributed_table(''tap_priv.stays'', ''patient'', colocate_with => ''tap_src.contacts'');\n'
          || 'CREATE FUNCTION tap_priv.fill_stays() RETURNS bigint%SECURITY DEFINER%DELETE FROM tap_priv.stays;%'
          || 'EXECUTE pg_catalog.replace(''''INSERT INTO tap_priv.stays SELECT %@data_end@%kvalitet.binding_data_end(%'
          || E'REVOKE ALL ON FUNCTION tap_priv.fill_stays() FROM PUBLIC;%\nSELECT tap_priv.fill_stays();\n%',
          'build_stays over contacts distributed on Citus: a table co-located with the contacts, its index made first, filled by fill_stays() with the data end as a constant');
SELECT ok(kvalitet.build_stays(pg_temp.ctx()) LIKE 'CREATE MATERIALIZED VIEW tap_priv.stays AS%'
          AND kvalitet.build_stays(pg_temp.ctx()) NOT LIKE '%patient_stays%' AND kvalitet.build_stays(pg_temp.ctx()) NOT LIKE '%fill_stays%',
          'build_stays over a plain table: a materialized view over kvalitet.stays only');
SELECT ok(kvalitet.build_bi_stays(pg_temp.ctx() || '{"contacts_distributed": true}') LIKE
          '%CREATE FUNCTION tap_priv.visible_stays(region boolean, units text[])%SECURITY DEFINER%REVOKE ALL ON FUNCTION tap_priv.visible_stays(boolean, text[]) FROM PUBLIC;%'
          || 'FROM tap_priv.visible_stays(EXISTS (SELECT 1 FROM tap_priv.visible_org AS g WHERE g.gate = ''region''), ''{}''::text[]) AS s;%',
          'build_bi_stays on Citus: the BI view reads through visible_stays, with the gates the reader passes');
SELECT ok(kvalitet.build_bi_stays(pg_temp.ctx()) NOT LIKE '%visible_stays%',
          'build_bi_stays on one node: the BI view reads the stays itself');
SELECT ok(kvalitet.build_epikrise_monthly(pg_temp.ctx() || '{"bound": ["epikriser"]}') LIKE
          '%SET search_path = pg_catalog, pg_temp%kvalitet.epikrise_timeliness(e.discharged_at, CASE WHEN kvalitet.epikrise_sent_unknown(e.sent_at, ''''Europe/Copenhagen'''') IS NULL THEN e.sent_at END,%1, ''''Europe/Copenhagen'''', '''''''')%kvalitet.epikrise_deadline(max(e.discharged_at), 1, ''''Europe/Copenhagen'''', '''''''')%',
          'build_epikrise_monthly pins the time zone, the closing days (in the calls, so Citus workers use them too) and the search_path');
SELECT ok(kvalitet.build_rows_discharges(pg_temp.ctx() || '{"codes": ["readmission_30d"]}') LIKE
          '%FROM tap_priv.stays AS s%GROUP BY 1, 2, 3, 4) AS m%GROUP BY GROUPING SETS ((m.month))) AS d%WHERE v.code = ANY (''{readmission_30d}''::text[])%',
          'build_rows_discharges: by month and finest unit, then region level only without units or municipality; its codes');
SELECT ok(kvalitet.build_bi_indicator_values(pg_temp.ctx()) LIKE '%v.ci_upper, v.followup_complete%FROM tap_priv.indicator_values AS v%',
          'build_bi_indicator_values: followup_complete, one spelling');
SELECT is(kvalitet.build_grants('Tap BI', 'no_such_schema', 'a role'),
$$GRANT USAGE ON SCHEMA "Tap BI" TO "a role";
GRANT SELECT ON "Tap BI".stays, "Tap BI".indicator_values, "Tap BI".goal_overview, "Tap BI".status TO "a role";
$$, 'build_grants: usage on the target schema, select on its views');
SELECT is((SELECT array_agg(object ORDER BY step) FROM kvalitet.binding_script(pg_temp.ctx() || kvalitet.binding_status(pg_temp.ctx()))),
          ARRAY['schemas', 'tap_priv.contacts', 'tap_priv.stays', 'tap_priv.indicator_values', 'tap_priv.visible_org',
                '"Tap BI".stays', '"Tap BI".indicator_values', '"Tap BI".run_charts', '"Tap BI".goal_overview', '"Tap BI".status',
                'tap_priv.input_counts()'],
          'binding_script: the steps in order, those without an object left out');

-- The SQL kept as text is safe from the refreshing session's search_path:
-- a schema ahead of pg_catalog with its own isfinite, >= and date_trunc
-- changes nothing.
CREATE SCHEMA tap_src;
CREATE TABLE tap_src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text);
INSERT INTO tap_src.contacts VALUES
(1, '2025-03-01 10:00+00', '2025-03-03 10:00+00', true, 'DI219'),
(1, '2025-03-08 10:00+00', '2025-03-09 10:00+00', true, 'DJ189'),
(2, '2025-03-10 10:00+00', '2025-03-12 10:00+00', false, 'DI219');
CREATE TABLE tap_src.letters (patient bigint, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO tap_src.letters VALUES (1, '2025-03-03 10:00+00', '2025-03-04 09:00+00');
SELECT is((SELECT count(*) FROM kvalitet.bind('tapbi', 'tap_src.contacts', epikriser => 'tap_src.letters') WHERE computed),
          5::bigint, 'bind: five indicators from contacts and letters (two by proxy)');
CREATE SCHEMA tap_evil;
CREATE FUNCTION tap_evil.isfinite(timestamptz) RETURNS boolean LANGUAGE sql RETURN false;
CREATE FUNCTION tap_evil.never(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql RETURN false;
CREATE OPERATOR tap_evil.>= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = tap_evil.never);
CREATE FUNCTION tap_evil.date_trunc(text, timestamp) RETURNS timestamp LANGUAGE sql RETURN timestamp '1900-01-01';
SET LOCAL search_path = tap_evil, pg_catalog, public;
-- (kvalitet.refresh pins its own search_path: refresh directly.)
SELECT lives_ok('REFRESH MATERIALIZED VIEW tapbi_private.stays; REFRESH MATERIALIZED VIEW tapbi_private.indicator_values',
                'a plain refresh under a hostile search_path');
SELECT is((SELECT count(*) FROM tapbi.stays), 3::bigint, 'the stays are all there');
SELECT is((SELECT numerator || '/' || denominator FROM tapbi.indicator_values
           WHERE indicator_code = 'epikrise_timely' AND period_type = 'month' AND period_label = '2025-03'),
          '1/1', 'the letters keep their month');
RESET search_path;
SELECT lives_ok($$SELECT kvalitet.bind('tapbi2', 'tap_src.contacts', epikriser => 'tap_src.letters',
                                       options => '{"private_schema": "tap$f$priv"}')$$,
                'a private schema whose name holds a dollar quote');

-- Adding an indicator (docs/binding.md section 10): the share of closed
-- admissions that were acute, by month of discharge.
CREATE FUNCTION tap_src.build_rows_acute_share(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'acute_share'::text, d.month, d.org_level, d.hospital, d.department, d.municipality,
       d.p, NULL::numeric, NULL::double precision, NULL::bigint, true
FROM (SELECT s.discharge_month AS month, {org_level}, {org_columns}, kvalitet.proportion(s.acute) AS p
      FROM {p}.stays AS s
      WHERE s.admission AND s.stay_end IS NOT NULL
      GROUP BY GROUPING SETS ({grouping_sets})) AS d$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 's', 'discharge_month'))
$$;
INSERT INTO kvalitet.indicator (code, goal_no, name_da, name_en, unit, lower_is_better, inputs, definition,
                                computed_by_bind, requires, builder, grain)
VALUES ('acute_share', 8, 'Andel akutte indlæggelser', 'Share of acute admissions', 'proportion', true,
        ARRAY['contacts'], 'Closed acute admissions / closed admissions; by month and unit of discharge',
        true, ARRAY['contacts.end_at', 'contacts.acute'], 'tap_src.build_rows_acute_share', 'month');
SELECT is((SELECT note FROM kvalitet.bind('tapbi', 'tap_src.contacts', replace => true) WHERE indicator_code = 'acute_share' AND computed),
          NULL, 'a new indicator: computed');
SELECT is((SELECT numerator || '/' || denominator FROM tapbi.indicator_values
           WHERE indicator_code = 'acute_share' AND period_type = 'year' AND org_level = 'region'),
          '2/3', 'its rows, rolled up to the year');
SELECT is((SELECT count(*) FROM tapbi.goal_overview WHERE indicator_code = 'acute_share'), 3::bigint,
          'it is in the goal overview (month, quarter, year)');
SELECT is((SELECT note FROM kvalitet.bind('tapbi', 'tap_src.contacts', mapping => '{"contacts": {"acute": null}}', replace => true)
           WHERE indicator_code = 'acute_share'),
          'missing input: contacts.acute', 'and says which input it misses');

SELECT * FROM finish();
ROLLBACK;
