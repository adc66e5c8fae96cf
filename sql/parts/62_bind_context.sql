
-- ---------------------------------------------------------------------------
-- kvalitet.bind, step 1: the binding context (docs/binding.md section 9)
-- ---------------------------------------------------------------------------
-- bind checks its arguments (binding_options), resolves the user's columns
-- and decides what can be computed (binding_context, binding_status); the
-- result is one jsonb, the context, that every builder reads:
--   target_schema, private_schema, preset   names as given
--   tables    input -> the table (regclass text) of each input given
--             (contacts, units, epikriser, population, forloeb, deaths, persons,
--             diagnoser)
--   options   the options in force, defaults filled in
--   fields    "input.field" -> the SQL expression (over the table aliased c)
--   key_type  bigint, text or uuid: the patient key in kvalitet's terms
--   bound     what is bound: every "input.field", and age, units,
--             epikriser, epikriser.patient_or_unit, population when usable
--   status    per catalogue indicator: code, computed, note
--   codes     the indicators computed
--   populate  create the materialized views WITH DATA
--   notes     input -> where it comes from (ages, deaths, LPR2 rows left
--             out), appended to the status notes of the indicators reading it
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
-- DATA), {key_type}, and {contacts}, {units}, {epikriser}, {population},
-- {forloeb}, {deaths}, {persons}, {diagnoser}, and the optional sources of
-- the remaining indicators: {faerdigbehandling}, {chronic_register},
-- {pathway_markers}, {rkkp_results}, {lup_answers}, {population_health},
-- {costs}, {municipal_referrals} (their text is NULL when not given).
CREATE FUNCTION kvalitet.binding_vars(ctx jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT jsonb_build_object(
	's', quote_ident(ctx ->> 'target_schema'), 'p', quote_ident(ctx ->> 'private_schema'),
	'tz', quote_literal(ctx #>> '{options,timezone}'),
	'data', CASE WHEN (ctx ->> 'populate')::boolean THEN 'WITH DATA' ELSE 'WITH NO DATA' END,
	'key_type', ctx ->> 'key_type',
	'contacts', ctx #>> '{tables,contacts}', 'units', ctx #>> '{tables,units}',
	'epikriser', ctx #>> '{tables,epikriser}', 'population', ctx #>> '{tables,population}',
	'forloeb', ctx #>> '{tables,forloeb}', 'deaths', ctx #>> '{tables,deaths}', 'persons', ctx #>> '{tables,persons}',
	'diagnoser', ctx #>> '{tables,diagnoser}',
	'faerdigbehandling', ctx #>> '{tables,faerdigbehandling}', 'chronic_register', ctx #>> '{tables,chronic_register}',
	'pathway_markers', ctx #>> '{tables,pathway_markers}', 'rkkp_results', ctx #>> '{tables,rkkp_results}',
	'lup_answers', ctx #>> '{tables,lup_answers}', 'population_health', ctx #>> '{tables,population_health}',
	'costs', ctx #>> '{tables,costs}', 'municipal_referrals', ctx #>> '{tables,municipal_referrals}')
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
	WHEN 'age' THEN 'age (contacts.birth_date, persons.birth_date, or a CPR number as patient)'
	WHEN 'units' THEN 'units (unit, hospital, and contacts.unit)'
	WHEN 'epikriser' THEN 'epikriser (discharged_at, sent_at)'
	WHEN 'epikriser.patient_or_unit' THEN 'epikriser.patient or epikriser.unit'
	WHEN 'population' THEN 'population (municipality, year, age_band, count)'
	WHEN 'faerdigbehandling' THEN 'faerdigbehandling (patient, kommune, ready_at, discharged_at)'
	WHEN 'chronic_register' THEN 'chronic_register (patient, disease, from_date, to_date)'
	WHEN 'pathway_markers' THEN 'pathway_markers (patient, pathway_id, code, marked_at)'
	WHEN 'rkkp_results' THEN 'rkkp_results (database, indicator, period_start, period_end, unit, numerator, denominator, standard, higher_is_better)'
	WHEN 'lup_answers' THEN 'lup_answers (survey, year, unit, question, answers, positive_answers)'
	WHEN 'population_health' THEN 'population_health (year, area, sex, measure, value)'
	WHEN 'costs' THEN 'costs (year, unit, cost, treated_patients)'
	WHEN 'municipal_referrals' THEN 'municipal_referrals (year, kommune, referrals)'
	WHEN 'death_dates' THEN 'death dates (deaths, contacts.death_date, contacts.died or forloeb)'
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
		'mortality_window_days', 30, 'newborn_window_days', 28, 'chronic_lookback_years', 5,
		'udredning_window_days', 30, 'clinical_counts_as_met', true,
		'standard_population', NULL, 'standard_year', NULL);
	opt jsonb;
	k text;
	f text;
BEGIN
	IF target_schema IS NULL OR contacts IS NULL THEN
		RAISE EXCEPTION 'kvalitet.bind: target_schema and contacts are required' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF preset IS NULL OR preset NOT IN ('lpr3', 'lpr_a', 'canonical', 'none') THEN
		RAISE EXCEPTION 'kvalitet.bind: unknown preset %', preset
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use lpr3, lpr_a, canonical or none.';
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
		IF k NOT IN (SELECT b.source FROM kvalitet.binding_fields() AS b) THEN
			RAISE EXCEPTION 'kvalitet.bind: unknown input % in mapping', k USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Inputs: ' || (SELECT string_agg(DISTINCT b.source, ', ') FROM kvalitet.binding_fields() AS b) || '.';
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
			(opt ->> 'epikrise_deadline')::integer, (opt ->> 'age_min')::integer, (opt ->> 'standard_year')::integer,
			(opt ->> 'mortality_window_days')::integer, (opt ->> 'newborn_window_days')::integer,
			(opt ->> 'chronic_lookback_years')::integer, (opt ->> 'udredning_window_days')::integer,
			(opt ->> 'clinical_counts_as_met')::boolean;
	IF (opt ->> 'mortality_window_days')::integer < 0 OR (opt ->> 'newborn_window_days')::integer < 0
	   OR (opt ->> 'chronic_lookback_years')::integer < 1 OR (opt ->> 'udredning_window_days')::integer < 0 THEN
		RAISE EXCEPTION 'kvalitet.bind: the windows must be >= 0 days and chronic_lookback_years >= 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
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
-- what can be computed: the binding context.  Besides the four inputs of
-- 0.1.0: forloeb (deaths from how a forløb ended), deaths (CPR death
-- dates), persons (birth dates of a population register) and diagnoser
-- (main diagnoses kept apart from the contacts), each joined by the
-- contact's forløb, patient or contact key.
CREATE FUNCTION kvalitet.binding_context(target_schema text, contacts regclass, preset text,
										 units regclass, epikriser regclass, population regclass,
										 mapping jsonb, opt jsonb, populate boolean,
										 forloeb regclass DEFAULT NULL, deaths regclass DEFAULT NULL,
										 persons regclass DEFAULT NULL, diagnoser regclass DEFAULT NULL,
										 extra jsonb DEFAULT '{}') RETURNS jsonb
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	tz constant text := opt ->> 'timezone';
	x jsonb := '{}';	-- "input.field" -> SQL expression
	notes jsonb := '{}';	-- input -> what status should say about where it comes from
	f record;
	tbl regclass;
	k text;
	key_type text;
	is_cpr boolean := false;
	n_sample bigint;
	n_valid bigint;
	bound text[];
	died_from text[] := ARRAY[]::text[];
	ctx jsonb;
BEGIN
	FOR f IN SELECT * FROM kvalitet.binding_fields() LOOP
		tbl := CASE f.source WHEN 'contacts' THEN contacts WHEN 'units' THEN units
							 WHEN 'epikriser' THEN epikriser WHEN 'population' THEN population
							 WHEN 'forloeb' THEN forloeb WHEN 'deaths' THEN deaths WHEN 'persons' THEN persons
							 WHEN 'diagnoser' THEN diagnoser
							 ELSE (extra ->> f.source)::regclass END;
		CONTINUE WHEN tbl IS NULL;
		k := kvalitet.binding_expr(tbl, f.source, f.field, f.kind,
								   CASE preset WHEN 'lpr3' THEN f.lpr3 WHEN 'lpr_a' THEN coalesce(f.lpr_a, f.lpr3)
											   WHEN 'canonical' THEN f.canonical END,
								   coalesce(mapping -> f.source, '{}'), tz);
		IF k IS NOT NULL THEN
			x := x || jsonb_build_object(f.source || '.' || f.field, k);
		END IF;
	END LOOP;
	IF NOT (x ? 'contacts.patient' AND x ? 'contacts.start_at') THEN
		k := CASE WHEN x ? 'contacts.patient' THEN 'start_at' ELSE 'patient' END;
		RAISE EXCEPTION 'kvalitet.bind: the contacts need at least a patient and a start_at; % has no %', contacts,
			coalesce('column ' || kvalitet.binding_wanted(preset, 'contacts', k) || format(' (the %s preset''s %s)', preset, k), k)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Choose a preset that fits the table''s column names, or map them: mapping => ''{"contacts": {"patient": "...", "start_at": "..."}}''.';
	END IF;
	-- A table named for one purpose must serve it: say which column is missing.
	FOR f IN SELECT * FROM (VALUES ('forloeb', forloeb, ARRAY['episode', 'ended_by_death']),
								   ('deaths', deaths, ARRAY['patient', 'death_date']),
								   ('persons', persons, ARRAY['patient', 'birth_date']),
								   ('diagnoser', diagnoser, ARRAY['contact_key', 'diagnosis', 'is_main'])
								   UNION ALL
								   SELECT b.source, (extra ->> b.source)::regclass,
										  array_agg(b.field ORDER BY b.field) FILTER (WHERE b.field NOT IN ('to_date', 'discharged_at', 'treated_patients', 'sex'))
								   FROM kvalitet.binding_fields() AS b WHERE extra ? b.source GROUP BY b.source) AS t(source, tbl, need) LOOP
		CONTINUE WHEN f.tbl IS NULL;
		FOREACH k IN ARRAY f.need LOOP
			IF NOT x ? (f.source || '.' || k) THEN
				RAISE EXCEPTION 'kvalitet.bind: % (%) has no %', f.source, f.tbl,
					coalesce('column ' || kvalitet.binding_wanted(preset, f.source, k) || format(' (the %s preset''s %s.%s)', preset, f.source, k), f.source || '.' || k)
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = format('Map it: mapping => ''{"%s": {"%s": "..."}}''.', f.source, k);
			END IF;
		END LOOP;
	END LOOP;
	IF forloeb IS NOT NULL AND NOT x ? 'contacts.episode' THEN
		RAISE EXCEPTION 'kvalitet.bind: the contacts (%) have no forløb key to join forloeb by: no %', contacts,
			coalesce('column ' || kvalitet.binding_wanted(preset, 'contacts', 'episode'), 'contacts.episode')
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Map it: mapping => ''{"contacts": {"episode": "..."}}''.';
	END IF;
	IF diagnoser IS NOT NULL AND NOT x ? 'contacts.contact_key' THEN
		RAISE EXCEPTION 'kvalitet.bind: the contacts (%) have no contact key to join diagnoser by: no %', contacts,
			coalesce('column ' || kvalitet.binding_wanted(preset, 'contacts', 'contact_key'), 'contacts.contact_key')
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Map it: mapping => ''{"contacts": {"contact_key": "..."}}''.';
	END IF;
	IF units IS NOT NULL AND NOT x ?& ARRAY['units.unit', 'units.hospital', 'contacts.unit'] THEN
		RAISE WARNING 'kvalitet.bind: no hospital or department rows will be made: % is not mapped',
			(SELECT string_agg(n, ', ') FROM unnest(ARRAY['units.unit', 'units.hospital', 'contacts.unit']) AS n WHERE NOT x ? n)
			USING HINT = CASE WHEN preset = 'none' THEN 'Preset none maps nothing: map them, e.g. mapping => ''{"units": {"unit": "...", "hospital": "...", "department": "..."}, "contacts": {"unit": "..."}}''.'
							  ELSE format('The %s preset looks for units.unit in %s, units.hospital in %s; map them otherwise.', preset,
										  coalesce(kvalitet.binding_wanted(preset, 'units', 'unit'), '-'), coalesce(kvalitet.binding_wanted(preset, 'units', 'hospital'), '-')) END;
	END IF;
	key_type := kvalitet.binding_type(contacts, x ->> 'contacts.patient', 'contacts.patient');

	-- The age: from the birth date (of the contacts, else of persons), else
	-- from a patient key that is a CPR number (guessed from up to 1,000 keys
	-- unless the options say).
	IF NOT x ?| ARRAY['contacts.birth_date', 'persons.birth_date'] AND key_type = 'text' THEN
		IF opt ->> 'patient_is_cpr' IS NOT NULL THEN
			is_cpr := (opt ->> 'patient_is_cpr')::boolean;
		ELSE
			EXECUTE format('SELECT count(*), count(*) FILTER (WHERE kvalitet.cpr_is_valid(k)) FROM (SELECT %s AS k FROM %s AS c WHERE %s IS NOT NULL LIMIT 1000) AS t',
						   x ->> 'contacts.patient', contacts, x ->> 'contacts.patient')
				INTO n_sample, n_valid;
			is_cpr := n_sample > 0 AND n_valid >= 0.9 * n_sample;
		END IF;
	END IF;
	notes := notes || jsonb_build_object('age', CASE
		WHEN x ? 'contacts.birth_date' AND x ? 'persons.birth_date' THEN format('ages from the contacts'' birth dates, else from %s', persons)
		WHEN x ? 'contacts.birth_date' THEN 'ages from the contacts'' birth dates'
		WHEN x ? 'persons.birth_date' THEN format('ages from the birth dates of %s', persons)
		WHEN is_cpr THEN 'ages from the CPR numbers' END);

	-- Deaths: the contacts' own flag or death date, the forløb that ended by
	-- death (its last contact), the CPR death dates.
	IF x ? 'contacts.died' THEN died_from := died_from || 'contacts.died'::text; END IF;
	IF x ? 'contacts.death_date' THEN died_from := died_from || 'the contacts'' death dates'::text; END IF;
	IF forloeb IS NOT NULL THEN died_from := died_from || format('forløb of %s ended by death', forloeb); END IF;
	IF deaths IS NOT NULL THEN died_from := died_from || format('death dates of %s', deaths); END IF;
	IF cardinality(died_from) > 0 AND NOT (cardinality(died_from) = 1 AND x ? 'contacts.died') THEN
		notes := notes || jsonb_build_object('contacts.died', 'deaths from ' || array_to_string(died_from, ' and '));
	END IF;
	-- LPR_A holds LPR2 rows too: only LPR3 rows form stays.
	IF position('lprindberetningssystem' IN lower(coalesce(x ->> 'contacts.filter', ''))) > 0 THEN
		EXECUTE format('SELECT count(*) FROM %s AS c WHERE upper(c.%I) <> ''LPR3''', contacts,
					   kvalitet.binding_column(contacts, 'lprindberetningssystem')) INTO n_sample;
		IF n_sample > 0 THEN
			notes := notes || jsonb_build_object('contacts', format('only the LPR3 rows of %s are read (%s LPR2 rows left out at bind, lprindberetningssystem)', contacts, n_sample));
		END IF;
	END IF;

	bound := ARRAY(SELECT jsonb_object_keys(x));
	IF x ?| ARRAY['contacts.birth_date', 'persons.birth_date'] OR is_cpr THEN
		bound := bound || 'age'::text;
	END IF;
	IF x ? 'persons.birth_date' AND NOT x ? 'contacts.birth_date' THEN
		bound := bound || 'contacts.birth_date'::text;
	END IF;
	IF cardinality(died_from) > 0 AND NOT x ? 'contacts.died' THEN
		bound := bound || 'contacts.died'::text;
	END IF;
	IF diagnoser IS NOT NULL THEN
		IF NOT x ? 'contacts.diagnosis' THEN
			bound := bound || 'contacts.diagnosis'::text;
		END IF;
		notes := notes || jsonb_build_object('contacts.diagnosis', CASE WHEN x ? 'contacts.diagnosis'
			THEN format('main diagnoses from the contacts, else from %s', diagnoser)
			ELSE format('main diagnoses from %s', diagnoser) END);
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
	-- The sources of the remaining indicators (SPEC 11): each checked above
	-- for its required fields, so bound when given; where a figure comes from.
	FOR k IN SELECT jsonb_object_keys(extra) LOOP
		bound := bound || k;
		notes := notes || jsonb_build_object(k, CASE WHEN k IN ('rkkp_results', 'lup_answers', 'population_health', 'costs', 'municipal_referrals')
			THEN format('loaded from %s (bad rows rejected, counted in input_counts)', (extra ->> k)::regclass)
			ELSE format('from %s', (extra ->> k)::regclass) END);
	END LOOP;
	-- Death dates: the deaths table or the contacts' death dates (the died flag
	-- alone gives deaths in hospital only).
	IF deaths IS NOT NULL OR x ? 'contacts.death_date' THEN
		bound := bound || 'death_dates'::text;
	END IF;

	ctx := jsonb_build_object(
		'target_schema', target_schema, 'private_schema', opt ->> 'private_schema', 'preset', preset,
		'tables', jsonb_strip_nulls(jsonb_build_object('contacts', contacts::text, 'units', units::text,
													   'epikriser', epikriser::text, 'population', population::text,
													   'forloeb', forloeb::text, 'deaths', deaths::text, 'persons', persons::text,
													   'diagnoser', diagnoser::text) || extra),
		'options', opt || jsonb_build_object('patient_is_cpr', is_cpr),
		'fields', x, 'key_type', key_type, 'bound', to_jsonb(bound), 'populate', populate,
		'notes', jsonb_strip_nulls(notes));
	RETURN ctx || kvalitet.binding_status(ctx);
END $$;
COMMENT ON FUNCTION kvalitet.binding_context(text, regclass, text, regclass, regclass, regclass, jsonb, jsonb, boolean, regclass, regclass, regclass, regclass, jsonb) IS
	'Used by kvalitet.bind: the binding context every builder reads (the inputs'' SQL expressions, what is bound, what is computed)';

-- What can be computed, and why not: per catalogue indicator, its builder
-- and the inputs it requires (kvalitet.indicator.requires), and the first
-- caveat whose input is missing, followed by what the context's notes say
-- about the inputs it reads (where ages and deaths come from, rows left
-- out).  Returns {"status": [...], "codes": [...]}.
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
				'note', nullif(concat_ws('; ',
					(SELECT c.value FROM jsonb_each_text(i.caveats) AS c
					 WHERE NOT kvalitet.binding_has(ctx, c.key) ORDER BY c.key LIMIT 1),
					(SELECT string_agg(n.value, '; ' ORDER BY n.key) FROM jsonb_each_text(coalesce(ctx -> 'notes', '{}')) AS n
					 WHERE n.key = ANY (i.requires) OR i.caveats ? n.key
						OR (n.key = 'contacts' AND EXISTS (SELECT 1 FROM unnest(i.requires) AS r WHERE r LIKE 'contacts.%' OR r = 'age')))), '')));
		END IF;
	END LOOP;
	RETURN jsonb_build_object('status', status, 'codes', to_jsonb(codes));
