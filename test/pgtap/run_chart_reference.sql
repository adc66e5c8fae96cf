-- kvalitet.run_chart against a pure-SQL version of the same rules
-- (docs/indicators.md section 10), written from the rules alone: the median
-- by percentile_cont, runs by window functions, the crossings limit from
-- exact binomial coefficients in numeric.  Random series of small integers
-- (so that many points sit on the centre line, and runs sit on their
-- limits), with NULLs, of 1 to 80 points, with and without a baseline; then
-- the same series fed in random row order.
BEGIN;
SELECT plan(5);

SELECT setseed(0.42);
CREATE TEMP TABLE series AS
SELECT s AS series, 1 + floor(random() * 80)::int AS n,
       CASE WHEN random() < 0.3 THEN 1 + floor(random() * 30)::int END AS baseline,
       1 + floor(random() * 5)::int AS spread
FROM generate_series(1, 600) AS s;
CREATE TEMP TABLE pts AS
SELECT s.series, t, CASE WHEN random() < 0.05 THEN NULL
                         -- long drifts now and then, so that some runs are long
                         WHEN s.series % 4 = 0 THEN floor(random() * s.spread) + (t > s.n / 2)::int * s.spread
                         ELSE floor(random() * s.spread) END::double precision AS v
FROM series AS s, generate_series(1, s.n) AS t;

CREATE FUNCTION pg_temp.crossings_limit(useful bigint) RETURNS integer LANGUAGE sql AS $$
	SELECT coalesce(min(c), 0)::integer FROM (
		SELECT c, sum(factorial(useful - 1) / (factorial(k) * factorial(useful - 1 - k))) OVER (ORDER BY c) AS below
		FROM generate_series(0, useful - 1) AS c, LATERAL (SELECT c AS k) AS kk) AS cdf
	WHERE useful >= 2 AND below * 20 >= 2::numeric ^ (useful - 1)
$$;

CREATE TEMP TABLE reference AS
WITH numbered AS (
	SELECT p.series, p.t, p.v, row_number() OVER (PARTITION BY p.series ORDER BY p.t) AS k
	FROM pts AS p WHERE p.v IS NOT NULL),
centre AS (
	SELECT nb.series, percentile_cont(0.5) WITHIN GROUP (ORDER BY nb.v) AS centre
	FROM numbered AS nb JOIN series AS s USING (series)
	WHERE s.baseline IS NULL OR nb.k <= s.baseline
	GROUP BY nb.series),
sides AS (
	SELECT nb.series, nb.t, sign(nb.v - c.centre) AS side
	FROM numbered AS nb JOIN centre AS c USING (series)
	WHERE nb.v <> c.centre),
runs AS (
	SELECT series, t, side,
	       sum(CASE WHEN side IS DISTINCT FROM prev THEN 1 ELSE 0 END) OVER (PARTITION BY series ORDER BY t) AS run
	FROM (SELECT *, lag(side) OVER (PARTITION BY series ORDER BY t) AS prev FROM sides) AS x),
per_series AS (
	SELECT c.series, c.centre, count(r.t) AS useful, coalesce(max(r.run), 0) AS nruns,
	       coalesce((SELECT max(cnt) FROM (SELECT count(*) AS cnt FROM runs AS r2 WHERE r2.series = c.series GROUP BY r2.run) AS z), 0) AS longest
	FROM centre AS c LEFT JOIN runs AS r USING (series)
	GROUP BY c.series, c.centre)
SELECT series, centre, useful::integer, longest::integer,
       CASE WHEN useful >= 1 THEN round(log(2, useful) + 3) ELSE 0 END::integer AS longest_limit,
       greatest(nruns - 1, 0)::integer AS crossings,
       pg_temp.crossings_limit(useful) AS crossings_limit
FROM per_series;
SELECT *, CASE WHEN useful >= 12 THEN longest > longest_limit OR crossings < crossings_limit END AS signal
INTO TEMP reference_signal FROM reference;

