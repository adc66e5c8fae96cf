-- Control limits per point: p, p' (Laney) and u charts as window functions
-- (docs/indicators.md section 10), on series worked out by hand.
CREATE TEMP TABLE pts (series text, t integer, x double precision, n double precision);
INSERT INTO pts VALUES
-- p: centre 60/300 = 0.2, sigma 0.04: limits 0.08 and 0.32; 0.02 and 0.38 outside
('a', 1, 2, 100), ('a', 2, 20, 100), ('a', 3, 38, 100),
-- a point without a denominator, a zero one and an impossible one take no part
('b', 1, 10, 100), ('b', 2, NULL, 100), ('b', 3, 5, 0), ('b', 4, 7, 5), ('b', 5, 30, 100),
-- u: 5, 10, 30 events per 1000: centre 0.015, 30 per 1000 above 0.02662
('u', 1, 5, 1000), ('u', 2, 10, 1000), ('u', 3, 30, 1000);

SELECT series, t, round((c).centre::numeric, 6) AS centre, round((c).lower::numeric, 6) AS lower,
       round((c).upper::numeric, 6) AS upper, (c).special_cause
FROM (SELECT series, t, kvalitet.p_chart(x, n) OVER (PARTITION BY series ORDER BY t) AS c
      FROM pts WHERE series IN ('a', 'b')) AS s
ORDER BY series, t;

-- p': the same series; over-dispersion widens the limits (sigma_z = 4.5 / 1.128).
SELECT t, round((c).upper::numeric, 6) AS upper, round((0.2 + 3 * 0.04 * 4.5 / 1.128)::numeric, 6) AS by_hand,
       (c).special_cause
FROM (SELECT t, kvalitet.p_prime_chart(x, n) OVER (ORDER BY t) AS c FROM pts WHERE series = 'a') AS s
ORDER BY t;

SELECT t, round((c).centre::numeric, 6) AS centre, round((c).lower::numeric, 6) AS lower,
       round((c).upper::numeric, 6) AS upper, (c).special_cause
FROM (SELECT t, kvalitet.u_chart(x, n) OVER (ORDER BY t) AS c FROM pts WHERE series = 'u') AS s
ORDER BY t;

-- Row order does not matter (only the window's), integers are taken as they are.
SELECT count(*) AS differ
FROM (SELECT series, t, kvalitet.p_chart(x::bigint, n::bigint) OVER (PARTITION BY series ORDER BY t) AS c
      FROM (SELECT * FROM pts ORDER BY random()) AS r) AS s1
JOIN (SELECT series, t, kvalitet.p_chart(x, n) OVER (PARTITION BY series ORDER BY t) AS c FROM pts) AS s2
  USING (series, t)
WHERE s1.c IS DISTINCT FROM s2.c;
