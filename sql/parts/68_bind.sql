
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
	(8, n.p || '.sources', false, kvalitet.build_sources(ctx)),
	(9, n.p || '.indicator_standardised', true, kvalitet.build_indicator_standardised(ctx)),
	(10, n.p || '.indicator_values', true, kvalitet.build_indicator_values(ctx)),
	(11, n.p || '.visible_org', false, kvalitet.build_visible_org(ctx)),
	(12, n.s || '.stays', false, kvalitet.build_bi_stays(ctx)),
	(13, n.s || '.indicator_values', false, kvalitet.build_bi_indicator_values(ctx)),
	(14, n.s || '.run_charts', false, kvalitet.build_bi_run_charts(ctx)),
	(15, n.s || '.goal_overview', false, kvalitet.build_bi_goal_overview(ctx)),
	(16, n.s || '.status', false, kvalitet.build_bi_status(ctx)),
	(17, n.p || '.input_counts()', false, kvalitet.build_input_counts(ctx))
) AS st(step, object, refreshed, ddl)
WHERE st.ddl IS NOT NULL
ORDER BY st.step
$$;
COMMENT ON FUNCTION kvalitet.binding_script(jsonb) IS
	'Used by kvalitet.bind: the SQL of each generated object of a binding context, in the order it is run';

-- Bind the user's tables: see docs/binding.md.  The arguments after
-- populate came with 0.2.0 (LPR3 as delivered): organisationer is the units
-- table under its LPR3_F name; the sources after diagnoser feed the remaining
-- indicators (SPEC 11: færdigbehandling periods, a chronic register, pathway
-- markers, and the loaded figures).
CREATE FUNCTION kvalitet.bind(target_schema text, contacts regclass, preset text DEFAULT 'canonical',
							  units regclass DEFAULT NULL, epikriser regclass DEFAULT NULL,
							  population regclass DEFAULT NULL, mapping jsonb DEFAULT '{}',
							  options jsonb DEFAULT '{}', replace boolean DEFAULT false,
							  populate boolean DEFAULT true, forloeb regclass DEFAULT NULL,
							  organisationer regclass DEFAULT NULL, deaths regclass DEFAULT NULL,
							  persons regclass DEFAULT NULL, diagnoser regclass DEFAULT NULL,
							  faerdigbehandling regclass DEFAULT NULL, chronic_register regclass DEFAULT NULL,
							  pathway_markers regclass DEFAULT NULL, rkkp_results regclass DEFAULT NULL,
							  lup_answers regclass DEFAULT NULL, population_health regclass DEFAULT NULL,
							  costs regclass DEFAULT NULL, municipal_referrals regclass DEFAULT NULL)
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
	t0 timestamptz;
	t1 timestamptz;
	dist_type text;
BEGIN
	-- On a Citus coordinator bind reads distributed tables and then creates
	-- schemas, which Citus allows in one transaction in sequential mode only
	-- (docs/scale-out.md); the setting lasts to the end of the transaction.
	IF pg_catalog.current_setting('citus.multi_shard_modify_mode', true) IS NOT NULL THEN
		PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
	END IF;
	opt := kvalitet.binding_options(target_schema, contacts, preset, mapping, options);
	IF organisationer IS NOT NULL AND units IS NOT NULL AND organisationer <> units THEN
		RAISE EXCEPTION 'kvalitet.bind: give the units table once, as units or as organisationer' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	units := coalesce(units, organisationer);
	p_name := opt ->> 'private_schema';
	IF EXISTS (SELECT 1 FROM kvalitet.binding AS b WHERE b.schema_name = target_schema) THEN
		IF NOT replace THEN
			RAISE EXCEPTION 'kvalitet.bind: schema % is already bound', target_schema USING ERRCODE = 'duplicate_object',
				HINT = 'Pass replace => true, or call kvalitet.unbind first.';
		END IF;
		PERFORM kvalitet.unbind(target_schema);
	END IF;
	ctx := kvalitet.binding_context(target_schema, contacts, preset, units, epikriser, population, mapping, opt, populate,
									forloeb, deaths, persons, diagnoser,
									jsonb_strip_nulls(jsonb_build_object(
										'faerdigbehandling', faerdigbehandling::text, 'chronic_register', chronic_register::text,
										'pathway_markers', pathway_markers::text, 'rkkp_results', rkkp_results::text,
										'lup_answers', lup_answers::text, 'population_health', population_health::text,
										'costs', costs::text, 'municipal_referrals', municipal_referrals::text)));
	-- Contacts hash-distributed on Citus by a column of the patient key's
	-- type: the stays are built and kept on the workers, beside the
	-- contacts.  (Distributed by anything else, the contacts are read as one
	-- node reads them, on the coordinator: Citus cannot group them by
	-- patient shard by shard.)
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT pg_catalog.format_type(a.atttypid, NULL) FROM pg_catalog.pg_dist_partition AS d '
				'JOIN pg_catalog.pg_attribute AS a ON a.attrelid OPERATOR(pg_catalog.=) d.logicalrelid '
				'AND a.attname OPERATOR(pg_catalog.=) pg_catalog.column_to_column_name(d.logicalrelid, d.partkey) '
				'WHERE d.logicalrelid OPERATOR(pg_catalog.=) $1 AND d.partmethod OPERATOR(pg_catalog.=) ''h'''
			INTO dist_type USING contacts;
		IF dist_type = ctx ->> 'key_type' THEN
			ctx := ctx || jsonb_build_object('contacts_distributed', true, 'stays_colocate_with', contacts::text);
		END IF;
	END IF;
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

	t0 := clock_timestamp();
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
	-- Creating the materialized views WITH DATA was the first refresh: log it.
	IF populate THEN
		t1 := clock_timestamp();
		INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent, kind, input_counts)
		VALUES (target_schema, '*', t0, t1, extract(epoch FROM t1 - t0), false, 'bind',
				kvalitet.binding_input_counts(p_name));
	END IF;

	RETURN QUERY SELECT e ->> 'code', (e ->> 'computed')::boolean, e ->> 'note'
				 FROM jsonb_array_elements(ctx -> 'status') AS e;
END $bind$;
COMMENT ON FUNCTION kvalitet.bind(text, regclass, text, regclass, regclass, regclass, jsonb, jsonb, boolean, boolean, regclass, regclass, regclass, regclass, regclass, regclass, regclass, regclass, regclass, regclass, regclass, regclass, regclass) IS
	'Binds the user''s tables (contacts, and optionally units or organisationer, epikriser, population, forloeb, deaths, persons, diagnoser, faerdigbehandling, chronic_register, pathway_markers, rkkp_results, lup_answers, population_health, costs, municipal_referrals) and creates, in target_schema, the BI views stays, indicator_values, run_charts, goal_overview and status over materialized views in a private schema; returns per indicator whether it is computed (docs/binding.md)';
