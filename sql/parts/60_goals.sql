
-- ---------------------------------------------------------------------------
-- The eight national goals (Nationale mål, 2016) and their indicators
-- (SPEC section 9): the catalogue
-- ---------------------------------------------------------------------------
-- Shipped rows carry rule_set 'dk-default-1'; users may add their own rows
-- (any other rule_set), which pg_dump keeps.

CREATE TABLE kvalitet.goal (
	goal_no integer PRIMARY KEY CHECK (goal_no OPERATOR(pg_catalog.>=) 1),
	name_da text NOT NULL,
	name_en text NOT NULL,
	rule_set text NOT NULL DEFAULT 'local'
);
COMMENT ON TABLE kvalitet.goal IS
	'The eight national goals for the Danish health service (Nationale mål, 2016)';
COMMENT ON COLUMN kvalitet.goal.goal_no IS 'Number of the goal, 1 to 8';
COMMENT ON COLUMN kvalitet.goal.name_da IS 'Official Danish name';
COMMENT ON COLUMN kvalitet.goal.name_en IS 'English name';
COMMENT ON COLUMN kvalitet.goal.rule_set IS 'dk-default-1 for shipped rows, local (or another name) for the user''s';

CREATE TABLE kvalitet.indicator (
	code text PRIMARY KEY
		CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND pg_catalog.length(code) OPERATOR(pg_catalog.<) 64),
	goal_no integer REFERENCES kvalitet.goal,
	name_da text NOT NULL,
	name_en text NOT NULL,
	unit text NOT NULL CHECK (unit OPERATOR(pg_catalog.=) ANY (ARRAY['proportion', 'per_1000', 'days', 'count', 'currency', 'years'])),
	lower_is_better boolean NOT NULL,
	inputs text[] NOT NULL,
	definition text NOT NULL,
	in_sundhedsaftale boolean NOT NULL DEFAULT false,
	computed_by_bind boolean NOT NULL DEFAULT false,
	rule_set text NOT NULL DEFAULT 'local'
);
COMMENT ON TABLE kvalitet.indicator IS
	'Indicators behind the national goals and the health agreements (sundhedsaftale); every indicator of SPEC section 9 has a row, computed or not';
COMMENT ON COLUMN kvalitet.indicator.code IS 'Stable identifier, used in indicator_values.indicator_code';
COMMENT ON COLUMN kvalitet.indicator.goal_no IS 'The national goal it belongs to; NULL for sundhedsaftale-only indicators';
COMMENT ON COLUMN kvalitet.indicator.name_da IS 'Danish name';
COMMENT ON COLUMN kvalitet.indicator.name_en IS 'English name';
COMMENT ON COLUMN kvalitet.indicator.unit IS
	'What value measures: proportion (0 to 1), per_1000 (events per 1,000 citizens), days (a mean), count, currency, years';
COMMENT ON COLUMN kvalitet.indicator.lower_is_better IS 'Direction: true when a lower value is an improvement';
COMMENT ON COLUMN kvalitet.indicator.inputs IS
	'Inputs it needs: contacts, units, age (birth date or CPR), municipality, epikriser, population, and inputs kvalitet does not bind yet';
COMMENT ON COLUMN kvalitet.indicator.definition IS 'What is counted, in words (docs/indicators.md and docs/binding.md give the rules)';
COMMENT ON COLUMN kvalitet.indicator.in_sundhedsaftale IS 'Also an indicator of the health agreement (Region Midtjylland)';
COMMENT ON COLUMN kvalitet.indicator.computed_by_bind IS 'kvalitet.bind computes it in indicator_values when its inputs are bound';
COMMENT ON COLUMN kvalitet.indicator.rule_set IS 'dk-default-1 for shipped rows, local (or another name) for the user''s';

INSERT INTO kvalitet.goal (goal_no, name_da, name_en, rule_set) VALUES
(1, 'Bedre sammenhængende patientforløb', 'Better coherent patient pathways', 'dk-default-1'),
(2, 'Styrket indsats for kronikere og ældre', 'Stronger effort for the chronically ill and the elderly', 'dk-default-1'),
(3, 'Forbedret overlevelse og patientsikkerhed', 'Improved survival and patient safety', 'dk-default-1'),
(4, 'Behandling af høj kvalitet', 'High-quality treatment', 'dk-default-1'),
(5, 'Hurtig udredning og behandling', 'Fast diagnosis and treatment', 'dk-default-1'),
(6, 'Øget patientinddragelse', 'More patient involvement', 'dk-default-1'),
(7, 'Flere sunde leveår', 'More healthy life years', 'dk-default-1'),
(8, 'Mere effektivt sundhedsvæsen', 'A more efficient health service', 'dk-default-1');

INSERT INTO kvalitet.indicator (code, goal_no, name_da, name_en, unit, lower_is_better, inputs,
								in_sundhedsaftale, computed_by_bind, definition, rule_set)
SELECT v.code, v.goal_no, v.name_da, v.name_en, v.unit, v.lower_is_better, v.inputs,
	   v.in_sa, v.computed, v.definition, 'dk-default-1'
FROM (VALUES
('readmission_30d', 1, 'Akutte somatiske genindlæggelser inden for 30 dage',
 'Acute somatic readmissions within 30 days', 'proportion', true, ARRAY['contacts'], true, true,
 'Index admissions (closed, alive, somatic, no excluded diagnosis) followed by an acute admission within 720 hours of discharge / index admissions; by month and unit of discharge (readmission_rate, SPEC section 4)'),
('epikrise_timely', 1, 'Rettidig elektronisk epikrise',
 'Timely electronic discharge letter', 'proportion', false, ARRAY['epikriser'], true, true,
 'Discharges whose first discharge letter was sent by the next working day / discharges; by month of discharge (epikrise_timeliness, SPEC section 6)'),
('faerdigbehandlingsdage', 1, 'Færdigbehandlingsdage',
 'Days spent in hospital after treatment was completed', 'per_1000', true, ARRAY['faerdigbehandling', 'population'], true, false,
 'Days patients stayed in hospital after they were declared ready for discharge, per 1,000 citizens; needs the færdigbehandling periods'),
('preventable_admissions_65', 2, 'Forebyggelige indlæggelser blandt ældre (andel)',
 'Preventable admissions among the elderly (share)', 'proportion', true, ARRAY['contacts', 'age'], false, true,
 'Acute admissions of patients aged 65 or over at the start of the admission whose dominant diagnosis is in preventable_elderly / those acute admissions; by month the admission started (preventable_admission_share, SPEC section 5)'),
('preventable_admissions_65_per_1000', 2, 'Forebyggelige indlæggelser blandt ældre pr. 1.000 borgere på 65 år og derover',
 'Preventable admissions per 1,000 citizens aged 65 and over', 'per_1000', true,
 ARRAY['contacts', 'age', 'municipality', 'population'], false, true,
 'Acute admissions of patients aged 65+ with a dominant diagnosis in preventable_elderly, per 1,000 citizens aged 65+ on 1 January; by year and municipality of residence, with an exact Poisson interval'),
('acute_admissions_copd_per_1000', 2, 'Akutte indlæggelser pr. 1.000 borgere med KOL',
 'Acute admissions per 1,000 citizens with COPD', 'per_1000', true, ARRAY['contacts', 'chronic_register'], false, false,
 'Acute admissions of citizens with KOL per 1,000 citizens with KOL; needs a chronic register or diagnosis history'),
('acute_admissions_t2d_per_1000', 2, 'Akutte indlæggelser pr. 1.000 borgere med type 2-diabetes',
 'Acute admissions per 1,000 citizens with type 2 diabetes', 'per_1000', true, ARRAY['contacts', 'chronic_register'], false, false,
 'Acute admissions of citizens with type 2 diabetes per 1,000 citizens with it; needs a chronic register or diagnosis history'),
('mortality_30d_acute', 3, '30-dages dødelighed efter akut indlæggelse',
 '30-day mortality after acute admission', 'proportion', true, ARRAY['contacts', 'death_dates'], false, false,
 'Acute admissions followed by death within 30 days of the start / acute admissions; needs death dates'),
('clinical_standards_met', 4, 'Andel af kliniske kvalitetsindikatorer, der opfylder standarden',
 'Share of clinical-database indicators meeting their standard', 'proportion', false, ARRAY['rkkp_results'], false, false,
 'Indicators of the clinical quality databases (RKKP) that meet their standard / indicators reported; needs the RKKP results table'),
('udredningsret_30d', 5, 'Udredt inden for 30 dage',
 'Assessed within 30 days of referral', 'proportion', false, ARRAY['referrals'], false, false,
 'Referred patients whose assessment was completed within 30 days of the referral / referred patients; needs referrals'),
('waiting_time_days', 5, 'Ventetid til behandling',
 'Waiting time to treatment', 'days', true, ARRAY['referrals'], false, false,
 'Mean days from referral to treatment; needs referrals'),
('patient_experience_positive', 6, 'Andel positive svar i patienttilfredshedsundersøgelser (LUP)',
 'Share of positive answers in patient-experience surveys (LUP)', 'proportion', false, ARRAY['survey_answers'], false, false,
 'Positive answers / answers in the national patient-experience survey; needs the survey answers'),
('healthy_life_years', 7, 'Forventet levetid i godt helbred',
 'Healthy life expectancy', 'years', false, ARRAY['population_health'], false, false,
 'Population health figures, loaded as published, not computed'),
('mean_length_of_stay', 8, 'Gennemsnitlig liggetid',
 'Mean length of stay', 'days', true, ARRAY['contacts'], false, true,
 'Mean duration in days of closed somatic admissions (stays of 12 hours or more whose dominant diagnosis is not psychiatric); by month and unit of discharge, with a normal-approximation interval'),
('cost_per_patient', 8, 'Udgift pr. behandlet patient',
 'Cost per treated patient', 'currency', true, ARRAY['costs'], false, false,
 'Costs / treated patients; needs costs'),
('sa_preventable_readmissions', NULL, 'Genindlæggelser med en forebyggelig diagnose',
 'Readmissions with a preventable diagnosis', 'proportion', true, ARRAY['contacts'], true, false,
 'Sundhedsaftale: 30-day acute readmissions whose dominant diagnosis is in preventable_elderly; needs the readmission''s diagnosis in the per-stay relation'),
('sa_preventable_admissions', NULL, 'Indlæggelser med en forebyggelig diagnose',
 'Admissions with a preventable diagnosis', 'per_1000', true, ARRAY['contacts', 'population'], true, false,
 'Sundhedsaftale: acute admissions with a dominant diagnosis in preventable_elderly per 1,000 citizens'),
('sa_newborn_readmissions', NULL, 'Genindlæggelser af nyfødte',
 'Readmissions of newborns', 'proportion', true, ARRAY['contacts', 'age'], true, false,
 'Sundhedsaftale: birth stays followed by an admission within 28 days of the birth stay''s end / birth stays'),
('sa_acute_short_admissions', NULL, 'Akutte korttidsindlæggelser',
 'Acute short admissions', 'proportion', false, ARRAY['contacts'], true, true,
 'Sundhedsaftale: closed acute admissions shorter than 24 hours / closed acute admissions; by month and unit of discharge (no specialty filter: the contacts carry none)'),
('sa_rehabilitation_referrals', NULL, 'Henvisninger til kommunal forebyggelse og genoptræning',
 'Referrals to municipal prevention and rehabilitation', 'count', false, ARRAY['referrals'], true, false,
 'Sundhedsaftale: referrals to municipal prevention and rehabilitation; needs referrals')
) AS v(code, goal_no, name_da, name_en, unit, lower_is_better, inputs, in_sa, computed, definition);

