#!/usr/bin/env bash
# test/package/deb.sh - the Debian package from end to end (TAP on stdout):
# tools/package builds it (from the work tree's files), dpkg installs it, a
# fresh cluster creates the extension from it, fresh and through the update
# from 0.1.0, the autopkgtest (debian/tests) runs against it; then it is purged
# and the tree's own build is installed again with make install, so that the
# machine is left as it was.
#
# Installs into the one system-wide PostgreSQL: run it under the shared lock,
#   flock /tmp/kvalitet-pg.lock bash test/package/deb.sh
# Needs root (or sudo without a password); otherwise it skips.
set -uo pipefail
source "$(dirname "$0")/../../tools/lib.sh"

n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || sed 's/^/# /' "$2" | tail -"${3:-15}"; }
# check "name" command...: one TAP line; the command's output shows on failure.
check() {
	local name=$1; shift
	if "$@" >"$tmp/out" 2>&1; then pass "$name"; else fail "$name" "$tmp/out"; fi
}

if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
	echo "ok 1 - Debian package postgresql-$KV_PG_MAJOR-kvalitet # SKIP not root"
	echo "1..1"
	exit 0
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"	# the autopkgtest's server (user postgres) reads the copy in it
pkg=postgresql-$KV_PG_MAJOR-kvalitet
version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$KV_ROOT/kvalitet.control")
extdir=$("$KV_PG_CONFIG" --sharedir)/extension
libdir=$("$KV_PG_CONFIG" --pkglibdir)
installed=no
restored=no

# Whatever happens, leave the machine with the tree's own build installed.
restore() {
	if [ $installed = yes ]; then
		kv_as_root dpkg --purge "$pkg" >"$tmp/out" 2>&1 || sed 's/^/# /' "$tmp/out"
	fi
	[ $restored = yes ] || kv_build_install >/dev/null 2>&1 || echo "# make install failed"
	rm -rf "$tmp"
}
trap restore EXIT

# 1. Build.
start=$SECONDS
if (cd "$KV_ROOT" && ./tools/package --worktree) >"$tmp/package.out" 2>&1; then
	deb=$(tail -1 "$tmp/package.out")
	echo "# tools/package took $((SECONDS - start)) s"
	debversion=$(cd "$KV_ROOT" && dpkg-parsechangelog -S Version)
	expected=${pkg}_${debversion}_$(dpkg --print-architecture).deb
	if [ -f "$deb" ] && [ "$(basename "$deb")" = "$expected" ] && [ "${deb#/}" != "$deb" ]; then
		pass "tools/package builds $expected and prints its absolute path last"
	else
		fail "tools/package builds $expected and prints its absolute path last (got: $deb)"
		deb=""
	fi
else
	fail "tools/package builds the .deb" "$tmp/package.out" 40
	deb=""
fi

if [ -n "$deb" ]; then
	# 2. Install, and check what the package holds.
	check "dpkg -i installs $pkg" kv_as_root dpkg -i "$deb"
	installed=yes
	check "$pkg $debversion is installed" bash -c \
		"dpkg-query -W -f='\${Status} \${Version}' $pkg | grep -qx 'install ok installed $debversion'"
	dpkg -L "$pkg" >"$tmp/files" 2>&1
	wanted="$extdir/kvalitet.control $libdir/kvalitet.so $extdir/kvalitet--$version.sql"
	for f in "$KV_ROOT"/sql/kvalitet--*.sql; do
		[ "$(basename "$f")" = "kvalitet--$version.sql" ] || wanted="$wanted $extdir/$(basename "$f")"
	done
	for f in $wanted; do
		check "dpkg -L lists $f" grep -qx "$f" "$tmp/files"
	done
	check "the package holds no tools/kvalitet-gen (a developer's tool)" bash -c "! grep -q kvalitet-gen '$tmp/files'"

	# 3. A fresh cluster creates the extension from the package's files.
	cat >"$tmp/cluster.sh" <<EOF
set -u
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "\$1" 2>&1 | tail -1; }
echo "create=\$(q 'CREATE EXTENSION kvalitet; SELECT extversion FROM pg_extension WHERE extname = \$\$kvalitet\$\$')"
echo "holiday=\$(q "SELECT kvalitet.is_holiday('2025-12-25')")"
echo "old=\$(q "DROP EXTENSION kvalitet; CREATE EXTENSION kvalitet VERSION '0.1.0'; SELECT extversion FROM pg_extension WHERE extname = 'kvalitet'")"
echo "updated=\$(q "ALTER EXTENSION kvalitet UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'kvalitet'")"
echo "holiday_after_update=\$(q "SELECT kvalitet.is_holiday('2025-12-24')")"
EOF
	kv_as_root pg_virtualenv -t -v "$KV_PG_MAJOR" -- bash "$tmp/cluster.sh" >"$tmp/cluster.out" 2>&1
	got() { sed -n "s/^$1=//p" "$tmp/cluster.out"; }
	expect() {	# expect key value name
		if [ "$(got "$1")" = "$2" ]; then pass "$3"; else fail "$3 (got: $(got "$1"))" "$tmp/cluster.out"; fi
	}
	expect create "$version" "CREATE EXTENSION kvalitet in a fresh cluster gives version $version"
	expect holiday t "kvalitet.is_holiday('2025-12-25') is true"
	expect old 0.1.0 "CREATE EXTENSION kvalitet VERSION '0.1.0'"
	expect updated "$version" "ALTER EXTENSION kvalitet UPDATE takes 0.1.0 to $version"
	expect holiday_after_update f "kvalitet.is_holiday('2025-12-24') is false after the update"

	# 4. The autopkgtest (debian/tests/installcheck) in a copy of the tree, as
	# autopkgtest runs it: pg_regress against the installed package.
	mkdir "$tmp/src"
	(cd "$KV_ROOT" && git ls-files -z --cached --others --exclude-standard --deduplicate |
		while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -x -C "$tmp/src"
	check "autopkgtest debian/tests/installcheck passes against the installed package" \
		kv_as_root bash -c "cd '$tmp/src' && debian/tests/installcheck"

	# 5. Purge, and put the tree's own build back.
	check "dpkg --purge $pkg" kv_as_root dpkg --purge "$pkg"
	installed=no
	check "the purge removes the package's files" bash -c \
		"[ ! -e '$extdir/kvalitet.control' ] && [ ! -e '$libdir/kvalitet.so' ]"
fi
check "make install puts the tree's own build back" kv_build_install
restored=yes
check "the installed kvalitet--$version.sql is the tree's" cmp "$KV_ROOT/sql/kvalitet--$version.sql" "$extdir/kvalitet--$version.sql"
echo "1..$n"
