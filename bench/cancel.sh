#!/usr/bin/env bash
# bench/cancel.sh - how soon a statement_timeout (or a cancel, which takes
# the same path) ends readmission_rate, preventable_admission_share,
# patient_stays grouped by patient and kvalitet.stays, at several points of
# their run.
#
# Usage: bench/cancel.sh [--contacts N] [--commit REV | --installed]
#
# Builds a snapshot of this working tree (or of git revision REV) into a
# private directory, starts a throwaway cluster (kv_with_cluster) that loads
# kvalitet from there (extension_destdir), loads N contacts (default
# 10000000) from tools/kvalitet-gen and runs bench/cancel-run.sh in it:
# each query runs once to its end, then once per fraction of that duration
# (10 % to 95 %) with statement_timeout set to it; the table gives how long
# after the timeout the error arrived, median and max per query.
# --installed measures the installed kvalitet instead.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../tools/lib.sh"

usage() {
	sed -n '6,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

contacts=10000000
installed=0
commit=""
while [ $# -gt 0 ]; do
	case $1 in
		--contacts) contacts=${2:-}; shift 2 ;;
		--contacts=*) contacts=${1#*=}; shift ;;
		--installed) installed=1; shift ;;
		--commit) commit=${2:-}; shift 2 ;;
		--commit=*) commit=${1#*=}; shift ;;
		-h|--help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
	esac
done
case $contacts in
	''|*[!0-9]*) echo "bench/cancel.sh: --contacts must be a whole number" >&2; exit 2 ;;
esac
if [ "$contacts" -lt 1000 ]; then
	echo "bench/cancel.sh: need --contacts >= 1000" >&2
	exit 2
fi

# A private build, as in bench/stays.sh: other checkouts installing their
# own kvalitet into the same PostgreSQL do not change what is measured.
build=$(mktemp -d /tmp/kvbench-cancel.XXXXXX)
trap 'rm -rf "$build"' EXIT
chmod 755 "$build"
vopts=()
if [ "$installed" -eq 0 ]; then
	kv_private_build "$build" "$commit"
	vopts+=(-o "extension_destdir=$build/destdir")
elif [ ! -f "$("$KV_PG_CONFIG" --sharedir)/extension/kvalitet.control" ]; then
	echo "bench/cancel.sh: kvalitet is not installed (make install), or drop --installed" >&2
	exit 1
fi
# The generator of this checkout (the data do not depend on REV).
gcc -std=c99 -O2 -o "$build/kvalitet-gen" "$KV_ROOT/tools/kvalitet_gen.c" -lm

# As in bench/stays.sh: as root, its own temporary cluster on a free port.
[ "$(id -u)" -eq 0 ] && vopts+=(-t)
pg_virtualenv() { command pg_virtualenv ${vopts[@]+"${vopts[@]}"} "$@"; }
export PGPORT=$(kv_free_port 55532)

kv_say "bench/cancel.sh --contacts $contacts${commit:+ --commit $commit}"
kv_with_cluster env KV_BENCH_CONTACTS="$contacts" KV_BENCH_GEN="$build/kvalitet-gen" \
	bash "$here/cancel-run.sh"
