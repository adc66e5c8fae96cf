#!/usr/bin/env bash
# bench/codes.sh - kvalitet.code_in and normalize_code per row against the
# count(*) floor and a plain upper(diagnosis), from one run.  (The
# preventable share against the SQL reference's prefix-range join is in
# bench/stays.sh.)  Usage: bench/codes.sh [rows] (default 10 M)
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
rows=${1:-10000000}
kv_ensure_packages
(set -e; kv_build_install)
here=$(cd "$(dirname "$0")" && pwd)
kv_with_cluster bash -c "psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION kvalitet' &&
	psql -X -q -v ON_ERROR_STOP=1 -v rows=$rows -f '$here/codes.sql'"
