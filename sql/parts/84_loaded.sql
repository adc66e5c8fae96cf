
-- ---------------------------------------------------------------------------
-- Inputs beyond contacts, part 3: figures computed elsewhere and loaded
-- (SPEC 11.8; docs/indicators.md "Loaded figures").  Five documented shapes;
-- each row is checked, a bad row is rejected with its reason and counted,
-- never dropped silently.
-- ---------------------------------------------------------------------------

-- Per shape: the typed columns read from the caller's query (by name), the
-- key that must be unique, and the checks in order (the first that fails is
-- the row's reason).  Fixed here, not in a table: the checks are SQL.
CREATE FUNCTION kvalitet.loaded_shape(shape text,
		OUT columns text, OUT key text, OUT checks text[], OUT reasons text[])
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	year_ok constant text := ' BETWEEN 1900 AND 2199';
BEGIN
	CASE shape
	WHEN 'rkkp_results' THEN
		columns := 'q.database::text AS database, q.indicator::text AS indicator, q.period_start::date AS period_start, '
			'q.period_end::date AS period_end, q.unit::text AS unit, q.numerator::bigint AS numerator, '
			'q.denominator::bigint AS denominator, q.standard::double precision AS standard, '
			'q.higher_is_better::boolean AS higher_is_better';
		key := 'r.database, r.indicator, r.unit, r.period_start, r.period_end';
		checks := ARRAY['r.database IS NULL OR r.indicator IS NULL OR r.unit IS NULL OR r.period_start IS NULL OR r.period_end IS NULL '
				'OR r.numerator IS NULL OR r.denominator IS NULL OR r.standard IS NULL OR r.higher_is_better IS NULL',
			'NOT isfinite(r.period_start) OR NOT isfinite(r.period_end) OR r.period_end < r.period_start '
				'OR extract(year FROM r.period_start) NOT' || year_ok || ' OR extract(year FROM r.period_end) NOT' || year_ok,
			'r.numerator < 0 OR r.denominator < 0', 'r.numerator > r.denominator', 'r.denominator = 0',
			'NOT (r.standard BETWEEN 0 AND 1)'];
		reasons := ARRAY['a NULL field', 'an unknown period', 'a negative count', 'numerator above denominator',
			'denominator 0', 'a standard outside 0-1'];
	WHEN 'lup_answers' THEN
		columns := 'q.survey::text AS survey, q.year::integer AS year, q.unit::text AS unit, q.question::text AS question, '
			'q.answers::bigint AS answers, q.positive_answers::bigint AS positive_answers';
		key := 'r.survey, r.year, r.unit, r.question';
		checks := ARRAY['r.survey IS NULL OR r.year IS NULL OR r.unit IS NULL OR r.question IS NULL OR r.answers IS NULL '
				'OR r.positive_answers IS NULL',
			'r.year NOT' || year_ok, 'r.answers < 0 OR r.positive_answers < 0', 'r.positive_answers > r.answers'];
		reasons := ARRAY['a NULL field', 'an unknown period', 'a negative count', 'numerator above denominator'];
	WHEN 'population_health' THEN
		columns := 'q.year::integer AS year, q.area::text AS area, q.sex::text AS sex, q.measure::text AS measure, '
			'q.value::double precision AS value';
		key := 'r.year, r.area, r.sex, r.measure';
		checks := ARRAY['r.year IS NULL OR r.area IS NULL OR r.measure IS NULL OR r.value IS NULL',
			'r.year NOT' || year_ok, 'r.measure NOT IN (''healthy_life_years'', ''life_expectancy'')',
			'r.sex IS NOT NULL AND r.sex NOT IN (''total'', ''M'', ''K'')', 'NOT (r.value >= 0 AND r.value < 150)'];
		reasons := ARRAY['a NULL field', 'an unknown period', 'an unknown measure', 'an unknown sex',
			'a value outside 0-150 years'];
	WHEN 'costs' THEN
		columns := 'q.year::integer AS year, q.unit::text AS unit, q.cost::numeric AS cost, '
			'q.treated_patients::bigint AS treated_patients';
		key := 'r.year, r.unit';
		checks := ARRAY['r.year IS NULL OR r.unit IS NULL OR r.cost IS NULL', 'r.year NOT' || year_ok,
			'r.cost < 0 OR r.treated_patients < 0'];
		reasons := ARRAY['a NULL field', 'an unknown period', 'a negative count'];
	WHEN 'municipal_referrals' THEN
		columns := 'q.year::integer AS year, q.kommune::text AS kommune, q.referrals::bigint AS referrals';
		key := 'r.year, r.kommune';
		checks := ARRAY['r.year IS NULL OR r.kommune IS NULL OR r.referrals IS NULL', 'r.year NOT' || year_ok,
			'r.referrals < 0'];
		reasons := ARRAY['a NULL field', 'an unknown period', 'a negative count'];
	ELSE
		RAISE EXCEPTION 'unknown loaded-figure shape "%"', shape USING ERRCODE = '22023',
			HINT = 'Shapes: rkkp_results, lup_answers, population_health, costs, municipal_referrals.';
	END CASE;
	-- Every shape ends with the same two checks.
	checks := checks || ARRAY['%units%', 'r.copies > 1'];
	reasons := reasons || ARRAY['an unknown unit', 'a duplicate key'];
END $$;
COMMENT ON FUNCTION kvalitet.loaded_shape(text) IS
	'The documented shape of a loaded-figure input (docs/indicators.md): its columns, unique key and checks in order, with the reason each check reports';

-- The SQL of every row of a loaded-figure query with its reason (NULL = the
-- row is good).  known_units_query (column unit) names the units a shape
-- with a unit may use; NULL = any.
CREATE FUNCTION kvalitet.loaded_rows_sql(shape text, query text, known_units_query text)
	RETURNS text LANGUAGE plpgsql IMMUTABLE
	SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	s record;
	reason_case text := 'CASE';
	has_unit boolean;
BEGIN
	s := kvalitet.loaded_shape(shape);
	has_unit := s.columns LIKE '% AS unit%';
	FOR i IN 1 .. array_length(s.checks, 1) LOOP
		IF s.checks[i] = '%units%' THEN
			IF known_units_query IS NULL OR NOT has_unit THEN
				CONTINUE;
			END IF;
			reason_case := reason_case || format(' WHEN r.unit NOT IN (SELECT u.unit::text FROM (%s) AS u WHERE u.unit IS NOT NULL) THEN %L',
												 known_units_query, s.reasons[i]);
		ELSE
			reason_case := reason_case || format(' WHEN %s THEN %L', s.checks[i], s.reasons[i]);
		END IF;
	END LOOP;
	RETURN format('SELECT r.*, %s END AS reason FROM (SELECT r.*, count(*) OVER (PARTITION BY %s) AS copies
		FROM (SELECT %s FROM (%s) AS q) AS r) AS r', reason_case, s.key, s.columns, query);
END $$;
COMMENT ON FUNCTION kvalitet.loaded_rows_sql(text, text, text) IS
	'The SQL of the rows of a loaded-figure query with their reason (NULL when good): checks of kvalitet.loaded_shape, then unknown units (with known_units_query) and duplicate keys';

-- What a load would reject: rows per reason, with 'ok' for the good ones.
CREATE FUNCTION kvalitet.check_loaded(shape text, query text, known_units_query text DEFAULT NULL)
	RETURNS TABLE (reason text, rows bigint)
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT coalesce(c.reason, ''ok''), count(*) FROM (%s) AS c
		GROUP BY c.reason ORDER BY c.reason IS NOT NULL, c.reason',
		kvalitet.loaded_rows_sql(shape, query, known_units_query));
