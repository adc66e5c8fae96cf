-- Every national goal with figures (SPEC 11, issue 14): kvalitet.bind with
-- every optional source (deaths, persons' birth dates, færdigbehandling
-- periods, a chronic register, pathway markers and the five loaded-figure
-- tables), and each bound figure against the direct function or aggregate
-- over the same rows.  Every comparison prints the rows that differ: none.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE SCHEMA g;
-- 300 patients: 1-30 newborns (born 2024-01-02 + 3 weeks each, first stay on
-- the birth date, some readmitted with neonatal jaundice), 31-200 born
-- 1940-1954 (65+), 201-300 born 1970-1989; 1-4 contacts each over 2024-2025.
CREATE TABLE g.persons (patient bigint, birth_date date);
INSERT INTO g.persons
SELECT p, CASE WHEN p <= 30 THEN date '2024-01-02' + p * 21
               WHEN p <= 200 THEN make_date(1940 + p % 15, 1 + p % 12, 1 + p % 28)
               ELSE make_date(1970 + p % 20, 1 + p % 12, 1 + p % 28) END
FROM generate_series(1, 300) AS p;
CREATE TABLE g.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text,
                         died boolean, unit text, municipality text);
INSERT INTO g.contacts
SELECT p.patient,
       CASE WHEN p.patient <= 30 AND k = 1 THEN (p.birth_date + time '06:00') AT TIME ZONE 'Europe/Copenhagen'
            WHEN p.patient <= 30 THEN (p.birth_date + 4 + ((p.patient * k) % 30)::integer + time '09:00') AT TIME ZONE 'Europe/Copenhagen'
            ELSE timestamptz '2024-01-03 08:00+01' + ((p.patient * 37 + k * 53) % 700) * interval '1 day' + ((p.patient * k) % 24) * interval '1 hour' END,
       NULL, (p.patient + k) % 3 <> 0 OR p.patient <= 30,
       CASE WHEN p.patient <= 30 AND k > 1 THEN (ARRAY['DP59', 'DE86', 'DJ18'])[1 + (p.patient + k) % 3]
            ELSE (ARRAY['DJ44', 'DE11', 'DI21', 'DE86', 'DJ18', 'DF32', 'DS72', 'DJ189'])[1 + (p.patient * k) % 8] END,
       p.patient % 41 = 0 AND k = 2, CASE WHEN p.patient % 2 = 0 THEN 'A1' ELSE 'B1' END,
       CASE WHEN p.patient % 3 = 0 THEN '101' ELSE '751' END
FROM g.persons AS p CROSS JOIN generate_series(1, 1 + p.patient % 4) AS k
WHERE p.patient > 30 OR k <= 2;
-- Every 4th elderly patient is readmitted acutely 12 days after its first
-- contact, with a preventable (DJ18, DE86) or another diagnosis.
INSERT INTO g.contacts
SELECT c.patient, min(c.start_at) + interval '12 days', NULL, true, (ARRAY['DJ18', 'DE86', 'DI21'])[1 + c.patient % 3], false,
       min(c.unit), min(c.municipality)
FROM g.contacts AS c WHERE c.patient BETWEEN 31 AND 200 AND c.patient % 4 = 0 GROUP BY c.patient;
UPDATE g.contacts SET end_at = start_at + ((extract(epoch FROM start_at)::bigint / 3600) % 6 * 10 + 2) * interval '1 hour';
-- A contact still open at the end.
UPDATE g.contacts SET end_at = NULL WHERE patient = 299 AND start_at = (SELECT max(start_at) FROM g.contacts WHERE patient = 299);
CREATE TABLE g.units (unit text, hospital text, department text);
INSERT INTO g.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Kirurgi');
-- Deaths: every 13th adult some days after one of its contacts (within or after 30 days), and
-- patient 41's death in hospital has no register date.
CREATE TABLE g.deaths (patient bigint, death_date date);
INSERT INTO g.deaths
SELECT c.patient, (min(c.start_at) AT TIME ZONE 'Europe/Copenhagen')::date + (c.patient % 50)::integer
FROM g.contacts AS c WHERE c.patient > 30 AND c.patient % 13 = 0 GROUP BY c.patient;
CREATE TABLE g.population (municipality text, year integer, age_band text, count integer);
INSERT INTO g.population SELECT m, y, b, n FROM (VALUES ('101'), ('751')) AS mm(m), (VALUES (2024), (2025)) AS yy(y),
    (VALUES ('0-64', 40000), ('65-79', 8000), ('80+', 2000)) AS bb(b, n);
