-- kvalitet.proportion: text form, accessors, intervals, aggregates, kvalitet.rate.

-- Text form round trip and strict parsing.
SELECT '37/412'::kvalitet.proportion, ' 0/0 '::kvalitet.proportion, '5/5'::kvalitet.proportion;
SELECT '9223372036854775807/9223372036854775807'::kvalitet.proportion;
SELECT '-1/3'::kvalitet.proportion;
SELECT '4/3'::kvalitet.proportion;
SELECT '1/'::kvalitet.proportion;
SELECT '/1'::kvalitet.proportion;
SELECT '1 / 2'::kvalitet.proportion;
SELECT '1/2x'::kvalitet.proportion;
SELECT '+1/2'::kvalitet.proportion;
SELECT ''::kvalitet.proportion;
SELECT '1/9223372036854775808'::kvalitet.proportion;
SELECT '99999999999999999999/99999999999999999999'::kvalitet.proportion;
SELECT '1/20000000000000000000'::kvalitet.proportion;  -- 20 digits whose product would wrap

-- Constructor checks values, not syntax.
SELECT kvalitet.proportion(3, 7);
SELECT kvalitet.proportion(8, 7);
SELECT kvalitet.proportion(-1, 7);

-- Accessors; rate is NULL when nothing was counted.
SELECT kvalitet.numerator('37/412'), kvalitet.denominator('37/412'),
       round(kvalitet.rate('37/412'::kvalitet.proportion)::numeric, 6) AS rate,
       kvalitet.rate('0/0'::kvalitet.proportion) IS NULL AS rate_null;

-- Wilson score interval: 37/412 at 95% is [0.065856, 0.121334] (closed formula, by hand).
SELECT round(kvalitet.wilson_lower('37/412')::numeric, 5) AS lo,
       round(kvalitet.wilson_upper('37/412')::numeric, 5) AS hi,
       round(kvalitet.wilson_lower('37/412', 0.99)::numeric, 5) AS lo99,
       round(kvalitet.wilson_upper('37/412', 0.99)::numeric, 5) AS hi99;
SELECT kvalitet.wilson_lower('0/10') AS zero_lo, round(kvalitet.wilson_upper('0/10')::numeric, 5) AS zero_hi,
       round(kvalitet.wilson_lower('10/10')::numeric, 5) AS all_lo, kvalitet.wilson_upper('10/10') AS all_hi,
       kvalitet.wilson_lower('0/0') IS NULL AS empty;
SELECT kvalitet.wilson_lower('1/2', 1);
SELECT kvalitet.wilson_upper('1/2', 95);

-- Equality and addition.
SELECT '1/2'::kvalitet.proportion OPERATOR(kvalitet.=) '1/2'::kvalitet.proportion AS eq,
       '1/2'::kvalitet.proportion OPERATOR(kvalitet.=) '2/4'::kvalitet.proportion AS not_reduced,
       '1/2'::kvalitet.proportion OPERATOR(kvalitet.<>) '1/3'::kvalitet.proportion AS ne,
       '1/2'::kvalitet.proportion OPERATOR(kvalitet.+) '3/5'::kvalitet.proportion AS sum;
SELECT '9223372036854775807/9223372036854775807'::kvalitet.proportion OPERATOR(kvalitet.+) '0/1'::kvalitet.proportion;

-- The aggregate counts true and false, skips NULL; an empty input gives 0/0.
SELECT kvalitet.proportion(x) FROM (VALUES (true), (false), (NULL), (true), (false)) AS v(x);
SELECT kvalitet.proportion(x) FROM (VALUES (true)) AS v(x) WHERE false;
SELECT g, kvalitet.proportion(x) FROM (VALUES (1, true), (1, false), (2, NULL::boolean), (2, true))
       AS v(g, x) GROUP BY g ORDER BY g;

-- Two-step aggregation: monthly values per unit roll up exactly.
CREATE TEMP TABLE monthly AS
SELECT unit, month, kvalitet.proportion(i % 7 = 0) AS p
FROM generate_series(1, 10000) AS i,
     LATERAL (SELECT i % 3 AS unit, i % 12 AS month) AS k
GROUP BY unit, month;
SELECT kvalitet.rollup(p) AS rolled,
       (SELECT kvalitet.proportion(i % 7 = 0) FROM generate_series(1, 10000) AS i) AS direct
FROM monthly;
SELECT unit, kvalitet.rollup(p) FROM monthly GROUP BY unit ORDER BY unit;
SELECT kvalitet.rollup(p) FROM (VALUES ('1/2'::kvalitet.proportion), (NULL), ('3/4')) AS v(p);

-- As a window aggregate (running totals).
SELECT i, kvalitet.proportion(i % 2 = 0) OVER (ORDER BY i) FROM generate_series(1, 4) AS i;

-- A proportion stored in a table, compared and grouped on.
CREATE TEMP TABLE stored (p kvalitet.proportion);
INSERT INTO stored VALUES ('1/2'), ('1/2'), ('2/4');
SELECT count(*) FROM stored WHERE p OPERATOR(kvalitet.=) '1/2';

-- Binary send/receive round trip through COPY.
\copy (SELECT '37/412'::kvalitet.proportion UNION ALL SELECT '0/0') TO '/tmp/kvalitet_regress_proportion.bin' WITH (FORMAT binary)
CREATE TEMP TABLE received (p kvalitet.proportion);
\copy received FROM '/tmp/kvalitet_regress_proportion.bin' WITH (FORMAT binary)
SELECT p FROM received ORDER BY kvalitet.denominator(p);

-- kvalitet.poisson_rate: 10 events in 5,000 persons per 1,000 = 2.0 [0.959078, 3.678071]
-- (Garwood limits for 10 events: 4.795389 and 18.390356).
SELECT round(value::numeric, 6), round(lower::numeric, 6), round(upper::numeric, 6)
FROM kvalitet.poisson_rate(10, 5000);
SELECT round(value::numeric, 4), lower, round(upper::numeric, 6) FROM kvalitet.poisson_rate(0, 1000, 100);
SELECT * FROM kvalitet.poisson_rate(-1, 1000);
SELECT * FROM kvalitet.poisson_rate(1, 0);
SELECT * FROM kvalitet.poisson_rate(1, 10, 0);
SELECT * FROM kvalitet.poisson_rate(1, 10, 1000, 1.5);
