#!/usr/bin/env bash
# bench/cancel-run.sh - the body of bench/cancel.sh: loads the contacts and
# measures how long after a statement_timeout each patient-flow query
# stops, printing one table.
#
# It talks to whatever database the PG* variables point at (bench/cancel.sh
# starts a throwaway cluster for it), drops and recreates the schema
# kvcancel and the extension kvalitet there, and times in ONE psql session.
#
# Environment: KV_BENCH_CONTACTS (rows, default 10000000), KV_BENCH_GEN
# (the kvalitet-gen program), KV_BENCH_FRACTIONS (percentages of a query's
# full duration to set statement_timeout to; default "10 30 50 70 80 90 95").
set -euo pipefail

contacts=${KV_BENCH_CONTACTS:-10000000}
gen=${KV_BENCH_GEN:?KV_BENCH_GEN: the kvalitet-gen program}
fractions=${KV_BENCH_FRACTIONS:-10 30 50 70 80 90 95}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -P pager=off "$@"; }

echo "== loading $contacts contacts from kvalitet-gen"
t0=$(date +%s)
psql_q <<'SQL'
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS kvalitet CASCADE;
CREATE EXTENSION kvalitet;
DROP SCHEMA IF EXISTS kvcancel CASCADE;
CREATE SCHEMA kvcancel;
-- demo.kontakter's columns (tools/demo_schema.sql, docs/synthetic-data.md).
CREATE UNLOGGED TABLE kvcancel.raw (
	dw_ek_kontakt bigint, cpr text, dato_start date, tidspunkt_start time,
	dato_slut date, tidspunkt_slut time, kontakttype text, prioritet text,
	aktionsdiagnose text, sorenhed_ans text, died boolean, kommunekode text, dw_ek_forloeb bigint);
SQL
"$gen" --table kontakter --contacts "$contacts" | psql_q -c '\copy kvcancel.raw from stdin'
# In start order, as tables usually are (not grouped by patient, which
# would spare the sort); the CPR number as a text patient key.
psql_q <<'SQL'
SET max_parallel_workers_per_gather = 0;
SET work_mem = '1GB';
CREATE UNLOGGED TABLE kvcancel.contacts AS
SELECT cpr AS patient,
	   (dato_start + tidspunkt_start) AT TIME ZONE 'Europe/Copenhagen' AS start_at,
	   (dato_slut + tidspunkt_slut) AT TIME ZONE 'Europe/Copenhagen' AS end_at,
	   prioritet = 'ATA1' AS acute, aktionsdiagnose AS diagnosis, died,
	   sorenhed_ans AS unit
FROM kvcancel.raw ORDER BY 2, 1;
DROP TABLE kvcancel.raw;
VACUUM ANALYZE kvcancel.contacts;
SQL
echo "   loaded in $(( $(date +%s) - t0 )) s"

T=kvcancel.contacts
q_readm="SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)::text FROM $T"
q_prev="SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis)::text FROM $T"
# PostgreSQL alone on the same rows, for comparison: a scan reading the
# same columns, and grouping them by patient (what patient_stays is grouped by).
q_scan="SELECT max(patient), max(start_at), max(end_at), bool_or(acute), max(diagnosis), bool_or(died), max(unit) FROM $T"
q_group="SELECT sum(n) FROM (SELECT patient, count(*) n FROM $T GROUP BY patient) q"
# sum(cardinality()) keeps the aggregate (an unused subquery column would be dropped).
q_stays="SELECT sum(cardinality(s)) FROM (SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, unit) s FROM $T GROUP BY patient) q"
q_query_stays="SELECT count(*) FROM kvalitet.stays(\$\$SELECT patient, start_at, end_at, acute, diagnosis, died, unit FROM $T\$\$, NULL::text)"

# Emit psql lines for one query in one setting: a full run, then one run per
# fraction with statement_timeout at that fraction of the full run's time.
#   measure OP WORKERS QUERY
measure() {
	local op=$1 w=$2 query=$3 f
	cat <<SQL
SET max_parallel_workers_per_gather = $w;
SELECT clock_timestamp() AS t0 \\gset
$query \\g /dev/null
SELECT kvcancel.full_run('$op', $w, :'t0') AS line \\gset
\\echo :line
SQL
	for f in $fractions; do
		cat <<SQL
SELECT round(full_ms * $f / 100.0)::int AS timeout_ms FROM kvcancel.full WHERE op = '$op' AND workers = $w \\gset
SET statement_timeout = :timeout_ms;
\\set t1 ''
SELECT clock_timestamp() AS t0 \\gset
\\set ON_ERROR_STOP 0
$query \\g /dev/null
\\set qstate :SQLSTATE
SELECT clock_timestamp() AS t1 \\gset
RESET statement_timeout;
RESET statement_timeout;
\\set ON_ERROR_STOP 1
SELECT kvcancel.record('$op', $w, $f, :timeout_ms, :'t0', :'t1', :'qstate') AS line \\gset
\\echo :line
SQL
	done
}

