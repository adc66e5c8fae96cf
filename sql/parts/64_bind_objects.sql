
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

-- The contacts in kvalitet's terms.  A contact died when its own flag says
-- so, when its patient's death date (its own column, or the deaths table)
-- falls on a local day from its start to its end, or when it is the last
-- (latest end) of the contacts read of a forløb that ended by death (of
-- those with a start, so that the death is not given to a row the stays
-- skip); the birth date is the contact's, else the persons table's, and the
-- diagnosis the contact's, else its main diagnosis in diagnoser.  The
-- patient's death date (the contact's own, else the deaths table's) is a
-- column too: the stays' 30-day mortality reads it.
CREATE FUNCTION kvalitet.build_contacts(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx);
	died text[] := ARRAY[]::text[];
	joins text := '';
	during constant text := '(%1$s IS NOT NULL AND %1$s >= (k.start_at AT TIME ZONE %2$s)::date AND (k.end_at IS NULL OR %1$s <= (k.end_at AT TIME ZONE %2$s)::date))';
BEGIN
	IF ctx -> 'fields' ? 'contacts.died' THEN
		died := died || 'coalesce(k.own_died, false)'::text;
	END IF;
	IF ctx -> 'fields' ? 'contacts.death_date' THEN
		died := died || format('coalesce(' || during || ', false)', 'k.death_date', v ->> 'tz');
	END IF;
	IF v ->> 'forloeb' IS NOT NULL THEN
		died := died || 'coalesce(fl.ended_by_death AND k.end_at = max(k.end_at) FILTER (WHERE k.start_at <= k.end_at) OVER (PARTITION BY k.episode), false)'::text;
		joins := joins || format(E'\nLEFT JOIN (SELECT %s AS episode, bool_or(%s) AS ended_by_death FROM {forloeb} AS c GROUP BY 1) AS fl ON fl.episode = k.episode',
			kvalitet.binding_field(ctx, 'forloeb.episode'), kvalitet.binding_field(ctx, 'forloeb.ended_by_death'));
	END IF;
	IF v ->> 'deaths' IS NOT NULL THEN
		died := died || format('coalesce(' || during || ', false)', 'd.death_date', v ->> 'tz');
		joins := joins || format(E'\nLEFT JOIN (SELECT (%s)::{key_type} AS patient, min(%s) AS death_date FROM {deaths} AS c GROUP BY 1) AS d ON d.patient = k.patient',
			kvalitet.binding_field(ctx, 'deaths.patient'), kvalitet.binding_field(ctx, 'deaths.death_date'));
	END IF;
	IF v ->> 'diagnoser' IS NOT NULL THEN
		joins := joins || format(E'\nLEFT JOIN (SELECT %s AS contact_key, min(%s) AS diagnosis FROM {diagnoser} AS c WHERE %s GROUP BY 1) AS dg ON dg.contact_key = k.contact_key',
			kvalitet.binding_field(ctx, 'diagnoser.contact_key'), kvalitet.binding_field(ctx, 'diagnoser.diagnosis'),
			kvalitet.binding_field(ctx, 'diagnoser.is_main'));
	END IF;
	IF v ->> 'persons' IS NOT NULL THEN
		joins := joins || format(E'\nLEFT JOIN (SELECT (%s)::{key_type} AS patient, min(%s) AS birth_date FROM {persons} AS c GROUP BY 1) AS b ON b.patient = k.patient',
			kvalitet.binding_field(ctx, 'persons.patient'), kvalitet.binding_field(ctx, 'persons.birth_date'));
	END IF;
	RETURN kvalitet.binding_fill($q$CREATE VIEW {p}.contacts WITH (security_invoker = true) AS
SELECT k.patient, k.start_at, k.end_at, k.acute, {diagnosis_out} AS diagnosis, {died} AS died, k.index_eligible, k.unit, k.municipality,
       {birth_date} AS birth_date, {death_out} AS death_date
FROM (SELECT {patient} AS patient, {start_at} AS start_at, {end_at} AS end_at, {acute} AS acute, {diagnosis} AS diagnosis,
             {own_died} AS own_died, {death_date} AS death_date, {episode} AS episode, {contact_key} AS contact_key,
             {index_eligible} AS index_eligible, {unit} AS unit, {municipality} AS municipality, {own_birth} AS own_birth
      FROM {contacts} AS c{filter}) AS k{joins};
$q$, v || jsonb_build_object(
	'patient', kvalitet.binding_field(ctx, 'contacts.patient'),
	'start_at', kvalitet.binding_field(ctx, 'contacts.start_at'),
	'end_at', kvalitet.binding_field(ctx, 'contacts.end_at', 'NULL::timestamptz'),
	'acute', kvalitet.binding_field(ctx, 'contacts.acute', 'NULL::boolean'),
	'diagnosis', kvalitet.binding_field(ctx, 'contacts.diagnosis', 'NULL::text'),
	'own_died', kvalitet.binding_field(ctx, 'contacts.died', 'NULL::boolean'),
	'death_date', kvalitet.binding_field(ctx, 'contacts.death_date', 'NULL::date'),
	'episode', kvalitet.binding_field(ctx, 'contacts.episode', 'NULL::text'),
	'contact_key', kvalitet.binding_field(ctx, 'contacts.contact_key', 'NULL::text'),
	'diagnosis_out', CASE WHEN v ->> 'diagnoser' IS NULL THEN 'k.diagnosis' ELSE 'coalesce(k.diagnosis, dg.diagnosis)' END,
	'index_eligible', kvalitet.binding_field(ctx, 'contacts.index_eligible', 'true'),
	'unit', kvalitet.binding_field(ctx, 'contacts.unit', 'NULL::text'),
	'municipality', kvalitet.binding_field(ctx, 'contacts.municipality', 'NULL::text'),
	'own_birth', kvalitet.binding_field(ctx, 'contacts.birth_date', 'NULL::date'),
	'died', CASE WHEN died = ARRAY['coalesce(k.own_died, false)'] THEN 'k.own_died'
				 WHEN cardinality(died) = 0 THEN 'NULL::boolean'
				 ELSE '(' || array_to_string(died, ' OR ') || ')' END,
	'birth_date', CASE WHEN v ->> 'persons' IS NULL THEN 'k.own_birth' ELSE 'coalesce(k.own_birth, b.birth_date)' END,
	'death_out', CASE WHEN v ->> 'deaths' IS NULL THEN 'k.death_date' ELSE 'coalesce(k.death_date, d.death_date)' END,
	'joins', kvalitet.binding_fill(joins, v),
	'filter', coalesce(E'\n      WHERE ' || kvalitet.binding_field(ctx, 'contacts.filter'), '')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.contacts',
		format('kvalitet: the rows of %s that form stays, in kvalitet''s terms', ctx #>> '{tables,contacts}'),
		'kvalitet.binding_column_comments() || kvalitet.binding_outcome_column_comments()');
END $$;
COMMENT ON FUNCTION kvalitet.build_contacts(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private view contacts (the user''s contacts in kvalitet''s terms, deaths and birth dates joined)';

-- Org units: hospital and department per unit key and validity (with a
-- units table only); without validity columns a unit's row is valid always.
-- A row applies until the next row of its unit starts (or its own end), so
-- that a stay or letter finds at most one row by a plain join, which Citus
-- can plan beside a distributed query (a lateral LIMIT 1 it cannot).
CREATE FUNCTION kvalitet.build_org_units(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE MATERIALIZED VIEW {p}.org_units AS
SELECT v.unit, v.hospital, v.department, v.valid_from,
       least(v.valid_to, lead(v.valid_from) OVER (PARTITION BY v.unit ORDER BY v.valid_from) - 1) AS valid_to
FROM (SELECT DISTINCT ON (u.unit, u.valid_from) u.unit, u.hospital, u.department, u.valid_from, u.valid_to
      FROM (SELECT {unit} AS unit, {hospital} AS hospital, {department} AS department,
                   coalesce({valid_from}, '-infinity'::date) AS valid_from, coalesce({valid_to}, 'infinity'::date) AS valid_to
            FROM {units} AS c) AS u
      WHERE u.unit IS NOT NULL
      ORDER BY u.unit, u.valid_from, u.hospital, u.department) AS v
{data};
CREATE UNIQUE INDEX org_units_unit ON {p}.org_units (unit, valid_from);
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'unit', kvalitet.binding_field(ctx, 'units.unit'),
	'hospital', kvalitet.binding_field(ctx, 'units.hospital'),
	'department', kvalitet.binding_field(ctx, 'units.department', 'NULL::text'),
	'valid_from', kvalitet.binding_field(ctx, 'units.valid_from', 'NULL::date'),
	'valid_to', kvalitet.binding_field(ctx, 'units.valid_to', 'NULL::date')))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'private_schema') || '.org_units',
		format('kvalitet: hospital and department of each unit of %s and when they apply, as of the last refresh', ctx #>> '{tables,units}'),
		$c$kvalitet.binding_column_comments() || jsonb_build_object('valid_from', 'First local day the row applies (-infinity: always)', 'valid_to', 'Last local day the row applies (infinity: still)')$c$)
WHERE kvalitet.binding_has(ctx, 'units')
$$;
COMMENT ON FUNCTION kvalitet.build_org_units(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view org_units, or NULL without a usable units table';

-- The end of a binding's data (the latest usable start), for the stays
-- view, read by a query of its own: on a Citus cluster a distributed table
-- in the view's own query would make Citus plan the whole view, and it
-- cannot pass the stays' anonymous rows on (docs/scale-out.md).  Runs the
-- query as the caller, as kvalitet.stays runs its query.
CREATE FUNCTION kvalitet.binding_data_end(query text) RETURNS timestamptz
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	result timestamptz;
BEGIN
	EXECUTE query INTO result;
	RETURN result;
END $$;
COMMENT ON FUNCTION kvalitet.binding_data_end(text) IS
	'Used by the stays view of kvalitet.bind: the value of a one-column query (the latest start of the usable contacts)';

-- The stays of a binding whose contacts are hash-distributed on Citus
-- (docs/scale-out.md): a table distributed by patient beside the contacts,
-- not a materialized view, so that the stays are built and kept on the
-- workers.  Its function fill_stays() deletes the rows and inserts query's,
-- patient_stays grouped by patient, which Citus runs shard by shard on the
-- workers (org_units, local on the coordinator, is sent along); the
-- @data_end@ in query stands for the end of the data, read first and
-- written into the INSERT as a constant.  kvalitet.refresh calls it where
-- it would refresh the materialized view CONCURRENTLY (readers keep the old
-- rows until it commits); it runs as its owner, as a refresh does.  The
-- unique index is made before the table is distributed: Citus would pass a
-- CREATE INDEX on a distributed table to the workers as the text of the
-- whole EXECUTE, which holds more than one command.
CREATE FUNCTION kvalitet.build_distributed_stays(ctx jsonb, query text, index text, end_query text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx);
BEGIN
	v := v || jsonb_build_object('index', index,
		'shape', replace(query, '@data_end@', 'NULL::timestamptz'),
		'stays_literal', quote_literal((v ->> 'p') || '.stays'),
		'colocate_with', quote_literal(ctx ->> 'stays_colocate_with'),
		'what', quote_literal(format('kvalitet: refills %s.stays (kvalitet.refresh calls it)', v ->> 'p')),
		'fill_now', CASE WHEN (ctx ->> 'populate')::boolean THEN format(E'SELECT %s.fill_stays();\n', v ->> 'p') ELSE '' END);
	v := v || jsonb_build_object('body', quote_literal(kvalitet.binding_fill($b$
DECLARE
	n bigint;
BEGIN
	DELETE FROM {p}.stays;
	EXECUTE pg_catalog.replace({insert}, '@data_end@', pg_catalog.quote_nullable(kvalitet.binding_data_end({end_query})) OPERATOR(pg_catalog.||) '::timestamptz');
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$b$, v || jsonb_build_object('insert', quote_literal(format('INSERT INTO %s.stays %s', v ->> 'p', query)),
							 'end_query', quote_literal(end_query)))));
	RETURN kvalitet.binding_fill($q$CREATE TABLE {p}.stays AS
{shape}
WITH NO DATA;
{index}SELECT pg_catalog.create_distributed_table({stays_literal}, 'patient', colocate_with => {colocate_with});
CREATE FUNCTION {p}.fill_stays() RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS {body};
REVOKE ALL ON FUNCTION {p}.fill_stays() FROM PUBLIC;
COMMENT ON FUNCTION {p}.fill_stays() IS {what};
{fill_now}$q$, v);
END $$;
COMMENT ON FUNCTION kvalitet.build_distributed_stays(jsonb, text, text, text) IS
	'Used by kvalitet.build_stays on a Citus cluster: the SQL of the stays as a table distributed by patient, and of its function fill_stays() that refills it';

-- The per-stay relation (docs/indicators.md section 8), searched per patient
-- over the whole history, rules pinned: kvalitet.stays over the contacts,
-- which reads them into one buffer and sorts it once (at 10 M contacts about
-- a quarter of the time of patient_stays grouped by patient and ordered by
-- start); the contacts view's patient key is bigint, text or uuid, as
-- kvalitet.stays needs (binding_expr).  Rows that would be skipped anyway (no
-- patient or start, an end before the start: kvalitet.contact_skip_reason)
-- are left out first and counted by input_counts(), so that a refresh is
-- quiet; the follow-up is complete up to the latest start of the
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
	usable constant text := 'kvalitet.contact_skip_reason(c.patient, c.start_at, c.end_at) IS NULL';
	rules constant text := format('kvalitet.stay_rules(time_zone => %L, merge_gap => %L, min_admission => %L, readmission_window => %L, '
		'mortality_window_days => %s, newborn_window_days => %s, preventable_set => %L)',
		ctx #>> '{options,timezone}', ctx #>> '{options,merge_gap}', ctx #>> '{options,min_admission}',
		ctx #>> '{options,readmission_window}', coalesce((ctx #>> '{options,mortality_window_days}')::integer, 30),
		coalesce((ctx #>> '{options,newborn_window_days}')::integer, 28), ctx #>> '{options,preventable_set}');
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
		'org_join', CASE WHEN units THEN kvalitet.binding_fill(E'\nLEFT JOIN {p}.org_units AS o ON o.unit = w.discharging_unit\n     AND coalesce(w.local_end, w.local_start)::date BETWEEN o.valid_from AND o.valid_to', v)
						 ELSE '' END);
	v := v || jsonb_build_object('birth_in', CASE WHEN kvalitet.binding_has(ctx, 'contacts.birth_date') THEN 'c.birth_date'
		WHEN (ctx #>> '{options,patient_is_cpr}')::boolean
		THEN 'CASE WHEN kvalitet.cpr_is_valid(c.patient) THEN kvalitet.cpr_birth_date(c.patient) END'
		ELSE 'NULL::date' END);
	v := v || jsonb_build_object('end_sql', kvalitet.binding_fill('SELECT max(c.start_at) FROM {p}.contacts AS c WHERE {usable}', v));
	v := v || jsonb_build_object('end_query', quote_literal(v ->> 'end_sql'));
	v := v || jsonb_build_object('query', quote_literal(kvalitet.binding_fill(
		'SELECT c.patient, c.start_at, c.end_at, c.acute, c.diagnosis, c.died, c.index_eligible, {unit_in} AS unit, c.death_date, {birth_in} AS birth_date FROM {p}.contacts AS c WHERE {usable}',
		v)));
	-- Contacts distributed by patient on Citus (bind sets contacts_distributed):
	-- the stays are built and stored on the workers, in a table distributed
	-- like the contacts that an INSERT of patient_stays grouped by patient
	-- fills shard by shard, with the data end read first (build_distributed_stays,
	-- docs/scale-out.md); otherwise a materialized view over
	-- kvalitet.stays_full, which reads the contacts in one pass.  Both with
	-- the patients' death and birth dates (the outcome columns).
	IF (ctx ->> 'contacts_distributed')::boolean THEN
		v := v || jsonb_build_object(
			'stays_from', kvalitet.binding_fill($s$(SELECT c.patient, pg_catalog.unnest(kvalitet.patient_stays(c.patient, c.start_at, c.end_at, c.acute,
                   c.diagnosis, c.died, c.index_eligible, {unit_in}, @data_end@, {rules},
                   c.death_date, {birth_in})) AS s
      FROM {p}.contacts AS c WHERE {usable} GROUP BY c.patient) AS q$s$, v));
	ELSE
		v := v || jsonb_build_object('stays_from', kvalitet.binding_fill($s$(SELECT st.patient, st AS s
      FROM kvalitet.stays_full({query}, NULL::{key_type},
                               kvalitet.binding_data_end({end_query}), {rules}) AS st) AS q$s$, v));
	END IF;
	v := v || jsonb_build_object('select', kvalitet.binding_fill($q$SELECT q.patient, (q.s).stay_no AS stay_no, (q.s).stay_start AS stay_start, (q.s).stay_end AS stay_end,
       (q.s).admission AS admission, (q.s).acute AS acute, (q.s).dominant_diagnosis AS dominant_diagnosis,
       (q.s).died AS died, (q.s).psychiatric AS psychiatric, w.discharging_unit, w.municipality,
       {hospital} AS hospital, {department} AS department,
       (q.s).index_stay AS index_stay, (q.s).readmitted AS readmitted,
       (q.s).next_admission_start AS next_admission_start, (q.s).hours_to_next AS hours_to_next,
       (q.s).followup_complete AS followup_complete, {age} AS age_at_start,
       (q.s).next_dominant_diagnosis AS next_dominant_diagnosis, (q.s).preventable_readmitted AS preventable_readmitted,
       (q.s).mortality_index AS mortality_index, (q.s).days_to_death AS days_to_death,
       (q.s).died_within_window AS died_within_window, (q.s).mortality_followup_complete AS mortality_followup_complete,
       (q.s).birth_stay AS birth_stay, (q.s).newborn_index AS newborn_index, (q.s).newborn_readmitted AS newborn_readmitted,
       (extract(epoch FROM (q.s).stay_end - (q.s).stay_start) / 86400)::double precision AS length_of_stay_days,
       date_trunc('month', w.local_start)::date AS admission_month,
       date_trunc('month', w.local_end)::date AS discharge_month
FROM {stays_from}
CROSS JOIN LATERAL (SELECT {unit_out} AS discharging_unit, {muni_out} AS municipality,
                           (q.s).stay_start AT TIME ZONE {tz} AS local_start,
                           (q.s).stay_end AT TIME ZONE {tz} AS local_end) AS w{birth_join}{org_join}$q$, v));
	v := v || jsonb_build_object('index', kvalitet.binding_fill(E'CREATE UNIQUE INDEX stays_patient_stay_no ON {p}.stays (patient, stay_no);\n', v));
	RETURN CASE WHEN (ctx ->> 'contacts_distributed')::boolean
				THEN kvalitet.build_distributed_stays(ctx, v ->> 'select', v ->> 'index', v ->> 'end_sql')
				ELSE kvalitet.binding_fill(E'CREATE MATERIALIZED VIEW {p}.stays AS\n{select}\n{data};\n{index}', v) END
		|| kvalitet.binding_comment_sql(v ->> 'p' || '.stays',
		format('kvalitet: one row per stay (sygehusophold) of %s with its readmission, mortality and newborn flags (docs/indicators.md sections 8 and 12), rules pinned: %s',
			   ctx #>> '{tables,contacts}', rules),
		'kvalitet.binding_column_comments() || kvalitet.binding_outcome_column_comments()');
END $$;
COMMENT ON FUNCTION kvalitet.build_stays(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private materialized view stays, one row per stay over kvalitet.stays (on Citus a table distributed by patient)';

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

-- Letters per month and finest org unit.  The local days and closing days
-- are pinned in the calls (the explicit-calendar forms), whatever the
-- refreshing session has set, and on a Citus cluster, whose workers do not
-- see the session's settings, too (docs/scale-out.md); the last letter's
-- time is read first, by a query of its own.  A function whose body is
-- parsed at every call, hence the pinned search_path.  A letter takes the
-- unit and municipality of the stay that ended at its discharge.  Discharges
-- it cannot judge are left out, and a sent_at it cannot read counts as no
-- letter (both counted by input_counts()).  The body is a quoted literal,
-- not dollar-quoted: a schema name may hold $.
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
						 THEN E'\n\tLEFT JOIN ' || quote_ident(ctx ->> 'private_schema') || '.org_units AS o ON o.unit = coalesce(e.unit, s.discharging_unit)'
							 || E'\n\t     AND (e.discharged_at AT TIME ZONE ' || quote_literal(ctx #>> '{options,timezone}') || ')::date BETWEEN o.valid_from AND o.valid_to'
						 ELSE '' END);
BEGIN
	IF NOT kvalitet.binding_has(ctx, 'epikriser') THEN
		RETURN NULL;
	END IF;
	v := v || jsonb_build_object('body', quote_literal(kvalitet.binding_fill($q$
DECLARE
	last_sent timestamptz;
BEGIN
	SELECT max(e2.sent_at) INTO last_sent FROM {p}.epikriser AS e2 WHERE kvalitet.epikrise_sent_unknown(e2.sent_at, {tz}) IS NULL;
	RETURN QUERY
	SELECT date_trunc('month', e.discharged_at AT TIME ZONE {tz})::date, {hospital}, {department}, s.municipality,
	       kvalitet.epikrise_timeliness(e.discharged_at, CASE WHEN kvalitet.epikrise_sent_unknown(e.sent_at, {tz}) IS NULL THEN e.sent_at END,
	                                    {deadline}, {tz}, {closed_days}),
	       kvalitet.epikrise_deadline(max(e.discharged_at), {deadline}, {tz}, {closed_days}) <= last_sent
	FROM {p}.epikriser AS e
	LEFT JOIN {p}.stays AS s ON s.patient = e.patient AND s.stay_end = e.discharged_at{org_join}
	WHERE kvalitet.epikrise_skip_reason(e.discharged_at, {deadline}, {tz}, {closed_days}) IS NULL
	GROUP BY 1, 2, 3, 4;
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

-- The population in kvalitet's terms (with a usable population table only);
-- rows that cannot be counted are left out (kvalitet.population_skip_reason).
CREATE FUNCTION kvalitet.build_population(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill($q$CREATE VIEW {p}.population WITH (security_invoker = true) AS
SELECT r.municipality, r.year, (substring(r.age_band FROM '[0-9]+'))::integer AS age_low, r.count
FROM (SELECT {municipality} AS municipality, {year} AS year, {age_band} AS age_band, {count} AS count
      FROM {population} AS c) AS r
WHERE kvalitet.population_skip_reason(r.municipality, r.year, r.age_band, r.count) IS NULL;
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

-- What the binding cannot use, per input and reason: the rows its views
-- leave out (effect skipped) and the rows read with one field unknown
-- (effect unknown), by the rules of sql/parts/45_input_checks.sql.  A
-- function of the private schema, read by kvalitet.refresh into the refresh
-- log; one pass over each input.
CREATE FUNCTION kvalitet.build_input_counts(ctx jsonb) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	v jsonb := kvalitet.binding_vars(ctx) || jsonb_build_object(
		'closed_days', quote_literal(ctx #>> '{options,extra_closed_days}'),
		'deadline', ((ctx #>> '{options,epikrise_deadline}')::integer)::text);
	k text;
	parts text[] := ARRAY[$q$SELECT 'contacts'::text, coalesce(r.reason, 'a diagnosis that is not a code'),
       CASE WHEN r.reason IS NULL THEN 'unknown' ELSE 'skipped' END, count(*)
FROM (SELECT kvalitet.contact_skip_reason(c.patient, c.start_at, c.end_at) AS reason, c.diagnosis FROM {p}.contacts AS c) AS r
WHERE r.reason IS NOT NULL OR NOT kvalitet.is_diagnosis_code(r.diagnosis)
GROUP BY 2, 3$q$];
BEGIN
	IF kvalitet.binding_has(ctx, 'units') THEN
		parts := parts || ($q$SELECT 'units', CASE WHEN u.unit IS NULL THEN 'NULL unit' ELSE 'a unit listed more than once (one row kept)' END,
       'skipped', sum(CASE WHEN u.unit IS NULL THEN u.n ELSE u.n - 1 END)::bigint
FROM (SELECT {unit} AS unit, coalesce({valid_from}, '-infinity'::date) AS valid_from, count(*) AS n FROM {units} AS c GROUP BY 1, 2) AS u
WHERE u.unit IS NULL OR u.n > 1
GROUP BY 2$q$)::text;
		-- A unit listed again from another day (organisationer's validity) is another row of it.
		v := v || jsonb_build_object('unit', kvalitet.binding_field(ctx, 'units.unit'),
									 'valid_from', kvalitet.binding_field(ctx, 'units.valid_from', 'NULL::date'));
	END IF;
	IF kvalitet.binding_has(ctx, 'epikriser') THEN
		parts := parts || ($q$SELECT 'epikriser', coalesce(r.skip, r.unknown), CASE WHEN r.skip IS NULL THEN 'unknown' ELSE 'skipped' END, count(*)
FROM (SELECT kvalitet.epikrise_skip_reason(e.discharged_at, {deadline}, {tz}, {closed_days}) AS skip,
             kvalitet.epikrise_sent_unknown(e.sent_at, {tz}) AS unknown
      FROM {p}.epikriser AS e) AS r
WHERE r.skip IS NOT NULL OR r.unknown IS NOT NULL
GROUP BY 2, 3$q$)::text;
	END IF;
	IF kvalitet.binding_has(ctx, 'population') THEN
		parts := parts || ($q$SELECT 'population', r.reason, 'skipped', count(*)
FROM (SELECT kvalitet.population_skip_reason({municipality}, {year}, {age_band}, {count}) AS reason FROM {population} AS c) AS r
WHERE r.reason IS NOT NULL
GROUP BY 2$q$)::text;
		v := v || jsonb_build_object(
			'municipality', kvalitet.binding_field(ctx, 'population.municipality'),
			'year', kvalitet.binding_field(ctx, 'population.year'),
			'age_band', kvalitet.binding_field(ctx, 'population.age_band'),
			'count', kvalitet.binding_field(ctx, 'population.count'));
	END IF;
	-- The sources beyond contacts: the rows their indicators reject, by the
	-- reasons of the direct functions (faerdigbehandling_check,
	-- udredning_check_markers, chronic_acute_admissions, loaded_rows_sql).
	IF kvalitet.binding_has(ctx, 'faerdigbehandling') THEN
		parts := parts || ($q$SELECT 'faerdigbehandling', r.reason, 'skipped', count(*)
FROM (SELECT CASE WHEN f.kommune IS NULL THEN 'NULL kommune' WHEN f.ready_at IS NULL THEN 'NULL ready_at'
                  WHEN NOT isfinite(f.ready_at) OR NOT isfinite(f.discharged_at) THEN 'an infinite time'
                  WHEN f.discharged_at < f.ready_at THEN 'discharged_at before ready_at' END AS reason
      FROM {p}.src_faerdigbehandling AS f) AS r
WHERE r.reason IS NOT NULL
GROUP BY 2$q$)::text;
	END IF;
	IF kvalitet.binding_has(ctx, 'pathway_markers') THEN
		parts := parts || ($q$SELECT 'pathway_markers', r.reason, 'skipped', count(*)
FROM (SELECT CASE WHEN m.patient IS NULL THEN 'NULL patient' WHEN m.pathway_id IS NULL THEN 'NULL pathway_id'
                  WHEN m.marked_at IS NULL THEN 'NULL marked_at' WHEN NOT isfinite(m.marked_at) THEN 'infinite marked_at'
                  WHEN m.code IS NULL THEN 'NULL code' WHEN NOT kvalitet.is_code(m.code) THEN 'a code that is not a code' END AS reason
      FROM {p}.src_pathway_markers AS m) AS r
WHERE r.reason IS NOT NULL
GROUP BY 2$q$)::text;
	END IF;
	IF kvalitet.binding_has(ctx, 'chronic_register') THEN
		parts := parts || ($q$SELECT 'chronic_register', r.reason, 'skipped', count(*)
FROM (SELECT CASE WHEN g.patient IS NULL THEN 'NULL patient' WHEN g.disease IS NULL THEN 'NULL disease'
                  WHEN g.from_date IS NULL THEN 'NULL from_date' WHEN g.to_date < g.from_date THEN 'to_date before from_date' END AS reason
      FROM {p}.src_chronic_register AS g) AS r
WHERE r.reason IS NOT NULL
GROUP BY 2$q$)::text;
	END IF;
	FOR k IN SELECT t.src FROM unnest(ARRAY['rkkp_results', 'lup_answers', 'population_health', 'costs', 'municipal_referrals']) AS t(src)
			 WHERE kvalitet.binding_has(ctx, t.src) LOOP
		parts := parts || format($q$SELECT %L, r.reason, 'skipped', count(*)
FROM (%s) AS r
WHERE r.reason IS NOT NULL
GROUP BY 2$q$, k, kvalitet.loaded_rows_sql(k, kvalitet.binding_source_query(ctx, k), NULL));
	END LOOP;
	v := v || jsonb_build_object('body', quote_literal(kvalitet.binding_fill(array_to_string(parts, E'\nUNION ALL\n'), v)));
	RETURN kvalitet.binding_fill($q$CREATE FUNCTION {p}.input_counts()
	RETURNS TABLE (source text, reason text, effect text, rows bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp
AS {body};
COMMENT ON FUNCTION {p}.input_counts() IS 'kvalitet: per input and reason, the rows left out (skipped) or read with a field unknown (unknown); kvalitet.refresh logs them';
$q$, v);
END $$;
COMMENT ON FUNCTION kvalitet.build_input_counts(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the private function input_counts (rows left out or read with a field unknown, per input and reason)';

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
-- On Citus, whose workers check a reader's rights on the stays' shards
-- themselves, and so would need the private schema opened to the reader,
-- the view reads them through the private function visible_stays(region,
-- units), which runs as the binding's owner: the view passes it the gates
-- this reader passes, worked out as the reader (the units table's row-level
-- security applies).  A reader can call it only through the view: without
-- USAGE on the private schema it cannot name it.
CREATE FUNCTION kvalitet.build_bi_stays(ctx jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT kvalitet.binding_fill(CASE WHEN (ctx ->> 'contacts_distributed')::boolean THEN $q$CREATE FUNCTION {p}.visible_stays(region boolean, units text[])
	RETURNS SETOF {p}.stays
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
AS {visible_body};
REVOKE ALL ON FUNCTION {p}.visible_stays(boolean, text[]) FROM PUBLIC;
COMMENT ON FUNCTION {p}.visible_stays(boolean, text[]) IS 'kvalitet: the stays of every unit (region) or of the units given, for the BI view stays';
CREATE VIEW {s}.stays WITH (security_invoker = true, security_barrier = true) AS
SELECT {columns}
FROM {p}.visible_stays(EXISTS (SELECT 1 FROM {p}.visible_org AS g WHERE g.gate = 'region'), {units}) AS s;
$q$ ELSE $q$CREATE VIEW {s}.stays WITH (security_invoker = true, security_barrier = true) AS
SELECT {columns}
FROM {p}.stays AS s
WHERE EXISTS (SELECT 1 FROM {p}.visible_org AS g WHERE g.gate = 'region'){by_unit};
$q$ END, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'columns', $c$s.patient, s.stay_no, s.stay_start, s.stay_end, s.admission, s.acute, s.dominant_diagnosis, s.died, s.psychiatric,
       s.discharging_unit, s.hospital, s.department, s.municipality, s.index_stay, s.readmitted,
       s.next_admission_start, s.hours_to_next, s.followup_complete, s.age_at_start, s.length_of_stay_days,
       s.admission_month, s.discharge_month, s.next_dominant_diagnosis, s.preventable_readmitted, s.mortality_index,
       s.days_to_death, s.died_within_window, s.mortality_followup_complete, s.birth_stay, s.newborn_index, s.newborn_readmitted$c$,
	'visible_body', quote_literal(format(E'\nBEGIN\n\tRETURN QUERY SELECT s.* FROM %I.stays AS s WHERE region OR s.discharging_unit OPERATOR(pg_catalog.=) ANY (units);\nEND\n',
										 ctx ->> 'private_schema')),
	'units', CASE WHEN kvalitet.binding_has(ctx, 'units')
				  THEN format('ARRAY(SELECT (%s)::text FROM %s AS c)', kvalitet.binding_field(ctx, 'units.unit'), ctx #>> '{tables,units}')
				  ELSE $c$'{}'::text[]$c$ END,
	'by_unit', CASE WHEN kvalitet.binding_has(ctx, 'units')
					THEN format(E'\n   OR s.discharging_unit IN (SELECT %s FROM %s AS c)',
								kvalitet.binding_field(ctx, 'units.unit'), ctx #>> '{tables,units}')
					ELSE '' END))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.stays',
		'kvalitet: one row per stay with its readmission, mortality and newborn flags; a reader sees the stays discharged from the units it sees',
		'kvalitet.binding_column_comments() || kvalitet.binding_outcome_column_comments()')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_stays(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view stays (on Citus over the private function visible_stays)';

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
       ok.finished_at AS last_refresh, ok.kind AS last_refresh_by,
       CASE WHEN st.computed THEN (SELECT sum((c ->> 'rows')::bigint) FROM jsonb_array_elements(ok.input_counts) AS c
                                   WHERE c ->> 'effect' = 'skipped' AND c ->> 'source' = ANY (ind.inputs || 'units'::text)) END AS rows_skipped,
       CASE WHEN st.computed THEN (SELECT sum((c ->> 'rows')::bigint) FROM jsonb_array_elements(ok.input_counts) AS c
                                   WHERE c ->> 'effect' = 'unknown' AND c ->> 'source' = ANY (ind.inputs || 'units'::text)) END AS values_unknown,
       CASE WHEN st.computed THEN (SELECT jsonb_agg(c) FROM jsonb_array_elements(ok.input_counts) AS c
                                   WHERE c ->> 'source' = ANY (ind.inputs || 'units'::text)) END AS input_counts,
       failed.finished_at AS last_failure, failed.error AS last_error,
       kvalitet.binding_missing(b) AS problem
FROM kvalitet.indicator AS ind
LEFT JOIN (SELECT e ->> 'code' AS code, (e ->> 'computed')::boolean AS computed, e ->> 'note' AS note
           FROM jsonb_array_elements({status}::jsonb) AS e) AS st ON st.code = ind.code
LEFT JOIN LATERAL (SELECT l.finished_at, l.kind, l.input_counts FROM kvalitet.refresh_log AS l
                   WHERE l.schema_name = {target_schema} AND l.relation = '*' AND l.error IS NULL
                   ORDER BY l.id DESC LIMIT 1) AS ok ON true
LEFT JOIN LATERAL (SELECT l.finished_at, l.error FROM kvalitet.refresh_log AS l
                   WHERE l.schema_name = {target_schema} AND l.relation = '*' AND l.error IS NOT NULL
                     AND l.id > coalesce((SELECT max(k.id) FROM kvalitet.refresh_log AS k
                                          WHERE k.schema_name = {target_schema} AND k.relation = '*' AND k.error IS NULL), 0)
                   ORDER BY l.id DESC LIMIT 1) AS failed ON true
LEFT JOIN kvalitet.binding AS b ON b.schema_name = {target_schema};
$q$, kvalitet.binding_vars(ctx) || jsonb_build_object(
	'target_schema', quote_literal(ctx ->> 'target_schema'),
	'status', quote_literal(coalesce(ctx -> 'status', '[]')::text)))
	|| kvalitet.binding_comment_sql(quote_ident(ctx ->> 'target_schema') || '.status',
		'kvalitet: per indicator of the catalogue, whether this binding computes it and why not; what the last refresh could not use; a failure since; what is missing')
$$;
COMMENT ON FUNCTION kvalitet.build_bi_status(jsonb) IS
	'Builder of kvalitet.bind: the SQL of the BI view status';

-- Read access for a role (kvalitet.grant_read): USAGE on the target schema,
-- SELECT on its views, and SELECT (not USAGE) on the views and
-- materialized views of the private schema, and on Citus EXECUTE on its
-- visible_stays (build_bi_stays).  Reads the catalog, so that it serves
-- bindings of any version.
CREATE FUNCTION kvalitet.build_grants(target_schema text, private_schema text, role_name text) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, pg_temp AS $$
SELECT format(E'GRANT USAGE ON SCHEMA %1$I TO %2$I;\nGRANT SELECT ON %1$I.stays, %1$I.indicator_values, %1$I.goal_overview, %1$I.status TO %2$I;\n',
			  target_schema, role_name)
	|| CASE WHEN to_regclass(format('%I.run_charts', target_schema)) IS NOT NULL
			THEN format(E'GRANT SELECT ON %I.run_charts TO %I;\n', target_schema, role_name) ELSE '' END
	|| CASE WHEN to_regprocedure(format('%I.visible_stays(boolean, text[])', private_schema)) IS NOT NULL
			THEN format(E'GRANT EXECUTE ON FUNCTION %I.visible_stays(boolean, text[]) TO %I;\n', private_schema, role_name) ELSE '' END
	|| coalesce(string_agg(format(E'GRANT SELECT ON %I.%I TO %I;\n', n.nspname, c.relname, role_name), '' ORDER BY c.relname), '')
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = private_schema AND c.relkind IN ('v', 'm')
$$;
COMMENT ON FUNCTION kvalitet.build_grants(text, text, text) IS
	'Builder of kvalitet.grant_read: the GRANTs that let a role read a binding''s BI views (and SELECT, not USAGE, the objects behind them)';
