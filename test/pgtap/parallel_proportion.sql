-- Parallel query drives the combine function of the proportion aggregates:
-- the plan must show a Partial Aggregate and the result must equal the
-- serial one exactly.
BEGIN;
SELECT plan(6);

CREATE TABLE pp (unit int, hit boolean);
INSERT INTO pp
SELECT i % 5, CASE WHEN i % 11 = 0 THEN NULL ELSE (hashint4(i) % 3 = 0) END
FROM generate_series(1, 1000000) AS i;
CREATE TABLE pr AS SELECT kvalitet.proportion(i % 7, i % 7 + i % 5) AS p FROM generate_series(1, 200000) AS i;
ANALYZE pp;
ANALYZE pr;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;

\ir lib/plan_of.sql

SELECT matches(pg_temp.plan_of('SELECT kvalitet.proportion(hit) FROM pp'),
	'Partial Aggregate', 'proportion(boolean) runs as a partial aggregate');
SELECT matches(pg_temp.plan_of('SELECT kvalitet.rollup(p) FROM pr'),
	'Partial Aggregate', 'rollup(proportion) runs as a partial aggregate');

CREATE TEMP TABLE par AS SELECT kvalitet.proportion(hit)::text AS p FROM pp;
CREATE TEMP TABLE par_units AS SELECT unit, kvalitet.proportion(hit)::text AS p FROM pp GROUP BY unit;
CREATE TEMP TABLE par_rollup AS SELECT kvalitet.rollup(p)::text AS p FROM pr;

SET LOCAL max_parallel_workers_per_gather = 0;
SELECT doesnt_match(pg_temp.plan_of('SELECT kvalitet.proportion(hit) FROM pp'),
	'Partial Aggregate', 'without workers the plan is serial');

SELECT is((SELECT p FROM par), (SELECT kvalitet.proportion(hit)::text FROM pp),
	'parallel and serial totals are identical');
SELECT set_eq('SELECT unit, p FROM par_units',
	'SELECT unit, kvalitet.proportion(hit)::text FROM pp GROUP BY unit',
	'parallel and serial per-group values are identical');
SELECT is((SELECT p FROM par_rollup),
	(SELECT sum(kvalitet.numerator(p)) || '/' || sum(kvalitet.denominator(p)) FROM pr),
	'parallel rollup equals the sums of numerators and denominators');

SELECT * FROM finish();
ROLLBACK;
