#!/usr/bin/env bash
# bench/epikrise.sh - how fast kvalitet.epikrise_timeliness is: builds and
# installs kvalitet, starts a throwaway cluster and runs
# bench/epikrise-run.sh in it, which prints the times of count(*) (the
# floor), of epikrise_timeliness with and without parallel workers, and of
# a pure-SQL version over a calendar table, with the ratios.
#
# Usage: bench/epikrise.sh [ROWS]       (default 10000000)
# Set KV_BENCH_NO_INSTALL=1 to use the kvalitet already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib.sh

kv_ensure_packages
[ -n "${KV_BENCH_NO_INSTALL:-}" ] || kv_build_install
# The table (about 600 MB for 10 M rows) fits in shared_buffers, so the
# times are CPU, not I/O; JIT is off so that they do not include compiling.
pg_virtualenv -v "$KV_PG_MAJOR" -o 'max_worker_processes=8' -o 'shared_buffers=1GB' \
	-o 'jit=off' -o 'max_parallel_workers_per_gather=2' -o 'max_wal_size=4GB' \
	-- bash "$KV_ROOT/bench/epikrise-run.sh" "${1:-10000000}"
