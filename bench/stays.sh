#!/usr/bin/env bash
# bench/stays.sh - benchmark of readmission_rate, preventable_admission_share,
# the outcome aggregates (mortality, newborn and preventable readmissions)
# and patient_stays against a count(*) floor and the pure-SQL reference
# (test/reference), with parallel workers off and on.
#
# Usage: bench/stays.sh [--contacts N] [--runs R] [--baseline-runs B]
#                        [--commit REV | --installed]
#
# Builds a snapshot of this working tree (or of git revision REV) into a
# private directory, starts a throwaway cluster (kv_with_cluster) that loads
# kvalitet from there (extension_destdir), and runs bench/stays-run.sh in it:
# one psql session builds an UNLOGGED table of N synthetic contacts (default
# 1000000), times each operation R times (default 2) per setting, keeps the
# best, checks the C results against the reference and prints the table.
# B runs of the pure-SQL baseline (default R up to 1000000 contacts, 0
# above; 0 skips it).  --installed measures the installed kvalitet instead.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../tools/lib.sh"

usage() {
	sed -n '7,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

contacts=1000000
runs=2
baseline_runs=""
installed=0
commit=""
while [ $# -gt 0 ]; do
	case $1 in
		--contacts) contacts=${2:-}; shift 2 ;;
		--contacts=*) contacts=${1#*=}; shift ;;
		--runs) runs=${2:-}; shift 2 ;;
		--runs=*) runs=${1#*=}; shift ;;
		--baseline-runs) baseline_runs=${2:-}; shift 2 ;;
		--baseline-runs=*) baseline_runs=${1#*=}; shift ;;
		--installed) installed=1; shift ;;
		--commit) commit=${2:-}; shift 2 ;;
		--commit=*) commit=${1#*=}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
	esac
done
for v in "$contacts" "$runs" ${baseline_runs:+"$baseline_runs"}; do
	case $v in
		''|*[!0-9]*) echo "bench/stays.sh: counts must be whole numbers" >&2; exit 2 ;;
	esac
done
if [ "$contacts" -lt 100 ] || [ "$runs" -lt 1 ]; then
	echo "bench/stays.sh: need --contacts >= 100 and --runs >= 1" >&2
	exit 2
fi

# Other checkouts install their own kvalitet into the same PostgreSQL, so by
# default this run builds its own copy of the tree and the cluster loads it
# from a private prefix (Debian's extension_destdir).
vopts=()
if [ "$installed" -eq 0 ]; then
	build=$(mktemp -d /tmp/kvbench-stays.XXXXXX)
	trap 'rm -rf "$build"' EXIT
	chmod 755 "$build"
	kv_private_build "$build" "$commit"
	vopts+=(-o "extension_destdir=$build/destdir")
elif [ ! -f "$("$KV_PG_CONFIG" --sharedir)/extension/kvalitet.control" ]; then
	echo "bench/stays.sh: kvalitet is not installed (make install), or drop --installed" >&2
	exit 1
fi

# As root, pg_virtualenv keeps its cluster in the system location under the
# fixed name 15/regress and refuses to start while another one runs (tools/test
# may be using it); -t gives this run its own temporary directory instead,
# and a free port keeps it apart from other temporary clusters.
[ "$(id -u)" -eq 0 ] && vopts+=(-t)
pg_virtualenv() { command pg_virtualenv ${vopts[@]+"${vopts[@]}"} "$@"; }
export PGPORT=$(kv_free_port 55432)

kv_say "bench/stays.sh --contacts $contacts --runs $runs${baseline_runs:+ --baseline-runs $baseline_runs}"
kv_with_cluster env KV_BENCH_CONTACTS="$contacts" KV_BENCH_RUNS="$runs" \
	${baseline_runs:+KV_BENCH_BASELINE_RUNS="$baseline_runs"} bash "$here/stays-run.sh"
