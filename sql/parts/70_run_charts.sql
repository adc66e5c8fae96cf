
-- ---------------------------------------------------------------------------
-- Run charts: Anhøj's rules over a series in time order (docs/indicators.md
-- section 10)
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
