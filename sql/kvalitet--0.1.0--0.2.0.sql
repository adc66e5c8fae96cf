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
CREATE OR REPLACE FUNCTION kvalitet.patient_stays_final(state internal) RETURNS kvalitet.stay[]
	AS 'MODULE_PATHNAME', 'patient_stays_final' LANGUAGE C STABLE PARALLEL SAFE;

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
	  AND f.proname OPERATOR(pg_catalog.=) ANY (ARRAY['readmission_rate', 'preventable_admission_share', 'patient_stays'])
	  AND d.deptype OPERATOR(pg_catalog.=) 'n';
	IF users IS NOT NULL THEN
		RAISE EXCEPTION 'kvalitet 0.2.0 replaces the signatures of readmission_rate, preventable_admission_share and patient_stays, which these objects use: %', users
			USING ERRCODE = 'dependent_objects_still_exist',
				  HINT = 'Drop them, run ALTER EXTENSION kvalitet UPDATE, and create them again (patient_stays now takes the patient first).';
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
DROP AGGREGATE kvalitet.patient_stays(timestamptz, timestamptz, boolean, text, boolean, boolean, text);
DROP AGGREGATE kvalitet.patient_stays(timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz);
DROP AGGREGATE kvalitet.patient_stays(timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz,
	kvalitet.stay_rules);
DROP FUNCTION kvalitet.patient_stays_accum(internal, timestamptz, timestamptz, boolean, text, boolean, boolean, text);
DROP FUNCTION kvalitet.patient_stays_accum(internal, timestamptz, timestamptz, boolean, text, boolean, boolean, text,
	timestamptz);
DROP FUNCTION kvalitet.patient_stays_accum(internal, timestamptz, timestamptz, boolean, text, boolean, boolean, text,
	timestamptz, kvalitet.stay_rules);

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

-- patient_stays takes the patient although it is grouped by it: a group
-- that holds two patients (a missing GROUP BY patient) is an error, not one
-- merged history.
CREATE FUNCTION kvalitet.patient_stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.patient_stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text)
	IS 'Transition function of kvalitet.patient_stays';
CREATE FUNCTION kvalitet.patient_stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text,
		data_complete_until timestamptz)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.patient_stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz)
	IS 'Transition function of kvalitet.patient_stays';
CREATE FUNCTION kvalitet.patient_stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text,
		data_complete_until timestamptz, rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.patient_stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz, kvalitet.stay_rules)
	IS 'Transition function of kvalitet.patient_stays';

CREATE AGGREGATE kvalitet.patient_stays(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text) (
	SFUNC = kvalitet.patient_stays_accum, STYPE = internal, FINALFUNC = kvalitet.patient_stays_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.patient_stays(anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text) IS
	'The stays of one patient (GROUP BY patient) with the flags readmission_rate counts; follow-up completeness NULL';
CREATE AGGREGATE kvalitet.patient_stays(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text,
		data_complete_until timestamptz) (
	SFUNC = kvalitet.patient_stays_accum, STYPE = internal, FINALFUNC = kvalitet.patient_stays_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.patient_stays(anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz) IS
	'The stays of one patient (GROUP BY patient) with the flags readmission_rate counts and follow-up completeness';
CREATE AGGREGATE kvalitet.patient_stays(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text,
		data_complete_until timestamptz, rules kvalitet.stay_rules) (
	SFUNC = kvalitet.patient_stays_accum, STYPE = internal, FINALFUNC = kvalitet.patient_stays_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.patient_stays(anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz, kvalitet.stay_rules) IS
	'The stays of one patient (GROUP BY patient) under the rules given';

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

-- New: control limits per point (sql/parts/70_run_charts.sql).
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

-- New: standardised rates (sql/parts/72_standardisation.sql).
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

-- New: standard populations and the pooling of small strata
-- (sql/parts/72_standardisation.sql).
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
-- End of: standard populations and pooling.

-- ---------------------------------------------------------------------------
-- The goal catalogue and the bindings (sql/parts/50_* and 6*_)
-- ---------------------------------------------------------------------------

-- The catalogue: what kvalitet.bind needs per indicator is data now
-- (requires, caveats, builder, grain), and comments cite docs/ sections.
ALTER TABLE kvalitet.indicator
	ADD COLUMN requires text[] NOT NULL DEFAULT '{}',
	ADD COLUMN caveats jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(caveats) OPERATOR(pg_catalog.=) 'object'),
	ADD COLUMN builder text,
	ADD COLUMN grain text CHECK (grain OPERATOR(pg_catalog.=) ANY (ARRAY['month', 'year'])),
	ADD CONSTRAINT indicator_check CHECK ((builder IS NULL) OPERATOR(pg_catalog.=) (grain IS NULL));
COMMENT ON TABLE kvalitet.indicator IS
	'Indicators behind the national goals and the health agreements (sundhedsaftale); every indicator of the rule set has a row, computed or not (docs/binding.md section 1)';
COMMENT ON COLUMN kvalitet.indicator.computed_by_bind IS 'kvalitet.bind computes it in indicator_values when its inputs are bound (bind goes by builder)';
COMMENT ON COLUMN kvalitet.indicator.requires IS
	'Bound inputs kvalitet.bind needs to compute it: fields such as contacts.end_at, or age, population, epikriser, units (kvalitet.binding_input_label)';
COMMENT ON COLUMN kvalitet.indicator.caveats IS
	'Bound inputs it is better with: input -> the note kvalitet.bind gives when that input is missing';
COMMENT ON COLUMN kvalitet.indicator.builder IS
	'The function (ctx jsonb) RETURNS text that writes its rows of indicator_values; NULL = not computed by kvalitet.bind';
COMMENT ON COLUMN kvalitet.indicator.grain IS
	'What the builder returns: month (monthly rows, rolled up to quarters and years) or year (yearly rows)';

UPDATE kvalitet.indicator AS i
SET requires = v.requires, caveats = v.caveats::jsonb, builder = v.builder, grain = v.grain
FROM (VALUES
('readmission_30d', ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis'],
 '{"contacts.died": "contacts.died not bound: stays ended by death are not recognised"}', 'kvalitet.build_rows_discharges', 'month'),
('epikrise_timely', ARRAY['epikriser'],
 '{"epikriser.patient_or_unit": "epikriser has no patient or unit: region level only"}', 'kvalitet.build_rows_epikrise_timely', 'month'),
('preventable_admissions_65', ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'age'],
 '{}', 'kvalitet.build_rows_preventable_65', 'month'),
('preventable_admissions_65_per_1000', ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'age', 'contacts.municipality', 'population'],
 '{}', 'kvalitet.build_rows_preventable_65_per_1000', 'year'),
('mean_length_of_stay', ARRAY['contacts.end_at'],
 '{"contacts.diagnosis": "contacts.diagnosis not bound: psychiatric stays are not left out"}', 'kvalitet.build_rows_discharges', 'month'),
('sa_acute_short_admissions', ARRAY['contacts.end_at', 'contacts.acute'],
 '{}', 'kvalitet.build_rows_discharges', 'month')
) AS v(code, requires, caveats, builder, grain)
WHERE i.code OPERATOR(pg_catalog.=) v.code AND i.rule_set OPERATOR(pg_catalog.=) 'dk-default-1';
UPDATE kvalitet.indicator
SET definition = pg_catalog.replace(definition, 'SPEC section', 'docs/indicators.md section')
WHERE rule_set OPERATOR(pg_catalog.=) 'dk-default-1'
  AND code OPERATOR(pg_catalog.=) ANY (ARRAY['readmission_30d', 'epikrise_timely', 'preventable_admissions_65']);

-- The column comments: followup_complete, one spelling (the stays' meaning
-- here, the period's in binding_value_column_comments).
CREATE OR REPLACE FUNCTION kvalitet.binding_column_comments() RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN jsonb_build_object(
	'patient', 'Patient key, as in the contacts table',
	'start_at', 'Start of the contact (timestamptz)',
	'end_at', 'End of the contact; NULL = still admitted',
	'acute', 'Acute (for a stay: its first contact is acute)',
	'diagnosis', 'Main diagnosis of the contact as written',
	'died', 'Ended with the patient''s death',
	'index_eligible', 'May the stay this contact discharges be an index admission',
	'unit', 'Unit key, as in the units table',
	'municipality', 'Municipality of residence (for a stay: from its discharging contact)',
	'birth_date', 'Birth date of the patient, when bound',
	'hospital', 'Hospital (from the units table)',
	'department', 'Department (from the units table)',
	'stay_no', 'Number of the stay among the patient''s stays, from 1 in time order',
	'stay_start', 'Start of the stay (its first contact''s start)',
	'stay_end', 'End of the stay (its latest end); NULL when a contact is still open',
	'admission', 'The stay is an admission: open, or at least min_admission (12 hours) long',
	'dominant_diagnosis', 'Diagnosis with the longest total contact time in the stay (normal form)',
	'psychiatric', 'Dominant diagnosis is psychiatric (set psychiatric)',
	'discharging_unit', 'Unit of the discharging contact (the one with the latest end)',
	'index_stay', 'Index admission of readmission_30d',
	'readmitted', 'Index admission followed by an acute readmission within the window',
	'next_admission_start', 'Start of the patient''s next admission, if any',
	'hours_to_next', 'Hours from the end of the stay to the next admission',
	'followup_complete', 'The readmission window after the stay lies within the data',
	'age_at_start', 'Age in completed years at the start of the stay (from the birth date or the CPR number)',
	'length_of_stay_days', 'Duration of the stay in days (NULL when open)',
	'admission_month', 'First day of the local month the stay started in',
	'discharge_month', 'First day of the local month the stay ended in (NULL when open)',
	'gate', 'Which org unit a reader must fully see (in the units table) to see this row') || jsonb_build_object(
	'indicator_code', 'Indicator (kvalitet.indicator.code)',
	'goal_no', 'National goal 1-8; NULL for sundhedsaftale-only indicators',
	'goal_name_da', 'Name of the national goal, Danish',
	'goal_name_en', 'Name of the national goal, English',
	'indicator_name_da', 'Name of the indicator, Danish',
	'indicator_name_en', 'Name of the indicator, English',
	'measure', 'What value measures: proportion (0-1), per_1000 or days',
	'lower_is_better', 'True when a lower value is an improvement',
	'direction', 'lower is better, or higher is better',
	'period_type', 'month, quarter or year (quarters and years are exact sums of the months)',
	'period_start', 'First day of the period (local time)',
	'period_end', 'Last day of the period',
	'period_label', 'The period as text: 2025-03, 2025-Q1 or 2025',
	'org_level', 'region, hospital, department or municipality',
	'org_unit', 'Name of the org unit: the region, the hospital, hospital / department, or the municipality code',
	'numerator', 'Counted events (proportion, per_1000) or total days (days)',
	'denominator', 'Units counted (proportion, days) or citizens (per_1000)',
	'value', 'numerator / denominator (per 1,000 for per_1000); NULL when the denominator is 0',
	'ci_lower', 'Lower bound of the 95% interval (Wilson; exact Poisson for per_1000; normal for days)',
	'ci_upper', 'Upper bound of the 95% interval',
	'proportion', 'numerator/denominator as kvalitet.proportion (internal; adds up exactly)',
	'previous_period_label', 'The period just before (NULL when it has no value)',
	'previous_value', 'value in the period just before',
	'change', 'value - previous_value',
	'improved', 'The change goes in the indicator''s good direction; NULL when no change or no previous value',
	'is_latest', 'This is the latest period of its kind with a value for the indicator, the same period at every org level (a unit without figures in it has no latest row)',
	'computed', 'indicator_values has rows for it (when its inputs had data)',
	'note', 'Why not computed (missing inputs), or what to know about it',
	'last_refresh', 'When kvalitet.refresh last completed for this binding',
	'gate_level', 'Org level a reader must fully see',
	'timely', 'Timely letters / discharges (kvalitet.proportion)',
	'month', 'First day of the local month of discharge',
	'complete', 'Every discharge''s deadline has passed by the last letter in the data',
	'year', 'Year', 'age_low', 'Lower bound of the age band', 'count', 'Citizens on 1 January',
	'discharged_at', 'When the patient was discharged', 'sent_at', 'When the first discharge letter was sent; NULL = none');

COMMENT ON FUNCTION kvalitet.binding_column_comments() IS
	'Used by kvalitet.bind: the comment of each column name of the generated relations (followup_complete as in stays)';

-- indicator_values and goal_overview: followup_complete is about a period.
CREATE FUNCTION kvalitet.binding_value_column_comments() RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN kvalitet.binding_column_comments() OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
	'followup_complete', 'All the period''s figures are final (e.g. every readmission window has passed)');
COMMENT ON FUNCTION kvalitet.binding_value_column_comments() IS
	'Used by kvalitet.bind: the column comments of indicator_values and goal_overview';

