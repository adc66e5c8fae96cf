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
	refreshed_by text NOT NULL DEFAULT CURRENT_USER,
	kind text NOT NULL DEFAULT 'refresh' CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['bind', 'refresh'])),
	error text,
	input_counts jsonb
);
CREATE INDEX ON kvalitet.refresh_log (schema_name, finished_at);
COMMENT ON TABLE kvalitet.refresh_log IS
	'One row per materialized view refreshed by kvalitet.refresh, and one (relation ''*'') per whole refresh: by kvalitet.bind, kvalitet.refresh, or a failed kvalitet.scheduled_refresh';
COMMENT ON COLUMN kvalitet.refresh_log.id IS 'Order of the entries';
COMMENT ON COLUMN kvalitet.refresh_log.schema_name IS 'The binding refreshed';
COMMENT ON COLUMN kvalitet.refresh_log.relation IS 'The materialized view, or * for the whole refresh';
COMMENT ON COLUMN kvalitet.refresh_log.started_at IS 'Start of the step';
COMMENT ON COLUMN kvalitet.refresh_log.finished_at IS 'End of the step (the data are visible when the transaction commits)';
COMMENT ON COLUMN kvalitet.refresh_log.seconds IS 'Duration of the step in seconds';
COMMENT ON COLUMN kvalitet.refresh_log.concurrent IS 'Refreshed with CONCURRENTLY (readers not blocked)';
COMMENT ON COLUMN kvalitet.refresh_log.refreshed_by IS 'The role that ran the refresh';
COMMENT ON COLUMN kvalitet.refresh_log.kind IS 'bind (the populating refresh of kvalitet.bind) or refresh';
COMMENT ON COLUMN kvalitet.refresh_log.error IS 'NULL when the refresh succeeded; else its error (SQLSTATE: message), logged by kvalitet.scheduled_refresh';
COMMENT ON COLUMN kvalitet.refresh_log.input_counts IS
	'On a whole refresh (relation *): per input and reason the rows left out (effect skipped) or read with a field unknown (effect unknown)';
COMMENT ON SEQUENCE kvalitet.refresh_log_id_seq IS 'Numbers the refresh log entries';

-- Both tables are read by everyone; a role writes only the rows of schemas
-- it owns (directly or through membership), and a binding row must describe
-- objects that role owns, i.e. what kvalitet.bind made.  Triggers, not
-- row-level security, check it: COPY (pg_restore by the binding's owner)
-- cannot load a table that row-level security applies to, and it fires
-- triggers.
CREATE FUNCTION kvalitet.owns_schema(schema_name text) RETURNS boolean
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace AS n
				   WHERE n.nspname OPERATOR(pg_catalog.=) schema_name
					 AND pg_catalog.pg_has_role(CURRENT_USER, n.nspowner, 'MEMBER'));
COMMENT ON FUNCTION kvalitet.owns_schema(text) IS
	'True when the current role owns the schema or is a member of its owner';

-- A binding row is written only by a role that owns its target schema, its
-- private schema and every materialized view (or, on Citus, table) it
-- refreshes (what bind creates); it is deleted only by a role that owns its target schema (or,
-- once that is gone, by the role that bound it).  UPDATE is not granted.
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
					   WHERE c.oid = to_regclass(rel) AND n.nspname = NEW.private_schema AND c.relkind IN ('m', 'r')
						 AND pg_has_role(CURRENT_USER, c.relowner, 'MEMBER')) THEN
			RAISE EXCEPTION 'kvalitet.binding: only kvalitet.bind records bindings, of schemas the binding role owns'
				USING ERRCODE = 'insufficient_privilege',
					  DETAIL = format('%s is not a materialized view (or, on Citus, a table) of schema %s owned by %s.', rel, NEW.private_schema, CURRENT_USER);
		END IF;
	END LOOP;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION kvalitet.binding_guard() IS
	'Trigger of kvalitet.binding: a row must name schemas and materialized views (on Citus, its stays table) the writing role owns (what kvalitet.bind makes); only the target schema''s owner forgets it';

-- A refresh is logged only by a role that owns the schema; rows of schemas
-- that no longer exist (an old dump) are left out.
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

-- pg_restore loads the log with its ids; the identity sequence (not dumped,
-- so that restoring needs no privilege on it) then moves past them.  Owned
-- by the extension's owner; it only ever moves the sequence up to max(id).
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
GRANT SELECT, INSERT, DELETE ON kvalitet.binding TO PUBLIC;
GRANT SELECT, INSERT ON kvalitet.refresh_log TO PUBLIC;
GRANT USAGE ON SEQUENCE kvalitet.refresh_log_id_seq TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('kvalitet.binding', '');
SELECT pg_catalog.pg_extension_config_dump('kvalitet.refresh_log', '');

