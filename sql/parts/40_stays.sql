
-- ---------------------------------------------------------------------------
-- Stays and the patient-flow aggregates (readmission_rate,
-- preventable_admission_share, patient_stays)
-- ---------------------------------------------------------------------------
-- The transition state is internal (a buffer of 32-byte contacts); the
-- serialize/deserialize/combine functions let parallel workers buffer and
-- the leader merge.  The combine function's cost is charged per contact
-- (stays_combine_support, src/stays_cost.c): merging the workers' states
-- costs the leader more than the workers' share of the scan saves, so the
-- planner keeps these aggregates serial unless the COST is lowered.

CREATE FUNCTION kvalitet.stays_combine_support(request internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'stays_combine_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.stays_combine_support(internal) IS
	'Planner support of kvalitet.stays_combine: its COST is charged per contact of the largest input relation';
CREATE FUNCTION kvalitet.stays_combine(state internal, other internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'stays_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE
	COST 10 SUPPORT kvalitet.stays_combine_support;
COMMENT ON FUNCTION kvalitet.stays_combine(internal, internal) IS
	'Combine function of the patient-flow aggregates';
CREATE FUNCTION kvalitet.stays_serialize(state internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'stays_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.stays_serialize(internal) IS
	'Serialize function of the patient-flow aggregates';
CREATE FUNCTION kvalitet.stays_deserialize(serialized bytea, unused internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'stays_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.stays_deserialize(bytea, internal) IS
	'Deserialize function of the patient-flow aggregates';
CREATE FUNCTION kvalitet.readmission_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'readmission_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.readmission_final(internal) IS
	'Final function of kvalitet.readmission_rate';
CREATE FUNCTION kvalitet.preventable_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'preventable_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.preventable_final(internal) IS
	'Final function of kvalitet.preventable_admission_share';

-- Rules pinned per call: kvalitet.stay_rules() is dk-default-1; name only
-- what differs.  A materialized view that passes it does not depend on the
-- refreshing session's settings.  A NULL field means "the session setting".
CREATE TYPE kvalitet.stay_rules AS (
	merge_gap interval,
	min_admission interval,
	readmission_window interval,
	index_exclusion_set text,
	exclusion_set text,
	injury_exclusion_set text,
	psychiatric_set text,
	time_zone text,
	mortality_window_days integer,
	newborn_window_days integer,
	preventable_set text,
	newborn_set text
);
COMMENT ON TYPE kvalitet.stay_rules IS
	'The parameters of the stay and readmission rules, pinned per aggregate call';

CREATE FUNCTION kvalitet.stay_rules(
	merge_gap interval DEFAULT '4 hours',
	min_admission interval DEFAULT '12 hours',
	readmission_window interval DEFAULT '720 hours',
	index_exclusion_set text DEFAULT 'readmission_index_exclusion',
	exclusion_set text DEFAULT 'readmission_exclusion',
	injury_exclusion_set text DEFAULT 'readmission_injury_exclusion',
	psychiatric_set text DEFAULT 'psychiatric')
	RETURNS kvalitet.stay_rules
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ROW(merge_gap, min_admission, readmission_window, index_exclusion_set, exclusion_set,
			   injury_exclusion_set, psychiatric_set, NULL::text, NULL::integer, NULL::integer,
			   NULL::text, NULL::text)::kvalitet.stay_rules;
COMMENT ON FUNCTION kvalitet.stay_rules(interval, interval, interval, text, text, text, text) IS
	'Rules for the stay aggregates; the defaults are rule set dk-default-1';

-- The patient key is anyelement: bigint, integer, text, varchar or uuid
-- (checked in C at the first row; any other type raises 42804).  One
-- overload per optional argument; the transition functions share the C
-- entry point, which reads how many arguments it got.
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

CREATE TYPE kvalitet.stay AS (
	stay_no integer,
	stay_start timestamptz,
	stay_end timestamptz,
	admission boolean,
	acute boolean,
	dominant_diagnosis text,
	died boolean,
	discharging_unit text,
	index_stay boolean,
	readmitted boolean,
	next_admission_start timestamptz,
	hours_to_next double precision,
	followup_complete boolean,
	psychiatric boolean,
	next_dominant_diagnosis text,
	preventable_readmitted boolean,
	mortality_index boolean,
	days_to_death integer,
	died_within_window boolean,
	mortality_followup_complete boolean,
	birth_stay boolean,
	newborn_index boolean,
	newborn_readmitted boolean
);
COMMENT ON TYPE kvalitet.stay IS
	'One stay (sygehusophold) of a patient with its readmission flags, as returned by kvalitet.patient_stays';

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
CREATE FUNCTION kvalitet.patient_stays_final(state internal) RETURNS kvalitet.stay[]
	AS 'MODULE_PATHNAME', 'patient_stays_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.patient_stays_final(internal) IS 'Final function of kvalitet.patient_stays';

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

-- The per-stay relation of every patient a query returns, in one pass over
-- its rows (src/stays_query.c explains when to use it and when patient_stays).
CREATE FUNCTION kvalitet.stays(contacts_query text, patient_type anyelement,
		data_complete_until timestamptz DEFAULT NULL, rules kvalitet.stay_rules DEFAULT NULL)
	RETURNS TABLE (patient anyelement, stay_no integer, stay_start timestamptz, stay_end timestamptz,
		admission boolean, acute boolean, dominant_diagnosis text, died boolean,
		discharging_unit text, index_stay boolean, readmitted boolean,
		next_admission_start timestamptz, hours_to_next double precision,
		followup_complete boolean, psychiatric boolean)
	AS 'MODULE_PATHNAME', 'stays_query' LANGUAGE C VOLATILE PARALLEL UNSAFE
	ROWS 1000000;
COMMENT ON FUNCTION kvalitet.stays(text, anyelement, timestamptz, kvalitet.stay_rules) IS
	'The stays of every patient the query returns (columns patient, start_at, end_at, acute, diagnosis [, died, index_eligible, unit]), with the readmission flags and follow-up completeness';

-- ---------------------------------------------------------------------------
-- The outcomes of the stays (SPEC 11.1, 11.5, 11.6): mortality_rate,
-- newborn_readmission_rate, preventable_readmission_rate, the rules of the
-- outcomes in kvalitet.stay_rules, and kvalitet.stays_full, the per-stay
-- relation with every column of kvalitet.stay.
-- ---------------------------------------------------------------------------

-- The rules of the outcomes: this form names the time zone of the local
-- days (pinned, so that Citus workers, which do not see the session's
-- kvalitet.timezone, count the same days), the windows and the sets.
CREATE FUNCTION kvalitet.stay_rules(
	time_zone text,
	merge_gap interval DEFAULT '4 hours',
	min_admission interval DEFAULT '12 hours',
	readmission_window interval DEFAULT '720 hours',
	index_exclusion_set text DEFAULT 'readmission_index_exclusion',
	exclusion_set text DEFAULT 'readmission_exclusion',
	injury_exclusion_set text DEFAULT 'readmission_injury_exclusion',
	psychiatric_set text DEFAULT 'psychiatric',
	mortality_window_days integer DEFAULT 30,
	newborn_window_days integer DEFAULT 28,
	preventable_set text DEFAULT 'preventable_elderly',
	newborn_set text DEFAULT 'newborn_selected_causes')
	RETURNS kvalitet.stay_rules
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ROW(merge_gap, min_admission, readmission_window, index_exclusion_set, exclusion_set,
			   injury_exclusion_set, psychiatric_set, time_zone, mortality_window_days,
			   newborn_window_days, preventable_set, newborn_set)::kvalitet.stay_rules;
COMMENT ON FUNCTION kvalitet.stay_rules(text, interval, interval, interval, text, text, text, text, integer, integer, text, text) IS
	'Rules for the stay aggregates with the time zone of the local days pinned (mortality_rate, newborn_readmission_rate, the per-stay relation); the defaults are rule set dk-default-1';

CREATE FUNCTION kvalitet.mortality_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'mortality_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.mortality_final(internal) IS 'Final function of kvalitet.mortality_rate';
CREATE FUNCTION kvalitet.newborn_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'newborn_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.newborn_final(internal) IS 'Final function of kvalitet.newborn_readmission_rate';
CREATE FUNCTION kvalitet.preventable_readmission_final(state internal) RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'preventable_readmission_final' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.preventable_readmission_final(internal) IS
	'Final function of kvalitet.preventable_readmission_rate';

-- mortality_rate(patient, start_at, end_at, acute, diagnosis, died,
-- death_date [, window_days [, rules]]): SPEC 11.1.
CREATE FUNCTION kvalitet.mortality_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, death_date date)
	RETURNS internal AS 'MODULE_PATHNAME', 'mortality_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.mortality_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, death_date date, window_days integer)
	RETURNS internal AS 'MODULE_PATHNAME', 'mortality_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.mortality_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, death_date date, window_days integer,
		rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'mortality_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.mortality_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, date)
	IS 'Transition function of kvalitet.mortality_rate';
COMMENT ON FUNCTION kvalitet.mortality_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, date, integer)
	IS 'Transition function of kvalitet.mortality_rate';
COMMENT ON FUNCTION kvalitet.mortality_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, date, integer,
		kvalitet.stay_rules)
	IS 'Transition function of kvalitet.mortality_rate';

CREATE AGGREGATE kvalitet.mortality_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, death_date date) (
	SFUNC = kvalitet.mortality_accum, STYPE = internal, FINALFUNC = kvalitet.mortality_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.mortality_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, death_date date, window_days integer) (
	SFUNC = kvalitet.mortality_accum, STYPE = internal, FINALFUNC = kvalitet.mortality_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.mortality_rate(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, death_date date, window_days integer,
		rules kvalitet.stay_rules) (
	SFUNC = kvalitet.mortality_accum, STYPE = internal, FINALFUNC = kvalitet.mortality_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.mortality_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, date)
	IS '30-day mortality after acute admission: acute non-psychiatric admissions followed by a death within 30 local days of their start / those admissions (SPEC 11.1)';
COMMENT ON AGGREGATE kvalitet.mortality_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, date, integer)
	IS 'Mortality within window_days local days of the start of an acute admission (NULL: 30)';