-- grant_read writes its GRANTs with kvalitet.build_grants.
CREATE OR REPLACE FUNCTION kvalitet.grant_read(target_schema text, role_name text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b kvalitet.binding;
BEGIN
	SELECT * INTO b FROM kvalitet.binding WHERE schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.grant_read: schema % is not bound', target_schema USING ERRCODE = 'undefined_object';
	END IF;
	EXECUTE kvalitet.build_grants(target_schema, b.private_schema, role_name);
END $$;
COMMENT ON FUNCTION kvalitet.grant_read(text, text) IS
	'Grants a role read access to a binding''s BI views (and SELECT, not USAGE, on the objects behind them); row-level security on the user''s units table decides which figures it sees';

-- The binding context, the builders and bind: as in sql/parts/62_bind_context.sql
-- to 68_bind.sql (bind replaced, the rest new).

-- ---------------------------------------------------------------------------
-- kvalitet.bind, step 1: the binding context (docs/binding.md section 9)
-- ---------------------------------------------------------------------------
-- bind checks its arguments (binding_options), resolves the user's columns
-- and decides what can be computed (binding_context, binding_status); the
-- result is one jsonb, the context, that every builder reads:
--   target_schema, private_schema, preset   names as given
--   tables    input -> the table (regclass text) of each input given
--   options   the options in force, defaults filled in
--   fields    "input.field" -> the SQL expression (over the table aliased c)
--   key_type  bigint, text or uuid: the patient key in kvalitet's terms
--   bound     what is bound: every "input.field", and age, units,
--             epikriser, epikriser.patient_or_unit, population when usable
--   status    per catalogue indicator: code, computed, note
--   codes     the indicators computed
--   populate  create the materialized views WITH DATA
-- Builders only read it; the pgTAP tests hand-make one.

-- Fill the named placeholders {name} of a template with the texts of vars;
-- what is filled in is not searched again.
CREATE FUNCTION kvalitet.binding_fill(template text, vars jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	done text := '';
	rest text := template;
	name text;
	at integer;
BEGIN
	LOOP
		name := (regexp_match(rest, '\{([a-z][a-z0-9_]*)\}'))[1];
		EXIT WHEN name IS NULL;
		IF jsonb_typeof(vars -> name) IS DISTINCT FROM 'string' THEN
			RAISE EXCEPTION 'kvalitet.binding_fill: no text for placeholder {%}', name
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		at := strpos(rest, '{' || name || '}');
		done := done || left(rest, at - 1) || (vars ->> name);
		rest := substr(rest, at + length(name) + 2);
	END LOOP;
	RETURN done || rest;
END $$;
COMMENT ON FUNCTION kvalitet.binding_fill(text, jsonb) IS
	'Used by the bind builders: the template with each {name} replaced by the text vars ->> name (an error when there is none)';

-- Is an input (a field "contacts.end_at", or age, units, ...) bound?
CREATE FUNCTION kvalitet.binding_has(ctx jsonb, input text) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT coalesce((ctx -> 'bound') ? input, false)
$$;
COMMENT ON FUNCTION kvalitet.binding_has(jsonb, text) IS
	'Used by the bind builders: whether the binding context has the input (a field such as contacts.end_at, or age, units, epikriser, population)';

-- The SQL expression of a bound field, or the given one when it is not bound.
CREATE FUNCTION kvalitet.binding_field(ctx jsonb, field text, otherwise text DEFAULT NULL) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT coalesce(ctx -> 'fields' ->> field, otherwise)
$$;
COMMENT ON FUNCTION kvalitet.binding_field(jsonb, text, text) IS
	'Used by the bind builders: the SQL expression of a field (over the table aliased c), or otherwise when it is not bound';

-- The placeholders every builder may use: {s} and {p} (the quoted target and
-- private schemas), {tz} (the time zone as a literal), {data} (WITH [NO]
-- DATA), {key_type}, and {contacts}, {units}, {epikriser}, {population}.
CREATE FUNCTION kvalitet.binding_vars(ctx jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT jsonb_build_object(
	's', quote_ident(ctx ->> 'target_schema'), 'p', quote_ident(ctx ->> 'private_schema'),
	'tz', quote_literal(ctx #>> '{options,timezone}'),
	'data', CASE WHEN (ctx ->> 'populate')::boolean THEN 'WITH DATA' ELSE 'WITH NO DATA' END,
	'key_type', ctx ->> 'key_type',
	'contacts', ctx #>> '{tables,contacts}', 'units', ctx #>> '{tables,units}',
	'epikriser', ctx #>> '{tables,epikriser}', 'population', ctx #>> '{tables,population}')
$$;
COMMENT ON FUNCTION kvalitet.binding_vars(jsonb) IS
	'Used by the bind builders: the placeholders common to all of them (s, p, tz, data, key_type and the tables)';

-- The statement that comments a generated relation and its columns.
CREATE FUNCTION kvalitet.binding_comment_sql(rel text, what text,
											 columns text DEFAULT 'kvalitet.binding_column_comments()')
	RETURNS text LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT format(E'SELECT kvalitet.binding_comment(%L::pg_catalog.regclass, %L, %s);\n', rel, what, columns)
$$;
COMMENT ON FUNCTION kvalitet.binding_comment_sql(text, text, text) IS
	'Used by the bind builders: the SQL that comments a generated relation and each of its columns (kvalitet.binding_comment)';

-- How a missing input is named in the status notes.
CREATE FUNCTION kvalitet.binding_input_label(input text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE input
	WHEN 'age' THEN 'age (contacts.birth_date, or a CPR number as patient)'
	WHEN 'units' THEN 'units (unit, hospital, and contacts.unit)'
	WHEN 'epikriser' THEN 'epikriser (discharged_at, sent_at)'
	WHEN 'epikriser.patient_or_unit' THEN 'epikriser.patient or epikriser.unit'
	WHEN 'population' THEN 'population (municipality, year, age_band, count)'
	ELSE input END
$$;
COMMENT ON FUNCTION kvalitet.binding_input_label(text) IS
	'Used by kvalitet.bind: how an input of kvalitet.indicator.requires is named when it is missing';

-- Check bind's arguments; the options in force, defaults filled in.
CREATE FUNCTION kvalitet.binding_options(target_schema text, contacts regclass, preset text,
										 mapping jsonb, options jsonb) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	defaults constant jsonb := jsonb_build_object(
		'timezone', 'Europe/Copenhagen', 'region_name', 'Region', 'private_schema', NULL,
		'merge_gap', '4 hours', 'min_admission', '12 hours', 'readmission_window', '720 hours',
		'preventable_set', 'preventable_elderly', 'epikrise_deadline', 1, 'short_admission', '24 hours',
		'age_min', 65, 'extra_closed_days', '', 'patient_is_cpr', NULL,
		'standard_population', NULL, 'standard_year', NULL);
	opt jsonb;
	k text;
	f text;
BEGIN
	IF target_schema IS NULL OR contacts IS NULL THEN
		RAISE EXCEPTION 'kvalitet.bind: target_schema and contacts are required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF preset IS NULL OR preset NOT IN ('lpr3', 'canonical', 'none') THEN
		RAISE EXCEPTION 'kvalitet.bind: unknown preset %', preset
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use lpr3, canonical or none.';
	END IF;
	IF jsonb_typeof(mapping) IS DISTINCT FROM 'object' OR jsonb_typeof(options) IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'kvalitet.bind: mapping and options must be JSON objects' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR k IN SELECT jsonb_object_keys(options) LOOP
		IF NOT defaults ? k THEN
			RAISE EXCEPTION 'kvalitet.bind: unknown option %', k USING ERRCODE = 'invalid_parameter_value',
				HINT = format('Options: %s.', (SELECT string_agg(o, ', ' ORDER BY o) FROM jsonb_object_keys(defaults) AS o));
		END IF;
	END LOOP;
	FOR k IN SELECT jsonb_object_keys(mapping) LOOP
		IF k NOT IN ('contacts', 'units', 'epikriser', 'population') THEN
			RAISE EXCEPTION 'kvalitet.bind: unknown input % in mapping', k USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Inputs: contacts, units, epikriser, population.';
		END IF;
		IF jsonb_typeof(mapping -> k) <> 'object' THEN
			RAISE EXCEPTION 'kvalitet.bind: mapping.% must be a JSON object of field: column or expression', k
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		FOR f IN SELECT jsonb_object_keys(mapping -> k) LOOP
			IF NOT EXISTS (SELECT 1 FROM kvalitet.binding_fields() AS b WHERE b.source = k AND b.field = f) THEN
				RAISE EXCEPTION 'kvalitet.bind: unknown field %.% in mapping', k, f USING ERRCODE = 'invalid_parameter_value',
					HINT = format('Fields of %s: %s.', k, (SELECT string_agg(b.field, ', ') FROM kvalitet.binding_fields() AS b WHERE b.source = k));
			END IF;
		END LOOP;
	END LOOP;
	opt := defaults || jsonb_strip_nulls(options);
	PERFORM now() AT TIME ZONE (opt ->> 'timezone');
	PERFORM (opt ->> 'merge_gap')::interval, (opt ->> 'min_admission')::interval,
			(opt ->> 'readmission_window')::interval, (opt ->> 'short_admission')::interval,
			(opt ->> 'epikrise_deadline')::integer, (opt ->> 'age_min')::integer, (opt ->> 'standard_year')::integer;
	IF NOT EXISTS (SELECT 1 FROM kvalitet.code_set WHERE set_name = opt ->> 'preventable_set') THEN
		RAISE EXCEPTION 'kvalitet.bind: no code set %', opt ->> 'preventable_set' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	k := coalesce(opt ->> 'private_schema', target_schema || '_private');
	-- A longer name would be truncated when created but not when looked up
	-- (grant_read, unbind): reject it rather than bind something half-reachable.
	IF octet_length(target_schema) > 63 OR octet_length(k) > 63 THEN
		RAISE EXCEPTION 'kvalitet.bind: schema name % is too long (% bytes; at most 63)',
			CASE WHEN octet_length(target_schema) > 63 THEN target_schema ELSE k END,
			octet_length(CASE WHEN octet_length(target_schema) > 63 THEN target_schema ELSE k END)
			USING ERRCODE = 'name_too_long',
				  HINT = 'The private schema is named <target>_private unless options name it: a target of at most 55 bytes, or options => ''{"private_schema": "..."}''.';
	END IF;
	IF k = '' OR target_schema = '' THEN
		RAISE EXCEPTION 'kvalitet.bind: schema names cannot be empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF k = target_schema THEN
		RAISE EXCEPTION 'kvalitet.bind: the private schema must differ from the target schema' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN opt || jsonb_build_object('private_schema', k);
END $$;
COMMENT ON FUNCTION kvalitet.binding_options(text, regclass, text, jsonb, jsonb) IS
	'Used by kvalitet.bind: checks its arguments and returns the options in force, defaults and the private schema filled in';

-- Resolve every field of every input given, tell what is bound, and decide
-- what can be computed: the binding context.
CREATE FUNCTION kvalitet.binding_context(target_schema text, contacts regclass, preset text,
										 units regclass, epikriser regclass, population regclass,
										 mapping jsonb, opt jsonb, populate boolean) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	tz constant text := opt ->> 'timezone';
	x jsonb := '{}';	-- "input.field" -> SQL expression
	f record;
	tbl regclass;
	k text;
	key_type text;
	is_cpr boolean := false;
	n_sample bigint;
	n_valid bigint;
	bound text[];
	ctx jsonb;
BEGIN
	FOR f IN SELECT * FROM kvalitet.binding_fields() LOOP
		tbl := CASE f.source WHEN 'contacts' THEN contacts WHEN 'units' THEN units
							 WHEN 'epikriser' THEN epikriser WHEN 'population' THEN population END;
		CONTINUE WHEN tbl IS NULL;
		k := kvalitet.binding_expr(tbl, f.source, f.field, f.kind,
								   CASE preset WHEN 'lpr3' THEN f.lpr3 WHEN 'canonical' THEN f.canonical END,
								   coalesce(mapping -> f.source, '{}'), tz);
		IF k IS NOT NULL THEN
			x := x || jsonb_build_object(f.source || '.' || f.field, k);
		END IF;
	END LOOP;
	IF NOT (x ? 'contacts.patient' AND x ? 'contacts.start_at') THEN
		RAISE EXCEPTION 'kvalitet.bind: the contacts need at least a patient and a start_at'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Choose a preset that fits the table''s column names, or map them: mapping => ''{"contacts": {"patient": "...", "start_at": "..."}}''.';
	END IF;
	key_type := kvalitet.binding_type(contacts, x ->> 'contacts.patient', 'contacts.patient');

	-- The age: from the birth date, else from a patient key that is a CPR
	-- number (guessed from up to 1,000 keys unless the options say).
	IF NOT x ? 'contacts.birth_date' AND key_type = 'text' THEN
		IF opt ->> 'patient_is_cpr' IS NOT NULL THEN
			is_cpr := (opt ->> 'patient_is_cpr')::boolean;
		ELSE
			EXECUTE format('SELECT count(*), count(*) FILTER (WHERE kvalitet.cpr_is_valid(k)) FROM (SELECT %s AS k FROM %s AS c WHERE %s IS NOT NULL LIMIT 1000) AS t',
						   x ->> 'contacts.patient', contacts, x ->> 'contacts.patient')
				INTO n_sample, n_valid;
			is_cpr := n_sample > 0 AND n_valid >= 0.9 * n_sample;
		END IF;
	END IF;

	bound := ARRAY(SELECT jsonb_object_keys(x));
	IF x ? 'contacts.birth_date' OR is_cpr THEN
		bound := bound || 'age'::text;
	END IF;
	IF units IS NOT NULL AND x ?& ARRAY['units.unit', 'units.hospital', 'contacts.unit'] THEN
		bound := bound || 'units'::text;
	END IF;
	IF epikriser IS NOT NULL AND x ?& ARRAY['epikriser.discharged_at', 'epikriser.sent_at'] THEN
		bound := bound || 'epikriser'::text;
	END IF;
	IF x ?| ARRAY['epikriser.patient', 'epikriser.unit'] THEN
		bound := bound || 'epikriser.patient_or_unit'::text;
	END IF;
	IF population IS NOT NULL AND x ?& ARRAY['population.municipality', 'population.year',
											 'population.age_band', 'population.count'] THEN
		bound := bound || 'population'::text;
	END IF;

	ctx := jsonb_build_object(
		'target_schema', target_schema, 'private_schema', opt ->> 'private_schema', 'preset', preset,
		'tables', jsonb_strip_nulls(jsonb_build_object('contacts', contacts::text, 'units', units::text,
													   'epikriser', epikriser::text, 'population', population::text)),
		'options', opt || jsonb_build_object('patient_is_cpr', is_cpr),
		'fields', x, 'key_type', key_type, 'bound', to_jsonb(bound), 'populate', populate);
	RETURN ctx || kvalitet.binding_status(ctx);
END $$;
COMMENT ON FUNCTION kvalitet.binding_context(text, regclass, text, regclass, regclass, regclass, jsonb, jsonb, boolean) IS
	'Used by kvalitet.bind: the binding context every builder reads (the inputs'' SQL expressions, what is bound, what is computed)';

-- What can be computed, and why not: per catalogue indicator, its builder
-- and the inputs it requires (kvalitet.indicator.requires), and the first
-- caveat whose input is missing.  Returns {"status": [...], "codes": [...]}.
CREATE FUNCTION kvalitet.binding_status(ctx jsonb) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	i record;
	miss text[];
	status jsonb := '[]';
	codes text[] := ARRAY[]::text[];
BEGIN
	FOR i IN SELECT ind.code, ind.builder, ind.inputs, ind.requires, ind.caveats
			 FROM kvalitet.indicator AS ind ORDER BY ind.code LOOP
		IF i.builder IS NULL THEN
			status := status || jsonb_build_array(jsonb_build_object('code', i.code, 'computed', false,
				'note', 'not computed by this version of kvalitet.bind; needs: ' || array_to_string(i.inputs, ', ')));
			CONTINUE;
		END IF;
		miss := ARRAY(SELECT kvalitet.binding_input_label(r.input)
					  FROM unnest(i.requires) WITH ORDINALITY AS r(input, n)
					  WHERE NOT kvalitet.binding_has(ctx, r.input) ORDER BY r.n);
		IF cardinality(miss) > 0 THEN
			status := status || jsonb_build_array(jsonb_build_object('code', i.code, 'computed', false,
				'note', 'missing input: ' || array_to_string(miss, ', ')));
		ELSE
			codes := codes || i.code;
			status := status || jsonb_build_array(jsonb_build_object('code', i.code, 'computed', true,
				'note', (SELECT c.value FROM jsonb_each_text(i.caveats) AS c
						 WHERE NOT kvalitet.binding_has(ctx, c.key) ORDER BY c.key LIMIT 1)));
		END IF;
	END LOOP;
	RETURN jsonb_build_object('status', status, 'codes', to_jsonb(codes));
END $$;
COMMENT ON FUNCTION kvalitet.binding_status(jsonb) IS
	'Used by kvalitet.bind: per catalogue indicator whether it is computed and why not, from its builder, requires and caveats';

-- ---------------------------------------------------------------------------
-- kvalitet.bind, step 2: the builders of the generated objects
-- ---------------------------------------------------------------------------
-- One builder per generated object: build_<object>(ctx) returns the SQL that
-- creates it, indexes it and comments it, or NULL when the binding has no
-- such object; it executes nothing (kvalitet.binding_script lists them in
-- order, kvalitet.bind runs them).  Templates use named placeholders
-- (kvalitet.binding_fill).  Views and materialized views are parsed once, at
-- bind, under bind's search_path; SQL kept as text and parsed later (the
-- query given to kvalitet.stays, the body of epikrise_monthly) qualifies
-- every name or pins the search_path.

-- The two schemas.
CREATE FUNCTION kvalitet.build_schemas(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE SCHEMA IF NOT EXISTS {s};
CREATE SCHEMA IF NOT EXISTS {p};
COMMENT ON SCHEMA {p} IS {comment};
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object('comment', quote_literal(format(
	'kvalitet: materialized views behind the BI views of schema %s; grant readers SELECT (kvalitet.grant_read), not USAGE',
	ctx ->> 'target_schema'))))
$$;
COMMENT ON FUNCTION kvalitet.build_schemas(jsonb) IS
	'Builder of kvalitet.bind: the SQL that creates the target and the private schema';

-- The contacts in kvalitet's terms.
CREATE FUNCTION kvalitet.build_contacts(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {p}.contacts WITH (security_invoker = true) AS
SELECT {patient} AS patient, {start_at} AS start_at, {end_at} AS end_at, {acute} AS acute, {diagnosis} AS diagnosis,
       {died} AS died, {index_eligible} AS index_eligible, {unit} AS unit, {municipality} AS municipality, {birth_date} AS birth_date
FROM {contacts} AS c{filter};
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'patient', kvalitet.binding_field(ctx, 'contacts.patient'),
	'start_at', kvalitet.binding_field(ctx, 'contacts.start_at'),
	'end_at', kvalitet.binding_field(ctx, 'contacts.end_at', 'NULL::timestamptz'),
	'acute', kvalitet.binding_field(ctx, 'contacts.acute', 'NULL::boolean'),
	'diagnosis', kvalitet.binding_field(ctx, 'contacts.diagnosis', 'NULL::text'),
	'died', kvalitet.binding_field(ctx, 'contacts.died', 'NULL::boolean'),
	'index_eligible', kvalitet.binding_field(ctx, 'contacts.index_eligible', 'true'),
	'unit', kvalitet.binding_field(ctx, 'contacts.unit', 'NULL::text'),
	'municipality', kvalitet.binding_field(ctx, 'contacts.municipality', 'NULL::text'),
	'birth_date', kvalitet.binding_field(ctx, 'contacts.birth_date', 'NULL::date'),
	'filter', coalesce(E'\nWHERE ' || kvalitet.binding_field(ctx, 'contacts.filter'), '')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.contacts',
		format('kvalitet: the rows of %s that form stays, in kvalitet''s terms', ctx #>> '{tables,contacts}'))
$$;
COMMENT ON FUNCTION kvalitet.build_contacts(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private view contacts (the user''s contacts in kvalitet''s terms)';

-- Org units: hospital and department per unit key (with a units table only).
CREATE FUNCTION kvalitet.build_org_units(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.org_units AS
SELECT DISTINCT ON (u.unit) u.unit, u.hospital, u.department
FROM (SELECT {unit} AS unit, {hospital} AS hospital, {department} AS department FROM {units} AS c) AS u
WHERE u.unit IS NOT NULL
ORDER BY u.unit, u.hospital, u.department
{data};
CREATE UNIQUE INDEX org_units_unit ON {p}.org_units (unit);
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'unit', kvalitet.binding_field(ctx, 'units.unit'),
	'hospital', kvalitet.binding_field(ctx, 'units.hospital'),
	'department', kvalitet.binding_field(ctx, 'units.department', 'NULL::text')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.org_units',
		format('kvalitet: hospital and department of each unit of %s, as of the last refresh', ctx #>> '{tables,units}'))
WHERE kvalitet.binding_has(ctx, 'units')
$$;
COMMENT ON FUNCTION kvalitet.build_org_units(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view org_units, or NULL without a usable units table';

-- The per-stay relation (docs/indicators.md section 8), searched per patient
-- over the whole history, rules pinned: kvalitet.stays over the contacts,
-- which reads them into one buffer and sorts it once (at 10 M contacts about
-- a quarter of the time of patient_stays grouped by patient and ordered by
-- start); the contacts view's patient key is bigint, text or uuid, as
-- kvalitet.stays needs (binding_expr).  Rows that would be skipped anyway (no
-- patient or start, an end before the start) are left out first, so that a
-- refresh is quiet; the follow-up is complete up to the latest start of the
-- rows left in.  kvalitet.stays parses its query at every refresh under the
-- refreshing session's search_path: every name in it is qualified.  With a
-- municipality bound, a stay's discharging unit and municipality travel
-- together as "unit chr(31) municipality".
CREATE FUNCTION kvalitet.build_stays(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx);
	units constant boolean := kvalitet.binding_has(ctx, 'units');
	muni constant boolean := kvalitet.binding_has(ctx, 'contacts.municipality');
	usable constant text := 'c.patient IS NOT NULL AND pg_catalog.isfinite(c.start_at) AND (c.end_at IS NULL OR c.end_at OPERATOR(pg_catalog.>=) c.start_at)';
	rules constant text := format('kvalitet.stay_rules(merge_gap => %L, min_admission => %L, readmission_window => %L)',
		ctx #>> '{options,merge_gap}', ctx #>> '{options,min_admission}', ctx #>> '{options,readmission_window}');
BEGIN
	v := v || jsonb_build_object('usable', usable, 'rules', rules,
		'unit_in', CASE WHEN muni AND kvalitet.binding_has(ctx, 'contacts.unit')
						THEN $s$coalesce(c.unit, '') OPERATOR(pg_catalog.||) pg_catalog.chr(31) OPERATOR(pg_catalog.||) coalesce(c.municipality, '')$s$
						WHEN muni THEN 'c.municipality' ELSE 'c.unit' END,
		'unit_out', CASE WHEN muni AND kvalitet.binding_has(ctx, 'contacts.unit')
						 THEN $s$nullif(split_part((q.s).discharging_unit, chr(31), 1), '')$s$
						 WHEN muni THEN 'NULL::text' ELSE '(q.s).discharging_unit' END,
		'muni_out', CASE WHEN muni AND kvalitet.binding_has(ctx, 'contacts.unit')
						 THEN $s$nullif(split_part((q.s).discharging_unit, chr(31), 2), '')$s$
						 WHEN muni THEN '(q.s).discharging_unit' ELSE 'NULL::text' END,
		'age', CASE WHEN kvalitet.binding_has(ctx, 'contacts.birth_date')
					THEN '(extract(year FROM age(w.local_start::date, b.birth_date)))::integer'
					WHEN (ctx #>> '{options,patient_is_cpr}')::boolean
					THEN 'CASE WHEN kvalitet.cpr_is_valid(q.patient) THEN kvalitet.cpr_age(q.patient, w.local_start::date) END'
					ELSE 'NULL::integer' END,
		'hospital', CASE WHEN units THEN 'o.hospital' ELSE 'NULL::text' END,
		'department', CASE WHEN units THEN 'o.department' ELSE 'NULL::text' END,
		'birth_join', CASE WHEN kvalitet.binding_has(ctx, 'contacts.birth_date') THEN kvalitet.binding_fill(
			E'\nLEFT JOIN (SELECT c.patient, min(c.birth_date) AS birth_date FROM {p}.contacts AS c WHERE {usable} GROUP BY c.patient) AS b ON b.patient = q.patient',
			v || jsonb_build_object('usable', usable)) ELSE '' END,
		'org_join', CASE WHEN units THEN kvalitet.binding_fill(E'\nLEFT JOIN {p}.org_units AS o ON o.unit = w.discharging_unit', v)
						 ELSE '' END);
	v := v || jsonb_build_object('query', quote_literal(kvalitet.binding_fill(
		'SELECT c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, c.index_eligible, {unit_in} AS unit FROM {p}.contacts AS c WHERE {usable}',
		v)));
	RETURN kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.stays AS
SELECT q.patient, (q.s).stay_no AS stay_no, (q.s).stay_start AS stay_start, (q.s).stay_end AS stay_end,
       (q.s).admission AS admission, (q.s).acute AS acute, (q.s).dominant_diagnosis AS dominant_diagnosis,
       (q.s).died AS died, (q.s).psychiatric AS psychiatric, w.discharging_unit, w.municipality,
       {hospital} AS hospital, {department} AS department,
       (q.s).index_stay AS index_stay, (q.s).readmitted AS readmitted,
       (q.s).next_admission_start AS next_admission_start, (q.s).hours_to_next AS hours_to_next,
       (q.s).followup_complete AS followup_complete, {age} AS age_at_start,
       (extract(epoch FROM (q.s).stay_end - (q.s).stay_start) / 86400)::double precision AS length_of_stay_days,
       date_trunc('month', w.local_start)::date AS admission_month,
       date_trunc('month', w.local_end)::date AS discharge_month
FROM (SELECT st.patient, st AS s
      FROM kvalitet.stays({query}, NULL::{key_type},
                          (SELECT max(c.start_at) FROM {p}.contacts AS c WHERE {usable}), {rules}) AS st) AS q
CROSS JOIN LATERAL (SELECT {unit_out} AS discharging_unit, {muni_out} AS municipality,
                           (q.s).stay_start AT TIME ZONE {tz} AS local_start,
                           (q.s).stay_end AT TIME ZONE {tz} AS local_end) AS w{birth_join}{org_join}
{data};
CREATE UNIQUE INDEX stays_patient_stay_no ON {p}.stays (patient, stay_no);
$q$, v) || kvalitet.binding_comment_sql(v ->> 'p' || '.stays',
		format('kvalitet: one row per stay (sygehusophold) of %s with its readmission flags (docs/indicators.md section 8), rules pinned: %s',
			   ctx #>> '{tables,contacts}', rules));
END $$;
COMMENT ON FUNCTION kvalitet.build_stays(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view stays, one row per stay over kvalitet.stays';

-- Discharge letters in kvalitet's terms (with a usable epikriser table only).
CREATE FUNCTION kvalitet.build_epikriser(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {p}.epikriser WITH (security_invoker = true) AS
SELECT {patient} AS patient, {discharged_at} AS discharged_at, {sent_at} AS sent_at, {unit} AS unit
FROM {epikriser} AS c;
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'patient', coalesce(format('(%s)::%s', kvalitet.binding_field(ctx, 'epikriser.patient'), ctx ->> 'key_type'),
						'NULL::' || (ctx ->> 'key_type')),
	'discharged_at', kvalitet.binding_field(ctx, 'epikriser.discharged_at'),
	'sent_at', kvalitet.binding_field(ctx, 'epikriser.sent_at'),
	'unit', kvalitet.binding_field(ctx, 'epikriser.unit', 'NULL::text')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.epikriser',
		format('kvalitet: the discharges of %s in kvalitet''s terms', ctx #>> '{tables,epikriser}'))
WHERE kvalitet.binding_has(ctx, 'epikriser')
$$;
COMMENT ON FUNCTION kvalitet.build_epikriser(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private view epikriser, or NULL without a usable epikriser table';

-- Letters per month and finest org unit.  A function, so that the local days
-- and closing days are pinned whatever the refreshing session has set; its
-- body is parsed at every call, hence the pinned search_path too.  A letter
-- takes the unit and municipality of the stay that ended at its discharge.
-- The body is a quoted literal, not dollar-quoted: a schema name may hold $.
CREATE FUNCTION kvalitet.build_epikrise_monthly(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx) || jsonb_build_object(
		'closed_days', quote_literal(ctx #>> '{options,extra_closed_days}'),
		'deadline', ((ctx #>> '{options,epikrise_deadline}')::integer)::text,
		'hospital', CASE WHEN kvalitet.binding_has(ctx, 'units') THEN 'o.hospital' ELSE 'NULL::text' END,
		'department', CASE WHEN kvalitet.binding_has(ctx, 'units') THEN 'o.department' ELSE 'NULL::text' END,
		'org_join', CASE WHEN kvalitet.binding_has(ctx, 'units')
						 THEN E'\nLEFT JOIN ' || quote_ident(ctx ->> 'private_schema') || '.org_units AS o ON o.unit = coalesce(e.unit, s.discharging_unit)'
						 ELSE '' END);
BEGIN
	IF NOT kvalitet.binding_has(ctx, 'epikriser') THEN
		RETURN NULL;
	END IF;
	v := v || jsonb_build_object('body', quote_literal(kvalitet.binding_fill($q$
DECLARE
	tz_was constant text := current_setting('kvalitet.timezone', true);
	closed_was constant text := current_setting('kvalitet.extra_closed_days', true);
BEGIN
	PERFORM set_config('kvalitet.timezone', {tz}, true), set_config('kvalitet.extra_closed_days', {closed_days}, true);
	RETURN QUERY
	SELECT date_trunc('month', e.discharged_at AT TIME ZONE {tz})::date, {hospital}, {department}, s.municipality,
	       kvalitet.epikrise_timeliness(e.discharged_at, e.sent_at, {deadline}),
	       kvalitet.epikrise_deadline(max(e.discharged_at), {deadline}) <= (SELECT max(e2.sent_at) FROM {p}.epikriser AS e2)
	FROM {p}.epikriser AS e
	LEFT JOIN {p}.stays AS s ON s.patient = e.patient AND s.stay_end = e.discharged_at{org_join}
	WHERE e.discharged_at IS NOT NULL
	GROUP BY 1, 2, 3, 4;
	PERFORM set_config('kvalitet.timezone', tz_was, true), set_config('kvalitet.extra_closed_days', closed_was, true);
END
$q$, v)));
	RETURN kvalitet.binding_fill($q$CREATE FUNCTION {p}.epikrise_monthly()
	RETURNS TABLE (month date, hospital text, department text, municipality text, timely kvalitet.proportion, complete boolean)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS {body};
COMMENT ON FUNCTION {p}.epikrise_monthly() IS 'kvalitet: epikrise_timeliness per month of discharge and finest org unit, time zone and closing days pinned';
$q$, v);
END $$;
COMMENT ON FUNCTION kvalitet.build_epikrise_monthly(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private function epikrise_monthly (letters per month and org unit), or NULL without epikriser';

-- The population in kvalitet's terms (with a usable population table only).
CREATE FUNCTION kvalitet.build_population(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {p}.population WITH (security_invoker = true) AS
SELECT {municipality} AS municipality, {year} AS year, (substring({age_band} FROM '[0-9]+'))::integer AS age_low, {count} AS count
FROM {population} AS c;
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'municipality', kvalitet.binding_field(ctx, 'population.municipality'),
	'year', kvalitet.binding_field(ctx, 'population.year'),
	'age_band', kvalitet.binding_field(ctx, 'population.age_band'),
	'count', kvalitet.binding_field(ctx, 'population.count')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.population',
		format('kvalitet: the population of %s in kvalitet''s terms', ctx #>> '{tables,population}'))
WHERE kvalitet.binding_has(ctx, 'population')
$$;
COMMENT ON FUNCTION kvalitet.build_population(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private view population, or NULL without a usable population table';

-- Who sees what: an org unit's figures are shown to a reader who sees every
-- one of its units in the units table (row-level security decides); without
-- units, a reader who sees any contact sees the region.
CREATE FUNCTION kvalitet.build_visible_org(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill(CASE WHEN kvalitet.binding_has(ctx, 'units') THEN $q$CREATE VIEW {p}.visible_org WITH (security_invoker = true) AS
WITH seen AS (SELECT DISTINCT {unit} AS unit FROM {units} AS c),
     o AS (SELECT o.hospital, o.department, (seen.unit IS NOT NULL) AS seen
           FROM {p}.org_units AS o LEFT JOIN seen ON seen.unit = o.unit)
SELECT 'region'::text AS gate FROM o HAVING coalesce(bool_and(o.seen), true)
UNION ALL
SELECT 'H' || chr(31) || o.hospital FROM o WHERE o.hospital IS NOT NULL GROUP BY o.hospital HAVING bool_and(o.seen)
UNION ALL
SELECT 'D' || chr(31) || o.hospital || chr(31) || o.department FROM o
WHERE o.hospital IS NOT NULL AND o.department IS NOT NULL GROUP BY o.hospital, o.department HAVING bool_and(o.seen);
$q$ ELSE $q$CREATE VIEW {p}.visible_org WITH (security_invoker = true) AS
SELECT 'region'::text AS gate WHERE EXISTS (SELECT 1 FROM {contacts});
$q$ END, kvalitet.binding_vars(ctx) || jsonb_build_object('unit', kvalitet.binding_field(ctx, 'units.unit', 'NULL')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.visible_org',
		'kvalitet: the gates the current reader passes: region when it sees every unit, a hospital or department when it sees all of its units')
$$;
COMMENT ON FUNCTION kvalitet.build_visible_org(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private view visible_org, the gates the current reader passes';

-- The BI view stays: the stays discharged from the units the reader sees.
CREATE FUNCTION kvalitet.build_bi_stays(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {s}.stays WITH (security_invoker = true, security_barrier = true) AS
SELECT s.patient, s.stay_no, s.stay_start, s.stay_end, s.admission, s.acute, s.dominant_diagnosis, s.died, s.psychiatric,
       s.discharging_unit, s.hospital, s.department, s.municipality, s.index_stay, s.readmitted,
       s.next_admission_start, s.hours_to_next, s.followup_complete, s.age_at_start, s.length_of_stay_days,
       s.admission_month, s.discharge_month
FROM {p}.stays AS s
WHERE EXISTS (SELECT 1 FROM {p}.visible_org AS g WHERE g.gate = 'region'){by_unit};
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object('by_unit', CASE WHEN kvalitet.binding_has(ctx, 'units')
	THEN format(E'\n   OR s.discharging_unit IN (SELECT %s FROM %s AS c)',
				kvalitet.binding_field(ctx, 'units.unit'), ctx #>> '{tables,units}')
	ELSE '' END))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.stays',
		'kvalitet: one row per stay with its readmission flags; a reader sees the stays discharged from the units it sees')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_stays(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view stays';

-- The BI view indicator_values: the rows of the gates the reader passes.
CREATE FUNCTION kvalitet.build_bi_indicator_values(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {s}.indicator_values WITH (security_invoker = true, security_barrier = true) AS
SELECT v.indicator_code, v.goal_no, v.goal_name_da, v.goal_name_en, v.indicator_name_da, v.indicator_name_en,
       v.measure, v.lower_is_better, v.period_type, v.period_start, v.period_end, v.period_label,
       v.org_level, v.org_unit, v.hospital, v.department, v.municipality,
       v.numerator, v.denominator, v.value, v.ci_lower, v.ci_upper, v.followup_complete,
       v.standardised_value, v.standardised_ci_lower, v.standardised_ci_upper, v.standardised_ratio, v.ratio_ci_lower, v.ratio_ci_upper
FROM {p}.indicator_values AS v
WHERE v.gate IN (SELECT g.gate FROM {p}.visible_org AS g);
$q$, kvalitet.binding_vars(ctx))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.indicator_values',
		'kvalitet: indicator values, one row per indicator x period (month, quarter, year) x org unit; a reader sees the org units all of whose units it sees',
		'kvalitet.binding_chart_column_comments()')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_indicator_values(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view indicator_values';

-- The BI view goal_overview: each value beside the period just before.
CREATE FUNCTION kvalitet.build_bi_goal_overview(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {s}.goal_overview WITH (security_invoker = true, security_barrier = true) AS
SELECT v.goal_no, v.goal_name_da, v.goal_name_en, v.indicator_code, v.indicator_name_da, v.indicator_name_en,
       v.measure, v.lower_is_better,
       CASE WHEN v.lower_is_better THEN 'lower is better' ELSE 'higher is better' END AS direction,
       v.period_type, v.period_start, v.period_label, v.org_level, v.org_unit,
       v.value, v.numerator, v.denominator, v.ci_lower, v.ci_upper, v.followup_complete,
       CASE WHEN v.prev_ok THEN v.prev_label END AS previous_period_label,
       CASE WHEN v.prev_ok THEN v.prev_value END AS previous_value,
       CASE WHEN v.prev_ok THEN v.value - v.prev_value END AS change,
       CASE WHEN v.prev_ok AND v.value <> v.prev_value THEN (v.value < v.prev_value) = v.lower_is_better END AS improved,
       v.period_start = v.latest_start AS is_latest,
       v.standardised_value, v.standardised_ci_lower, v.standardised_ci_upper,
       CASE WHEN v.period_start = v.latest_start THEN rc.signal END AS signal,
       CASE WHEN v.period_start = v.latest_start THEN rc.special_cause END AS special_cause
FROM (SELECT iv.*,
             lag(iv.period_start) OVER w = (iv.period_start - CASE iv.period_type WHEN 'month' THEN interval '1 month'
                 WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END)::date AS prev_ok,
             lag(iv.period_label) OVER w AS prev_label, lag(iv.value) OVER w AS prev_value,
             max(iv.period_start) OVER (PARTITION BY iv.indicator_code, iv.period_type) AS latest_start
      FROM {s}.indicator_values AS iv
      WHERE iv.goal_no IS NOT NULL
      WINDOW w AS (PARTITION BY iv.indicator_code, iv.period_type, iv.org_level, iv.org_unit ORDER BY iv.period_start)) AS v
LEFT JOIN {s}.run_charts AS rc ON rc.is_latest AND rc.indicator_code = v.indicator_code AND rc.period_type = v.period_type
      AND rc.period_start = v.period_start AND rc.org_level = v.org_level AND rc.org_unit = v.org_unit;
$q$, kvalitet.binding_vars(ctx))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.goal_overview',
		'kvalitet: per national goal, indicator, period and org unit: the value, the change from the period just before, and whether it improved; is_latest marks the latest period, with the run chart''s signal and the control chart''s special cause (run_charts)',
		'kvalitet.binding_chart_column_comments()')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_goal_overview(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view goal_overview';

-- The BI view status: per catalogue indicator, computed or not and why, as
-- decided at bind (kvalitet.binding_status).
CREATE FUNCTION kvalitet.build_bi_status(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {s}.status WITH (security_invoker = true, security_barrier = true) AS
SELECT ind.code AS indicator_code, ind.goal_no, ind.name_da AS indicator_name_da, ind.name_en AS indicator_name_en,
       coalesce(st.computed, false) AS computed,
       CASE WHEN st.code IS NULL THEN 'not computed by kvalitet.bind' ELSE st.note END AS note,
       (SELECT max(l.finished_at) FROM kvalitet.refresh_log AS l
        WHERE l.schema_name = {target_schema} AND l.relation = '*') AS last_refresh
FROM kvalitet.indicator AS ind
LEFT JOIN (SELECT e ->> 'code' AS code, (e ->> 'computed')::boolean AS computed, e ->> 'note' AS note
           FROM jsonb_array_elements({status}::jsonb) AS e) AS st ON st.code = ind.code;
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'target_schema', quote_literal(ctx ->> 'target_schema'),
	'status', quote_literal(coalesce(ctx -> 'status', '[]')::text)))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.status',
		'kvalitet: per indicator of the catalogue, whether this binding computes it and why not')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_status(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view status';

-- Read access for a role (kvalitet.grant_read): USAGE on the target schema,
-- SELECT on its views, and SELECT (not USAGE) on the views and materialized
-- views of the private schema.  Reads the catalog, so that it serves
-- bindings of any version.
CREATE FUNCTION kvalitet.build_grants(target_schema text, private_schema text, role_name text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT format(E'GRANT USAGE ON SCHEMA %1$I TO %2$I;\nGRANT SELECT ON %1$I.stays, %1$I.indicator_values, %1$I.goal_overview, %1$I.status TO %2$I;\n',
			  target_schema, role_name)
	|| CASE WHEN to_regclass(format('%I.run_charts', target_schema)) IS NOT NULL
			THEN format(E'GRANT SELECT ON %I.run_charts TO %I;\n', target_schema, role_name) ELSE '' END
	|| coalesce(string_agg(format(E'GRANT SELECT ON %I.%I TO %I;\n', n.nspname, c.relname, role_name), '' ORDER BY c.relname), '')
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = private_schema AND c.relkind IN ('v', 'm')
$$;
COMMENT ON FUNCTION kvalitet.build_grants(text, text, text) IS
	'Builder of kvalitet.grant_read: the GRANTs that let a role read a binding''s BI views (and SELECT, not USAGE, the objects behind them)';

-- ---------------------------------------------------------------------------
-- kvalitet.bind, step 3: the indicators' rows and indicator_values
-- ---------------------------------------------------------------------------
-- Each computed indicator names its rows builder in kvalitet.indicator.builder
-- (one builder may serve several indicators).  A builder of grain month
-- returns a SELECT of monthly rows
--   (code, month, org_level, hospital, department, municipality,
--    p, total, total_sq, n, complete)
-- that build_indicator_values rolls up exactly to quarters and years; one of
-- grain year returns the yearly rows itself
--   (code, period_type, period_start, org_level, hospital, department,
--    municipality, p, total, total_sq, n, complete).
-- p is a kvalitet.proportion (unit proportion); total, total_sq and n are the
-- sum, the sum of squares and the count (unit days, in seconds), or events
-- and citizens (unit per_1000); complete is false while a figure can change.
-- docs/binding.md section 10 walks through adding one.

-- The org levels of a monthly query over the relation aliased `alias`:
-- {org_level} and {org_columns} (its select list) and {grouping_sets} (one
-- set per level: region, hospital, department, municipality, as bound).
CREATE FUNCTION kvalitet.binding_org_levels(ctx jsonb, alias text, month_column text) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT jsonb_build_object(
	'org_level', CASE WHEN NOT (u.units OR u.muni) THEN '''region''::text AS org_level'
		ELSE 'CASE'
			|| CASE WHEN u.units THEN format(' WHEN GROUPING(%1$s.department) = 0 THEN ''department'' WHEN GROUPING(%1$s.hospital) = 0 THEN ''hospital''', alias) ELSE '' END
			|| CASE WHEN u.muni THEN format(' WHEN GROUPING(%s.municipality) = 0 THEN ''municipality''', alias) ELSE '' END
			|| ' ELSE ''region'' END AS org_level' END,
	'org_columns', CASE WHEN u.units THEN format('%1$s.hospital, %1$s.department', alias)
						ELSE 'NULL::text AS hospital, NULL::text AS department' END
		|| CASE WHEN u.muni THEN format(', %s.municipality', alias) ELSE ', NULL::text AS municipality' END,
	'grouping_sets', format('(%s.%s)', alias, month_column)
		|| CASE WHEN u.units THEN format(', (%1$s.%2$s, %1$s.hospital), (%1$s.%2$s, %1$s.hospital, %1$s.department)', alias, month_column) ELSE '' END
		|| CASE WHEN u.muni THEN format(', (%1$s.%2$s, %1$s.municipality)', alias, month_column) ELSE '' END)
FROM (SELECT kvalitet.binding_has(ctx, 'units') AS units, kvalitet.binding_has(ctx, 'contacts.municipality') AS muni) AS u
$$;
COMMENT ON FUNCTION kvalitet.binding_org_levels(jsonb, text, text) IS
	'Used by the rows builders: the org_level, org_columns and grouping_sets placeholders of a monthly query';

-- readmission_30d, mean_length_of_stay and sa_acute_short_admissions: one
-- pass over the closed admissions, by month and unit of discharge
-- (docs/indicators.md sections 4 and 8).
CREATE FUNCTION kvalitet.build_rows_discharges(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT v.code, d.month, d.org_level, d.hospital, d.department, d.municipality,
       v.p, v.total, v.total_sq, v.n, v.complete
FROM (SELECT s.discharge_month AS month, {org_level}, {org_columns},
             kvalitet.proportion(s.readmitted) FILTER (WHERE s.index_stay) AS readm,
             coalesce(bool_and(s.followup_complete) FILTER (WHERE s.index_stay), true) AS readm_complete,
             count(*) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_n,
             sum(extract(epoch FROM s.stay_end - s.stay_start)) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_total,
             sum((extract(epoch FROM s.stay_end - s.stay_start))::double precision ^ 2) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_sq,
             kvalitet.proportion(s.stay_end - s.stay_start < {short_admission}::interval) FILTER (WHERE s.acute) AS short
      FROM {p}.stays AS s
      WHERE s.admission AND s.stay_end IS NOT NULL
      GROUP BY GROUPING SETS ({grouping_sets})) AS d
CROSS JOIN LATERAL (VALUES
    ('readmission_30d', d.readm, NULL::numeric, NULL::double precision, NULL::bigint, d.readm_complete),
    ('mean_length_of_stay', NULL::kvalitet.proportion, d.los_total, d.los_sq, d.los_n, true),
    ('sa_acute_short_admissions', d.short, NULL::numeric, NULL::double precision, NULL::bigint, true)
) AS v(code, p, total, total_sq, n, complete)
WHERE v.code = ANY ({codes}::text[]) AND coalesce(kvalitet.denominator(v.p), v.n) > 0$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 's', 'discharge_month') || jsonb_build_object(
		'short_admission', quote_literal(ctx #>> '{options,short_admission}'),
		'codes', quote_literal(ARRAY(SELECT jsonb_array_elements_text(ctx -> 'codes'))::text)))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_discharges(jsonb) IS
	'Rows builder of readmission_30d, mean_length_of_stay and sa_acute_short_admissions (monthly, by unit of discharge)';

-- preventable_admissions_65: acute admissions of patients aged age_min or
-- over, by the month they started (docs/indicators.md section 5).
CREATE FUNCTION kvalitet.build_rows_preventable_65(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65'::text, a.month, a.org_level, a.hospital, a.department, a.municipality,
       a.p, NULL::numeric, NULL::double precision, NULL::bigint, a.complete
FROM (SELECT s.admission_month AS month, {org_level}, {org_columns},
             kvalitet.proportion(coalesce(kvalitet.code_in(s.dominant_diagnosis, {code_set},
                 (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date), false)) AS p,
             bool_and(s.stay_end IS NOT NULL) AS complete
      FROM {p}.stays AS s
      WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}
      GROUP BY GROUPING SETS ({grouping_sets})) AS a$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 's', 'admission_month') || jsonb_build_object(
		'code_set', quote_literal(ctx #>> '{options,preventable_set}'),
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_preventable_65(jsonb) IS
	'Rows builder of preventable_admissions_65 (monthly, by month the admission started)';

-- epikrise_timely: the letters per month of discharge, from the private
-- function epikrise_monthly (docs/indicators.md section 6).
CREATE FUNCTION kvalitet.build_rows_epikrise_timely(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'epikrise_timely'::text, e.month, e.org_level, e.hospital, e.department, e.municipality,
       e.p, NULL::numeric, NULL::double precision, NULL::bigint, e.complete
FROM (SELECT f.month, {org_level}, {org_columns}, kvalitet.rollup(f.timely) AS p, bool_and(f.complete) AS complete
      FROM {p}.epikrise_monthly() AS f
      GROUP BY GROUPING SETS ({grouping_sets})
      HAVING kvalitet.denominator(kvalitet.rollup(f.timely)) > 0) AS e$q$,
	kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'f', 'month'))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_epikrise_timely(jsonb) IS
	'Rows builder of epikrise_timely (monthly, by month of discharge)';

-- preventable_admissions_65_per_1000: the same admissions per 1,000
-- citizens aged age_min or over on 1 January, by year and municipality.
CREATE FUNCTION kvalitet.build_rows_preventable_65_per_1000(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65_per_1000', 'year', y.year, CASE WHEN GROUPING(y.municipality) = 0 THEN 'municipality' ELSE 'region' END,
       NULL, NULL, y.municipality, NULL, sum(y.events), NULL, sum(y.population)::bigint, bool_and(y.complete)
FROM (SELECT coalesce(ev.year, po.year) AS year, coalesce(ev.municipality, po.municipality) AS municipality,
             coalesce(ev.events, 0) AS events, coalesce(po.population, 0) AS population, coalesce(ev.complete, true) AS complete
      FROM (SELECT date_trunc('year', s.admission_month)::date AS year, s.municipality,
                   count(*) FILTER (WHERE kvalitet.code_in(s.dominant_diagnosis, {code_set},
                       (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date)) AS events,
                   bool_and(s.stay_end IS NOT NULL) AS complete
            FROM {p}.stays AS s
            WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}
            GROUP BY 1, 2) AS ev
      FULL JOIN (SELECT make_date(pp.year, 1, 1) AS year, pp.municipality, sum(pp.count) AS population
                 FROM {p}.population AS pp WHERE pp.age_low >= {age_min} GROUP BY 1, 2) AS po
        ON po.year = ev.year AND po.municipality = ev.municipality) AS y
GROUP BY GROUPING SETS ((y.year), (y.year, y.municipality))
HAVING sum(y.population) > 0$q$,
	kvalitet.binding_vars(ctx) || jsonb_build_object(
		'code_set', quote_literal(ctx #>> '{options,preventable_set}'),
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text))
$$;
COMMENT ON FUNCTION kvalitet.build_rows_preventable_65_per_1000(jsonb) IS
	'Rows builder of preventable_admissions_65_per_1000 (yearly, by municipality of residence)';

-- indicator_values: every computed indicator's rows (its builder, called
-- once per builder), monthly rows rolled up exactly to quarters and years,
-- with names, values, intervals and the gate that decides who sees a row.
CREATE FUNCTION kvalitet.build_indicator_values(ctx jsonb) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b record;
	piece text;
	monthly text[] := ARRAY[]::text[];
	yearly text := '';
BEGIN
	FOR b IN SELECT ind.builder::regproc AS builder, ind.grain FROM kvalitet.indicator AS ind
			 WHERE ind.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes'))
			 GROUP BY 1, 2 ORDER BY min(ind.code) LOOP
		EXECUTE format('SELECT %s($1)', b.builder) INTO piece USING ctx;
		IF b.grain = 'month' THEN
			monthly := monthly || piece;
		ELSE
			yearly := yearly || E'\nUNION ALL\n' || piece;
		END IF;
	END LOOP;
	IF cardinality(monthly) = 0 THEN
		monthly := ARRAY['SELECT NULL::text, NULL::date, NULL::text, NULL::text, NULL::text, NULL::text, NULL::kvalitet.proportion, NULL::numeric, NULL::double precision, NULL::bigint, NULL::boolean WHERE false'];
	END IF;
	RETURN kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.indicator_values AS
WITH monthly (code, month, org_level, hospital, department, municipality, p, total, total_sq, n, complete) AS (
{monthly}
), periods AS (
SELECT m.code, 'month'::text AS period_type, m.month AS period_start, m.org_level, m.hospital, m.department,
       m.municipality, m.p, m.total, m.total_sq, m.n, m.complete
FROM monthly AS m
UNION ALL
SELECT m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level, m.hospital, m.department,
       m.municipality, kvalitet.rollup(m.p), sum(m.total), sum(m.total_sq), sum(m.n)::bigint, bool_and(m.complete)
FROM monthly AS m CROSS JOIN (VALUES ('quarter'), ('year')) AS t(period_type)
GROUP BY m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level, m.hospital, m.department, m.municipality{yearly}
){standardised}
SELECT r.code AS indicator_code, ind.goal_no, g.name_da AS goal_name_da, g.name_en AS goal_name_en,
       ind.name_da AS indicator_name_da, ind.name_en AS indicator_name_en, ind.unit AS measure, ind.lower_is_better,
       r.period_type, r.period_start,
       (r.period_start + CASE r.period_type WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
                                            ELSE interval '1 year' END - interval '1 day')::date AS period_end,
       CASE r.period_type WHEN 'month' THEN to_char(r.period_start, 'YYYY-MM')
                          WHEN 'quarter' THEN to_char(r.period_start, 'YYYY-"Q"Q')
                          ELSE to_char(r.period_start, 'YYYY') END AS period_label,
       r.org_level,
       CASE r.org_level WHEN 'region' THEN {region_name}
                        WHEN 'hospital' THEN coalesce(r.hospital, '(unknown)')
                        WHEN 'department' THEN coalesce(r.hospital, '(unknown)') || ' / ' || coalesce(r.department, '(unknown)')
                        ELSE coalesce(r.municipality, '(unknown)') END AS org_unit,
       r.hospital, r.department, r.municipality,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.numerator(r.p)::numeric
                     WHEN 'days' THEN round(r.total / 86400, 6)
                     ELSE r.total END AS numerator,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.denominator(r.p) ELSE r.n END AS denominator,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.rate(r.p)
                     WHEN 'days' THEN (r.total / r.n / 86400)::double precision
                     ELSE (sd.pr).value END AS value,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.wilson_lower(r.p)
                     WHEN 'days' THEN (r.total / r.n / 86400)::double precision - 1.959963984540054 * sd.se
                     ELSE (sd.pr).lower END AS ci_lower,
       CASE ind.unit WHEN 'proportion' THEN kvalitet.wilson_upper(r.p)
                     WHEN 'days' THEN (r.total / r.n / 86400)::double precision + 1.959963984540054 * sd.se
                     ELSE (sd.pr).upper END AS ci_upper,
       (sz.direct).value AS standardised_value, (sz.direct).lower AS standardised_ci_lower, (sz.direct).upper AS standardised_ci_upper,
       (sz.indirect).value AS standardised_ratio, (sz.indirect).lower AS ratio_ci_lower, (sz.indirect).upper AS ratio_ci_upper,
       r.complete AS followup_complete,
       r.p AS proportion,
       CASE WHEN r.org_level = 'hospital' AND r.hospital IS NOT NULL THEN 'H' || chr(31) || r.hospital
            WHEN r.org_level = 'department' AND r.hospital IS NOT NULL AND r.department IS NOT NULL
                 THEN 'D' || chr(31) || r.hospital || chr(31) || r.department
            ELSE 'region' END AS gate
FROM periods AS r
JOIN kvalitet.indicator AS ind ON ind.code = r.code
LEFT JOIN kvalitet.goal AS g ON g.goal_no = ind.goal_no
CROSS JOIN LATERAL (SELECT CASE WHEN ind.unit = 'days' AND r.n > 1
                                THEN sqrt(greatest(r.total_sq - (r.total::double precision ^ 2) / r.n, 0) / (r.n - 1) / r.n) / 86400
                           END AS se,
                           kvalitet.poisson_rate(CASE WHEN ind.unit = 'per_1000' THEN r.total::bigint END, r.n) AS pr) AS sd
LEFT JOIN standardised AS sz ON sz.code = r.code AND sz.period_type = r.period_type AND sz.period_start = r.period_start
      AND sz.org_key = ROW(r.org_level, r.hospital, r.department, r.municipality)::text
{data};
CREATE UNIQUE INDEX indicator_values_key ON {p}.indicator_values (indicator_code, period_type, period_start, org_level, org_unit);
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
		'monthly', array_to_string(monthly, E'\nUNION ALL\n'), 'yearly', yearly, 'standardised', kvalitet.binding_standardised(ctx),
		'region_name', quote_literal(ctx #>> '{options,region_name}')))
		|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.indicator_values',
			'kvalitet: the indicator values per month, quarter and year and per org unit, with the gate that decides who sees them',
			'kvalitet.binding_chart_column_comments()');
END $$;
COMMENT ON FUNCTION kvalitet.build_indicator_values(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view indicator_values, from the rows builders of the computed indicators';

-- ---------------------------------------------------------------------------
-- New: standardised values, run charts and control limits in the bindings
-- (sql/parts/50_catalogue.sql strata_builder, 67_bind_charts.sql)
-- ---------------------------------------------------------------------------
ALTER TABLE kvalitet.indicator ADD COLUMN strata_builder text;
COMMENT ON COLUMN kvalitet.indicator.strata_builder IS
	'The function (ctx jsonb) RETURNS text that writes its counted stays with sex and age, for the standardised values of indicator_values; NULL = not standardised (docs/binding.md section 11)';

-- Standardised by age and sex (docs/binding.md section 11): the indicators
-- whose stays carry an age band and a sex name their strata builder.
UPDATE kvalitet.indicator AS i SET strata_builder = v.strata_builder
FROM (VALUES ('readmission_30d', 'kvalitet.build_strata_readmission'),
			 ('preventable_admissions_65', 'kvalitet.build_strata_preventable_65')) AS v(code, strata_builder)
WHERE i.code OPERATOR(pg_catalog.=) v.code AND i.rule_set OPERATOR(pg_catalog.=) 'dk-default-1';

-- An indicator is standardised when its catalogue row names a strata builder
-- (kvalitet.indicator.strata_builder): a function (ctx jsonb) RETURNS text
-- that returns a SELECT of its counted stays, one row per stay,
--   (code, month, hospital, department, municipality, sex, age, hit)
-- with the same month and org unit as its rows builder uses, the stay's sex
-- ({sex}: M or F from a CPR number, U when the patient key is no CPR number,
-- NULL when unknown), its age in years and whether it counts in the
-- numerator.  indicator_values groups them into strata (sex x age band) per
-- period and org unit, pools small strata (kvalitet.pooled_strata) and puts
-- the directly standardised value (Fay-Feuer interval) and the indirectly
-- standardised ratio against the region in the same period (Garwood) beside
-- the crude value.

-- The placeholders a strata builder may use beside binding_vars: {sex}, the
-- stay's sex over the stays aliased s.
CREATE FUNCTION kvalitet.binding_strata_vars(ctx jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_vars(ctx) || jsonb_build_object('sex',
	CASE WHEN (ctx #>> '{options,patient_is_cpr}')::boolean
		 THEN 'CASE WHEN kvalitet.cpr_is_valid(s.patient::text) THEN kvalitet.cpr_sex(s.patient::text) END'
		 ELSE '''U''::text' END)
$$;
COMMENT ON FUNCTION kvalitet.binding_strata_vars(jsonb) IS
	'Used by the strata builders: binding_vars and {sex}, the sex of a stay s (M/F from a CPR number, U without one)';

-- readmission_30d: the index admissions, by month and unit of discharge.
CREATE FUNCTION kvalitet.build_strata_readmission(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'readmission_30d'::text, s.discharge_month, s.hospital, s.department, s.municipality,
       {sex}, s.age_at_start, s.readmitted
FROM {p}.stays AS s
WHERE s.admission AND s.stay_end IS NOT NULL AND s.index_stay$q$, kvalitet.binding_strata_vars(ctx))
$$;
COMMENT ON FUNCTION kvalitet.build_strata_readmission(jsonb) IS
	'Strata builder of readmission_30d: one row per index admission with its sex, age and whether it was readmitted';

-- preventable_admissions_65: the acute admissions of age_min or over, by
-- the month they started.
CREATE FUNCTION kvalitet.build_strata_preventable_65(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$SELECT 'preventable_admissions_65'::text, s.admission_month, s.hospital, s.department, s.municipality,
       {sex}, s.age_at_start,
       coalesce(kvalitet.code_in(s.dominant_diagnosis, {code_set}, (coalesce(s.stay_end, s.stay_start) AT TIME ZONE {tz})::date), false)
FROM {p}.stays AS s
WHERE s.admission AND s.acute AND s.age_at_start >= {age_min}$q$,
	kvalitet.binding_strata_vars(ctx) || jsonb_build_object(
		'code_set', quote_literal(ctx #>> '{options,preventable_set}'),
		'age_min', ((ctx #>> '{options,age_min}')::integer)::text))
$$;
COMMENT ON FUNCTION kvalitet.build_strata_preventable_65(jsonb) IS
	'Strata builder of preventable_admissions_65: one row per acute admission of 65 or over with its sex, age and whether it was preventable';

-- The private materialized view indicator_standardised: per indicator with
-- a strata builder, period and org unit (org_key = ROW(org_level, hospital,
-- department, municipality)::text) the direct and the indirect estimate;
-- NULL without strata (no strata builder computed, or no age bound).  Age
-- bands: those of the standard population chosen (option
-- standard_population), or 5-year bands up to 90+ when the standard is the
-- indicator's own denominator in the reference year (option standard_year;
-- default the latest year with all 12 months, else the latest year).  Apart
-- from indicator_values, so that indicator_values joins a relation whose
-- size the planner knows (a join to these CTEs inline was planned as a
-- nested loop that repeated them per row).
CREATE FUNCTION kvalitet.build_indicator_standardised(ctx jsonb) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b record;
	piece text;
	strata text[] := ARRAY[]::text[];
	std constant text := ctx #>> '{options,standard_population}';
	ref_year constant integer := (ctx #>> '{options,standard_year}')::integer;
	v jsonb := kvalitet.binding_vars(ctx) || kvalitet.binding_org_levels(ctx, 'x', 'month');
BEGIN
	IF std IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kvalitet.standard_population AS sp WHERE sp.standard = std) THEN
		RAISE EXCEPTION 'kvalitet.bind: no standard population %', std USING ERRCODE = 'invalid_parameter_value',
			HINT = 'Fill kvalitet.standard_population, use esp2013, or leave standard_population out (the indicator''s own denominator).';
	END IF;
	FOR b IN SELECT ind.strata_builder::regproc AS builder FROM kvalitet.indicator AS ind
			 WHERE ind.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes')) AND ind.strata_builder IS NOT NULL
			 GROUP BY 1 ORDER BY min(ind.code) LOOP
		EXECUTE format('SELECT %s($1)', b.builder) INTO piece USING ctx;
		strata := strata || piece;
	END LOOP;
	-- Without ages there are no strata.
	IF cardinality(strata) = 0 OR NOT kvalitet.binding_has(ctx, 'age') THEN
		RETURN NULL;
	END IF;
	v := v || jsonb_build_object(
		'strata', array_to_string(strata, E'\nUNION ALL\n'),
		'bands', CASE WHEN std IS NULL THEN 'ARRAY[0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]'
					  ELSE format('(SELECT array_agg(DISTINCT sp.age_low ORDER BY sp.age_low) FROM kvalitet.standard_population AS sp WHERE sp.standard = %L)', std) END,
		'weights', CASE WHEN std IS NULL THEN kvalitet.binding_fill($w$WITH r AS MATERIALIZED (
SELECT y.code, {year} AS year
FROM (SELECT m.code, date_trunc('year', m.month::timestamp)::date AS year, count(DISTINCT m.month) AS months
      FROM strata_monthly AS m WHERE m.org_level = 'region' GROUP BY 1, 2) AS y
GROUP BY y.code)
SELECT p.code, p.sex, p.age_low, p.population::double precision
FROM strata_periods AS p JOIN r ON r.code = p.code AND r.year = p.period_start
WHERE p.period_type = 'year' AND p.org_level = 'region'$w$, jsonb_build_object('year', CASE WHEN ref_year IS NULL
				THEN 'coalesce(max(y.year) FILTER (WHERE y.months = 12), max(y.year))'
				ELSE format('make_date(%s, 1, 1)', ref_year) END))
			ELSE format($w$SELECT cs.code, cs.sex, sp.age_low, sum(sp.weight)
FROM (SELECT DISTINCT m.code, m.sex FROM strata_monthly AS m) AS cs
JOIN kvalitet.standard_population AS sp ON sp.standard = %L AND (cs.sex = 'U' OR sp.sex = cs.sex)
GROUP BY 1, 2, 3$w$, std) END);
	RETURN kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.indicator_standardised AS
WITH strata_stays (code, month, hospital, department, municipality, sex, age, hit) AS (
{strata}
), strata_monthly AS (
SELECT x.code, x.month, {org_level}, {org_columns}, x.sex, x.age_low,
       count(*) FILTER (WHERE x.hit) AS events, count(x.hit) AS population
FROM (SELECT st.code, st.month, st.hospital, st.department, st.municipality, st.sex,
             bs.bands[width_bucket(st.age, bs.bands)] AS age_low, st.hit
      FROM strata_stays AS st CROSS JOIN (SELECT {bands} AS bands) AS bs
      WHERE st.sex IS NOT NULL AND st.age IS NOT NULL AND width_bucket(st.age, bs.bands) > 0) AS x
GROUP BY x.code, x.sex, x.age_low, GROUPING SETS ({grouping_sets})
), strata_periods AS (
SELECT m.code, 'month'::text AS period_type, m.month AS period_start, m.org_level,
       ROW(m.org_level, m.hospital, m.department, m.municipality)::text AS org_key, m.sex, m.age_low, m.events, m.population
FROM strata_monthly AS m
UNION ALL
SELECT m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level,
       ROW(m.org_level, m.hospital, m.department, m.municipality)::text, m.sex, m.age_low, sum(m.events)::bigint, sum(m.population)::bigint
FROM strata_monthly AS m CROSS JOIN (VALUES ('quarter'), ('year')) AS t(period_type)
GROUP BY 1, 2, 3, 4, 5, 6, 7
), strata_weights (code, sex, age_low, weight) AS (
{weights}
), standard AS MATERIALIZED (
SELECT w.code, array_agg(w.sex) AS sexes, array_agg(w.age_low) AS ages, array_agg(0::bigint) AS events,
       array_agg(0::double precision) AS populations, array_agg(w.weight) AS weights
FROM strata_weights AS w GROUP BY w.code
), standardised (code, period_type, period_start, org_key, direct, indirect) AS (
SELECT d.code, d.period_type, d.period_start, d.org_key, e.direct, i.indirect
FROM (SELECT p.code, p.period_type, p.period_start, p.org_key, array_agg(p.sex) AS sexes, array_agg(p.age_low) AS ages,
             array_agg(p.events) AS events, array_agg(p.population::double precision) AS populations,
             array_agg(0::double precision) AS weights
      FROM strata_periods AS p GROUP BY 1, 2, 3, 4) AS d
JOIN standard AS sw ON sw.code = d.code
CROSS JOIN LATERAL (SELECT CASE WHEN NOT bool_or(ps.population = 0 AND ps.standard_weight > 0)
                                THEN kvalitet.direct_standardised_rate(ps.events, ps.population, ps.standard_weight, 1) FILTER (WHERE ps.population > 0)
                           END AS direct
                    FROM kvalitet.pooled_strata(d.sexes || sw.sexes, d.ages || sw.ages, d.events || sw.events,
                                                d.populations || sw.populations, d.weights || sw.weights) AS ps) AS e
LEFT JOIN (SELECT u.code, u.period_type, u.period_start, u.org_key,
                  kvalitet.indirect_standardised_ratio(u.events, u.population * r.events::double precision / r.population) AS indirect
           FROM strata_periods AS u
           JOIN strata_periods AS r ON r.code = u.code AND r.period_type = u.period_type AND r.period_start = u.period_start
                                   AND r.org_level = 'region' AND r.sex = u.sex AND r.age_low = u.age_low
           GROUP BY 1, 2, 3, 4) AS i
  ON i.code = d.code AND i.period_type = d.period_type AND i.period_start = d.period_start AND i.org_key = d.org_key
)
SELECT s.code, s.period_type, s.period_start, s.org_key, s.direct, s.indirect FROM standardised AS s
{data};
CREATE UNIQUE INDEX indicator_standardised_key ON {p}.indicator_standardised (code, period_type, period_start, org_key);
$q$, v) || kvalitet.binding_comment_sql(v ->> 'p' || '.indicator_standardised',
		'kvalitet: the age/sex-standardised estimates per indicator, period and org unit, behind indicator_values',
		'kvalitet.binding_chart_column_comments()');
END $$;
COMMENT ON FUNCTION kvalitet.build_indicator_standardised(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view indicator_standardised (direct with small strata pooled, and indirect against the region), or NULL when nothing is standardised';

-- The CTE indicator_values joins: standardised (code, period_type,
-- period_start, org_key, direct, indirect), from indicator_standardised when
-- the binding has it.
CREATE FUNCTION kvalitet.binding_standardised(ctx jsonb) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE WHEN kvalitet.build_indicator_standardised(ctx) IS NULL
	THEN $q$, standardised (code, period_type, period_start, org_key, direct, indirect) AS (
SELECT NULL::text, NULL::text, NULL::date, NULL::text, NULL::kvalitet.rate_estimate, NULL::kvalitet.rate_estimate WHERE false
)$q$
	ELSE kvalitet.binding_fill($q$, standardised (code, period_type, period_start, org_key, direct, indirect) AS (
SELECT s.code, s.period_type, s.period_start, s.org_key, s.direct, s.indirect FROM {p}.indicator_standardised AS s
)$q$, kvalitet.binding_vars(ctx)) END
$$;
COMMENT ON FUNCTION kvalitet.binding_standardised(jsonb) IS
	'Used by build_indicator_values: the CTE standardised, over indicator_standardised when the binding has it';

-- The column comments of the chart and standardised columns.
CREATE FUNCTION kvalitet.binding_chart_column_comments() RETURNS jsonb
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN kvalitet.binding_value_column_comments() OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
	'standardised_value', 'Directly age/sex-standardised value (strata under 5 pooled with the next age band); NULL when not standardised',
	'standardised_ci_lower', 'Lower bound of the standardised value''s 95% interval (Fay-Feuer)',
	'standardised_ci_upper', 'Upper bound of the standardised value''s 95% interval',
	'standardised_ratio', 'Indirectly standardised ratio: observed / expected at the region''s rates per stratum in the same period',
	'ratio_ci_lower', 'Lower bound of the ratio''s 95% interval (Garwood on the observed count)',
	'ratio_ci_upper', 'Upper bound of the ratio''s 95% interval',
	'centre', 'Centre line of the run chart: the median of the series'' points in the chart',
	'on_centre', 'The point lies on the centre line (not a useful point)',
	'useful_points', 'Points of the series off the centre line',
	'longest_run', 'Longest run of points on one side of the centre line',
	'longest_run_limit', 'A longer run than this signals non-random variation (Anhøj)',
	'crossings', 'Times the series crosses the centre line',
	'crossings_limit', 'Fewer crossings than this signal non-random variation (Anhøj)',
	'run_signal', 'Anhøj''s rules signal non-random variation in the series; NULL under 12 useful points',
	'signal', 'improvement or deterioration (the run-chart signal, by the side of the latest run and the indicator''s direction), none, or NULL (under 12 useful points, or not the latest row)',
	'chart', 'The control chart: p (proportions) or u (per_1000); NULL for other measures',
	'control_centre', 'Centre line of the control chart, in the unit of value',
	'lower_limit', 'Lower 3-sigma control limit at this point',
	'upper_limit', 'Upper 3-sigma control limit at this point',
	'special_cause', 'The point lies outside its control limits (in goal_overview: the latest point; NULL elsewhere)',
	'code', 'Indicator (kvalitet.indicator.code)',
	'org_key', 'The org unit: ROW(org_level, hospital, department, municipality) as text',
	'direct', 'Directly standardised value with its 95% interval (Fay-Feuer), small strata pooled',
	'indirect', 'Indirectly standardised ratio against the region with its 95% interval (Garwood)');
COMMENT ON FUNCTION kvalitet.binding_chart_column_comments() IS
	'Used by kvalitet.bind: the column comments of indicator_values, goal_overview and run_charts';

-- The BI view run_charts: one row per point of each series (indicator x org
-- unit) over its last 24 periods (months; years for yearly indicators) up
-- to the indicator's latest period, with the run chart (Anhøj) and the
-- control chart (p for proportions, u for per_1000) of the series.
CREATE FUNCTION kvalitet.build_bi_run_charts(ctx jsonb) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {s}.run_charts WITH (security_invoker = true, security_barrier = true) AS
WITH pts AS (
SELECT iv.indicator_code, iv.indicator_name_da, iv.indicator_name_en, iv.measure, iv.lower_is_better,
       iv.period_type, iv.period_start, iv.period_label, iv.org_level, iv.org_unit, iv.hospital, iv.department, iv.municipality,
       iv.numerator, iv.denominator, iv.value, iv.followup_complete,
       max(iv.period_start) OVER (PARTITION BY iv.indicator_code) AS latest_start
FROM {s}.indicator_values AS iv
WHERE iv.period_type = CASE WHEN iv.indicator_code = ANY ({monthly}::text[]) THEN 'month' ELSE 'year' END
), win AS (
SELECT p.*,
       kvalitet.p_chart(p.numerator::double precision, p.denominator::double precision) OVER w AS pc,
       kvalitet.u_chart(p.numerator::double precision, p.denominator::double precision) OVER w AS uc
FROM pts AS p
WHERE p.period_start > p.latest_start - CASE p.period_type WHEN 'month' THEN interval '24 months' ELSE interval '24 years' END
WINDOW w AS (PARTITION BY p.indicator_code, p.org_level, p.org_unit ORDER BY p.period_start)
), rc AS (
SELECT w.indicator_code, w.org_level, w.org_unit, kvalitet.run_chart(w.value ORDER BY w.period_start) AS r
FROM win AS w GROUP BY 1, 2, 3
), side AS (
SELECT w.indicator_code, w.org_level, w.org_unit,
       (array_agg(w.value > (rc.r).centre ORDER BY w.period_start DESC) FILTER (WHERE w.value <> (rc.r).centre))[1] AS above
FROM win AS w JOIN rc USING (indicator_code, org_level, org_unit)
GROUP BY 1, 2, 3
)
SELECT w.indicator_code, w.indicator_name_da, w.indicator_name_en, w.measure, w.lower_is_better,
       w.period_type, w.period_start, w.period_label, w.org_level, w.org_unit, w.hospital, w.department, w.municipality,
       w.numerator, w.denominator, w.value, w.followup_complete,
       (rc.r).centre AS centre, w.value = (rc.r).centre AS on_centre,
       (rc.r).useful_points AS useful_points, (rc.r).longest_run AS longest_run, (rc.r).longest_run_limit AS longest_run_limit,
       (rc.r).crossings AS crossings, (rc.r).crossings_limit AS crossings_limit, (rc.r).signal AS run_signal,
       CASE WHEN NOT (rc.r).signal THEN 'none'
            WHEN (rc.r).signal THEN CASE WHEN sd.above = w.lower_is_better THEN 'deterioration' ELSE 'improvement' END
       END AS signal,
       CASE w.measure WHEN 'proportion' THEN 'p' WHEN 'per_1000' THEN 'u' END AS chart,
       CASE w.measure WHEN 'proportion' THEN (w.pc).centre WHEN 'per_1000' THEN (w.uc).centre * 1000 END AS control_centre,
       CASE w.measure WHEN 'proportion' THEN (w.pc).lower WHEN 'per_1000' THEN (w.uc).lower * 1000 END AS lower_limit,
       CASE w.measure WHEN 'proportion' THEN (w.pc).upper WHEN 'per_1000' THEN (w.uc).upper * 1000 END AS upper_limit,
       CASE w.measure WHEN 'proportion' THEN (w.pc).special_cause WHEN 'per_1000' THEN (w.uc).special_cause END AS special_cause,
       w.period_start = w.latest_start AS is_latest
FROM win AS w
JOIN rc USING (indicator_code, org_level, org_unit)
JOIN side AS sd USING (indicator_code, org_level, org_unit);
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object('monthly', quote_literal(ARRAY(
	SELECT ind.code FROM kvalitet.indicator AS ind
	WHERE ind.code IN (SELECT jsonb_array_elements_text(ctx -> 'codes')) AND ind.grain = 'month' ORDER BY ind.code)::text)))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.run_charts',
		'kvalitet: one row per point of each indicator''s series per org unit over its last 24 months (years for yearly indicators): the value, the run chart''s centre line and Anhøj signal, and the p or u chart''s limits and special causes',
		'kvalitet.binding_chart_column_comments()')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_run_charts(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view run_charts';
-- End of: standardised values, run charts and control limits in the bindings.

-- ---------------------------------------------------------------------------
-- kvalitet.bind: the context, the builders in order, the binding row
-- ---------------------------------------------------------------------------

-- The SQL of a binding, one step per generated object, in the order bind runs
-- it; refreshed marks the materialized views (kvalitet.refresh refreshes them
-- in this order).  Steps whose builder returns NULL are left out.
CREATE FUNCTION kvalitet.binding_script(ctx jsonb)
	RETURNS TABLE (step integer, object text, refreshed boolean, ddl text)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT st.step, st.object, st.refreshed, st.ddl
FROM (SELECT quote_ident(ctx ->> 'target_schema') AS s, quote_ident(ctx ->> 'private_schema') AS p) AS n,
LATERAL (VALUES
	(1, 'schemas', false, kvalitet.build_schemas(ctx)),
	(2, n.p || '.contacts', false, kvalitet.build_contacts(ctx)),
	(3, n.p || '.org_units', true, kvalitet.build_org_units(ctx)),
	(4, n.p || '.stays', true, kvalitet.build_stays(ctx)),
	(5, n.p || '.epikriser', false, kvalitet.build_epikriser(ctx)),
	(6, n.p || '.epikrise_monthly()', false, kvalitet.build_epikrise_monthly(ctx)),
	(7, n.p || '.population', false, kvalitet.build_population(ctx)),
	(8, n.p || '.indicator_standardised', true, kvalitet.build_indicator_standardised(ctx)),
	(9, n.p || '.indicator_values', true, kvalitet.build_indicator_values(ctx)),
	(10, n.p || '.visible_org', false, kvalitet.build_visible_org(ctx)),
	(11, n.s || '.stays', false, kvalitet.build_bi_stays(ctx)),
	(12, n.s || '.indicator_values', false, kvalitet.build_bi_indicator_values(ctx)),
	(13, n.s || '.run_charts', false, kvalitet.build_bi_run_charts(ctx)),
	(14, n.s || '.goal_overview', false, kvalitet.build_bi_goal_overview(ctx)),
	(15, n.s || '.status', false, kvalitet.build_bi_status(ctx))
) AS st(step, object, refreshed, ddl)
WHERE st.ddl IS NOT NULL
ORDER BY st.step
$$;
COMMENT ON FUNCTION kvalitet.binding_script(jsonb) IS
	'Used by kvalitet.bind: the SQL of each generated object of a binding context, in the order it is run';

-- Bind the user's tables: see docs/binding.md.
CREATE OR REPLACE FUNCTION kvalitet.bind(target_schema text, contacts regclass, preset text DEFAULT 'canonical',
							  units regclass DEFAULT NULL, epikriser regclass DEFAULT NULL,
							  population regclass DEFAULT NULL, mapping jsonb DEFAULT '{}',
							  options jsonb DEFAULT '{}', replace boolean DEFAULT false,
							  populate boolean DEFAULT true)
	RETURNS TABLE (indicator_code text, computed boolean, note text)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $bind$
DECLARE
	opt jsonb;
	ctx jsonb;
	p_name text;
	st record;
	rels text[] := ARRAY[]::text[];
	src jsonb;
	k text;
BEGIN
	opt := kvalitet.binding_options(target_schema, contacts, preset, mapping, options);
	p_name := opt ->> 'private_schema';
	IF EXISTS (SELECT 1 FROM kvalitet.binding AS b WHERE b.schema_name = target_schema) THEN
		IF NOT replace THEN
			RAISE EXCEPTION 'kvalitet.bind: schema % is already bound', target_schema USING ERRCODE = 'duplicate_object',
				HINT = 'Pass replace => true, or call kvalitet.unbind first.';
		END IF;
		PERFORM kvalitet.unbind(target_schema);
	END IF;
	ctx := kvalitet.binding_context(target_schema, contacts, preset, units, epikriser, population, mapping, opt, populate);
	-- What a binding left when its row went (DROP EXTENSION kvalitet CASCADE
	-- drops only what depends on kvalitet): drop bind's own leftovers, as
	-- unbind would, unless another binding uses the private schema.
	IF NOT EXISTS (SELECT 1 FROM kvalitet.binding AS b WHERE b.private_schema = p_name OR b.schema_name = p_name) THEN
		PERFORM kvalitet.binding_drop_generated(target_schema, p_name, 'kvalitet.bind');
	END IF;
	IF EXISTS (SELECT 1 FROM pg_class AS r JOIN pg_namespace AS n ON n.oid = r.relnamespace WHERE n.nspname = p_name)
	   OR EXISTS (SELECT 1 FROM pg_proc AS r JOIN pg_namespace AS n ON n.oid = r.pronamespace WHERE n.nspname = p_name) THEN
		RAISE EXCEPTION 'kvalitet.bind: the private schema % exists and is not empty', p_name
			USING ERRCODE = 'duplicate_schema', HINT = 'Name another one with options => ''{"private_schema": "..."}''.';
	END IF;

	FOR st IN SELECT * FROM kvalitet.binding_script(ctx) LOOP
		EXECUTE st.ddl;
		IF st.refreshed THEN
			rels := rels || st.object;
		END IF;
	END LOOP;

	-- The binding: per input its table and the SQL expression of each field.
	SELECT jsonb_object_agg(t.key, jsonb_build_object('table', t.value)) INTO src FROM jsonb_each(ctx -> 'tables') AS t;
	FOR k IN SELECT jsonb_object_keys(ctx -> 'fields') LOOP
		src := jsonb_set(src, ARRAY[split_part(k, '.', 1), split_part(k, '.', 2)], ctx -> 'fields' -> k);
	END LOOP;
	INSERT INTO kvalitet.binding (schema_name, private_schema, preset, sources, options, indicators, relations)
	VALUES (target_schema, p_name, preset, src, ctx -> 'options', ctx -> 'status', rels);

	RETURN QUERY SELECT e ->> 'code', (e ->> 'computed')::boolean, e ->> 'note'
				 FROM jsonb_array_elements(ctx -> 'status') AS e;
END $bind$;
COMMENT ON FUNCTION kvalitet.bind(text, regclass, text, regclass, regclass, regclass, jsonb, jsonb, boolean, boolean) IS
	'Binds the user''s tables (contacts, and optionally units, epikriser, population) and creates, in target_schema, the BI views stays, indicator_values, run_charts, goal_overview and status over materialized views in a private schema; returns per indicator whether it is computed (docs/binding.md)';

-- ---------------------------------------------------------------------------
-- Security (SECURITY.md): the bound views keep their promises to every role.
-- ---------------------------------------------------------------------------

-- The binding tables: triggers check every write instead of row-level
-- security (pg_restore's COPY by the binding's owner cannot load a table row
-- security applies to); no UPDATE for PUBLIC; the log's sequence is not
-- dumped (its setval would need a privilege), a trigger moves it past
-- restored rows.
DROP POLICY binding_read ON kvalitet.binding;
DROP POLICY binding_write ON kvalitet.binding;
DROP POLICY refresh_log_read ON kvalitet.refresh_log;
DROP POLICY refresh_log_write ON kvalitet.refresh_log;
ALTER TABLE kvalitet.binding DISABLE ROW LEVEL SECURITY;
ALTER TABLE kvalitet.refresh_log DISABLE ROW LEVEL SECURITY;
REVOKE UPDATE ON kvalitet.binding FROM PUBLIC;
REVOKE UPDATE, DELETE ON kvalitet.refresh_log FROM PUBLIC;
ALTER EXTENSION kvalitet DROP SEQUENCE kvalitet.refresh_log_id_seq;
ALTER EXTENSION kvalitet ADD SEQUENCE kvalitet.refresh_log_id_seq;

CREATE FUNCTION kvalitet.binding_guard() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rel text;
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND NOT kvalitet.owns_schema(OLD.schema_name)
	   AND (EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = OLD.schema_name)
			OR NOT pg_has_role(CURRENT_USER, coalesce(to_regrole(quote_ident(OLD.bound_by)), CURRENT_USER::regrole), 'MEMBER')) THEN
		RAISE EXCEPTION 'kvalitet.binding: only the owner of schema % may change or forget its binding', OLD.schema_name
			USING ERRCODE = 'insufficient_privilege', HINT = 'Use kvalitet.unbind.';
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF NOT kvalitet.owns_schema(NEW.schema_name) OR NOT kvalitet.owns_schema(NEW.private_schema) THEN
		RAISE EXCEPTION 'kvalitet.binding: only kvalitet.bind records bindings, of schemas the binding role owns'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('Schema %s or %s does not exist or is not owned by %s.', NEW.schema_name, NEW.private_schema, CURRENT_USER);
	END IF;
	FOREACH rel IN ARRAY NEW.relations LOOP
		IF NOT EXISTS (SELECT 1 FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
					   WHERE c.oid = to_regclass(rel) AND n.nspname = NEW.private_schema AND c.relkind = 'm'
						 AND pg_has_role(CURRENT_USER, c.relowner, 'MEMBER')) THEN
			RAISE EXCEPTION 'kvalitet.binding: only kvalitet.bind records bindings, of schemas the binding role owns'
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('%s is not a materialized view of schema %s owned by %s.', rel, NEW.private_schema, CURRENT_USER);
		END IF;
	END LOOP;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION kvalitet.binding_guard() IS
	'Trigger of kvalitet.binding: a row must name schemas and materialized views the writing role owns (what kvalitet.bind makes); only the target schema''s owner forgets it';

CREATE FUNCTION kvalitet.refresh_log_guard() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = NEW.schema_name) THEN
		RETURN NULL;
	ELSIF NOT kvalitet.owns_schema(NEW.schema_name) THEN
		RAISE EXCEPTION 'kvalitet.refresh_log: only the owner of schema % may log its refreshes', NEW.schema_name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION kvalitet.refresh_log_guard() IS
	'Trigger of kvalitet.refresh_log: only the owner of a schema logs its refreshes';

CREATE FUNCTION kvalitet.refresh_log_advance() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	top bigint := (SELECT max(id) FROM kvalitet.refresh_log);
BEGIN
	IF top > (SELECT last_value FROM kvalitet.refresh_log_id_seq) THEN
		PERFORM setval('kvalitet.refresh_log_id_seq', top);
	END IF;
	RETURN NULL;
END $$;
COMMENT ON FUNCTION kvalitet.refresh_log_advance() IS
	'Trigger of kvalitet.refresh_log: moves the id sequence past restored rows';
REVOKE ALL ON FUNCTION kvalitet.refresh_log_advance() FROM PUBLIC;

CREATE TRIGGER binding_guard BEFORE INSERT OR UPDATE OR DELETE ON kvalitet.binding
	FOR EACH ROW EXECUTE FUNCTION kvalitet.binding_guard();
CREATE TRIGGER refresh_log_guard BEFORE INSERT ON kvalitet.refresh_log
	FOR EACH ROW EXECUTE FUNCTION kvalitet.refresh_log_guard();
CREATE TRIGGER refresh_log_advance AFTER INSERT ON kvalitet.refresh_log
	FOR EACH STATEMENT EXECUTE FUNCTION kvalitet.refresh_log_advance();

-- unbind and bind drop only what bind generated; refresh locks in the
-- readers' order.  (bind, its argument checks and the builders of the BI
-- views and of epikrise_monthly appear above in their final form.)

CREATE FUNCTION kvalitet.binding_drop_generated(target_schema text, private_schema text, caller text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	o record;
	detail text;
BEGIN
	FOR o IN SELECT g.nsp, g.name, g.kind, g.n
			 FROM (VALUES (target_schema, 'goal_overview', 'v', 1), (target_schema, 'run_charts', 'v', 1.5),
						  (target_schema, 'indicator_values', 'v', 2),
						  (target_schema, 'stays', 'v', 3), (target_schema, 'status', 'v', 4),
						  (private_schema, 'indicator_values', 'm', 5), (private_schema, 'indicator_standardised', 'm', 5.5),
						  (private_schema, 'visible_org', 'v', 6),
						  (private_schema, 'epikrise_monthly', 'f', 7), (private_schema, 'stays', 'm', 8),
						  (private_schema, 'org_units', 'm', 9), (private_schema, 'contacts', 'v', 10),
						  (private_schema, 'epikriser', 'v', 11), (private_schema, 'population', 'v', 12)) AS g(nsp, name, kind, n)
			 WHERE CASE WHEN g.kind = 'f'
						THEN EXISTS (SELECT 1 FROM pg_proc AS f JOIN pg_namespace AS ns ON ns.oid = f.pronamespace
									 WHERE ns.nspname = g.nsp AND f.proname = g.name AND f.pronargs = 0
									   AND obj_description(f.oid, 'pg_proc') LIKE 'kvalitet: %')
						ELSE EXISTS (SELECT 1 FROM pg_class AS c JOIN pg_namespace AS ns ON ns.oid = c.relnamespace
									 WHERE ns.nspname = g.nsp AND c.relname = g.name AND c.relkind = g.kind
									   AND obj_description(c.oid, 'pg_class') LIKE 'kvalitet: %') END
			 ORDER BY g.n LOOP
		BEGIN
			EXECUTE format('DROP %s %I.%I%s', CASE o.kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'FUNCTION' END,
						   o.nsp, o.name, CASE WHEN o.kind = 'f' THEN '()' ELSE '' END);
		EXCEPTION WHEN dependent_objects_still_exist THEN
			GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
			RAISE EXCEPTION '%: cannot drop %.% because other objects depend on it', caller, quote_ident(o.nsp), quote_ident(o.name)
				USING ERRCODE = 'dependent_objects_still_exist', DETAIL = detail,
					  HINT = 'Drop or change those objects first; kvalitet never drops objects it did not create.';
		END;
	END LOOP;
	IF EXISTS (SELECT 1 FROM pg_namespace AS ns WHERE ns.nspname = private_schema
			   AND obj_description(ns.oid, 'pg_namespace') LIKE 'kvalitet: %'
			   AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.refclassid = 'pg_namespace'::regclass
							   AND d.refobjid = ns.oid AND d.deptype = 'n')) THEN
		EXECUTE format('DROP SCHEMA %I', private_schema);
	END IF;
END $$;
COMMENT ON FUNCTION kvalitet.binding_drop_generated(text, text, text) IS
	'Used by kvalitet.unbind and kvalitet.bind: drops the objects bind generates (by name, kind and comment, never with CASCADE) and the private schema when left empty';

CREATE OR REPLACE FUNCTION kvalitet.unbind(target_schema text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b kvalitet.binding;
BEGIN
	SELECT * INTO b FROM kvalitet.binding WHERE schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.unbind: schema % is not bound', target_schema USING ERRCODE = 'undefined_object';
	END IF;
	IF NOT kvalitet.owns_schema(target_schema) AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = target_schema) THEN
		RAISE EXCEPTION 'kvalitet.unbind: must be owner of schema %', target_schema USING ERRCODE = 'insufficient_privilege';
	END IF;
	PERFORM kvalitet.binding_drop_generated(target_schema, b.private_schema, 'kvalitet.unbind');
	DELETE FROM kvalitet.binding WHERE schema_name = target_schema;
END $$;
COMMENT ON FUNCTION kvalitet.unbind(text) IS
	'Drops the views and the private schema kvalitet.bind created for the schema, and forgets the binding (the user''s tables are untouched)';

CREATE OR REPLACE FUNCTION kvalitet.refresh(target_schema text, concurrent boolean DEFAULT true)
	RETURNS TABLE (relation text, seconds double precision, refreshed_concurrently boolean)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b kvalitet.binding;
	rel text;
	conc boolean;
	t0 timestamptz;
	t1 timestamptz;
	all0 timestamptz := clock_timestamp();
	all_conc boolean := true;
	timeout_was text;
BEGIN
	SELECT * INTO b FROM kvalitet.binding AS kb WHERE kb.schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.refresh: schema % is not bound', target_schema
			USING ERRCODE = 'undefined_object', HINT = 'Bind it first with kvalitet.bind(...).';
	END IF;
	-- A plain refresh locks its materialized views against readers, who lock
	-- them in the reverse of the refresh order (org_units last), and in any
	-- order across the statements of a transaction.  So it takes every lock
	-- up front, in the readers' order, and never waits long while holding
	-- one: an attempt that waits longer than half the deadlock timeout gives
	-- its locks back and tries again, so that neither side is ever picked as
	-- a deadlock victim (after 20 attempts it waits as long as it takes).
	-- LOCK TABLE refuses materialized views; a no-op change of owner takes
	-- the same lock.  (CONCURRENTLY does not conflict with readers.)
	IF EXISTS (SELECT 1 FROM unnest(b.relations) AS r(name) JOIN pg_class AS c ON c.oid = r.name::regclass
			   WHERE NOT (concurrent AND c.relispopulated)) THEN
		timeout_was := current_setting('lock_timeout');
		FOR attempt IN 1..21 LOOP
			BEGIN
				PERFORM set_config('lock_timeout', CASE WHEN attempt <= 20
					THEN greatest(1, least(attempt * 50, (SELECT setting::integer / 2 FROM pg_settings WHERE name = 'deadlock_timeout')))::text
					ELSE timeout_was END, true);
				FOR rel IN SELECT format('ALTER MATERIALIZED VIEW %s OWNER TO %s', r.name, c.relowner::regrole)
						   FROM unnest(b.relations) WITH ORDINALITY AS r(name, n) JOIN pg_class AS c ON c.oid = r.name::regclass
						   ORDER BY r.n DESC LOOP
					EXECUTE rel;
				END LOOP;
				EXIT;
			EXCEPTION WHEN lock_not_available THEN
				IF attempt > 20 THEN
					RAISE;
				END IF;
				PERFORM pg_sleep(random() * 0.05);
			END;
		END LOOP;
		PERFORM set_config('lock_timeout', timeout_was, true);
	END IF;
	FOREACH rel IN ARRAY b.relations LOOP
		SELECT concurrent AND c.relispopulated INTO conc FROM pg_class AS c WHERE c.oid = rel::regclass;
		all_conc := all_conc AND conc;
		t0 := clock_timestamp();
		EXECUTE format('REFRESH MATERIALIZED VIEW %s%s', CASE WHEN conc THEN 'CONCURRENTLY ' ELSE '' END, rel);
		EXECUTE format('ANALYZE %s', rel);
		t1 := clock_timestamp();
		INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent)
		VALUES (target_schema, rel, t0, t1, extract(epoch FROM t1 - t0), conc);
		relation := rel;
		seconds := extract(epoch FROM t1 - t0);
		refreshed_concurrently := conc;
		RETURN NEXT;
	END LOOP;
	t1 := clock_timestamp();
	INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent)
	VALUES (target_schema, '*', all0, t1, extract(epoch FROM t1 - all0), all_conc);
	relation := '*';
	seconds := extract(epoch FROM t1 - all0);
	refreshed_concurrently := all_conc;
	RETURN NEXT;
END $$;
COMMENT ON FUNCTION kvalitet.refresh(text, boolean) IS
	'Refreshes the materialized views of a binding in dependency order (CONCURRENTLY once populated, unless concurrent => false), analyzes them, and logs each step in kvalitet.refresh_log';


-- Bindings made before: their BI views become security barriers too.
DO $$
DECLARE
	v regclass;
BEGIN
	FOR v IN SELECT c.oid::pg_catalog.regclass
			 FROM kvalitet.binding AS b
			 JOIN pg_catalog.pg_namespace AS n ON n.nspname OPERATOR(pg_catalog.=) b.schema_name
			 JOIN pg_catalog.pg_class AS c ON c.relnamespace OPERATOR(pg_catalog.=) n.oid
			 WHERE c.relkind OPERATOR(pg_catalog.=) 'v'
			   AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['stays', 'indicator_values', 'goal_overview', 'status']) LOOP
		EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_barrier = true)', v);
	END LOOP;
END $$;
