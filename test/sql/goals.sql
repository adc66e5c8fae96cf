-- The national goals: the catalogue, kvalitet.bind with the canonical and
-- lpr3 presets and an explicit mapping, the generated views, missing
-- inputs, refresh and unbind.  Data: the worked examples of the rule set
-- (docs/indicators.md), all in March-April 2025; expected figures are
-- worked out by hand in the comments.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- The catalogue: 8 goals, every indicator of the rule set (docs/binding.md section 1).
SELECT goal_no, name_da, name_en FROM kvalitet.goal ORDER BY goal_no;
SELECT coalesce(goal_no::text, 'sundhedsaftale') AS goal, code, unit, lower_is_better AS lower_better,
       computed_by_bind AS bind, array_to_string(inputs, ',') AS inputs
FROM kvalitet.indicator ORDER BY goal_no NULLS LAST, code;
SELECT code FROM (VALUES ('readmission_30d'), ('epikrise_timely'), ('faerdigbehandlingsdage'),
    ('preventable_admissions_65'), ('preventable_admissions_65_per_1000'), ('acute_admissions_copd_per_1000'),
    ('acute_admissions_t2d_per_1000'), ('mortality_30d_acute'), ('clinical_standards_met'), ('udredningsret_30d'),
    ('waiting_time_days'), ('patient_experience_positive'), ('healthy_life_years'), ('mean_length_of_stay'),
    ('cost_per_patient'), ('sa_preventable_readmissions'), ('sa_preventable_admissions'),
    ('sa_newborn_readmissions'), ('sa_acute_short_admissions'), ('sa_rehabilitation_referrals')) AS spec(code)
EXCEPT SELECT code FROM kvalitet.indicator;

-- cpr_is_valid agrees with cpr_birth_date on every day 00-32, month 00-13,
-- the century edges of the year and every 7th digit: no valid-looking number
-- makes cpr_birth_date raise, and no number it accepts is called invalid.
CREATE FUNCTION pg_temp.accepts(cpr text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kvalitet.cpr_birth_date(cpr);
	RETURN true;
EXCEPTION WHEN invalid_text_representation THEN
	RETURN false;
END $$;
SELECT count(*) AS numbers, count(*) FILTER (WHERE kvalitet.cpr_is_valid(n)) AS valid,
       count(*) FILTER (WHERE kvalitet.cpr_is_valid(n) <> pg_temp.accepts(n)) AS disagree
FROM (SELECT lpad(d::text, 2, '0') || lpad(m::text, 2, '0') || lpad(y::text, 2, '0') || '-' || s || '123' AS n
      FROM generate_series(0, 32) d, generate_series(0, 13) m,
           unnest(ARRAY[0, 1, 4, 36, 37, 57, 58, 96, 99]) y, generate_series(0, 9) s) AS t;
SELECT n, kvalitet.cpr_is_valid(n) FROM unnest(ARRAY['290200-0123', '290200-4123', '290200-5123', '2902001234',
    '290201-4123', '010190-123', '010190 1234', '0101901-234', 'x10190-1234', '']) AS n;

-- The worked examples, canonical column names.  Patients 1-4 are in unit A1
-- (hospital H1, Medicin), 5-8 in B1 (H2, Kirurgi); odd patients live in
-- municipality 751, even ones in 101; patients 1-4 were born in 1950, 5-8 in 1990.
CREATE SCHEMA src;
CREATE TABLE src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                           diagnosis text, died boolean, unit text, municipality text, birth_date date);
\set worked_examples src.contacts
\i test/fixtures/worked_examples.sql
UPDATE src.contacts SET unit = CASE WHEN patient <= 4 THEN 'A1' ELSE 'B1' END,
                        municipality = CASE WHEN patient % 2 = 1 THEN '751' ELSE '101' END,
                        birth_date = CASE WHEN patient <= 4 THEN date '1950-06-01' ELSE date '1990-06-01' END;