SELECT pg_catalog.pg_extension_config_dump('kvalitet.goal', 'WHERE rule_set <> ''dk-default-1''');
SELECT pg_catalog.pg_extension_config_dump('kvalitet.indicator', 'WHERE rule_set <> ''dk-default-1''');
GRANT SELECT ON kvalitet.goal, kvalitet.indicator TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Bindings: the user's tables mapped onto kvalitet's inputs, and the objects
-- generated for BI tools (docs/binding.md)
-- ---------------------------------------------------------------------------

CREATE TABLE kvalitet.binding (
	schema_name text PRIMARY KEY,
	private_schema text NOT NULL UNIQUE,
	preset text NOT NULL,
	sources jsonb NOT NULL,
	options jsonb NOT NULL,
	indicators jsonb NOT NULL,
	relations text[] NOT NULL,
	bound_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	bound_by text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE kvalitet.binding IS
	'One row per kvalitet.bind: where the user''s data lives, how its columns map, and what was generated; kept by pg_dump';
COMMENT ON COLUMN kvalitet.binding.schema_name IS 'Schema of the BI views (stays, indicator_values, goal_overview, status)';
COMMENT ON COLUMN kvalitet.binding.private_schema IS 'Schema of the materialized views behind them (BI roles get no USAGE on it)';
COMMENT ON COLUMN kvalitet.binding.preset IS 'Column-name preset used: lpr3, canonical or none';
COMMENT ON COLUMN kvalitet.binding.sources IS 'Per input (contacts, units, epikriser, population): the table and the SQL expression of each field';
COMMENT ON COLUMN kvalitet.binding.options IS 'The options in force (time zone, rules, region name, ...)';
COMMENT ON COLUMN kvalitet.binding.indicators IS 'Per indicator of kvalitet.indicator: computed or not, and why';
COMMENT ON COLUMN kvalitet.binding.relations IS 'The materialized views kvalitet.refresh refreshes, in dependency order';
COMMENT ON COLUMN kvalitet.binding.bound_at IS 'When kvalitet.bind ran';
COMMENT ON COLUMN kvalitet.binding.bound_by IS 'The role that ran it';

CREATE TABLE kvalitet.refresh_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	schema_name text NOT NULL,
	relation text NOT NULL,
	started_at timestamptz NOT NULL,
	finished_at timestamptz NOT NULL,
	seconds double precision NOT NULL,
	concurrent boolean NOT NULL,
	refreshed_by text NOT NULL DEFAULT CURRENT_USER
);
CREATE INDEX ON kvalitet.refresh_log (schema_name, finished_at);
COMMENT ON TABLE kvalitet.refresh_log IS
	'One row per materialized view refreshed by kvalitet.refresh, and one (relation ''*'') per whole refresh';
COMMENT ON COLUMN kvalitet.refresh_log.id IS 'Order of the entries';
COMMENT ON COLUMN kvalitet.refresh_log.schema_name IS 'The binding refreshed';
COMMENT ON COLUMN kvalitet.refresh_log.relation IS 'The materialized view, or * for the whole refresh';
COMMENT ON COLUMN kvalitet.refresh_log.started_at IS 'Start of the step';
COMMENT ON COLUMN kvalitet.refresh_log.finished_at IS 'End of the step (the data are visible when the transaction commits)';
COMMENT ON COLUMN kvalitet.refresh_log.seconds IS 'Duration of the step in seconds';
COMMENT ON COLUMN kvalitet.refresh_log.concurrent IS 'Refreshed with CONCURRENTLY (readers not blocked)';
COMMENT ON COLUMN kvalitet.refresh_log.refreshed_by IS 'The role that ran the refresh';
COMMENT ON SEQUENCE kvalitet.refresh_log_id_seq IS 'Numbers the refresh log entries';

-- Both tables are read by everyone; a role writes only the rows of schemas
-- it owns (directly or through membership).
CREATE FUNCTION kvalitet.owns_schema(schema_name text) RETURNS boolean
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace AS n
				   WHERE n.nspname OPERATOR(pg_catalog.=) schema_name
					 AND pg_catalog.pg_has_role(CURRENT_USER, n.nspowner, 'MEMBER'));
COMMENT ON FUNCTION kvalitet.owns_schema(text) IS
	'True when the current role owns the schema or is a member of its owner';

ALTER TABLE kvalitet.binding ENABLE ROW LEVEL SECURITY;
CREATE POLICY binding_read ON kvalitet.binding FOR SELECT USING (true);
CREATE POLICY binding_write ON kvalitet.binding FOR ALL
	USING (kvalitet.owns_schema(schema_name)) WITH CHECK (kvalitet.owns_schema(schema_name));
ALTER TABLE kvalitet.refresh_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY refresh_log_read ON kvalitet.refresh_log FOR SELECT USING (true);
CREATE POLICY refresh_log_write ON kvalitet.refresh_log FOR ALL
	USING (kvalitet.owns_schema(schema_name)) WITH CHECK (kvalitet.owns_schema(schema_name));
COMMENT ON POLICY binding_read ON kvalitet.binding IS 'Everyone may read the bindings';
COMMENT ON POLICY binding_write ON kvalitet.binding IS 'A role changes only the bindings of schemas it owns';
COMMENT ON POLICY refresh_log_read ON kvalitet.refresh_log IS 'Everyone may read the refresh log';
COMMENT ON POLICY refresh_log_write ON kvalitet.refresh_log IS 'A role logs only refreshes of schemas it owns';
GRANT SELECT, INSERT, UPDATE, DELETE ON kvalitet.binding, kvalitet.refresh_log TO PUBLIC;
GRANT USAGE ON SEQUENCE kvalitet.refresh_log_id_seq TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('kvalitet.binding', '');
SELECT pg_catalog.pg_extension_config_dump('kvalitet.refresh_log', '');
SELECT pg_catalog.pg_extension_config_dump('kvalitet.refresh_log_id_seq', '');

