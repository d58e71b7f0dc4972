#!/usr/bin/env bash
# bench/run.sh: `make bench`. Measures glovebox against the two ceilings that
# matter on this machine: the bare HTTP engine (bench/bare_mhd.c, libmicrohttpd
# run the way glovebox runs it) and nginx serving the same bytes from disk.
# Each server answers the same two URLs (the home page and a static asset) with
# the same bodies; wrk drives them in alternating rounds and the median of the
# rounds is reported, with glovebox's memory at rest and at peak. Everything
# binds 127.0.0.1 on free ports and every process started here is stopped on
# exit, error or Ctrl-C. See bench/README.md for how to read the table.
#
# Knobs (environment):
#   BENCH_SECONDS=10     length of one measured wrk run
#   BENCH_ROUNDS=3       rounds per URL; each round runs every server once
#   BENCH_WARMUP=2       seconds of unmeasured load per server before the rounds
#   BENCH_THREADS=2      wrk threads (-t)
#   BENCH_CONNECTIONS=64 wrk connections (-c)
#   GLOVEBOX=./glovebox  binary under test
#   GLOVEBOX_ARGS=       extra flags for `glovebox serve` (e.g. --log-level warn)
# Quick check: BENCH_SECONDS=3 BENCH_ROUNDS=1 bench/run.sh

set -euo pipefail

cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2}
WRK_THREADS=${BENCH_THREADS:-2}
WRK_CONNS=${BENCH_CONNECTIONS:-64}
GLOVEBOX=${GLOVEBOX:-./glovebox}
GLOVEBOX_ARGS=${GLOVEBOX_ARGS:-}
NGINX=/usr/sbin/nginx
OUT=build/bench
TARGET_RATIO=0.90    # glovebox must reach this share of the bare engine

die() {
	echo "bench: $*" >&2
	exit 1
}

