#!/usr/bin/env bash
# bench/stays-run.sh - the body of bench/stays.sh: builds the contact table,
# times the patient-flow aggregates against count(*) and the pure-SQL
# reference, checks that both give the same results, and prints the table.
#
# It talks to whatever database the PG* variables point at (bench/stays.sh
# starts a throwaway cluster for it), all in ONE psql session, and drops
# and recreates the schemas kvalitet_ref and kvbench and the extension
# kvalitet there.
#
# Environment: KV_BENCH_CONTACTS (rows, default 1000000), KV_BENCH_RUNS
# (timed runs per operation and setting, default 2), KV_BENCH_BASELINE_RUNS
# (runs of the pure-SQL baseline; default KV_BENCH_RUNS up to 1000000
# contacts and 0 above; 0 skips the baseline and the checks against it).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
contacts=${KV_BENCH_CONTACTS:-1000000}
runs=${KV_BENCH_RUNS:-2}
# The pure-SQL baseline takes 10-25 s per query at 1 M contacts and 2-3
# minutes at 10 M, so by default it only runs up to 1 M;
# KV_BENCH_BASELINE_RUNS forces it.
if [ -n "${KV_BENCH_BASELINE_RUNS:-}" ]; then
	baseline_runs=$KV_BENCH_BASELINE_RUNS
	baseline_note="$baseline_runs runs"
elif [ "$contacts" -le 1000000 ]; then
	baseline_runs=$runs
	baseline_note="$baseline_runs runs"
else
	baseline_runs=0
	baseline_note="skipped above 1000000 contacts (minutes per run; --baseline-runs 1 forces it)"
fi
# A baseline run longer than this (seconds) is not repeated.
baseline_repeat_limit=${KV_BENCH_BASELINE_REPEAT_LIMIT:-150}

# The operations: SELECTs whose single value (r) is kept for the checks, or,
# given a table name, materialized with CREATE TEMP TABLE.  The per-stay
# tables are named after the setting (s_w0, s_ref_w2, ...) so the checks can
# compare them afterwards.
T=kvalitet_ref.contacts
q_floor="SELECT count(*) AS r FROM $T"
q_cols="SELECT count(*) || '/' || max(patient) || '/' || max(start_at) || '/' || max(end_at) || '/' || bool_or(acute) || '/' || sum(length(diagnosis)) || '/' || bool_or(died) || '/' || bool_or(index_eligible) AS r FROM $T"
q_cols5="SELECT count(*) || '/' || max(patient) || '/' || max(start_at) || '/' || max(end_at) || '/' || bool_or(acute) || '/' || sum(length(diagnosis)) AS r FROM $T"
q_readm="SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text AS r FROM $T"
q_readm_ord="SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible ORDER BY patient)::text AS r FROM $T"
q_prev="SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis)::text AS r FROM $T"
# The outcomes (SPEC 11.1, 11.5, 11.6): a death date on every tenth patient
# and a birth date on another tenth (both spread over the data's 1800
# days), as if joined from the CPR register.
q_mort="SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, CASE WHEN patient % 10 = 0 THEN date '2018-01-01' + (patient % 1800)::int END)::text AS r FROM $T"
q_newborn="SELECT kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, CASE WHEN patient % 10 = 1 THEN date '2018-01-01' + (patient % 1800)::int END)::text AS r FROM $T"
q_prev_readm="SELECT kvalitet.preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, index_eligible)::text AS r FROM $T"
q_stays="SELECT patient, (x).* FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, index_eligible, NULL::text)) x FROM $T GROUP BY patient) q"
q_query_stays="SELECT * FROM kvalitet.stays(\$\$SELECT patient, start_at, end_at, acute, diagnosis, died, index_eligible FROM $T\$\$, NULL::bigint)"
q_ref_readm="SELECT numerator || '/' || denominator AS r FROM kvalitet_ref.readmission_rate()"
# The preventable share in plain SQL, as a BI engineer would write it for
# this one figure: stays by window functions (a contact opens a stay when it
# starts more than 4 h after every earlier contact ended), the dominant
# diagnosis by total duration, and a join to kvalitet's code table by prefix
# (entries are prefixes, or ranges of prefixes of one length).  The codes
# are already in normal form here, so it skips kvalitet's normalisation.
q_ref_prev=$(cat <<SQL
WITH c AS (
	SELECT DISTINCT patient, start_at, end_at, coalesce(end_at, 'infinity') AS end_key,
		   coalesce(acute, false) AS acute, diagnosis COLLATE "C" AS dx
	FROM $T
	WHERE patient IS NOT NULL AND start_at IS NOT NULL AND (end_at IS NULL OR end_at >= start_at)
), opened AS (
	SELECT c.*, coalesce(start_at > max(end_key) OVER (PARTITION BY patient
		ORDER BY start_at, end_key, dx NULLS LAST, acute ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
		+ interval '4 hours', true) AS opens
	FROM c
), numbered AS (
	SELECT o.*, sum(opens::int) OVER (PARTITION BY patient ORDER BY start_at, end_key, dx NULLS LAST, acute) AS stay_no
	FROM opened o
), stays AS (
	SELECT patient, stay_no, bool_or(acute) FILTER (WHERE opens) AS acute,
		   bool_or(end_at IS NULL) OR max(end_at) - min(start_at) >= interval '12 hours' AS admission
	FROM numbered GROUP BY patient, stay_no
), dominant AS (
	SELECT DISTINCT ON (patient, stay_no) patient, stay_no, dx
	FROM (SELECT patient, stay_no, dx, min(start_at) AS first_start,
				 CASE WHEN bool_or(end_at IS NULL) THEN 'Infinity'::numeric
					  ELSE sum(extract(epoch FROM end_at) - extract(epoch FROM start_at)) END AS secs
		  FROM numbered WHERE dx IS NOT NULL GROUP BY patient, stay_no, dx) t
	ORDER BY patient, stay_no, secs DESC, first_start, dx
), entries AS (
	SELECT split_part(entry, '-', 1) COLLATE "C" AS low,
		   coalesce(nullif(split_part(entry, '-', 2), ''), entry) COLLATE "C" AS high
	FROM kvalitet.code_set_entry WHERE set_name = 'preventable_elderly'
)
SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM entries e
									   WHERE left(d.dx, length(e.low)) BETWEEN e.low AND e.high))
	   || '/' || count(*) AS r
