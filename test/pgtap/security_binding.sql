-- What a binding promises every role (SECURITY.md): a reader's own leaky
-- function sees only the rows row security lets it see; no role records,
-- changes or forgets another's binding; unbind and bind drop only what bind
-- created; names that cannot work are refused; a plain refresh is safe from
-- a hostile search_path; a binding survives DROP EXTENSION ... CASCADE.
BEGIN;
SET client_min_messages = warning;
SELECT plan(37);

CREATE ROLE kv_sec_owner;
CREATE ROLE kv_sec_h1;
CREATE ROLE kv_sec_other;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO kv_sec_owner, kv_sec_h1, kv_sec_other', current_database()); END $$;

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('role', r, true);
	RETURN QUERY EXECUTE format('SELECT t::text FROM (%s) AS t', q);
	PERFORM set_config('role', 'none', true);
END $$;
CREATE FUNCTION pg_temp.do_as(r text, q text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('role', r, true);
	EXECUTE q;
	PERFORM set_config('role', 'none', true);
END $$;

-- The owner's tables: H1 (units A1, A2) and H2 (B1); the reader kv_sec_h1
-- sees H1's units only.
SET ROLE kv_sec_owner;
CREATE SCHEMA sec_src;
CREATE TABLE sec_src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                               diagnosis text, died boolean, unit text);
INSERT INTO sec_src.contacts VALUES
(1, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'A1'),
(1, '2025-03-11 10:00+00', '2025-03-12 10:00+00', true, 'DJ189', false, 'A1'),
(2, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'A2'),
(3, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'B1'),
(3, '2025-03-05 10:00+00', '2025-03-06 10:00+00', true, 'DI219', false, 'B1'),
(4, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'B1');
CREATE TABLE sec_src.units (unit text, hospital text, department text);
INSERT INTO sec_src.units VALUES ('A1', 'H1', 'Medicin'), ('A2', 'H1', 'Kirurgi'), ('B1', 'H2', 'Medicin');
ALTER TABLE sec_src.units ENABLE ROW LEVEL SECURITY;
CREATE POLICY h1 ON sec_src.units FOR SELECT USING (hospital = 'H1' OR current_user <> 'kv_sec_h1');
CREATE TABLE sec_src.letters (patient bigint, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO sec_src.letters VALUES (1, '2025-03-02 10:00+00', '2025-03-03 09:00+00');
SELECT is((SELECT count(*) FROM kvalitet.bind('sec', 'sec_src.contacts', units => 'sec_src.units',
                                              epikriser => 'sec_src.letters') WHERE computed),
          6::bigint, 'the owner binds');
SELECT kvalitet.grant_read('sec', 'kv_sec_h1');
GRANT SELECT ON sec_src.units TO kv_sec_h1;
RESET ROLE;

-- 1. A cheap leaky function of the reader's own, in WHERE, sees only the
-- rows the reader may see (the BI views are security barriers).
SET ROLE kv_sec_h1;
CREATE SCHEMA sec_spy;
CREATE TABLE sec_spy.seen (what text);
CREATE FUNCTION sec_spy.peek(a text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS
$$BEGIN INSERT INTO sec_spy.seen VALUES (a); RETURN true; END$$;
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_temp.as_role('kv_sec_h1', 'SELECT 1 FROM sec.stays WHERE sec_spy.peek(discharging_unit)')),
          3::bigint, 'a reader restricted to H1 reads its 3 stays through a leaky function');
SELECT is((SELECT array_agg(DISTINCT what ORDER BY what) FROM sec_spy.seen), ARRAY['A1', 'A2'],
          'and the function saw only the stays of H1''s units (stays)');
DELETE FROM sec_spy.seen;
SELECT isnt((SELECT count(*) FROM pg_temp.as_role('kv_sec_h1',
              'SELECT 1 FROM sec.indicator_values WHERE sec_spy.peek(org_unit)')), 0::bigint,
            'it reads indicator values through a leaky function');
SELECT is((SELECT count(*) FROM sec_spy.seen WHERE what NOT LIKE 'H1%'), 0::bigint,
          'and the function saw only H1''s org units (indicator_values)');
