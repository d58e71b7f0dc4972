#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: `tests/pg.sh start` creates it in
# a temporary directory on a free port and prints its URL; `tests/pg.sh stop`
# stops it and removes the directory. PostgreSQL refuses to run as root, so
# as root the cluster runs as the unprivileged user `nobody`.
set -euo pipefail
state=${GLOVEBOX_PG_STATE:-/tmp/glovebox-test-pg.state}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pg.sh: PostgreSQL is not installed" >&2; exit 1; }

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
	dir=$(mktemp -d /tmp/glovebox-pg.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown nobody "$dir"
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	as_owner "$bindir/initdb" -D "$dir/data" -A trust -U glovebox -E UTF8 >"$dir/initdb.log" 2>&1
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null
	echo "$dir $port" >"$state"
	echo "postgres://glovebox@127.0.0.1:$port/postgres"
	;;
stop)
	[ -f "$state" ] || exit 0
	read -r dir port <"$state"
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir" "$state"
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
