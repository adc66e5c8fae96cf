-- bench/codes.sql - run by bench/codes.sh inside a throwaway cluster.
-- Prints, from one run (best of 3 each), the floor, a plain upper() per row,
-- kvalitet.code_in and kvalitet.normalize_code per row, with the ratios.
SET jit = off;
SET max_parallel_workers_per_gather = 0;
-- Diagnoses drawn from 20 written forms (upper and lower case, with and
-- without dots and the D prefix), as they come in extracts.
CREATE UNLOGGED TABLE codes AS
SELECT (ARRAY['DE86', 'dj18.9', 'DI219', 'DC509', 'DS720', 'DF200', 'J44.1', 'DN390', 'DK590', 'DI500',
              'DZ038', 'DR074', 'DJ441', 'E11.9', 'DD500', 'DL899', 'DT12', 'DA099', 'DK529', 'DI639'])
       [1 + abs(hashint4(i)) % 20] AS diagnosis
FROM generate_series(1, :rows) AS i;
VACUUM ANALYZE codes;
\ir best_of.sql
SELECT pg_temp.best('count(*) floor', 'SELECT count(*) FROM codes');
SELECT pg_temp.best('upper(diagnosis) per row', 'SELECT count(*) FILTER (WHERE upper(diagnosis) <> '''') FROM codes');
SELECT pg_temp.best('kvalitet.code_in per row', 'SELECT count(*) FILTER (WHERE kvalitet.code_in(diagnosis, ''preventable_elderly'', ''2025-01-01'')) FROM codes');
SELECT pg_temp.best('kvalitet.normalize_code per row', 'SELECT count(*) FILTER (WHERE kvalitet.normalize_code(diagnosis) <> '''') FROM codes');
SELECT w.what, round(w.ms) AS ms,
       round((w.ms / f.ms)::numeric, 2) AS x_floor,
       round((w.ms / u.ms)::numeric, 2) AS x_upper
FROM timings w, (SELECT ms FROM timings WHERE what = 'count(*) floor') f,
     (SELECT ms FROM timings WHERE what = 'upper(diagnosis) per row') u;
