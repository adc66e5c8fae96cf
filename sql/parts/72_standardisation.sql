
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
