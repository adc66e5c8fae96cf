# tools/lib.sh - shared steps of kvalitet's two commands (tools/demo, tools/test).
# Sourced, not run.  Each step says what it does; failures stop the caller.

KV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KV_PG_MAJOR=15
KV_PG_CONFIG=/usr/lib/postgresql/$KV_PG_MAJOR/bin/pg_config
KV_PACKAGES="postgresql-$KV_PG_MAJOR postgresql-server-dev-$KV_PG_MAJOR postgresql-$KV_PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl gcc make"
# The strict warning set every build uses.  -Wno-unused-parameter because
# PG_FUNCTION_ARGS and callback signatures name parameters a function may not
# need; -Wno-missing-field-initializers because PostgreSQL's own headers
# initialise structs partially.
KV_COPT="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers"

kv_say() { printf '\n== %s\n' "$*"; }

# Install the Debian packages kvalitet needs, or say which are missing.
kv_ensure_packages() {
	local missing="" p
	for p in $KV_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "kvalitet needs these Debian packages:$missing" >&2
		echo "install them with: sudo apt-get install$missing" >&2
		exit 1
	fi
	kv_say "installing Debian packages:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# Run a command as root (directly, or through sudo for other users).
kv_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Build with the strict warning set and install into PostgreSQL.
kv_build_install() {
	kv_say "building kvalitet (warnings are errors)"
	make -C "$KV_ROOT" -s PG_CONFIG="$KV_PG_CONFIG" COPT="$KV_COPT ${KV_EXTRA_COPT:-}" all generator || return 1
	kv_say "installing kvalitet into PostgreSQL $KV_PG_MAJOR"
	kv_as_root make -C "$KV_ROOT" -s PG_CONFIG="$KV_PG_CONFIG" install >/dev/null || return 1
}

# Run "$@" with a throwaway cluster (pg_virtualenv sets the PG* variables).
kv_with_cluster() {
	pg_virtualenv -t -v "$KV_PG_MAJOR" -o 'max_worker_processes=8' -- "$@"
}

# Build kvalitet into the private directory $1 (from git revision $2, or the
# working tree when $2 is empty) and install it under $1/destdir, so that a
# cluster started with -o extension_destdir=$1/destdir loads this build
# whatever other checkouts installed system-wide.  Used by the benchmarks.
kv_private_build() {
	local build=$1 commit=${2:-} what
	if [ -n "$commit" ]; then
		what="$commit ($(git -C "$KV_ROOT" rev-parse --short "$commit^{commit}"))"
		git -C "$KV_ROOT" archive "$commit" Makefile kvalitet.control sql src | tar -C "$build" -xf -
	else
		what="the working tree at $(git -C "$KV_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
		[ -n "$(git -C "$KV_ROOT" status --porcelain -- Makefile kvalitet.control sql src 2>/dev/null)" ] &&
			what="$what with uncommitted changes"
		tar -C "$KV_ROOT" --exclude='*.o' --exclude='*.bc' --exclude='*.so' -cf - \
			Makefile kvalitet.control sql src | tar -C "$build" -xf -
	fi
	kv_say "building kvalitet from $what"
	make -C "$build" -s PG_CONFIG="$KV_PG_CONFIG" COPT="$KV_COPT" all >/dev/null &&
		make -C "$build" -s PG_CONFIG="$KV_PG_CONFIG" DESTDIR="$build/destdir" install >/dev/null
}

# A TCP port from $1 up that no server uses (for a benchmark's own cluster).
kv_free_port() {
	local port=$1
	while [ -e "/var/run/postgresql/.s.PGSQL.$port" ] || [ -e "/tmp/.s.PGSQL.$port" ] ||
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		port=$((port + 1))
	done
	echo "$port"
}
