-- Figures computed elsewhere and loaded (SPEC 11.8): the documented shapes,
-- every bad row rejected with its reason and counted, and the values of
-- goals 4, 6, 7 and 8 and the municipal referrals.
SET client_min_messages = warning;
CREATE SCHEMA test_loaded;
SET search_path = test_loaded, public;
SET kvalitet.timezone = 'Europe/Copenhagen';
SET TimeZone = 'UTC';

-- Goal 4: RKKP results.
CREATE TABLE rkkp (database text, indicator text, period_start date, period_end date, unit text,
                   numerator bigint, denominator bigint, standard numeric, higher_is_better boolean);
INSERT INTO rkkp VALUES
('DAP', 'ind1', '2025-01-01', '2025-12-31', 'H1', 90, 100, 0.90, true),   -- exactly on the standard: meets
('DAP', 'ind1', '2025-01-01', '2025-12-31', 'H2', 89, 100, 0.90, true),   -- just below: does not
('DAP', 'ind2', '2025-01-01', '2025-12-31', 'H1', 10, 100, 0.10, false),  -- lower is better, on it: meets
('DAP', 'ind2', '2025-01-01', '2025-12-31', 'H2', 11, 100, 0.10, false),  -- above: does not
('DAP', 'ind1', '2024-01-01', '2024-12-31', 'H1', 0, 5, 0, true),         -- standard 0: meets
-- bad rows, one per reason
('DAP', 'ind3', '2025-01-01', '2025-12-31', 'H1', NULL, 100, 0.5, true),  -- a NULL field
('DAP', 'ind3', '2025-12-31', '2025-01-01', 'H1', 1, 100, 0.5, true),     -- ends before it starts
('DAP', 'ind3', '1850-01-01', '1850-12-31', 'H1', 1, 100, 0.5, true),     -- unknown period
('DAP', 'ind4', '2025-01-01', '2025-12-31', 'H1', -1, 100, 0.5, true),    -- negative count
('DAP', 'ind5', '2025-01-01', '2025-12-31', 'H1', 101, 100, 0.5, true),   -- numerator above denominator
('DAP', 'ind6', '2025-01-01', '2025-12-31', 'H1', 0, 0, 0.5, true),       -- denominator 0
('DAP', 'ind7', '2025-01-01', '2025-12-31', 'H1', 1, 100, 1.5, true),     -- standard outside 0-1
('DAP', 'ind8', '2025-01-01', '2025-12-31', 'X9', 1, 100, 0.5, true),     -- unknown unit (with the units given)
('DAP', 'ind9', '2025-01-01', '2025-12-31', 'H1', 1, 100, 0.5, true),     -- duplicate key: both copies
('DAP', 'ind9', '2025-01-01', '2025-12-31', 'H1', 2, 100, 0.5, true);
CREATE TABLE units (unit text);
INSERT INTO units VALUES ('H1'), ('H2');
SELECT * FROM kvalitet.check_loaded('rkkp_results', 'SELECT * FROM rkkp', 'SELECT unit FROM units');
-- Without the units the unknown unit is not a reason.
SELECT * FROM kvalitet.check_loaded('rkkp_results', 'SELECT * FROM rkkp') WHERE reason IN ('ok', 'an unknown unit');
SET client_min_messages = notice;
SELECT indicator, period_start, unit, result, meets_standard
FROM kvalitet.rkkp_results('SELECT * FROM rkkp', 'SELECT unit FROM units');
SET client_min_messages = warning;
SELECT * FROM kvalitet.rkkp_standard_share('SELECT * FROM rkkp', 'SELECT unit FROM units');
\set VERBOSITY terse
SET kvalitet.on_bad_input = error;
SELECT * FROM kvalitet.rkkp_standard_share('SELECT * FROM rkkp');
RESET kvalitet.on_bad_input;
SELECT * FROM kvalitet.check_loaded('rkkp', 'SELECT * FROM rkkp');
SELECT * FROM kvalitet.check_loaded('rkkp_results', 'SELECT database, indicator FROM rkkp');
\set VERBOSITY default

