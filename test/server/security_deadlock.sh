#!/usr/bin/env bash
# test/server/security_deadlock.sh - 8 sessions read the BI views in a loop
# (single statements, and transactions that read stays before
# indicator_values) while the binding is refreshed 20 times plainly and 20
# times concurrently: no reader and no refresh errs (no "deadlock detected").
# TAP output; runs against the cluster the PG* variables point at
# (tools/test-server.sh).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
db=kvalitet_sec_deadlock
n=0
tmp=$(mktemp -d)
trap 'touch "$tmp/stop"; wait; rm -rf "$tmp"' EXIT

ok() {	# ok CONDITION-EXIT-STATUS NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${3:-}" ] && echo "# ${3//$'\n'/$'\n'# }"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d $db -c "SET client_min_messages = error" -c "$1" 2>&1; }

psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
[ -x "$root/tools/kvalitet-gen" ] || make -s -C "$root" generator >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION kvalitet' -f "$root/tools/demo_schema.sql" >/dev/null
for t in enheder kontakter epikriser befolkning; do
	"$root/tools/kvalitet-gen" --table $t --contacts 1000 | psql -X -q -v ON_ERROR_STOP=1 -d $db -c "\\copy demo.$t from stdin"
done
got=$(q "SELECT count(*) FROM kvalitet.bind('bi', 'demo.kontakter', 'lpr3', units => 'demo.enheder',
	epikriser => 'demo.epikriser', population => 'demo.befolkning') WHERE computed")
[ "$got" = 12 ]; ok $? "bound: 12 indicators from contacts, letters and population" "$got"

reader() {	# reader N: read until told to stop, one line per transaction
	local i=0
	while [ ! -e "$tmp/stop" ]; do
		i=$((i + 1))
		if [ $((i % 2)) -eq 0 ]; then
			psql -X -q -At -d $db -c "SELECT count(*) FROM bi.stays" -c "SELECT count(*) FROM bi.indicator_values WHERE period_type = 'year'" \
				-c "SELECT count(*) FROM bi.goal_overview WHERE is_latest" >/dev/null 2>>"$tmp/err$1" || echo "psql failed" >>"$tmp/err$1"
		else
			psql -X -q -At -d $db -c "BEGIN; SELECT count(*) FROM bi.stays; SELECT pg_sleep(0.01);
				SELECT count(*) FROM bi.indicator_values WHERE org_level = 'hospital'; COMMIT" >/dev/null 2>>"$tmp/err$1" ||
				echo "psql failed" >>"$tmp/err$1"
		fi
		echo x >>"$tmp/reads$1"
	done
}
for r in 1 2 3 4 5 6 7 8; do reader $r & done
sleep 1
t0=$SECONDS
for i in $(seq 20); do
	q "SELECT count(*) FROM kvalitet.refresh('bi', concurrent => false)" >>"$tmp/refresh" 2>&1
	q "SELECT count(*) FROM kvalitet.refresh('bi')" >>"$tmp/refresh" 2>&1
done
touch "$tmp/stop"
wait
reads=$(cat "$tmp"/reads* | wc -l)
errors=$(cat "$tmp"/err* 2>/dev/null)
[ -z "$errors" ]; ok $? "8 readers, $reads transactions during 40 refreshes ($((SECONDS - t0)) s): no reader errs" "$(echo "$errors" | sort | uniq -c | head -5)"
[ "$reads" -ge 40 ]; ok $? "the readers kept reading ($reads transactions)"
# each refresh: org_units, stays, indicator_standardised, indicator_values, *
[ "$(grep -c -x 5 "$tmp/refresh")" -eq 40 ]; ok $? "the 40 refreshes all succeeded" "$(grep -v -x 5 "$tmp/refresh" | sort | uniq -c | head -5)"
is_plain=$(q "SELECT count(*) FILTER (WHERE NOT concurrent) || '/' || count(*) FILTER (WHERE concurrent) FROM kvalitet.refresh_log WHERE relation = '*' AND kind = 'refresh'")
[ "$is_plain" = "20/20" ]; ok $? "20 plain and 20 concurrent refreshes logged" "$is_plain"
psql -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
echo "1..$n"