-- The inputs kvalitet.bind maps, and where the presets look for them.  A
-- preset candidate is an expression whose {column} references must all exist
-- in the table; the first candidate that fits is used.
CREATE FUNCTION kvalitet.binding_fields()
	RETURNS TABLE (source text, field text, kind text, lpr3 text[], canonical text[], description text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	BEGIN ATOMIC
	SELECT * FROM (VALUES
	('contacts', 'patient', 'key', ARRAY['{cpr}', '{pnr}', '{patient}'], ARRAY['{patient}'],
	 'Patient key (bigint, text or uuid); a CPR number also gives the age'),
	('contacts', 'start_at', 'timestamptz', ARRAY['{dato_start} + {tidspunkt_start}'], ARRAY['{start_at}'],
	 'Start of the contact; a timestamp without time zone is local time in the binding''s time zone'),
	('contacts', 'end_at', 'timestamptz', ARRAY['{dato_slut} + {tidspunkt_slut}'], ARRAY['{end_at}'],
	 'End of the contact; NULL = still admitted'),
	('contacts', 'acute', 'boolean', ARRAY['{prioritet} = ''ATA1'''], ARRAY['{acute}'], 'Acute contact'),
	('contacts', 'diagnosis', 'text', ARRAY['{aktionsdiagnose}'], ARRAY['{diagnosis}'], 'Main diagnosis (SKS code)'),
	('contacts', 'died', 'boolean', ARRAY['{died}'], ARRAY['{died}'], 'The contact ended with the patient''s death'),
	('contacts', 'index_eligible', 'boolean', ARRAY['{index_eligible}'], ARRAY['{index_eligible}'],
	 'May the stay discharged by this contact be an index admission (default true)'),
	('contacts', 'unit', 'text', ARRAY['{sorenhed_ans}'], ARRAY['{unit}'], 'Responsible unit (key of the units table)'),
	('contacts', 'municipality', 'text', ARRAY['{kommunekode}'], ARRAY['{municipality}'], 'Municipality of residence'),
	('contacts', 'birth_date', 'date', ARRAY['{birth_date}', '{foedselsdato}'], ARRAY['{birth_date}'],
	 'Birth date of the patient (for ages, when the patient key is no CPR number)'),
	('contacts', 'filter', 'boolean', ARRAY['{kontakttype} = ''ALCA00'''], ARRAY[]::text[],
	 'Which rows are physical-attendance contacts that form stays (default all)'),
	('units', 'unit', 'text', ARRAY['{sorenhed}', '{unit}'], ARRAY['{unit}'], 'Unit key, as in contacts.unit'),
	('units', 'hospital', 'text', ARRAY['{hospital}', '{sygehus}'], ARRAY['{hospital}'], 'Hospital of the unit'),
	('units', 'department', 'text', ARRAY['{afdeling}', '{department}'], ARRAY['{department}'], 'Department of the unit'),
	('epikriser', 'patient', 'key', ARRAY['{cpr}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient'),
	('epikriser', 'discharged_at', 'timestamptz', ARRAY['{discharged_at}', '{udskrevet}'], ARRAY['{discharged_at}'],
	 'When the patient was discharged'),
	('epikriser', 'sent_at', 'timestamptz', ARRAY['{sent_at}', '{sendt}'], ARRAY['{sent_at}'],
	 'When the first discharge letter was sent; NULL = none'),
	('epikriser', 'unit', 'text', ARRAY['{sorenhed_ans}', '{sorenhed}'], ARRAY['{unit}'],
	 'Discharging unit (default: the unit of the stay that ended at discharged_at)'),
	('population', 'municipality', 'text', ARRAY['{kommunekode}', '{kommune}'], ARRAY['{municipality}'], 'Municipality'),
	('population', 'year', 'integer', ARRAY['{aar}', '{year}'], ARRAY['{year}'], 'Year (population on 1 January)'),
	('population', 'age_band', 'text', ARRAY['{aldersgruppe}', '{alder}'], ARRAY['{age_band}'],
	 'Age or age band (''65-69'', ''95+''); its first number is the lower bound'),
	('population', 'count', 'bigint', ARRAY['{antal}', '{indhold}'], ARRAY['{count}'], 'Number of citizens')
	) AS f(source, field, kind, lpr3, canonical, description);
	END;
COMMENT ON FUNCTION kvalitet.binding_fields() IS
	'The fields kvalitet.bind maps per input, their kind, and the columns the lpr3 and canonical presets look for';

-- The SQL expression (over the table aliased c) of one field: the mapping's
-- column or expression, else the first preset candidate that fits, coerced
-- to the field's kind; NULL when the field is not bound.
CREATE FUNCTION kvalitet.binding_expr(tbl regclass, source text, field text, kind text,
									  candidates text[], mapping jsonb, tz text)
	RETURNS text LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	expr text;
	cand text;
	col text;
	fits boolean;
	typ text;
BEGIN
	IF mapping ? field THEN
		IF jsonb_typeof(mapping -> field) = 'null' THEN
			RETURN NULL;
		ELSIF jsonb_typeof(mapping -> field) <> 'string' THEN
			RAISE EXCEPTION 'kvalitet.bind: the mapping of %.% must be a column name or an SQL expression (a JSON string)',
				source, field USING ERRCODE = 'invalid_parameter_value';
		END IF;
		expr := mapping ->> field;
		IF EXISTS (SELECT 1 FROM pg_attribute
				   WHERE attrelid = tbl AND attname = expr AND attnum > 0 AND NOT attisdropped) THEN
			expr := 'c.' || quote_ident(expr);
		ELSE
			expr := '(' || expr || ')';
		END IF;
	ELSE
		FOREACH cand IN ARRAY coalesce(candidates, ARRAY[]::text[]) LOOP
			fits := true;
			FOR col IN SELECT m[1] FROM regexp_matches(cand, '\{([a-z_0-9]+)\}', 'g') AS m LOOP
				IF NOT EXISTS (SELECT 1 FROM pg_attribute
							   WHERE attrelid = tbl AND attname = col AND attnum > 0 AND NOT attisdropped) THEN
					fits := false;
					EXIT;
				END IF;
			END LOOP;
			IF fits THEN
				expr := '(' || regexp_replace(cand, '\{([a-z_0-9]+)\}', 'c."\1"', 'g') || ')';
				EXIT;
			END IF;
		END LOOP;
		IF expr IS NULL THEN
			RETURN NULL;
		END IF;
	END IF;

	typ := kvalitet.binding_type(tbl, expr, source || '.' || field);
	CASE kind
	WHEN 'key' THEN
		RETURN CASE WHEN typ IN ('bigint', 'integer', 'smallint') THEN format('(%s)::bigint', expr)
					WHEN typ IN ('text', 'uuid') THEN expr
					ELSE format('(%s)::text', expr) END;
	WHEN 'timestamptz' THEN
		IF typ = 'timestamp with time zone' THEN
			RETURN expr;
		ELSIF typ = 'timestamp without time zone' THEN
			RETURN format('(%s AT TIME ZONE %L)', expr, tz);
		ELSIF typ = 'date' THEN
			RETURN format('((%s)::timestamp AT TIME ZONE %L)', expr, tz);
		END IF;
	WHEN 'date' THEN
		IF typ = 'date' THEN
			RETURN expr;
		ELSIF typ = 'timestamp without time zone' THEN
			RETURN format('(%s)::date', expr);
		ELSIF typ = 'timestamp with time zone' THEN
			RETURN format('(%s AT TIME ZONE %L)::date', expr, tz);
		END IF;
	WHEN 'boolean' THEN
		IF typ = 'boolean' THEN
			RETURN expr;
		END IF;
	WHEN 'text' THEN
		RETURN CASE WHEN typ = 'text' THEN expr ELSE format('(%s)::text', expr) END;
	WHEN 'integer' THEN
		RETURN CASE WHEN typ = 'integer' THEN expr ELSE format('(%s)::integer', expr) END;
	WHEN 'bigint' THEN
		RETURN CASE WHEN typ = 'bigint' THEN expr ELSE format('(%s)::bigint', expr) END;
	END CASE;
	RAISE EXCEPTION 'kvalitet.bind: %.% must be of kind %, but % is %', source, field, kind, expr, typ
		USING ERRCODE = 'datatype_mismatch';
END $$;
COMMENT ON FUNCTION kvalitet.binding_expr(regclass, text, text, text, text[], jsonb, text) IS
	'Used by kvalitet.bind: the coerced SQL expression of one input field, or NULL when it is not bound';

-- The type of an expression over the table aliased c, without reading a row.
CREATE FUNCTION kvalitet.binding_type(tbl regclass, expr text, what text) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	typ text;
BEGIN
	EXECUTE format('SELECT pg_catalog.pg_typeof(%s)::pg_catalog.regtype::pg_catalog.text FROM (SELECT 1) AS d LEFT JOIN %s AS c ON false',
				   expr, tbl) INTO typ;
	RETURN typ;
EXCEPTION WHEN OTHERS THEN
	RAISE EXCEPTION 'kvalitet.bind: % is not a column or SQL expression of %: %', what, tbl, SQLERRM
		USING ERRCODE = 'invalid_parameter_value',
			  HINT = 'Give a column name, or an expression over the table''s columns, e.g. "prioritet = ''ATA1''".';
END $$;
COMMENT ON FUNCTION kvalitet.binding_type(regclass, text, text) IS
	'Used by kvalitet.bind: the type of an SQL expression over a table (aliased c), read without scanning it';

-- Comments on a generated relation and every one of its columns; a column
-- the map does not describe is an error, so nothing BI reads goes unexplained.
CREATE FUNCTION kvalitet.binding_comment(rel regclass, what text, columns jsonb) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	col text;
	kind text;
BEGIN
	SELECT CASE relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END
	INTO kind FROM pg_class WHERE oid = rel;
	EXECUTE format('COMMENT ON %s %s IS %L', kind, rel, what);
	FOR col IN SELECT attname FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped ORDER BY attnum LOOP
		IF NOT columns ? col THEN
			RAISE EXCEPTION 'kvalitet.bind: no comment for column % of %', col, rel;	-- cannot happen
		END IF;
		EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, col, columns ->> col);
	END LOOP;
END $$;
COMMENT ON FUNCTION kvalitet.binding_comment(regclass, text, jsonb) IS
	'Used by kvalitet.bind: comments a generated relation and each of its columns';

-- The column comments of the generated relations.
CREATE FUNCTION kvalitet.binding_column_comments() RETURNS jsonb
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
	'follow_up_complete', 'All the period''s figures are final (e.g. every readmission window has passed)',
	'proportion', 'numerator/denominator as kvalitet.proportion (internal; adds up exactly)',
	'previous_period_label', 'The period just before (NULL when it has no value)',
	'previous_value', 'value in the period just before',
	'change', 'value - previous_value',
	'improved', 'The change goes in the indicator''s good direction; NULL when no change or no previous value',
	'is_latest', 'This is the latest period of its kind with a value for the indicator and org unit',
	'computed', 'indicator_values has rows for it (when its inputs had data)',
	'note', 'Why not computed (missing inputs), or what to know about it',
	'last_refresh', 'When kvalitet.refresh last completed for this binding',
	'gate_level', 'Org level a reader must fully see',
	'timely', 'Timely letters / discharges (kvalitet.proportion)',
	'month', 'First day of the local month of discharge',
	'complete', 'Every discharge''s deadline has passed by the last letter in the data',
	'year', 'Year', 'age_low', 'Lower bound of the age band', 'count', 'Citizens on 1 January');

