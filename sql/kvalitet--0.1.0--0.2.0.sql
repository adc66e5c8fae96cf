-- kvalitet 0.1.0 -> 0.2.0 (CHANGELOG.md says what changed and why).
\echo Use "ALTER EXTENSION kvalitet UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Functions, types and aggregates (sql/parts/00_schema.sql to 40_stays.sql)
-- ---------------------------------------------------------------------------

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

-- ---------------------------------------------------------------------------
-- The goal catalogue and the bindings (sql/parts/50_* and 6*_)
-- ---------------------------------------------------------------------------

