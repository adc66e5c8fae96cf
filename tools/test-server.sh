#!/usr/bin/env bash
# tools/test-server.sh - the server half of tools/test, run inside
# pg_virtualenv: pg_regress (make installcheck) and pgTAP (pg_prove).
# Writes its counts into $KV_RESULTS/passed and $KV_RESULTS/failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

kv_say "pg_regress (test/sql, expected/)"
log="$KV_RESULTS/regress.log"
make -C "$KV_ROOT" -s PG_CONFIG="$KV_PG_CONFIG" installcheck >"$log" 2>&1
# PostgreSQL 15's pg_regress prints one line per test, "... ok" when it
# passed; every other test of test/sql counts as failed.
grep -E '\.\.\. ' "$log" | sed 's/^/  /'
total=$(ls "$KV_ROOT"/test/sql/*.sql | wc -l)
ok=$(grep -cE '\.\.\. ok' "$log")
echo "$ok" >>"$KV_RESULTS/passed"
echo $((total - ok)) >>"$KV_RESULTS/failed"
if [ -s "$KV_ROOT/regression.diffs" ]; then
	echo "--- regression.diffs ---"
	cat "$KV_ROOT/regression.diffs"
fi
[ "$ok" -eq "$total" ] || tail -20 "$log"

kv_say "pgTAP (test/pgtap)"
# A database of its own, with pgTAP and kvalitet; each file runs in a
# transaction it rolls back.
psql -q -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS kvalitet_tap' >/dev/null
psql -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE kvalitet_tap' >/dev/null
export PGDATABASE=kvalitet_tap
psql -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION kvalitet' >/dev/null
log="$KV_RESULTS/pgtap.log"
if ls "$KV_ROOT"/test/pgtap/*.sql >/dev/null 2>&1; then
	pg_prove --verbose --failures "$KV_ROOT"/test/pgtap/*.sql >"$log" 2>&1
	rc=$?
	grep -cE '^ *ok ' "$log" >>"$KV_RESULTS/passed"
	grep -cE '^ *not ok ' "$log" >>"$KV_RESULTS/failed"
	grep -E '^ *not ok|^#|Result:|^Files=' "$log" | head -80
	# A file that died (bad plan, SQL error) shows no "not ok" line: count it.
	if [ $rc -ne 0 ] && ! grep -qE '^ *not ok ' "$log"; then
		cat "$log"
		echo 1 >>"$KV_RESULTS/failed"
	fi
fi

kv_say "server shell tests (test/server/*.sh)"
# Each prints TAP lines; a script that dies without a "not ok" counts as one failure.
for t in "$KV_ROOT"/test/server/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	log="$KV_RESULTS/server-$name.log"
	bash "$t" >"$log" 2>&1 || grep -q '^not ok' "$log" || echo "not ok - $name exited non-zero" >>"$log"
	grep '^ok ' "$log" | grep -vci '# skip' >>"$KV_RESULTS/passed"
	grep '^ok ' "$log" | grep -ci '# skip' >>"$KV_RESULTS/skipped"
	grep -c '^not ok' "$log" >>"$KV_RESULTS/failed"
	printf '  %-28s %4d ok, %d not ok\n' "$name" "$(grep -c '^ok ' "$log")" "$(grep -c '^not ok' "$log")"
	grep -A3 '^not ok' "$log" | sed 's/^/    /' | head -40
done
true
