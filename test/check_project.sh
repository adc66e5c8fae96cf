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
for f in sql/kvalitet--*--*.sql sql/updates/kvalitet--*--*.sql.in; do
	[ -e "$f" ] || continue
	check "$f has the ALTER EXTENSION guard" grep -q '^\\echo Use "ALTER EXTENSION kvalitet UPDATE' "$f"
done
check "no install script part uses an unqualified CREATE FUNCTION" bash -c \
	'! grep -hE "^CREATE (OR REPLACE )?(FUNCTION|AGGREGATE|TYPE|TABLE|VIEW|OPERATOR) [a-z_]+[ (]" sql/parts/*.sql'
# Every path META.json names (provides' file and docfile) is in the tree or
# is made by make (DATA_built, e.g. the generated install script): PGXN reads
# them from the zip that make dist builds.
meta_built=$(printf 'kv-print-built:\n\t@echo $(DATA_built)\n' |
	make -s --no-print-directory -f Makefile -f - kv-print-built 2>/dev/null)
meta_in_tree() {	# tracked by git (or present, outside a git checkout), or made by make
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files --error-unmatch -- "$1" >/dev/null 2>&1 && [ -e "$1" ] && return 0
	else
		[ -e "$1" ] && return 0
	fi
	case " $meta_built " in *" $1 "*) return 0 ;; esac
	return 1
}
meta_paths=$(python3 -c '
import json
def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "docfile") and isinstance(value, str):
                print(value)
            else:
                walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)
walk(json.load(open("META.json")))')
check "META.json names the files of what it provides" test -n "$meta_paths"
for path in $meta_paths; do
	check "META.json path $path is in the tree or made by make" meta_in_tree "$path"
done
check "META.json's provides.kvalitet.file is the install script of $version" python3 - "$version" <<'PY'
import json, sys
assert json.load(open("META.json"))["provides"]["kvalitet"]["file"] == "sql/kvalitet--%s.sql" % sys.argv[1]
PY
check "debian/changelog's newest entry is $version-N" bash -c \
	'head -1 debian/changelog | grep -q "^kvalitet ($1-[0-9][^)]*) "' _ "$version"
check "LICENSE is the PostgreSQL Licence, as META.json and debian/copyright say" bash -c \
	'grep -q "^PostgreSQL Licence" LICENSE && grep -q "\"license\": \"postgresql\"" META.json &&
	 grep -q "^License: PostgreSQL\$" debian/copyright'
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
