-- Færdigbehandlingsdage (SPEC 11.2), acute admissions per 1,000 patients
-- with KOL / type 2 diabetes (11.3), acute short admissions of citizens 65+
-- (11.7): hand-worked cases on each threshold, bad rows counted.
SET client_min_messages = warning;
CREATE SCHEMA test_periods;
SET search_path = test_periods, public;
SET kvalitet.timezone = 'Europe/Copenhagen';
SET TimeZone = 'UTC';

-- Færdigbehandlingsdage.  Local times (CET UTC+1, CEST UTC+2 from 03-30).
CREATE TABLE periods (patient bigint, kommune integer, ready_at timestamptz, discharged_at timestamptz);
INSERT INTO periods VALUES
-- across the month end and the DST change: 03-30, 03-31 in March, 04-01 in April
(1, 101, '2025-03-30 23:30+02', '2025-04-02 10:00+02'),
-- same-day discharge: 0 days
(2, 101, '2025-05-05 08:00+02', '2025-05-05 20:00+02'),
-- 23:59 to 00:01 the next local day: 1 day (05-10)
(3, 101, '2025-05-10 23:59+02', '2025-05-11 00:01+02'),
-- local midnight: ready 03-01 00:00 local (02-28 in UTC) to 03-03: 2 days, both in March
(4, 147, '2025-03-01 00:00+01', '2025-03-03 09:00+01'),
-- still in bed: counted to the data end (07-02, the latest date seen): June 3, July 2
(5, 147, '2025-06-28 12:00+02', NULL),
(6, 147, '2025-06-30 12:00+02', '2025-07-02 08:00+02');
SELECT * FROM kvalitet.faerdigbehandling_days('SELECT * FROM periods');
-- An explicit data end: days after 06-29 are not counted.
SELECT * FROM kvalitet.faerdigbehandling_days('SELECT * FROM periods WHERE patient IN (5, 6)', data_end => '2025-06-29');
-- In UTC patient 4's first day is 02-28.
SELECT * FROM kvalitet.faerdigbehandling_days('SELECT * FROM periods WHERE patient = 4', tz => 'UTC');
-- Per 1,000 citizens of the kommune (all ages), Garwood interval.
CREATE TABLE population (kommune text, year integer, age_band text, count bigint);
INSERT INTO population VALUES ('101', 2025, '0-64', 1500), ('101', 2025, '65+', 500),
                              ('147', 2025, '0-64', 900), ('147', 2025, '65+', 100),
                              ('101', 2024, '0-64', 1);
SELECT kommune, month, days, citizens, round((rate).value::numeric, 3) AS per_1000,
       round((rate).lower::numeric, 3) AS lower, round((rate).upper::numeric, 3) AS upper
FROM kvalitet.faerdigbehandling_rate('SELECT * FROM periods', 'SELECT * FROM population');
-- Bad rows are counted by reason.
SET client_min_messages = notice;
SELECT * FROM kvalitet.faerdigbehandling_days($q$SELECT * FROM (VALUES
  (1, 101, '2025-01-01 10:00+01'::timestamptz, '2025-01-03 10:00+01'::timestamptz),
  (2, NULL, '2025-01-01 10:00+01', '2025-01-03 10:00+01'), (3, 101, NULL, '2025-01-03 10:00+01'),
  (4, 101, '2025-01-05 10:00+01', '2025-01-04 10:00+01'), (5, 101, '-infinity', '2025-01-04 10:00+01'),
  (6, 101, '2025-01-01 10:00+01', 'infinity')) AS v(patient, kommune, ready_at, discharged_at)$q$);
SET client_min_messages = warning;

-- Cross-check on seeded random periods (local midnights, both DST changes,
-- same-day discharges, open periods) against day-by-day counting.
SELECT setseed(0.2718);
CREATE TABLE rnd_periods AS
SELECT g AS patient, 100 + (random() * 5)::int AS kommune, r AS ready_at,
       CASE WHEN random() < 0.1 THEN NULL ELSE r + (array[interval '0', interval '1 minute', interval '23 hours',
            interval '1 day', interval '2 days 1 hour'])[1 + (random() * 4)::int] + random() * interval '40 days' * (random() < 0.5)::int END
         AS discharged_at
