
-- ---------------------------------------------------------------------------
-- Run charts and control charts: Anhøj's rules and Shewhart limits over a
-- series in time order (docs/indicators.md section 10)
-- ---------------------------------------------------------------------------

CREATE TYPE kvalitet.run_chart_result AS (
	centre double precision,
	useful_points integer,
	longest_run integer,
	longest_run_limit integer,
	crossings integer,
	crossings_limit integer,
	signal boolean
);
COMMENT ON TYPE kvalitet.run_chart_result IS
	'Anhøj''s run-chart rules over one series: the centre line (median of the baseline), the useful points (off the centre line), the longest run and the crossings with their limits, and whether they signal non-random variation (NULL under 12 useful points)';

-- No combine function: an ordered series cannot be split into partial
-- states (and PostgreSQL never splits an aggregate with ORDER BY).
CREATE FUNCTION kvalitet.run_chart_accum(state internal, value double precision)
	RETURNS internal AS 'MODULE_PATHNAME', 'run_chart_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.run_chart_accum(internal, double precision) IS
	'Transition function of kvalitet.run_chart';
CREATE FUNCTION kvalitet.run_chart_accum(state internal, value double precision, baseline_points integer)
	RETURNS internal AS 'MODULE_PATHNAME', 'run_chart_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.run_chart_accum(internal, double precision, integer) IS
	'Transition function of kvalitet.run_chart';
CREATE FUNCTION kvalitet.run_chart_final(state internal) RETURNS kvalitet.run_chart_result
	AS 'MODULE_PATHNAME', 'run_chart_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.run_chart_final(internal) IS
	'Final function of kvalitet.run_chart';

CREATE AGGREGATE kvalitet.run_chart(value double precision) (
	SFUNC = kvalitet.run_chart_accum, STYPE = internal, FINALFUNC = kvalitet.run_chart_final,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.run_chart(double precision) IS
	'Anhøj''s run-chart rules over the values in the call''s ORDER BY (write run_chart(value ORDER BY t)); centre line the median of all points; NULL values ignored';
CREATE AGGREGATE kvalitet.run_chart(value double precision, baseline_points integer) (
	SFUNC = kvalitet.run_chart_accum, STYPE = internal, FINALFUNC = kvalitet.run_chart_final,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.run_chart(double precision, integer) IS
	'Anhøj''s run-chart rules with the centre line the median of the first baseline_points values (NULL: all); write run_chart(value, k ORDER BY t)';

-- Control limits per point (docs/indicators.md section 10): window functions,
-- used OVER (PARTITION BY series ORDER BY t); the limits need the whole
-- series, the answer is per point.  A point without a usable numerator and
-- denominator gets NULL.
CREATE TYPE kvalitet.control_point AS (
	centre double precision,
	lower double precision,
	upper double precision,
	special_cause boolean
);
COMMENT ON TYPE kvalitet.control_point IS
	'A point of a control chart: the centre line, the 3-sigma limits at this point, and whether the point lies outside them';

CREATE FUNCTION kvalitet.p_chart(numerator double precision, denominator double precision)
	RETURNS kvalitet.control_point
	AS 'MODULE_PATHNAME', 'p_chart_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.p_chart(double precision, double precision) IS
	'Window function: p chart limits of the point (centre sum numerators / sum denominators, 3 binomial sigmas, within 0 and 1); use OVER (PARTITION BY series ORDER BY t)';
CREATE FUNCTION kvalitet.p_prime_chart(numerator double precision, denominator double precision)
	RETURNS kvalitet.control_point
	AS 'MODULE_PATHNAME', 'p_prime_chart_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.p_prime_chart(double precision, double precision) IS
	'Window function: Laney p'' chart limits (the binomial sigma scaled by the mean moving range of the standardised points / 1.128), for large denominators; use OVER (PARTITION BY series ORDER BY t)';
CREATE FUNCTION kvalitet.u_chart(events double precision, exposure double precision)
	RETURNS kvalitet.control_point
	AS 'MODULE_PATHNAME', 'u_chart_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.u_chart(double precision, double precision) IS
	'Window function: u chart limits of the point (centre sum events / sum exposure, 3 Poisson sigmas, lower at least 0); use OVER (PARTITION BY series ORDER BY t)';
