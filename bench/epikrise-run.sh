#!/usr/bin/env bash
# bench/epikrise-run.sh - the body of bench/epikrise.sh, run inside a
# cluster (PG* variables set).  Argument: the number of rows.
#
# Data: one row per discharge over 2019-2025 in time order (as tables
# usually are), letters sent 0-10 days later, 8% never; and the same rows
# shuffled.  The queries run in turns in one psql session; the best time
# of each counts.
set -euo pipefail
rows=${1:-10000000}
here=$(cd "$(dirname "$0")/.." && pwd)
# KV_BENCH_KEEP=DIR keeps the psql script and log there.
if [ -n "${KV_BENCH_KEEP:-}" ]; then
	out=$KV_BENCH_KEEP
	mkdir -p "$out"
else
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi

echo "== generating $rows discharges"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS kvalitet;
DROP TABLE IF EXISTS epi, epi_shuffled, holidays, cal;
SELECT setseed(0.42);
CREATE UNLOGGED TABLE epi AS
SELECT d AS discharged_at,
       CASE WHEN random() < 0.08 THEN NULL
            WHEN random() < 0.7 THEN d + random() * interval '48 hours'
            ELSE d + random() * interval '10 days' END AS sent_at
FROM (SELECT '2019-01-01 00:00+00'::timestamptz
             + (i::float8 / $rows) * interval '7 years'
             + random() * interval '30 minutes' AS d
      FROM generate_series(1, $rows) AS i) AS g;
-- The same rows out of time order (as in a table kept in patient order).
CREATE UNLOGGED TABLE epi_shuffled AS SELECT * FROM epi ORDER BY random();
VACUUM ANALYZE epi;
VACUUM ANALYZE epi_shuffled;

-- The pure-SQL baseline's calendar: a holiday table (the project's
-- reference list) and a table of dates, each with W = the number of
-- working days up to and including it, and F = the number of the first
-- working day on or after it.  For a deadline of n >= 1 working days,
-- a letter is timely when F(sent date) <= W(discharge date) + n.
CREATE TABLE holidays (day date PRIMARY KEY, name text);
\copy holidays FROM '$here/test/data/danish_holidays_2000_2035.txt'
CREATE TABLE cal AS
SELECT day, wd_upto, wd_upto - working::int + 1 AS wd_from
FROM (SELECT day, working,
             count(*) FILTER (WHERE working) OVER (ORDER BY day) AS wd_upto
      FROM (SELECT d::date AS day,
                   extract(isodow FROM d) < 6
                   AND NOT EXISTS (SELECT 1 FROM holidays h WHERE h.day = d::date) AS working
            FROM generate_series('2000-01-01'::date, '2035-12-31'::date, '1 day') AS d) AS s) AS w;
ALTER TABLE cal ADD PRIMARY KEY (day);
VACUUM ANALYZE cal;
SELECT pg_size_pretty(pg_table_size('epi')) AS table_size, count(*) AS rows,
       count(sent_at) AS letters FROM epi;
SQL

floor='SELECT count(*) FROM epi'
read='SELECT count(sent_at) FROM epi'
ours='SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at) FROM epi'
shuffled='SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at) FROM epi_shuffled'
sql="SELECT (count(*) FILTER (WHERE cs.wd_from <= cd.wd_upto + 1) || '/' || count(*))
FROM epi e
JOIN cal cd ON cd.day = (e.discharged_at AT TIME ZONE 'Europe/Copenhagen')::date
LEFT JOIN cal cs ON cs.day = (e.sent_at AT TIME ZONE 'Europe/Copenhagen')::date"

# One session.  The queries take turns, round after round, so that load
# from other processes hits them alike; a query's best round counts.
# \timing prints "Time: ..." after each query; "@label" lines name them.
timed() {	# timed LABEL QUERY
	printf '\\echo @%s\n%s;\n' "$1" "$2"
}
{
	echo 'SET max_parallel_workers_per_gather = 0;'
	echo "SELECT ($ours)::text AS ours, ($sql) AS pure_sql;"
	echo '\timing on'
	for mode in serial parallel; do
		[ $mode = serial ] || printf '\\timing off\nSET max_parallel_workers_per_gather = 2;\n\\timing on\n'
		for round in 1 2 3 4 5; do
			timed "$mode-floor" "$floor"
			timed "$mode-ours" "$ours"
			timed "$mode-read" "$read"
			timed "$mode-shuffled" "$shuffled"
			[ $round -gt 3 ] || timed "$mode-sql" "$sql"
		done
	done
} >"$out/script.sql"
echo "== timing (best of 5, of 3 for the SQL version; one session)"
psql -X -v ON_ERROR_STOP=1 -f "$out/script.sql" >"$out/log" 2>&1 || { cat "$out/log"; exit 1; }
sed -n '/ours.*pure_sql/,/row)/p' "$out/log" | tail -4

awk '
	/^@/ { label = substr($0, 2); next }
	/^Time: / { t = $2 + 0; if (!(label in best) || t < best[label]) best[label] = t }
	END {
		name["floor"] = "count(*) (the floor)"
		name["read"] = "count(sent_at) (reads both columns)"
		name["ours"] = "kvalitet.epikrise_timeliness"
		name["sql"] = "pure SQL with a calendar table"
		name["shuffled"] = "epikrise_timeliness, rows out of time order"
		printf "%-56s %10s\n", "query", "ms"
		split("serial parallel", modes, " ")
		split("floor read ours shuffled sql", qs, " ")
		for (m = 1; m <= 2; m++)
			for (q = 1; q <= 5; q++)
				printf "%-56s %10.1f\n", modes[m] " " name[qs[q]], best[modes[m] "-" qs[q]]
		for (m = 1; m <= 2; m++)
			printf "\n%-8s ours/floor = %.2f   ours/read = %.2f   sql/ours = %.1f", modes[m] ":",
				best[modes[m] "-ours"] / best[modes[m] "-floor"],
				best[modes[m] "-ours"] / best[modes[m] "-read"],
				best[modes[m] "-sql"] / best[modes[m] "-ours"]
		printf "\n"
	}' "$out/log"