-- Færdigbehandling periods of elderly patients: ready some hours after a
-- contact's start, discharged 0-6 days later, one still in bed; bad rows: a
-- NULL kommune, a discharge before ready.
CREATE TABLE g.periods (patient bigint, kommune text, ready_at timestamptz, discharged_at timestamptz);
INSERT INTO g.periods
SELECT c.patient, c.municipality, c.start_at + interval '5 hours', c.start_at + interval '5 hours' + (c.patient % 7) * interval '1 day'
FROM g.contacts AS c WHERE c.patient BETWEEN 31 AND 200 AND c.patient % 5 = 0;
INSERT INTO g.periods VALUES (205, '101', '2025-12-20 10:00+01', NULL), (206, NULL, '2025-03-01 10:00+01', '2025-03-03 10:00+01'),
    (207, '751', '2025-03-05 10:00+01', '2025-03-01 10:00+01');
-- The chronic register: KOL and type 2 diabetes periods; a bad row.
CREATE TABLE g.chronic (patient bigint, disease text, from_date date, to_date date);
INSERT INTO g.chronic
SELECT p, CASE WHEN p % 2 = 0 THEN 'copd' ELSE 'type2_diabetes' END, date '2020-01-01' + p, CASE WHEN p % 4 = 1 THEN date '2024-06-30' END
FROM generate_series(31, 300, 3) AS p;
INSERT INTO g.chronic VALUES (33, 'copd', NULL, NULL);
-- Pathway markers: a referral (AFV01A) and, 10-45 days later, the assessment
-- done (AFX01A) or, for every 7th, a clinical-reason marker (AFX01D1); every
-- 11th never ends; bad rows: a NULL pathway, a code that is not a code.
CREATE TABLE g.markers (patient bigint, pathway_id text, code text, marked_at timestamptz);
INSERT INTO g.markers
SELECT p, 'F' || p, 'AFV01A', timestamptz '2024-02-01 09:00+01' + (p * 5 % 600) * interval '1 day' FROM generate_series(31, 300) AS p
UNION ALL
SELECT p, 'F' || p, CASE WHEN p % 7 = 0 THEN 'AFX01D1' ELSE 'AFX01A' END,
       timestamptz '2024-02-01 13:00+01' + (p * 5 % 600 + 10 + p % 36) * interval '1 day'
FROM generate_series(31, 300) AS p WHERE p % 11 <> 0;
INSERT INTO g.markers VALUES (31, NULL, 'AFV01A', '2024-03-01 10:00+01'), (32, 'F32', '??', '2024-03-01 10:00+01');
-- Loaded figures, with bad rows: a numerator above its denominator and a
-- duplicate (RKKP), negative answers (LUP), an unknown measure (health), a
-- negative cost, a NULL kommune (referrals).
CREATE TABLE g.rkkp (database text, indicator text, period_start date, period_end date, unit text,
                     numerator bigint, denominator bigint, standard double precision, higher_is_better boolean);
INSERT INTO g.rkkp
SELECT 'DAHS', 'ind' || i, make_date(y, 1, 1), make_date(y, 12, 31), u, 40 + (i * 7 + y) % 50, 100, 0.6, i % 4 <> 0
FROM generate_series(1, 12) AS i, (VALUES (2024), (2025)) AS yy(y), (VALUES ('H1'), ('H2')) AS uu(u);
INSERT INTO g.rkkp VALUES ('DAHS', 'bad', '2025-01-01', '2025-12-31', 'H1', 120, 100, 0.5, true),
    ('DAHS', 'ind1', '2025-01-01', '2025-12-31', 'H1', 50, 100, 0.6, true);
