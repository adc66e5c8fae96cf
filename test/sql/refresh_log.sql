-- What a binding could not use reaches its users: kvalitet.bind and
-- kvalitet.refresh log, per input and reason, the rows left out (skipped)
-- and the rows read with one field unknown, in kvalitet.refresh_log and the
-- status view; a failed scheduled refresh is logged although its
-- transaction rolls back; a dropped source is named, with what to do.  One
-- bad-row rule for every input (docs/indicators.md section 1): a discharge
-- letter dated after the calendar no longer stops the bind.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
\set SHOW_CONTEXT never
CREATE SCHEMA rl;
-- Contacts: patients 1 and 2 are readmitted; two diagnoses are not codes
-- (unknown, the contacts stay); four rows cannot be placed in time.
CREATE TABLE rl.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                          diagnosis text, unit text, municipality text);
INSERT INTO rl.contacts VALUES
(1, '2025-01-01 10:00', '2025-01-03 10:00', true, '4280', 'A1', '751'),
(1, '2025-01-10 10:00', '2025-01-12 10:00', true, 'I50.9', 'A1', '751'),
(2, '2025-02-01 10:00', '2025-02-01 18:00', true, 'chest pain', 'A1', '751'),
(2, '2025-02-02 10:00', '2025-02-02 18:00', true, 'J18.9', 'B1', '751'),
(2, '2025-03-01 10:00', '2025-03-01 18:00', true, 'J18.9', 'B1', '751'),
(NULL, '2025-03-01 10:00', '2025-03-02 10:00', true, 'DI21', 'A1', '751'),
(3, NULL, '2025-03-02 10:00', true, 'DI21', 'A1', '751'),
(3, '2025-03-05 10:00', '2025-03-04 10:00', true, 'DI21', 'A1', '751'),
(3, '2025-03-06 10:00', 'infinity', true, 'DI21', 'A1', '751');
-- Units: one without a key, A1 twice (one row kept).
CREATE TABLE rl.units (unit text, hospital text, department text);
INSERT INTO rl.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Kirurgi'), (NULL, 'H3', 'Akut'), ('A1', 'H1', 'Medicin');
-- Letters: one timely, one whose sent_at cannot be read (counts as not sent),
-- and three discharges that cannot be judged.  The letter of 2250 stopped
-- bind before (22008).
CREATE TABLE rl.letters (patient bigint, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO rl.letters VALUES
(1, '2025-01-03 10:00', '2025-01-03 12:00'),
(1, '2025-01-12 10:00', 'infinity'),
(2, NULL, '2025-02-04 10:00'),
(2, '2250-01-01 10:00', NULL),
(2, '-infinity', NULL);
-- Population: four rows that cannot be counted.
CREATE TABLE rl.population (municipality text, year integer, age_band text, count integer);
INSERT INTO rl.population VALUES ('751', 2025, '65-69', 100), ('751', 2025, '70+', -5), ('751', 2025, 'old', 10),
    (NULL, 2025, '65-69', 10), ('751', NULL, '65-69', 10);

-- The rules agree with the engine: the WARNING of a direct call counts what
-- kvalitet.contact_skip_reason and kvalitet.is_diagnosis_code count.
SELECT kvalitet.contact_skip_reason(patient, start_at, end_at) AS reason, count(*)
FROM rl.contacts GROUP BY 1 ORDER BY 1;
SELECT count(*) AS unknown_diagnoses FROM rl.contacts
WHERE kvalitet.contact_skip_reason(patient, start_at, end_at) IS NULL AND NOT kvalitet.is_diagnosis_code(diagnosis);
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis) FROM rl.contacts;

SELECT indicator_code FROM kvalitet.bind('rlb', 'rl.contacts', 'canonical', units => 'rl.units',
                                         epikriser => 'rl.letters', population => 'rl.population')
WHERE computed ORDER BY 1;

-- bind's own populating refresh is logged, with what it could not use.
SELECT relation, kind, error, concurrent FROM kvalitet.refresh_log WHERE schema_name = 'rlb' ORDER BY id;
SELECT c ->> 'source' AS source, c ->> 'effect' AS effect, c ->> 'reason' AS reason, (c ->> 'rows')::integer AS rows
FROM kvalitet.refresh_log AS l, jsonb_array_elements(l.input_counts) AS c
WHERE l.schema_name = 'rlb' AND l.relation = '*';

-- Letters: 2 judged, 1 timely (the letter with an unreadable sent_at counts
-- as not sent).  Readmissions 1/2: patient 1's ICD-9 diagnosis does not keep
-- the first stay from being an index, readmitted by the second; patient 2's
-- 8-hour stays are no admissions.  Length of stay: 2 + 2 days.
SELECT indicator_code, period_label, numerator, denominator FROM rlb.indicator_values
WHERE org_level = 'region' AND period_type = 'year' ORDER BY 1;

-- status: what the last refresh could not use, per indicator's inputs.
SELECT indicator_code, computed, last_refresh IS NOT NULL AS refreshed, last_refresh_by, rows_skipped,
       values_unknown, jsonb_array_length(input_counts) AS reasons, last_error, problem
FROM rlb.status WHERE computed ORDER BY 1;

-- The follow-up flags of the bound stays equal kvalitet.stays on the same rows.
SELECT count(*) AS stays, count(*) FILTER (WHERE b.followup_complete IS DISTINCT FROM s.followup_complete
                                              OR b.readmitted IS DISTINCT FROM s.readmitted
                                              OR b.index_stay IS DISTINCT FROM s.index_stay) AS differ
