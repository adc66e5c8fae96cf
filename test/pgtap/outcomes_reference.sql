-- The outcomes of the C stay engine (mortality_rate, newborn_readmission_rate,
-- preventable_readmission_rate and the outcome columns of the per-stay
-- relation) against the independent pure-SQL reference
-- (test/reference/outcomes.sql) on seeded random contacts with death and
-- birth dates on every threshold: totals, every per-stay flag, input
-- order, text patients and parallel query.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
\ir ../reference/reference.sql
\ir ../reference/random_contacts.sql
\ir ../reference/outcomes.sql
SELECT plan(21);

INSERT INTO kvalitet_ref.contacts SELECT * FROM kvalitet_ref.random_contacts(0.61, 4000, true);
SELECT kvalitet_ref.snapshot_stays();
SELECT kvalitet_ref.random_dates(0.23);
ANALYZE kvalitet_ref.contacts;
CREATE TEMP TABLE ref AS SELECT * FROM kvalitet_ref.stay_outcomes();
CREATE TEMP TABLE ref_any AS SELECT * FROM kvalitet_ref.stay_outcomes(newborn_set => NULL);
CREATE TEMP TABLE ref_7 AS SELECT * FROM kvalitet_ref.stay_outcomes(mortality_window => 7);

-- The data reach every case.
SELECT cmp_ok((SELECT count(*) FROM ref WHERE died_within_window), '>', 100::bigint,
	'the reference finds more than 100 deaths within 30 days');
SELECT cmp_ok((SELECT count(*) FROM ref WHERE mortality_index AND days_to_death IN (30, 31)), '>', 20::bigint,
	'... and more than 20 index stays with a death on day 30 or 31');
SELECT cmp_ok((SELECT count(*) FROM ref WHERE mortality_index AND days_to_death < 0), '>', 20::bigint,
	'... and more than 20 with a death before the start');
SELECT cmp_ok((SELECT count(*) FILTER (WHERE newborn_readmitted) FROM ref), '>', 10::bigint,
	'... more than 10 newborn readmissions');
SELECT cmp_ok((SELECT count(*) FILTER (WHERE preventable_readmitted) FROM ref), '>', 20::bigint,
	'... more than 20 preventable readmissions');

-- Totals.
SELECT is(
	(SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date)::text
	 FROM kvalitet_ref.contacts_dated),
	(SELECT count(*) FILTER (WHERE died_within_window) || '/' || count(*) FILTER (WHERE mortality_index) FROM ref),
	'mortality_rate equals the SQL reference');
SELECT is(
	(SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, 7)::text
	 FROM kvalitet_ref.contacts_dated),
	(SELECT count(*) FILTER (WHERE died_within_window) || '/' || count(*) FILTER (WHERE mortality_index) FROM ref_7),
	'mortality_rate within 7 days equals the SQL reference');
SELECT is(
	(SELECT kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date)::text
	 FROM kvalitet_ref.contacts_dated),
	(SELECT count(*) FILTER (WHERE newborn_readmitted) || '/' || count(*) FILTER (WHERE newborn_index) FROM ref),
	'newborn_readmission_rate equals the SQL reference');
SELECT is(
	(SELECT kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date, NULL)::text
	 FROM kvalitet_ref.contacts_dated),
	(SELECT count(*) FILTER (WHERE newborn_readmitted) || '/' || count(*) FILTER (WHERE newborn_index) FROM ref_any),
	'newborn_readmission_rate for any cause equals the SQL reference');
SELECT is(
	(SELECT kvalitet.preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM kvalitet_ref.contacts),
	(SELECT count(*) FILTER (WHERE preventable_readmitted) || '/' || count(*) FILTER (WHERE index_stay) FROM ref),
	'preventable_readmission_rate equals the SQL reference');

-- Every stay, every outcome column: patient_stays and stays_full.
SELECT set_eq(
	$$SELECT patient, (s).stay_no, (s).mortality_index, (s).days_to_death, (s).died_within_window,
	         (s).birth_stay, (s).newborn_index, (s).newborn_readmitted, (s).next_dominant_diagnosis,
	         (s).index_stay, (s).preventable_readmitted
	  FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died,
	                                                      index_eligible, NULL::text, NULL, NULL,
	                                                      death_date, birth_date)) AS s
	        FROM kvalitet_ref.contacts_dated WHERE patient IS NOT NULL GROUP BY patient) AS p$$,
	$$SELECT patient, stay_no, mortality_index, days_to_death, died_within_window, birth_stay, newborn_index,
	         newborn_readmitted, next_dominant_diagnosis, index_stay, preventable_readmitted FROM ref$$,
	'patient_stays equals the SQL reference stay for stay');
CREATE TEMP TABLE full_stays AS
SELECT * FROM kvalitet.stays_full($$SELECT * FROM kvalitet_ref.contacts_dated$$, NULL::bigint);
-- stays_full: deaths complete up to the later of the latest start's local
-- date and the latest death date.
SELECT set_eq(
	$$SELECT patient, stay_no, mortality_index, days_to_death, died_within_window, birth_stay, newborn_index,
	         newborn_readmitted, next_dominant_diagnosis, index_stay, preventable_readmitted,
	         mortality_followup_complete FROM full_stays$$,
	$$SELECT * FROM kvalitet_ref.stay_outcomes(complete_day => greatest(
	      (SELECT max(start_at) FROM kvalitet_ref.contacts
	       WHERE patient IS NOT NULL AND (end_at IS NULL OR end_at >= start_at)) AT TIME ZONE 'Europe/Copenhagen',
	      (SELECT max(death_date) FROM kvalitet_ref.deaths))::date)$$,
	'stays_full equals the SQL reference stay for stay, mortality follow-up included');