DELETE FROM sec_spy.seen;
SELECT isnt((SELECT count(*) FROM pg_temp.as_role('kv_sec_h1',
              'SELECT 1 FROM sec.goal_overview WHERE sec_spy.peek(org_unit || coalesce(period_label, ''''))')), 0::bigint,
            'and the goal overview');
SELECT is((SELECT count(*) FROM sec_spy.seen WHERE what NOT LIKE 'H1%'), 0::bigint,
          'where the function saw only H1''s org units too');
DELETE FROM sec_spy.seen;
SELECT isnt((SELECT count(*) FROM pg_temp.as_role('kv_sec_h1',
              'SELECT 1 FROM sec.run_charts WHERE sec_spy.peek(org_unit || coalesce(signal, ''''))')), 0::bigint,
            'and the run charts');
SELECT is((SELECT count(*) FROM sec_spy.seen WHERE what NOT LIKE 'H1%'), 0::bigint,
          'where the function saw only H1''s org units too (run_charts)');
SELECT ok((SELECT bool_and(c.reloptions @> ARRAY['security_barrier=true', 'security_invoker=true'])
           FROM pg_class AS c WHERE c.oid IN ('sec.stays'::regclass, 'sec.indicator_values'::regclass,
                                              'sec.goal_overview'::regclass, 'sec.status'::regclass,
                                              'sec.run_charts'::regclass)),
          'every BI view is security_invoker and security_barrier');

-- 2. Only bind records a binding; no role changes or forgets another's.
SET ROLE kv_sec_other;
CREATE SCHEMA sec_other;
RESET ROLE;
SELECT throws_ok($$SELECT pg_temp.do_as('kv_sec_other', $q$INSERT INTO kvalitet.binding (schema_name, private_schema, preset, sources, options, indicators, relations)
                   VALUES ('sec_other', 'sec_private', 'none', '{}', '{}', '[]', '{}')$q$)$$,
                 '42501', NULL, 'a role cannot record a binding that names another''s private schema');
SELECT throws_ok($$SELECT pg_temp.do_as('kv_sec_other', $q$INSERT INTO kvalitet.binding (schema_name, private_schema, preset, sources, options, indicators, relations)
                   VALUES ('sec_other', 'sec_other', 'none', '{}', '{}', '[]', '{sec_private.stays}')$q$)$$,
                 '42501', NULL, 'nor one that names another''s materialized views');
SELECT throws_ok($$SELECT pg_temp.do_as('kv_sec_other', $q$INSERT INTO kvalitet.binding (schema_name, private_schema, preset, sources, options, indicators, relations)
                   VALUES ('sec_future', 'sec_future_private', 'none', '{}', '{}', '[]', '{}')$q$)$$,
                 '42501', NULL, 'nor one of schemas that do not exist yet');
SELECT throws_ok($$SELECT pg_temp.do_as('kv_sec_other', 'DELETE FROM kvalitet.binding')$$,
                 '42501', NULL, 'nor forget another''s binding');
SELECT throws_ok($$SELECT pg_temp.do_as('kv_sec_other', $q$UPDATE kvalitet.binding SET private_schema = 'x'$q$)$$,
                 '42501', NULL, 'nor change one');
SELECT throws_ok($$SELECT pg_temp.do_as('kv_sec_other', $q$INSERT INTO kvalitet.refresh_log (schema_name, relation, started_at, finished_at, seconds, concurrent)
                   VALUES ('sec', '*', now(), now(), 0, true)$q$)$$,
                 '42501', NULL, 'nor log a refresh of another''s binding');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_sec_other', $q$SELECT kvalitet.unbind('sec')$q$)$$,
                 '42501', NULL, 'nor unbind it');
SELECT is((SELECT count(*) FROM kvalitet.binding WHERE schema_name = 'sec'), 1::bigint, 'the binding is still there');