is_uint() {
	[[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]
}

is_uint "$SECONDS_PER_RUN" || die "BENCH_SECONDS must be a positive integer"
is_uint "$ROUNDS" || die "BENCH_ROUNDS must be a positive integer"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be an integer (0 to skip)"
is_uint "$WRK_THREADS" || die "BENCH_THREADS must be a positive integer"
is_uint "$WRK_CONNS" || die "BENCH_CONNECTIONS must be a positive integer"
for tool in wrk curl cc pkg-config /usr/bin/python3 "$NGINX"; do
	command -v "$tool" >/dev/null || die "$tool not found (make bench installs it via scripts/deps.sh bench)"
done
[ -x "$GLOVEBOX" ] || die "$GLOVEBOX not built (run make bench, or make first)"

# ---------------------------------------------------------------- processes

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench.XXXXXX")
PIDS=()
WRK_PID=

alive() {
	[ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	local pid kids=() i
	[ -n "$WRK_PID" ] && PIDS+=("$WRK_PID")
	# nginx workers are children of the master: note them in case the master
	# has to be killed hard and cannot take them down itself.
	for pid in "${PIDS[@]}"; do
		while read -r i; do kids+=("$i"); done < <(pgrep -P "$pid" 2>/dev/null || true)
	done
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for i in $(seq 50); do
		local left=0
		for pid in "${PIDS[@]}" "${kids[@]}"; do
			alive "$pid" && left=1
		done
		[ $left = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}" "${kids[@]}"; do
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# Picks N distinct free loopback ports by binding them all at once.
free_ports() {
	/usr/bin/python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Waits until URL answers 200 while PID lives; $3 names the server in errors.
wait_http() {
	local url=$1 pid=$2 name=$3 i
	for i in $(seq 300); do
		alive "$pid" || die "$name exited during start-up (see $4)"
		if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)" = 200 ]; then
			return 0
		fi
		sleep 0.1
	done
	die "$name did not answer $url within 30 s (see $4)"
}

proc_kb() { # proc_kb PID FIELD -> kB value from /proc/PID/status
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ---------------------------------------------------------------- build

mkdir -p "$OUT"
rm -rf "$OUT/raw"
mkdir -p "$OUT/raw"
echo "bench: building $OUT/bare_mhd" >&2
# shellcheck disable=SC2046
cc -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -pthread \
	$(pkg-config --cflags libmicrohttpd) -o "$OUT/bare_mhd" bench/bare_mhd.c \
	$(pkg-config --libs libmicrohttpd)

read -r GB_PORT BARE_HOME_PORT BARE_CSS_PORT NGINX_PORT <<<"$(free_ports 4)"

# ---------------------------------------------------------------- glovebox

mkdir -p "$TMP/data" "$TMP/www/static" "$TMP/nginx/tmp"
GB_LOG=$TMP/glovebox.log
echo "bench: starting glovebox on 127.0.0.1:$GB_PORT" >&2
# wrk's connections all come from one address: no per-client cap.
# shellcheck disable=SC2086
"$GLOVEBOX" serve --listen "127.0.0.1:$GB_PORT" --data "$TMP/data" \
	--database "sqlite:$TMP/data/glovebox.db" --log-file "$GB_LOG" \
	--max-connections-per-client 0 $GLOVEBOX_ARGS >"$TMP/glovebox.out" 2>&1 &
GB_PID=$!
PIDS+=("$GB_PID")
# Ready once it logs "listening on"; with GLOVEBOX_ARGS='--log-level warn'
# that line is not written, so /healthz answering counts too.
for i in $(seq 300); do
	grep -q 'listening on' "$GB_LOG" 2>/dev/null && break
	alive "$GB_PID" || { cat "$TMP/glovebox.out" "$GB_LOG" >&2 2>/dev/null || true; die "glovebox exited during start-up"; }
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		"http://127.0.0.1:$GB_PORT/healthz" || true)" = 200 ] && break
	sleep 0.1
done
wait_http "http://127.0.0.1:$GB_PORT/healthz" "$GB_PID" glovebox "$GB_LOG"

HOME_URL_PATH=/
CSS_URL_PATH=/static/style.css
fetch() { # fetch PATH FILE -> prints the Content-Type; the body lands in FILE
	local code type
	read -r code type < <(curl -s -o "$2" -w '%{http_code} %{content_type}\n' \
		"http://127.0.0.1:$GB_PORT$1")
	[ "$code" = 200 ] || die "glovebox answered $code to GET $1"
	[ -n "$type" ] || die "glovebox sent no Content-Type for $1"
	echo "$type"
}
HOME_TYPE=$(fetch "$HOME_URL_PATH" "$TMP/www/home.html")
CSS_TYPE=$(fetch "$CSS_URL_PATH" "$TMP/www/static/style.css")
HOME_BYTES=$(stat -c %s "$TMP/www/home.html")
CSS_BYTES=$(stat -c %s "$TMP/www/static/style.css")

# ---------------------------------------------------------------- bare engine

echo "bench: starting bare_mhd on 127.0.0.1:$BARE_HOME_PORT and :$BARE_CSS_PORT" >&2
"$OUT/bare_mhd" "$BARE_HOME_PORT" "$TMP/www/home.html" "$HOME_TYPE" >"$TMP/bare_home.log" 2>&1 &
BARE_HOME_PID=$!
PIDS+=("$BARE_HOME_PID")
"$OUT/bare_mhd" "$BARE_CSS_PORT" "$TMP/www/static/style.css" "$CSS_TYPE" >"$TMP/bare_css.log" 2>&1 &
BARE_CSS_PID=$!
PIDS+=("$BARE_CSS_PID")
wait_http "http://127.0.0.1:$BARE_HOME_PORT/" "$BARE_HOME_PID" bare_mhd "$TMP/bare_home.log"
wait_http "http://127.0.0.1:$BARE_CSS_PORT/static/style.css" "$BARE_CSS_PID" bare_mhd "$TMP/bare_css.log"

# ---------------------------------------------------------------- nginx

# As root the workers would otherwise drop to nobody; the files live in a
# private temp dir, so they stay root. Unprivileged, nginx cannot switch user.
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
cat >"$TMP/nginx/nginx.conf" <<EOF
# Generated by bench/run.sh; Debian's defaults where they matter (sendfile,
# tcp_nopush), logging off, and keep-alive without a request cap so every
# server keeps its connections for the whole run, as libmicrohttpd does.
daemon off;
master_process on;
worker_processes auto;
$USER_LINE
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log off;
	types {
		text/html html;
		text/css css;
	}
	default_type application/octet-stream;
	charset utf-8;
	charset_types text/html text/css;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	keepalive_requests 100000000;
	client_body_temp_path $TMP/nginx/tmp/body;
	proxy_temp_path $TMP/nginx/tmp/proxy;
	fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
	uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
	scgi_temp_path $TMP/nginx/tmp/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $TMP/www;
		location = / {
			try_files /home.html =404;
		}
		location /static/ {
		}
	}
}
EOF
echo "bench: starting nginx on 127.0.0.1:$NGINX_PORT" >&2
"$NGINX" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" \
	>"$TMP/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_http "http://127.0.0.1:$NGINX_PORT/" "$NGINX_PID" nginx "$TMP/nginx/error.log"
wait_http "http://127.0.0.1:$NGINX_PORT$CSS_URL_PATH" "$NGINX_PID" nginx "$TMP/nginx/error.log"

# Same bytes everywhere, or the comparison means nothing.
for spec in "$BARE_HOME_PORT $HOME_URL_PATH $TMP/www/home.html" \
	"$NGINX_PORT $HOME_URL_PATH $TMP/www/home.html" \
	"$BARE_CSS_PORT $CSS_URL_PATH $TMP/www/static/style.css" \
	"$NGINX_PORT $CSS_URL_PATH $TMP/www/static/style.css"; do
	read -r port path file <<<"$spec"
	curl -s "http://127.0.0.1:$port$path" | cmp -s - "$file" ||
		die "127.0.0.1:$port$path does not serve the same bytes as glovebox"
done

# ---------------------------------------------------------------- load

GB_RSS_IDLE=$(proc_kb "$GB_PID" VmRSS)
GB_HWM_IDLE=$(proc_kb "$GB_PID" VmHWM)

SERVERS=(glovebox bare_mhd nginx)
url_for() { # url_for SERVER TARGET
	case "$1/$2" in
	glovebox/home) echo "http://127.0.0.1:$GB_PORT$HOME_URL_PATH" ;;
	glovebox/css) echo "http://127.0.0.1:$GB_PORT$CSS_URL_PATH" ;;
	bare_mhd/home) echo "http://127.0.0.1:$BARE_HOME_PORT$HOME_URL_PATH" ;;
	bare_mhd/css) echo "http://127.0.0.1:$BARE_CSS_PORT$CSS_URL_PATH" ;;
	nginx/home) echo "http://127.0.0.1:$NGINX_PORT$HOME_URL_PATH" ;;
	nginx/css) echo "http://127.0.0.1:$NGINX_PORT$CSS_URL_PATH" ;;
	esac
}

