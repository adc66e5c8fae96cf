-- kvalitet.stays(contacts_query, patient_type [, data_complete_until [, rules]]):
-- the per-stay relation over a query.  Its rows equal patient_stays', its
-- columns are found by name and checked by type, and bad queries and bad
-- rows are reported, never crashed on or dropped silently.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
SET LOCAL TimeZone = 'UTC';
SELECT plan(27);

CREATE TEMP TABLE we (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                      diagnosis text, died boolean);
\set worked_examples we
\ir ../fixtures/worked_examples.sql

SELECT count(*) AS we_rows FROM we \gset

-- The same rows, three ways of naming the patient.
CREATE TEMP TABLE we_typed AS
SELECT patient, 'p' || patient AS tpatient,
       ('00000000-0000-0000-0000-' || lpad(patient::text, 12, '0'))::uuid AS upatient,
       start_at, end_at, acute, diagnosis, died, 'unit ' || (patient % 3) AS unit
FROM we;

CREATE TEMP TABLE agg_stays AS
SELECT p.patient, s.*
FROM (SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, unit,
                                             timestamptz '2025-04-20') AS stays
      FROM we_typed GROUP BY patient) AS p, LATERAL unnest(p.stays) AS s;

SELECT set_eq(
	$$SELECT * FROM kvalitet.stays_full($q$SELECT patient, start_at, end_at, acute, diagnosis, died, unit
	                                     FROM we_typed$q$, NULL::bigint, '2025-04-20')$$,
	$$SELECT * FROM agg_stays$$,
	'bigint patients: every column of stays_full equals patient_stays grouped by patient');
SELECT set_eq(
	$$SELECT * FROM kvalitet.stays($q$SELECT patient, start_at, end_at, acute, diagnosis, died, unit
	                                FROM we_typed$q$, NULL::bigint, '2025-04-20')$$,
	$$SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis, died,
	         discharging_unit, index_stay, readmitted, next_admission_start, hours_to_next,
	         followup_complete, psychiatric FROM agg_stays$$,
	'kvalitet.stays: its 0.1.0 columns, equal to patient_stays''');
SELECT set_eq(
	$$SELECT patient, stay_no, stay_start, index_stay, readmitted, dominant_diagnosis, discharging_unit
	  FROM kvalitet.stays($q$SELECT tpatient AS patient, start_at, end_at, acute, diagnosis, died, unit
	                       FROM we_typed$q$, NULL::text, '2025-04-20')$$,
	$$SELECT 'p' || patient, stay_no, stay_start, index_stay, readmitted, dominant_diagnosis, discharging_unit
	  FROM agg_stays$$,
	'text patients give the same stays');
SELECT set_eq(
	$$SELECT patient, stay_no, stay_start, index_stay, readmitted
	  FROM kvalitet.stays($q$SELECT upatient AS patient, start_at, end_at, acute, diagnosis, died
	                       FROM we_typed$q$, NULL::uuid)$$,
	$$SELECT ('00000000-0000-0000-0000-' || lpad(patient::text, 12, '0'))::uuid, stay_no, stay_start,
	         index_stay, readmitted FROM agg_stays$$,
	'uuid patients give the same stays');
SELECT is(
	(SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay)
	 FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint)),
	'3/13', 'the worked examples give 3/13, as readmission_rate does');

-- Follow-up completeness: by default (docs/indicators.md section 8) up to the latest start seen.
SELECT set_eq(
	$$SELECT patient, stay_no, followup_complete FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint)$$,
	$$SELECT p.patient, s.stay_no, s.followup_complete
	  FROM (SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL::text,
	                                               (SELECT max(start_at) FROM we)) AS stays
	        FROM we GROUP BY patient) AS p, LATERAL unnest(p.stays) AS s$$,
	'without data_complete_until, follow-up is complete up to the latest start seen');
