#!/usr/bin/env bash
# bench/goals.sh - benchmark of a binding's full refresh (kvalitet.bind,
# kvalitet.refresh) against the per-stay relation alone, on synthetic
# LPR3-shaped data (tools/kvalitet-gen).
#
# Usage: bench/goals.sh [--contacts N] [--installed]
#
# Builds a snapshot of this working tree into a private directory, starts a
# throwaway cluster that loads kvalitet from there (extension_destdir), loads
# N contacts (default 10000000) with their units, letters and population,
# binds them with the lpr3 preset (populate => false) and times, in one
# session (work_mem 256MB, JIT off):
#   1. the per-stay relation alone: REFRESH of the per-stay materialized view;
#   2. the first full refresh: kvalitet.refresh(concurrent => false);
#   3. the nightly refresh: kvalitet.refresh() (CONCURRENTLY, readers not blocked);
# and prints each with its ratio to (1).  Target: the full refresh under 3x.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../tools/lib.sh"

if [ "${1:-}" = --inside ]; then
	contacts=$2
	gen="$KV_ROOT/tools/kvalitet-gen"
	psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION kvalitet' -f "$KV_ROOT/tools/demo_schema.sql"
	t0=$SECONDS
	for t in enheder kontakter epikriser befolkning; do
		"$gen" --table $t --contacts "$contacts" | psql -X -q -v ON_ERROR_STOP=1 -c "\\copy demo.$t from stdin"
	done
	psql -X -q -c 'VACUUM ANALYZE' >/dev/null
	echo "loaded $(psql -X -At -c 'SELECT count(*) FROM demo.kontakter') contacts in $((SECONDS - t0)) s"
	psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET work_mem = '256MB';
SELECT count(*) FILTER (WHERE computed) AS indicators_computed
FROM kvalitet.bind('bi', 'demo.kontakter', 'lpr3', units => 'demo.enheder', epikriser => 'demo.epikriser',
                   population => 'demo.befolkning', populate => false);
REFRESH MATERIALIZED VIEW bi_private.org_units;
SELECT clock_timestamp() AS t0 \gset
REFRESH MATERIALIZED VIEW bi_private.stays;
SELECT extract(epoch FROM clock_timestamp() - :'t0') AS stays_s \gset
SELECT relation, round(seconds::numeric, 1) AS seconds, refreshed_concurrently
FROM kvalitet.refresh('bi', concurrent => false);
SELECT seconds AS full_s FROM kvalitet.refresh_log WHERE relation = '*' ORDER BY id DESC LIMIT 1 \gset
SELECT relation, round(seconds::numeric, 1) AS seconds, refreshed_concurrently FROM kvalitet.refresh('bi');
SELECT seconds AS conc_s FROM kvalitet.refresh_log WHERE relation = '*' ORDER BY id DESC LIMIT 1 \gset
SELECT (SELECT count(*) FROM bi.stays) AS stays, (SELECT count(*) FROM bi.indicator_values) AS indicator_values,
       pg_size_pretty(pg_total_relation_size('bi_private.stays')) AS stays_size;
\echo
SELECT 'per-stay relation alone (REFRESH bi_private.stays)' AS what, round(:stays_s::numeric, 1) AS seconds, 1.00 AS ratio
UNION ALL
SELECT 'full refresh, first (not concurrent)', round(:full_s::numeric, 1), round((:full_s / :stays_s)::numeric, 2)
UNION ALL
SELECT 'full refresh, nightly (CONCURRENTLY)', round(:conc_s::numeric, 1), round((:conc_s / :stays_s)::numeric, 2);
SQL
	exit 0
fi

contacts=10000000
installed=0
while [ $# -gt 0 ]; do
	case $1 in
		--contacts) contacts=${2:-}; shift 2 ;;
		--installed) installed=1; shift ;;
		-h|--help) sed -n '5,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "usage: bench/goals.sh [--contacts N] [--installed]" >&2; exit 2 ;;
	esac
done
case $contacts in ''|*[!0-9]*) echo "bench/goals.sh: --contacts must be a whole number" >&2; exit 2 ;; esac

make -s -C "$KV_ROOT" generator >/dev/null
vopts=(-o shared_buffers=2GB -o max_wal_size=8GB -o max_worker_processes=8)
if [ "$installed" -eq 0 ]; then
	build=$(mktemp -d /tmp/kvbench-goals.XXXXXX)
	trap 'rm -rf "$build"' EXIT
	chmod 755 "$build"
	tar -C "$KV_ROOT" --exclude='*.o' --exclude='*.bc' --exclude='*.so' -cf - Makefile kvalitet.control sql src |
		tar -C "$build" -xf -
	kv_say "building kvalitet from the working tree at $(git -C "$KV_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
	make -C "$build" -s PG_CONFIG="$KV_PG_CONFIG" COPT="$KV_COPT" all >/dev/null
	make -C "$build" -s PG_CONFIG="$KV_PG_CONFIG" DESTDIR="$build/destdir" install >/dev/null
	vopts+=(-o "extension_destdir=$build/destdir")
fi
[ "$(id -u)" -eq 0 ] && vopts+=(-t)
port=57432
while [ -e "/var/run/postgresql/.s.PGSQL.$port" ] || [ -e "/tmp/.s.PGSQL.$port" ] ||
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
	port=$((port + 1))
done
kv_say "bench/goals.sh --contacts $contacts"
PGPORT=$port KV_ROOT="$KV_ROOT" pg_virtualenv -v "$KV_PG_MAJOR" "${vopts[@]}" -- \
	bash "${BASH_SOURCE[0]}" --inside "$contacts"
