#!/usr/bin/env bash
# test/server/goals_odbc.sh - a real non-psql client reads a binding's BI views: the
# PostgreSQL ODBC driver (odbc-postgresql) through unixODBC, as Excel and
# Power BI do (test/server/goals_odbc.py, ctypes over libodbc).  TAP output.  The
# measures must arrive as numeric SQL types, not text.  Runs against the
# cluster the PG* variables point at (tools/test-server.sh).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/tools/lib.sh"
db=kvalitet_goals_odbc
n=0
ok() {	# ok EXIT-STATUS NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${3:-}" ] && echo "# $3"; fi
}

# Install the driver when we can (root); otherwise skip, saying why.
(kv_ensure_packages odbc-postgresql unixodbc) >/dev/null 2>&1
if ! odbcinst -q -d -n "PostgreSQL Unicode" >/dev/null 2>&1; then
	echo "ok 1 # skip the PostgreSQL ODBC driver is not installed (apt-get install odbc-postgresql unixodbc)"
	echo "1..1"
	exit 0
fi

psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION kvalitet;
CREATE SCHEMA src;
CREATE TABLE src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                           diagnosis text, died boolean, unit text);
INSERT INTO src.contacts VALUES
(1, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'A1'),
(1, '2025-03-11 10:00+00', '2025-03-12 10:00+00', true, 'DJ189', false, 'A1'),
(2, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219', false, 'A1'),
(3, '2025-03-01 10:00+00', '2025-03-04 10:00+00', true, 'DI219', false, 'B1');
CREATE TABLE src.units (unit text, hospital text, department text);
INSERT INTO src.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Medicin');
SELECT count(*) FROM kvalitet.bind('bi', 'src.contacts', units => 'src.units');
SQL

conn="Driver={PostgreSQL Unicode};Servername=${PGHOST:-localhost};Port=${PGPORT:-5432};Database=$db;Username=${PGUSER:-$(id -un)};Password=${PGPASSWORD:-};BoolsAsChar=0"
read_view() {	# read_view QUERY OUTFILE
	python3 "$root/test/server/goals_odbc.py" "$conn" "$1" >"$2" 2>&1
}
type_of() { awk -F'\t' -v c="$1" '$1 == c { print $2 }' "$2"; }
value_of() { awk -F'\t' -v c="$1" '$1 == c { print $3 }' "$2"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

read_view "SELECT * FROM bi.indicator_values WHERE indicator_code = 'readmission_30d' AND org_level = 'region' AND period_type = 'year'" "$tmp/iv"
ok $? "psqlODBC reads bi.indicator_values" "$(head -3 "$tmp/iv")"
# ODBC SQL types: 2 NUMERIC, -5 BIGINT, 6 FLOAT / 8 DOUBLE, 4 INTEGER, 91 TYPE_DATE, -7 BIT.
for c in numerator; do [ "$(type_of $c "$tmp/iv")" = 2 ]; ok $? "$c is SQL_NUMERIC" "type $(type_of $c "$tmp/iv")"; done
[ "$(type_of denominator "$tmp/iv")" = -5 ]; ok $? "denominator is SQL_BIGINT"
for c in value ci_lower ci_upper; do
	case $(type_of $c "$tmp/iv") in 6|8) ok 0 "$c is a floating-point SQL type" ;; *) ok 1 "$c is a floating-point SQL type" "type $(type_of $c "$tmp/iv")" ;; esac
done
[ "$(type_of goal_no "$tmp/iv")" = 4 ]; ok $? "goal_no is SQL_INTEGER"
[ "$(type_of period_start "$tmp/iv")" = 91 ] && [ "$(type_of period_end "$tmp/iv")" = 91 ]; ok $? "periods are SQL_TYPE_DATE"
[ "$(type_of followup_complete "$tmp/iv")" = -7 ]; ok $? "followup_complete is SQL_BIT (BoolsAsChar=0)"
# Patients 1 and 2 in H1, 3 in H2: index stays 4, readmitted 1 (patient 1's first).
[ "$(value_of numerator "$tmp/iv")/$(value_of denominator "$tmp/iv")" = "1/4" ]; ok $? "the values arrive: 1/4" "$(value_of numerator "$tmp/iv")/$(value_of denominator "$tmp/iv")"
want=$(psql -X -At -d $db -c "SELECT value FROM bi.indicator_values WHERE indicator_code = 'readmission_30d' AND org_level = 'region' AND period_type = 'year'")
python3 -c "import sys; sys.exit(abs(float('$(value_of value "$tmp/iv")') - float('$want')) > 1e-12)"
ok $? "value equals what psql reads ($want)"

read_view "SELECT * FROM bi.goal_overview WHERE indicator_code = 'mean_length_of_stay' AND org_level = 'region' AND period_type = 'month'" "$tmp/go"
ok $? "psqlODBC reads bi.goal_overview" "$(head -3 "$tmp/go")"
bad=$(awk -F'\t' '$1 ~ /^(value|numerator|denominator|ci_lower|ci_upper|previous_value|change|goal_no)$/ && $2 ~ /^(1|12|-1|-8|-9|-10)$/' "$tmp/go")
[ -z "$bad" ]; ok $? "no measure of goal_overview arrives as text" "$bad"
read_view "SELECT * FROM bi.stays ORDER BY patient, stay_no" "$tmp/st"
ok $? "psqlODBC reads bi.stays" "$(head -3 "$tmp/st")"
[ "$(type_of patient "$tmp/st")" = -5 ] && [ "$(type_of stay_start "$tmp/st")" = 93 ] && [ "$(type_of hours_to_next "$tmp/st")" != -1 ]
ok $? "stays: patient SQL_BIGINT, times SQL_TYPE_TIMESTAMP, hours numeric"
bad=$(awk -F'\t' '$2 ~ /^(12|-1|-9|-10)$/ && $1 !~ /^(dominant_diagnosis|next_dominant_diagnosis|discharging_unit|hospital|department|municipality)$/' "$tmp/st")
[ -z "$bad" ]; ok $? "only the text columns of stays arrive as text" "$bad"
psql -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
echo "1..$n"
