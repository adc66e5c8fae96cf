-- bench/best_of.sql - included by the psql benchmarks (\ir): a table of
-- timings and pg_temp.best(what, query [, runs]), which runs the query
-- `runs` times (default 3) and records the best time in milliseconds.
CREATE TEMP TABLE timings (what text, ms double precision);
CREATE FUNCTION pg_temp.best(what text, q text, runs int DEFAULT 3) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; best double precision;
BEGIN
	FOR i IN 1..runs LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
	END LOOP;
	INSERT INTO timings VALUES (what, best);
END $$;