-- Goal 6: LUP.
CREATE TABLE lup (survey text, year integer, unit text, question text, answers bigint, positive_answers bigint);
INSERT INTO lup VALUES
('LUP somatik', 2025, 'H1', 'q1', 100, 80), ('LUP somatik', 2025, 'H1', 'q2', 100, 60),
('LUP somatik', 2025, 'H2', 'q1', 50, 50),
('LUP somatik', 2025, 'H2', 'q2', 10, 11),      -- positive above answers
('LUP somatik', 2025, 'H2', 'q3', -1, 0),       -- negative
('LUP somatik', 25, 'H2', 'q1', 10, 1),         -- unknown period
('LUP somatik', 2025, NULL, 'q1', 10, 1);       -- NULL field
SET client_min_messages = notice;
SELECT * FROM kvalitet.lup_positive_share('SELECT * FROM lup');
SET client_min_messages = warning;
SELECT * FROM kvalitet.lup_positive_share('SELECT * FROM lup', questions => ARRAY['q1']);

-- Goal 7: population health.
SET client_min_messages = notice;
SELECT * FROM kvalitet.population_health($q$SELECT * FROM (VALUES
  (2024, 'Region Midtjylland', 'total', 'healthy_life_years', 68.1), (2024, 'Region Midtjylland', 'M', 'life_expectancy', 79.8),
  (2024, 'Region Midtjylland', NULL, 'life_expectancy', 81.6),
  (2024, 'Region Midtjylland', 'X', 'life_expectancy', 81.6), (2024, 'Region Midtjylland', 'K', 'wellbeing', 7.0),
  (2024, 'Region Midtjylland', 'K', 'life_expectancy', -3), (NULL, 'Region Midtjylland', 'K', 'life_expectancy', 83))
  AS v(year, area, sex, measure, value)$q$);

-- Goal 8: cost per treated patient; treated NULL = patients with a stay discharged from the unit.
CREATE TABLE contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text, unit text);
INSERT INTO contacts VALUES
(1, '2025-01-01 10:00+01', '2025-01-02 10:00+01', true, 'DJ441', 'H1'),
(1, '2025-02-01 10:00+01', '2025-02-01 12:00+01', false, 'DJ441', 'H1'),
(2, '2025-12-31 20:00+01', '2026-01-01 00:30+01', true, 'DJ441', 'H1'),   -- discharged 2026 local (2025 in UTC)
(3, '2025-03-01 10:00+01', '2025-03-02 10:00+01', true, 'DJ441', 'H2');
SELECT * FROM kvalitet.cost_per_patient($q$SELECT * FROM (VALUES (2025, 'H1', 1000000, NULL), (2025, 'H2', 30000, 3),
  (2026, 'H1', 5000, NULL), (2025, 'H3', 100, NULL), (2025, 'H4', -5, NULL)) AS v(year, unit, cost, treated_patients)$q$,
  'SELECT * FROM contacts', NULL::bigint);
-- Without contacts a row without treated patients has no value.
SELECT * FROM kvalitet.cost_per_patient($q$SELECT 2025 AS year, 'H1' AS unit, 1000 AS cost, NULL::bigint AS treated_patients$q$);

-- Municipal referrals per 1,000 citizens.
CREATE TABLE population (kommune text, year integer, age_band text, count bigint);
INSERT INTO population VALUES ('101', 2025, '0-64', 1500), ('101', 2025, '65+', 500);
SELECT year, kommune, referrals, citizens, round((rate).value::numeric, 2) AS per_1000,
       round((rate).lower::numeric, 2) AS lower, round((rate).upper::numeric, 2) AS upper
FROM kvalitet.municipal_referral_rate($q$SELECT * FROM (VALUES (2025, 101, 40), (2025, 147, 3), (2025, 101, 1), (2025, 751, -2))
  AS v(year, kommune, referrals)$q$, 'SELECT * FROM population');
SELECT year, kommune, referrals, citizens, round((rate).value::numeric, 2) AS per_1000
FROM kvalitet.municipal_referral_rate($q$SELECT * FROM (VALUES (2025, 101, 40), (2025, 147, 3))
  AS v(year, kommune, referrals)$q$, 'SELECT * FROM population');

SET client_min_messages = warning;
DROP SCHEMA test_loaded CASCADE;
RESET search_path;