END $$;
COMMENT ON FUNCTION kvalitet.check_loaded(text, text, text) IS
	'Checks a loaded-figure query against its shape (rkkp_results, lup_answers, population_health, costs, municipal_referrals): rows per rejection reason and ok';

-- Runs the checks, reports the rejected rows (one WARNING by reason) and
-- returns the SQL of the good rows, for the value functions below.
CREATE FUNCTION kvalitet.loaded_good_rows(shape text, query text, known_units_query text, caller text)
	RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	s record;
	counts bigint[];
	rows_sql constant text := kvalitet.loaded_rows_sql(shape, query, known_units_query);
BEGIN
	s := kvalitet.loaded_shape(shape);
	EXECUTE format('SELECT array_agg(coalesce(n.n, 0) ORDER BY u.i) FROM unnest(%L::text[]) WITH ORDINALITY AS u(reason, i)
		LEFT JOIN (SELECT c.reason, count(*) AS n FROM (%s) AS c WHERE c.reason IS NOT NULL GROUP BY c.reason) AS n
		ON n.reason = u.reason', s.reasons, rows_sql) INTO counts;
	PERFORM kvalitet.report_skipped_rows(caller, shape, s.reasons, counts);
	RETURN format('SELECT * FROM (%s) AS g WHERE g.reason IS NULL', rows_sql);
END $$;
COMMENT ON FUNCTION kvalitet.loaded_good_rows(text, text, text, text) IS
	'Checks a loaded-figure query, reports the rejected rows by reason (one WARNING) and returns the SQL of the good rows';

-- Goal 4: RKKP results, each meeting its standard or not.
CREATE FUNCTION kvalitet.rkkp_results(results_query text, known_units_query text DEFAULT NULL)
	RETURNS TABLE (database text, indicator text, period_start date, period_end date, unit text,
		result kvalitet.proportion, standard double precision, higher_is_better boolean, meets_standard boolean)
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT g.database, g.indicator, g.period_start, g.period_end, g.unit,
		kvalitet.proportion(g.numerator, g.denominator), g.standard, g.higher_is_better,
		CASE WHEN g.higher_is_better THEN g.numerator::numeric >= g.standard::numeric * g.denominator
		     ELSE g.numerator::numeric <= g.standard::numeric * g.denominator END
		FROM (%s) AS g ORDER BY 1, 2, 5, 3',
		kvalitet.loaded_good_rows('rkkp_results', results_query, known_units_query, 'rkkp_results'));