COMMENT ON FUNCTION kvalitet.binding_column_comments() IS
	'Used by kvalitet.bind: the comment of each column name of the generated relations';

-- Bind the user's tables: see docs/binding.md.
CREATE FUNCTION kvalitet.bind(target_schema text, contacts regclass, preset text DEFAULT 'canonical',
							  units regclass DEFAULT NULL, epikriser regclass DEFAULT NULL,
							  population regclass DEFAULT NULL, mapping jsonb DEFAULT '{}',
							  options jsonb DEFAULT '{}', replace boolean DEFAULT false,
							  populate boolean DEFAULT true)
	RETURNS TABLE (indicator_code text, computed boolean, note text)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $bind$
DECLARE
	defaults constant jsonb := jsonb_build_object(
		'timezone', 'Europe/Copenhagen', 'region_name', 'Region', 'private_schema', NULL,
		'merge_gap', '4 hours', 'min_admission', '12 hours', 'readmission_window', '720 hours',
		'preventable_set', 'preventable_elderly', 'epikrise_deadline', 1, 'short_admission', '24 hours',
		'age_min', 65, 'extra_closed_days', '', 'patient_is_cpr', NULL);
	opt jsonb;
	tz text;
	s text;				-- quoted target schema
	p text;				-- quoted private schema
	p_name text;
	f record;
	tbl regclass;
	x jsonb := '{}';	-- "source.field" -> SQL expression
	src jsonb;
	k text;
	key_type text;
	is_cpr boolean := false;
	n_sample bigint;
	n_valid bigint;
	has_units boolean;
	has_muni boolean;
	has_epi boolean;
	has_pop boolean;
	has_age boolean;
	status jsonb := '[]';
	codes text[] := ARRAY[]::text[];
	rels text[] := ARRAY[]::text[];
	rules text;
	sql text;
	unit_in text;
	unit_out text;
	muni_out text;
	age_expr text;
	usable text;		-- contacts that can form stays
	lvl text;
	cols text;
	sets text;
	monthly text[] := ARRAY[]::text[];
	data text := CASE WHEN populate THEN 'WITH DATA' ELSE 'WITH NO DATA' END;
	cc constant jsonb := kvalitet.binding_column_comments();
	i record;
	miss text[];
