-- test/pgtap/lib/plan_of.sql - pg_temp.plan_of(query): the query's EXPLAIN
-- (COSTS OFF) text, for tests that assert a plan shape.  Included with \ir.
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; out text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP out := out || r || E'\n'; END LOOP;
	RETURN out;
END $$;