END $$;
COMMENT ON FUNCTION kvalitet.rkkp_results(text, text) IS
	'Loaded RKKP results (database, indicator, period_start, period_end, unit, numerator, denominator, standard, higher_is_better), checked; meets_standard: numerator/denominator >= standard (<= when lower is better)';

CREATE FUNCTION kvalitet.rkkp_standard_share(results_query text, known_units_query text DEFAULT NULL)
	RETURNS TABLE (period_start date, period_end date, met kvalitet.proportion)
	LANGUAGE sql VOLATILE
	BEGIN ATOMIC
		SELECT r.period_start, r.period_end, kvalitet.proportion(r.meets_standard)
		FROM kvalitet.rkkp_results(results_query, known_units_query) AS r
		GROUP BY r.period_start, r.period_end ORDER BY r.period_start, r.period_end;
	END;
COMMENT ON FUNCTION kvalitet.rkkp_standard_share(text, text) IS
	'Goal 4 (SPEC 11.8): per period, the share of (indicator, unit) results that meet their standard';

-- Goal 6: LUP, positive answers / answers.
CREATE FUNCTION kvalitet.lup_positive_share(answers_query text, questions text[] DEFAULT NULL,
		known_units_query text DEFAULT NULL)
	RETURNS TABLE (survey text, year integer, unit text, positive kvalitet.proportion)
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT g.survey, g.year, g.unit, kvalitet.rollup(kvalitet.proportion(g.positive_answers, g.answers))
		FROM (%s) AS g WHERE %L::text[] IS NULL OR g.question = ANY (%L::text[])
		GROUP BY GROUPING SETS ((g.survey, g.year, g.unit), (g.survey, g.year))
		ORDER BY 1, 2, 3 NULLS LAST',
		kvalitet.loaded_good_rows('lup_answers', answers_query, known_units_query, 'lup_positive_share'),
		questions, questions);
END $$;
COMMENT ON FUNCTION kvalitet.lup_positive_share(text, text[], text) IS
	'Goal 6 (SPEC 11.8): positive answers / answers per survey, year and unit (unit NULL = all units) over the questions given (NULL = all)';

-- Goal 7: population health, loaded as it is.
CREATE FUNCTION kvalitet.population_health(health_query text)
	RETURNS TABLE (year integer, area text, sex text, measure text, value double precision)
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT g.year, g.area, g.sex, g.measure, g.value FROM (%s) AS g ORDER BY 1, 2, 4, 3',
		kvalitet.loaded_good_rows('population_health', health_query, NULL, 'population_health'));