-- patient_stays with data_complete_until: its local date.
SELECT set_eq(
	$$SELECT patient, (s).stay_no, (s).mortality_followup_complete
	  FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died,
	                                                      index_eligible, NULL::text, '2025-09-30 22:30+00', NULL,
	                                                      death_date, birth_date)) AS s
	        FROM kvalitet_ref.contacts_dated WHERE patient IS NOT NULL GROUP BY patient) AS p$$,
	$$SELECT patient, stay_no, mortality_followup_complete
	  FROM kvalitet_ref.stay_outcomes(complete_day => date '2025-10-01')$$,
	'patient_stays: mortality follow-up complete up to the local date of data_complete_until');
SELECT cmp_ok((SELECT count(*) FROM kvalitet_ref.stay_outcomes(complete_day => date '2025-10-01')
               WHERE mortality_index AND NOT mortality_followup_complete), '>', 100::bigint,
	'... which leaves more than 100 index stays incomplete');

-- Input order, text and uuid patients, streaming.
SELECT is(
	(SELECT kvalitet.mortality_rate('p' || patient, start_at, end_at, acute, diagnosis, died, death_date
	                                ORDER BY md5(patient::text || start_at::text || coalesce(diagnosis, '')))::text
	 FROM kvalitet_ref.contacts_dated),
	(SELECT count(*) FILTER (WHERE died_within_window) || '/' || count(*) FILTER (WHERE mortality_index) FROM ref),
	'mortality_rate with text patients in shuffled order equals the SQL reference');
SELECT is(
	(SELECT kvalitet.newborn_readmission_rate(md5(patient::text)::uuid, start_at, end_at, acute, diagnosis, died,
	                                          birth_date ORDER BY md5(patient::text)::uuid, start_at)::text
	 FROM kvalitet_ref.contacts_dated),
	(SELECT count(*) FILTER (WHERE newborn_readmitted) || '/' || count(*) FILTER (WHERE newborn_index) FROM ref),
	'newborn_readmission_rate with uuid patients, streamed patient by patient, equals the SQL reference');

-- Parallel query: partial aggregates merged by the combine function.
CREATE TABLE big_dated AS SELECT * FROM kvalitet_ref.contacts_dated WHERE patient IS NOT NULL;
ANALYZE big_dated;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
-- The default COST of merging states keeps these aggregates serial
-- (src/stays_cost.c); a lower one gives the planner its parallel plans.
ALTER FUNCTION kvalitet.stays_combine(internal, internal) COST 0.001;
\ir lib/plan_of.sql
SELECT matches(pg_temp.plan_of($$SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died,
                                                                  death_date) FROM big_dated$$),
	'Partial Aggregate', 'mortality_rate runs as a partial aggregate');
SELECT is(
	(SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date)::text FROM big_dated),
	(SELECT count(*) FILTER (WHERE died_within_window) || '/' || count(*) FILTER (WHERE mortality_index) FROM ref),
	'mortality_rate with parallel workers equals the SQL reference');
SELECT is(
	(SELECT kvalitet.newborn_readmission_rate('p' || patient, start_at, end_at, acute, diagnosis, died, birth_date)::text
	 FROM big_dated),
	(SELECT count(*) FILTER (WHERE newborn_readmitted) || '/' || count(*) FILTER (WHERE newborn_index) FROM ref),
	'newborn_readmission_rate (text patients) with parallel workers equals the SQL reference');
SET LOCAL enable_hashagg = off;
SELECT set_eq(
	$$SELECT patient, (s).stay_no, (s).mortality_index, (s).days_to_death, (s).died_within_window,
	         (s).birth_stay, (s).newborn_index, (s).newborn_readmitted, (s).next_dominant_diagnosis,
	         (s).index_stay, (s).preventable_readmitted
	  FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died,
	                                                      index_eligible, NULL::text, NULL, NULL,
	                                                      death_date, birth_date)) AS s
	        FROM big_dated GROUP BY patient) AS p$$,
	$$SELECT patient, stay_no, mortality_index, days_to_death, died_within_window, birth_stay, newborn_index,
	         newborn_readmitted, next_dominant_diagnosis, index_stay, preventable_readmitted FROM ref$$,
	'patient_stays with dates and parallel workers equals the SQL reference');
SET LOCAL parallel_leader_participation = on;
SELECT is(
	(SELECT kvalitet.preventable_readmission_rate(md5(patient::text)::uuid, start_at, end_at, acute, diagnosis, died,
	                                              index_eligible)::text FROM big_dated),
	(SELECT count(*) FILTER (WHERE preventable_readmitted) || '/' || count(*) FILTER (WHERE index_stay) FROM ref),
	'preventable_readmission_rate (uuid patients, leader taking part) with parallel workers equals the SQL reference');

SELECT * FROM finish();
ROLLBACK;
