#!/usr/bin/env bash
# bench/visits.sh: page throughput with visit counting on versus off
# (docs/visits.md), in the same run: two glovebox servers, one with
# --visits true and one with --visits false, each with a fresh SQLite
# database, loaded in turn by wrk on GET / with a browser's User-Agent
# (a bot's is not counted), BENCH_ROUNDS rounds of BENCH_SECONDS each in an
# order that alternates, medians compared. Target: counting on keeps at
# least 0.95 of the throughput with it off. Also: views written by the end
# (counted, written and dropped, from the metrics), and each server's own
# CPU time per request, which a busy shared machine disturbs less than
# requests per second.
set -euo pipefail
cd "$(dirname "$0")/.."

GLOVEBOX=${GLOVEBOX:-./glovebox}
SECONDS_EACH=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
OUT=build/bench
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench-visits.XXXXXX")
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

read -r ON_PORT OFF_PORT ON_M OFF_M <<<"$(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"
start() { # name port metrics-port visits
	"$GLOVEBOX" serve --listen "127.0.0.1:$2" --metrics-listen "127.0.0.1:$3" --data "$TMP/$1" \
		--log-file "$TMP/$1.log" --visits=$4 >"$TMP/$1.out" 2>&1 &
	PIDS+=($!)
	eval "PID_$1=$!"
	for _ in $(seq 100); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "bench/visits: glovebox ($1) did not start" >&2
	cat "$TMP/$1.out" >&2
	exit 1
}
# A buffer no round fills: every view is counted in full, none dropped.
start on "$ON_PORT" "$ON_M" "true --visits-buffer=${BENCH_VISITS_BUFFER:-200000}"
start off "$OFF_PORT" "$OFF_M" false

UA="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
REQS_on=0
REQS_off=0
rps() { # name port: requests per second; adds the requests to REQS_name
	local out
	out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" -H "User-Agent: $UA" "http://127.0.0.1:$2/")
	eval "REQS_$1=\$((REQS_$1 + $(awk '/requests in/ { print $1 }' <<<"$out")))"
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}
for port in "$ON_PORT" "$OFF_PORT"; do # warm-up, unmeasured
	wrk -t2 -c"$CONNS" -d1s -H "User-Agent: $UA" "http://127.0.0.1:$port/" >/dev/null
done
ON=()
OFF=()
CPU_ON0=$(cpu "$PID_on")
CPU_OFF0=$(cpu "$PID_off")
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		rps on "$ON_PORT" >"$TMP/r" && ON+=("$(cat "$TMP/r")")
		rps off "$OFF_PORT" >"$TMP/r" && OFF+=("$(cat "$TMP/r")")
	else
		rps off "$OFF_PORT" >"$TMP/r" && OFF+=("$(cat "$TMP/r")")
		rps on "$ON_PORT" >"$TMP/r" && ON+=("$(cat "$TMP/r")")
	fi
done
CPU_ON=$(awk -v a="$CPU_ON0" -v b="$(cpu "$PID_on")" 'BEGIN { print b - a }')
CPU_OFF=$(awk -v a="$CPU_OFF0" -v b="$(cpu "$PID_off")" 'BEGIN { print b - a }')
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sleep 2 # one more writer pass
metric() { curl -fs "http://127.0.0.1:$ON_M/metrics" | awk -v n="glovebox_$1_total" '$1 == n { v = $2 } END { print v + 0 }'; }
{
	echo "visits bench ($(date -u +%Y-%m-%dT%H:%MZ), GET /, wrk -t2 -c$CONNS, $ROUNDS x ${SECONDS_EACH}s, SQLite)"
	awk -v on="$(median "${ON[@]}")" -v off="$(median "${OFF[@]}")" -v ons="${ON[*]}" -v offs="${OFF[*]}" 'BEGIN {
		printf "  counting on:  %.0f requests/s (median of %s)\n", on, ons
		printf "  counting off: %.0f requests/s (median of %s)\n", off, offs
		printf "  on / off: %.3f (target 0.95: %s)\n", on / off, (on / off >= 0.95) ? "met" : "MISSED"
	}'
	awk -v con="$CPU_ON" -v coff="$CPU_OFF" -v non="$REQS_on" -v noff="$REQS_off" 'BEGIN {
		printf "  glovebox CPU per request: on %.1f us, off %.1f us (off / on: %.3f)\n",
			con * 1e6 / non, coff * 1e6 / noff, (coff / noff) / (con / non)
	}'
	echo "  views counted $(metric visits_counted), written $(metric visits_written), dropped $(metric visits_dropped); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/visits.txt"
