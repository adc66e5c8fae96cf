-- The C stay engine against the independent pure-SQL reference
-- (test/reference), on seeded random contacts built to sit on every
-- threshold, with rows kvalitet skips and diagnoses that are not codes:
-- totals, every per-stay flag, input order and parallel query.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
\ir ../reference/reference.sql
\ir ../reference/random_contacts.sql
SELECT plan(22);

INSERT INTO kvalitet_ref.contacts SELECT * FROM kvalitet_ref.random_contacts(0.37, 4000, true);
ANALYZE kvalitet_ref.contacts;

SELECT cmp_ok((SELECT count(*) FROM kvalitet_ref.contacts), '>', 10000::bigint,
	'the random data has more than 10,000 contacts');

SELECT is(
	(SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM kvalitet_ref.contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'readmission_rate equals the SQL reference');

SELECT is(
	(SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis)::text
	 FROM kvalitet_ref.contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.preventable_share()),
	'preventable_admission_share equals the SQL reference');

SELECT cmp_ok((SELECT denominator FROM kvalitet_ref.readmission_rate()), '>', 1000::bigint,
	'the reference finds more than 1,000 index stays');
SELECT cmp_ok((SELECT numerator FROM kvalitet_ref.readmission_rate()), '>', 100::bigint,
	'the reference finds more than 100 readmissions');

-- Every stay, every flag.
CREATE TEMP TABLE c_stays AS
SELECT patient, (s).*
FROM (SELECT patient,
             unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, index_eligible, NULL::text,
                                           (SELECT max(start_at) FROM kvalitet_ref.contacts))) AS s
      FROM kvalitet_ref.contacts WHERE patient IS NOT NULL GROUP BY patient) AS p;

SELECT set_eq(
	$$SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis, died,
	         psychiatric, index_stay, readmitted, next_admission_start, coalesce(followup_complete, false)
	  FROM c_stays$$,
	$$SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis, died,
	         psychiatric, index_stay, readmitted, next_admission_start, followup_complete
	  FROM kvalitet_ref.stays()$$,
	'patient_stays equals the SQL reference row for row');

SELECT is(
	(SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) FROM c_stays),
	(SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM kvalitet_ref.contacts),
	'the per-stay flags add up to readmission_rate');

-- kvalitet.stays(): the same engine over a query, follow-up completeness
-- by the default of docs/indicators.md section 8 (the latest start seen).
CREATE TEMP TABLE q_stays AS
SELECT * FROM kvalitet.stays($$SELECT * FROM kvalitet_ref.contacts$$, NULL::bigint);

SELECT set_eq(
	$$SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis, died,
	         psychiatric, index_stay, readmitted, next_admission_start, coalesce(followup_complete, false)
	  FROM q_stays$$,
	$$SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis, died,
	         psychiatric, index_stay, readmitted, next_admission_start, followup_complete
	  FROM kvalitet_ref.stays()$$,
	'kvalitet.stays equals the SQL reference row for row, follow-up completeness included (NULL for open stays)');

-- Codes written in other forms (dj44.9, the WHO form J449) normalise to the
-- same codes: per row, and through the cache of raw texts seen before.
SELECT is(
	(SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute,
	                                  CASE WHEN patient % 3 = 0 THEN lower(left(diagnosis, 4)) || '.' || substr(diagnosis, 5)
	                                       WHEN patient % 3 = 1 AND diagnosis ~ '^D[A-Z][0-9]{2}' THEN substr(diagnosis, 2)
	                                       ELSE diagnosis END,
	                                  died, index_eligible)::text
	 FROM kvalitet_ref.contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'codes in lower case with dots and in WHO form give the same readmission_rate');

-- Input order does not matter.
SELECT is(
	(SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible
	                                  ORDER BY md5(patient::text || start_at::text || coalesce(diagnosis, '')))::text
	 FROM kvalitet_ref.contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'a shuffled input order gives the same readmission_rate');

-- Parallel query: partial aggregates merged by the combine function.
-- patient_stays takes its patient from GROUP BY: rows without one, which the
-- other functions skip, are left out here.
CREATE TABLE big_contacts AS SELECT * FROM kvalitet_ref.contacts WHERE patient IS NOT NULL;
ANALYZE big_contacts;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
\ir lib/plan_of.sql
-- By default the combine function's COST, charged per contact
-- (src/stays_cost.c), keeps the planner from partial aggregation even with
-- parallel query made free; a lower COST gives the parallel plans back.
SELECT doesnt_match(pg_temp.plan_of($$SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis)
                                      FROM big_contacts$$),
	'Partial', 'readmission_rate stays serial at the default cost of merging states');