CREATE TABLE src.units (unit text, hospital text, department text);
INSERT INTO src.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Kirurgi');
-- Letters: 1 discharged Wed 5 Mar 12:00, sent Thu: timely; 2 discharged Sun 2 Mar,
-- sent Mon: timely; 4 discharged Fri 7 Mar, sent Tue 11 Mar: late (Monday was
-- the deadline); 5 discharged 12 Mar, never sent; 2 discharged Wed 2 Apr, sent
-- the same day: timely.  March 2/4 (H1 2/3, H2 0/1), April 1/1.
CREATE TABLE src.letters (patient bigint, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO src.letters VALUES
(1, '2025-03-05 12:00', '2025-03-06 10:00'),
(2, '2025-03-02 10:00', '2025-03-03 15:00'),
(4, '2025-03-07 10:00', '2025-03-11 09:00'),
(5, '2025-03-12 10:00', NULL),
(2, '2025-04-02 10:00', '2025-04-02 12:00');
-- Citizens 65+: 751: 400 in 2025; 101: 600 in 2025.
CREATE TABLE src.population (municipality text, year integer, age_band text, sex text, count integer);
INSERT INTO src.population VALUES ('751', 2025, '65-69', 'M', 150), ('751', 2025, '95+', 'K', 250),
    ('751', 2025, '60-64', 'M', 999), ('101', 2025, '70-74', 'K', 600);

SELECT * FROM kvalitet.bind('bi', 'src.contacts', 'canonical', units => 'src.units', epikriser => 'src.letters',
                            population => 'src.population')
ORDER BY computed DESC, indicator_code;

-- The per-stay relation: 19 contacts, 16 stays (patient 1's two contacts join,
-- and so do patient 6's last two); patient 5's 3-hour stay is no admission.
SELECT patient, stay_no, stay_start, stay_end, admission AS adm, acute, dominant_diagnosis AS dom,
       hospital, department AS dept, municipality AS mun, index_stay AS idx, readmitted AS readm,
       followup_complete AS fu, age_at_start AS age, round(length_of_stay_days::numeric, 4) AS days,
       admission_month, discharge_month
FROM bi.stays ORDER BY patient, stay_no;

-- Readmissions: March 3/11 (H1 2/6, H2 1/5; 751 1/5, 101 2/6), April 0/2
-- (patients 2 and 3), year 3/13; follow-up is complete only for windows that
-- end by the last start (1 Apr 10:00:01), so March is not complete.
-- Preventable 65+ (patients 1-4): March 1/3, April 2/2.  Length of stay: March
-- 13 admissions, 394 h = 16.416667 days; April 24 h + 23:59:59 = 1.999988 days.
-- Short acute admissions: patient 3's 23:59:59, 1 of 12.  Per 1,000 65+:
-- 3 events / 1000 citizens in 2025 (751: 1 of 400, 101: 2 of 600).
SELECT indicator_code, period_label, org_level, org_unit, numerator, denominator,
       round(value::numeric, 6) AS value, round(ci_lower::numeric, 4) AS lower, round(ci_upper::numeric, 4) AS upper,
       followup_complete AS complete
FROM bi.indicator_values
WHERE period_type IN ('month', 'year')
ORDER BY indicator_code, period_type, period_start, org_level, org_unit;

-- Quarters and years are exact sums of the months.
SELECT v.indicator_code, v.period_type, v.org_unit
FROM bi_private.indicator_values AS v
WHERE v.period_type <> 'month'
  AND v.proportion::text IS DISTINCT FROM (
      SELECT kvalitet.rollup(m.proportion)::text FROM bi_private.indicator_values AS m
      WHERE m.indicator_code = v.indicator_code AND m.org_level = v.org_level AND m.org_unit = v.org_unit
        AND m.period_type = 'month' AND m.period_start BETWEEN v.period_start AND v.period_end)
  AND v.measure = 'proportion';

-- The same figures from direct calls of the aggregates: the readmission
-- rate per month of discharge (index_eligible = discharged that month) and per
-- hospital, the preventable share of the 65+ contacts, the letters.
SELECT m AS month,
       kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died,
                                 end_at >= m AND end_at < m + interval '1 month', kvalitet.stay_rules()) AS direct,
       (SELECT numerator || '/' || denominator FROM bi.indicator_values
        WHERE indicator_code = 'readmission_30d' AND org_level = 'region' AND period_type = 'month'
          AND period_start = (m AT TIME ZONE 'Europe/Copenhagen')::date) AS bound
FROM src.contacts, (VALUES (timestamptz '2025-03-01 00:00+01'), ('2025-04-01 00:00+02')) AS months(m)
GROUP BY m ORDER BY m;
SELECT u.hospital,
       kvalitet.readmission_rate(c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, c.unit = u.unit) AS direct,
       (SELECT numerator || '/' || denominator FROM bi.indicator_values
        WHERE indicator_code = 'readmission_30d' AND org_level = 'hospital' AND org_unit = u.hospital AND period_type = 'year') AS bound
FROM src.contacts AS c, src.units AS u GROUP BY u.hospital ORDER BY 1;
SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis)
           FILTER (WHERE extract(year FROM age(start_at::date, birth_date)) >= 65) AS direct,
       (SELECT numerator || '/' || denominator FROM bi.indicator_values
        WHERE indicator_code = 'preventable_admissions_65' AND org_level = 'region' AND period_type = 'year') AS bound
FROM src.contacts;
SET kvalitet.timezone = 'Europe/Copenhagen';
SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at) AS direct,
       (SELECT numerator || '/' || denominator FROM bi.indicator_values
        WHERE indicator_code = 'epikrise_timely' AND org_level = 'region' AND period_type = 'year') AS bound