CREATE TABLE g.lup (survey text, year integer, unit text, question text, answers bigint, positive_answers bigint);
INSERT INTO g.lup SELECT 'LUP somatik', y, u, 'q' || q, 200 + q * 10, 150 + q * 7 + y % 3
FROM (VALUES (2024), (2025)) AS yy(y), (VALUES ('H1'), ('H2')) AS uu(u), generate_series(1, 6) AS q;
INSERT INTO g.lup VALUES ('LUP somatik', 2025, 'H1', 'q9', -1, 0);
CREATE TABLE g.health (year integer, area text, sex text, measure text, value double precision);
INSERT INTO g.health VALUES (2024, 'Region', 'total', 'healthy_life_years', 61.2), (2024, 'Region', 'M', 'healthy_life_years', 62.0),
    (2025, 'Region', 'total', 'healthy_life_years', 61.5), (2025, 'Region', 'total', 'life_expectancy', 81.4),
    (2025, 'Region', 'total', 'happiness', 7);
CREATE TABLE g.costs (year integer, unit text, cost numeric, treated_patients bigint);
INSERT INTO g.costs VALUES (2024, 'A1', 52000000, 900), (2024, 'B1', 48000000, NULL), (2025, 'A1', 55000000, NULL),
    (2025, 'B1', 50000000, 800), (2025, 'C9', -5, 1);
CREATE TABLE g.referrals (year integer, kommune text, referrals bigint);
INSERT INTO g.referrals VALUES (2024, '101', 610), (2024, '751', 590), (2025, '101', 640), (2025, '751', 575), (2025, NULL, 3);

SELECT * FROM kvalitet.bind('gb', 'g.contacts', 'canonical', units => 'g.units', population => 'g.population',
    deaths => 'g.deaths', persons => 'g.persons', faerdigbehandling => 'g.periods', chronic_register => 'g.chronic',
    pathway_markers => 'g.markers', rkkp_results => 'g.rkkp', lup_answers => 'g.lup', population_health => 'g.health',
    costs => 'g.costs', municipal_referrals => 'g.referrals')
ORDER BY computed DESC, indicator_code;

-- Each goal and every sundhedsaftale indicator has a value.
SELECT coalesce(ind.goal_no::text, 'sa') AS goal, ind.code, count(v.*) AS rows, count(v.value) AS values
FROM kvalitet.indicator AS ind LEFT JOIN gb.indicator_values AS v ON v.indicator_code = ind.code AND v.org_level = 'region'
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT goal_no, count(DISTINCT indicator_code) AS indicators FROM gb.goal_overview WHERE is_latest AND org_level = 'region'
GROUP BY 1 ORDER BY 1;

-- The rows each input's checks rejected (refresh log and status).
SELECT c ->> 'source' AS source, c ->> 'reason' AS reason, c ->> 'effect' AS effect, (c ->> 'rows')::bigint AS rows
FROM gb.status AS s, jsonb_array_elements(s.input_counts) AS c
WHERE s.indicator_code IN ('faerdigbehandlingsdage', 'udredningsret_30d', 'acute_admissions_copd_per_1000', 'clinical_standards_met',
                           'patient_experience_positive', 'healthy_life_years', 'cost_per_patient', 'sa_rehabilitation_referrals')
  AND c ->> 'source' <> 'contacts'
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2;

CREATE FUNCTION pg_temp.region_years(code text) RETURNS TABLE (year integer, num numeric, den numeric)
    LANGUAGE sql AS $$
SELECT extract(year FROM v.period_start)::integer, v.numerator, v.denominator::numeric FROM gb.indicator_values AS v
WHERE v.indicator_code = code AND v.org_level = 'region' AND v.period_type = 'year' $$;

-- 30-day mortality: the stays' flags against mortality_rate over the same
-- contacts, the deaths joined (all years together).
SELECT 'mortality' AS check, b.num, b.den, kvalitet.numerator(d.p) AS d_num, kvalitet.denominator(d.p) AS d_den
FROM (SELECT sum(num) AS num, sum(den) AS den FROM pg_temp.region_years('mortality_30d_acute')) AS b,
     (SELECT kvalitet.mortality_rate(c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, d.death_date, 30,
                                     kvalitet.stay_rules(time_zone => 'Europe/Copenhagen')) AS p
      FROM g.contacts AS c LEFT JOIN g.deaths AS d ON d.patient = c.patient) AS d;