FROM stays s LEFT JOIN dominant d USING (patient, stay_no)
WHERE s.acute AND s.admission
SQL
)
q_ref_stays="SELECT * FROM kvalitet_ref.stays()"
# 30-day mortality in plain SQL over the reference stays, with the same
# death dates as q_mort (SPEC 11.1: the earliest of the register date and the
# local end date of a stay that died; local days in Europe/Copenhagen).
q_ref_mort=$(cat <<SQL
WITH s AS (SELECT * FROM kvalitet_ref.stays()),
d AS (
	SELECT patient, min(dd) AS dd
	FROM (SELECT DISTINCT patient, date '2018-01-01' + (patient % 1800)::int AS dd FROM $T WHERE patient % 10 = 0
	      UNION ALL
	      SELECT patient, (stay_end AT TIME ZONE 'Europe/Copenhagen')::date FROM s
	      WHERE died AND stay_end IS NOT NULL) AS x
	GROUP BY patient)
SELECT count(*) FILTER (WHERE d.dd BETWEEN i.sd AND i.sd + 30) || '/' || count(*) AS r
FROM (SELECT patient, (stay_start AT TIME ZONE 'Europe/Copenhagen')::date AS sd
      FROM s WHERE admission AND acute AND NOT psychiatric) AS i
LEFT JOIN d USING (patient)
SQL
)
# Newborn readmissions (SPEC 11.5) and preventable readmissions (11.6) in
# plain SQL over the reference stays, with q_newborn's birth dates.
q_ref_newborn=$(cat <<SQL
WITH s AS (SELECT * FROM kvalitet_ref.stays()),
b AS (
	SELECT patient, stay_end FROM s
	WHERE stay_no = 1 AND patient % 10 = 1 AND stay_end IS NOT NULL AND NOT died
	  AND (stay_start AT TIME ZONE 'Europe/Copenhagen')::date - (date '2018-01-01' + (patient % 1800)::int) IN (0, 1))
SELECT count(*) FILTER (WHERE EXISTS (
		SELECT 1 FROM s AS l
		WHERE l.patient = b.patient AND l.stay_no > 1 AND l.admission
		  AND (l.stay_start AT TIME ZONE 'Europe/Copenhagen')::date
		      <= (b.stay_end AT TIME ZONE 'Europe/Copenhagen')::date + 28
		  AND kvalitet_ref.in_set(l.dominant_diagnosis, 'newborn_selected_causes')))
	   || '/' || count(*) AS r
FROM b
SQL
)
q_ref_prev_readm=$(cat <<SQL
WITH s AS (SELECT * FROM kvalitet_ref.stays())
SELECT count(*) FILTER (WHERE s.readmitted AND kvalitet_ref.in_set(n.dominant_diagnosis, 'preventable_elderly'))
	   || '/' || count(*) FILTER (WHERE s.index_stay) AS r
FROM s LEFT JOIN s AS n ON n.patient = s.patient AND n.stay_start = s.next_admission_start AND n.admission
SQL
)