FROM rlb.stays AS b
FULL JOIN (SELECT * FROM kvalitet.stays($$SELECT patient, start_at, end_at, acute, diagnosis, false AS died, true AS index_eligible, unit FROM rl.contacts$$,
                                        NULL::bigint)) AS s USING (patient, stay_no);

-- A refresh logs the same counts.
SELECT relation FROM kvalitet.refresh('rlb') WHERE relation = '*';
SELECT kind, jsonb_array_length(input_counts) AS reasons FROM kvalitet.refresh_log
WHERE schema_name = 'rlb' AND relation = '*' ORDER BY id;

-- A scheduled refresh that fails (on_bad_input = error stops at the first
-- diagnosis that is not a code) is logged, committed, and raised again.
SET kvalitet.on_bad_input = error;
CALL kvalitet.scheduled_refresh('rlb');
RESET kvalitet.on_bad_input;
SELECT kind, error, input_counts IS NULL AS no_counts FROM kvalitet.refresh_log
WHERE schema_name = 'rlb' AND relation = '*' ORDER BY id DESC LIMIT 1;
SELECT DISTINCT last_error, last_failure IS NOT NULL AS failed FROM rlb.status;
-- Inside a transaction block it cannot commit its log row, and says so.
BEGIN;
SET LOCAL kvalitet.on_bad_input = error;
CALL kvalitet.scheduled_refresh('rlb');
ROLLBACK;
-- A scheduled refresh that succeeds clears the failure from status.
CALL kvalitet.scheduled_refresh('rlb');
SELECT DISTINCT last_error, last_failure FROM rlb.status;

-- Months add up to years for every measure, days too: each period's days
-- numerator is the sum of its months' as shown.  Stays of 8 hours (1/3 day).
CREATE TABLE rl.thirds (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text);
INSERT INTO rl.thirds SELECT p, m + interval '10 hours', m + interval '1 day 18 hours', false, 'DI21'
FROM generate_series(1, 7) AS p, generate_series(timestamptz '2025-01-01', '2025-12-01', '1 month') AS m;
SELECT count(*) > 0 AS bound FROM kvalitet.bind('thirds', 'rl.thirds', 'canonical');
SELECT y.indicator_code, y.numerator AS year, sum(m.numerator) AS months, y.numerator = sum(m.numerator) AS adds_up
FROM thirds.indicator_values AS y
JOIN thirds.indicator_values AS m ON m.indicator_code = y.indicator_code AND m.org_unit = y.org_unit
 AND m.period_type = 'month' AND date_trunc('year', m.period_start) = y.period_start
WHERE y.period_type = 'year'
GROUP BY 1, 2 ORDER BY 1;

-- A dropped source: status says so, and refresh stops with what to do.
DROP TABLE rl.letters CASCADE;
SELECT DISTINCT problem FROM rlb.status;
SELECT * FROM kvalitet.refresh('rlb');
CALL kvalitet.scheduled_refresh('rlb');
SELECT error FROM kvalitet.refresh_log WHERE schema_name = 'rlb' AND relation = '*' ORDER BY id DESC LIMIT 1;
-- A generated materialized view dropped: the same.
SELECT count(*) > 0 AS bound FROM kvalitet.bind('rlb', 'rl.contacts', 'canonical', replace => true);
DROP MATERIALIZED VIEW rlb_private.indicator_values CASCADE;
SELECT * FROM kvalitet.refresh('rlb');
SELECT DISTINCT problem FROM rlb.status;
SELECT kvalitet.unbind('rlb');
SELECT kvalitet.unbind('thirds');

-- The calendar's edges, as the letters' rule reads them.
SELECT d, n, kvalitet.in_calendar(d, n) FROM (VALUES (date '1900-01-01', 0), (date '1899-12-31', 0), (date '2200-12-31', 0),
    (date '2200-12-31', 1), (date '2200-12-30', 1), (date 'infinity', 0), (date '1900-01-02', -1), (date '1900-01-01', -1)) AS t(d, n);
-- With the closing days given, the setting plays no part (a Citus worker
-- does not see it): from Monday 2200-12-15 the tenth working day is
-- Wednesday 2200-12-31 when juleaften (Wednesday the 24th) is open, and
-- beyond the calendar when it is closed.
SET kvalitet.extra_closed_days = 'juleaften';
SELECT max(n) FILTER (WHERE kvalitet.in_calendar(date '2200-12-15', n)) AS setting,
       max(n) FILTER (WHERE kvalitet.in_calendar(date '2200-12-15', n, '')) AS none_closed,
       max(n) FILTER (WHERE kvalitet.in_calendar(date '2200-12-15', n, 'juleaften')) AS juleaften_closed,
       max(n) FILTER (WHERE kvalitet.in_calendar(date '2200-12-15', n, NULL)) AS null_is_the_setting
FROM generate_series(0, 20) AS n;
SELECT kvalitet.epikrise_skip_reason('2200-12-15 12:00+00', 10, 'UTC') AS by_setting,
       kvalitet.epikrise_skip_reason('2200-12-15 12:00+00', 10, 'UTC', '') AS none_closed;
RESET kvalitet.extra_closed_days;
SELECT kvalitet.in_calendar(date '2000-01-01', 0, 'juleaften, nonsense');
SELECT kvalitet.epikrise_sent_unknown(t, 'Europe/Copenhagen') FROM (VALUES (timestamptz 'infinity'), ('2201-01-01 12:00+00'),
    ('2200-12-31 12:00+00'), (NULL)) AS s(t);