-- Newborn readmissions against newborn_readmission_rate.
SELECT 'newborn' AS check, b.num, b.den, kvalitet.numerator(d.p) AS d_num, kvalitet.denominator(d.p) AS d_den
FROM (SELECT sum(num) AS num, sum(den) AS den FROM pg_temp.region_years('sa_newborn_readmissions')) AS b,
     (SELECT kvalitet.newborn_readmission_rate(c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, p.birth_date,
                                               'newborn_selected_causes', kvalitet.stay_rules(time_zone => 'Europe/Copenhagen')) AS p
      FROM g.contacts AS c JOIN g.persons AS p ON p.patient = c.patient) AS d;
-- Preventable readmissions of patients 65+ (born 1940-1954) against
-- preventable_readmission_rate over their contacts; a contact during which
-- the register's death date falls ended by death (as bind reads it).
SELECT 'preventable' AS check, b.num, b.den, kvalitet.numerator(d.p) AS d_num, kvalitet.denominator(d.p) AS d_den
FROM (SELECT sum(num) AS num, sum(den) AS den FROM pg_temp.region_years('sa_preventable_readmissions')) AS b,
     (SELECT kvalitet.preventable_readmission_rate(c.patient, c.start_at, c.end_at, c.acute, c.diagnosis,
                 c.died OR coalesce(d.death_date BETWEEN (c.start_at AT TIME ZONE 'Europe/Copenhagen')::date
                                                     AND (c.end_at AT TIME ZONE 'Europe/Copenhagen')::date, false),
                 true, 'preventable_elderly') AS p
      FROM g.contacts AS c LEFT JOIN g.deaths AS d ON d.patient = c.patient WHERE c.patient BETWEEN 31 AND 200) AS d;
-- Færdigbehandlingsdage per kommune and year against faerdigbehandling_rate.
SELECT v.period_label, v.org_unit, v.numerator, v.denominator, round(v.value::numeric, 4) AS per_1000
FROM gb.indicator_values AS v WHERE v.indicator_code = 'faerdigbehandlingsdage' AND v.period_type = 'year'
ORDER BY 1, 2;
SELECT v.period_label, v.org_unit, v.numerator, d.days, v.denominator, d.citizens
FROM gb.indicator_values AS v
FULL JOIN (SELECT extract(year FROM r.month)::text AS y, r.kommune, sum(r.days) AS days, min(r.citizens) AS citizens
           FROM kvalitet.faerdigbehandling_rate('SELECT * FROM g.periods',
                    'SELECT municipality AS kommune, year, count FROM g.population') AS r GROUP BY 1, 2) AS d
  ON d.y = v.period_label AND d.kommune = v.org_unit
WHERE (v.indicator_code = 'faerdigbehandlingsdage' AND v.period_type = 'year' AND v.org_level = 'municipality') OR v.indicator_code IS NULL
  AND (v.numerator IS DISTINCT FROM d.days OR v.denominator IS DISTINCT FROM d.citizens);
-- Acute short admissions of citizens 65+ per 1,000 (SPEC 11.7) against
-- short_acute_admissions, per kommune and year (a patient's kommune is the
-- one of the contacts).
SELECT d.year, d.kommune, d.short_admissions, d.citizens, v.numerator, v.denominator
FROM kvalitet.short_acute_admissions('SELECT patient, start_at, end_at, acute, diagnosis, died FROM g.contacts', NULL::bigint,
         'SELECT p.patient, p.birth_date, (SELECT min(c.municipality) FROM g.contacts AS c WHERE c.patient = p.patient) AS kommune FROM g.persons AS p',
         'SELECT municipality AS kommune, year, age_band, count FROM g.population', tz => 'Europe/Copenhagen') AS d
