# tools/citus.sh - a local Citus cluster for kvalitet's scale-out tests
# (test/citus/run.sh) and measurements (docs/scale-out.md).  Sourced after
# tools/lib.sh, not run.
#
# Citus is a test tool here: kvalitet neither links nor ships it.  It is
# built from the source tarball named by CITUS_SRC (default
# ../shared/vendor/citus-13.2.2.tar.gz beside the repository, with the
# PostgreSQL 15.20 patch found beside it) unless PostgreSQL already has a
# citus.so, and installed into PostgreSQL (system-wide, like any extension
# a test needs).  The build is cached in KV_CITUS_CACHE.

KV_CITUS_VERSION=13.2.2
: "${CITUS_SRC:=$KV_ROOT/../shared/vendor/citus-$KV_CITUS_VERSION.tar.gz}"
: "${KV_CITUS_CACHE:=${TMPDIR:-/tmp}/kvalitet-citus-$KV_CITUS_VERSION}"

# Is there a Citus tarball (or an installed Citus) to test with?
kv_citus_available() {
	[ -f "$CITUS_SRC" ] || [ -f "$("$KV_PG_CONFIG" --pkglibdir)/citus.so" ]
}

# Build Citus (once; the build tree is cached) and install it into PostgreSQL.
kv_citus_install() {
	local libdir src patch
	libdir=$("$KV_PG_CONFIG" --pkglibdir)
	if [ -f "$libdir/citus.so" ] && [ -z "${KV_CITUS_REBUILD:-}" ]; then
		return 0
	fi
	[ -f "$CITUS_SRC" ] || { echo "no Citus: CITUS_SRC=$CITUS_SRC does not exist" >&2; return 1; }
	kv_ensure_packages liblz4-dev libzstd-dev libkrb5-dev || return 1
	mkdir -p "$KV_CITUS_CACHE"
	src="$KV_CITUS_CACHE/citus-$KV_CITUS_VERSION"
	if [ ! -f "$src/src/backend/distributed/citus.so" ]; then
		kv_say "building Citus $KV_CITUS_VERSION from $CITUS_SRC (a few minutes; once, cached)"
		rm -rf "$src"
		tar -C "$KV_CITUS_CACHE" -xzf "$CITUS_SRC" || return 1
		patch="$(dirname "$CITUS_SRC")/citus-$KV_CITUS_VERSION-pg15.20.patch"
		if [ -f "$patch" ]; then
			(cd "$src" && patch -s -p1 <"$patch") || return 1
		fi
		# with_llvm=no: no JIT bitcode, which halves the build time.
		(cd "$src" && ./configure -q --without-libcurl PG_CONFIG="$KV_PG_CONFIG" >/dev/null &&
			make -s -j"$(nproc)" with_llvm=no >"$KV_CITUS_CACHE/build.log" 2>&1) ||
			{ tail -20 "$KV_CITUS_CACHE/build.log" >&2; return 1; }
	fi
	kv_say "installing Citus $KV_CITUS_VERSION into PostgreSQL $KV_PG_MAJOR"
	kv_as_root make -C "$src" -s with_llvm=no install >>"$KV_CITUS_CACHE/build.log" 2>&1
}

# Run a command as the server's owner (postgres when we are root).
kv_citus_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# kv_citus_start DIR: a coordinator and two workers under DIR on free
# loopback ports; sets KV_CITUS_PORTS ("coordinator worker1 worker2").
# KV_CITUS_DESTDIR, when set, is passed as extension_destdir (a private
# kvalitet build).  Every node gets citus and kvalitet in database kvtest.
kv_citus_start() {
	local dir=$1 port=${KV_CITUS_FIRST_PORT:-56432} node i bin
	bin=$("$KV_PG_CONFIG" --bindir)
	KV_CITUS_PORTS=""
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	for i in 0 1 2; do
		port=$(kv_free_port "$port")
		node="$dir/node$i"
		kv_citus_as_owner "$bin/initdb" -D "$node" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb$i.log" 2>&1 ||
			{ cat "$dir/initdb$i.log" >&2; return 1; }
		cat >>"$node/postgresql.conf" <<-EOF
			port = $port
			listen_addresses = '127.0.0.1'
			unix_socket_directories = '$dir'
			shared_preload_libraries = 'citus'
			max_prepared_transactions = 50
			max_connections = 60
			max_worker_processes = 8
			shared_buffers = 64MB
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			citus.enable_statistics_collection = off
			${KV_CITUS_DESTDIR:+extension_destdir = '$KV_CITUS_DESTDIR'}
		EOF
		kv_citus_as_owner "$bin/pg_ctl" -D "$node" -l "$dir/node$i.log" -w start >/dev/null ||
			{ cat "$dir/node$i.log" >&2; return 1; }
		KV_CITUS_PORTS="$KV_CITUS_PORTS $port"
		port=$((port + 1))
	done
	KV_CITUS_PORTS=${KV_CITUS_PORTS# }
	KV_CITUS_DIR=$dir
	for port in $KV_CITUS_PORTS; do
		kv_citus_psql "$port" postgres -c "CREATE DATABASE kvtest" >/dev/null || return 1
		kv_citus_psql "$port" kvtest -c "CREATE EXTENSION citus" >/dev/null || return 1
	done
	set -- $KV_CITUS_PORTS
	kv_citus_psql "$1" kvtest -c "SELECT citus_set_coordinator_host('127.0.0.1', $1)" \
		-c "SELECT citus_add_node('127.0.0.1', $2)" -c "SELECT citus_add_node('127.0.0.1', $3)" >/dev/null &&
		kv_citus_psql "$1" kvtest -c "CREATE EXTENSION kvalitet" >/dev/null
}

# kv_citus_psql PORT DB ARGS...: psql against a node, quiet, stopping on error.
kv_citus_psql() {
	local port=$1 db=$2
	shift 2
	psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

# kv_citus_stop: stop the nodes kv_citus_start started.
kv_citus_stop() {
	local i bin
	[ -n "${KV_CITUS_DIR:-}" ] || return 0
	bin=$("$KV_PG_CONFIG" --bindir)
	for i in 0 1 2; do
		[ -f "$KV_CITUS_DIR/node$i/postmaster.pid" ] &&
			kv_citus_as_owner "$bin/pg_ctl" -D "$KV_CITUS_DIR/node$i" -m immediate -w stop >/dev/null 2>&1
	done
	return 0
}
