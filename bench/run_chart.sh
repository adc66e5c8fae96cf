#!/usr/bin/env bash
# bench/run_chart.sh - kvalitet.run_chart over many short series against the
# count(*) floor, avg() over the same groups, and a pure-SQL version of the
# rules (median, window functions), from one run.
# Usage: bench/run_chart.sh [series] [points] (default 10000 series of 36)
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
series=${1:-10000}
points=${2:-36}
kv_ensure_packages
(set -e; kv_build_install)
here=$(cd "$(dirname "$0")" && pwd)
kv_with_cluster bash -c "psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION kvalitet' &&
	psql -X -q -v ON_ERROR_STOP=1 -v series=$series -v points=$points -f '$here/run_chart.sql'"