FULL JOIN (SELECT v.period_label, v.org_level, v.municipality, v.numerator, v.denominator FROM gb.indicator_values AS v
           WHERE v.indicator_code = 'sa_acute_short_admissions' AND v.period_type = 'year') AS v
  ON v.period_label = d.year::text AND v.municipality IS NOT DISTINCT FROM d.kommune
 AND v.org_level = CASE WHEN d.kommune IS NULL THEN 'region' ELSE 'municipality' END
ORDER BY 1, 2;
-- KOL and type 2 diabetes from the register against chronic_acute_admissions.
SELECT d.disease, d.year, d.acute_admissions, d.patients, b.num, b.den
FROM (SELECT 'copd' AS disease, * FROM kvalitet.chronic_acute_admissions('SELECT patient, start_at, end_at, acute, diagnosis, died FROM g.contacts', NULL::bigint, 'copd',
                                                                           'SELECT * FROM g.chronic', tz => 'Europe/Copenhagen')
      UNION ALL
      SELECT 'type2_diabetes', * FROM kvalitet.chronic_acute_admissions('SELECT patient, start_at, end_at, acute, diagnosis, died FROM g.contacts', NULL::bigint, 'type2_diabetes',
                                                                           'SELECT * FROM g.chronic', tz => 'Europe/Copenhagen')) AS d
LEFT JOIN (SELECT 'copd' AS disease, * FROM pg_temp.region_years('acute_admissions_copd_per_1000')
           UNION ALL SELECT 'type2_diabetes', * FROM pg_temp.region_years('acute_admissions_t2d_per_1000')) AS b
  ON b.disease = d.disease AND b.year = d.year
ORDER BY 1, 2;
-- Udredningsret per month against udredningsret(), and the mean days to
-- assessment against udredning_clocks.
SELECT count(*) AS months, count(*) FILTER (WHERE kvalitet.numerator(d.met) IS DISTINCT FROM v.numerator
                                              OR kvalitet.denominator(d.met) IS DISTINCT FROM v.denominator) AS differ
FROM kvalitet.udredningsret('SELECT * FROM g.markers', tz => 'Europe/Copenhagen') AS d
FULL JOIN (SELECT * FROM gb.indicator_values WHERE indicator_code = 'udredningsret_30d' AND period_type = 'month') AS v
  ON v.period_start = d.month;
SELECT count(*) AS months, count(*) FILTER (WHERE round(v.value::numeric, 9) IS DISTINCT FROM round(d.mean::numeric, 9)
                                              OR v.denominator IS DISTINCT FROM d.n) AS differ
FROM (SELECT c.month, avg(c.days) AS mean, count(*) AS n
      FROM kvalitet.udredning_clocks('SELECT * FROM g.markers', NULL::bigint, tz => 'Europe/Copenhagen') AS c
      WHERE c.counted AND c.end_at IS NOT NULL GROUP BY c.month) AS d
FULL JOIN (SELECT * FROM gb.indicator_values WHERE indicator_code = 'waiting_time_days' AND period_type = 'month') AS v
  ON v.period_start = d.month;
-- The loaded figures against their functions.
SELECT 'rkkp' AS check, b.year, b.num, b.den, kvalitet.numerator(d.met) AS d_num, kvalitet.denominator(d.met) AS d_den
FROM pg_temp.region_years('clinical_standards_met') AS b
JOIN (SELECT extract(year FROM s.period_end)::integer AS year, kvalitet.rollup(s.met) AS met
      FROM kvalitet.rkkp_standard_share('SELECT * FROM g.rkkp') AS s GROUP BY 1) AS d ON d.year = b.year
ORDER BY 2;
SELECT 'lup' AS check, b.year, b.num, b.den, kvalitet.numerator(d.positive) AS d_num, kvalitet.denominator(d.positive) AS d_den
FROM pg_temp.region_years('patient_experience_positive') AS b
JOIN kvalitet.lup_positive_share('SELECT * FROM g.lup') AS d ON d.year = b.year AND d.unit IS NULL
ORDER BY 2;
SELECT v.period_label, v.value, h.value AS loaded
FROM gb.indicator_values AS v
JOIN kvalitet.population_health('SELECT * FROM g.health') AS h
  ON h.year::text = v.period_label AND h.measure = 'healthy_life_years' AND h.sex = 'total'
