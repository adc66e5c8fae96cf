-- kvalitet 0.1.0 -> 0.2.0 (CHANGELOG.md says what changed and why).
\echo Use "ALTER EXTENSION kvalitet UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Functions, types and aggregates (sql/parts/00_schema.sql to 40_stays.sql)
-- ---------------------------------------------------------------------------

-- Argument names on every function, and kvalitet.cpr_is_valid in C (one
-- parser for every CPR question).

CREATE OR REPLACE FUNCTION kvalitet.proportion_in(input cstring) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.proportion_out(p kvalitet.proportion) RETURNS cstring
	AS 'MODULE_PATHNAME', 'proportion_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.proportion_recv(buffer internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.proportion_send(p kvalitet.proportion) RETURNS bytea
	AS 'MODULE_PATHNAME', 'proportion_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.numerator(p kvalitet.proportion) RETURNS bigint
	AS 'MODULE_PATHNAME', 'proportion_numerator' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.denominator(p kvalitet.proportion) RETURNS bigint
	AS 'MODULE_PATHNAME', 'proportion_denominator' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.rate(p kvalitet.proportion) RETURNS double precision
	AS 'MODULE_PATHNAME', 'proportion_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.proportion_eq(a kvalitet.proportion, b kvalitet.proportion) RETURNS boolean
	AS 'MODULE_PATHNAME', 'proportion_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OR REPLACE FUNCTION kvalitet.proportion_ne(a kvalitet.proportion, b kvalitet.proportion) RETURNS boolean
	AS 'MODULE_PATHNAME', 'proportion_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OR REPLACE FUNCTION kvalitet.proportion_add(a kvalitet.proportion, b kvalitet.proportion) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.proportion_accum(state kvalitet.proportion, value boolean) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.proportion_combine(a kvalitet.proportion, b kvalitet.proportion) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'proportion_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE AGGREGATE kvalitet.proportion(value boolean) (
	SFUNC = kvalitet.proportion_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE kvalitet.rollup(p kvalitet.proportion) (
	SFUNC = kvalitet.proportion_combine,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION kvalitet.is_holiday(day date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_is_holiday' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.holiday_name(day date) RETURNS text
	AS 'MODULE_PATHNAME', 'calendar_holiday_name' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.is_working_day(day date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'calendar_is_working_day' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.add_working_days(day date, working_days integer) RETURNS date
	AS 'MODULE_PATHNAME', 'calendar_add_working_days' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.working_days_between(start_date date, end_date date) RETURNS integer
	AS 'MODULE_PATHNAME', 'calendar_working_days_between' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.epikrise_accum(state kvalitet.proportion, discharged_at timestamptz, sent_at timestamptz)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.cpr_is_valid(cpr text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cpr_is_valid' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION kvalitet.epikrise_accum(state kvalitet.proportion, discharged_at timestamptz, sent_at timestamptz,
										deadline_working_days integer)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;

-- epikrise_deadline's second argument is deadline_working_days, as in
-- epikrise_timeliness; an input argument cannot be renamed in place.  Nothing
-- records a dependency on it (generated functions call it by position).
DROP FUNCTION kvalitet.epikrise_deadline(timestamptz, integer);
CREATE FUNCTION kvalitet.epikrise_deadline(discharged_at timestamptz, deadline_working_days integer DEFAULT 1)
	RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'epikrise_deadline' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION kvalitet.epikrise_deadline(timestamptz, integer) IS
	'Last timely instant for a letter: the end of local day add_working_days(local date of discharged_at, deadline_working_days), i.e. the next local midnight minus 1 microsecond; sent_at <= this is timely. STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';

COMMENT ON FUNCTION kvalitet.add_working_days(date, integer) IS
	'working_days = 0: the day itself; > 0: the working_days-th working day after it; < 0: the |working_days|-th working day before it; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

COMMENT ON FUNCTION kvalitet.working_days_between(date, date) IS
	'Working days w with start_date < w <= end_date (negative, counted the other way, when end_date < start_date); add_working_days(start_date, working_days_between(start_date, end_date)) = end_date when end_date is a working day after start_date; years 1900-2200. STABLE: reads kvalitet.extra_closed_days';

-- The Poisson rate is kvalitet.poisson_rate; kvalitet.rate is the proportion's
-- value only.  Renamed in place, so objects that call it keep working.
ALTER FUNCTION kvalitet.rate(bigint, bigint, numeric, double precision) RENAME TO poisson_rate;

COMMENT ON FUNCTION kvalitet.poisson_rate(bigint, bigint, numeric, double precision) IS
	'events / population * per, with an exact (Garwood) Poisson confidence interval';

-- Argument names on the support functions of the patient-flow aggregates.
CREATE OR REPLACE FUNCTION kvalitet.stays_combine(state internal, other internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'stays_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.stays_serialize(state internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'stays_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.stays_deserialize(serialized bytea, unused internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'stays_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.readmission_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'readmission_final' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.preventable_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'preventable_final' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.patient_stays_accum(state internal, start_at timestamptz, end_at timestamptz, acute boolean,
		diagnosis text, died boolean, index_eligible boolean, unit text)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.patient_stays_accum(state internal, start_at timestamptz, end_at timestamptz, acute boolean,
		diagnosis text, died boolean, index_eligible boolean, unit text, data_complete_until timestamptz)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.patient_stays_final(state internal) RETURNS kvalitet.stay[]
	AS 'MODULE_PATHNAME', 'patient_stays_final' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION kvalitet.patient_stays_accum(state internal, start_at timestamptz, end_at timestamptz, acute boolean,
		diagnosis text, died boolean, index_eligible boolean, unit text, data_complete_until timestamptz,
		rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;

-- readmission_rate and preventable_admission_share: one anyelement patient
-- instead of an overload per patient type.  The old overloads are dropped;
-- an object of the user's that calls one would block the update, so name
-- such objects first, with what to do.
DO $guard$
DECLARE
	users text;
BEGIN
	SELECT pg_catalog.string_agg(DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, 0), ', ')
	INTO users
	FROM pg_catalog.pg_depend AS d
	JOIN pg_catalog.pg_proc AS f ON f.oid OPERATOR(pg_catalog.=) d.refobjid
	WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
	  AND f.pronamespace OPERATOR(pg_catalog.=) 'kvalitet'::pg_catalog.regnamespace
	  AND f.proname OPERATOR(pg_catalog.=) ANY (ARRAY['readmission_rate', 'preventable_admission_share'])
	  AND d.deptype OPERATOR(pg_catalog.=) 'n';
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'kvalitet 0.2.0 replaces the per-type overloads of readmission_rate and preventable_admission_share, which these objects use: %', users
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'Drop them, run ALTER EXTENSION kvalitet UPDATE, and create them again: their text works unchanged.';
	END IF;
END
$guard$;

DROP AGGREGATE kvalitet.readmission_rate(bigint, timestamptz, timestamptz, boolean, text);
DROP AGGREGATE kvalitet.readmission_rate(bigint, timestamptz, timestamptz, boolean, text, boolean);
DROP AGGREGATE kvalitet.readmission_rate(bigint, timestamptz, timestamptz, boolean, text, boolean, boolean);
DROP AGGREGATE kvalitet.readmission_rate(bigint, timestamptz, timestamptz, boolean, text, boolean, boolean, kvalitet.stay_rules);
DROP AGGREGATE kvalitet.preventable_admission_share(bigint, timestamptz, timestamptz, boolean, text);
DROP AGGREGATE kvalitet.preventable_admission_share(bigint, timestamptz, timestamptz, boolean, text, text);
DROP AGGREGATE kvalitet.preventable_admission_share(bigint, timestamptz, timestamptz, boolean, text, text, kvalitet.stay_rules);
DROP AGGREGATE kvalitet.readmission_rate(text, timestamptz, timestamptz, boolean, text);
DROP AGGREGATE kvalitet.readmission_rate(text, timestamptz, timestamptz, boolean, text, boolean);
DROP AGGREGATE kvalitet.readmission_rate(text, timestamptz, timestamptz, boolean, text, boolean, boolean);
DROP AGGREGATE kvalitet.readmission_rate(text, timestamptz, timestamptz, boolean, text, boolean, boolean, kvalitet.stay_rules);
DROP AGGREGATE kvalitet.preventable_admission_share(text, timestamptz, timestamptz, boolean, text);
DROP AGGREGATE kvalitet.preventable_admission_share(text, timestamptz, timestamptz, boolean, text, text);
DROP AGGREGATE kvalitet.preventable_admission_share(text, timestamptz, timestamptz, boolean, text, text, kvalitet.stay_rules);
DROP AGGREGATE kvalitet.readmission_rate(uuid, timestamptz, timestamptz, boolean, text);
DROP AGGREGATE kvalitet.readmission_rate(uuid, timestamptz, timestamptz, boolean, text, boolean);
DROP AGGREGATE kvalitet.readmission_rate(uuid, timestamptz, timestamptz, boolean, text, boolean, boolean);
DROP AGGREGATE kvalitet.readmission_rate(uuid, timestamptz, timestamptz, boolean, text, boolean, boolean, kvalitet.stay_rules);
DROP AGGREGATE kvalitet.preventable_admission_share(uuid, timestamptz, timestamptz, boolean, text);
DROP AGGREGATE kvalitet.preventable_admission_share(uuid, timestamptz, timestamptz, boolean, text, text);
DROP AGGREGATE kvalitet.preventable_admission_share(uuid, timestamptz, timestamptz, boolean, text, text, kvalitet.stay_rules);
DROP FUNCTION kvalitet.stays_accum(internal, bigint, timestamptz, timestamptz, boolean, text);
DROP FUNCTION kvalitet.stays_accum(internal, bigint, timestamptz, timestamptz, boolean, text, boolean);
DROP FUNCTION kvalitet.stays_accum(internal, bigint, timestamptz, timestamptz, boolean, text, boolean, boolean);
DROP FUNCTION kvalitet.stays_accum(internal, bigint, timestamptz, timestamptz, boolean, text, boolean, boolean, kvalitet.stay_rules);
DROP FUNCTION kvalitet.preventable_accum(internal, bigint, timestamptz, timestamptz, boolean, text);
DROP FUNCTION kvalitet.preventable_accum(internal, bigint, timestamptz, timestamptz, boolean, text, text);
DROP FUNCTION kvalitet.preventable_accum(internal, bigint, timestamptz, timestamptz, boolean, text, text, kvalitet.stay_rules);
DROP FUNCTION kvalitet.stays_accum(internal, text, timestamptz, timestamptz, boolean, text);
DROP FUNCTION kvalitet.stays_accum(internal, text, timestamptz, timestamptz, boolean, text, boolean);
DROP FUNCTION kvalitet.stays_accum(internal, text, timestamptz, timestamptz, boolean, text, boolean, boolean);
DROP FUNCTION kvalitet.stays_accum(internal, text, timestamptz, timestamptz, boolean, text, boolean, boolean, kvalitet.stay_rules);
DROP FUNCTION kvalitet.preventable_accum(internal, text, timestamptz, timestamptz, boolean, text);
DROP FUNCTION kvalitet.preventable_accum(internal, text, timestamptz, timestamptz, boolean, text, text);
DROP FUNCTION kvalitet.preventable_accum(internal, text, timestamptz, timestamptz, boolean, text, text, kvalitet.stay_rules);
DROP FUNCTION kvalitet.stays_accum(internal, uuid, timestamptz, timestamptz, boolean, text);
DROP FUNCTION kvalitet.stays_accum(internal, uuid, timestamptz, timestamptz, boolean, text, boolean);
DROP FUNCTION kvalitet.stays_accum(internal, uuid, timestamptz, timestamptz, boolean, text, boolean, boolean);
DROP FUNCTION kvalitet.stays_accum(internal, uuid, timestamptz, timestamptz, boolean, text, boolean, boolean, kvalitet.stay_rules);
DROP FUNCTION kvalitet.preventable_accum(internal, uuid, timestamptz, timestamptz, boolean, text);
DROP FUNCTION kvalitet.preventable_accum(internal, uuid, timestamptz, timestamptz, boolean, text, text);
DROP FUNCTION kvalitet.preventable_accum(internal, uuid, timestamptz, timestamptz, boolean, text, text, kvalitet.stay_rules);

CREATE FUNCTION kvalitet.stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text)
	RETURNS internal AS 'MODULE_PATHNAME', 'stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean)
	RETURNS internal AS 'MODULE_PATHNAME', 'stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean)
	RETURNS internal AS 'MODULE_PATHNAME', 'stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean,
		rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text)
	IS 'Transition function of kvalitet.readmission_rate';
COMMENT ON FUNCTION kvalitet.stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean)
	IS 'Transition function of kvalitet.readmission_rate';
COMMENT ON FUNCTION kvalitet.stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean)
	IS 'Transition function of kvalitet.readmission_rate';
COMMENT ON FUNCTION kvalitet.stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean,
		kvalitet.stay_rules)
	IS 'Transition function of kvalitet.readmission_rate';

