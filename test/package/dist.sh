#!/usr/bin/env bash
# test/package/dist.sh - the PGXN zip (TAP on stdout): make dist builds
# dist/kvalitet-X.Y.Z.zip from HEAD, every path its META.json names is inside
# it, and PGXS builds the extension from the unpacked zip.  Installs nothing.
set -uo pipefail
source "$(dirname "$0")/../../tools/lib.sh"

n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || sed 's/^/# /' "$2" | tail -15; }
check() {
	local name=$1; shift
	if "$@" >"$tmp/out" 2>&1; then pass "$name"; else fail "$name" "$tmp/out"; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=$(git -C "$KV_ROOT" show HEAD:kvalitet.control | sed -n "s/^default_version *= *'\(.*\)'/\1/p")
name=kvalitet-$version
zip=$KV_ROOT/dist/$name.zip
rm -f "$zip"
if make -C "$KV_ROOT" -s --no-print-directory PG_CONFIG="$KV_PG_CONFIG" dist >"$tmp/dist.out" 2>&1 &&
	[ "$(tail -1 "$tmp/dist.out")" = "$zip" ] && [ -f "$zip" ]; then
	pass "make dist builds dist/$name.zip"
else
	fail "make dist builds dist/$name.zip" "$tmp/dist.out"
	echo "1..$n"
	exit 0
fi

# Read the zip with Python (no unzip needed): one line per check.
python3 - "$zip" "$name" "$version" >"$tmp/zip.tap" 2>&1 <<'PY'
import json, sys, zipfile
path, top, version = sys.argv[1:]
z = zipfile.ZipFile(path)
names = set(z.namelist())
def check(ok, what):
    print(("ok - " if ok else "not ok - ") + what)
check(all(n.startswith(top + "/") for n in names), "every entry is under %s/" % top)
meta = json.loads(z.read(top + "/META.json"))
check(meta["version"] == version, "its META.json is at version %s" % version)
paths = [p[k] for p in meta["provides"].values() for k in ("file", "docfile") if k in p]
check(len(paths) > 0, "its META.json names files")
for p in paths:
    check(top + "/" + p in names, "META.json path %s is in the zip" % p)
script = "%s/sql/kvalitet--%s.sql" % (top, version)
check(script in names and z.read(script).startswith(b"-- kvalitet " + version.encode()),
      "the zip holds the generated install script sql/kvalitet--%s.sql" % version)
update = "%s/sql/kvalitet--0.1.0--%s.sql" % (top, version)
check(update in names and b"ALTER EXTENSION kvalitet UPDATE" in z.read(update)
      and b"--@include" not in z.read(update),
      "the zip holds the update script to %s, its includes expanded" % version)
for p in ("LICENSE", "kvalitet.control", "Makefile", "sql/kvalitet--0.1.0.sql"):
    check(top + "/" + p in names, "the zip holds %s" % p)
PY
awk -v n="$n" '/^(not )?ok - /{n++; sub(/ok - /, "ok " n " - "); print; next} {print "# " $0}' "$tmp/zip.tap"
n=$((n + $(grep -cE '^(not )?ok - ' "$tmp/zip.tap")))
grep -q '^Traceback' "$tmp/zip.tap" && fail "the zip's META.json can be read"

# PGXS builds the extension from the unpacked zip, as a PGXN client would.
check "PGXS builds kvalitet.so in the unpacked zip" bash -c \
	"cd '$tmp' && python3 -m zipfile -e '$zip' . && make -s -C '$name' -j2 PG_CONFIG='$KV_PG_CONFIG' && test -f '$name/kvalitet.so'"
echo "1..$n"
