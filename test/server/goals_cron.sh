#!/usr/bin/env bash
# test/server/goals_cron.sh - the nightly refresh of docs/binding.md under pg_cron
# (Debian's postgresql-15-cron), with TAP output.  pg_cron must be preloaded,
# so this starts a throwaway cluster of its own (pg_virtualenv, a free port),
# schedules kvalitet.scheduled_refresh every minute and waits (at most 150 s) for the
# job to have run.  Skips when pg_cron cannot be installed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$root/tools/lib.sh"

if [ "${1:-}" != --inside ]; then
	(kv_ensure_packages postgresql-$KV_PG_MAJOR-cron) >/dev/null 2>&1
	if [ ! -f "$("$KV_PG_CONFIG" --pkglibdir)/pg_cron.so" ]; then
		echo "ok 1 # skip pg_cron is not installed (apt-get install postgresql-$KV_PG_MAJOR-cron)"
		echo "1..1"
		exit 0
	fi
	port=56432
	while [ -e "/var/run/postgresql/.s.PGSQL.$port" ] || [ -e "/tmp/.s.PGSQL.$port" ] ||
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
	vopts=(-v "$KV_PG_MAJOR" -o shared_preload_libraries=pg_cron -o cron.database_name=postgres
		   -o cron.use_background_workers=on -o max_worker_processes=16)
	[ "$(id -u)" -eq 0 ] && vopts+=(-t)
	PGPORT=$port pg_virtualenv "${vopts[@]}" -- bash "${BASH_SOURCE[0]}" --inside 2>/dev/null |
		grep -E '^(ok|not ok|#|1\.\.)'
	exit "${PIPESTATUS[0]}"
fi

n=0
ok() {	# ok EXIT-STATUS NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${3:-}" ] && echo "# $3"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" -c "$1" 2>&1; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null 2>&1 <<'SQL'
CREATE EXTENSION pg_cron;
CREATE EXTENSION kvalitet;
CREATE SCHEMA src;
CREATE TABLE src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text);
INSERT INTO src.contacts VALUES (1, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DI219'),
                                (1, '2025-03-11 10:00+00', '2025-03-12 10:00+00', true, 'DJ189');
SELECT count(*) FROM kvalitet.bind('bi', 'src.contacts');
SQL
ok $? "pg_cron and kvalitet in one database, a binding"

# The example of docs/binding.md, every minute instead of at 02:15.
job=$(q "SELECT cron.schedule('kvalitet-nightly', '* * * * *', \$\$CALL kvalitet.scheduled_refresh('bi')\$\$)")
[ -n "$job" ] && [ "$job" -gt 0 ] 2>/dev/null; ok $? "cron.schedule accepts the refresh job" "$job"
q "INSERT INTO src.contacts VALUES (2, '2025-03-05 10:00+00', '2025-03-07 10:00+00', true, 'DI219')" >/dev/null
runs=0
for _ in $(seq 1 75); do
	runs=$(q "SELECT count(*) FROM kvalitet.refresh_log WHERE schema_name = 'bi' AND relation = '*' AND kind = 'refresh' AND error IS NULL")
	[ "$runs" -ge 1 ] 2>/dev/null && break
	sleep 2
done
[ "$runs" -ge 1 ] 2>/dev/null; ok $? "the job ran kvalitet.refresh and it logged the run" "$runs"
sleep 1
st=$(q "SELECT status FROM cron.job_run_details WHERE jobid = $job ORDER BY start_time DESC LIMIT 1")
[ "$st" = succeeded ]; ok $? "cron.job_run_details says succeeded" "$st"
got=$(q "SELECT numerator || '/' || denominator FROM bi.indicator_values WHERE org_level = 'region' AND period_type = 'year' AND indicator_code = 'readmission_30d'")
[ "$got" = "1/3" ]; ok $? "the refreshed view includes the contact added after binding (1/3)" "$got"
q "SELECT cron.unschedule('kvalitet-nightly')" >/dev/null; ok $? "cron.unschedule"

# A job that fails (its source table was dropped) leaves its error in the
# refresh log and in status, not only in cron.job_run_details.
q "CREATE TABLE src.other AS SELECT * FROM src.contacts; SELECT count(*) FROM kvalitet.bind('bi2', 'src.other'); DROP TABLE src.other CASCADE" >/dev/null
job=$(q "SELECT cron.schedule('kvalitet-broken', '* * * * *', \$\$CALL kvalitet.scheduled_refresh('bi2')\$\$)")
err=""
for _ in $(seq 1 75); do
	err=$(q "SELECT error FROM kvalitet.refresh_log WHERE schema_name = 'bi2' AND error IS NOT NULL LIMIT 1")
	[ -n "$err" ] && break
	sleep 2
done
case $err in 42P01:*"src.other no longer exists"*) true ;; *) false ;; esac
ok $? "a failed scheduled refresh is logged with its error" "$err"
got=$(q "SELECT DISTINCT last_error IS NOT NULL FROM bi2.status")
[ "$got" = t ]; ok $? "status shows the failure" "$got"
q "SELECT cron.unschedule('kvalitet-broken')" >/dev/null; ok $? "cron.unschedule the failing job"
echo "1..$n"