CREATE AGGREGATE kvalitet.readmission_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text) (
	SFUNC = kvalitet.stays_accum, STYPE = internal, FINALFUNC = kvalitet.readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.readmission_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean) (
	SFUNC = kvalitet.stays_accum, STYPE = internal, FINALFUNC = kvalitet.readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.readmission_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, index_eligible boolean) (
	SFUNC = kvalitet.stays_accum, STYPE = internal, FINALFUNC = kvalitet.readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.readmission_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, index_eligible boolean, rules kvalitet.stay_rules) (
	SFUNC = kvalitet.stays_accum, STYPE = internal, FINALFUNC = kvalitet.readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.readmission_rate(anyelement, timestamptz, timestamptz, boolean, text)
	IS 'Acute somatic readmissions within 30 days: readmitted index stays / index stays (dk-default-1)';
COMMENT ON AGGREGATE kvalitet.readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean)
	IS 'Acute somatic readmissions within 30 days, with the contact''s died flag';
COMMENT ON AGGREGATE kvalitet.readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean)
	IS 'Acute somatic readmissions within 30 days, with died and index-eligible flags';
COMMENT ON AGGREGATE kvalitet.readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean,
		kvalitet.stay_rules)
	IS 'Acute somatic readmissions within 30 days under the rules given (see kvalitet.stay_rules)';

