-- bench/run_chart.sql - run by bench/run_chart.sh inside a throwaway cluster.
-- Prints, from one run (best of 3 each), the floor, avg() per series,
-- kvalitet.run_chart per series and the pure-SQL rules, with the ratios.
-- Every query uses its result, so that the planner cannot drop the work.
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '64MB';
SELECT setseed(0.42);
-- Monthly values of an indicator per unit, in series and time order.
CREATE UNLOGGED TABLE pts AS
SELECT s AS series, t, round((0.1 + 0.02 * random())::numeric, 3)::double precision AS v
FROM generate_series(1, :series) AS s, generate_series(1, :points) AS t;
VACUUM ANALYZE pts;
\ir best_of.sql
SELECT pg_temp.best('count(*) floor', 'SELECT count(*) FROM pts');
SELECT pg_temp.best('avg(v) per series',
	'SELECT sum(a) FROM (SELECT series, avg(v) AS a FROM pts GROUP BY series) AS s');
SELECT pg_temp.best('kvalitet.run_chart(v ORDER BY t) per series',
	'SELECT count(*) FILTER (WHERE (r).signal) FROM (SELECT series, kvalitet.run_chart(v ORDER BY t) AS r FROM pts GROUP BY series) AS s');
-- What any aggregate with ORDER BY in its call costs on PostgreSQL 15 (each
-- group's rows go through a sort of their own): the floor of run_chart.
SELECT pg_temp.best('array_agg(v ORDER BY t) per series',
	'SELECT sum(cardinality(a)) FROM (SELECT series, array_agg(v ORDER BY t) AS a FROM pts GROUP BY series) AS s');
SELECT pg_temp.best('pure SQL: median, runs, crossings', $q$
WITH centre AS (
	SELECT series, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS centre FROM pts GROUP BY series),
sides AS (
	SELECT p.series, p.t, sign(p.v - c.centre) AS side
	FROM pts AS p JOIN centre AS c USING (series) WHERE p.v <> c.centre),
runs AS (
	SELECT series, sum((side IS DISTINCT FROM prev)::int) OVER (PARTITION BY series ORDER BY t) AS run
	FROM (SELECT *, lag(side) OVER (PARTITION BY series ORDER BY t) AS prev FROM sides) AS x),
lengths AS (SELECT series, run, count(*) AS len FROM runs GROUP BY series, run),
per_series AS (SELECT series, sum(len) AS useful, max(len) AS longest, count(*) - 1 AS crossings
               FROM lengths GROUP BY series)
SELECT count(*) FILTER (WHERE longest > round(log(2, useful) + 3)) FROM per_series$q$, 2);
SELECT w.what, round(w.ms) AS ms,
       round((w.ms / f.ms)::numeric, 2) AS x_floor,
       round((w.ms / a.ms)::numeric, 2) AS x_avg,
       round((s.ms / w.ms)::numeric, 1) AS sql_over_this
FROM timings w, (SELECT ms FROM timings WHERE what = 'count(*) floor') f,
     (SELECT ms FROM timings WHERE what = 'avg(v) per series') a,
     (SELECT ms FROM timings WHERE what LIKE 'pure SQL%') s;
