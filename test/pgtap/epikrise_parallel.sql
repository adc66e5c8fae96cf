-- epikrise_timeliness under parallel query: the plan has a Partial
-- Aggregate (state kvalitet.proportion, combined by proportion_combine),
-- parallel and serial results are identical, and the settings
-- kvalitet.timezone and kvalitet.extra_closed_days reach the workers.
BEGIN;
SELECT plan(11);

CREATE TABLE ep (unit int, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO ep
SELECT i % 7,
       CASE WHEN i % 101 = 0 THEN NULL
            ELSE '2023-01-01 00:00+00'::timestamptz + (hashint4(i) & 65535) * interval '17 minutes' END,
       NULL
FROM generate_series(1, 400000) AS i;
UPDATE ep SET sent_at = discharged_at + (hashint4(unit * 1000003 + extract(epoch FROM discharged_at)::int) & 255) * interval '37 minutes'
WHERE discharged_at IS NOT NULL AND extract(minute FROM discharged_at)::int % 9 <> 0;
ANALYZE ep;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;

\ir lib/plan_of.sql

SELECT matches(pg_temp.plan_of('SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at) FROM ep'),
	'Partial Aggregate', 'epikrise_timeliness(d, s) runs as a partial aggregate');
SELECT matches(pg_temp.plan_of('SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 3) FROM ep'),
	'Partial Aggregate', 'epikrise_timeliness(d, s, n) runs as a partial aggregate');

-- Parallel results under three settings.
CREATE TEMP TABLE par (setting text, p text);
CREATE TEMP TABLE par_units (unit int, p text);
INSERT INTO par SELECT 'default', kvalitet.epikrise_timeliness(discharged_at, sent_at)::text FROM ep;
INSERT INTO par SELECT 'deadline 0', kvalitet.epikrise_timeliness(discharged_at, sent_at, 0)::text FROM ep;
INSERT INTO par_units SELECT unit, kvalitet.epikrise_timeliness(discharged_at, sent_at, 2)::text FROM ep GROUP BY unit;
SET LOCAL kvalitet.timezone = 'America/Sao_Paulo';
INSERT INTO par SELECT 'sao paulo', kvalitet.epikrise_timeliness(discharged_at, sent_at, 0)::text FROM ep;
RESET kvalitet.timezone;
SET LOCAL kvalitet.extra_closed_days = 'grundlovsdag,juleaften,nytaarsaften';
INSERT INTO par SELECT 'closed', kvalitet.epikrise_timeliness(discharged_at, sent_at)::text FROM ep;
RESET kvalitet.extra_closed_days;

-- The same serially.
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT doesnt_match(pg_temp.plan_of('SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at) FROM ep'),
	'Partial Aggregate', 'without workers the plan is serial');
SELECT is((SELECT p FROM par WHERE setting = 'default'),
	(SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at)::text FROM ep),
	'parallel and serial totals are identical');
SELECT is((SELECT p FROM par WHERE setting = 'deadline 0'),
	(SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 0)::text FROM ep),
	'parallel and serial totals are identical with deadline 0');
SELECT set_eq('SELECT unit, p FROM par_units',
	'SELECT unit, kvalitet.epikrise_timeliness(discharged_at, sent_at, 2)::text FROM ep GROUP BY unit',
	'parallel and serial per-unit values are identical');
SELECT is((SELECT p FROM par WHERE setting = 'default'),
	(SELECT (count(*) FILTER (WHERE sent_at <= kvalitet.epikrise_deadline(discharged_at)))
	        || '/' || count(discharged_at) FROM ep),
	'the total equals counting with epikrise_deadline row by row');

-- The workers used the session's settings.
SET LOCAL kvalitet.timezone = 'America/Sao_Paulo';
SELECT is((SELECT p FROM par WHERE setting = 'sao paulo'),
	(SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 0)::text FROM ep),
	'kvalitet.timezone reaches the workers');
RESET kvalitet.timezone;
SELECT isnt((SELECT p FROM par WHERE setting = 'sao paulo'), (SELECT p FROM par WHERE setting = 'deadline 0'),
	'the time zone changes the result');
SET LOCAL kvalitet.extra_closed_days = 'grundlovsdag,juleaften,nytaarsaften';
SELECT is((SELECT p FROM par WHERE setting = 'closed'),
	(SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at)::text FROM ep),
	'kvalitet.extra_closed_days reaches the workers');
RESET kvalitet.extra_closed_days;
SELECT isnt((SELECT p FROM par WHERE setting = 'closed'), (SELECT p FROM par WHERE setting = 'default'),
	'the closing days change the result');

SELECT * FROM finish();
ROLLBACK;
