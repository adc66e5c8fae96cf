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

-- Pooling small strata (fewer than 5 in the denominator) with the next age
-- band, worked out by hand.  M: 0-4 has 3, 5-9 has 10: pooled (0, 13); 10-14
-- has 6: alone; 15-19 has 2, the top, under 5: joins the pool below (10, 8).
-- F: 0-4 and 5-9 empty, 10-14 has 7: one pool (0, 7) with all three
-- weights.  U: 2 and 1: one pool under 5 (nothing to join).  Given in
-- another order; the result is in sex and age order.
SELECT p.* FROM kvalitet.pooled_strata(
	ARRAY['M', 'F', 'M', 'U', 'F', 'M', 'F', 'M', 'U'],
	ARRAY[15, 10, 10, 5, 0, 5, 5, 0, 0],
	ARRAY[1, 2, 1, 0, 0, 3, 0, 1, 1]::bigint[],
	ARRAY[2, 7, 6, 1, 0, 10, 0, 3, 2]::double precision[],
	ARRAY[10, 30, 40, 5, 10, 20, 20, 10, 5]::double precision[]) AS p;
-- The pooled strata standardised: M (0): 4/13 weight 30, M (10): 2/8 weight
-- 50, F (0): 2/7 weight 60, U (0): 1/3 weight 10; rate = (30 x 4/13 +
-- 50 x 2/8 + 60 x 2/7 + 10 x 1/3) / 150 = 0.281380
SELECT round((kvalitet.direct_standardised_rate(p.events, p.population, p.standard_weight, 1)).value::numeric, 6) AS pooled,
       round(((30 * 4.0 / 13 + 50 * 2.0 / 8 + 60 * 2.0 / 7 + 10 * 1.0 / 3) / 150)::numeric, 6) AS by_hand
FROM kvalitet.pooled_strata(
	ARRAY['M', 'F', 'M', 'U', 'F', 'M', 'F', 'M', 'U'], ARRAY[15, 10, 10, 5, 0, 5, 5, 0, 0],
	ARRAY[1, 2, 1, 0, 0, 3, 0, 1, 1]::bigint[], ARRAY[2, 7, 6, 1, 0, 10, 0, 3, 2]::double precision[],
	ARRAY[10, 30, 40, 5, 10, 20, 20, 10, 5]::double precision[]) AS p;
-- Exactly 5 is enough; a threshold can be given (0: no pooling); no strata, no rows.
SELECT p.* FROM kvalitet.pooled_strata(ARRAY['M', 'M'], ARRAY[0, 5], ARRAY[1, 1]::bigint[],
                                       ARRAY[5, 5]::double precision[], ARRAY[1, 1]::double precision[]) AS p;
SELECT p.* FROM kvalitet.pooled_strata(ARRAY['M', 'M'], ARRAY[0, 5], ARRAY[1, 1]::bigint[],
                                       ARRAY[5, 5]::double precision[], ARRAY[1, 1]::double precision[], 10) AS p;
SELECT count(*) FROM kvalitet.pooled_strata('{}', '{}', '{}', '{}', '{}');
-- Arrays of different lengths, a bad threshold: errors.
\set SHOW_CONTEXT never
SELECT * FROM kvalitet.pooled_strata(ARRAY['M'], ARRAY[0, 5], ARRAY[1]::bigint[], ARRAY[5]::double precision[], ARRAY[1]::double precision[]);
SELECT * FROM kvalitet.pooled_strata(ARRAY['M'], ARRAY[0], ARRAY[1]::bigint[], ARRAY[5]::double precision[], ARRAY[1]::double precision[], -1);
SELECT * FROM kvalitet.pooled_strata(ARRAY['M'], ARRAY[0], ARRAY[-1]::bigint[], ARRAY[5]::double precision[], ARRAY[1]::double precision[]);
SELECT * FROM kvalitet.pooled_strata(ARRAY['M'], ARRAY[0], ARRAY[1]::bigint[], ARRAY['NaN']::double precision[], ARRAY[1]::double precision[]);
-- A stratum without a sex or an age band cannot be placed: left out, with a warning.
SELECT * FROM kvalitet.pooled_strata(ARRAY['M', NULL, 'M'], ARRAY[0, 5, NULL], ARRAY[1, 1, 1]::bigint[],
                                     ARRAY[5, 5, 5]::double precision[], ARRAY[1, 1, 1]::double precision[]);

-- The shipped standard population: esp2013, 100,000 per sex in 20 bands.
SELECT standard, sex, count(*) AS bands, sum(weight) AS total, min(age_low), max(age_low)
FROM kvalitet.standard_population WHERE rule_set = 'dk-default-1' GROUP BY 1, 2 ORDER BY 1, 2;