# Emit psql lines that time one run of an operation; an error is recorded
# (and shown in the table) instead of stopping the benchmark.
#   timed OP WORKERS RUN QUERY [TABLE]   (TABLE: materialize into this temp table)
timed() {
	local op=$1 workers=$2 run=$3 query=$4 table=${5:-}
	if [ -n "$table" ]; then
		printf 'DROP TABLE IF EXISTS %s;\n' "$table"
	fi
	cat <<EOF
SELECT kvbench.reset_peak() AS rss_before, '' AS r \gset
SELECT clock_timestamp() AS t0 \gset
\set ON_ERROR_STOP 0
EOF
	if [ -n "$table" ]; then
		printf 'CREATE TEMP TABLE %s AS %s;\n' "$table" "$query"
	else
		printf '%s \\gset\n' "$query"
	fi
	cat <<EOF
\set ON_ERROR_STOP 1
\if :ERROR
SELECT kvbench.record_error('$op', $workers, $run, :'LAST_ERROR_MESSAGE') AS line \gset
\else
SELECT kvbench.record('$op', $workers, $run, :'t0', :'rss_before', \$q\$$query\$q\$) AS line \gset
SELECT :'r' AS ${op}_w${workers} \gset
\endif
\echo :line
EOF
}

# Emit one run of the kvalitet operations in one setting of
# max_parallel_workers_per_gather.
c_run() {
	local run=$1 w=$2
	printf 'SET max_parallel_workers_per_gather = %d;\n' "$w"
	printf '\\echo == run %d, max_parallel_workers_per_gather = %d\n' "$run" "$w"
	timed floor "$w" "$run" "$q_floor"
	timed scan_columns "$w" "$run" "$q_cols"
	timed scan_columns5 "$w" "$run" "$q_cols5"
	timed readmission_rate "$w" "$run" "$q_readm"
	timed readmission_ordered "$w" "$run" "$q_readm_ord"
	timed preventable_share "$w" "$run" "$q_prev"
	timed mortality_rate "$w" "$run" "$q_mort"
	timed newborn_readmission "$w" "$run" "$q_newborn"
	timed preventable_readmission "$w" "$run" "$q_prev_readm"
	timed stays "$w" "$run" "$q_stays" "s_w$w"
	timed query_stays "$w" "$run" "$q_query_stays" "sq_w$w"
	if [ "$w" -gt 0 ]; then
		# The plans the planner no longer picks: partial aggregation in
		# parallel workers, given back by lowering the COST of merging
		# states (src/stays_cost.c), to show what they cost.
		printf 'ALTER FUNCTION kvalitet.stays_combine(internal, internal) COST 0.001;\n'
		timed readmission_partial "$w" "$run" "$q_readm"
		timed preventable_partial "$w" "$run" "$q_prev"
		printf 'ALTER FUNCTION kvalitet.stays_combine(internal, internal) COST 10;\n'
	fi
}

# Emit one run of the pure-SQL baseline in one setting; after the first run,
# only if that took under baseline_repeat_limit seconds.
ref_run() {
	local run=$1 w=$2
	printf 'SET max_parallel_workers_per_gather = %d;\n' "$w"
	printf '\\echo == baseline run %d, max_parallel_workers_per_gather = %d\n' "$run" "$w"
	if [ "$run" -gt 1 ]; then
		printf "SELECT coalesce(max(secs) > %d, false) AS slow FROM kvbench.results WHERE op LIKE 'ref%%' AND workers = %d \\gset\n" "$baseline_repeat_limit" "$w"
		printf '\\if :slow\n\\echo   first run over %d s: not repeated\n\\else\n' "$baseline_repeat_limit"
	fi
	timed ref_readmission_rate "$w" "$run" "$q_ref_readm"
	timed ref_stays "$w" "$run" "$q_ref_stays" "s_ref_w$w"
	timed ref_preventable_share "$w" "$run" "$q_ref_prev"
	timed ref_mortality_rate "$w" "$run" "$q_ref_mort"
	timed ref_newborn_readmission "$w" "$run" "$q_ref_newborn"
	timed ref_preventable_readmission "$w" "$run" "$q_ref_prev_readm"
	if [ "$run" -gt 1 ]; then
		printf '\\endif\n'
	fi
}

