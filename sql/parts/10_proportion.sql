
-- ---------------------------------------------------------------------------
-- kvalitet.proportion: an indicator value as numerator/denominator
-- ---------------------------------------------------------------------------

CREATE TYPE kvalitet.proportion;

CREATE FUNCTION kvalitet.proportion_in(input cstring) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kvalitet.proportion_out(p kvalitet.proportion) RETURNS cstring
	AS 'MODULE_PATHNAME', 'proportion_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kvalitet.proportion_recv(buffer internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION kvalitet.proportion_send(p kvalitet.proportion) RETURNS bytea
	AS 'MODULE_PATHNAME', 'proportion_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE kvalitet.proportion (
	INPUT = kvalitet.proportion_in,
	OUTPUT = kvalitet.proportion_out,
	RECEIVE = kvalitet.proportion_recv,
	SEND = kvalitet.proportion_send,
	INTERNALLENGTH = 16,
	ALIGNMENT = double,
	STORAGE = plain
);
COMMENT ON TYPE kvalitet.proportion IS
	'Indicator value kept as numerator/denominator (0 <= n <= d), so values roll up exactly; text form n/d, e.g. 37/412';
COMMENT ON FUNCTION kvalitet.proportion_in(cstring) IS 'Text input of kvalitet.proportion (n/d)';
COMMENT ON FUNCTION kvalitet.proportion_out(kvalitet.proportion) IS 'Text output of kvalitet.proportion (n/d)';
COMMENT ON FUNCTION kvalitet.proportion_recv(internal) IS 'Binary input of kvalitet.proportion';
COMMENT ON FUNCTION kvalitet.proportion_send(kvalitet.proportion) IS 'Binary output of kvalitet.proportion';

CREATE FUNCTION kvalitet.proportion(numerator bigint, denominator bigint) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.proportion(bigint, bigint) IS
	'Builds a proportion from its numerator and denominator';

CREATE FUNCTION kvalitet.numerator(p kvalitet.proportion) RETURNS bigint
	AS 'MODULE_PATHNAME', 'proportion_numerator' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.numerator(kvalitet.proportion) IS
	'How many counted units met the criterion';

CREATE FUNCTION kvalitet.denominator(p kvalitet.proportion) RETURNS bigint
	AS 'MODULE_PATHNAME', 'proportion_denominator' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.denominator(kvalitet.proportion) IS
	'How many units were counted';

CREATE FUNCTION kvalitet.rate(p kvalitet.proportion) RETURNS double precision
	AS 'MODULE_PATHNAME', 'proportion_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.rate(kvalitet.proportion) IS
	'numerator / denominator; NULL when the denominator is 0';

CREATE FUNCTION kvalitet.wilson_lower(p kvalitet.proportion, level double precision DEFAULT 0.95)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'proportion_wilson_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.wilson_lower(kvalitet.proportion, double precision) IS
	'Lower bound of the Wilson score interval at the given confidence level; NULL when the denominator is 0';

CREATE FUNCTION kvalitet.wilson_upper(p kvalitet.proportion, level double precision DEFAULT 0.95)
	RETURNS double precision
	AS 'MODULE_PATHNAME', 'proportion_wilson_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.wilson_upper(kvalitet.proportion, double precision) IS
	'Upper bound of the Wilson score interval at the given confidence level; NULL when the denominator is 0';

CREATE FUNCTION kvalitet.proportion_eq(a kvalitet.proportion, b kvalitet.proportion) RETURNS boolean
	AS 'MODULE_PATHNAME', 'proportion_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION kvalitet.proportion_eq(kvalitet.proportion, kvalitet.proportion) IS
	'True when both numerators and both denominators are equal';
CREATE FUNCTION kvalitet.proportion_ne(a kvalitet.proportion, b kvalitet.proportion) RETURNS boolean
	AS 'MODULE_PATHNAME', 'proportion_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION kvalitet.proportion_ne(kvalitet.proportion, kvalitet.proportion) IS
	'True when the numerators or the denominators differ';
CREATE FUNCTION kvalitet.proportion_add(a kvalitet.proportion, b kvalitet.proportion) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.proportion_add(kvalitet.proportion, kvalitet.proportion) IS
	'Adds numerators and denominators';

CREATE OPERATOR kvalitet.= (
	LEFTARG = kvalitet.proportion, RIGHTARG = kvalitet.proportion,
	FUNCTION = kvalitet.proportion_eq,
	COMMUTATOR = OPERATOR(kvalitet.=), NEGATOR = OPERATOR(kvalitet.<>),
	RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel
);
COMMENT ON OPERATOR kvalitet.= (kvalitet.proportion, kvalitet.proportion) IS 'equal numerators and denominators';
CREATE OPERATOR kvalitet.<> (
	LEFTARG = kvalitet.proportion, RIGHTARG = kvalitet.proportion,
	FUNCTION = kvalitet.proportion_ne,
	COMMUTATOR = OPERATOR(kvalitet.<>), NEGATOR = OPERATOR(kvalitet.=),
	RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR kvalitet.<> (kvalitet.proportion, kvalitet.proportion) IS 'different numerators or denominators';
CREATE OPERATOR kvalitet.+ (
	LEFTARG = kvalitet.proportion, RIGHTARG = kvalitet.proportion,
	FUNCTION = kvalitet.proportion_add, COMMUTATOR = OPERATOR(kvalitet.+)
);
COMMENT ON OPERATOR kvalitet.+ (kvalitet.proportion, kvalitet.proportion) IS 'adds numerators and denominators';

-- Aggregates.  The state is the proportion itself: fixed width and not
-- internal, so partial aggregates travel between parallel workers (and Citus
-- nodes) as plain values and are added by the combine function.

CREATE FUNCTION kvalitet.proportion_accum(state kvalitet.proportion, value boolean) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.proportion_accum(kvalitet.proportion, boolean) IS
	'Transition function of kvalitet.proportion(boolean)';
CREATE FUNCTION kvalitet.proportion_combine(a kvalitet.proportion, b kvalitet.proportion) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.proportion_combine(kvalitet.proportion, kvalitet.proportion) IS
	'Combine function of the proportion aggregates and transition function of kvalitet.rollup';

CREATE AGGREGATE kvalitet.proportion(value boolean) (
	SFUNC = kvalitet.proportion_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.proportion(boolean) IS
	'Share of true among the non-NULL inputs, as numerator/denominator';

CREATE AGGREGATE kvalitet.rollup(p kvalitet.proportion) (
	SFUNC = kvalitet.proportion_combine,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.rollup(kvalitet.proportion) IS
	'Adds proportions (e.g. monthly values per unit into a year or a region); NULLs are skipped';

-- ---------------------------------------------------------------------------
-- kvalitet.poisson_rate: events per population with an exact Poisson interval
-- ---------------------------------------------------------------------------

CREATE TYPE kvalitet.rate_estimate AS (
	value double precision,
	lower double precision,
	upper double precision
);
COMMENT ON TYPE kvalitet.rate_estimate IS
	'A rate per population with the bounds of its confidence interval';

CREATE FUNCTION kvalitet.poisson_rate(events bigint, population bigint, per numeric DEFAULT 1000,
									  level double precision DEFAULT 0.95)
	RETURNS kvalitet.rate_estimate
	AS 'MODULE_PATHNAME', 'poisson_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.poisson_rate(bigint, bigint, numeric, double precision) IS
	'events / population * per, with an exact (Garwood) Poisson confidence interval';