COMMENT ON AGGREGATE kvalitet.mortality_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, date, integer,
		kvalitet.stay_rules)
	IS 'Mortality after acute admission under the rules given (window_days NULL: the rules'' mortality_window_days)';

-- newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died,
-- birth_date [, set_name [, rules]]): SPEC 11.5; set_name NULL = any cause.
CREATE FUNCTION kvalitet.newborn_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, birth_date date)
	RETURNS internal AS 'MODULE_PATHNAME', 'newborn_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.newborn_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, birth_date date, set_name text)
	RETURNS internal AS 'MODULE_PATHNAME', 'newborn_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.newborn_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, birth_date date, set_name text,
		rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'newborn_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.newborn_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, date)
	IS 'Transition function of kvalitet.newborn_readmission_rate';
COMMENT ON FUNCTION kvalitet.newborn_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, date, text)
	IS 'Transition function of kvalitet.newborn_readmission_rate';
COMMENT ON FUNCTION kvalitet.newborn_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, date, text,
		kvalitet.stay_rules)
	IS 'Transition function of kvalitet.newborn_readmission_rate';

CREATE AGGREGATE kvalitet.newborn_readmission_rate(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, birth_date date) (
	SFUNC = kvalitet.newborn_accum, STYPE = internal, FINALFUNC = kvalitet.newborn_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.newborn_readmission_rate(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, birth_date date, set_name text) (
	SFUNC = kvalitet.newborn_accum, STYPE = internal, FINALFUNC = kvalitet.newborn_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.newborn_readmission_rate(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, birth_date date, set_name text,
		rules kvalitet.stay_rules) (
	SFUNC = kvalitet.newborn_accum, STYPE = internal, FINALFUNC = kvalitet.newborn_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.newborn_readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, date)
	IS 'Newborn readmissions: birth stays followed within 28 local days by an admission for a cause in newborn_selected_causes / closed birth stays not ending in death (SPEC 11.5)';
COMMENT ON AGGREGATE kvalitet.newborn_readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, date, text)
	IS 'Newborn readmissions for a cause in the named code set (NULL: any cause)';
COMMENT ON AGGREGATE kvalitet.newborn_readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean, date, text,
		kvalitet.stay_rules)
	IS 'Newborn readmissions under the rules given (newborn_window_days, time_zone)';

-- preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis,
-- died, index_eligible [, set_name [, rules]]): SPEC 11.6, readmission_rate
-- counting only readmissions whose next admission's dominant diagnosis is
-- in the set.  An aggregate of its own rather than an argument of
-- readmission_rate: its numerator is another indicator's, and an
-- unknown-typed eighth argument would be ambiguous beside the rules.
CREATE FUNCTION kvalitet.preventable_readmission_accum(state internal, patient anyelement,
		start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text, died boolean,
		index_eligible boolean)
	RETURNS internal AS 'MODULE_PATHNAME', 'preventable_readmission_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.preventable_readmission_accum(state internal, patient anyelement,
		start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text, died boolean,
		index_eligible boolean, set_name text)
	RETURNS internal AS 'MODULE_PATHNAME', 'preventable_readmission_accum' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION kvalitet.preventable_readmission_accum(state internal, patient anyelement,
		start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text, died boolean,
		index_eligible boolean, set_name text, rules kvalitet.stay_rules)
	RETURNS internal AS 'MODULE_PATHNAME', 'preventable_readmission_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.preventable_readmission_accum(internal, anyelement, timestamptz, timestamptz, boolean, text,
		boolean, boolean)
	IS 'Transition function of kvalitet.preventable_readmission_rate';
COMMENT ON FUNCTION kvalitet.preventable_readmission_accum(internal, anyelement, timestamptz, timestamptz, boolean, text,
		boolean, boolean, text)
	IS 'Transition function of kvalitet.preventable_readmission_rate';