# Prints "rps p99_ms errors" from wrk's output; errors are socket errors plus
# non-2xx/3xx answers, which would make a fast server look faster than it is.
parse_wrk() {
	awk '
	function ms(v,   n, u) {
		n = v + 0
		u = v
		sub(/^[0-9.]+/, "", u)
		if (u == "us") return n / 1000
		if (u == "ms") return n
		if (u == "s") return n * 1000
		if (u == "m") return n * 60000
		return -1
	}
	/^Requests\/sec:/ { rps = $2 }
	/^[ \t]+99%/ { p99 = ms($2) }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) err += $i + 0
	}
	END {
		if (rps == "" || p99 == "") exit 1
		printf "%s %.3f %d\n", rps, p99, err
	}'
}

run_wrk() { # run_wrk SERVER TARGET SECONDS RAWFILE
	local url
	url=$(url_for "$1" "$2")
	# In the background so Ctrl-C reaches our trap at once: wrk catches
	# SIGINT itself and exits 0, which a foreground wait would take as done.
	wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"$3"s --latency "$url" >"$4" 2>&1 &
	WRK_PID=$!
	local rc=0
	wait "$WRK_PID" || rc=$?
	WRK_PID=
	[ "$rc" = 0 ] || die "wrk failed against $1 ($url): $(tail -n 3 "$4")"
}

TARGETS=(home css)

# A server that answers "Connection: close" to a keep-alive request makes wrk
# reconnect for every request, which dominates its figure: flag it.
for target in "${TARGETS[@]}"; do
	for server in "${SERVERS[@]}"; do
		if curl -s -o /dev/null -D - "$(url_for "$server" "$target")" |
			grep -qi '^connection:[[:space:]]*close'; then
			touch "$TMP/$target-$server.close"
		fi
	done