-- unbind drops only what bind created: not a table of the user's in the
-- private schema, and not silently a view of the user's over a BI view.
SET ROLE kv_sec_owner;
CREATE TABLE sec_private.mine (x integer);
CREATE VIEW sec_src.report AS SELECT count(*) FROM sec.stays;
RESET ROLE;
SELECT throws_like($$SELECT * FROM pg_temp.as_role('kv_sec_owner', $q$SELECT kvalitet.unbind('sec')$q$)$$,
                   '%cannot drop sec.stays because other objects depend on it%',
                   'unbind stops at a view of the user''s over a BI view');
SELECT ok(to_regclass('sec.stays') IS NOT NULL AND to_regclass('sec_private.stays') IS NOT NULL, 'and drops nothing');
SET ROLE kv_sec_owner;
DROP VIEW sec_src.report;
SELECT kvalitet.unbind('sec');
RESET ROLE;
SELECT ok(to_regclass('sec_private.mine') IS NOT NULL, 'unbind leaves the user''s own table in the private schema');
SELECT is((SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
           WHERE n.nspname IN ('sec', 'sec_private') AND c.relname <> 'mine'), 0::bigint,
          'and drops every generated relation');
SELECT is((SELECT count(*) FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE n.nspname = 'sec_private'),
          0::bigint, 'and the generated function');

-- A stale binding (its schemas dropped by their owner) cannot make a later
-- owner of the same names lose anything.
SET ROLE kv_sec_other;
CREATE TABLE sec_other.c (patient bigint, start_at timestamptz);
SELECT kvalitet.bind('sec_stale', 'sec_other.c', options => '{"private_schema": "sec_stale_p"}');
DROP SCHEMA sec_stale, sec_stale_p CASCADE;
RESET ROLE;
SET ROLE kv_sec_owner;
CREATE SCHEMA sec_stale;
CREATE SCHEMA sec_stale_p;
CREATE TABLE sec_stale_p.keep (x integer);
RESET ROLE;
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_sec_owner', $q$SELECT count(*) FROM kvalitet.bind('sec_stale', 'sec_src.contacts', replace => true,
                                                                           options => '{"private_schema": "sec_stale_p"}')$q$)$$,
                 '42P06', NULL, 'binding over a stale binding: the private schema is not empty');
SELECT ok(to_regclass('sec_stale_p.keep') IS NOT NULL, 'and the table in it is kept');

-- 6. Names: a schema name too long for its private schema is refused;
-- quotes and dollars in names work.
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_sec_owner', $q$SELECT count(*) FROM kvalitet.bind(repeat('s', 56), 'sec_src.contacts')$q$)$$,
                 '42622', NULL, 'a target schema of 56 bytes (private schema of 64) is refused');
SELECT throws_like($$SELECT * FROM pg_temp.as_role('kv_sec_owner', $q$SELECT count(*) FROM kvalitet.bind('s', 'sec_src.contacts', options => jsonb_build_object('private_schema', repeat('p', 64)))$q$)$$,
                   '%at most 63%', 'the error states the limit');
SET ROLE kv_sec_owner;
SELECT is((SELECT count(*) FROM kvalitet.bind('Sec $f$ "q"' || repeat('x', 43), 'sec_src.contacts', units => 'sec_src.units',
                                              epikriser => 'sec_src.letters') WHERE computed),
          6::bigint, 'a name of 55 bytes with quotes and $f$ binds');
SELECT is((SELECT count(*) FROM kvalitet.refresh('Sec $f$ "q"' || repeat('x', 43))), 4::bigint, 'and refreshes');
SELECT kvalitet.grant_read('Sec $f$ "q"' || repeat('x', 43), 'kv_sec_h1');
RESET ROLE;
SELECT ok(has_table_privilege('kv_sec_h1', format('%I.indicator_values', 'Sec $f$ "q"' || repeat('x', 43) || '_private'), 'SELECT'),
          'grant_read grants on its private objects');

