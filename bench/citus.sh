#!/usr/bin/env bash
# bench/citus.sh - kvalitet on a local Citus cluster beside one node
# (docs/scale-out.md): the distributed forms of the indicators timed on a
# table hash-distributed by patient with 8, 16 and 32 shards, and the same
# queries on a plain table of the coordinator.
#
# Usage: bench/citus.sh [--contacts N] [--shards "8 16 32"] [--runs R]
#
# Builds a snapshot of this working tree privately (kv_private_build),
# installs Citus if PostgreSQL has none (tools/citus.sh), starts a
# coordinator and two workers, writes N synthetic contacts (default
# 1000000) with tools/kvalitet-gen and prints, per query, the best of R
# runs (default 2) in milliseconds.  The three servers share this
# machine's cores, so the cluster shows what runs where and how the work
# grows with shard size, not what more machines would gain.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../tools/lib.sh"
. "$here/../tools/citus.sh"

contacts=1000000
shard_counts="8 16 32"
runs=2
while [ $# -gt 0 ]; do
	case $1 in
		--contacts) contacts=$2; shift 2 ;;
		--shards) shard_counts=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		*) sed -n '7p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2 ;;
	esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kvcitus-bench.XXXXXX")
chmod 755 "$work"
trap 'kv_citus_stop; rm -rf "$work"' EXIT
mkdir -p "$work/build"
kv_private_build "$work/build"
make -C "$KV_ROOT" -s PG_CONFIG="$KV_PG_CONFIG" generator
kv_citus_install
mkdir -p "$work/cluster"
KV_CITUS_DESTDIR="$work/build/destdir" kv_citus_start "$work/cluster"
set -- $KV_CITUS_PORTS
coord=$1
psqlc() { kv_citus_psql "$coord" kvtest "$@"; }

kv_say "writing $contacts contacts (tools/kvalitet-gen)"
"$KV_ROOT/tools/kvalitet-gen" --table kontakter --contacts "$contacts" >"$work/kontakter.tsv"
psqlc <<EOF
CREATE TABLE kontakter (dw_ek_kontakt bigint, cpr text, dato_start date, tidspunkt_start time,
	dato_slut date, tidspunkt_slut time, kontakttype text, prioritet text, aktionsdiagnose text,
	sorenhed_ans text, died boolean, kommunekode text, dw_ek_forloeb bigint);
\\copy kontakter FROM '$work/kontakter.tsv'
CREATE TABLE contacts_local AS
SELECT cpr AS patient,
       (dato_start + tidspunkt_start) AT TIME ZONE 'Europe/Copenhagen' AS start_at,
       (dato_slut + tidspunkt_slut) AT TIME ZONE 'Europe/Copenhagen' AS end_at,
       prioritet = 'ATA1' AS acute, aktionsdiagnose AS diagnosis, died, true AS index_eligible,
       sorenhed_ans AS unit
FROM kontakter WHERE kontakttype = 'ALCA00';
DROP TABLE kontakter;
VACUUM ANALYZE contacts_local;
SELECT kvalitet.citus_distribute_code_sets();
EOF
rows=$(psqlc -At -c "SELECT count(*) || ' contacts of ' || count(DISTINCT patient) || ' patients, ' || pg_size_pretty(pg_table_size('contacts_local')) FROM contacts_local")
kv_say "$rows"