script() {
	cat <<'SQL'
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TABLE kvcancel.full (op text, workers int, full_ms float8);
CREATE TABLE kvcancel.runs (op text, workers int, pct int, timeout_ms int, elapsed_ms float8, sqlstate text);

CREATE FUNCTION kvcancel.full_run(op text, workers int, t0 timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	ms float8 := 1000 * extract(epoch FROM clock_timestamp() - t0);
BEGIN
	INSERT INTO kvcancel.full VALUES (op, workers, ms);
	RETURN format('%-28s %s workers  full run %s s', op, workers, to_char(ms / 1000, 'FM990.00'));
END $$;

-- elapsed is measured from before the statement to after its error, so it
-- includes two client round trips (well under a millisecond here).  A run
-- that ends just as its timeout fires can leave the cancel pending for the
-- next statement: that one fails instead and is repeated (t1 is then '',
-- and the run counts as finished).
CREATE FUNCTION kvcancel.record(op text, workers int, pct int, timeout_ms int,
								t0 timestamptz, t1 text, state text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	ms float8 := 1000 * extract(epoch FROM nullif(t1, '')::timestamptz - t0);
BEGIN
	INSERT INTO kvcancel.runs VALUES (op, workers, pct, timeout_ms, ms, state);
	RETURN format('%-28s %s workers  timeout %s %% = %s ms: %s', op, workers, pct, timeout_ms,
				  CASE state WHEN '57014' THEN 'cancelled ' || round((ms - timeout_ms)::numeric, 1) || ' ms after it'
							 WHEN '00000' THEN 'finished first (' || round(ms::numeric) || ' ms)'
							 ELSE 'error ' || state END);
END $$;

SELECT count(*) AS nrows, count(DISTINCT patient) AS npatients,
	   pg_size_pretty(pg_table_size('kvcancel.contacts')) AS size
FROM kvcancel.contacts \gset
\echo == :nrows contacts, :npatients patients (text keys), table :size
SQL
	measure "PostgreSQL alone: scan" 0 "$q_scan"
	measure "PostgreSQL alone: scan" 2 "$q_scan"
	measure "PostgreSQL alone: GROUP BY" 2 "$q_group"
	measure readmission_rate 0 "$q_readm"
	measure readmission_rate 2 "$q_readm"
	measure preventable_admission_share 0 "$q_prev"
	measure preventable_admission_share 2 "$q_prev"
	measure "patient_stays GROUP BY" 2 "$q_stays"
	measure kvalitet.stays 2 "$q_query_stays"
	cat <<'SQL'
\echo
\echo == cancel latency: time from statement_timeout to the error, ms
SELECT r.op AS query,
	   CASE WHEN r.workers = 0 THEN 'serial' ELSE 'up to ' || r.workers END AS workers,
	   to_char(max(f.full_ms) / 1000, 'FM990.00') AS "full run s",
	   count(*) FILTER (WHERE r.sqlstate = '57014') AS cancelled,
	   to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.elapsed_ms - r.timeout_ms)
			   FILTER (WHERE r.sqlstate = '57014'), 'FM99990.0') AS "median ms",
	   to_char(max(r.elapsed_ms - r.timeout_ms) FILTER (WHERE r.sqlstate = '57014'), 'FM99990.0') AS "max ms",
	   string_agg(r.pct || '%: ' || CASE r.sqlstate WHEN '57014' THEN round((r.elapsed_ms - r.timeout_ms)::numeric)::text
												 WHEN '00000' THEN 'done' ELSE r.sqlstate END,
				  ', ' ORDER BY r.pct) AS "per timeout (% of full run: ms)"
FROM kvcancel.runs r JOIN kvcancel.full f USING (op, workers)
GROUP BY r.op, r.workers
ORDER BY min(r.ctid), 1;
SELECT to_char(max(elapsed_ms - timeout_ms), 'FM99990.0') AS worst,
	   to_char(percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms - timeout_ms), 'FM99990.0') AS median
FROM kvcancel.runs WHERE sqlstate = '57014' AND op NOT LIKE 'PostgreSQL alone%' \gset
\echo 'kvalitet queries: median' :median 'ms, max' :worst 'ms; done = the run finished before its timeout.'
SQL
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) cores)"
# The cancelled statements' errors are expected: only other errors show.
script | psql_q -f - 2> >(grep -v -e 'ERROR:  canceling statement due to statement timeout$' \
	-e '^CONTEXT:  SQL statement "SELECT patient' >&2)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
