-- Udredningsret over pathway markers (SPEC 11.4; docs/indicators.md
-- "Udredningsret"): hand-worked clocks on every threshold, bad rows, and a
-- cross-check against an independent formulation on seeded random markers.
SET client_min_messages = warning;
CREATE SCHEMA test_pathways;
SET search_path = test_pathways, public;
SET kvalitet.timezone = 'Europe/Copenhagen';
SET TimeZone = 'UTC';

-- The marker codes are SKS administrative codes: no D is added, prefixes match.
SELECT kvalitet.normalize_code('afv01a') AS start_code, kvalitet.normalize_code('AFX 01.D1') AS clinical_code,
       kvalitet.code_in('AFV01A', 'udredning_start') AS s, kvalitet.code_in('afx01a', 'udredning_done') AS d1,
       kvalitet.code_in('AFX01C', 'udredning_done') AS d2, kvalitet.code_in('AFX01D1', 'udredning_clinical') AS c,
       kvalitet.code_in('AFX01D', 'udredning_clinical') AS c_short, kvalitet.code_in('AFX01B', 'udredning_done') AS other;
SELECT kvalitet.is_code(x) AS is_code, x FROM unnest(ARRAY['AFV01A', ' afx 01.a', 'J44.9', '12?', '', 'ÆFV01A',
       'A23456789012345X', 'A2345678901234XY']) AS x;

CREATE TABLE markers (patient bigint, pathway_id text, code text, marked_at timestamptz);
-- Local times (Copenhagen); CET is UTC+1, CEST (from 2025-03-30) UTC+2.
INSERT INTO markers VALUES
-- A: done on local day 30 at 23:59 -> met, 30 days
(1, 'A', 'AFV01A', '2025-03-01 10:00+01'), (1, 'A', 'AFX01A', '2025-03-31 23:59+02'),
-- B: done at local midnight starting day 31 (still 03-31 in UTC) -> not met, 31 days
(1, 'B', 'AFV01A', '2025-03-01 10:00+01'), (1, 'B', 'AFX01C', '2025-04-01 00:00+02'),
-- C: start late evening before the DST change, done day 30 late evening after it -> met
(2, 'C', 'AFV01A', '2025-03-15 23:30+01'), (2, 'C', 'afx01a', '2025-04-14 23:30+02'),
-- D: clinical reasons on day 10 -> met by default
(2, 'D', 'AFV01A', '2025-04-01 09:00+02'), (2, 'D', 'AFX 01.D1', '2025-04-11 09:00+02'),
-- E: a done marker before the start does not end it; open, day 30 (05-31) <= data end -> counted, not met
(3, 'E', 'AFX01A', '2025-04-20 09:00+02'), (3, 'E', 'AFV01A', '2025-05-01 09:00+02'),
-- F: open, day 30 (06-19) after the data end (06-15) -> not counted yet
(3, 'F', 'AFV01A', '2025-05-20 09:00+02'),
-- G: open, day 30 = the data end (06-15) -> counted in June, not met
(3, 'G', 'AFV01A', '2025-05-16 09:00+02'),
-- H: start and done at the same instant -> 0 days, met
(4, 'H', 'AFV01A', '2025-02-03 08:00+01'), (4, 'H', 'AFX01A', '2025-02-03 08:00+01'),
-- I: two starts, one done: both clocks end there (19 and 10 days)
(4, 'I', 'AFV01A', '2025-02-01 08:00+01'), (4, 'I', 'AFV01A', '2025-02-10 08:00+01'),
(4, 'I', 'AFX01A', '2025-02-20 08:00+01'), (4, 'I', 'AFX01A', '2025-02-25 08:00+01'),
-- J: done and clinical at the same instant: done ends it
(5, 'J', 'AFV01A', '2025-02-01 08:00+01'), (5, 'J', 'AFX01D1', '2025-02-05 08:00+01'), (5, 'J', 'AFX01A', '2025-02-05 08:00+01'),
-- K: the same pathway id of another patient is another pathway: patient 6's done does not end 5's clock
(5, 'K', 'AFV01A', '2025-01-10 08:00+01'), (6, 'K', 'AFX01A', '2025-01-12 08:00+01'),
(5, 'K', 'AFX01A', '2025-02-12 08:00+01'),
-- L: day 30 vs 31 across the autumn change: start 10-01 00:30 local, done 10-31 23:30 local (day 30) -> met
(7, 'L', 'AFV01A', '2025-10-01 00:30+02'), (7, 'L', 'AFX01A', '2025-10-31 23:30+01'),
-- M: ... and 11-01 00:00 local (day 31) -> not met
(7, 'M', 'AFV01A', '2025-10-01 00:30+02'), (7, 'M', 'AFX01A', '2025-11-01 00:00+01'),
-- Z: markers of other kinds do not matter, but the latest marker sets the data end (06-15)
(9, 'Z', 'AFB01A', '2025-06-15 12:00+02');