done
ROUNDS_TOTAL=$((ROUNDS * ${#SERVERS[@]} * ${#TARGETS[@]}))
est=$(((ROUNDS * SECONDS_PER_RUN + WARMUP) * ${#SERVERS[@]} * ${#TARGETS[@]}))
echo "bench: $ROUNDS_TOTAL runs of ${SECONDS_PER_RUN}s, about ${est}s in all" >&2
n=0
for target in "${TARGETS[@]}"; do
	if [ "$WARMUP" -gt 0 ]; then
		for server in "${SERVERS[@]}"; do
			run_wrk "$server" "$target" "$WARMUP" "$OUT/raw/$target-$server-warmup.txt"
		done
	fi
	for round in $(seq "$ROUNDS"); do
		# Rotate the order each round so no server always runs first or
		# right after another one has heated the machine.
		for k in $(seq 0 $((${#SERVERS[@]} - 1))); do
			server=${SERVERS[$(((k + round - 1) % ${#SERVERS[@]}))]}
			n=$((n + 1))
			raw=$OUT/raw/$target-$server-r$round.txt
			run_wrk "$server" "$target" "$SECONDS_PER_RUN" "$raw"
			parse_wrk <"$raw" >>"$TMP/$target-$server.res" ||
				die "cannot read wrk output in $raw"
			read -r rps p99 err < <(tail -n 1 "$TMP/$target-$server.res")
			printf 'bench: [%d/%d] %-4s %-8s round %d: %10.0f req/s  p99 %7.2f ms%s\n' \
				"$n" "$ROUNDS_TOTAL" "$target" "$server" "$round" "$rps" "$p99" \
				"$([ "$err" -gt 0 ] && echo "  ($err errors)" || true)" >&2
		done
	done
done

GB_RSS_LOAD=$(proc_kb "$GB_PID" VmRSS)
GB_HWM_LOAD=$(proc_kb "$GB_PID" VmHWM)
alive "$GB_PID" || die "glovebox died under load (see $GB_LOG)"
BARE_HWM=$(($(proc_kb "$BARE_HOME_PID" VmHWM) + $(proc_kb "$BARE_CSS_PID" VmHWM)))
NGINX_HWM=$(proc_kb "$NGINX_PID" VmHWM)
for pid in $(pgrep -P "$NGINX_PID" || true); do
	NGINX_HWM=$((NGINX_HWM + $(proc_kb "$pid" VmHWM)))
done

# ---------------------------------------------------------------- report

median() { # median COLUMN FILE
	awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '
	{ v[NR] = $1 }
	END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

verdict() { # verdict RATIO -> met / MISSED against TARGET_RATIO
	awk -v r="$1" -v t="$TARGET_RATIO" 'BEGIN { print (r + 0 >= t) ? "met" : "MISSED" }'
}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

REPORT=$TMP/report.txt
{
	echo "glovebox bench, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "machine: $(nproc) cores, $(uname -r); load generator shares the cores"
	echo "load: wrk -t$WRK_THREADS -c$WRK_CONNS -d${SECONDS_PER_RUN}s --latency," \
		"$ROUNDS round(s) per URL, servers alternated, median shown"
	echo "engines: libmicrohttpd $(pkg-config --modversion libmicrohttpd)," \
		"$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')"
	for target in "${TARGETS[@]}"; do
		if [ "$target" = home ]; then
			label="home page    GET $HOME_URL_PATH ($HOME_BYTES bytes, $HOME_TYPE)"
		else
			label="static asset GET $CSS_URL_PATH ($CSS_BYTES bytes, $CSS_TYPE)"
		fi
		echo
		echo "$label"
		printf '  %-10s %12s %10s %8s   %s\n' server "req/s" "p99 ms" errors "req/s per round"
		declare -A RPS=()
		for server in "${SERVERS[@]}"; do
			res=$TMP/$target-$server.res
			RPS[$server]=$(median 1 "$res")
			p99=$(median 2 "$res")
			errs=$(awk '{ s += $3 } END { print s + 0 }' "$res")
			rounds=$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$res")
			printf '  %-10s %12.0f %10.2f %8d   %s\n' "$server" "${RPS[$server]}" "$p99" "$errs" "$rounds"
		done
		for server in "${SERVERS[@]}"; do
			[ -e "$TMP/$target-$server.close" ] &&
				echo "  note: $server answers 'Connection: close' (no keep-alive): each request pays a TCP connect"
		done
		gb_bare=$(ratio "${RPS[glovebox]}" "${RPS[bare_mhd]}")
		printf '  %-16s %6s   target >= %.2f: %s\n' "glovebox/bare" "$gb_bare" "$TARGET_RATIO" \
			"$(verdict "$gb_bare")"
		printf '  %-16s %6s\n' "glovebox/nginx" "$(ratio "${RPS[glovebox]}" "${RPS[nginx]}")"
		printf '  %-16s %6s\n' "bare/nginx" "$(ratio "${RPS[bare_mhd]}" "${RPS[nginx]}")"
		unset RPS
	done
	echo
	echo "memory (glovebox, /proc/PID/status)"
	printf '  %-38s %s\n' "idle, before load (VmRSS)" "$(mb "$GB_RSS_IDLE")"
	printf '  %-38s %s\n' "peak before load (VmHWM)" "$(mb "$GB_HWM_IDLE")"
	printf '  %-38s %s\n' "peak after load (VmHWM)" "$(mb "$GB_HWM_LOAD")"
	printf '  %-38s %s\n' "after load (VmRSS)" "$(mb "$GB_RSS_LOAD")"
	printf '  %-38s %s\n' "for scale: bare_mhd x2 peak" "$(mb "$BARE_HWM")"
	printf '  %-38s %s\n' "for scale: nginx master+workers peak" "$(mb "$NGINX_HWM")"
	echo
	echo "raw wrk output: $OUT/raw/"
} >"$REPORT"

echo >&2
cat "$REPORT"
cp "$REPORT" "$OUT/results.txt"
echo "bench: table written to $OUT/results.txt" >&2
