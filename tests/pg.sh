#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests.
#   tests/pg.sh start           creates it in a temporary directory on a free
#                               port and prints its URL
#   tests/pg.sh url             prints the URL of the running cluster
#   tests/pg.sh createdb [NAME] creates a fresh database (a unique name unless
#                               given) and prints its URL
#   tests/pg.sh stop            stops it and removes the directory
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# unprivileged user `nobody`. It is for tests only: trust authentication,
# 127.0.0.1 only, fsync off. The state file says where it is: by default one
# per checkout; GLOVEBOX_PG_STATE names another (tests/run.sh uses one per run,
# so that runs side by side do not share a cluster).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${GLOVEBOX_PG_STATE:-$root/build/test-pg.state}
bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg.sh: PostgreSQL is not installed (scripts/deps.sh test)" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

stop() {
	[ -f "$state" ] || return 0
	local dir port
	read -r dir port <"$state"
	case "$dir" in /tmp/glovebox-pg.*) ;; *) echo "pg.sh: odd state file $state" >&2; return 1 ;; esac
	if [ -f "$dir/data/postmaster.pid" ]; then
		(cd "$dir" && as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1) ||
			(cd "$dir" && as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1) || true
	fi
	rm -rf "$dir" "$state"
}

url() {
	[ -f "$state" ] || { echo "pg.sh: no cluster is running (tests/pg.sh start)" >&2; exit 1; }
	local dir port
	read -r dir port <"$state"
	echo "postgres://glovebox@127.0.0.1:$port/${1:-postgres}"
}

case "${1:-}" in
start)
	if [ -f "$state" ]; then
		read -r olddir _ <"$state"
		if [ -f "$olddir/data/postmaster.pid" ] &&
			(cd /tmp && as_owner "$bindir/pg_ctl" -D "$olddir/data" status >/dev/null 2>&1); then
			echo "pg.sh: a cluster is already running ($(url)); tests/pg.sh stop first" >&2
			exit 1
		fi
		stop    # what an interrupted run left behind
	fi
	mkdir -p "$(dirname "$state")"
	dir=$(mktemp -d /tmp/glovebox-pg.XXXXXX)
	chmod 755 "$dir"
	if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
	cd "$dir"
	if ! as_owner "$bindir/initdb" -D "$dir/data" -A trust -U glovebox -E UTF8 --no-sync \
		>"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		exit 1
	fi
	for attempt in 1 2 3; do
		port=$(free_port)
		# The state file first, so that `stop` cleans up even after a failed start.
		echo "$dir $port" >"$state"
		if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null 2>&1; then
			url
			exit 0
		fi
		# Most likely someone took the port between our probe and the bind.
		echo "pg.sh: PostgreSQL did not start on port $port (attempt $attempt)" >&2
		tail -5 "$dir/server.log" >&2 || true
	done
	stop
	exit 1
	;;
url)
	url
	;;
createdb)
	name=${2:-gb_$(/usr/bin/python3 -c 'import uuid; print(uuid.uuid4().hex[:12])')}
	case "$name" in *[!a-z0-9_]*) echo "pg.sh: database names here are [a-z0-9_]" >&2; exit 2 ;; esac
	/usr/bin/psql -X -q -v ON_ERROR_STOP=1 "$(url)" -c "CREATE DATABASE $name" >/dev/null
	url "$name"
	;;
stop)
	stop
	;;
*)
	echo "usage: $0 start|url|createdb [NAME]|stop" >&2
	exit 2
	;;
esac
