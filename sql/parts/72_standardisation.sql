
-- ---------------------------------------------------------------------------
-- Standardised rates: direct (Fay-Feuer interval) and indirect (observed /
-- expected, Garwood interval) over the strata of a unit (docs/indicators.md
-- section 10).  float8[] states, so partial sums travel between parallel
-- workers and Citus nodes.
-- ---------------------------------------------------------------------------

CREATE FUNCTION kvalitet.direct_standardised_accum(state double precision[], events bigint,
		population double precision, standard_weight double precision)
	RETURNS double precision[] AS 'MODULE_PATHNAME', 'direct_standardised_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.direct_standardised_accum(double precision[], bigint, double precision, double precision) IS
	'Transition function of kvalitet.direct_standardised_rate';
CREATE FUNCTION kvalitet.direct_standardised_accum(state double precision[], events bigint,
		population double precision, standard_weight double precision, per double precision)
	RETURNS double precision[] AS 'MODULE_PATHNAME', 'direct_standardised_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.direct_standardised_accum(double precision[], bigint, double precision, double precision, double precision) IS
	'Transition function of kvalitet.direct_standardised_rate';
CREATE FUNCTION kvalitet.direct_standardised_combine(state double precision[], other double precision[])
	RETURNS double precision[] AS 'MODULE_PATHNAME', 'direct_standardised_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.direct_standardised_combine(double precision[], double precision[]) IS
	'Combine function of kvalitet.direct_standardised_rate';
CREATE FUNCTION kvalitet.direct_standardised_final(state double precision[]) RETURNS kvalitet.rate_estimate
	AS 'MODULE_PATHNAME', 'direct_standardised_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.direct_standardised_final(double precision[]) IS
	'Final function of kvalitet.direct_standardised_rate';