-- The inputs kvalitet.bind maps, and where the presets look for them.  A
-- preset candidate is an expression whose {column} references must all exist
-- in the table (in any letter case: "CPR" fits {cpr}); the first candidate
-- that fits is used.  {column:date} and {column:time} read a column as a date
-- or a time of day whatever its type (text as YYYYMMDD, ISO 8601, HH:MM).
-- lpr_a NULL = as lpr3.
CREATE FUNCTION kvalitet.binding_fields()
	RETURNS TABLE (source text, field text, kind text, lpr3 text[], canonical text[], description text, lpr_a text[])
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	BEGIN ATOMIC
	SELECT * FROM (VALUES
	('contacts', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'],
	 'Patient key (bigint, text or uuid); a CPR number also gives the age', ARRAY['{pnr}', '{cpr_encrypted}', '{cpr}']),
	('contacts', 'start_at', 'timestamptz', ARRAY['{dato_start:date} + {tidspunkt_start:time}'], ARRAY['{start_at}'],
	 'Start of the contact; a timestamp without time zone (or text) is local time in the binding''s time zone',
	 ARRAY['{kont_starttidspunkt}']),
	('contacts', 'end_at', 'timestamptz', ARRAY['{dato_slut:date} + {tidspunkt_slut:time}'], ARRAY['{end_at}'],
	 'End of the contact; NULL = still admitted', ARRAY['{kont_sluttidspunkt}']),
	('contacts', 'acute', 'boolean', ARRAY['{prioritet} LIKE ''ATA1%'''], ARRAY['{acute}'],
	 'Acute contact (LPR3: prioritet ATA1 or a sub-code of it)', NULL),
	('contacts', 'diagnosis', 'text', ARRAY['{aktionsdiagnose}'], ARRAY['{diagnosis}'], 'Main diagnosis (SKS code)', ARRAY['{adiag}']),
	('contacts', 'died', 'boolean', ARRAY['{died}'], ARRAY['{died}'], 'The contact ended with the patient''s death', ARRAY[]::text[]),
	('contacts', 'death_date', 'date', ARRAY['{doedsdato}'], ARRAY['{death_date}'],
	 'Death date of the patient: a contact during which it falls ended by death', ARRAY['{borger_doedsdato}']),
	('contacts', 'episode', 'text', ARRAY['{dw_ek_forloeb}'], ARRAY['{episode}'],
	 'Key of the contact''s forløb (joins forloeb.episode)', NULL),
	('contacts', 'contact_key', 'text', ARRAY['{dw_ek_kontakt}'], ARRAY['{contact_key}'],
	 'Key of the contact (joins diagnoser.contact_key)', NULL),
	('contacts', 'index_eligible', 'boolean', ARRAY['{index_eligible}'], ARRAY['{index_eligible}'],
	 'May the stay discharged by this contact be an index admission (default true)', NULL),
	('contacts', 'unit', 'text', ARRAY['{sorenhed_ans}'], ARRAY['{unit}'], 'Responsible unit (key of the units table)', ARRAY['{kont_ans}', '{sorenhed_ans}']),
	('contacts', 'municipality', 'text', ARRAY['{kommunekode}'], ARRAY['{municipality}'], 'Municipality of residence', ARRAY['{borger_bo_kom}', '{kommunekode}']),
	('contacts', 'birth_date', 'date', ARRAY['{birth_date}', '{foedselsdato}'], ARRAY['{birth_date}'],
	 'Birth date of the patient (for ages, when the patient key is no CPR number)', ARRAY['{borger_foedselsdato}', '{birth_date}']),
	('contacts', 'filter', 'boolean', ARRAY['{kontakttype} = ''ALCA00'''], ARRAY[]::text[],
	 'Which rows are physical-attendance contacts that form stays (default all)',
	 ARRAY['{kont_type} = ''ALCA00'' AND coalesce(upper({lprindberetningssystem}), ''LPR3'') = ''LPR3''', '{kont_type} = ''ALCA00''']),
	('units', 'unit', 'text', ARRAY['{sorenhed}', '{sor_kode}', '{unit}'], ARRAY['{unit}'], 'Unit key, as in contacts.unit', NULL),
	('units', 'hospital', 'text', ARRAY['{hospital}', '{sygehus}', '{sundhedsinstitution_tekst}'], ARRAY['{hospital}'],
	 'Hospital of the unit (organisationer: sundhedsinstitution_tekst)', NULL),
	('units', 'department', 'text', ARRAY['{afdeling}', '{department}', '{org_enhed_niveau1_tekst}'], ARRAY['{department}'],
	 'Department of the unit (organisationer: org_enhed_niveau1_tekst)', NULL),
	('units', 'valid_from', 'date', ARRAY['{gyldig_fra}'], ARRAY['{valid_from}'],
	 'First day the row describes the unit (NULL = always)', NULL),
	('units', 'valid_to', 'date', ARRAY['{gyldig_til}'], ARRAY['{valid_to}'],
	 'Last day the row describes the unit (NULL = still)', NULL),
	('epikriser', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient', NULL),
	('epikriser', 'discharged_at', 'timestamptz', ARRAY['{discharged_at}', '{udskrevet}'], ARRAY['{discharged_at}'],
	 'When the patient was discharged', NULL),
	('epikriser', 'sent_at', 'timestamptz', ARRAY['{sent_at}', '{sendt}'], ARRAY['{sent_at}'],
	 'When the first discharge letter was sent; NULL = none', NULL),
	('epikriser', 'unit', 'text', ARRAY['{sorenhed_ans}', '{sorenhed}'], ARRAY['{unit}'],
	 'Discharging unit (default: the unit of the stay that ended at discharged_at)', NULL),
	('population', 'municipality', 'text', ARRAY['{kommunekode}', '{kommune}'], ARRAY['{municipality}'], 'Municipality', NULL),
	('population', 'year', 'integer', ARRAY['{aar}', '{year}'], ARRAY['{year}'], 'Year (population on 1 January)', NULL),
	('population', 'age_band', 'text', ARRAY['{aldersgruppe}', '{alder}'], ARRAY['{age_band}'],
	 'Age or age band (''65-69'', ''95+''); its first number is the lower bound', NULL),
	('population', 'count', 'bigint', ARRAY['{antal}', '{indhold}'], ARRAY['{count}'], 'Number of citizens', NULL),
	('forloeb', 'episode', 'text', ARRAY['{dw_ek_forloeb}'], ARRAY['{episode}'], 'Key of the forløb, as in contacts.episode', NULL),
	('forloeb', 'ended_by_death', 'boolean', ARRAY['upper({afslutningsmaade}) = ''ALAC70'''], ARRAY['{ended_by_death}'],
	 'The forløb ended with the patient''s death (LPR3: afslutningsmaade ALAC70); its last contact died', NULL),
	('deaths', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient', NULL),
	('deaths', 'death_date', 'date', ARRAY['{doddato}', '{doedsdato}', '{death_date}'], ARRAY['{death_date}'],
	 'Death date (CPR register): a contact during which it falls ended by death', NULL),
	('diagnoser', 'contact_key', 'text', ARRAY['{dw_ek_kontakt}'], ARRAY['{contact_key}'], 'Key of the contact, as in contacts.contact_key', NULL),
	('diagnoser', 'diagnosis', 'text', ARRAY['{diagnosekode}'], ARRAY['{diagnosis}'], 'Diagnosis code (SKS)', NULL),
	('diagnoser', 'is_main', 'boolean',
	 ARRAY['{diagnosetype} = ''A'' AND coalesce({senere_afkraeftet}, '''') <> ''Ja''', '{diagnosetype} = ''A'''], ARRAY['{is_main}'],
	 'The main diagnosis of its contact (LPR3: diagnosetype A, not later disproved); the contact''s own diagnosis comes first', NULL),
	('persons', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient', NULL),
	('persons', 'birth_date', 'date', ARRAY['{foed_dato}', '{foedselsdato}', '{birth_date}'], ARRAY['{birth_date}'],
	 'Birth date (population register, BEF foed_dato): gives the ages when contacts have none', NULL),
	('faerdigbehandling', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient', NULL),
	('faerdigbehandling', 'kommune', 'text', ARRAY['{kommunekode}', '{kommune}'], ARRAY['{kommune}', '{municipality}'],
	 'Municipality (kommune) of the patient, whose citizens are the denominator', NULL),
	('faerdigbehandling', 'ready_at', 'timestamptz', ARRAY['{faerdigmeldt}', '{ready_at}'], ARRAY['{ready_at}'],
	 'When the patient was declared ready for discharge (færdigbehandlet)', NULL),
	('faerdigbehandling', 'discharged_at', 'timestamptz', ARRAY['{udskrevet}', '{discharged_at}'], ARRAY['{discharged_at}'],
	 'When the patient left hospital; NULL = still in bed', NULL),
	('chronic_register', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient', NULL),
	('chronic_register', 'disease', 'text', ARRAY['{sygdom}', '{disease}'], ARRAY['{disease}'],
	 'Disease: copd or type2_diabetes (other values are not read)', NULL),
	('chronic_register', 'from_date', 'date', ARRAY['{fra_dato}', '{from_date}'], ARRAY['{from_date}'], 'First day the patient has the disease', NULL),
	('chronic_register', 'to_date', 'date', ARRAY['{til_dato}', '{to_date}'], ARRAY['{to_date}'], 'Last day (NULL = still)', NULL),
	('pathway_markers', 'patient', 'key', ARRAY['{cpr}', '{cpr_encrypted}', '{pnr}', '{patient}'], ARRAY['{patient}'], 'Patient key, as in contacts.patient', NULL),
	('pathway_markers', 'pathway_id', 'text', ARRAY['{dw_ek_forloeb}', '{pathway_id}'], ARRAY['{pathway_id}'],
	 'Key of the pathway (LPR3: the forløb the marker belongs to)', NULL),
	('pathway_markers', 'code', 'text', ARRAY['{markoer}', '{kode}', '{code}'], ARRAY['{code}'],
	 'Marker code (SKS, e.g. AFV01A, AFX01A)', NULL),
	('pathway_markers', 'marked_at', 'timestamptz', ARRAY['{dato_markoer:date} + {tidspunkt_markoer:time}', '{marked_at}'], ARRAY['{marked_at}'],
	 'When the marker was set', NULL),
	('rkkp_results', 'database', 'text', ARRAY['{database}'], ARRAY['{database}'], 'Clinical quality database (RKKP)', NULL),
	('rkkp_results', 'indicator', 'text', ARRAY['{indikator}', '{indicator}'], ARRAY['{indicator}'], 'Indicator of the database', NULL),
	('rkkp_results', 'period_start', 'date', ARRAY['{periode_start}', '{period_start}'], ARRAY['{period_start}'], 'First day of the period', NULL),
	('rkkp_results', 'period_end', 'date', ARRAY['{periode_slut}', '{period_end}'], ARRAY['{period_end}'], 'Last day of the period', NULL),
	('rkkp_results', 'unit', 'text', ARRAY['{enhed}', '{unit}'], ARRAY['{unit}'], 'Unit reported', NULL),
	('rkkp_results', 'numerator', 'bigint', ARRAY['{taeller}', '{numerator}'], ARRAY['{numerator}'], 'Numerator', NULL),
	('rkkp_results', 'denominator', 'bigint', ARRAY['{naevner}', '{denominator}'], ARRAY['{denominator}'], 'Denominator', NULL),
	('rkkp_results', 'standard', 'double', ARRAY['{standard}'], ARRAY['{standard}'], 'Standard, a proportion 0-1', NULL),
	('rkkp_results', 'higher_is_better', 'boolean', ARRAY['{higher_is_better}'], ARRAY['{higher_is_better}'],
	 'The standard is a minimum (false: a maximum)', NULL),
	('lup_answers', 'survey', 'text', ARRAY['{undersoegelse}', '{survey}'], ARRAY['{survey}'], 'Survey (LUP somatik, ...)', NULL),
	('lup_answers', 'year', 'integer', ARRAY['{aar}', '{year}'], ARRAY['{year}'], 'Year of the survey', NULL),
	('lup_answers', 'unit', 'text', ARRAY['{enhed}', '{unit}'], ARRAY['{unit}'], 'Unit reported', NULL),
	('lup_answers', 'question', 'text', ARRAY['{spoergsmaal}', '{question}'], ARRAY['{question}'], 'Question', NULL),
	('lup_answers', 'answers', 'bigint', ARRAY['{svar}', '{answers}'], ARRAY['{answers}'], 'Answers', NULL),
	('lup_answers', 'positive_answers', 'bigint', ARRAY['{positive_svar}', '{positive_answers}'], ARRAY['{positive_answers}'], 'Positive answers', NULL),
	('population_health', 'year', 'integer', ARRAY['{aar}', '{year}'], ARRAY['{year}'], 'Year', NULL),
	('population_health', 'area', 'text', ARRAY['{omraade}', '{area}'], ARRAY['{area}'], 'Area (the region, a kommune, the country)', NULL),
	('population_health', 'sex', 'text', ARRAY['{koen}', '{sex}'], ARRAY['{sex}'], 'Sex: total (or NULL), M or K', NULL),
	('population_health', 'measure', 'text', ARRAY['{maal}', '{measure}'], ARRAY['{measure}'], 'healthy_life_years or life_expectancy', NULL),
	('population_health', 'value', 'double', ARRAY['{vaerdi}', '{value}'], ARRAY['{value}'], 'Value in years', NULL),
	('costs', 'year', 'integer', ARRAY['{aar}', '{year}'], ARRAY['{year}'], 'Year', NULL),
	('costs', 'unit', 'text', ARRAY['{sorenhed}', '{enhed}', '{unit}'], ARRAY['{unit}'], 'Unit, as in contacts.unit', NULL),
	('costs', 'cost', 'numeric', ARRAY['{udgift}', '{cost}'], ARRAY['{cost}'], 'Cost in DKK', NULL),
	('costs', 'treated_patients', 'bigint', ARRAY['{behandlede_patienter}', '{treated_patients}'], ARRAY['{treated_patients}'],
	 'Treated patients (NULL = the distinct patients with a stay discharged from the unit in the year)', NULL),
	('municipal_referrals', 'year', 'integer', ARRAY['{aar}', '{year}'], ARRAY['{year}'], 'Year', NULL),
	('municipal_referrals', 'kommune', 'text', ARRAY['{kommunekode}', '{kommune}'], ARRAY['{kommune}', '{municipality}'], 'Municipality', NULL),
	('municipal_referrals', 'referrals', 'bigint', ARRAY['{henvisninger}', '{referrals}'], ARRAY['{referrals}'],
	 'Referrals to municipal prevention and rehabilitation (MedCom)', NULL)
	) AS f(source, field, kind, lpr3, canonical, description, lpr_a);
	END;
COMMENT ON FUNCTION kvalitet.binding_fields() IS
	'The fields kvalitet.bind maps per input, their kind, and the columns the lpr3, canonical and lpr_a presets look for';

-- The SQL expression (over the table aliased c) of one field: the mapping's
-- column or expression, else the first preset candidate that fits, coerced
-- to the field's kind (text dates and times read by kvalitet.text_date,
-- text_time and text_timestamp: a text that is no date is NULL, never an
-- error); NULL when the field is not bound.
CREATE FUNCTION kvalitet.binding_expr(tbl regclass, source text, field text, kind text,
									  candidates text[], mapping jsonb, tz text)
	RETURNS text LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	expr text;
	shown text;	-- the expression as the user wrote it or the preset names it
	cand text;
	m text[];
	col text;
	ctyp text;
	piece text;
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
		shown := mapping ->> field;
		expr := CASE WHEN kvalitet.binding_column(tbl, shown) IS NOT NULL
					 THEN 'c.' || quote_ident(kvalitet.binding_column(tbl, shown)) ELSE '(' || shown || ')' END;
	ELSE
		FOREACH cand IN ARRAY coalesce(candidates, ARRAY[]::text[]) LOOP
			fits := true;
			expr := cand;
			shown := cand;
			FOR m IN SELECT r FROM regexp_matches(cand, '\{([a-z_0-9]+)(:date|:time)?\}', 'g') AS r LOOP
				col := kvalitet.binding_column(tbl, m[1]);
				IF col IS NULL THEN
					fits := false;
					EXIT;
				END IF;
				piece := 'c.' || quote_ident(col);
				IF m[2] IS NOT NULL THEN
					ctyp := kvalitet.binding_type(tbl, piece, source || '.' || field);
					piece := CASE WHEN m[2] = ':date' AND ctyp = 'date' THEN piece
								  WHEN m[2] = ':date' AND ctyp = 'timestamp without time zone' THEN piece || '::date'
								  WHEN m[2] = ':date' AND ctyp = 'timestamp with time zone' THEN format('(%s AT TIME ZONE %L)::date', piece, tz)
								  WHEN m[2] = ':date' THEN format('kvalitet.text_date(%s::text)', piece)
								  WHEN ctyp IN ('time without time zone', 'interval') THEN piece
								  WHEN ctyp = 'timestamp without time zone' THEN piece || '::time'
								  ELSE format('kvalitet.text_time(%s::text)', piece) END;
				END IF;
				expr := replace(expr, '{' || m[1] || coalesce(m[2], '') || '}', piece);
			END LOOP;
			EXIT WHEN fits;
		END LOOP;
		IF NOT fits OR expr IS NULL THEN
			RETURN NULL;
		END IF;
		expr := '(' || expr || ')';
	END IF;

	typ := kvalitet.binding_type(tbl, expr, source || '.' || field);
	IF typ IN ('character varying', 'character', 'name') THEN
		expr := format('(%s)::text', expr);
		typ := 'text';
	END IF;
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
		ELSIF typ = 'text' THEN
			RETURN format('(kvalitet.text_timestamp(%s) AT TIME ZONE %L)', expr, tz);
		END IF;
	WHEN 'date' THEN
		IF typ = 'date' THEN
			RETURN expr;
		ELSIF typ = 'timestamp without time zone' THEN
			RETURN format('(%s)::date', expr);
		ELSIF typ = 'timestamp with time zone' THEN
			RETURN format('(%s AT TIME ZONE %L)::date', expr, tz);
		ELSIF typ = 'text' THEN
			RETURN format('kvalitet.text_date(%s)', expr);
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
	WHEN 'numeric' THEN
		RETURN CASE WHEN typ = 'numeric' THEN expr ELSE format('(%s)::numeric', expr) END;
	WHEN 'double' THEN
		RETURN CASE WHEN typ = 'double precision' THEN expr ELSE format('(%s)::double precision', expr) END;
	END CASE;
	RAISE EXCEPTION 'kvalitet.bind: %.% must be of kind %, but % is %', source, field, kind,
		regexp_replace(shown, '\{([a-z_0-9]+)(:date|:time)?\}', '\1', 'g'), typ
		USING ERRCODE = 'datatype_mismatch',
			  HINT = CASE kind
				WHEN 'boolean' THEN format('Map %s.%s to a condition over the columns, e.g. "%s": "admission_type = ''acute''" (docs/binding.md, "Your own column names").', source, field, field)
				ELSE format('Map %s.%s to a column or expression of kind %s (a timestamp, a date, or text as YYYYMMDD or ISO 8601 for times and dates).', source, field, kind) END;
END $$;
COMMENT ON FUNCTION kvalitet.binding_expr(regclass, text, text, text, text[], jsonb, text) IS
	'Used by kvalitet.bind: the coerced SQL expression of one input field, or NULL when it is not bound';

-- The type of an expression over the table aliased c, without reading a row:
-- over one row of NULLs of the table's row type, so that no table is read at
-- all (on Citus a join with a distributed table would copy it to the
-- coordinator, docs/scale-out.md).
CREATE FUNCTION kvalitet.binding_type(tbl regclass, expr text, what text) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	typ text;
BEGIN
	EXECUTE format('SELECT pg_catalog.pg_typeof(%s)::pg_catalog.regtype::pg_catalog.text FROM (SELECT (NULL::%s).*) AS c',
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
	'proportion', 'numerator/denominator as kvalitet.proportion (internal; adds up exactly)',
	'previous_period_label', 'The period just before (NULL when it has no value)',
	'previous_value', 'value in the period just before',
	'change', 'value - previous_value',
	'improved', 'The change goes in the indicator''s good direction; NULL when no change or no previous value',
	'is_latest', 'This is the latest period of its kind with a value for the indicator, the same period at every org level (a unit without figures in it has no latest row)',
	'computed', 'indicator_values has rows for it (when its inputs had data)',
	'note', 'Why not computed (missing inputs), or what to know about it',
	'last_refresh', 'When the binding was last refreshed successfully (by kvalitet.bind or kvalitet.refresh)',
	'last_refresh_by', 'What made that refresh: bind or refresh',
	'rows_skipped', 'Rows of this indicator''s inputs that the last refresh left out (see input_counts)',
	'values_unknown', 'Rows of this indicator''s inputs read with one field unknown, e.g. a diagnosis that is not a code',
	'input_counts', 'Per input and reason (source, reason, effect skipped or unknown, rows), from the last refresh',
	'last_failure', 'When a kvalitet.scheduled_refresh last failed, if it failed after the last refresh that succeeded',
	'last_error', 'The error of that failure (SQLSTATE: message)',
	'problem', 'A source table or materialized view of the binding that no longer exists (bind again)') || jsonb_build_object(
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

-- The arguments of a function kvalitet.bind generates (by its name).
CREATE FUNCTION kvalitet.binding_function_args(name text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE name WHEN 'visible_stays' THEN 'region boolean, units text[]' ELSE '' END
$$;
COMMENT ON FUNCTION kvalitet.binding_function_args(text) IS
	'Used by kvalitet.binding_drop_generated: the identity arguments of a function kvalitet.bind generates';

-- Drop what kvalitet.bind generates, and nothing else: each generated name
-- only when it is of the kind bind makes and carries bind's comment
-- ("kvalitet: ..."), without CASCADE (a view of the user's over it is an
-- error that names it), then the private schema when that is left empty and
-- is bind's.  Runs with the caller's rights, so it drops only what the caller
-- owns.
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
						  (target_schema, 'stays', 'v', 3), (private_schema, 'visible_stays', 'f', 3.5), (target_schema, 'status', 'v', 4),
						  (private_schema, 'indicator_values', 'm', 5), (private_schema, 'indicator_standardised', 'm', 5.5),
						  (private_schema, 'visible_org', 'v', 6),
						  (private_schema, 'epikrise_monthly', 'f', 7), (private_schema, 'stays', 'm', 8),
						  (private_schema, 'fill_stays', 'f', 8.1), (private_schema, 'stays', 'r', 8.2),
						  (private_schema, 'org_units', 'm', 9), (private_schema, 'contacts', 'v', 10),
						  (private_schema, 'epikriser', 'v', 11), (private_schema, 'population', 'v', 12),
						  (private_schema, 'input_counts', 'f', 13),
						  (private_schema, 'src_faerdigbehandling', 'v', 14), (private_schema, 'src_chronic_register', 'v', 15),
						  (private_schema, 'src_pathway_markers', 'v', 16), (private_schema, 'src_rkkp_results', 'v', 17),
						  (private_schema, 'src_lup_answers', 'v', 18), (private_schema, 'src_population_health', 'v', 19),
						  (private_schema, 'src_costs', 'v', 20), (private_schema, 'src_municipal_referrals', 'v', 21)) AS g(nsp, name, kind, n)
			 WHERE CASE WHEN g.kind = 'f'
						THEN EXISTS (SELECT 1 FROM pg_proc AS f JOIN pg_namespace AS ns ON ns.oid = f.pronamespace
									 WHERE ns.nspname = g.nsp AND f.proname = g.name
									   AND pg_get_function_identity_arguments(f.oid) = kvalitet.binding_function_args(g.name)
									   AND obj_description(f.oid, 'pg_proc') LIKE 'kvalitet: %')
						ELSE EXISTS (SELECT 1 FROM pg_class AS c JOIN pg_namespace AS ns ON ns.oid = c.relnamespace
									 WHERE ns.nspname = g.nsp AND c.relname = g.name AND c.relkind = g.kind
									   AND obj_description(c.oid, 'pg_class') LIKE 'kvalitet: %') END
			 ORDER BY g.n LOOP
		BEGIN
			EXECUTE format('DROP %s %I.%I%s', CASE o.kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'r' THEN 'TABLE' ELSE 'FUNCTION' END,
						   o.nsp, o.name, CASE WHEN o.kind = 'f' THEN '(' || kvalitet.binding_function_args(o.name) || ')' ELSE '' END);
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
	IF NOT kvalitet.owns_schema(target_schema) AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = target_schema) THEN
		RAISE EXCEPTION 'kvalitet.unbind: must be owner of schema %', target_schema USING ERRCODE = 'insufficient_privilege';
	END IF;
	PERFORM kvalitet.binding_drop_generated(target_schema, b.private_schema, 'kvalitet.unbind');
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
	timeout_was text;
	missing text;
	is_table boolean;
	fill text;
BEGIN
	SELECT * INTO b FROM kvalitet.binding AS kb WHERE kb.schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.refresh: schema % is not bound', target_schema
			USING ERRCODE = 'undefined_object', HINT = 'Bind it first with kvalitet.bind(...).';
	END IF;
	missing := kvalitet.binding_missing(b);
	IF missing IS NOT NULL THEN
		RAISE EXCEPTION 'kvalitet.refresh: binding % cannot be refreshed: %', target_schema, missing
			USING ERRCODE = 'undefined_table',
				  HINT = 'Bind it again with kvalitet.bind(..., replace => true) over the tables as they are now.';
	END IF;
	-- A plain refresh locks its materialized views against readers, who lock
	-- them in the reverse of the refresh order (org_units last), and in any
	-- order across the statements of a transaction.  So it takes every lock
	-- up front, in the readers' order, and never waits long while holding
	-- one: an attempt that waits longer than half the deadlock timeout gives
	-- its locks back and tries again, so that neither side is ever picked as
	-- a deadlock victim (after 20 attempts it waits as long as it takes).
	-- LOCK TABLE refuses materialized views; a no-op change of owner takes
	-- the same lock.  (CONCURRENTLY does not conflict with readers.)  The
	-- stays table of a binding on Citus (build_distributed_stays) is emptied
	-- by TRUNCATE, which takes that lock too, or else by DELETE, which
	-- readers do not wait for; either way its fill function refills it.
	IF EXISTS (SELECT 1 FROM unnest(b.relations) AS r(name) JOIN pg_class AS c ON c.oid = r.name::regclass
			   WHERE NOT (concurrent AND c.relispopulated)) THEN
		timeout_was := current_setting('lock_timeout');
		FOR attempt IN 1..21 LOOP
			BEGIN
				PERFORM set_config('lock_timeout', CASE WHEN attempt <= 20
					THEN greatest(1, least(attempt * 50, (SELECT setting::integer / 2 FROM pg_settings WHERE name = 'deadlock_timeout')))::text
					ELSE timeout_was END, true);
				FOR rel IN SELECT CASE WHEN c.relkind = 'r' THEN format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', r.name)
									   ELSE format('ALTER MATERIALIZED VIEW %s OWNER TO %s', r.name, c.relowner::regrole) END
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
		-- A table's fill function must run as the table's owner, as a
		-- materialized view's query does when it is refreshed: never with
		-- the rights of whoever refreshes (a superuser's nightly job).
		SELECT concurrent AND c.relispopulated, c.relkind = 'r',
			   (SELECT f.oid::regprocedure::text FROM pg_proc AS f
				WHERE f.pronamespace = c.relnamespace AND f.proname = 'fill_' || c.relname AND f.pronargs = 0
				  AND f.prosecdef AND f.proowner = c.relowner)
		INTO conc, is_table, fill FROM pg_class AS c WHERE c.oid = rel::regclass;
		IF is_table AND fill IS NULL THEN
			RAISE EXCEPTION 'kvalitet.refresh: the table % has no fill function that runs as its owner', rel
				USING ERRCODE = 'insufficient_privilege',
					  HINT = 'Bind it again with kvalitet.bind(..., replace => true).';
		END IF;
		all_conc := all_conc AND conc;
		t0 := clock_timestamp();
		IF is_table THEN
			IF NOT conc THEN
				EXECUTE format('TRUNCATE %s', rel);
			END IF;
			-- (Citus keeps the statistics of such a table's shards on the
			-- workers, where autovacuum analyzes them.)
			EXECUTE format('SELECT %s', fill);
		ELSE
			EXECUTE format('REFRESH MATERIALIZED VIEW %s%s', CASE WHEN conc THEN 'CONCURRENTLY ' ELSE '' END, rel);
			EXECUTE format('ANALYZE %s', rel);
		END IF;
		t1 := clock_timestamp();
		INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent)
		VALUES (target_schema, rel, t0, t1, extract(epoch FROM t1 - t0), conc);
		relation := rel;
		seconds := extract(epoch FROM t1 - t0);
		refreshed_concurrently := conc;
		RETURN NEXT;
	END LOOP;
	t1 := clock_timestamp();
	INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent, input_counts)
	VALUES (target_schema, '*', all0, t1, extract(epoch FROM t1 - all0), all_conc,
			kvalitet.binding_input_counts(b.private_schema));
	relation := '*';
	seconds := extract(epoch FROM t1 - all0);
	refreshed_concurrently := all_conc;
	RETURN NEXT;
END $$;
COMMENT ON FUNCTION kvalitet.refresh(text, boolean) IS
	'Refreshes the materialized views of a binding in dependency order (CONCURRENTLY once populated, unless concurrent => false; on Citus the distributed stays table through its fill_stays()), analyzes them, and logs each step in kvalitet.refresh_log, with the rows of each input left out or read with a field unknown';

-- For schedulers (pg_cron): a refresh whose failure is logged too.  A
-- function's log rows roll back with its failed transaction, so this is a
-- procedure: it runs the refresh in a subtransaction, and when that fails it
-- logs the error, commits the log row, and raises the error again.  CALL it
-- outside a transaction block (pg_cron does); inside one it cannot commit and
-- says so.
CREATE PROCEDURE kvalitet.scheduled_refresh(target_schema text, concurrent boolean DEFAULT true)
	LANGUAGE plpgsql AS $$
DECLARE
	t0 constant timestamptz := pg_catalog.clock_timestamp();
	t1 timestamptz;
	failed_state text;
	failed_message text;
	failed_detail text;
	failed_hint text;
BEGIN
	BEGIN
		PERFORM FROM kvalitet.refresh(target_schema, concurrent);
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS failed_state = RETURNED_SQLSTATE, failed_message = MESSAGE_TEXT,
								failed_detail = PG_EXCEPTION_DETAIL, failed_hint = PG_EXCEPTION_HINT;
	END;
	IF failed_state IS NULL THEN
		RETURN;
	END IF;
	-- Logged for a binding the caller may log for (not for a typo'd schema).
	IF EXISTS (SELECT FROM kvalitet.binding AS kb WHERE kb.schema_name OPERATOR(pg_catalog.=) target_schema)
	   AND kvalitet.owns_schema(target_schema) THEN
		t1 := pg_catalog.clock_timestamp();
		INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent, error)
		VALUES (target_schema, '*', t0, t1, pg_catalog.date_part('epoch', t1 OPERATOR(pg_catalog.-) t0), concurrent,
				failed_state OPERATOR(pg_catalog.||) ': ' OPERATOR(pg_catalog.||) failed_message);
		COMMIT;
	END IF;
	IF failed_detail <> '' AND failed_hint <> '' THEN
		RAISE EXCEPTION USING ERRCODE = failed_state, MESSAGE = failed_message, DETAIL = failed_detail, HINT = failed_hint;
	ELSIF failed_detail <> '' THEN
		RAISE EXCEPTION USING ERRCODE = failed_state, MESSAGE = failed_message, DETAIL = failed_detail;
	ELSIF failed_hint <> '' THEN
		RAISE EXCEPTION USING ERRCODE = failed_state, MESSAGE = failed_message, HINT = failed_hint;
	END IF;
	RAISE EXCEPTION USING ERRCODE = failed_state, MESSAGE = failed_message;
END $$;
COMMENT ON PROCEDURE kvalitet.scheduled_refresh(text, boolean) IS
	'kvalitet.refresh for schedulers: CALL it outside a transaction block; a failure is logged in kvalitet.refresh_log (with its error) and committed before it is raised again';

-- What a binding reads or made that is gone (a source table dropped, a
-- materialized view dropped with it), as a sentence, or NULL.
CREATE FUNCTION kvalitet.binding_missing(b kvalitet.binding) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT coalesce(
	(SELECT format('the %s table %s no longer exists', s.key, s.value ->> 'table')
	 FROM jsonb_each(b.sources) AS s
	 WHERE s.value ->> 'table' IS NOT NULL AND to_regclass(s.value ->> 'table') IS NULL
	 ORDER BY s.key LIMIT 1),
	(SELECT format('its materialized view %s no longer exists', r.name)
	 FROM unnest(b.relations) WITH ORDINALITY AS r(name, n)
	 WHERE to_regclass(r.name) IS NULL
	 ORDER BY r.n LIMIT 1))
$$;
COMMENT ON FUNCTION kvalitet.binding_missing(kvalitet.binding) IS
	'Used by kvalitet.refresh and the status views: the first source table or materialized view of a binding that no longer exists, or NULL';

-- Per input and reason, the rows a binding leaves out or reads with a field
-- unknown, from its private function input_counts() (NULL for a binding made
-- before there was one).
CREATE FUNCTION kvalitet.binding_input_counts(private_schema text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	counts jsonb;
BEGIN
	IF to_regprocedure(quote_ident(private_schema) || '.input_counts()') IS NULL THEN
		RETURN NULL;
	END IF;
	EXECUTE format('SELECT coalesce(jsonb_agg(jsonb_build_object(''source'', c.source, ''reason'', c.reason, ''effect'', c.effect, ''rows'', c.rows)
					ORDER BY c.source, c.effect, c.reason), ''[]'') FROM %I.input_counts() AS c', private_schema)
		INTO counts;
	RETURN counts;
END $$;
COMMENT ON FUNCTION kvalitet.binding_input_counts(text) IS
	'Used by kvalitet.refresh and kvalitet.bind: the input counts of a binding''s private schema as a jsonb array (source, reason, effect, rows)';

-- Let a role read a binding's views: USAGE on the target schema, SELECT on its
-- views, and SELECT (but not USAGE) on the private objects behind them.  The
-- role still needs SELECT on the user's units table (or contacts table, when no
-- units table is bound), whose row-level security decides what it sees.  On
-- a Citus coordinator the GRANTs stay there, where the BI views are read:
-- Citus would try to copy the private function visible_stays to the
-- workers first, and cannot (its result type is the distributed stays).
CREATE FUNCTION kvalitet.grant_read(target_schema text, role_name text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b kvalitet.binding;
	propagation constant text := current_setting('citus.enable_ddl_propagation', true);
BEGIN
	SELECT * INTO b FROM kvalitet.binding WHERE schema_name = target_schema;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kvalitet.grant_read: schema % is not bound', target_schema USING ERRCODE = 'undefined_object';
	END IF;
	IF propagation IS NOT NULL THEN
		PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
	END IF;
	EXECUTE kvalitet.build_grants(target_schema, b.private_schema, role_name);
	IF propagation IS NOT NULL THEN
		PERFORM set_config('citus.enable_ddl_propagation', propagation, true);
	END IF;
END $$;
COMMENT ON FUNCTION kvalitet.grant_read(text, text) IS
	'Grants a role read access to a binding''s BI views (and SELECT, not USAGE, on the objects behind them); row-level security on the user''s units table decides which figures it sees';
