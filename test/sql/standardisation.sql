-- Standardised rates (docs/indicators.md section 10): direct with the
-- Fay-Feuer interval, indirect with Garwood's, worked out by hand.
CREATE TEMP TABLE strata (unit text, band text, events bigint, population double precision,
                          weight double precision, reference_rate double precision);
INSERT INTO strata VALUES
-- unit A: 10 events in 1000 young, 40 in 2000 old; weights 0.5 each
('A', 'young', 10, 1000, 0.5, 0.008), ('A', 'old', 40, 2000, 0.5, 0.025),
-- unit B: one stratum only: the rate and the Garwood interval / n
('B', 'old', 37, 1000, 1, 0.025),
-- a stratum without population has no rate: left out, with a warning
('C', 'young', 3, 0, 0.5, 0.008), ('C', 'old', 20, 1000, 0.5, 0.025);

-- A: (0.5 x 10/1000 + 0.5 x 40/2000) x 1000 = 15 per 1,000.
-- B: 37 per 1,000 with the Garwood limits of 37 (26.050, 50.998) / 1000 x 1000.
SELECT unit, round((r).value::numeric, 4) AS value, round((r).lower::numeric, 3) AS lower,
       round((r).upper::numeric, 3) AS upper
FROM (SELECT unit, kvalitet.direct_standardised_rate(events, population, weight) AS r
      FROM strata GROUP BY unit) AS s ORDER BY unit;
SELECT round((p).lower::numeric, 3) AS garwood_lower, round((p).upper::numeric, 3) AS garwood_upper
FROM (SELECT kvalitet.poisson_rate(37, 1000) AS p) AS x;
-- Weights need not sum to 1, and the rate base can be given.
SELECT round(((kvalitet.direct_standardised_rate(events, population, weight * 7, 100000)).value)::numeric, 2) AS per_100000
FROM strata WHERE unit = 'A';

-- Indirect: A observed 50, expected 1000 x 0.008 + 2000 x 0.025 = 58: ratio 0.8621.
SELECT unit, round((r).value::numeric, 4) AS ratio, round((r).lower::numeric, 4) AS lower,
       round((r).upper::numeric, 4) AS upper
FROM (SELECT unit, kvalitet.indirect_standardised_ratio(events, population * reference_rate) AS r
      FROM strata GROUP BY unit) AS s ORDER BY unit;

-- Bad input: negative counts are errors; no strata, NULL.
SELECT kvalitet.direct_standardised_rate(-1, 100, 1);
SELECT kvalitet.indirect_standardised_ratio(-1, 1.0);
SELECT kvalitet.direct_standardised_rate(events, population, weight) IS NULL AS none FROM strata WHERE false;

-- Partial sums combine: the parallel plan gives the same answer.
CREATE TABLE many_strata AS
SELECT i % 40 AS unit, 1 + (i % 7) AS events, 500 + (i % 13) * 10 AS population, 1.0 / (1 + i % 3) AS weight
FROM generate_series(1, 200000) AS i;
ANALYZE many_strata;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT kvalitet.direct_standardised_rate(events, population, weight) FROM many_strata;
CREATE TEMP TABLE par AS SELECT kvalitet.direct_standardised_rate(events, population, weight)::text AS d,
       kvalitet.indirect_standardised_ratio(events, population * 0.008)::text AS i FROM many_strata;
SET max_parallel_workers_per_gather = 0;
-- (sums in another order: equal to 12 significant digits)
CREATE FUNCTION pg_temp.close(a text, b kvalitet.rate_estimate) RETURNS boolean LANGUAGE sql AS $$
	SELECT abs((a::kvalitet.rate_estimate).value - b.value) <= 1e-12 * abs(b.value)
	   AND abs((a::kvalitet.rate_estimate).lower - b.lower) <= 1e-12 * abs(b.lower)
	   AND abs((a::kvalitet.rate_estimate).upper - b.upper) <= 1e-12 * abs(b.upper) $$;
SELECT pg_temp.close((SELECT d FROM par), kvalitet.direct_standardised_rate(events, population, weight)) AS direct_same,
       pg_temp.close((SELECT i FROM par), kvalitet.indirect_standardised_ratio(events, population * 0.008)) AS indirect_same
FROM many_strata;
RESET ALL;
DROP TABLE many_strata;
