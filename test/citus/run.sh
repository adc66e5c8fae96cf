#!/usr/bin/env bash
# test/citus/run.sh - kvalitet on a Citus cluster gives the single-node
# answers (docs/scale-out.md).  TAP on stdout; run by `tools/test --citus`.
#
# Builds Citus from CITUS_SRC (or uses an installed one; tools/citus.sh),
# starts a coordinator and two workers on free loopback ports, loads the
# same seeded rows into a plain table and a table hash-distributed by
# patient (the letters co-located), and compares every aggregate's answer,
# in its distributed form, on the two; with non-default rules and calendar
# pinned into the calls, and with code sets created and edited on the
# coordinator.  The cluster is stopped on exit.
#
# Environment: KV_CITUS_PATIENTS (default 3000), KV_CITUS_SHARDS (default 8),
# KV_CITUS_DESTDIR (a private kvalitet build, as extension_destdir; by
# default the kvalitet installed in PostgreSQL).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/lib.sh
source tools/citus.sh

patients=${KV_CITUS_PATIENTS:-3000}
shards=${KV_CITUS_SHARDS:-8}
n=0
tap() {
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/kvcitus.XXXXXX")
trap 'kv_citus_stop; rm -rf "$dir"' EXIT

if kv_citus_install >"$dir/install.log" 2>&1; then
	tap ok "Citus $KV_CITUS_VERSION is installed"
else
	tap no "Citus $KV_CITUS_VERSION is installed"
	sed 's/^/# /' "$dir/install.log" | tail -20
	exit 1
fi
if kv_citus_start "$dir" >"$dir/start.log" 2>&1; then
	tap ok "a coordinator and two workers start, kvalitet created on all (ports $KV_CITUS_PORTS)"
else
	tap no "a coordinator and two workers start"
	sed 's/^/# /' "$dir/start.log" | tail -20
	exit 1
fi
set -- $KV_CITUS_PORTS
coord=$1

# q SQL: the answer on the coordinator, or ERROR: and the message.
q() {
	local out
	if out=$(kv_citus_psql "$coord" kvtest -At <<<"$1" 2>"$dir/err"); then
		printf '%s\n' "$out"
	else
		echo "ERROR: $(grep -m1 ERROR "$dir/err")"
	fi
}
# same NAME SINGLE [DISTRIBUTED]: @C and @E stand for the contacts and the
# letters: the plain tables in SINGLE, the distributed ones in DISTRIBUTED
# (default: SINGLE itself).  ok when both give the same non-empty answer.
same() {
	local name=$1 s=$2 d=${3:-$2} a b
	s=${s//@C/contacts_local}
	s=${s//@E/epikriser_local}
	d=${d//@C/contacts}
	d=${d//@E/epikriser}
	a=$(q "$s")
	b=$(q "$d")
	if [ -n "$a" ] && [ "$a" = "$b" ] && [[ $a != ERROR* ]]; then
		tap ok "$name"
	else
		tap no "$name"
		echo "#   single node: $(head -c 400 <<<"$a")"
		echo "#   citus:       $(head -c 400 <<<"$b")"
	fi
}
# differs NAME SQL1 SQL2: the two answers differ (a setting matters at all).
differs() {
	local a b
	a=$(q "$2")
	b=$(q "$3")
	if [ -n "$a" ] && [ "$a" != "$b" ] && [[ $a != ERROR* ]] && [[ $b != ERROR* ]]; then
		tap ok "$1"
	else
		tap no "$1"
		echo "#   first: $(head -c 300 <<<"$a")"
		echo "#   second: $(head -c 300 <<<"$b")"
	fi
}
# plan_has NAME SQL PATTERN: EXPLAIN VERBOSE of SQL matches PATTERN.
plan_has() {
	local plan
	plan=$(q "EXPLAIN (VERBOSE, COSTS OFF) $2")
	if grep -Eq "$3" <<<"$plan"; then
		tap ok "$1"
	else
		tap no "$1"
		head -40 <<<"$plan" | sed 's/^/#   /'
	fi
}

# The rows: written once by a plain database, loaded twice.
kv_citus_psql "$coord" postgres -c "CREATE DATABASE kvgen" &&
	kv_citus_psql "$coord" kvgen -v patients="$patients" -f test/citus/data.sql >/dev/null 2>"$dir/gen.err" &&
	kv_citus_psql "$coord" kvgen -c "\\copy contacts TO '$dir/contacts.tsv'" \
		-c "\\copy epikriser TO '$dir/epikriser.tsv'" 2>>"$dir/gen.err"
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$dir/gen.err"
kv_citus_psql "$coord" kvtest >"$dir/load.log" 2>&1 <<-EOF
	CREATE TABLE contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
	                       diagnosis text, died boolean, index_eligible boolean, unit text);
	CREATE TABLE epikriser (patient bigint, unit text, discharged_at timestamptz, sent_at timestamptz);
	CREATE TABLE contacts_local (LIKE contacts);
	CREATE TABLE epikriser_local (LIKE epikriser);
	SELECT create_distributed_table('contacts', 'patient', shard_count => $shards);
	SELECT create_distributed_table('epikriser', 'patient', colocate_with => 'contacts');
	\\copy contacts FROM '$dir/contacts.tsv'
	\\copy contacts_local FROM '$dir/contacts.tsv'
	\\copy epikriser FROM '$dir/epikriser.tsv'
	\\copy epikriser_local FROM '$dir/epikriser.tsv'
	SELECT * FROM kvalitet.citus_distribute_code_sets();
EOF
rc2=$?
rows=$(q "SELECT (SELECT count(*) FROM contacts) || ' contacts, ' || (SELECT count(*) FROM epikriser) || ' letters'")
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(q 'SELECT count(*) FROM contacts')" = "$(q 'SELECT count(*) FROM contacts_local')" ]; then
	tap ok "$rows of $patients patients, distributed by patient over $shards shards, code sets made reference tables"
else
	tap no "the rows load and distribute"
	sed 's/^/# /' "$dir/load.log" | tail -20
	exit 1
fi

# --- kvalitet is the same everywhere ----------------------------------------
v=$(q "SELECT string_agg(result, ',') FROM run_command_on_all_nodes(\$\$SELECT extversion FROM pg_extension WHERE extname = 'kvalitet'\$\$)")
if [ "$v" = "0.2.0,0.2.0,0.2.0" ]; then tap ok "kvalitet 0.2.0 on all three nodes"; else tap no "kvalitet on all nodes: $v"; fi

# --- the fixed-width aggregates: run on the workers, combined on the coordinator
same "proportion over the whole table" "SELECT kvalitet.proportion(acute) FROM @C"
same "proportion per unit" "SELECT unit, kvalitet.proportion(died) FROM @C GROUP BY unit ORDER BY unit"
same "rollup of per-unit proportions" \
	"SELECT kvalitet.rollup(p) FROM (SELECT unit, kvalitet.proportion(acute AND NOT coalesce(died, false)) p FROM @C GROUP BY unit) s"
same "rollup of per-patient proportions (grouped by the distribution column)" \
	"SELECT kvalitet.rollup(p) FROM (SELECT patient, kvalitet.proportion(acute) p FROM @C GROUP BY patient) s"
plan_has "proportion: partial aggregates on the workers" \
	"SELECT kvalitet.proportion(acute) FROM contacts" "kvalitet\.proportion_accum|worker_partial_agg|kvalitet\.proportion\("

# --- epikrise_timeliness -------------------------------------------------------
same "epikrise_timeliness, default calendar" "SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at) FROM @E"
same "epikrise_timeliness per unit, deadlines 0 and 2" \
	"SELECT unit, kvalitet.epikrise_timeliness(discharged_at, sent_at, 0), kvalitet.epikrise_timeliness(discharged_at, sent_at, 2) FROM @E GROUP BY unit ORDER BY unit"
same "epikrise_timeliness: SET kvalitet.timezone/extra_closed_days on one node = the explicit calendar on Citus" \
	"SET kvalitet.timezone = 'UTC'; SET kvalitet.extra_closed_days = 'juleaften,nytaarsaften'; SELECT unit, kvalitet.epikrise_timeliness(discharged_at, sent_at, 1) FROM @E GROUP BY unit ORDER BY unit" \
	"SELECT unit, kvalitet.epikrise_timeliness(discharged_at, sent_at, 1, 'UTC', 'juleaften,nytaarsaften') FROM @E GROUP BY unit ORDER BY unit"
same "epikrise_timeliness with the explicit calendar, grouped by patient and rolled up" \
	"SELECT kvalitet.rollup(p) FROM (SELECT patient, kvalitet.epikrise_timeliness(discharged_at, sent_at, 1, 'America/Sao_Paulo', 'grundlovsdag') p FROM @E GROUP BY patient) s"
differs "the calendar matters on these letters (UTC and Copenhagen differ)" \
	"SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 1, 'UTC', '') FROM epikriser" \
	"SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 1, 'Europe/Copenhagen', '') FROM epikriser"
plan_has "epikrise_timeliness with the explicit calendar runs on the workers" \
	"SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 1, 'UTC', '') FROM epikriser" \
	"epikrise_timeliness\(.*'UTC'"
same "epikrise_deadline per row with the explicit calendar" \
	"SELECT md5(string_agg(kvalitet.epikrise_deadline(discharged_at, 1, 'UTC', 'juleaften')::text, ',' ORDER BY patient, discharged_at)) FROM @E"

# --- the patient-flow aggregates: the distributed form groups by patient -----
cols="patient, start_at, end_at, acute, diagnosis, died, index_eligible"
same "readmission_rate over the whole table (rows pulled to the coordinator)" \
	"SELECT kvalitet.readmission_rate($cols) FROM @C"
same "readmission_rate grouped by patient, rolled up = the single-node rate" \
	"SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) r FROM @C GROUP BY patient) s"
plan_has "readmission_rate grouped by patient runs wholly on the workers" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) r FROM contacts GROUP BY patient) s" \
	"readmission_rate\(.*GROUP BY .*patient"
same "readmission_rate: SET kvalitet.readmission_window = 240h on one node = the pinned rules on Citus" \
	"SET kvalitet.readmission_window = '240h'; SELECT kvalitet.readmission_rate($cols) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules(readmission_window => '240h')) r FROM @C GROUP BY patient) s"
same "readmission_rate: merge gap 8 h, minimum 6 h, window 10 days pinned" \
	"SET kvalitet.merge_gap = '8h'; SET kvalitet.min_admission = '6h'; SET kvalitet.readmission_window = '240h'; SELECT kvalitet.readmission_rate($cols) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules(merge_gap => '8h', min_admission => '6h', readmission_window => '240h')) r FROM @C GROUP BY patient) s"
differs "the readmission window matters on these rows" \
	"SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules()) FROM contacts_local" \
	"SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules(readmission_window => '240h')) FROM contacts_local"
same "readmission_rate per patient group (10 groups), grouped by patient first" \
	"SELECT patient % 10, kvalitet.readmission_rate($cols, kvalitet.stay_rules()) FROM @C GROUP BY 1 ORDER BY 1" \
	"SELECT g, kvalitet.rollup(r) FROM (SELECT patient % 10 g, kvalitet.readmission_rate($cols, kvalitet.stay_rules()) r FROM @C GROUP BY patient) s GROUP BY g ORDER BY g"
same "preventable_admission_share grouped by patient, rolled up" \
	"SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'preventable_elderly', kvalitet.stay_rules()) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'preventable_elderly', kvalitet.stay_rules()) r FROM @C GROUP BY patient) s"
same "preventable_admission_share: SET merge gap/minimum on one node = pinned on Citus" \
	"SET kvalitet.merge_gap = '1h'; SET kvalitet.min_admission = '20h'; SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'preventable_elderly', kvalitet.stay_rules(merge_gap => '1h', min_admission => '20h')) r FROM @C GROUP BY patient) s"
stays="kvalitet.patient_stays($cols, unit, '2026-06-01', kvalitet.stay_rules(readmission_window => '240h'))"
same "patient_stays grouped by patient: every stay and flag of every patient" \
	"SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM (SELECT patient, s FROM (SELECT patient, unnest($stays) s FROM @C GROUP BY patient) a) x"
same "patient_stays per discharging unit (stays, index stays, readmitted)" \
	"SELECT (s).discharging_unit, count(*), count(*) FILTER (WHERE (s).index_stay), count(*) FILTER (WHERE (s).readmitted), count(*) FILTER (WHERE (s).followup_complete) FROM (SELECT unnest($stays) s FROM @C GROUP BY patient) a GROUP BY 1 ORDER BY 1"
plan_has "patient_stays grouped by patient runs on the workers" \
	"SELECT unnest($stays) FROM contacts GROUP BY patient" "patient_stays\(.*GROUP BY .*patient"
same "kvalitet.stays_full over a distributed table (run on the coordinator) = patient_stays on one node" \
	"SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM (SELECT patient, (s).* FROM (SELECT patient, unnest($stays) s FROM @C GROUP BY patient) a) x" \
	"SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM (SELECT * FROM kvalitet.stays_full('SELECT patient, start_at, end_at, acute, diagnosis, died, index_eligible, unit FROM contacts', 0::bigint, '2026-06-01', kvalitet.stay_rules(readmission_window => '240h'))) x"

# The per-stay relation as a co-located distributed table, filled on the
# workers (docs/scale-out.md section 5).
ins="INSERT INTO stays_dist SELECT patient, (s).* FROM (SELECT patient, unnest($stays) s FROM contacts GROUP BY patient) q"
q "CREATE TABLE stays_dist AS SELECT NULL::bigint AS patient, (NULL::kvalitet.stay).* WITH NO DATA;
   SELECT create_distributed_table('stays_dist', 'patient', colocate_with => 'contacts');" >/dev/null
plan_has "the per-stay table's INSERT ... SELECT grouped by patient is pushed down to the shards" "$ins" \
	"Query: INSERT INTO public\.stays_dist_[0-9]+ "
r=$(q "$ins")
same "the per-stay distributed table holds patient_stays' rows of one node" \
	"SELECT count(*) || ' ' || md5(string_agg(x::text, ',' ORDER BY x::text)) FROM (SELECT patient, (s).* FROM (SELECT patient, unnest($stays) s FROM @C GROUP BY patient) a) x" \
	"SELECT count(*) || ' ' || md5(string_agg(x::text, ',' ORDER BY x::text)) FROM stays_dist x"

# --- code sets: reference tables, edited on the coordinator -----------------
r=$(q "SELECT string_agg(logicalrelid::text || ':' || partmethod::text, ',' ORDER BY logicalrelid::text) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'kvalitet.%'")
if [ "$r" = "kvalitet.code_set:n,kvalitet.code_set_entry:n" ]; then tap ok "code_set and code_set_entry are reference tables"; else tap no "code sets as reference tables: $r"; fi
r=$(q "SELECT table_name || ':' || made_reference FROM kvalitet.citus_distribute_code_sets()" | tr '\n' ' ')
if [ "$r" = "kvalitet.code_set:false kvalitet.code_set_entry:false " ]; then tap ok "citus_distribute_code_sets a second time changes nothing"; else tap no "citus_distribute_code_sets again: $r"; fi
q "INSERT INTO kvalitet.code_set (set_name, description) VALUES ('my_preventable', 'test set made on the coordinator');
   INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_preventable', 'j12.1'), ('my_preventable', 'DE86'), ('my_preventable', 'n30-n31')" >"$dir/set.out"
r=$(q "SELECT string_agg(result, '|') FROM run_command_on_all_nodes(\$\$SELECT string_agg(entry, ',' ORDER BY entry) FROM kvalitet.code_set_entry WHERE set_name = 'my_preventable'\$\$)")
if [ "$r" = "DE86,DJ121,DN30-DN31|DE86,DJ121,DN30-DN31|DE86,DJ121,DN30-DN31" ]; then
	tap ok "a set created on the coordinator is on every node, entries normalised"
else
	tap no "a set created on the coordinator is on every node: $r $(cat "$dir/set.out")"
fi
share="kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'my_preventable', kvalitet.stay_rules())"
same "preventable_admission_share with a set made on the coordinator, on the workers" \
	"SELECT $share FROM @C" "SELECT kvalitet.rollup(r) FROM (SELECT $share r FROM @C GROUP BY patient) s"
same "code_in with a set made on the coordinator, in a WHERE run on the workers" \
	"SELECT count(*) FROM @C WHERE CASE WHEN diagnosis ~ '^[A-Za-z][A-Za-z0-9]*\$' THEN kvalitet.code_in(diagnosis, 'my_preventable', start_at::date) END"
before=$(q "SELECT kvalitet.rollup(r) FROM (SELECT $share r FROM contacts GROUP BY patient) s")
q "INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_preventable', 'DS72'), ('my_preventable', 'DK59')" >/dev/null
same "after an entry is added on the coordinator, the workers' answers follow" \
	"SELECT $share FROM @C" "SELECT kvalitet.rollup(r) FROM (SELECT $share r FROM @C GROUP BY patient) s"
after=$(q "SELECT kvalitet.rollup(r) FROM (SELECT $share r FROM contacts GROUP BY patient) s")
if [ -n "$before" ] && [ "$before" != "$after" ]; then tap ok "the added entries change the answer ($before -> $after)"; else tap no "the added entries change the answer ($before -> $after)"; fi
q "DELETE FROM kvalitet.code_set_entry WHERE set_name = 'my_preventable' AND entry = 'DE86'" >/dev/null
same "after an entry is deleted on the coordinator, the workers' answers follow" \
	"SELECT $share FROM @C" "SELECT kvalitet.rollup(r) FROM (SELECT $share r FROM @C GROUP BY patient) s"
q "INSERT INTO kvalitet.code_set (set_name, description) VALUES ('my_exclusion', 'readmission exclusions of my own');
   INSERT INTO kvalitet.code_set_entry (set_name, entry) SELECT 'my_exclusion', entry FROM kvalitet.code_set_entry WHERE set_name = 'readmission_exclusion';
   INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_exclusion', 'DI21')" >/dev/null
same "readmission_rate with an exclusion set of the user's, pinned in the rules" \
	"SET kvalitet.readmission_exclusion_set = 'my_exclusion'; SELECT kvalitet.readmission_rate($cols) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules(exclusion_set => 'my_exclusion')) r FROM @C GROUP BY patient) s"
# A role that is not a superuser reads the code sets on the workers too
# (the shards carry the tables' grants).
q "CREATE ROLE kv_reader LOGIN; GRANT SELECT ON contacts, contacts_local TO kv_reader" >/dev/null
a=$(q "SELECT $share FROM contacts_local")
b=$(kv_citus_psql "$coord" kvtest -U kv_reader -At -c "SELECT kvalitet.rollup(r) FROM (SELECT $share r FROM contacts GROUP BY patient) s" 2>"$dir/err")
if [ -n "$a" ] && [ "$a" = "$b" ]; then tap ok "a role that is not a superuser gets the same answer on the workers"; else tap no "a non-superuser on the workers: $a vs $b $(grep -m1 ERROR "$dir/err")"; fi
r=$(q "UPDATE kvalitet.code_set_entry SET entry = 'DX' WHERE rule_set = 'dk-default-1' AND entry = 'DC'")
if [[ $r == *"read-only"* ]]; then tap ok "shipped entries stay read-only on Citus"; else tap no "shipped entries stay read-only on Citus: $r"; fi

# --- kvalitet.bind over the distributed tables --------------------------------
q "CREATE TABLE units AS SELECT DISTINCT unit, 'H' || (length(unit) % 2) AS hospital, 'D-' || unit AS department FROM contacts_local" >/dev/null
r=$(q "SELECT count(*) FILTER (WHERE computed) FROM kvalitet.bind('bi_one', 'contacts_local', 'canonical', units => 'units', epikriser => 'epikriser_local')")
r2=$(q "SELECT count(*) FILTER (WHERE computed) FROM kvalitet.bind('bi_citus', 'contacts', 'canonical', units => 'units', epikriser => 'epikriser')")
if [[ $r =~ ^[0-9]+$ ]] && [ "$r" = "$r2" ] && [ "$r" -gt 0 ]; then
	tap ok "bind over the distributed tables computes what it computes on one node ($r indicators)"
else
	tap no "bind over the distributed tables: $r vs $r2"
fi
r=$(q "SELECT (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'bi_citus_private.stays'::regclass)
            = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'contacts'::regclass)")
if [ "$r" = t ]; then tap ok "bind over distributed contacts keeps the stays in a table distributed by patient, co-located with the contacts"; else tap no "the bound stays are co-located with the contacts: $r"; fi
# The INSERT of the stays runs on the workers: one per shard, patient_stays
# grouped by patient in it (Citus logs every command it sends).
kv_citus_psql "$coord" kvtest -c "SET citus.log_remote_commands = on" -c "SELECT bi_citus_private.fill_stays()" >/dev/null 2>"$dir/fill.log"
r=$(grep -c "issuing INSERT INTO bi_citus_private.stays_[0-9]* " "$dir/fill.log")
if [ "$r" = "$shards" ] && grep -q "patient_stays(" "$dir/fill.log" && grep -q "GROUP BY c.patient" "$dir/fill.log"; then tap ok "the stays are built on the workers: one INSERT ... patient_stays ... GROUP BY patient per shard ($r)"
else tap no "the stays are built on the workers: $r INSERTs for $shards shards"; grep -m3 "issuing" "$dir/fill.log" | cut -c1-200 | sed 's/^/#   /'; fi
r=$(q "SELECT pg_get_viewdef('bi_one_private.stays'::regclass) LIKE '%kvalitet.stays_full(%'")
if [ "$r" = t ]; then tap ok "bind over a plain table reads the contacts through kvalitet.stays_full in one pass"; else tap no "single-node stays view: $r"; fi
same "bind: every row of indicator_values" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.indicator_values v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.indicator_values v"
same "bind: every row of goal_overview" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.goal_overview v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.goal_overview v"
same "bind: every row of the BI view stays" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.stays v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.stays v"
# A BI role that sees some units only (row-level security on the units
# table): the same stays and figures through both bindings, and no way to
# the private stays table (the workers would let it read every shard).
q "CREATE ROLE kv_bi LOGIN; GRANT SELECT ON units TO kv_bi;
   ALTER TABLE units ENABLE ROW LEVEL SECURITY;
   CREATE POLICY some_units ON units FOR SELECT TO kv_bi USING (unit IN ('u1', 'u3', 'u5'));
   SELECT kvalitet.grant_read('bi_one', 'kv_bi'); SELECT kvalitet.grant_read('bi_citus', 'kv_bi')" >/dev/null
as_bi() { kv_citus_psql "$coord" kvtest -U kv_bi -At -c "$1" 2>&1; }
a=$(as_bi "SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.stays v")
b=$(as_bi "SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.stays v")
all=$(q "SELECT count(*) FROM bi_one.stays")
if [[ $a =~ ^[0-9]+\  ]] && [ "$a" = "$b" ] && [ "${a%% *}" -gt 0 ] && [ "${a%% *}" -lt "$all" ]; then
	tap ok "a BI role that sees some units gets the same stays from both bindings (${a%% *} of $all)"
else tap no "a BI role's stays: one node $a, Citus $b (of $all)"; fi
a=$(as_bi "SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.indicator_values v")
b=$(as_bi "SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.indicator_values v")
if [[ $a =~ ^[0-9]+\  ]] && [ "$a" = "$b" ]; then tap ok "... and the same indicator_values ($a)"; else tap no "a BI role's indicator_values: $a vs $b"; fi
r=$(as_bi "SELECT count(*) FROM bi_citus_private.stays")$(as_bi "SELECT count(*) FROM bi_citus_private.visible_stays(true, '{}')")
if [[ $r == *"permission denied for schema"*"permission denied for schema"* ]]; then tap ok "... and cannot read the private stays table or call visible_stays itself"
else tap no "a BI role reads the private stays: $r"; fi
q "INSERT INTO contacts_local SELECT patient + 1000000, start_at + interval '3 days', end_at + interval '3 days', acute, diagnosis, died, index_eligible, unit FROM contacts_local WHERE patient % 10 = 0;
   INSERT INTO contacts SELECT patient + 1000000, start_at + interval '3 days', end_at + interval '3 days', acute, diagnosis, died, index_eligible, unit FROM contacts WHERE patient % 10 = 0" >/dev/null
r=$(q "SELECT count(*) FROM kvalitet.refresh('bi_one')"); r2=$(q "SELECT count(*) FROM kvalitet.refresh('bi_citus')")
if [[ $r2 != ERROR* ]] && [[ $r != ERROR* ]]; then tap ok "refresh works on both bindings"; else tap no "refresh: $r / $r2"; fi
same "bind: indicator_values after new rows and refresh" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.indicator_values v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.indicator_values v"
q "DELETE FROM contacts_local WHERE patient % 7 = 3; DELETE FROM contacts WHERE patient % 7 = 3" >/dev/null
r=$(q "SELECT string_agg(refreshed_concurrently::text, ',') FROM kvalitet.refresh('bi_one', false)")
r2=$(q "SELECT string_agg(refreshed_concurrently::text, ',') FROM kvalitet.refresh('bi_citus', false)")
if [ "$r2" = "$r" ] && [[ $r == false,* ]]; then tap ok "a plain refresh (concurrent => false) works on both bindings"; else tap no "plain refresh: $r / $r2"; fi
same "bind: every stay after rows removed and a plain refresh" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.stays v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.stays v"
same "bind: indicator_values after rows removed and a plain refresh" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_one.indicator_values v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_citus.indicator_values v"
# Ages (a birth date mapped from the patient key): the standardised rates,
# whose strata are counted on the workers, the same as on one node.
ages='{"contacts": {"birth_date": "DATE '"''"'1930-01-01'"''"' + (c.patient % 25000)::integer"}}'
q "SELECT count(*) FROM kvalitet.bind('bi_oa', 'contacts_local', 'canonical', units => 'units', mapping => '$ages');
   SELECT count(*) FROM kvalitet.bind('bi_ca', 'contacts', 'canonical', units => 'units', mapping => '$ages')" >/dev/null
r=$(q "SELECT count(*) FROM bi_ca.indicator_values WHERE standardised_value IS NOT NULL AND standardised_ratio IS NOT NULL")
same "bind with ages: every row of indicator_values, $r of them standardised" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_oa.indicator_values v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_ca.indicator_values v"
# Contacts distributed by a varchar patient, which bind reads as text: not
# the key's type, so the single-node form (the contacts read on the
# coordinator), with the same rows.
q "CREATE TABLE contacts_v (patient varchar(20), start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text,
                           died boolean, index_eligible boolean, unit text);
   SELECT create_distributed_table('contacts_v', 'patient', shard_count => 4);
   INSERT INTO contacts_v SELECT patient::text, start_at, end_at, acute, diagnosis, died, index_eligible, unit FROM contacts_local;
   CREATE TABLE contacts_vl AS SELECT * FROM contacts_v;
   SELECT count(*) FROM kvalitet.bind('bi_vl', 'contacts_vl', 'canonical', units => 'units');
   SELECT count(*) FROM kvalitet.bind('bi_v', 'contacts_v', 'canonical', units => 'units')" >/dev/null
r=$(q "SELECT relkind FROM pg_class WHERE oid = 'bi_v_private.stays'::regclass")
same "bind over contacts distributed by a varchar key: the stays read on the coordinator (kind $r), every row of indicator_values" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_vl.indicator_values v" \
	"SELECT count(*) || ' ' || md5(string_agg(v::text, ',' ORDER BY v::text)) FROM bi_v.indicator_values v"
r=$(q "SELECT kvalitet.unbind('bi_citus'); SELECT to_regclass('bi_citus_private.stays') IS NULL AND NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid::text LIKE 'bi_citus_private.%')")
if [ "$(tail -1 <<<"$r")" = t ]; then tap ok "unbind drops the distributed stays table and its shards"; else tap no "unbind on Citus: $r"; fi

# --- settings: the other way to reach the workers ----------------------------
same "SET LOCAL with citus.propagate_set_commands = local reaches the workers" \
	"SET kvalitet.readmission_window = '240h'; SELECT kvalitet.readmission_rate($cols) FROM @C" \
	"BEGIN; SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL kvalitet.readmission_window = '240h'; SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols) r FROM @C GROUP BY patient) s; COMMIT"

q "ALTER DATABASE kvtest SET kvalitet.readmission_window = '240h'" >/dev/null
same "ALTER DATABASE ... SET reaches the workers (Citus propagates it; new sessions)" \
	"SET kvalitet.readmission_window = '240h'; SELECT kvalitet.readmission_rate($cols, kvalitet.stay_rules(readmission_window => '240h')) FROM @C" \
	"SELECT kvalitet.rollup(r) FROM (SELECT kvalitet.readmission_rate($cols) r FROM @C GROUP BY patient) s"
q "ALTER DATABASE kvtest RESET kvalitet.readmission_window" >/dev/null

echo "1..$n"