FROM (SELECT g, (timestamp '2025-01-01' + (random() * 360)::int * interval '1 day'
                 + (array['00:00', '23:59:59', '02:30', '12:00'])[1 + (random() * 3)::int]::interval) AT TIME ZONE 'Europe/Copenhagen' AS r
      FROM generate_series(1, 2000) AS g) AS x;
WITH lim AS (SELECT greatest(max((ready_at AT TIME ZONE 'Europe/Copenhagen')::date),
                             max((discharged_at AT TIME ZONE 'Europe/Copenhagen')::date)) AS data_end FROM rnd_periods),
days AS (SELECT p.kommune::text AS kommune, p.patient, d::date AS day
         FROM rnd_periods AS p CROSS JOIN lim,
              generate_series((p.ready_at AT TIME ZONE 'Europe/Copenhagen')::date,
                              coalesce((p.discharged_at AT TIME ZONE 'Europe/Copenhagen')::date - 1, lim.data_end), interval '1 day') AS d
         WHERE d::date <= lim.data_end),
independent AS (SELECT kommune, date_trunc('month', day)::date AS month, count(*) AS days, count(DISTINCT patient) AS patients
                FROM days GROUP BY 1, 2),
engine AS (SELECT * FROM kvalitet.faerdigbehandling_days('SELECT * FROM rnd_periods'))
SELECT (SELECT sum(days) FROM engine) AS days,
       (SELECT count(*) FROM (SELECT * FROM engine EXCEPT ALL SELECT * FROM independent) AS x) AS engine_only,
       (SELECT count(*) FROM (SELECT * FROM independent EXCEPT ALL SELECT * FROM engine) AS x) AS independent_only;

-- Acute admissions per 1,000 patients with KOL.  Stays are section 3's.
CREATE TABLE contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text);
INSERT INTO contacts VALUES
-- patient 1: KOL on 2021-01-01 00:30 local (2020-12-31 in UTC): in Y-4 of 2025
(1, '2021-01-01 00:30+01', '2021-01-01 04:30+01', false, 'DJ449'),
(1, '2025-01-01 00:30+01', '2025-01-02 10:00+01', true, 'DI219'),   -- acute admission in 2025 (2024 in UTC)
(1, '2025-03-01 10:00+01', '2025-03-02 10:00+01', true, 'DJ441'),   -- acute admission
(1, '2025-04-01 10:00+02', '2025-04-02 10:00+02', false, 'DJ441'),  -- planned: not counted
(1, '2025-05-01 10:00+02', '2025-05-01 14:00+02', true, 'DJ441'),   -- ambulant: not an admission
-- patient 2: KOL on 2020-12-31 23:30 local: Y-4 of 2024, not of 2025
(2, '2020-12-31 23:30+01', '2021-01-01 01:00+01', false, 'j44.9'),
(2, '2024-06-01 10:00+02', '2024-06-02 10:00+02', true, 'DI219'),
(2, '2025-06-01 10:00+02', '2025-06-02 10:00+02', true, 'DI219'),
-- patient 3: no KOL diagnosis; a bad diagnosis counts as unknown
(3, '2025-06-01 10:00+02', '2025-06-02 10:00+02', true, '4280'),
(3, '2020-02-01 10:00+01', '2020-02-02 10:00+01', true, 'DE119');
SELECT year, patients, acute_admissions, round((rate).value::numeric, 1) AS per_1000,
       round((rate).lower::numeric, 1) AS lower, round((rate).upper::numeric, 1) AS upper, source, lookback_complete
FROM kvalitet.chronic_acute_admissions('SELECT * FROM contacts', NULL::bigint, 'copd');
-- Type 2 diabetes by the proxy: patient 3 from 2020 to 2024.
SELECT year, patients, acute_admissions FROM kvalitet.chronic_acute_admissions('SELECT * FROM contacts', NULL::bigint, 'type2_diabetes');
-- A 3-year look-back: patient 1 (2021) counts in 2023 but not in 2024.
SELECT year, patients FROM kvalitet.chronic_acute_admissions('SELECT * FROM contacts', NULL::bigint, 'copd', lookback_years => 3);
-- The register: a period overlapping the year (bounds inclusive).
CREATE TABLE register (patient bigint, disease text, from_date date, to_date date);
INSERT INTO register VALUES (3, 'copd', '2025-12-31', NULL), (2, 'COPD', '2019-01-01', '2024-12-31'),
                            (1, 'type2_diabetes', '2020-01-01', NULL);