COMMENT ON FUNCTION kvalitet.preventable_readmission_accum(internal, anyelement, timestamptz, timestamptz, boolean, text,
		boolean, boolean, text, kvalitet.stay_rules)
	IS 'Transition function of kvalitet.preventable_readmission_rate';

CREATE AGGREGATE kvalitet.preventable_readmission_rate(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean) (
	SFUNC = kvalitet.preventable_readmission_accum, STYPE = internal,
	FINALFUNC = kvalitet.preventable_readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.preventable_readmission_rate(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean,
		set_name text) (
	SFUNC = kvalitet.preventable_readmission_accum, STYPE = internal,
	FINALFUNC = kvalitet.preventable_readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
CREATE AGGREGATE kvalitet.preventable_readmission_rate(patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean,
		set_name text, rules kvalitet.stay_rules) (
	SFUNC = kvalitet.preventable_readmission_accum, STYPE = internal,
	FINALFUNC = kvalitet.preventable_readmission_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.preventable_readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean,
		boolean)
	IS 'Readmissions whose next admission''s dominant diagnosis is in preventable_elderly / index stays (SPEC 11.6; restrict index stays to 65+ with index_eligible)';
COMMENT ON AGGREGATE kvalitet.preventable_readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean,
		boolean, text)
	IS 'Readmissions whose next admission''s dominant diagnosis is in the named code set (NULL: any) / index stays';
COMMENT ON AGGREGATE kvalitet.preventable_readmission_rate(anyelement, timestamptz, timestamptz, boolean, text, boolean,
		boolean, text, kvalitet.stay_rules)
	IS 'Preventable readmissions under the rules given';

-- patient_stays with the patient's death and birth dates (joined onto each
-- row; NULL = not known): the outcome columns of kvalitet.stay.
CREATE FUNCTION kvalitet.patient_stays_accum(state internal, patient anyelement, start_at timestamptz,
		end_at timestamptz, acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text,
		data_complete_until timestamptz, rules kvalitet.stay_rules, death_date date, birth_date date)
	RETURNS internal AS 'MODULE_PATHNAME', 'patient_stays_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.patient_stays_accum(internal, anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz, kvalitet.stay_rules, date, date)
	IS 'Transition function of kvalitet.patient_stays';
CREATE AGGREGATE kvalitet.patient_stays(patient anyelement, start_at timestamptz, end_at timestamptz,
		acute boolean, diagnosis text, died boolean, index_eligible boolean, unit text,
		data_complete_until timestamptz, rules kvalitet.stay_rules, death_date date, birth_date date) (
	SFUNC = kvalitet.patient_stays_accum, STYPE = internal, FINALFUNC = kvalitet.patient_stays_final,
	FINALFUNC_MODIFY = READ_WRITE, COMBINEFUNC = kvalitet.stays_combine,
	SERIALFUNC = kvalitet.stays_serialize, DESERIALFUNC = kvalitet.stays_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE kvalitet.patient_stays(anyelement, timestamptz, timestamptz, boolean, text, boolean, boolean, text, timestamptz, kvalitet.stay_rules, date, date) IS
	'The stays of one patient (GROUP BY patient) under the rules given, with the mortality and newborn columns from the death and birth dates';

-- The per-stay relation with every column of kvalitet.stay: kvalitet.stays
-- keeps the columns of 0.1.0 (materialized views of 0.1.0 bindings depend
-- on them); the query may add death_date and birth_date columns.
CREATE FUNCTION kvalitet.stays_full(contacts_query text, patient_type anyelement,
		data_complete_until timestamptz DEFAULT NULL, rules kvalitet.stay_rules DEFAULT NULL)
	RETURNS TABLE (patient anyelement, stay_no integer, stay_start timestamptz, stay_end timestamptz,
		admission boolean, acute boolean, dominant_diagnosis text, died boolean,
		discharging_unit text, index_stay boolean, readmitted boolean,
		next_admission_start timestamptz, hours_to_next double precision,
		followup_complete boolean, psychiatric boolean, next_dominant_diagnosis text,
		preventable_readmitted boolean, mortality_index boolean, days_to_death integer,
		died_within_window boolean, mortality_followup_complete boolean, birth_stay boolean,
		newborn_index boolean,
		newborn_readmitted boolean)
	AS 'MODULE_PATHNAME', 'stays_query' LANGUAGE C VOLATILE PARALLEL UNSAFE
	ROWS 1000000;
COMMENT ON FUNCTION kvalitet.stays_full(text, anyelement, timestamptz, kvalitet.stay_rules) IS
	'kvalitet.stays with the columns of SPEC 11.1, 11.5 and 11.6 (the query may add death_date and birth_date columns)';