WHERE v.indicator_code = 'healthy_life_years' AND v.period_type = 'year' ORDER BY 1;
SELECT 'cost' AS check, b.year, b.num, b.den, round(b.num / b.den, 2) AS per_patient, d.cost, d.treated
FROM pg_temp.region_years('cost_per_patient') AS b
JOIN (SELECT c.year, sum(c.cost) AS cost, sum(c.treated_patients) AS treated
      FROM kvalitet.cost_per_patient('SELECT * FROM g.costs',
               'SELECT c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, c.unit FROM g.contacts AS c',
               NULL::bigint, tz => 'Europe/Copenhagen') AS c GROUP BY 1) AS d ON d.year = b.year
ORDER BY 2;
SELECT v.period_label, v.org_unit, v.numerator, v.denominator, round(v.value::numeric, 4) AS per_1000,
       r.referrals, r.citizens, round((r.rate).value::numeric, 4) AS d_per_1000
FROM gb.indicator_values AS v
LEFT JOIN kvalitet.municipal_referral_rate('SELECT * FROM g.referrals', 'SELECT municipality AS kommune, year, count FROM g.population') AS r
  ON r.year::text = v.period_label AND r.kommune = v.org_unit
WHERE v.indicator_code = 'sa_rehabilitation_referrals' AND v.period_type = 'year'
ORDER BY 1, 2;

-- The stays as a Citus coordinator builds them (a table filled by its
-- fill_stays(): patient_stays grouped by patient, docs/scale-out.md), with
-- the death and birth dates: the same rows.  Here without the call that
-- distributes the table, which needs Citus (test/citus/run.sh runs it).
CREATE FUNCTION pg_temp.dctx() RETURNS jsonb LANGUAGE sql AS $f$
SELECT kvalitet.binding_context('gd', 'g.contacts', 'canonical', 'g.units', NULL, 'g.population', '{}',
         kvalitet.binding_options('gd', 'g.contacts', 'canonical', '{}', '{"private_schema": "gd_private"}'), true,
         NULL, 'g.deaths', 'g.persons', NULL) || '{"contacts_distributed": true, "stays_colocate_with": "default"}'::jsonb $f$;
DO $f$ BEGIN
  EXECUTE kvalitet.build_schemas(pg_temp.dctx());
  EXECUTE kvalitet.build_contacts(pg_temp.dctx());
  EXECUTE kvalitet.build_org_units(pg_temp.dctx());
  EXECUTE regexp_replace(kvalitet.build_stays(pg_temp.dctx()), 'SELECT pg_catalog.create_distributed_table\([^;]*\);', '');
END $f$;
SELECT c.relkind, gd_private.fill_stays() > 700 AS refilled
FROM pg_class AS c WHERE c.oid = 'gd_private.stays'::regclass;
SELECT count(*) AS stays, count(*) FILTER (WHERE row(a.*)::text IS DISTINCT FROM row(b.*)::text) AS differ,
       count(*) FILTER (WHERE a.died_within_window) AS deaths, count(*) FILTER (WHERE a.newborn_readmitted) AS newborn
FROM gd_private.stays AS a FULL JOIN gb_private.stays AS b USING (patient, stay_no);
DROP SCHEMA gd CASCADE;
DROP SCHEMA gd_private CASCADE;

-- Without a chronic register the figure is the proxy: status says so, and
-- it equals chronic_acute_admissions without a register.
SELECT * FROM kvalitet.bind('gp', 'g.contacts', 'canonical', persons => 'g.persons')
WHERE indicator_code LIKE 'acute_admissions%' ORDER BY 1;
SELECT d.year, d.acute_admissions, d.patients, d.source, b.num, b.den
FROM kvalitet.chronic_acute_admissions('SELECT patient, start_at, end_at, acute, diagnosis, died FROM g.contacts', NULL::bigint, 'copd', tz => 'Europe/Copenhagen') AS d
LEFT JOIN (SELECT extract(year FROM v.period_start)::integer AS year, v.numerator AS num, v.denominator AS den
           FROM gp.indicator_values AS v WHERE v.indicator_code = 'acute_admissions_copd_per_1000' AND v.period_type = 'year') AS b
  ON b.year = d.year
