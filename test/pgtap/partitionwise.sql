-- Scaling on one machine: a contacts table partitioned by a patient bucket.
-- Grouped by the bucket, readmission_rate is computed per partition
-- (partition-wise aggregation; whether each partition's aggregate runs whole
-- in one worker or in parallel parts is the planner's cost choice), and
-- rolling the buckets up gives exactly the figure over the whole table.
-- A table striped across partitions row by row (each patient's contacts in
-- several) makes every partition's partial state pass through serialize,
-- deserialize and combine: the merge of workers' states, deterministically.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
\ir ../reference/reference.sql
\ir ../reference/random_contacts.sql
SELECT plan(8);

CREATE TABLE bucketed (bucket int, LIKE kvalitet_ref.contacts) PARTITION BY LIST (bucket);
CREATE TABLE bucketed_0 PARTITION OF bucketed FOR VALUES IN (0);
CREATE TABLE bucketed_1 PARTITION OF bucketed FOR VALUES IN (1);
CREATE TABLE bucketed_2 PARTITION OF bucketed FOR VALUES IN (2);
INSERT INTO bucketed
SELECT abs(hashint8(patient)) % 3, * FROM kvalitet_ref.random_contacts(0.61, 3000);
INSERT INTO kvalitet_ref.contacts SELECT patient, start_at, end_at, acute, diagnosis, died, index_eligible FROM bucketed;
ANALYZE bucketed;

CREATE TABLE striped (stripe int, LIKE kvalitet_ref.contacts) PARTITION BY LIST (stripe);
CREATE TABLE striped_0 PARTITION OF striped FOR VALUES IN (0);
CREATE TABLE striped_1 PARTITION OF striped FOR VALUES IN (1);
CREATE TABLE striped_2 PARTITION OF striped FOR VALUES IN (2);
CREATE TABLE striped_3 PARTITION OF striped FOR VALUES IN (3);
INSERT INTO striped
SELECT (row_number() OVER ()) % 4, patient, start_at, end_at, acute, diagnosis, died, index_eligible FROM bucketed;
ANALYZE striped;

SET LOCAL enable_partitionwise_aggregate = on;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0.1;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
-- Partial states per partition need a lower COST of merging states than
-- the default, which keeps the planner from partial aggregation
-- (src/stays_cost.c).
ALTER FUNCTION kvalitet.stays_combine(internal, internal) COST 0.001;

\ir lib/plan_of.sql

SELECT matches(pg_temp.plan_of($$
	SELECT kvalitet.rollup(p) FROM (
		SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible) AS p
		FROM bucketed GROUP BY bucket) AS per_bucket$$),
	'Append', 'the aggregate runs per partition');
SELECT is(
	(SELECT kvalitet.rollup(p)::text FROM (
		SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible) AS p
		FROM bucketed GROUP BY bucket) AS per_bucket),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'the rolled-up buckets equal the SQL reference over all rows');


-- Striped: one partial state per partition, merged by the leader.  Seq
-- scans, not parallel ones, so that no partition is split by chance.
SET LOCAL min_parallel_table_scan_size = '1GB';
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL parallel_leader_participation = off;
SELECT matches(pg_temp.plan_of($$
	SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)
	FROM striped$$),
	'Gather.*Parallel Append.*Partial Aggregate.*Seq Scan on striped_0.*Partial Aggregate.*Seq Scan on striped_1',
	'each partition of the striped table gets a partial state');
SELECT is(
	(SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM striped),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'the merged partial states equal the SQL reference (bigint patients)');
SELECT is(
	(SELECT kvalitet.readmission_rate('p' || patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM striped),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'the merged partial states equal the SQL reference (text patients)');
SELECT is(
	(SELECT kvalitet.preventable_admission_share(md5(patient::text)::uuid, start_at, end_at, acute, diagnosis)::text
	 FROM striped),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.preventable_share()),
	'the merged partial states equal the SQL reference (uuid patients)');
SELECT is(
	(SELECT kvalitet.readmission_rate(patient::integer, start_at, end_at, acute, diagnosis, died, index_eligible)::text
	 FROM striped),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.readmission_rate()),
	'the merged partial states equal the SQL reference (integer patients)');
SELECT is(
	(SELECT kvalitet.preventable_admission_share(('p' || patient)::varchar, start_at, end_at, acute, diagnosis)::text
	 FROM striped),
	(SELECT numerator || '/' || denominator FROM kvalitet_ref.preventable_share()),
	'the merged partial states equal the SQL reference (varchar patients)');

SELECT * FROM finish();
ROLLBACK;