CREATE FUNCTION kvalitet.preventable_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text)
	RETURNS internal AS 'MODULE_PATHNAME', 'preventable_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.preventable_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, set_name text)
	RETURNS internal AS 'MODULE_PATHNAME', 'preventable_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.preventable_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, set_name text, rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'preventable_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.preventable_accum(internal, anyelement, timestamptz, timestamptz, boolean, text)
	IS 'Transition function of kvalitet.preventable_admission_share';
COMMENT ON FUNCTION kvalitet.preventable_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, text)
	IS 'Transition function of kvalitet.preventable_admission_share';
COMMENT ON FUNCTION kvalitet.preventable_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, text,
		kvalitet.stay_rules)
	IS 'Transition function of kvalitet.preventable_admission_share';

CREATE AGGREGATE kvalitet.preventable_admission_share(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text) (
	SFUNC = kvalitet.preventable_accum, STYPE = internal, FINALFUNC = kvalitet.preventable_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.preventable_admission_share(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, set_name text) (
	SFUNC = kvalitet.preventable_accum, STYPE = internal, FINALFUNC = kvalitet.preventable_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.preventable_admission_share(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, set_name text, rules kvalitet.stay_rules) (
	SFUNC = kvalitet.preventable_accum, STYPE = internal, FINALFUNC = kvalitet.preventable_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.preventable_admission_share(anyelement, timestamptz, timestamptz, boolean, text)
	IS 'Acute admissions whose dominant diagnosis is in preventable_elderly / acute admissions';
COMMENT ON AGGREGATE kvalitet.preventable_admission_share(anyelement, timestamptz, timestamptz, boolean, text, text)
	IS 'Acute admissions whose dominant diagnosis is in the named code set / acute admissions';
COMMENT ON AGGREGATE kvalitet.preventable_admission_share(anyelement, timestamptz, timestamptz, boolean, text, text,
		kvalitet.stay_rules)
	IS 'Acute admissions whose dominant diagnosis is in the named set / acute admissions, stays built under the rules given';

-- New: kvalitet.run_chart (sql/parts/70_run_charts.sql).
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

-- ---------------------------------------------------------------------------
-- The goal catalogue and the bindings (sql/parts/50_* and 6*_)
-- ---------------------------------------------------------------------------