SELECT c.pathway_id, c.start_date, c.end_date, c.end_kind, c.deadline, c.days, c.met, c.counted, c.month
FROM kvalitet.udredning_clocks('SELECT * FROM markers WHERE marked_at < ''2025-09-01''', NULL::bigint) AS c
ORDER BY c.pathway_id, c.start_at;
-- The autumn pathways with their own data end.
SELECT c.pathway_id, c.start_date, c.end_date, c.days, c.met
FROM kvalitet.udredning_clocks('SELECT * FROM markers WHERE pathway_id IN (''L'', ''M'')', NULL::bigint) AS c
ORDER BY c.pathway_id;
-- In UTC the day-31 marker of B would be on day 30: the zone is pinned per call.
SELECT c.pathway_id, c.days, c.met
FROM kvalitet.udredning_clocks('SELECT * FROM markers WHERE pathway_id = ''B''', NULL::bigint, tz => 'UTC') AS c;
-- Clinical reasons counted as not met.
SELECT c.pathway_id, c.end_kind, c.met
FROM kvalitet.udredning_clocks('SELECT * FROM markers WHERE pathway_id IN (''D'', ''J'')', NULL::bigint,
                               clinical_counts_as_met => false) AS c ORDER BY 1;
-- An explicit data end: G's day 30 (06-15) after 06-14 -> not counted; E still counted.
SELECT c.pathway_id, c.counted, c.month
FROM kvalitet.udredning_clocks('SELECT * FROM markers WHERE pathway_id IN (''E'', ''F'', ''G'')', NULL::bigint,
                               data_end => '2025-06-14') AS c ORDER BY 1;
-- Per month: share met, ended clocks, median and 90th percentile days.
SELECT * FROM kvalitet.udredningsret('SELECT * FROM markers WHERE marked_at < ''2025-09-01''');
-- Text patients work the same way.
SELECT count(*) FROM kvalitet.udredning_clocks('SELECT patient::text AS patient, pathway_id, code, marked_at FROM markers', NULL::text);

-- Bad rows: skipped and counted by reason in one warning; never silently.
SET client_min_messages = notice;
SELECT c.pathway_id, c.days, c.met
FROM kvalitet.udredning_clocks($q$SELECT * FROM (VALUES
  (1::bigint, 'P', 'AFV01A', '2025-03-01 10:00+01'::timestamptz), (1, 'P', 'AFX01A', '2025-03-05 10:00+01'),
  (NULL, 'P', 'AFX01A', '2025-03-02 10:00+01'), (1, NULL, 'AFX01A', '2025-03-02 10:00+01'),
  (1, 'P', 'AFX01A', NULL), (1, 'P', 'AFX01A', 'infinity'), (1, 'P', NULL, '2025-03-02 10:00+01'),
  (1, 'P', '12?', '2025-03-02 10:00+01'), (1, 'P', 'AFX01A', '-infinity'))
  AS v(patient, pathway_id, code, marked_at)$q$, NULL::bigint) AS c;
\set VERBOSITY terse
SET kvalitet.on_bad_input = error;
SELECT * FROM kvalitet.udredningsret($q$SELECT 1::bigint AS patient, 'P' AS pathway_id, '12?' AS code, now() AS marked_at$q$);
RESET kvalitet.on_bad_input;
-- Wrong arguments.
SELECT * FROM kvalitet.udredningsret('SELECT * FROM markers', window_days => -1);
SELECT * FROM kvalitet.udredningsret('SELECT * FROM markers', tz => 'Mars/Olympus');
SELECT * FROM kvalitet.udredningsret('SELECT patient, code, marked_at FROM markers');
SET client_min_messages = warning;