cols="patient, start_at, end_at, acute, diagnosis, died, index_eligible"
declare -A query=(
	[1_readmission]="SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) r FROM @T GROUP BY patient) s"
	[2_preventable]="SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'preventable_elderly', kvalitet.stay_rules()) r FROM @T GROUP BY patient) s"
	[3_stays_per_unit]="SELECT count(*) FROM (SELECT (s).discharging_unit, count(*) FROM (SELECT unnest(kvalitet.patient_stays($cols, unit, now(), kvalitet.stay_rules())) s FROM @T GROUP BY patient) a GROUP BY 1) b"
	[4_proportion]="SELECT kvalitet.proportion(acute) FROM @T"
	[5_readmission_whole]="SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) FROM @T"
)
# time_query TABLE NAME: best of $runs in ms, and the answer.
time_query() {
	local sql=${query[$2]//@T/$1} best="" t i answer
	for ((i = 0; i < runs; i++)); do
		t=$( { psqlc -At <<<"\\timing on
$sql" | tail -1; } | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	answer=$(psqlc -At -c "$sql")
	printf '%s\t%s\n' "${best%.*}" "$answer"
}

printf '\n%-22s %14s' "query" "one node"
for s in $shard_counts; do printf ' %14s' "$s shards"; done
printf '\n'
declare -A results pershard
for name in $(printf '%s\n' "${!query[@]}" | sort); do
	results[$name,single]=$(time_query contacts_local "$name")
done
for s in $shard_counts; do
	psqlc -q <<-EOF >/dev/null
		DROP TABLE IF EXISTS contacts;
		CREATE TABLE contacts (LIKE contacts_local);
		SELECT create_distributed_table('contacts', 'patient', shard_count => $s);
		INSERT INTO contacts SELECT * FROM contacts_local;
		VACUUM ANALYZE contacts;
	EOF
	for name in $(printf '%s\n' "${!query[@]}" | sort); do
		results[$name,$s]=$(time_query contacts "$name")
	done
	# bind's per-stay build, once (at the first shard count): bind and a
	# refresh over the plain table and over the distributed one, and the
	# distributed one's ratios to one node's.
	if [ -z "${bind_times:-}" ]; then
		declare -A bound
		for t in contacts_local contacts; do
			bound[$t]=$(psqlc -At 2>/dev/null <<-EOF | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tr '\n' ' '
				\\timing on
				SELECT count(*) FROM kvalitet.bind('bi_$t', '$t', 'canonical');
				SELECT count(*) FROM kvalitet.refresh('bi_$t');
				\\timing off
				SELECT kvalitet.unbind('bi_$t');
			EOF
			)
		done
		bind_times=$(awk -v one="${bound[contacts_local]}" -v dist="${bound[contacts]}" -v s="$s" 'BEGIN {
			split(one, o, " "); split(dist, d, " ")
			printf "one node: bind %.1f s, refresh %.1f s; distributed (%s shards): bind %.1f s (%.2fx), refresh %.1f s (%.2fx)",
				o[1] / 1000, o[2] / 1000, s, d[1] / 1000, d[1] / o[1], d[2] / 1000, d[2] / o[2] }')
	fi
	# The work of one shard: its query run on its worker, directly on the shard.
	read -r shard port < <(psqlc -At -F' ' -c "SELECT s.shardid, p.nodeport FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid) JOIN pg_dist_node p USING (groupid) WHERE s.logicalrelid = 'contacts'::regclass AND p.groupid <> 0 ORDER BY s.shardid LIMIT 1")
	onshard="SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) r FROM contacts_$shard GROUP BY patient) s"
	best=""
	for ((i = 0; i < runs; i++)); do
		t=$(kv_citus_psql "$port" kvtest -At <<<"\\timing on
$onshard" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	pershard[$s]="$(kv_citus_psql "$port" kvtest -At -c "SELECT count(*) FROM contacts_$shard") contacts in ${best%.*} ms"
done
for name in $(printf '%s\n' "${!query[@]}" | sort); do
	printf '%-22s %11s ms' "$name" "$(cut -f1 <<<"${results[$name,single]}")"
	for s in $shard_counts; do
		printf ' %11s ms' "$(cut -f1 <<<"${results[$name,$s]}")"
		[ "$(cut -f2 <<<"${results[$name,$s]}")" = "$(cut -f2 <<<"${results[$name,single]}")" ] || printf '(!)'
	done
	printf '   %s\n' "$(cut -f2 <<<"${results[$name,single]}")"
done
echo "(!) marks an answer that differs from one node's."
echo
echo "kvalitet.bind and kvalitet.refresh, canonical preset, contacts only: $bind_times"
echo "1_readmission on one shard, run on its worker (best of $runs):"
for s in $shard_counts; do
	printf '  %2d shards: %s\n' "$s" "${pershard[$s]}"
done

kv_say "where the grouped readmission_rate runs (EXPLAIN VERBOSE, ${shard_counts##* } shards)"
psqlc -c "EXPLAIN (VERBOSE, COSTS OFF) ${query[1_readmission]//@T/contacts}" | sed -n '1,30p'
kv_say "where the ungrouped readmission_rate runs (EXPLAIN VERBOSE)"
psqlc -c "EXPLAIN (VERBOSE, COSTS OFF) ${query[5_readmission_whole]//@T/contacts}" | sed -n '1,14p'
