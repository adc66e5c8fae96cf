#!/usr/bin/env bash
# test/server/security_restore.sh - an ordinary role binds in a fresh session
# (epikriser, populate => false), refreshes, dumps its database with pg_dump
# and restores it with pg_restore into a database where a superuser has only
# created the extension: no error, the bindings, the refresh log and the
# figures come back, and the restored binding refreshes, unbinds and binds
# again (SECURITY.md, docs/binding.md section 7).  TAP output; runs against
# the cluster the PG* variables point at (tools/test-server.sh).
set -uo pipefail
src=kvalitet_sec_src
dst=kvalitet_sec_dst
owner=kv_sec_restorer
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {	# ok CONDITION-EXIT-STATUS NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${3:-}" ] && echo "# ${3//$'\n'/$'\n'# }"; fi
}
su_q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "SET client_min_messages = error" -c "$2" 2>&1; }
as_owner() {	# as_owner DB SQL: a fresh session of the ordinary role
	PGUSER=$owner PGPASSWORD=kv_sec psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "SET client_min_messages = error" -c "$2" 2>&1
}
is() { [ "$1" = "$2" ]; ok $? "$3" "got '$1', expected '$2'"; }

psql -X -q -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" -c "DROP ROLE IF EXISTS $owner" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE ROLE $owner LOGIN PASSWORD 'kv_sec'" \
	-c "CREATE DATABASE $src OWNER $owner" -c "CREATE DATABASE $dst OWNER $owner" >/dev/null
# What needs a superuser: the extension (not trusted), in both databases.
su_q $src "CREATE EXTENSION kvalitet" >/dev/null
su_q $dst "CREATE EXTENSION kvalitet" >/dev/null

as_owner $src "CREATE SCHEMA lpr;
CREATE TABLE lpr.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean, diagnosis text, died boolean, unit text);
INSERT INTO lpr.contacts VALUES
(1, '2025-03-01 10:00+00', '2025-03-03 10:00+00', true, 'DI219', false, 'A1'),
(1, '2025-03-08 10:00+00', '2025-03-09 10:00+00', true, 'DJ189', false, 'A1'),
(2, '2025-03-10 10:00+00', '2025-03-12 10:00+00', true, 'DI219', false, 'B1');
CREATE TABLE lpr.units (unit text, hospital text, department text);
INSERT INTO lpr.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Kirurgi');
CREATE TABLE lpr.letters (patient bigint, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO lpr.letters VALUES (1, '2025-03-03 10:00+00', '2025-03-04 09:00+00'), (2, '2025-03-12 10:00+00', NULL);" >/dev/null

# 1. bind in a fresh session of an ordinary role, with epikriser and populate => false.
got=$(as_owner $src "SELECT count(*) FROM kvalitet.bind('bi', 'lpr.contacts', units => 'lpr.units', epikriser => 'lpr.letters',
	populate => false) WHERE computed")
is "$got" 6 "an ordinary role binds with epikriser and populate => false in a fresh session"
got=$(as_owner $src "SELECT count(*) FROM kvalitet.refresh('bi')")
is "$got" 4 "and refreshes in another fresh session"
got=$(as_owner $src "SELECT count(*) FROM kvalitet.refresh('bi')")
is "$got" 4 "twice"
want=$(as_owner $src "SELECT string_agg(indicator_code || period_label || org_unit || numerator || '/' || denominator, ',' ORDER BY indicator_code, period_label, org_unit)
	FROM bi.indicator_values")

# 2. pg_dump and pg_restore by the owner.  The superuser already created the
# extension (and so its schema) in the new database: those entries are left
# out of the restore, as are the rows of kvalitet's catalogue tables (only
# the extension's owner writes them; here there are none of the user's).
PGUSER=$owner PGPASSWORD=kv_sec pg_dump -Fc -d $src -f "$tmp/dump" 2>"$tmp/dump.err"
ok $? "pg_dump by the owner" "$(head -5 "$tmp/dump.err")"
pg_restore -l "$tmp/dump" | grep -v -E ' (SCHEMA - kvalitet|EXTENSION - kvalitet|COMMENT - EXTENSION kvalitet) ' |
	grep -v -E ' TABLE DATA kvalitet (code_set|code_set_entry|goal|indicator|standard_population) ' >"$tmp/list"
PGUSER=$owner PGPASSWORD=kv_sec pg_restore -d $dst --exit-on-error -L "$tmp/list" "$tmp/dump" 2>"$tmp/restore.err"
ok $? "pg_restore by the owner, no error" "$(head -20 "$tmp/restore.err")"
is "$(as_owner $dst "SELECT schema_name || ':' || private_schema || ':' || array_to_string(relations, ' ') FROM kvalitet.binding")" \
	"bi:bi_private:bi_private.org_units bi_private.stays bi_private.indicator_values" "the binding is restored"
is "$(as_owner $dst "SELECT count(*) FROM kvalitet.refresh_log")" "$(as_owner $src "SELECT count(*) FROM kvalitet.refresh_log")" \
	"the refresh log is restored"
is "$(as_owner $dst "SELECT string_agg(indicator_code || period_label || org_unit || numerator || '/' || denominator, ',' ORDER BY indicator_code, period_label, org_unit)
	FROM bi.indicator_values")" "$want" "the restored views give the same figures"
is "$(as_owner $dst "SELECT count(*) FROM kvalitet.refresh('bi')")" 4 "the restored binding refreshes"
is "$(as_owner $dst "SELECT count(DISTINCT id) = count(*) FROM kvalitet.refresh_log")" t "and logs it after the restored entries"
is "$(as_owner $dst "SELECT kvalitet.unbind('bi'); SELECT count(*) FROM kvalitet.bind('bi', 'lpr.contacts', units => 'lpr.units', epikriser => 'lpr.letters') WHERE computed" | tail -1)" \
	6 "it unbinds and binds again"
psql -X -q -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" -c "DROP ROLE IF EXISTS $owner" >/dev/null 2>&1
echo "1..$n"