BEGIN
	-- Arguments.
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
		FOR f IN SELECT jsonb_object_keys(mapping -> k) AS field LOOP
			IF NOT EXISTS (SELECT 1 FROM kvalitet.binding_fields() AS b WHERE b.source = k AND b.field = f.field) THEN
				RAISE EXCEPTION 'kvalitet.bind: unknown field %.% in mapping', k, f.field USING ERRCODE = 'invalid_parameter_value',
					HINT = format('Fields of %s: %s.', k, (SELECT string_agg(b.field, ', ') FROM kvalitet.binding_fields() AS b WHERE b.source = k));
			END IF;
		END LOOP;
	END LOOP;
	opt := defaults || jsonb_strip_nulls(options);
	tz := opt ->> 'timezone';
	PERFORM now() AT TIME ZONE tz;
	PERFORM (opt ->> 'merge_gap')::interval, (opt ->> 'min_admission')::interval,
			(opt ->> 'readmission_window')::interval, (opt ->> 'short_admission')::interval,
			(opt ->> 'epikrise_deadline')::integer, (opt ->> 'age_min')::integer;
	IF NOT EXISTS (SELECT 1 FROM kvalitet.code_set WHERE set_name = opt ->> 'preventable_set') THEN
		RAISE EXCEPTION 'kvalitet.bind: no code set %', opt ->> 'preventable_set' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	p_name := coalesce(opt ->> 'private_schema', target_schema || '_private');
	IF p_name = target_schema THEN
		RAISE EXCEPTION 'kvalitet.bind: the private schema must differ from the target schema' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	opt := opt || jsonb_build_object('private_schema', p_name);
	s := quote_ident(target_schema);
	p := quote_ident(p_name);

	IF EXISTS (SELECT 1 FROM kvalitet.binding AS b WHERE b.schema_name = target_schema) THEN
		IF NOT replace THEN
			RAISE EXCEPTION 'kvalitet.bind: schema % is already bound', target_schema USING ERRCODE = 'duplicate_object',
				HINT = 'Pass replace => true, or call kvalitet.unbind first.';
		END IF;
		PERFORM kvalitet.unbind(target_schema);
	END IF;

	-- Resolve every field of every input given.
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
	has_units := units IS NOT NULL AND x ? 'units.unit' AND x ? 'units.hospital' AND x ? 'contacts.unit';
	has_muni := x ? 'contacts.municipality';
	has_epi := epikriser IS NOT NULL AND x ? 'epikriser.discharged_at' AND x ? 'epikriser.sent_at';
	has_pop := population IS NOT NULL AND x ?& ARRAY['population.municipality', 'population.year',
													 'population.age_band', 'population.count'];
	IF x ? 'contacts.birth_date' THEN
		has_age := true;
	ELSIF key_type = 'text' THEN
		IF opt ->> 'patient_is_cpr' IS NOT NULL THEN
			is_cpr := (opt ->> 'patient_is_cpr')::boolean;
		ELSE
			EXECUTE format('SELECT count(*), count(*) FILTER (WHERE kvalitet.cpr_is_valid(k)) FROM (SELECT %s AS k FROM %s AS c WHERE %s IS NOT NULL LIMIT 1000) AS t',
						   x ->> 'contacts.patient', contacts, x ->> 'contacts.patient')
				INTO n_sample, n_valid;
			is_cpr := n_sample > 0 AND n_valid >= 0.9 * n_sample;
		END IF;
		has_age := is_cpr;
	ELSE
		has_age := false;
	END IF;
	opt := opt || jsonb_build_object('patient_is_cpr', is_cpr);

	-- What can be computed, and why not.
	FOR i IN SELECT ind.code, ind.computed_by_bind, ind.inputs FROM kvalitet.indicator AS ind ORDER BY ind.code LOOP
		miss := ARRAY[]::text[];
		IF NOT i.computed_by_bind THEN
			status := status || jsonb_build_array(jsonb_build_object('code', i.code, 'computed', false,
				'note', 'not computed by this version of kvalitet.bind; needs: ' || array_to_string(i.inputs, ', ')));
			CONTINUE;
		END IF;
		IF i.code IN ('readmission_30d', 'preventable_admissions_65', 'preventable_admissions_65_per_1000',
					  'mean_length_of_stay', 'sa_acute_short_admissions') THEN
			IF NOT x ? 'contacts.end_at' THEN miss := miss || 'contacts.end_at'::text; END IF;
		END IF;
		IF i.code IN ('readmission_30d', 'preventable_admissions_65', 'preventable_admissions_65_per_1000',
					  'sa_acute_short_admissions') AND NOT x ? 'contacts.acute' THEN
			miss := miss || 'contacts.acute'::text;
		END IF;
		IF i.code IN ('readmission_30d', 'preventable_admissions_65', 'preventable_admissions_65_per_1000')
		   AND NOT x ? 'contacts.diagnosis' THEN
			miss := miss || 'contacts.diagnosis'::text;
		END IF;
		IF i.code IN ('preventable_admissions_65', 'preventable_admissions_65_per_1000') AND NOT has_age THEN
			miss := miss || 'age (contacts.birth_date, or a CPR number as patient)'::text;
		END IF;
		IF i.code = 'preventable_admissions_65_per_1000' THEN
			IF NOT has_muni THEN miss := miss || 'contacts.municipality'::text; END IF;
			IF NOT has_pop THEN miss := miss || 'population (municipality, year, age_band, count)'::text; END IF;
		END IF;
		IF i.code = 'epikrise_timely' AND NOT has_epi THEN
			miss := miss || 'epikriser (discharged_at, sent_at)'::text;
		END IF;
		IF cardinality(miss) > 0 THEN
			status := status || jsonb_build_array(jsonb_build_object('code', i.code, 'computed', false,
				'note', 'missing input: ' || array_to_string(miss, ', ')));
		ELSE
			codes := codes || i.code::text;
			status := status || jsonb_build_array(jsonb_build_object('code', i.code, 'computed', true,
				'note', CASE
					WHEN i.code = 'readmission_30d' AND NOT x ? 'contacts.died' THEN 'contacts.died not bound: stays ended by death are not recognised'
					WHEN i.code = 'mean_length_of_stay' AND NOT x ? 'contacts.diagnosis' THEN 'contacts.diagnosis not bound: psychiatric stays are not left out'
					WHEN i.code = 'epikrise_timely' AND NOT (x ? 'epikriser.patient' OR x ? 'epikriser.unit') THEN 'epikriser has no patient or unit: region level only'
					ELSE NULL END));
		END IF;
	END LOOP;

	-- Schemas.
	EXECUTE format('CREATE SCHEMA IF NOT EXISTS %s', s);
	IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = p_name) THEN
		IF EXISTS (SELECT 1 FROM pg_class AS r JOIN pg_namespace AS n ON n.oid = r.relnamespace WHERE n.nspname = p_name)
		   OR EXISTS (SELECT 1 FROM pg_proc AS r JOIN pg_namespace AS n ON n.oid = r.pronamespace WHERE n.nspname = p_name) THEN
			RAISE EXCEPTION 'kvalitet.bind: the private schema % exists and is not empty', p_name
				USING ERRCODE = 'duplicate_schema', HINT = 'Name another one with options => ''{"private_schema": "..."}''.';
		END IF;
	ELSE
		EXECUTE format('CREATE SCHEMA %s', p);
	END IF;
	EXECUTE format('COMMENT ON SCHEMA %s IS %L', p,
				   format('kvalitet: materialized views behind the BI views of schema %s; grant readers SELECT (kvalitet.grant_read), not USAGE', target_schema));

	-- The contacts in kvalitet's terms.
	EXECUTE format($q$CREATE VIEW %1$s.contacts WITH (security_invoker = true) AS
SELECT %2$s AS patient, %3$s AS start_at, %4$s AS end_at, %5$s AS acute, %6$s AS diagnosis,
       %7$s AS died, %8$s AS index_eligible, %9$s AS unit, %10$s AS municipality, %11$s AS birth_date
FROM %12$s AS c%13$s$q$,
		p, x ->> 'contacts.patient', x ->> 'contacts.start_at', coalesce(x ->> 'contacts.end_at', 'NULL::timestamptz'),
		coalesce(x ->> 'contacts.acute', 'NULL::boolean'), coalesce(x ->> 'contacts.diagnosis', 'NULL::text'),
		coalesce(x ->> 'contacts.died', 'NULL::boolean'), coalesce(x ->> 'contacts.index_eligible', 'true'),
		coalesce(x ->> 'contacts.unit', 'NULL::text'), coalesce(x ->> 'contacts.municipality', 'NULL::text'),
		coalesce(x ->> 'contacts.birth_date', 'NULL::date'), contacts,
		CASE WHEN x ? 'contacts.filter' THEN E'\nWHERE ' || (x ->> 'contacts.filter') ELSE '' END);
	PERFORM kvalitet.binding_comment(format('%s.contacts', p)::regclass,
		format('kvalitet: the rows of %s that form stays, in kvalitet''s terms', contacts), cc);

	-- Org units (hospital, department per unit key).
	IF has_units THEN
		EXECUTE format($q$CREATE MATERIALIZED VIEW %1$s.org_units AS
SELECT DISTINCT ON (u.unit) u.unit, u.hospital, u.department
FROM (SELECT %2$s AS unit, %3$s AS hospital, %4$s AS department FROM %5$s AS c) AS u
WHERE u.unit IS NOT NULL
ORDER BY u.unit, u.hospital, u.department
%6$s$q$, p, x ->> 'units.unit', x ->> 'units.hospital', coalesce(x ->> 'units.department', 'NULL::text'), units, data);
		EXECUTE format('CREATE UNIQUE INDEX org_units_unit ON %s.org_units (unit)', p);
		PERFORM kvalitet.binding_comment(format('%s.org_units', p)::regclass,
			format('kvalitet: hospital and department of each unit of %s, as of the last refresh', units), cc);
		rels := rels || format('%s.org_units', p);
	END IF;

	-- The per-stay relation (SPEC section 8), searched per patient over the
	-- whole history, rules pinned: kvalitet.stays over the contacts, which
	-- reads them into one buffer and sorts it once (at 10 M contacts about a
	-- quarter of the time of patient_stays grouped by patient and ordered by
	-- start); the contacts view's patient key is bigint, text or uuid, as
	-- kvalitet.stays needs (binding_expr).  Rows that would be skipped
	-- anyway (no patient or start, an end before the start) are left out
	-- first, so that a refresh is quiet; the follow-up is complete up to the
	-- latest start of the rows left in.
	usable := 'c.patient IS NOT NULL AND isfinite(c.start_at) AND (c.end_at IS NULL OR c.end_at >= c.start_at)';
	rules := format('kvalitet.stay_rules(merge_gap => %L, min_admission => %L, readmission_window => %L)',
					opt ->> 'merge_gap', opt ->> 'min_admission', opt ->> 'readmission_window');
	IF has_muni AND x ? 'contacts.unit' THEN
		unit_in := 'coalesce(c.unit, '''') || chr(31) || coalesce(c.municipality, '''')';
		unit_out := 'nullif(split_part((q.s).discharging_unit, chr(31), 1), '''')';
		muni_out := 'nullif(split_part((q.s).discharging_unit, chr(31), 2), '''')';
	ELSIF has_muni THEN
		unit_in := 'c.municipality';
		unit_out := 'NULL::text';
		muni_out := '(q.s).discharging_unit';
	ELSE
		unit_in := 'c.unit';
		unit_out := '(q.s).discharging_unit';
		muni_out := 'NULL::text';
	END IF;
	age_expr := CASE
		WHEN x ? 'contacts.birth_date' THEN
			'(extract(year FROM age(w.local_start::date, b.birth_date)))::integer'
		WHEN is_cpr THEN
			'CASE WHEN kvalitet.cpr_is_valid(q.patient) THEN kvalitet.cpr_age(q.patient, w.local_start::date) END'
		ELSE 'NULL::integer' END;
	EXECUTE format($q$CREATE MATERIALIZED VIEW %1$s.stays AS
SELECT q.patient, (q.s).stay_no AS stay_no, (q.s).stay_start AS stay_start, (q.s).stay_end AS stay_end,
       (q.s).admission AS admission, (q.s).acute AS acute, (q.s).dominant_diagnosis AS dominant_diagnosis,
       (q.s).died AS died, (q.s).psychiatric AS psychiatric, w.discharging_unit, w.municipality,
       %2$s AS hospital, %3$s AS department,
       (q.s).index_stay AS index_stay, (q.s).readmitted AS readmitted,
       (q.s).next_admission_start AS next_admission_start, (q.s).hours_to_next AS hours_to_next,
       (q.s).followup_complete AS followup_complete, %4$s AS age_at_start,
       (extract(epoch FROM (q.s).stay_end - (q.s).stay_start) / 86400)::double precision AS length_of_stay_days,
       date_trunc('month', w.local_start)::date AS admission_month,
       date_trunc('month', w.local_end)::date AS discharge_month
FROM (SELECT st.patient, st AS s
      FROM kvalitet.stays(%6$L, NULL::%7$s,
                          (SELECT max(c.start_at) FROM %1$s.contacts AS c WHERE %8$s), %9$s) AS st) AS q
CROSS JOIN LATERAL (SELECT %10$s AS discharging_unit, %11$s AS municipality,
                           (q.s).stay_start AT TIME ZONE %5$L AS local_start,
                           (q.s).stay_end AT TIME ZONE %5$L AS local_end) AS w%12$s%13$s
%14$s$q$,
		p,
		CASE WHEN has_units THEN 'o.hospital' ELSE 'NULL::text' END,
		CASE WHEN has_units THEN 'o.department' ELSE 'NULL::text' END,
		age_expr, tz,
		format('SELECT c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, c.index_eligible, %s AS unit FROM %s.contacts AS c WHERE %s',
			   unit_in, p, usable),
		key_type, usable, rules, unit_out, muni_out,
		CASE WHEN x ? 'contacts.birth_date' THEN
			format(E'\nLEFT JOIN (SELECT c.patient, min(c.birth_date) AS birth_date FROM %s.contacts AS c WHERE %s GROUP BY c.patient) AS b ON b.patient = q.patient',
				   p, usable)
			 ELSE '' END,
		CASE WHEN has_units THEN format(E'\nLEFT JOIN %s.org_units AS o ON o.unit = w.discharging_unit', p) ELSE '' END,
		data);
	EXECUTE format('CREATE UNIQUE INDEX stays_patient_stay_no ON %s.stays (patient, stay_no)', p);
	PERFORM kvalitet.binding_comment(format('%s.stays', p)::regclass,
		format('kvalitet: one row per stay (sygehusophold) of %s with its readmission flags (SPEC section 8), rules pinned: %s',
			   contacts, rules), cc);
	rels := rels || format('%s.stays', p);

	-- Discharge letters, with the unit and municipality of the stay they end.
	IF has_epi THEN
		EXECUTE format($q$CREATE VIEW %1$s.epikriser WITH (security_invoker = true) AS
SELECT %2$s AS patient, %3$s AS discharged_at, %4$s AS sent_at, %5$s AS unit
FROM %6$s AS c$q$, p,
			CASE WHEN x ? 'epikriser.patient' THEN format('(%s)::%s', x ->> 'epikriser.patient', key_type)
				 ELSE format('NULL::%s', key_type) END,
			x ->> 'epikriser.discharged_at', x ->> 'epikriser.sent_at', coalesce(x ->> 'epikriser.unit', 'NULL::text'),
			epikriser);
		PERFORM kvalitet.binding_comment(format('%s.epikriser', p)::regclass,
			format('kvalitet: the discharges of %s in kvalitet''s terms', epikriser),
			cc || jsonb_build_object('discharged_at', 'When the patient was discharged',
									 'sent_at', 'When the first discharge letter was sent; NULL = none'));
		-- A function, so that the local days and closing days are pinned
		-- whatever the refreshing session has set.
		EXECUTE format($q$CREATE FUNCTION %1$s.epikrise_monthly()
	RETURNS TABLE (month date, hospital text, department text, municipality text, timely kvalitet.proportion, complete boolean)
	LANGUAGE sql STABLE
	SET kvalitet.timezone = %2$L SET kvalitet.extra_closed_days = %3$L
AS $f$
SELECT date_trunc('month', e.discharged_at AT TIME ZONE %2$L)::date, %4$s, %5$s, %6$s,
       kvalitet.epikrise_timeliness(e.discharged_at, e.sent_at, %7$s),
       kvalitet.epikrise_deadline(max(e.discharged_at), %7$s) <= (SELECT max(e2.sent_at) FROM %1$s.epikriser AS e2)
FROM %1$s.epikriser AS e
LEFT JOIN %1$s.stays AS s ON s.patient = e.patient AND s.stay_end = e.discharged_at%8$s
WHERE e.discharged_at IS NOT NULL
GROUP BY 1, 2, 3, 4
$f$$q$, p, tz, opt ->> 'extra_closed_days',
			CASE WHEN has_units THEN 'o.hospital' ELSE 'NULL::text' END,
			CASE WHEN has_units THEN 'o.department' ELSE 'NULL::text' END,
			's.municipality', (opt ->> 'epikrise_deadline')::integer,
			CASE WHEN has_units THEN format(E'\nLEFT JOIN %s.org_units AS o ON o.unit = coalesce(e.unit, s.discharging_unit)', p)
				 ELSE '' END);
		EXECUTE format('COMMENT ON FUNCTION %s.epikrise_monthly() IS %L', p,
					   'kvalitet: epikrise_timeliness per month of discharge and finest org unit, time zone and closing days pinned');
	END IF;

	IF has_pop THEN
		EXECUTE format($q$CREATE VIEW %1$s.population WITH (security_invoker = true) AS
SELECT %2$s AS municipality, %3$s AS year, (substring(%4$s FROM '[0-9]+'))::integer AS age_low, %5$s AS count
FROM %6$s AS c$q$, p, x ->> 'population.municipality', x ->> 'population.year', x ->> 'population.age_band',
			x ->> 'population.count', population);
		PERFORM kvalitet.binding_comment(format('%s.population', p)::regclass,
			format('kvalitet: the population of %s in kvalitet''s terms', population), cc);
	END IF;

	-- indicator_values: monthly figures per org level, rolled up exactly.
	lvl := 'CASE' || CASE WHEN has_units THEN ' WHEN GROUPING(%1$s.department) = 0 THEN ''department'' WHEN GROUPING(%1$s.hospital) = 0 THEN ''hospital''' ELSE '' END
		|| CASE WHEN has_muni THEN ' WHEN GROUPING(%1$s.municipality) = 0 THEN ''municipality''' ELSE '' END
		|| ' ELSE ''region'' END AS org_level';
	IF NOT (has_units OR has_muni) THEN
		lvl := '''region''::text AS org_level';
	END IF;
	cols := CASE WHEN has_units THEN '%1$s.hospital, %1$s.department' ELSE 'NULL::text AS hospital, NULL::text AS department' END
		|| CASE WHEN has_muni THEN ', %1$s.municipality' ELSE ', NULL::text AS municipality' END;
	sets := '(%1$s.%2$s)' || CASE WHEN has_units THEN ', (%1$s.%2$s, %1$s.hospital), (%1$s.%2$s, %1$s.hospital, %1$s.department)' ELSE '' END
		|| CASE WHEN has_muni THEN ', (%1$s.%2$s, %1$s.municipality)' ELSE '' END;

	IF codes && ARRAY['readmission_30d', 'mean_length_of_stay', 'sa_acute_short_admissions'] THEN
		monthly := monthly || format($q$SELECT v.code, d.month, d.org_level, d.hospital, d.department, d.municipality,
       v.p, v.total, v.total_sq, v.n, v.complete
FROM (SELECT s.discharge_month AS month, %1$s, %2$s,
             kvalitet.proportion(s.readmitted) FILTER (WHERE s.index_stay) AS readm,
             coalesce(bool_and(s.followup_complete) FILTER (WHERE s.index_stay), true) AS readm_complete,
             count(*) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_n,
             sum(extract(epoch FROM s.stay_end - s.stay_start)) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_total,
             sum((extract(epoch FROM s.stay_end - s.stay_start))::double precision ^ 2) FILTER (WHERE NOT coalesce(s.psychiatric, false)) AS los_sq,
             kvalitet.proportion(s.stay_end - s.stay_start < %3$L::interval) FILTER (WHERE s.acute) AS short
      FROM %4$s.stays AS s
      WHERE s.admission AND s.stay_end IS NOT NULL
      GROUP BY GROUPING SETS (%5$s)) AS d
CROSS JOIN LATERAL (VALUES
    ('readmission_30d', d.readm, NULL::numeric, NULL::double precision, NULL::bigint, d.readm_complete),
    ('mean_length_of_stay', NULL::kvalitet.proportion, d.los_total, d.los_sq, d.los_n, true),
    ('sa_acute_short_admissions', d.short, NULL::numeric, NULL::double precision, NULL::bigint, true)
) AS v(code, p, total, total_sq, n, complete)
WHERE v.code = ANY (%6$L::text[]) AND coalesce(kvalitet.denominator(v.p), v.n) > 0$q$,
			format(lvl, 's'), format(cols, 's'), opt ->> 'short_admission', p, format(sets, 's', 'discharge_month'), codes);
	END IF;
	IF 'preventable_admissions_65' = ANY (codes) THEN
		monthly := monthly || format($q$SELECT 'preventable_admissions_65'::text, a.month, a.org_level, a.hospital, a.department, a.municipality,
       a.p, NULL::numeric, NULL::double precision, NULL::bigint, a.complete
FROM (SELECT s.admission_month AS month, %1$s, %2$s,
             kvalitet.proportion(coalesce(kvalitet.code_in(s.dominant_diagnosis, %3$L,
                 (coalesce(s.stay_end, s.stay_start) AT TIME ZONE %4$L)::date), false)) AS p,
             bool_and(s.stay_end IS NOT NULL) AS complete
      FROM %5$s.stays AS s
      WHERE s.admission AND s.acute AND s.age_at_start >= %6$s
      GROUP BY GROUPING SETS (%7$s)) AS a$q$,
			format(lvl, 's'), format(cols, 's'), opt ->> 'preventable_set', tz, p, (opt ->> 'age_min')::integer,
			format(sets, 's', 'admission_month'));
	END IF;
	IF 'epikrise_timely' = ANY (codes) THEN
		monthly := monthly || format($q$SELECT 'epikrise_timely'::text, e.month, e.org_level, e.hospital, e.department, e.municipality,
       e.p, NULL::numeric, NULL::double precision, NULL::bigint, e.complete
FROM (SELECT f.month, %1$s, %2$s, kvalitet.rollup(f.timely) AS p, bool_and(f.complete) AS complete
      FROM %3$s.epikrise_monthly() AS f
      GROUP BY GROUPING SETS (%4$s)
      HAVING kvalitet.denominator(kvalitet.rollup(f.timely)) > 0) AS e$q$,
			format(lvl, 'f'), format(cols, 'f'), p, format(sets, 'f', 'month'));
	END IF;
	IF cardinality(monthly) = 0 THEN
		monthly := ARRAY['SELECT NULL::text, NULL::date, NULL::text, NULL::text, NULL::text, NULL::text, NULL::kvalitet.proportion, NULL::numeric, NULL::double precision, NULL::bigint, NULL::boolean WHERE false'];
	END IF;

	sql := format($q$CREATE MATERIALIZED VIEW %1$s.indicator_values AS
WITH monthly (code, month, org_level, hospital, department, municipality, p, total, total_sq, n, complete) AS (
%2$s
), periods AS (
SELECT m.code, 'month'::text AS period_type, m.month AS period_start, m.org_level, m.hospital, m.department,
       m.municipality, m.p, m.total, m.total_sq, m.n, m.complete
FROM monthly AS m
UNION ALL
SELECT m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level, m.hospital, m.department,
       m.municipality, kvalitet.rollup(m.p), sum(m.total), sum(m.total_sq), sum(m.n)::bigint, bool_and(m.complete)
FROM monthly AS m CROSS JOIN (VALUES ('quarter'), ('year')) AS t(period_type)
GROUP BY m.code, t.period_type, date_trunc(t.period_type, m.month::timestamp)::date, m.org_level, m.hospital, m.department, m.municipality%3$s
)
SELECT r.code AS indicator_code, ind.goal_no, g.name_da AS goal_name_da, g.name_en AS goal_name_en,
       ind.name_da AS indicator_name_da, ind.name_en AS indicator_name_en, ind.unit AS measure, ind.lower_is_better,
       r.period_type, r.period_start,
       (r.period_start + CASE r.period_type WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months'
                                            ELSE interval '1 year' END - interval '1 day')::date AS period_end,
       CASE r.period_type WHEN 'month' THEN to_char(r.period_start, 'YYYY-MM')
                          WHEN 'quarter' THEN to_char(r.period_start, 'YYYY-"Q"Q')
                          ELSE to_char(r.period_start, 'YYYY') END AS period_label,
       r.org_level,
       CASE r.org_level WHEN 'region' THEN %4$L
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
       r.complete AS follow_up_complete,
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
                           kvalitet.rate(CASE WHEN ind.unit = 'per_1000' THEN r.total::bigint END, r.n) AS pr) AS sd
%5$s$q$,
		p, array_to_string(monthly, E'\nUNION ALL\n'),
		CASE WHEN 'preventable_admissions_65_per_1000' = ANY (codes) THEN format($q$
UNION ALL
SELECT 'preventable_admissions_65_per_1000', 'year', y.year, CASE WHEN GROUPING(y.municipality) = 0 THEN 'municipality' ELSE 'region' END,
       NULL, NULL, y.municipality, NULL, sum(y.events), NULL, sum(y.population)::bigint, bool_and(y.complete)
FROM (SELECT coalesce(ev.year, po.year) AS year, coalesce(ev.municipality, po.municipality) AS municipality,
             coalesce(ev.events, 0) AS events, coalesce(po.population, 0) AS population, coalesce(ev.complete, true) AS complete
      FROM (SELECT date_trunc('year', s.admission_month)::date AS year, s.municipality,
                   count(*) FILTER (WHERE kvalitet.code_in(s.dominant_diagnosis, %1$L,
                       (coalesce(s.stay_end, s.stay_start) AT TIME ZONE %2$L)::date)) AS events,
                   bool_and(s.stay_end IS NOT NULL) AS complete
            FROM %3$s.stays AS s
            WHERE s.admission AND s.acute AND s.age_at_start >= %4$s
            GROUP BY 1, 2) AS ev
      FULL JOIN (SELECT make_date(pp.year, 1, 1) AS year, pp.municipality, sum(pp.count) AS population
                 FROM %3$s.population AS pp WHERE pp.age_low >= %4$s GROUP BY 1, 2) AS po
        ON po.year = ev.year AND po.municipality = ev.municipality) AS y
GROUP BY GROUPING SETS ((y.year), (y.year, y.municipality))
HAVING sum(y.population) > 0$q$, opt ->> 'preventable_set', tz, p, (opt ->> 'age_min')::integer)
		ELSE '' END,
		opt ->> 'region_name', data);
	EXECUTE sql;
	EXECUTE format('CREATE UNIQUE INDEX indicator_values_key ON %s.indicator_values (indicator_code, period_type, period_start, org_level, org_unit)', p);
	PERFORM kvalitet.binding_comment(format('%s.indicator_values', p)::regclass,
		'kvalitet: the indicator values per month, quarter and year and per org unit, with the gate that decides who sees them', cc);
	rels := rels || format('%s.indicator_values', p);

	-- Who sees what: an org unit's figures are shown to a reader who sees every
	-- one of its units in the units table (row-level security decides).
	IF has_units THEN
		EXECUTE format($q$CREATE VIEW %1$s.visible_org WITH (security_invoker = true) AS
WITH seen AS (SELECT DISTINCT %2$s AS unit FROM %3$s AS c),
     o AS (SELECT o.hospital, o.department, (seen.unit IS NOT NULL) AS seen
           FROM %1$s.org_units AS o LEFT JOIN seen ON seen.unit = o.unit)
SELECT 'region'::text AS gate FROM o HAVING coalesce(bool_and(o.seen), true)
UNION ALL
SELECT 'H' || chr(31) || o.hospital FROM o WHERE o.hospital IS NOT NULL GROUP BY o.hospital HAVING bool_and(o.seen)
UNION ALL
SELECT 'D' || chr(31) || o.hospital || chr(31) || o.department FROM o
WHERE o.hospital IS NOT NULL AND o.department IS NOT NULL GROUP BY o.hospital, o.department HAVING bool_and(o.seen)$q$,
			p, x ->> 'units.unit', units);
	ELSE
		EXECUTE format($q$CREATE VIEW %1$s.visible_org WITH (security_invoker = true) AS
SELECT 'region'::text AS gate WHERE EXISTS (SELECT 1 FROM %2$s)$q$, p, contacts);
	END IF;
	PERFORM kvalitet.binding_comment(format('%s.visible_org', p)::regclass,
		'kvalitet: the gates the current reader passes: region when it sees every unit, a hospital or department when it sees all of its units',
		cc);

	-- The views BI tools read.
	EXECUTE format($q$CREATE VIEW %1$s.stays WITH (security_invoker = true) AS
SELECT s.patient, s.stay_no, s.stay_start, s.stay_end, s.admission, s.acute, s.dominant_diagnosis, s.died, s.psychiatric,
       s.discharging_unit, s.hospital, s.department, s.municipality, s.index_stay, s.readmitted,
       s.next_admission_start, s.hours_to_next, s.followup_complete, s.age_at_start, s.length_of_stay_days,
       s.admission_month, s.discharge_month
FROM %2$s.stays AS s
WHERE EXISTS (SELECT 1 FROM %2$s.visible_org AS g WHERE g.gate = 'region')%3$s$q$,
		s, p, CASE WHEN has_units THEN format(E'\n   OR s.discharging_unit IN (SELECT %s FROM %s AS c)', x ->> 'units.unit', units) ELSE '' END);
	PERFORM kvalitet.binding_comment(format('%s.stays', s)::regclass,
		'kvalitet: one row per stay with its readmission flags; a reader sees the stays discharged from the units it sees', cc);

	EXECUTE format($q$CREATE VIEW %1$s.indicator_values WITH (security_invoker = true) AS
SELECT v.indicator_code, v.goal_no, v.goal_name_da, v.goal_name_en, v.indicator_name_da, v.indicator_name_en,
       v.measure, v.lower_is_better, v.period_type, v.period_start, v.period_end, v.period_label,
       v.org_level, v.org_unit, v.hospital, v.department, v.municipality,
       v.numerator, v.denominator, v.value, v.ci_lower, v.ci_upper, v.follow_up_complete
FROM %2$s.indicator_values AS v
WHERE v.gate IN (SELECT g.gate FROM %2$s.visible_org AS g)$q$, s, p);
	PERFORM kvalitet.binding_comment(format('%s.indicator_values', s)::regclass,
		'kvalitet: indicator values, one row per indicator x period (month, quarter, year) x org unit; a reader sees the org units all of whose units it sees',
		cc);

	EXECUTE format($q$CREATE VIEW %1$s.goal_overview WITH (security_invoker = true) AS
SELECT v.goal_no, v.goal_name_da, v.goal_name_en, v.indicator_code, v.indicator_name_da, v.indicator_name_en,
       v.measure, v.lower_is_better,
       CASE WHEN v.lower_is_better THEN 'lower is better' ELSE 'higher is better' END AS direction,
       v.period_type, v.period_start, v.period_label, v.org_level, v.org_unit,
       v.value, v.numerator, v.denominator, v.ci_lower, v.ci_upper, v.follow_up_complete,
       CASE WHEN v.prev_ok THEN v.prev_label END AS previous_period_label,
       CASE WHEN v.prev_ok THEN v.prev_value END AS previous_value,
       CASE WHEN v.prev_ok THEN v.value - v.prev_value END AS change,
       CASE WHEN v.prev_ok AND v.value <> v.prev_value THEN (v.value < v.prev_value) = v.lower_is_better END AS improved,
       v.period_start = v.latest_start AS is_latest
FROM (SELECT iv.*,
             lag(iv.period_start) OVER w = (iv.period_start - CASE iv.period_type WHEN 'month' THEN interval '1 month'
                 WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END)::date AS prev_ok,
             lag(iv.period_label) OVER w AS prev_label, lag(iv.value) OVER w AS prev_value,
             max(iv.period_start) OVER (PARTITION BY iv.indicator_code, iv.period_type, iv.org_level, iv.org_unit) AS latest_start
      FROM %1$s.indicator_values AS iv
      WHERE iv.goal_no IS NOT NULL
      WINDOW w AS (PARTITION BY iv.indicator_code, iv.period_type, iv.org_level, iv.org_unit ORDER BY iv.period_start)) AS v$q$, s);
	PERFORM kvalitet.binding_comment(format('%s.goal_overview', s)::regclass,
		'kvalitet: per national goal, indicator, period and org unit: the value, the change from the period just before, and whether it improved; is_latest marks the latest period',
		cc);

	EXECUTE format($q$CREATE VIEW %1$s.status WITH (security_invoker = true) AS
SELECT ind.code AS indicator_code, ind.goal_no, ind.name_da AS indicator_name_da, ind.name_en AS indicator_name_en,
       coalesce(st.computed, false) AS computed,
       CASE WHEN st.code IS NULL THEN 'not computed by kvalitet.bind' ELSE st.note END AS note,
       (SELECT max(l.finished_at) FROM kvalitet.refresh_log AS l
        WHERE l.schema_name = %2$L AND l.relation = '*') AS last_refresh
FROM kvalitet.indicator AS ind
LEFT JOIN (SELECT e ->> 'code' AS code, (e ->> 'computed')::boolean AS computed, e ->> 'note' AS note
           FROM jsonb_array_elements(%3$L::jsonb) AS e) AS st ON st.code = ind.code$q$,
		s, target_schema, status);
	PERFORM kvalitet.binding_comment(format('%s.status', s)::regclass,
		'kvalitet: per indicator of the catalogue, whether this binding computes it and why not', cc);

	src := jsonb_build_object('contacts', jsonb_build_object('table', contacts::text));
	IF units IS NOT NULL THEN src := src || jsonb_build_object('units', jsonb_build_object('table', units::text)); END IF;
	IF epikriser IS NOT NULL THEN src := src || jsonb_build_object('epikriser', jsonb_build_object('table', epikriser::text)); END IF;
	IF population IS NOT NULL THEN src := src || jsonb_build_object('population', jsonb_build_object('table', population::text)); END IF;
	FOR k IN SELECT jsonb_object_keys(x) LOOP
		src := jsonb_set(src, ARRAY[split_part(k, '.', 1), split_part(k, '.', 2)], x -> k);
	END LOOP;
	INSERT INTO kvalitet.binding (schema_name, private_schema, preset, sources, options, indicators, relations)
	VALUES (target_schema, p_name, preset, src, opt, status, rels);

	RETURN QUERY SELECT e ->> 'code', (e ->> 'computed')::boolean, e ->> 'note'
				 FROM jsonb_array_elements(status) AS e;
END $bind$;
COMMENT ON FUNCTION kvalitet.bind(text, regclass, text, regclass, regclass, regclass, jsonb, jsonb, boolean, boolean) IS
	'Binds the user''s tables (contacts, and optionally units, epikriser, population) and creates, in target_schema, the BI views stays, indicator_values, goal_overview and status over materialized views in a private schema; returns per indicator whether it is computed (docs/binding.md)';

-- Drop what kvalitet.bind generated for the schema, and forget the binding.
CREATE FUNCTION kvalitet.unbind(target_schema text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b kvalitet.binding;
BEGIN
	SELECT * INTO b FROM kvalitet.binding WHERE schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.unbind: schema % is not bound', target_schema USING ERRCODE = 'undefined_object';
	END IF;
	EXECUTE format('DROP VIEW IF EXISTS %1$I.goal_overview, %1$I.indicator_values, %1$I.stays, %1$I.status',
				   target_schema);
	EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', b.private_schema);
	DELETE FROM kvalitet.binding WHERE schema_name = target_schema;
END $$;
COMMENT ON FUNCTION kvalitet.unbind(text) IS
	'Drops the views and the private schema kvalitet.bind created for the schema, and forgets the binding (the user''s tables are untouched)';

-- Refresh every materialized view of a binding in dependency order, in one
-- transaction: CONCURRENTLY once they hold data, so readers are never blocked.
CREATE FUNCTION kvalitet.refresh(target_schema text, concurrent boolean DEFAULT true)
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
BEGIN
	SELECT * INTO b FROM kvalitet.binding AS kb WHERE kb.schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.refresh: schema % is not bound', target_schema
			USING ERRCODE = 'undefined_object', HINT = 'Bind it first with kvalitet.bind(...).';
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

-- Let a role read a binding's views: USAGE on the target schema, SELECT on its
-- views, and SELECT (but not USAGE) on the private objects behind them.  The
-- role still needs SELECT on the user's units table (or contacts table, when no
-- units table is bound), whose row-level security decides what it sees.
CREATE FUNCTION kvalitet.grant_read(target_schema text, role_name text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b kvalitet.binding;
	r record;
BEGIN
	SELECT * INTO b FROM kvalitet.binding WHERE schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.grant_read: schema % is not bound', target_schema USING ERRCODE = 'undefined_object';
	END IF;
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', target_schema, role_name);
	EXECUTE format('GRANT SELECT ON %1$I.stays, %1$I.indicator_values, %1$I.goal_overview, %1$I.status TO %2$I',
				   target_schema, role_name);
	FOR r IN SELECT c.oid::regclass AS rel FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
			 WHERE n.nspname = b.private_schema AND c.relkind IN ('v', 'm') LOOP
		EXECUTE format('GRANT SELECT ON %s TO %I', r.rel, role_name);
	END LOOP;
END $$;
COMMENT ON FUNCTION kvalitet.grant_read(text, text) IS
	'Grants a role read access to a binding''s BI views (and SELECT, not USAGE, on the objects behind them); row-level security on the user''s units table decides which figures it sees';