END $$;
COMMENT ON FUNCTION kvalitet.population_health(text) IS
	'Goal 7 (SPEC 11.8): the checked rows of a population-health query (year, area, sex NULL/total/M/K, measure healthy_life_years or life_expectancy, value in years)';

-- Goal 8: cost per treated patient; treated NULL = distinct patients with a
-- stay discharged from the unit in the year (needs contacts_query, columns
-- of kvalitet.stays with unit).
CREATE FUNCTION kvalitet.cost_per_patient(costs_query text, contacts_query text DEFAULT NULL,
		patient_type anyelement DEFAULT NULL::text, known_units_query text DEFAULT NULL, tz text DEFAULT NULL,
		rules kvalitet.stay_rules DEFAULT NULL)
	RETURNS TABLE (year integer, unit text, cost numeric, treated_patients bigint, cost_per_patient numeric,
		treated_from text)
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	treated_sql text := 'SELECT NULL::integer AS year, NULL::text AS unit, NULL::bigint AS n WHERE false';
BEGIN
	IF contacts_query IS NOT NULL THEN
		treated_sql := format('SELECT extract(year FROM coalesce(s.stay_end, s.stay_start) AT TIME ZONE %L)::integer AS year,
			s.discharging_unit AS unit, count(DISTINCT s.patient) AS n
			FROM kvalitet.stays(%L, NULL::%s, NULL, %L::kvalitet.stay_rules) AS s
			WHERE s.discharging_unit IS NOT NULL GROUP BY 1, 2',
			kvalitet.pinned_timezone(tz), contacts_query, format_type(pg_typeof(patient_type), NULL), rules);
	END IF;
	RETURN QUERY EXECUTE format('SELECT g.year, g.unit, g.cost, coalesce(g.treated_patients, t.n),
		round(g.cost / nullif(coalesce(g.treated_patients, t.n), 0), 2),
		CASE WHEN g.treated_patients IS NOT NULL THEN ''loaded'' WHEN t.n IS NOT NULL THEN ''counted'' END
		FROM (%s) AS g LEFT JOIN (%s) AS t ON g.treated_patients IS NULL AND t.year = g.year AND t.unit = g.unit
		ORDER BY 1, 2',
		kvalitet.loaded_good_rows('costs', costs_query, known_units_query, 'cost_per_patient'), treated_sql);
END $$;
COMMENT ON FUNCTION kvalitet.cost_per_patient(text, text, anyelement, text, text, kvalitet.stay_rules) IS
	'Goal 8 (SPEC 11.8): cost (DKK) per treated patient per year and unit; treated_patients NULL = distinct patients with a stay discharged from the unit in the year (from contacts_query; treated_from says which); NULL when nobody was treated';

-- Sundhedsaftale: referrals to municipal prevention and rehabilitation per
-- 1,000 citizens (population query: kommune, year, count; all ages).
CREATE FUNCTION kvalitet.municipal_referral_rate(referrals_query text, population_query text,
		per numeric DEFAULT 1000)
	RETURNS TABLE (year integer, kommune text, referrals bigint, citizens bigint, rate kvalitet.rate_estimate)
	LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN QUERY EXECUTE format('WITH pop AS (SELECT p.kommune::text AS kommune, p.year::integer AS year,
		sum(p.count)::bigint AS citizens FROM (%s) AS p GROUP BY 1, 2)
	SELECT g.year, g.kommune, g.referrals, pop.citizens,
		CASE WHEN pop.citizens > 0 THEN kvalitet.poisson_rate(g.referrals, pop.citizens, %L::numeric) END
	FROM (%s) AS g LEFT JOIN pop ON pop.kommune = g.kommune AND pop.year = g.year ORDER BY 1, 2',
		population_query, per,
		kvalitet.loaded_good_rows('municipal_referrals', referrals_query, NULL, 'municipal_referral_rate'));
END $$;
COMMENT ON FUNCTION kvalitet.municipal_referral_rate(text, text, numeric) IS
	'Municipal referrals (SPEC 11.8; year, kommune, referrals), checked, per 1,000 citizens of the kommune with the Garwood interval; NULL rate without a population';