END $$;
COMMENT ON FUNCTION kvalitet.binding_status(jsonb) IS
	'Used by kvalitet.bind: per catalogue indicator whether it is computed and why not, from its builder, requires and caveats, with the binding''s notes on its inputs';


-- ---------------------------------------------------------------------------
-- Reading delivered extracts: text dates and times, column names in any case
-- ---------------------------------------------------------------------------
-- Extracts (LPR3_F, LPR_A, CSV loads) carry dates as text.  These read the
-- usual spellings and give NULL for anything else (the field is then
-- unknown, as a NULL would be: a contact without a start is skipped and
-- counted, docs/binding.md section 2), never an error.

-- A date written YYYYMMDD or YYYY-MM-DD (an ISO time after it is ignored);
-- a time HH:MM[:SS[.f]], HHMM[SS] or HH.MM[.SS]; a timestamp: a date, alone
-- or with a time after a space or T (src/core/textdate.c).
CREATE FUNCTION kvalitet.text_date(s text) RETURNS date
	AS 'MODULE_PATHNAME', 'text_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.text_date(text) IS
	'A date written YYYYMMDD or YYYY-MM-DD (anything after a space or T ignored); NULL when the text is no such date';
CREATE FUNCTION kvalitet.text_time(s text) RETURNS time
	AS 'MODULE_PATHNAME', 'text_time' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.text_time(text) IS
	'A time of day written HH:MM, HH:MM:SS, HHMM, HHMMSS or HH.MM (seconds may have a fraction); NULL when the text is no such time';
