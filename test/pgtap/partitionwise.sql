-- Scaling on one machine: a contacts table partitioned by a patient bucket.
-- Grouped by the bucket, readmission_rate is computed per partition
-- (partition-wise aggregation; whether each partition's aggregate runs whole
-- in one worker or in parallel parts is the planner's cost choice), and
-- rolling the buckets up gives exactly the figure over the whole table.
\set QUIET on
\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
\ir ../reference/reference.sql
\ir ../reference/random_contacts.sql
SELECT plan(2);

CREATE TABLE bucketed (bucket int, LIKE kvalitet_ref.contacts) PARTITION BY LIST (bucket);
CREATE TABLE bucketed_0 PARTITION OF bucketed FOR VALUES IN (0);
CREATE TABLE bucketed_1 PARTITION OF bucketed FOR VALUES IN (1);
CREATE TABLE bucketed_2 PARTITION OF bucketed FOR VALUES IN (2);
INSERT INTO bucketed
SELECT abs(hashint8(patient)) % 3, * FROM kvalitet_ref.random_contacts(0.61, 3000);
INSERT INTO kvalitet_ref.contacts SELECT patient, start_at, end_at, acute, diagnosis, died, index_eligible FROM bucketed;
ANALYZE bucketed;

SET LOCAL enable_partitionwise_aggregate = on;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0.1;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;

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

SELECT * FROM finish();
ROLLBACK;
