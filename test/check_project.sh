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
check "no function in sql/parts is longer than 200 lines" python3 - <<'PY'
# A function runs from its CREATE line to the end of its statement: the ;
# after its closing dollar quote, or END; of a BEGIN ATOMIC body, or the
# first ; of a one-line RETURN body.
import glob, re, sys
long = []
for path in sorted(glob.glob("sql/parts/*.sql")):
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        if not re.match(r"CREATE (OR REPLACE )?FUNCTION ", lines[i]):
            i += 1
            continue
        start, tag, atomic = i, None, False
        while i < len(lines):
            line = lines[i]
            if tag is None:
                m = re.search(r"(\$[A-Za-z_]*\$)", line)
                if m:
                    tag = m.group(1)
                    rest = line[m.end():]
                    if tag in rest:
                        tag = None
                        if rest.rstrip().endswith(";"):
                            break
                elif "BEGIN ATOMIC" in line:
                    atomic = True
                elif atomic and re.match(r"\s*END;", line):
                    break
                elif not atomic and line.rstrip().endswith(";"):
                    break
            elif tag in line:
                tag = None
                if line.rstrip().endswith(";"):
                    break
            i += 1
        if i - start + 1 > 200:
            long.append("%s:%d %d lines" % (path, start + 1, i - start + 1))
        i += 1
if long:
    print("\n".join(long), file=sys.stderr)
    sys.exit(1)
PY
echo "1..$n"