FROM src.letters;
RESET kvalitet.timezone;

-- The goal overview: latest yearly values at region level, and the monthly
-- change (March to April) for the region.
SELECT goal_no, indicator_code, period_label, round(value::numeric, 4) AS value, direction,
       previous_period_label AS prev, round(previous_value::numeric, 4) AS prev_value,
       round(change::numeric, 4) AS change, improved
FROM bi.goal_overview
WHERE org_level = 'region' AND (period_type = 'year' OR (period_type = 'month' AND is_latest))
ORDER BY goal_no, indicator_code, period_type DESC;

-- is_latest is one period per indicator and period type, at every org level
-- (a unit without figures in it has no latest row), so a BI filter on it
-- compares like with like.
SELECT indicator_code, period_type, count(DISTINCT period_start) AS latest_periods
FROM bi.goal_overview WHERE is_latest
GROUP BY 1, 2 HAVING count(DISTINCT period_start) <> 1;
SELECT count(*) FILTER (WHERE is_latest) AS latest_rows, count(DISTINCT org_unit) FILTER (WHERE is_latest) AS units
FROM bi.goal_overview WHERE indicator_code = 'readmission_30d' AND period_type = 'month';

SELECT indicator_code, computed, note FROM bi.status ORDER BY computed DESC, indicator_code;

-- Every generated view and column is commented; BI reads plain types only.
SELECT c.relname, a.attname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
WHERE n.nspname IN ('bi', 'bi_private')
  AND (col_description(c.oid, a.attnum) IS NULL OR obj_description(c.oid, 'pg_class') IS NULL)
  AND c.relkind IN ('v', 'm');
SELECT DISTINCT format_type(a.atttypid, a.atttypmod) AS bi_column_types
FROM pg_attribute a WHERE a.attrelid IN ('bi.stays'::regclass, 'bi.indicator_values'::regclass,
                                         'bi.goal_overview'::regclass, 'bi.status'::regclass)
  AND a.attnum > 0 ORDER BY 1;
SELECT c.relname, c.relkind, (SELECT reloptions FROM pg_class WHERE oid = c.oid) AS options
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('bi', 'bi_private') AND c.relkind IN ('v', 'm') ORDER BY n.nspname, c.relname;

-- Refresh: in dependency order, concurrently, logged.
SELECT relation, refreshed_concurrently FROM kvalitet.refresh('bi');
SELECT relation, refreshed_concurrently FROM kvalitet.refresh('bi', concurrent => false);
SELECT relation, concurrent, seconds >= 0 AS timed FROM kvalitet.refresh_log WHERE schema_name = 'bi' ORDER BY id;
SELECT count(*) AS stays_after_refresh FROM bi.stays;

-- Only contacts, with LPR3 column names: the indicators that need other
-- inputs are left out and say so; no error.  CPR numbers give the ages
-- (1-4 born 1 June 1950, 5-8 1990); virtual contacts (ALCA03) are left out.
CREATE TABLE src.kontakter AS
SELECT CASE WHEN patient <= 4 THEN '0106500' ELSE '0106900' END || patient || '23' AS cpr,
       (start_at AT TIME ZONE 'Europe/Copenhagen')::date AS dato_start,
       (start_at AT TIME ZONE 'Europe/Copenhagen')::time AS tidspunkt_start,
       (end_at AT TIME ZONE 'Europe/Copenhagen')::date AS dato_slut,
       (end_at AT TIME ZONE 'Europe/Copenhagen')::time AS tidspunkt_slut,
       'ALCA00'::text AS kontakttype, CASE WHEN acute THEN 'ATA1' ELSE 'ATA3' END AS prioritet,
       diagnosis AS aktionsdiagnose, unit AS sorenhed_ans, died, municipality AS kommunekode
FROM src.contacts;
INSERT INTO src.kontakter VALUES ('0106500123', '2025-03-20', '10:00', '2025-03-22', '10:00', 'ALCA03', 'ATA1', 'DJ189', 'A1', false, '101');
SELECT cpr, kvalitet.cpr_is_valid(cpr) AS valid, kvalitet.cpr_age(cpr, '2025-03-01') AS age FROM src.kontakter
WHERE aktionsdiagnose = 'DI219' AND kontakttype = 'ALCA00' ORDER BY 1 LIMIT 3;
SELECT * FROM kvalitet.bind('lpr', 'src.kontakter', 'lpr3') ORDER BY computed DESC, indicator_code;
SELECT indicator_code, period_label, org_level, org_unit, numerator, denominator
FROM lpr.indicator_values WHERE period_type = 'year' ORDER BY 1, 3, 4;
SELECT count(*) AS stays, count(age_at_start) AS with_age, min(age_at_start), max(age_at_start) FROM lpr.stays;
SELECT preset, options ->> 'patient_is_cpr' AS cpr, sources -> 'contacts' ->> 'start_at' AS start_at,
       sources -> 'contacts' ->> 'filter' AS filter