SELECT is(
	(SELECT count(*) FILTER (WHERE followup_complete) FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint)),
	(SELECT count(*) FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint)
	 WHERE stay_end + interval '720 hours' <= (SELECT max(start_at) FROM we)),
	'follow-up is complete exactly for the stays that end 720 hours before the latest start');
SELECT is(
	(SELECT count(*) FILTER (WHERE followup_complete)
	 FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint, '2026-01-01')),
	(SELECT count(*) FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint) WHERE stay_end IS NOT NULL),
	'with data_complete_until 2026-01-01 every closed stay has complete follow-up');
SELECT is(
	(SELECT count(*) FROM kvalitet.stays($q$SELECT 1::bigint AS patient, timestamptz '2025-01-01' AS start_at,
	                                        NULL::timestamptz AS end_at, true AS acute, 'DI219' AS diagnosis$q$,
	                                     NULL::bigint, '2030-01-01')
	 WHERE followup_complete IS NULL AND stay_end IS NULL),
	1::bigint, 'an open stay has no follow-up: followup_complete is NULL');

-- Rules pinned per call.
SELECT set_eq(
	$$SELECT patient, stay_no, stay_start, stay_end, index_stay, readmitted
	  FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint, NULL,
	                      kvalitet.stay_rules(merge_gap => '1 hour', readmission_window => '240 hours'))$$,
	$$SELECT p.patient, s.stay_no, s.stay_start, s.stay_end, s.index_stay, s.readmitted
	  FROM (SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL::text, NULL,
	                      kvalitet.stay_rules(merge_gap => '1 hour', readmission_window => '240 hours')) AS stays
	        FROM we GROUP BY patient) AS p, LATERAL unnest(p.stays) AS s$$,
	'rules given per call equal patient_stays under the same rules');
SELECT isnt(
	(SELECT count(*) FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint, NULL,
	                                     kvalitet.stay_rules(merge_gap => '1 hour'))),
	(SELECT count(*) FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint)),
	'a shorter merge gap changes the stays (the rules are used)');

-- Columns: by name, in any order, optional ones may be left out, varchar is text.
SELECT set_eq(
	$$SELECT patient, stay_no, index_stay, readmitted
	  FROM kvalitet.stays($q$SELECT diagnosis::varchar AS diagnosis, acute, end_at, start_at, patient FROM we$q$,
	                      NULL::bigint)$$,
	$$SELECT patient, stay_no, index_stay, readmitted
	  FROM kvalitet.stays($q$SELECT patient, start_at, end_at, acute, diagnosis, false AS died FROM we$q$,
	                      NULL::bigint)$$,
	'columns are matched by name; died may be left out (the examples have no deaths)');
SELECT is(
	(SELECT count(*) FROM kvalitet.stays($q$SELECT patient, start_at, end_at, acute, diagnosis,
	                                              false AS index_eligible FROM we$q$, NULL::bigint)
	 WHERE index_stay),
	0::bigint, 'index_eligible false leaves no index stay');

SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT patient, start_at, end_at, acute FROM we$q$, NULL::bigint)$$,
	'42703', 'kvalitet.stays: the contacts query has no column "diagnosis"',
	'a missing column is named (42703)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT *, 1 AS index_eligable FROM we$q$, NULL::bigint)$$,
	'42703', 'kvalitet.stays: the contacts query returns an unknown column "index_eligable"',
	'an unknown (misspelt) column is an error, not ignored (42703)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT *, patient FROM we$q$, NULL::bigint)$$,
	'42701', NULL, 'a column given twice is an error (42701)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::text)$$,
	'42804', 'kvalitet.stays: column "patient" of the contacts query is of type bigint, not text',
	'the patient column must have the patient_type (42804)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT patient, start_at::timestamp AS start_at, end_at, acute, diagnosis
	                                FROM we$q$, NULL::bigint)$$,
	'42804', NULL, 'timestamp without time zone is refused (42804)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::numeric)$$,
	'42804', 'kvalitet.stays: the patient key must be of type bigint, integer, text, varchar or uuid, not numeric',
	'patient_type must be bigint, integer, text, varchar or uuid (42804)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays(NULL, NULL::bigint)$$,
	'22004', NULL, 'a NULL query is an error (22004)');
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$DELETE FROM we RETURNING *$q$, NULL::bigint)$$,
	'42809', 'kvalitet.stays: the contacts query must be a single SELECT',
	'a query that is no SELECT is refused before it runs (42809)');