CREATE FUNCTION kvalitet.text_timestamp(s text) RETURNS timestamp
	AS 'MODULE_PATHNAME', 'text_timestamp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.text_timestamp(text) IS
	'A local timestamp written as YYYYMMDD or YYYY-MM-DD, optionally with a time (space or T, then HH:MM[:SS]); NULL when the text is no such timestamp';

-- A table's column of a name: the same name, else the first with that name
-- in another letter case (an extract's "CPR" for cpr); NULL when none.
CREATE FUNCTION kvalitet.binding_column(tbl regclass, name text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT a.attname::text FROM pg_attribute AS a
WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped AND lower(a.attname) = lower(name)
ORDER BY a.attname = name DESC, a.attnum
LIMIT 1
$$;
COMMENT ON FUNCTION kvalitet.binding_column(regclass, text) IS
	'Used by kvalitet.bind: the column of a table with the name, in the same or another letter case';

-- What a preset looks for to fill a field, for messages: "a and b or c".
CREATE FUNCTION kvalitet.binding_wanted(preset text, source text, field text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT string_agg((SELECT string_agg(m[1], ' and ') FROM regexp_matches(c.cand, '\{([a-z_0-9]+)', 'g') AS m), ' or ' ORDER BY c.n)
FROM kvalitet.binding_fields() AS f,
	 unnest(CASE preset WHEN 'lpr3' THEN f.lpr3 WHEN 'lpr_a' THEN coalesce(f.lpr_a, f.lpr3) ELSE f.canonical END)
		WITH ORDINALITY AS c(cand, n)
WHERE f.source = binding_wanted.source AND f.field = binding_wanted.field
$$;
COMMENT ON FUNCTION kvalitet.binding_wanted(text, text, text) IS
	'Used by kvalitet.bind: the columns a preset looks for to fill a field, for error messages';