FROM kvalitet.binding WHERE schema_name = 'lpr';

-- An explicit mapping: other column names, local timestamps, a text flag,
-- and a filter; the same readmissions (3/13).
CREATE TABLE src.encounters AS
SELECT patient * 10 AS person, start_at AT TIME ZONE 'Europe/Copenhagen' AS arrived,
       end_at AT TIME ZONE 'Europe/Copenhagen' AS departed, CASE WHEN acute THEN 'Y' ELSE 'N' END AS urgent,
       diagnosis AS dx, died AS deceased, unit AS ward, 'physical'::text AS kind
FROM src.contacts;
INSERT INTO src.encounters VALUES (10, '2025-03-20 10:00', '2025-03-22 10:00', 'Y', 'DJ189', false, 'A1', 'video');
SELECT indicator_code, computed FROM kvalitet.bind('mapped', 'src.encounters', 'none',
    mapping => '{"contacts": {"patient": "person", "start_at": "arrived", "end_at": "departed",
                              "acute": "urgent = ''Y''", "diagnosis": "dx", "died": "deceased",
                              "unit": "ward", "filter": "kind = ''physical''"}}',
    options => '{"region_name": "Testregion", "private_schema": "mapped_mv"}')
WHERE computed ORDER BY 1;
SELECT indicator_code, period_label, org_unit, numerator, denominator FROM mapped.indicator_values
WHERE period_type = 'year' AND indicator_code = 'readmission_30d';

-- Patient keys of other types (integer, varchar) are read as bigint and
-- text; the per-stay relation has the same stays and flags.
CREATE TABLE src.int_contacts AS
SELECT patient::integer AS patient, start_at, end_at, acute, diagnosis, died FROM src.contacts;
CREATE TABLE src.varchar_contacts AS
SELECT ('p' || patient)::varchar(10) AS patient, start_at, end_at, acute, diagnosis, died FROM src.contacts;
SELECT count(*) > 0 AS bound FROM kvalitet.bind('intkeys', 'src.int_contacts', 'canonical');
SELECT count(*) > 0 AS bound FROM kvalitet.bind('vckeys', 'src.varchar_contacts', 'canonical');
SELECT k.keys, k.patient_type, k.stays, k.readmitted_of_index,
       k.readmitted_of_index = (SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)::text
                                FROM src.contacts) AS same_as_direct
FROM (SELECT 'integer' AS keys, (SELECT pg_typeof(patient)::text FROM intkeys.stays LIMIT 1) AS patient_type,
             count(*) AS stays, count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS readmitted_of_index
      FROM intkeys.stays
      UNION ALL
      SELECT 'varchar', (SELECT pg_typeof(patient)::text FROM vckeys.stays LIMIT 1),
             count(*), count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay)
      FROM vckeys.stays) AS k
ORDER BY 1;
SELECT kvalitet.unbind('intkeys');
SELECT kvalitet.unbind('vckeys');

-- Mistakes are errors with a hint.
SELECT kvalitet.bind('bi', 'src.contacts');
SELECT kvalitet.bind('x', 'src.contacts', 'sas');
SELECT kvalitet.bind('x', 'src.contacts', options => '{"time_zone": "UTC"}');
SELECT kvalitet.bind('x', 'src.contacts', mapping => '{"contacts": {"patiant": "patient"}}');
SELECT kvalitet.bind('x', 'src.contacts', mapping => '{"contacts": {"start_at": "start_at +"}}');
SELECT kvalitet.bind('x', 'src.contacts', mapping => '{"contacts": {"acute": "diagnosis"}}');
SELECT kvalitet.bind('x', 'src.units');
SELECT kvalitet.refresh('nothing_here');
SELECT count(*) AS no_leftovers FROM pg_namespace WHERE nspname IN ('x', 'x_private');

-- Rebinding replaces; unbind drops the generated objects, not the data.
SELECT count(*) FROM kvalitet.bind('bi', 'src.contacts', replace => true);
SELECT count(*) AS values_without_units FROM bi.indicator_values WHERE org_level IN ('hospital', 'department');
SELECT kvalitet.unbind('bi');
SELECT kvalitet.unbind('lpr');
SELECT kvalitet.unbind('mapped');
SELECT nspname FROM pg_namespace WHERE nspname IN ('bi', 'bi_private', 'lpr_private', 'mapped_mv') ORDER BY 1;
SELECT count(*) AS bindings FROM kvalitet.binding;
SELECT count(*) AS contacts_kept FROM src.contacts;
DROP SCHEMA src, bi, lpr, mapped CASCADE;