SELECT year, patients, acute_admissions, source, lookback_complete
FROM kvalitet.chronic_acute_admissions('SELECT * FROM contacts', NULL::bigint, 'copd', register_query => 'SELECT * FROM register');
SET client_min_messages = notice;
SELECT year, patients FROM kvalitet.chronic_acute_admissions('SELECT * FROM contacts WHERE patient = 2', NULL::bigint, 'copd',
  register_query => $q$SELECT * FROM register UNION ALL VALUES (NULL, 'copd', date '2020-01-01', NULL::date), (2, NULL, '2020-01-01', NULL),
                      (2, 'copd', NULL, NULL), (2, 'copd', '2021-01-01', '2020-01-01')$q$);
\set VERBOSITY terse
SELECT * FROM kvalitet.chronic_acute_admissions('SELECT * FROM contacts', NULL::bigint, 'asthma');
\set VERBOSITY default
SET client_min_messages = warning;

-- Acute short admissions (< 24 h) of citizens 65+ per 1,000 citizens 65+.
CREATE TABLE short_contacts (patient text, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text, unit text);
INSERT INTO short_contacts VALUES
('a', '2025-02-01 10:00+01', '2025-02-02 09:59:59+01', true, 'DJ189', 'med'),   -- 23:59:59: short
('a', '2025-03-01 10:00+01', '2025-03-02 10:00+01', true, 'DJ189', 'med'),      -- exactly 24 h: not short
('a', '2025-04-01 10:00+02', '2025-04-01 23:00+02', false, 'DJ189', 'med'),     -- planned
('a', '2025-05-01 10:00+02', '2025-05-01 21:59:59+02', true, 'DJ189', 'med'),   -- 11:59:59: ambulant, not an admission
('a', '2025-06-01 10:00+02', '2025-06-01 22:00+02', true, 'DF32', 'psy'),       -- psychiatric
('a', '2025-07-01 10:00+02', '2025-07-01 22:00+02', true, 'DJ189', 'surg'),     -- 12 h: short, surgical unit
('b', '2025-02-01 10:00+01', '2025-02-01 23:00+01', true, 'DJ189', 'med'),      -- b turns 65 on 2025-02-02: not yet
('b', '2025-02-02 10:00+01', '2025-02-02 23:00+01', true, 'DJ189', 'med'),      -- 65 today: counted
('c', '2025-02-01 10:00+01', '2025-02-01 23:00+01', true, 'DJ189', 'med'),      -- no kommune: in the total only
('x', '2025-02-01 10:00+01', '2025-02-01 23:00+01', true, 'DJ189', 'med');      -- no birth date: counted as skipped
CREATE TABLE citizens (patient text, birth_date date, kommune text);
INSERT INTO citizens VALUES ('a', '1950-01-01', '101'), ('b', '1960-02-02', '101'), ('c', '1940-01-01', NULL);
SET client_min_messages = notice;
SELECT year, kommune, short_admissions, citizens, round((rate).value::numeric, 2) AS per_1000, medical_by
FROM kvalitet.short_acute_admissions('SELECT * FROM short_contacts', NULL::text, 'SELECT * FROM citizens',
                                     'SELECT * FROM population');
SET client_min_messages = warning;
-- Medical units named: the surgical stay is out.
SELECT year, kommune, short_admissions, medical_by
FROM kvalitet.short_acute_admissions('SELECT * FROM short_contacts', NULL::text, 'SELECT * FROM citizens',
                                     'SELECT * FROM population', medical_units_query => 'SELECT ''med'' AS unit');

SET client_min_messages = warning;
DROP SCHEMA test_periods CASCADE;
RESET search_path;
