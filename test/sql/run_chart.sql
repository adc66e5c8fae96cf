-- kvalitet.run_chart: Anhøj's rules on hand-made series (docs/indicators.md
-- section 10); test/pgtap/run_chart_reference.sql compares it with a
-- pure-SQL version on random series.
CREATE TEMP TABLE pts (series text, t integer, v double precision);
INSERT INTO pts
SELECT 'rising', t, t FROM generate_series(1, 24) AS t                 -- one run below, one above
UNION ALL SELECT 'alternating', t, CASE WHEN t % 2 = 0 THEN 3 ELSE 1 END FROM generate_series(1, 12) AS t
UNION ALL SELECT 'short', t, t FROM generate_series(1, 11) AS t           -- under 12 useful points
UNION ALL SELECT 'with gaps', t, CASE WHEN t % 5 = 0 THEN NULL ELSE t % 3 END FROM generate_series(1, 30) AS t;

-- Rows in random order: ORDER BY inside the call decides.
CREATE TEMP TABLE shuffled AS SELECT * FROM pts ORDER BY md5(series || t);
SELECT series, (kvalitet.run_chart(v ORDER BY t)).*
FROM shuffled GROUP BY series ORDER BY series;

-- The limits at the sizes docs/indicators.md section 10 names.
SELECT n, (r).useful_points, (r).longest_run_limit, (r).crossings_limit
FROM (SELECT n, kvalitet.run_chart(CASE WHEN t % 2 = 0 THEN 1 ELSE -1 END ORDER BY t) AS r
      FROM unnest(ARRAY[12, 24, 50, 100]) AS n, generate_series(1, n) AS t GROUP BY n) AS s
ORDER BY n;

-- A baseline: the centre is the median of the first points only; a
-- baseline longer than the series is the whole series.
SELECT (kvalitet.run_chart(v, 4 ORDER BY t)).centre AS first_four,
       (kvalitet.run_chart(v, 1000 ORDER BY t)).centre AS all_points,
       (kvalitet.run_chart(v, NULL ORDER BY t)).centre AS null_is_all
FROM (VALUES (1, 10.0), (2, 12), (3, 11), (4, 13), (5, 20), (6, 21)) AS x(t, v);

-- As a window function: the analysis up to each point.
SELECT t, (r).centre, (r).useful_points, (r).signal
FROM (SELECT t, kvalitet.run_chart(v) OVER (ORDER BY t) AS r FROM pts WHERE series = 'rising') AS w
WHERE t IN (1, 11, 12, 24) ORDER BY t;

-- No points, or only NULLs: NULL.
SELECT kvalitet.run_chart(v ORDER BY t) IS NULL AS no_rows FROM pts WHERE false;
SELECT kvalitet.run_chart(NULL::double precision ORDER BY t) IS NULL AS only_nulls FROM pts;
-- NaN is ignored, with a warning.
SELECT (kvalitet.run_chart(v ORDER BY t)).useful_points
FROM (VALUES (1, 1.0), (2, 'NaN'), (3, 3.0)) AS x(t, v);
-- Without an order there is no series.
SELECT kvalitet.run_chart(v) FROM pts;
SELECT kvalitet.run_chart(v, 0 ORDER BY t) FROM pts;

-- Worked by hand: a baseline of two points (0 and 2) puts the centre line at
-- 1 whatever follows (a baseline shorter than the series); 0 is below, 2
-- above, 1 on the line.  With 12 useful points the limits are 7 (longest
-- run) and 3 (crossings).
--   run at limit:       0 | 2 x7 | 0 | 2 | 0 | 2   longest 7, 5 crossings: no signal
--   run over limit:     0 | 2 x8 | 0 | 2 | 0       longest 8: signal
--   crossings at limit: 0 | 2 x5 | 0 x5 | 2        3 crossings: no signal
--   crossings under:    0 | 2 x6 | 0 x5            2 crossings: signal
--   on the line:        0 | 2 2 2 1 2 2 2 2 | 0 | 2 | 0 1 | 2: the 1s are
--     not useful and neither break nor extend a run: 12 useful, longest 7
CREATE TEMP TABLE by_hand (series text, t integer, v double precision);
INSERT INTO by_hand
SELECT s.series, x.t, x.v
FROM (VALUES ('1 run at limit', '{0,2,2,2,2,2,2,2,0,2,0,2}'::double precision[]),
             ('2 run over limit', '{0,2,2,2,2,2,2,2,2,0,2,0}'),
             ('3 crossings at limit', '{0,2,2,2,2,2,0,0,0,0,0,2}'),
             ('4 crossings under limit', '{0,2,2,2,2,2,2,0,0,0,0,0}'),
             ('5 points on the line', '{0,2,2,2,1,2,2,2,2,0,2,0,1,2}')) AS s(series, vs),
     unnest(s.vs) WITH ORDINALITY AS x(v, t);
SELECT series, (r).centre, (r).useful_points, (r).longest_run, (r).longest_run_limit,
       (r).crossings, (r).crossings_limit, (r).signal
FROM (SELECT series, kvalitet.run_chart(v, 2 ORDER BY t) AS r FROM by_hand GROUP BY series) AS s
ORDER BY series;
-- The same series without the baseline: the centre is the median of all points.
SELECT series, (r).centre, (r).useful_points
FROM (SELECT series, kvalitet.run_chart(v ORDER BY t) AS r FROM by_hand GROUP BY series) AS s
ORDER BY series;