-- 4. A plain REFRESH by the owner with public functions shadowing isfinite,
-- date_trunc and text =, and search_path = public, pg_catalog, runs none of
-- them.
CREATE TABLE public.kv_sec_calls (f text);
GRANT INSERT ON public.kv_sec_calls TO PUBLIC;
CREATE FUNCTION public.isfinite(timestamptz) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO public.kv_sec_calls VALUES ('isfinite'); RETURN false; END$$;
CREATE FUNCTION public.date_trunc(text, timestamp) RETURNS timestamp LANGUAGE plpgsql AS
$$BEGIN INSERT INTO public.kv_sec_calls VALUES ('date_trunc'); RETURN timestamp '1900-01-01'; END$$;
CREATE FUNCTION public.kv_sec_text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN INSERT INTO public.kv_sec_calls VALUES ('='); RETURN false; END$$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.kv_sec_text_eq);
SET ROLE kv_sec_owner;
DROP TABLE sec_private.mine;
SELECT kvalitet.bind('sec', 'sec_src.contacts', units => 'sec_src.units', epikriser => 'sec_src.letters');
SET LOCAL search_path = public, pg_catalog;
REFRESH MATERIALIZED VIEW sec_private.org_units;
REFRESH MATERIALIZED VIEW sec_private.stays;
REFRESH MATERIALIZED VIEW sec_private.indicator_values;
RESET search_path;
RESET ROLE;
SELECT is((SELECT count(*) FROM public.kv_sec_calls), 0::bigint, 'a plain refresh under a hostile search_path calls none of its functions');
SELECT is((SELECT numerator || '/' || denominator FROM sec.indicator_values WHERE indicator_code = 'epikrise_timely'
           AND period_type = 'year' AND org_level = 'region'), '1/1', 'and the letters keep their year');
DROP OPERATOR public.= (text, text);
DROP FUNCTION public.isfinite(timestamptz), public.date_trunc(text, timestamp);

-- 7. DROP EXTENSION kvalitet CASCADE leaves objects behind in the private
-- schema; bind cleans up its own leftovers and binds again.
DROP EXTENSION kvalitet CASCADE;
CREATE EXTENSION kvalitet;
SET ROLE kv_sec_owner;
SELECT is((SELECT count(*) FROM kvalitet.bind('sec', 'sec_src.contacts', units => 'sec_src.units',
                                              epikriser => 'sec_src.letters') WHERE computed),
          6::bigint, 'after DROP EXTENSION kvalitet CASCADE the same schemas bind again');
RESET ROLE;

-- 8. A binding whose stays are a table (as on a Citus coordinator) is
-- refilled by its fill_stays() only when that runs as the table's owner
-- (SECURITY DEFINER, owned by it): a superuser's refresh never runs a
-- function of the binding's owner with the superuser's rights.
CREATE TABLE public.kv_sec_fill (who text);
GRANT INSERT ON public.kv_sec_fill TO PUBLIC;
CREATE SCHEMA forged AUTHORIZATION kv_sec_other;
CREATE SCHEMA forged_private AUTHORIZATION kv_sec_other;
SET ROLE kv_sec_other;
CREATE TABLE forged_private.stays (patient bigint);
CREATE FUNCTION forged_private.fill_stays() RETURNS bigint LANGUAGE sql
	AS $f$INSERT INTO public.kv_sec_fill VALUES (current_user) RETURNING 1::bigint$f$;
INSERT INTO kvalitet.binding (schema_name, private_schema, preset, sources, options, indicators, relations)
VALUES ('forged', 'forged_private', 'none', '{}', '{}', '[]', '{forged_private.stays}');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM kvalitet.refresh('forged')$$, '42501',
                 'kvalitet.refresh: the table forged_private.stays has no fill function that runs as its owner',
                 'refresh refuses a stays table whose fill function would run with the refreshing role''s rights');
SELECT is((SELECT count(*) FROM public.kv_sec_fill), 0::bigint, '... and runs none of it');
SET ROLE kv_sec_other;
ALTER FUNCTION forged_private.fill_stays() SECURITY DEFINER;
RESET ROLE;
SELECT lives_ok($$SELECT * FROM kvalitet.refresh('forged')$$, 'the table owner''s SECURITY DEFINER fill function is called');
SELECT is((SELECT string_agg(who, ',') FROM public.kv_sec_fill), 'kv_sec_other', '... with the owner''s rights, not the caller''s');

SELECT * FROM finish();
ROLLBACK;
