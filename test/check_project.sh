#!/usr/bin/env bash
# test/check_project.sh - project checks that need no server (TAP output):
# META.json is valid PGXN meta and agrees with the control file's version,
# and every upgrade script carries the psql guard.
cd "$(dirname "$0")/.." || exit 1
n=0
check() {	# check "name" command...
	local name=$1; shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then echo "ok $n - $name"; else echo "not ok $n - $name"; fi
}
version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" kvalitet.control)
check "control file has a default_version" test -n "$version"
check "META.json is valid JSON" python3 -c 'import json,sys; json.load(open("META.json"))'
check "META.json version equals the control file's ($version)" python3 - "$version" <<'PY'
import json, sys
m = json.load(open("META.json"))
v = sys.argv[1]
assert m["version"] == v and all(p["version"] == v for p in m["provides"].values())
assert m["meta-spec"]["version"] == "1.0.0"
for key in ("name", "abstract", "maintainer", "license", "provides"):
    assert key in m, key
PY
for f in sql/kvalitet--*--*.sql; do
	[ -e "$f" ] || continue
	check "$f has the ALTER EXTENSION guard" grep -q '^\\echo Use "ALTER EXTENSION kvalitet UPDATE' "$f"
done
check "no install script part uses an unqualified CREATE FUNCTION" bash -c \
	'! grep -hE "^CREATE (OR REPLACE )?(FUNCTION|AGGREGATE|TYPE|TABLE|VIEW|OPERATOR) [a-z_]+[ (]" sql/parts/*.sql'
echo "1..$n"