ORDER BY 1;

-- The lpr3 preset finds the sources under their Danish names; the mapping
-- names other columns.
CREATE TABLE g.henvisninger (aar integer, kommunekode text, henvisninger bigint);
INSERT INTO g.henvisninger SELECT year, kommune, referrals FROM g.referrals WHERE kommune IS NOT NULL;
CREATE TABLE g.my_health (yr integer, region text, measure text, years double precision);
INSERT INTO g.my_health SELECT year, area, measure, value FROM g.health WHERE sex = 'total';
SELECT * FROM kvalitet.bind('gl', 'g.contacts', 'canonical', population => 'g.population', municipal_referrals => 'g.henvisninger',
    population_health => 'g.my_health', mapping => '{"municipal_referrals": {"year": "aar", "kommune": "kommunekode", "referrals": "henvisninger"},
                                                     "population_health": {"year": "yr", "area": "region", "value": "years"}}')
WHERE indicator_code IN ('sa_rehabilitation_referrals', 'healthy_life_years') ORDER BY 1;
SELECT indicator_code, period_label, org_unit, numerator, denominator FROM gl.indicator_values
WHERE indicator_code IN ('sa_rehabilitation_referrals', 'healthy_life_years') AND period_type = 'year' AND org_level = 'region'
ORDER BY 1, 2;
SELECT * FROM kvalitet.bind('gx', 'g.contacts', 'canonical', costs => 'g.henvisninger');

-- Birth dates from the CPR numbers (SPEC 11.5): ten newborns born 1-10 March
-- 2024, the birth stay starting on the birth date; the even ones readmitted
-- with neonatal jaundice 5 days after; a key that is no CPR number has no
-- birth date and no birth stay, and breaks nothing.
CREATE TABLE g.cpr_contacts (patient text, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text);
INSERT INTO g.cpr_contacts
SELECT lpad(d::text, 2, '0') || '0324-4' || lpad((100 + d)::text, 3, '0'),
       make_timestamptz(2024, 3, d, 8 + k * 0, 0, 0, 'Europe/Copenhagen') + (k - 1) * interval '8 days',
       make_timestamptz(2024, 3, d, 8, 0, 0, 'Europe/Copenhagen') + (k - 1) * interval '8 days' + interval '40 hours',
       true, CASE WHEN k = 1 THEN 'DZ380' ELSE 'DP59' END
FROM generate_series(1, 10) AS d, generate_series(1, 2) AS k WHERE k = 1 OR d % 2 = 0;
INSERT INTO g.cpr_contacts VALUES ('not a cpr', '2024-03-05 08:00+01', '2024-03-07 08:00+01', true, 'DP59');
SELECT * FROM kvalitet.bind('gc', 'g.cpr_contacts', 'canonical') WHERE indicator_code = 'sa_newborn_readmissions';
SELECT b.num, b.den, kvalitet.numerator(d.p) AS d_num, kvalitet.denominator(d.p) AS d_den
FROM (SELECT sum(v.numerator) AS num, sum(v.denominator) AS den FROM gc.indicator_values AS v
      WHERE v.indicator_code = 'sa_newborn_readmissions' AND v.period_type = 'year' AND v.org_level = 'region') AS b,
     (SELECT kvalitet.newborn_readmission_rate(c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, NULL::boolean,
                 CASE WHEN kvalitet.cpr_is_valid(c.patient) THEN kvalitet.cpr_birth_date(c.patient) END,
                 'newborn_selected_causes', kvalitet.stay_rules(time_zone => 'Europe/Copenhagen')) AS p
      FROM g.cpr_contacts AS c) AS d;

SELECT kvalitet.unbind('gc'), kvalitet.unbind('gl'), kvalitet.unbind('gp'), kvalitet.unbind('gb');