-- Cross-check on seeded random markers around the thresholds (local
-- midnight, both DST changes, day 30 and 31) against an independent
-- formulation: a correlated subquery per start, codes matched by LIKE.
SELECT setseed(0.1414);
CREATE TABLE rnd AS
WITH s AS (
  SELECT g AS pathway_no, 1 + (random() * 400)::int AS patient,
         (timestamptz '2025-01-01 00:00+01' + (random() * 360)::int * interval '1 day'
          + (array['00:00', '00:30', '23:30', '23:59:59', '12:00', '01:00', '02:30'])[1 + (random() * 6)::int]::interval)
           AT TIME ZONE 'Europe/Copenhagen' AS local_start
  FROM generate_series(1, 3000) AS g)
SELECT s.patient::bigint AS patient, 'p' || (s.pathway_no % 2500) AS pathway_id, 'AFV01A' AS code,
       (s.local_start AT TIME ZONE 'Europe/Copenhagen') AS marked_at FROM s
UNION ALL
SELECT s.patient, 'p' || (s.pathway_no % 2500),
       (array['AFX01A', 'AFX01C', 'AFX01D1', 'afx01a', 'AFB01A', 'AFV01A'])[1 + (random() * 5)::int],
       ((s.local_start::date + (25 + (random() * 10)::int)
         + (array['00:00', '00:00:01', '23:59:59', '02:30', '12:00'])[1 + (random() * 4)::int]::interval)
         AT TIME ZONE 'Europe/Copenhagen') - (random() < 0.1)::int * interval '40 days'
FROM s, generate_series(1, 1 + (random() * 2)::int);

CREATE TEMP TABLE m AS
  SELECT patient, pathway_id, upper(code) AS code, marked_at, (marked_at AT TIME ZONE 'Europe/Copenhagen')::date AS d FROM rnd;
CREATE INDEX ON m (patient, pathway_id, marked_at);
ANALYZE m;
CREATE TEMP TABLE independent AS
WITH clock AS (
  SELECT st.patient, st.pathway_id, st.marked_at AS start_at, st.d AS start_date,
         (SELECT min(e.marked_at) FROM m AS e
          WHERE e.patient = st.patient AND e.pathway_id = st.pathway_id AND e.marked_at >= st.marked_at
            AND (e.code LIKE 'AFX01A%' OR e.code LIKE 'AFX01C%' OR e.code LIKE 'AFX01D1%')) AS end_at
  FROM m AS st WHERE st.code LIKE 'AFV01A%'),
dend AS (SELECT max(d) AS data_end FROM m)
SELECT c.patient, c.pathway_id, c.start_at, c.end_at,
       (c.end_at AT TIME ZONE 'Europe/Copenhagen')::date - c.start_date AS days,
       coalesce((c.end_at AT TIME ZONE 'Europe/Copenhagen')::date <= c.start_date + 30, false) AS met,
       CASE WHEN c.end_at IS NOT NULL THEN date_trunc('month', c.end_at AT TIME ZONE 'Europe/Copenhagen')::date
            WHEN c.start_date + 30 <= dend.data_end THEN date_trunc('month', c.start_date + 30)::date END AS month
FROM clock AS c CROSS JOIN dend;

CREATE TEMP TABLE engine AS
SELECT patient, pathway_id, start_at, end_at, days, met, month
FROM kvalitet.udredning_clocks('SELECT * FROM rnd', NULL::bigint);
SELECT (SELECT count(*) FROM engine) AS clocks,
       (SELECT count(*) FROM engine WHERE month IS NOT NULL) AS counted,
       (SELECT count(*) FROM engine WHERE met) AS met,
       (SELECT count(*) FROM engine WHERE days IN (30, 31)) AS on_threshold,
       (SELECT count(*) FROM (SELECT * FROM engine EXCEPT ALL SELECT * FROM independent) AS x) AS engine_only,
       (SELECT count(*) FROM (SELECT * FROM independent EXCEPT ALL SELECT * FROM engine) AS x) AS independent_only;
-- And the monthly figures equal the sums over the independent clocks.
SELECT count(*) AS months_differing FROM (
  SELECT month, kvalitet.numerator(met)::bigint AS n, kvalitet.denominator(met)::bigint AS d
  FROM kvalitet.udredningsret('SELECT * FROM rnd')
  EXCEPT
  SELECT month, count(*) FILTER (WHERE met), count(*) FROM independent WHERE month IS NOT NULL GROUP BY month) AS x;

SET client_min_messages = warning;
DROP SCHEMA test_pathways CASCADE;
RESET search_path;