CREATE TEMP TABLE engine AS
SELECT p.series, kvalitet.run_chart(p.v, s.baseline ORDER BY p.t) AS r
FROM pts AS p JOIN series AS s USING (series) GROUP BY p.series;

SELECT ok((SELECT count(*) FROM reference_signal) > 500, 'the reference judged most series');
SELECT ok((SELECT count(*) FILTER (WHERE signal) FROM reference_signal) > 20
          AND (SELECT count(*) FILTER (WHERE NOT signal) FROM reference_signal) > 20,
          'the random series give both signals and quiet series');
SELECT is_empty($$
	SELECT series FROM reference_signal AS ref JOIN engine AS e USING (series)
	WHERE (ref.centre, ref.useful, ref.longest, ref.longest_limit, ref.crossings, ref.crossings_limit, ref.signal)
	      IS DISTINCT FROM ((e.r).centre, (e.r).useful_points, (e.r).longest_run, (e.r).longest_run_limit,
	                        (e.r).crossings, (e.r).crossings_limit, (e.r).signal)
	UNION ALL
	SELECT series FROM reference_signal EXCEPT SELECT series FROM engine$$,
	'run_chart equals the SQL reference on every series');

CREATE TEMP TABLE shuffled AS SELECT * FROM pts ORDER BY random();
SELECT is_empty($$
	SELECT p.series, kvalitet.run_chart(p.v, s.baseline ORDER BY p.t)::text
	FROM shuffled AS p JOIN series AS s USING (series) GROUP BY p.series
	EXCEPT
	SELECT series, r::text FROM engine$$,
	'the same results from rows in random order');

-- qicharts2's published critical values (the vignette "Quality Improvement
-- Charts", Appendix 2: "Critical values for longest run and number of
-- crossings", n = 10 to 100 useful observations; anhoej/qicharts2,
-- vignettes/qicharts2.Rmd): the longest-run limit is 6 up to n = 11, 7 up to
-- 22, 8 up to 45, 9 up to 90 and 10 after; the crossings limits per n are
-- below.  Series 2, 0, 2, 0, ... of n points with the first two as the
-- baseline (centre 1) have exactly n useful points.
SELECT is_empty($$
	SELECT t.k + 9 AS n
	FROM unnest(ARRAY[2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13,
	                  14, 14, 14, 15, 15, 16, 16, 17, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 21, 22, 22, 23, 23,
	                  24, 24, 25, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 29, 30, 30, 31, 31, 32, 32, 33, 33, 34,
	                  34, 34, 35, 35, 36, 36, 37, 37, 38, 38, 39, 39, 39, 40, 40, 41, 41]) WITH ORDINALITY AS t(crossings_limit, k),
	     LATERAL (SELECT kvalitet.run_chart((x % 2 * 2)::double precision, 2 ORDER BY x) AS r
	              FROM generate_series(1, t.k + 9) AS x) AS rc
	WHERE (rc.r).useful_points <> t.k + 9
	   OR (rc.r).crossings_limit <> t.crossings_limit
	   OR (rc.r).longest_run_limit <> CASE WHEN t.k + 9 <= 11 THEN 6 WHEN t.k + 9 <= 22 THEN 7 WHEN t.k + 9 <= 45 THEN 8
	                                       WHEN t.k + 9 <= 90 THEN 9 ELSE 10 END
	UNION ALL
	SELECT -1 WHERE (SELECT count(*) FROM unnest(ARRAY[2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13,
	                  14, 14, 14, 15, 15, 16, 16, 17, 17, 17, 18, 18, 19, 19, 20, 20, 21, 21, 21, 22, 22, 23, 23,
	                  24, 24, 25, 25, 25, 26, 26, 27, 27, 28, 28, 29, 29, 29, 30, 30, 31, 31, 32, 32, 33, 33, 34,
	                  34, 34, 35, 35, 36, 36, 37, 37, 38, 38, 39, 39, 39, 40, 40, 41, 41])) <> 91$$,
	'the limits for 10 to 100 useful points are qicharts2''s published critical values');

SELECT * FROM finish();
ROLLBACK;