SELECT doesnt_match(pg_temp.plan_of($$SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis,
                                                                              died, index_eligible, NULL::text)
                                      FROM big_contacts GROUP BY patient$$),
	'Partial', 'patient_stays stays serial at the default cost of merging states');
ALTER FUNCTION kvalitet.stays_combine(internal, internal) COST 0.001;
SELECT matches(pg_temp.plan_of($$SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis)
                                 FROM big_contacts$$),
	'Partial Aggregate', 'readmission_rate runs as a partial aggregate');
SELECT is(
	(SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM big_contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'readmission_rate with parallel workers equals the SQL reference');
SELECT is(
	(SELECT kvalitet.preventable_admission_share('p' || patient, start_at, end_at, acute, diagnosis)::text
	 FROM big_contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.preventable_share()),
	'preventable_admission_share (text patients) with parallel workers equals the SQL reference');

-- uuid patients, with the leader scanning too (its own state then also
-- passes through the serialize and deserialize functions).
SET LOCAL parallel_leader_participation = on;
SELECT is(
	(SELECT kvalitet.readmission_rate(md5(patient::text)::uuid, start_at, end_at, acute, diagnosis, died,
	                                  index_eligible)::text
	 FROM big_contacts),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'readmission_rate (uuid patients, leader taking part) with parallel workers equals the SQL reference');
SET LOCAL parallel_leader_participation = off;

-- The per-stay relation with parallel workers (partial states merged).
SET LOCAL enable_hashagg = off;
SELECT matches(pg_temp.plan_of($$SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died,
                                                                         index_eligible, NULL::text)
                                 FROM big_contacts GROUP BY patient$$),
	'Partial GroupAggregate', 'patient_stays runs as a partial aggregate per patient');
SELECT set_eq(
	$$SELECT patient, (s).stay_no, (s).index_stay, (s).readmitted, (s).dominant_diagnosis
	  FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died,
	                                                      index_eligible, NULL::text)) AS s
	        FROM big_contacts GROUP BY patient) AS p$$,
	$$SELECT patient, stay_no, index_stay, readmitted, dominant_diagnosis FROM c_stays$$,
	'patient_stays with parallel workers equals the serial per-stay relation');

-- Discharging units and diagnoses keep their text through the merge of
-- workers' states (each worker numbers them its own way).
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE unit_stays_serial AS
	SELECT patient, (s).stay_no, (s).discharging_unit, (s).dominant_diagnosis
	FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, index_eligible,
	                                                    'unit ' || (hashtext(coalesce(diagnosis, '')) & 7))) AS s
	      FROM big_contacts GROUP BY patient) AS p;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT set_eq(
	$$SELECT patient, (s).stay_no, (s).discharging_unit, (s).dominant_diagnosis
	  FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, index_eligible,
	                                                      'unit ' || (hashtext(coalesce(diagnosis, '')) & 7))) AS s
	        FROM big_contacts GROUP BY patient) AS p$$,
	$$SELECT * FROM unit_stays_serial$$,
	'patient_stays with units and parallel workers equals the serial run');

-- kvalitet.stays with its query run by parallel workers, text patients.
SELECT matches(pg_temp.plan_of($$SELECT 'p' || patient AS patient, start_at, end_at, acute, diagnosis,
                                        died, index_eligible FROM big_contacts$$),
	'Parallel Seq Scan', 'the contacts query plans a parallel scan');
SELECT set_eq(
	$$SELECT patient, stay_no, stay_start, stay_end, index_stay, readmitted, dominant_diagnosis,
	         followup_complete, hours_to_next
	  FROM kvalitet.stays($q$SELECT 'p' || patient AS patient, start_at, end_at, acute, diagnosis,
	                                died, index_eligible FROM big_contacts$q$, NULL::text)$$,
	$$SELECT 'p' || patient, stay_no, stay_start, stay_end, index_stay, readmitted, dominant_diagnosis,
	         followup_complete, hours_to_next FROM q_stays$$,
	'kvalitet.stays over a parallel query with text patients equals the serial run');
SELECT is(
	(SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) FROM q_stays),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'the flags of kvalitet.stays add up to the reference readmission_rate');

SELECT * FROM finish();
ROLLBACK;