script() {
	cat <<EOF
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS kvalitet CASCADE;
CREATE EXTENSION kvalitet;
\i $root/test/reference/reference.sql
DROP SCHEMA IF EXISTS kvbench CASCADE;
CREATE SCHEMA kvbench;

-- A uniform draw in [0, 1) fixed by (i, salt): the data do not depend on
-- scan order, parallelism or random()'s state.
CREATE FUNCTION kvbench.u(i bigint, salt int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS \$\$ SELECT ((hashint8extended(i, salt) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 \$\$;

-- ~200 SKS diagnosis codes, the common ones first (the draw favours low ids):
-- the named ones, then generated codes of the same shape.
CREATE TABLE kvbench.codes (id int, code text);
INSERT INTO kvbench.codes
SELECT row_number() OVER (ORDER BY o) - 1, code
FROM (SELECT DISTINCT ON (code) code, o
	  FROM (SELECT code, o
			FROM unnest(ARRAY[
				'DZ038', 'DR074', 'DJ189', 'DE869', 'DN390', 'DI219', 'DI480', 'DI509',
				'DJ441', 'DS720', 'DR109', 'DK359', 'DC509', 'DF200', 'DO800', 'DI639',
				'DE119', 'DI109', 'DK590', 'DJ209', 'DA099', 'DR539', 'DZ763', 'DD509',
				'DS525', 'DS060', 'DJ180', 'DI210', 'DI211', 'DI214', 'DC501', 'DC504',
				'DS721', 'DS722', 'DF209', 'DJ181', 'DJ159', 'DJ22', 'DK529', 'DN300',
				'DL890', 'DZ740', 'DS422', 'DS822', 'DT023', 'DI251', 'DI269', 'DI110',
				'DE101', 'DE039', 'DE871', 'DK802', 'DK805', 'DK219', 'DK250', 'DK650',
				'DK922', 'DK746', 'DM545', 'DM170', 'DM161', 'DM796', 'DN179', 'DN189',
				'DN200', 'DG409', 'DG459', 'DG35', 'DG309', 'DH251', 'DR060', 'DR104',
				'DR42', 'DR55', 'DR509', 'DR319', 'DZ039', 'DZ348', 'DZ515', 'DF329',
				'DF102', 'DF431', 'DO829', 'DO420', 'DD649', 'DB349', 'DT814', 'DT845',
				'DS001', 'DS328', 'DX599', 'DA419', 'DA047', 'DC349', 'DC189', 'DC61']::text[])
				WITH ORDINALITY AS e(code, o)
			UNION ALL
			SELECT 'D' || substr('ABGHKLMNQR', 1 + i % 10, 1)
				   || lpad((10 + (i / 10) * 7)::text, 2, '0') || ((i * 3) % 10)::text,
				   1000 + i
			FROM generate_series(0, 119) i) a
	  ORDER BY code, o) b;
SELECT count(*) AS ncodes FROM kvbench.codes \gset

-- The contacts: patients with a geometric number of contacts (mean 4),
-- each contact starting a gap after the previous one ended: 3 % overlap,
-- 25 % transfers within 4 h, 12 % within 3 days, 20 % within 30 days, the
-- rest later; 35 % last under 4 h, 35 % up to 2 days, 30 % up to 14 days;
-- 65 % acute, 1 % without a diagnosis, 1 % of last contacts still open,
-- 2 % of last contacts end in death, 97 % index eligible.
\echo == building $contacts contacts
SELECT clock_timestamp() AS t0 \gset
SET max_parallel_workers_per_gather = 0;
SET work_mem = '2GB';
DROP TABLE kvalitet_ref.contacts;
CREATE UNLOGGED TABLE kvalitet_ref.contacts AS
WITH pat AS (
	SELECT p, 1 + floor(ln(1 - kvbench.u(p, 1)) / ln(0.75))::int AS k,
		   timestamptz '2018-01-01 00:00+00' + kvbench.u(p, 2) * interval '1800 days' AS t0
	FROM generate_series(1::bigint, ($contacts / 4) * 11 / 10 + 100) p
),
con AS (
	SELECT pat.p, j, pat.k, pat.t0, pat.p * 1000 + j AS key
	FROM pat, generate_series(1, pat.k) j
	LIMIT $contacts
),
drawn AS (
	SELECT c.*,
		   CASE WHEN j = 1 THEN 0
				WHEN kvbench.u(key, 3) < 0.03 THEN -1800 * kvbench.u(key, 4)
				WHEN kvbench.u(key, 3) < 0.28 THEN 4 * 3600 * kvbench.u(key, 4)
				WHEN kvbench.u(key, 3) < 0.40 THEN 4 * 3600 + 68 * 3600 * kvbench.u(key, 4)
				WHEN kvbench.u(key, 3) < 0.60 THEN 3 * 86400 + 27 * 86400 * kvbench.u(key, 4)
				ELSE 30 * 86400 + 700 * 86400 * kvbench.u(key, 4)
		   END AS gap_s,
		   CASE WHEN kvbench.u(key, 5) < 0.35 THEN 900 + (4 * 3600 - 900) * kvbench.u(key, 6)
				WHEN kvbench.u(key, 5) < 0.70 THEN 4 * 3600 + 44 * 3600 * kvbench.u(key, 6)
				ELSE 2 * 86400 + 12 * 86400 * kvbench.u(key, 6)
		   END AS len_s
	FROM con c
),
placed AS (
	SELECT d.*,
		   d.t0 + (sum(d.gap_s + d.len_s) OVER (PARTITION BY d.p ORDER BY d.j) - d.len_s)
				  * interval '1 second' AS start_at
	FROM drawn d
)
SELECT p::bigint AS patient,
	   start_at,
	   CASE WHEN j = k AND kvbench.u(key, 7) < 0.01 THEN NULL
			ELSE start_at + len_s * interval '1 second' END AS end_at,
	   kvbench.u(key, 10) < 0.65 AS acute,
	   CASE WHEN kvbench.u(key, 11) < 0.01 THEN NULL
			ELSE (SELECT array_agg(code ORDER BY id) FROM kvbench.codes)
				 [1 + floor(:ncodes * power(kvbench.u(key, 12), 1.5))::int] END AS diagnosis,
	   j = k AND kvbench.u(key, 8) < 0.02 AS died,
	   kvbench.u(key, 9) < 0.97 AS index_eligible
FROM placed
ORDER BY start_at, p;
RESET work_mem;
RESET max_parallel_workers_per_gather;
VACUUM ANALYZE kvalitet_ref.contacts;
SELECT count(*) AS nrows, count(DISTINCT patient) AS npatients,
	   round(100.0 * count(*) FILTER (WHERE acute) / count(*)) AS pct_acute,
	   count(DISTINCT diagnosis) AS ndiag,
	   pg_size_pretty(pg_table_size('kvalitet_ref.contacts')) AS size,
	   round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 1) AS build_s
FROM kvalitet_ref.contacts \gset
\echo rows :nrows, patients :npatients, acute :pct_acute %, distinct diagnoses :ndiag, table :size, built in :build_s s

-- Timings, one row per run.
CREATE TABLE kvbench.results (
	op text, workers int, run int, secs float8, grew_kb bigint, planned int, error text);

-- A line of /proc/self/status in kB (VmHWM, VmRSS), NULL when unreadable.
CREATE FUNCTION kvbench.status_kb(field text) RETURNS bigint LANGUAGE plpgsql AS \$\$
BEGIN
	RETURN (regexp_match(pg_read_file('/proc/self/status'), field || ':\s+(\d+) kB'))[1]::bigint;
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END \$\$;

-- Reset the backend's peak resident set (VmHWM) to its current size and
-- return that size in kB; NULL when the kernel does not allow it.
CREATE FUNCTION kvbench.reset_peak() RETURNS bigint LANGUAGE plpgsql AS \$\$
BEGIN
	EXECUTE \$c\$COPY (SELECT 5) TO '/proc/self/clear_refs'\$c\$;
	RETURN kvbench.status_kb('VmRSS');
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END \$\$;

-- Workers the planner gives a query under the current settings.
CREATE FUNCTION kvbench.workers_planned(query text) RETURNS int LANGUAGE plpgsql AS \$\$
DECLARE
	plan text;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
	RETURN coalesce((regexp_match(plan, '"Workers Planned": (\d+)'))[1]::int, 0);
END \$\$;

-- Store one run and return its progress line.
CREATE FUNCTION kvbench.record(op text, workers int, run int, t0 timestamptz,
							   rss_before text, query text)
RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
	secs float8 := extract(epoch FROM clock_timestamp() - t0);
	grew bigint := kvbench.status_kb('VmHWM') - nullif(rss_before, '')::bigint;
	planned int := kvbench.workers_planned(query);
BEGIN
	INSERT INTO kvbench.results VALUES (op, workers, run, secs, grew, planned);
	RETURN format('  %-22s run %s %s s  %s workers planned  leader peak RSS +%s',
				  op, run, to_char(secs, '99990.00'), planned,
				  coalesce(round(grew / 1024.0) || ' MB', 'n/a'));
END \$\$;

-- Store a failed run and return its progress line.
CREATE FUNCTION kvbench.record_error(op text, workers int, run int, message text)
RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
	INSERT INTO kvbench.results (op, workers, run, error) VALUES (op, workers, run, message);
	RETURN format('  %-22s run %s    ERROR: %s', op, run, message);
END \$\$;

-- Stays in one per-stay table and not the other, or different in a column
-- both fill (next admission only on index stays, see test/reference).
CREATE FUNCTION kvbench.stays_diff(a regclass, b regclass) RETURNS bigint
LANGUAGE plpgsql AS \$\$
DECLARE
	n bigint;
BEGIN
	EXECUTE format(\$q\$
		SELECT count(*)
		FROM %s x FULL JOIN %s y ON y.patient = x.patient AND y.stay_no = x.stay_no
		WHERE x.patient IS NULL OR y.patient IS NULL
		   OR (x.stay_start, x.stay_end, x.admission, x.acute, x.dominant_diagnosis, x.died,
			   x.psychiatric, x.index_stay, x.readmitted)
			  IS DISTINCT FROM
			  (y.stay_start, y.stay_end, y.admission, y.acute, y.dominant_diagnosis, y.died,
			   y.psychiatric, y.index_stay, y.readmitted)
		   OR (x.index_stay AND (x.next_admission_start IS DISTINCT FROM y.next_admission_start
								 OR abs(x.hours_to_next - y.hours_to_next) > 1e-9))\$q\$,
		a, b) INTO n;
	RETURN n;
END \$\$;

-- A verdict line: MATCH, or MISMATCH with both values.
CREATE FUNCTION kvbench.verdict(what text, got text, want text) RETURNS text
LANGUAGE sql AS \$\$
	SELECT rpad(what, 48) || CASE WHEN got = want THEN 'MATCH (' || got || ')'
								  ELSE 'MISMATCH (' || got || ' vs ' || want || ')' END
\$\$;


-- Results of runs that fail or do not run read 'not run' in the checks.
\\set readmission_rate_w0 'not run'
\\set readmission_rate_w2 'not run'
\\set readmission_ordered_w0 'not run'
\\set preventable_share_w0 'not run'
\\set preventable_share_w2 'not run'
\\set readmission_partial_w2 'not run'
\\set preventable_partial_w2 'not run'
\\set ref_readmission_rate_w0 'not run'
\\set ref_preventable_share_w0 'not run'
\\set mortality_rate_w0 'not run'
\\set mortality_rate_w2 'not run'
\\set ref_mortality_rate_w0 'not run'
\\set newborn_readmission_w0 'not run'
\\set ref_newborn_readmission_w0 'not run'
\\set preventable_readmission_w0 'not run'
\\set ref_preventable_readmission_w0 'not run'

SELECT current_setting('work_mem') AS work_mem, current_setting('shared_buffers') AS shared_buffers,
	   current_setting('max_parallel_workers') AS max_parallel_workers, current_setting('jit') AS jit \gset
\echo work_mem :work_mem, shared_buffers :shared_buffers, max_parallel_workers :max_parallel_workers, jit :jit
EOF
	# Serial and parallel runs alternate, so load from elsewhere on the
	# machine hits both settings alike.
	for run in $(seq 1 "$runs"); do
		c_run "$run" 0
		c_run "$run" 2
	done
	for run in $(seq 1 "$baseline_runs"); do
		ref_run "$run" 0
		ref_run "$run" 2
	done
	cat <<EOF

-- Checks: the C aggregates against the pure-SQL reference on the same rows,
-- and the parallel results against the serial ones.
\\echo
\\echo == checks (C vs pure-SQL reference on the same rows; parallel vs serial)
SELECT kvbench.verdict('readmission_rate, 2 workers vs serial', :'readmission_rate_w2', :'readmission_rate_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('readmission_rate ORDER BY patient vs without', :'readmission_ordered_w0', :'readmission_rate_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('preventable_share, 2 workers vs serial', :'preventable_share_w2', :'preventable_share_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('readmission_rate, partial plan vs serial', :'readmission_partial_w2', :'readmission_rate_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('preventable_share, partial plan vs serial', :'preventable_partial_w2', :'preventable_share_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('mortality_rate, 2 workers vs serial', :'mortality_rate_w2', :'mortality_rate_w0') AS line \\gset
\\echo :line
SELECT to_regclass('pg_temp.s_w2') IS NOT NULL AS have_s2 \\gset
\\if :have_s2
SELECT kvbench.verdict('patient_stays, 2 workers vs serial, per stay', kvbench.stays_diff('s_w2', 's_w0') || ' stays differ', '0 stays differ') AS line \\gset
\\echo :line
\\else
\\echo 'patient_stays, 2 workers vs serial, per stay    not checked (the parallel run failed)'
\\endif
SELECT to_regclass('pg_temp.sq_w0') IS NOT NULL AND to_regclass('pg_temp.s_w0') IS NOT NULL AS have_sq \\gset
\\if :have_sq
SELECT kvbench.verdict('kvalitet.stays vs patient_stays, per stay', kvbench.stays_diff('sq_w0', 's_w0') || ' stays differ', '0 stays differ') AS line \\gset
\\echo :line
\\endif
SELECT to_regclass('pg_temp.s_ref_w0') IS NOT NULL AS have_ref \\gset
\\if :have_ref
SELECT kvbench.verdict('readmission_rate, C vs reference', :'readmission_rate_w0', :'ref_readmission_rate_w0') AS line \\gset
\\echo :line
WITH f AS (
	SELECT d, kvalitet_ref.in_set(d, 'preventable_elderly') AS target
	FROM (SELECT DISTINCT dominant_diagnosis AS d FROM s_ref_w0 WHERE dominant_diagnosis IS NOT NULL) x)
SELECT count(*) FILTER (WHERE coalesce(f.target, false)) || '/' || count(*) AS ref_prev
FROM s_ref_w0 r LEFT JOIN f ON f.d = r.dominant_diagnosis
WHERE r.admission AND r.acute \\gset
SELECT kvbench.verdict('preventable_share, C vs reference stays()', :'preventable_share_w0', :'ref_prev') AS line \\gset
\\echo :line
SELECT kvbench.verdict('patient_stays, C vs reference, per stay', kvbench.stays_diff('s_w0', 's_ref_w0') || ' stays differ', '0 stays differ') AS line \\gset
\\echo :line
SELECT kvbench.verdict('preventable_share, C vs SQL code join', :'preventable_share_w0', :'ref_preventable_share_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('mortality_rate, C vs SQL reference', :'mortality_rate_w0', :'ref_mortality_rate_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('newborn_readmission_rate, C vs SQL reference', :'newborn_readmission_w0', :'ref_newborn_readmission_w0') AS line \\gset
\\echo :line
SELECT kvbench.verdict('preventable_readmission_rate, C vs SQL ref.', :'preventable_readmission_w0', :'ref_preventable_readmission_w0') AS line \\gset
\\echo :line
\\else
\\echo 'C vs reference                                  not checked (baseline not run)'
\\endif

-- The table: best run per operation and setting.
\\echo
\\echo == $contacts contacts, :npatients patients; best of $runs runs; baseline: $baseline_note
WITH best AS (
	SELECT op, workers, min(secs) AS secs, max(grew_kb) AS grew_kb, max(planned) AS planned,
		   bool_or(error IS NOT NULL) AS failed
	FROM kvbench.results GROUP BY op, workers
),
names(op, label, ref, ord) AS (VALUES
	('floor', 'count(*) floor', NULL, 1),
	('scan_columns', 'all 7 columns read (max etc.)', NULL, 2),
	('scan_columns5', 'the share''s 5 columns read', NULL, 2.5),
	('readmission_rate', 'readmission_rate', 'ref_readmission_rate', 3),
	('readmission_ordered', 'readmission_rate ORDER BY patient', 'ref_readmission_rate', 4),
	('preventable_share', 'preventable_admission_share', 'ref_preventable_share', 5),
	('readmission_partial', 'readmission_rate, forced partial plan', 'ref_readmission_rate', 5.01),
	('preventable_partial', 'preventable_share, forced partial plan', 'ref_preventable_share', 5.02),
	('mortality_rate', 'mortality_rate (death dates)', 'ref_mortality_rate', 5.1),
	('newborn_readmission', 'newborn_readmission_rate (birth dates)', 'ref_newborn_readmission', 5.2),
	('preventable_readmission', 'preventable_readmission_rate', 'ref_preventable_readmission', 5.3),
	('stays', 'patient_stays -> temp table', 'ref_stays', 6),
	('query_stays', 'kvalitet.stays(query) -> temp table', 'ref_stays', 7),
	('ref_readmission_rate', 'SQL ref readmission_rate()', NULL, 8),
	('ref_stays', 'SQL ref stays() -> temp table', NULL, 9),
	('ref_preventable_share', 'SQL preventable share (code join)', NULL, 10),
	('ref_mortality_rate', 'SQL mortality over reference stays', NULL, 11),
	('ref_newborn_readmission', 'SQL newborn readmissions (ref stays)', NULL, 12),
	('ref_preventable_readmission', 'SQL preventable readm. (ref stays)', NULL, 13)
),
wide AS (
	SELECT n.ord, n.label,
		   b0.secs AS s0, b2.secs AS s2, b2.planned AS planned2, b0.failed AS e0, b2.failed AS e2,
		   b0.secs / f0.secs AS x0, b2.secs / f2.secs AS x2,
		   r0.secs / b0.secs AS v0, r2.secs / b2.secs AS v2,
		   b0.grew_kb AS m0, b2.grew_kb AS m2
	FROM names n
	JOIN best b0 ON b0.op = replace(n.op, '_partial', CASE n.op WHEN 'readmission_partial' THEN '_rate' ELSE '_share' END)
	             AND b0.workers = 0
	LEFT JOIN best b2 ON b2.op = n.op AND b2.workers = 2
	JOIN best f0 ON f0.op = 'floor' AND f0.workers = 0
	JOIN best f2 ON f2.op = 'floor' AND f2.workers = 2
	LEFT JOIN best r0 ON r0.op = n.ref AND r0.workers = 0
	LEFT JOIN best r2 ON r2.op = n.ref AND r2.workers = 2
)
SELECT label AS operation,
	   coalesce(to_char(s0, 'FM9990.00'), 'ERROR') AS "serial s",
	   coalesce(to_char(s2, 'FM9990.00') || ' (' || planned2 || 'w)', 'ERROR') AS "parallel s",
	   coalesce(to_char(s0 / s2, 'FM90.00'), '') AS "par speed-up",
	   coalesce(to_char(x0, 'FM9990.0'), '') AS "x floor ser",
	   coalesce(to_char(x2, 'FM9990.0'), '') AS "x floor par",
	   coalesce(to_char(v0, 'FM9990.0'), '') AS "vs SQL ser",
	   coalesce(to_char(v2, 'FM9990.0'), '') AS "vs SQL par",
	   coalesce('+' || round(m0 / 1024.0), '') AS "mem MB ser",
	   coalesce('+' || round(m2 / 1024.0), '') AS "mem MB par"
FROM wide ORDER BY ord;
\\echo 'x floor = time / count(*) time in the same setting; vs SQL = pure-SQL reference time / this time;'
\\echo 'par speed-up = serial time / parallel time; (Nw) = workers the planner gave the query;'
\\echo 'mem MB = growth of the leader backend''s peak RSS (VmHWM) over its RSS before the run, largest'
\\echo 'of the runs (parallel workers not included); ERROR = every run of it failed (see above).'
EOF
}

# Other work on the machine shows in the timings: print the load around it.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) cores)"
script | psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f -
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
