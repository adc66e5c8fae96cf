-- A binding owned by an ordinary role, read by BI roles: the views are
-- security_invoker, so row-level security on the owner's units table decides
-- which figures each role sees; a role without grants gets an error.
BEGIN;
SET client_min_messages = warning;
SELECT plan(21);

CREATE ROLE kv_goals_owner;
CREATE ROLE kv_goals_h1;
CREATE ROLE kv_goals_all;
CREATE ROLE kv_goals_none;
CREATE ROLE kv_goals_nounits;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO kv_goals_owner', current_database()); END $$;

-- Run a query as another role (inside the caller's transaction) and return
-- its rows as text; the role is put back before pgTAP records anything.
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('role', r, true);
	RETURN QUERY EXECUTE format('SELECT t::text FROM (%s) AS t', q);
	PERFORM set_config('role', 'none', true);
END $$;

SET ROLE kv_goals_owner;
CREATE SCHEMA src;
CREATE TABLE src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                           diagnosis text, died boolean, unit text);
INSERT INTO src.contacts VALUES
(1, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'A1'),
(1, '2025-03-11 10:00+00', '2025-03-12 10:00+00', true, 'DJ189', false, 'A1'),
(2, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'A2'),
(3, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'B1'),
(3, '2025-03-05 10:00+00', '2025-03-06 10:00+00', true, 'DI219', false, 'B1'),
(4, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'B1');
CREATE TABLE src.units (unit text, hospital text, department text, readers text[]);
INSERT INTO src.units VALUES ('A1', 'H1', 'Medicin', '{kv_goals_h1}'), ('A2', 'H1', 'Kirurgi', '{kv_goals_h1}'),
                             ('B1', 'H2', 'Medicin', '{}');
ALTER TABLE src.units ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_hospital ON src.units FOR SELECT
	USING (current_user = ANY (readers) OR current_user = 'kv_goals_all');
SELECT is((SELECT count(*) FROM kvalitet.bind('bi', 'src.contacts', units => 'src.units') WHERE computed), 5::bigint,
          'an ordinary role binds its own tables');
SELECT is((SELECT count(*) FROM kvalitet.refresh('bi')), 4::bigint, 'and refreshes them');
SELECT kvalitet.grant_read('bi', 'kv_goals_h1');
SELECT kvalitet.grant_read('bi', 'kv_goals_all');
SELECT kvalitet.grant_read('bi', 'kv_goals_nounits');
GRANT SELECT ON src.units TO kv_goals_h1, kv_goals_all;
RESET ROLE;

SELECT is((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'bi_private'), 'kv_goals_owner',
          'the generated objects belong to the binding role');
SELECT is((SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname IN ('bi', 'bi_private') AND c.relowner <> 'kv_goals_owner'::regrole), 0::bigint,
          'every generated relation belongs to the binding role');

-- The owner (no RLS for a table's owner) sees everything: readmissions 1/3 in
-- H1 (patient 1's first stay, in A1) and 1/3 in H2 (patient 3), 2/6 in the region.
SELECT results_eq(
	$$SELECT * FROM pg_temp.as_role('kv_goals_owner', 'SELECT org_unit, numerator, denominator FROM bi.indicator_values
	  WHERE indicator_code = ''readmission_30d'' AND period_type = ''year'' ORDER BY org_level, org_unit')$$,
	$$VALUES ('("H1 / Kirurgi",0,1)'), ('("H1 / Medicin",1,2)'), ('("H2 / Medicin",1,3)'), ('(H1,1,3)'), ('(H2,1,3)'), ('(Region,2,6)')$$,
	'the owner sees every org unit');

SELECT results_eq(
	$$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT org_unit, numerator, denominator FROM bi.indicator_values
	  WHERE indicator_code = ''readmission_30d'' AND period_type = ''year'' ORDER BY org_level, org_unit')$$,
	$$VALUES ('("H1 / Kirurgi",0,1)'), ('("H1 / Medicin",1,2)'), ('(H1,1,3)')$$,
	'a role restricted to hospital H1 sees only H1''s figures (no region, no H2)');
SELECT is((SELECT count(*) FROM pg_temp.as_role('kv_goals_h1',
	'SELECT 1 FROM bi.indicator_values WHERE hospital IS DISTINCT FROM ''H1''')), 0::bigint,
	'no other hospital''s rows in any period');
SELECT results_eq(
	$$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT DISTINCT patient FROM bi.stays ORDER BY 1')$$,
	$$VALUES ('(1)'), ('(2)')$$,
	'it sees the stays discharged from H1''s units only');
SELECT results_eq(
	$$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT DISTINCT org_unit FROM bi.goal_overview ORDER BY 1')$$,
	$$VALUES ('(H1)'), ('("H1 / Kirurgi")'), ('("H1 / Medicin")')$$,
	'goal_overview shows H1 only');
SELECT is((SELECT count(*) FROM pg_temp.as_role('kv_goals_all', 'SELECT 1 FROM bi.indicator_values')),
          (SELECT count(*) FROM pg_temp.as_role('kv_goals_owner', 'SELECT 1 FROM bi.indicator_values')),
          'a role that sees every unit sees every row');
SELECT is((SELECT count(*) FROM pg_temp.as_role('kv_goals_all', 'SELECT 1 FROM bi.stays')), 6::bigint,
          'and every stay');

-- Withdrawing a unit from a role hides its hospital and the region.
SET ROLE kv_goals_owner;
UPDATE src.units SET readers = '{}' WHERE unit = 'A2';
RESET ROLE;
SELECT results_eq(
	$$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT org_unit FROM bi.indicator_values
	  WHERE indicator_code = ''readmission_30d'' AND period_type = ''year'' ORDER BY org_level, org_unit')$$,
	$$VALUES ('("H1 / Medicin")')$$,
	'seeing only some units of H1 shows only their department');

SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_none', 'SELECT * FROM bi.indicator_values')$$,
                 '42501', NULL, 'a role without grants gets a permission error');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_none', 'SELECT * FROM bi.goal_overview')$$,
                 '42501', NULL, 'on goal_overview too');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_none', 'SELECT * FROM bi.stays')$$,
                 '42501', NULL, 'and on stays');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_nounits', 'SELECT * FROM bi.indicator_values')$$,
                 '42501', NULL, 'a reader who may not read the units table gets an error, not data');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT * FROM bi_private.indicator_values')$$,
                 '42501', NULL, 'readers cannot go around the views to the private schema');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT * FROM kvalitet.refresh(''bi'')')$$,
                 '42501', NULL, 'readers cannot refresh');
SELECT throws_ok($$SELECT * FROM pg_temp.as_role('kv_goals_h1', 'SELECT kvalitet.unbind(''bi'')')$$,
                 '42501', NULL, 'nor unbind');
SELECT throws_ok('DO $d$ BEGIN SET LOCAL ROLE kv_goals_h1; DELETE FROM kvalitet.binding; END $d$',
                 '42501', NULL, 'nor delete the binding (the trigger on kvalitet.binding)');
SELECT is((SELECT count(*) FROM pg_temp.as_role('kv_goals_h1', 'SELECT 1 FROM bi.status')), 20::bigint,
          'readers see the status of every catalogue indicator');

SELECT * FROM finish();
ROLLBACK;