CREATE AGGREGATE kvalitet.direct_standardised_rate(events bigint, population double precision,
		standard_weight double precision) (
	SFUNC = kvalitet.direct_standardised_accum, STYPE = double precision[],
	FINALFUNC = kvalitet.direct_standardised_final, COMBINEFUNC = kvalitet.direct_standardised_combine,
	INITCOND = '{0,0,0,0,0,0}', PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.direct_standardised_rate(bigint, double precision, double precision) IS
	'Directly standardised rate per 1,000 over strata (one row each: events, population, the standard population''s weight), with the Fay-Feuer 95% interval';
CREATE AGGREGATE kvalitet.direct_standardised_rate(events bigint, population double precision,
		standard_weight double precision, per double precision) (
	SFUNC = kvalitet.direct_standardised_accum, STYPE = double precision[],
	FINALFUNC = kvalitet.direct_standardised_final, COMBINEFUNC = kvalitet.direct_standardised_combine,
	INITCOND = '{0,0,0,0,0,0}', PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.direct_standardised_rate(bigint, double precision, double precision, double precision) IS
	'Directly standardised rate per `per` over strata, with the Fay-Feuer 95% interval';

CREATE FUNCTION kvalitet.indirect_standardised_accum(state double precision[], observed bigint,
		expected double precision)
	RETURNS double precision[] AS 'MODULE_PATHNAME', 'indirect_standardised_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.indirect_standardised_accum(double precision[], bigint, double precision) IS
	'Transition function of kvalitet.indirect_standardised_ratio';
CREATE FUNCTION kvalitet.indirect_standardised_combine(state double precision[], other double precision[])
	RETURNS double precision[] AS 'MODULE_PATHNAME', 'indirect_standardised_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.indirect_standardised_combine(double precision[], double precision[]) IS
	'Combine function of kvalitet.indirect_standardised_ratio';
CREATE FUNCTION kvalitet.indirect_standardised_final(state double precision[]) RETURNS kvalitet.rate_estimate
	AS 'MODULE_PATHNAME', 'indirect_standardised_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.indirect_standardised_final(double precision[]) IS
	'Final function of kvalitet.indirect_standardised_ratio';

CREATE AGGREGATE kvalitet.indirect_standardised_ratio(observed bigint, expected double precision) (
	SFUNC = kvalitet.indirect_standardised_accum, STYPE = double precision[],
	FINALFUNC = kvalitet.indirect_standardised_final, COMBINEFUNC = kvalitet.indirect_standardised_combine,
	INITCOND = '{0,0}', PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.indirect_standardised_ratio(bigint, double precision) IS
	'Standardised ratio observed / expected over a unit''s strata (expected = stratum denominator x reference rate), with the Garwood 95% interval of observed';

-- ---------------------------------------------------------------------------
-- Standard populations and the pooling of small strata (docs/indicators.md
-- section 10): the weights a direct standardisation may use, and the rule
-- that a stratum with fewer than 5 in its denominator joins its neighbour
-- age band.
-- ---------------------------------------------------------------------------

CREATE TABLE kvalitet.standard_population (
	standard text NOT NULL CHECK (standard OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$'),
	sex text NOT NULL CHECK (sex OPERATOR(pg_catalog.=) ANY (ARRAY['M', 'F'])),
	age_low integer NOT NULL CHECK (age_low OPERATOR(pg_catalog.>=) 0),
	weight double precision NOT NULL CHECK (weight OPERATOR(pg_catalog.>=) 0 AND weight OPERATOR(pg_catalog.<) 'Infinity'),
	rule_set text NOT NULL DEFAULT 'local',
	PRIMARY KEY (standard, sex, age_low)
);
COMMENT ON TABLE kvalitet.standard_population IS
	'Standard populations for direct standardisation: weight per sex and age band (the band runs from age_low to the next age_low of the same standard); esp2013 ships, add your own rows under another name (docs/indicators.md section 10)';
COMMENT ON COLUMN kvalitet.standard_population.standard IS 'Name of the standard population (the bind option standard_population)';
COMMENT ON COLUMN kvalitet.standard_population.sex IS 'M or F';
COMMENT ON COLUMN kvalitet.standard_population.age_low IS 'Lower bound of the age band in years; the lowest band of a standard should start at 0';
COMMENT ON COLUMN kvalitet.standard_population.weight IS 'Persons (or any weight) of the band; weights need not sum to anything';
COMMENT ON COLUMN kvalitet.standard_population.rule_set IS 'dk-default-1 for shipped rows, local (or another name) for the user''s';

-- The European Standard Population 2013 (Eurostat), the same for both sexes.
INSERT INTO kvalitet.standard_population (standard, sex, age_low, weight, rule_set)
SELECT 'esp2013', s.sex, e.age_low, e.weight, 'dk-default-1'
FROM (VALUES ('M'), ('F')) AS s(sex),
	 (VALUES (0, 5000), (5, 5500), (10, 5500), (15, 5500), (20, 6000), (25, 6000), (30, 6500), (35, 7000),
			 (40, 7000), (45, 7000), (50, 7000), (55, 6500), (60, 6000), (65, 5500), (70, 5000), (75, 4000),
			 (80, 2500), (85, 1500), (90, 800), (95, 200)) AS e(age_low, weight);
SELECT pg_catalog.pg_extension_config_dump('kvalitet.standard_population', 'WHERE rule_set <> ''dk-default-1''');
GRANT SELECT ON kvalitet.standard_population TO PUBLIC;

-- Pool small strata: within each sex, age bands in order, a band joins the
-- bands above it until the pooled denominator reaches min_population; what
-- is left at the top under it joins the pool below.  A pooled stratum is
-- named by its lowest band and sums events, population and weight; a band
-- given more than once (a unit's counts and, apart, the standard's weight)
-- is added up first.  In C (src/core/strata.c): the bound views call it once
-- per unit and period.  Sexes are compared as bytes.
CREATE FUNCTION kvalitet.pooled_strata(sexes text[], age_lows integer[], event_counts bigint[],
		populations double precision[], weights double precision[],
		min_population double precision DEFAULT 5)
	RETURNS TABLE (sex text, age_low integer, events bigint, population double precision,
				   standard_weight double precision)
	AS 'MODULE_PATHNAME', 'pooled_strata' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION kvalitet.pooled_strata(text[], integer[], bigint[], double precision[], double precision[], double precision) IS
	'The strata of one unit (parallel arrays) with the small ones pooled: within a sex, in age order, bands join the next older ones until the denominator reaches min_population (5), a remainder at the top joins the pool below; strata without a sex or age band are left out with a warning; feed the result to kvalitet.direct_standardised_rate';
