#!/usr/bin/env bash
# tools/demo-report.sh - the server half of tools/demo, run inside
# pg_virtualenv: load the synthetic region and print the indicator report.
set -euo pipefail
gen="$KV_ROOT/tools/kvalitet-gen"
size=(--contacts "${contacts:-20000}")

psql -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION kvalitet' -f "$KV_ROOT/tools/demo_schema.sql"
for table in enheder organisationer kontakter forloeb epikriser befolkning personer doede kronikere \
	faerdigbehandlede forloebsmarkoerer rkkp lup sundhed udgifter henvisninger; do
	"$gen" --table "$table" "${size[@]}" | psql -q -v ON_ERROR_STOP=1 -c "\\copy demo.$table from stdin"
done
psql -q -v ON_ERROR_STOP=1 -c 'VACUUM ANALYZE' >/dev/null
psql -X -v ON_ERROR_STOP=1 -f "$KV_ROOT/tools/demo-report.sql"