SELECT is((SELECT count(*) FROM we), :we_rows::bigint, '... and deleted nothing');

-- Bad rows: skipped and counted in one WARNING, or an ERROR on request.
SET LOCAL client_min_messages = error;
SELECT set_eq(
	$$SELECT patient, stay_no, index_stay, readmitted
	  FROM kvalitet.stays($q$SELECT * FROM we
	                       UNION ALL SELECT NULL, now(), now(), true, 'DI219', false
	                       UNION ALL SELECT 9, now(), now() - interval '1 hour', true, 'DI219', false
	                       UNION ALL SELECT 9, now(), now(), true, '12345', false$q$, NULL::bigint)$$,
	$$SELECT patient, stay_no, index_stay, readmitted FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint)
	  UNION ALL SELECT 9, 1, false, false$$,
	'rows that cannot be placed in time are skipped; a diagnosis that is not a code keeps its contact (an ambulant stay here; the warning that counts them is in test/sql/readmission.sql)');
SET LOCAL client_min_messages = warning;
SET LOCAL kvalitet.on_bad_input = error;
SELECT throws_ok(
	$$SELECT * FROM kvalitet.stays($q$SELECT patient, start_at, NULL::timestamptz AS end_at, acute, diagnosis
	                                FROM we UNION ALL SELECT 7, now(), now(), true, '12345'$q$, NULL::bigint)$$,
	'22P02', 'kvalitet: contact row with a diagnosis that is not a code: "12345"',
	'with kvalitet.on_bad_input = error a bad row stops the query, naming the reason');
RESET kvalitet.on_bad_input;

-- Rows come out patient by patient in key order (whatever order the query
-- gives), stays in order within a patient: a materialized view over them is
-- stored in the order of its (patient, stay_no) index.
SELECT is(
	(SELECT count(*) FILTER (WHERE (prev_patient, prev_stay) >= (patient, stay_no))
	 FROM (SELECT patient, stay_no,
	              lag(patient) OVER (ORDER BY ordinality) AS prev_patient,
	              lag(stay_no) OVER (ORDER BY ordinality) AS prev_stay
	       FROM kvalitet.stays($q$SELECT 'p' || (10 - patient) AS patient, start_at, end_at, acute, diagnosis, died
	                              FROM we ORDER BY 1 DESC, start_at DESC$q$, NULL::text) WITH ORDINALITY) AS o),
	0::bigint, 'text patients come out in key order, their stays in order');
SELECT is(
	(SELECT count(*) FILTER (WHERE (prev_patient, prev_stay) >= (patient, stay_no))
	 FROM (SELECT patient, stay_no,
	              lag(patient) OVER (ORDER BY ordinality) AS prev_patient,
	              lag(stay_no) OVER (ORDER BY ordinality) AS prev_stay
	       FROM kvalitet.stays($q$SELECT md5(patient::text)::uuid AS patient, start_at, end_at, acute, diagnosis, died
	                              FROM we ORDER BY random()$q$, NULL::uuid) WITH ORDINALITY) AS o),
	0::bigint, 'uuid patients come out in key order, their stays in order');

-- A materialized view over it.
CREATE MATERIALIZED VIEW mv_stays AS
SELECT * FROM kvalitet.stays($q$SELECT * FROM we$q$, NULL::bigint, '2025-12-31', kvalitet.stay_rules());
SELECT is((SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) FROM mv_stays),
	'3/13', 'a materialized view over kvalitet.stays holds the same stays');

SELECT * FROM finish();
ROLLBACK;
