#!/usr/bin/env bash
# bench/visits.sh: page throughput with visit counting on versus off
# (docs/visits.md), in the same run: two glovebox servers, one with
# --visits true and one with --visits false, each with a fresh SQLite
# database, loaded in turn by wrk on GET / with a browser's User-Agent
# (a bot's is not counted), BENCH_ROUNDS rounds of BENCH_SECONDS each in an
# order that alternates, medians compared. Target: counting on keeps at
# least 0.95 of the throughput with it off. Also: views written by the end
# (counted, written and dropped, from the metrics).
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
		--log-file "$TMP/$1.log" --visits "$4" >"$TMP/$1.out" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 100); do curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "bench/visits: glovebox ($1) did not start" >&2
	cat "$TMP/$1.out" >&2
	exit 1
}
start on "$ON_PORT" "$ON_M" true
start off "$OFF_PORT" "$OFF_M" false

UA="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
rps() { # port
	wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" -H "User-Agent: $UA" "http://127.0.0.1:$1/" |
		awk '/^Requests\/sec:/ { print $2 }'
}
for port in "$ON_PORT" "$OFF_PORT"; do # warm-up, unmeasured
	wrk -t2 -c"$CONNS" -d1s -H "User-Agent: $UA" "http://127.0.0.1:$port/" >/dev/null
done
ON=()
OFF=()
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		ON+=("$(rps "$ON_PORT")")
		OFF+=("$(rps "$OFF_PORT")")
	else
		OFF+=("$(rps "$OFF_PORT")")
		ON+=("$(rps "$ON_PORT")")
	fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sleep 2 # one more writer pass
metric() { curl -fs "http://127.0.0.1:$ON_M/metrics" | awk -v n="glovebox_$1_total" '$1 == n { print $2 }'; }
{
	echo "visits bench ($(date -u +%Y-%m-%dT%H:%MZ), GET /, wrk -t2 -c$CONNS, $ROUNDS x ${SECONDS_EACH}s, SQLite)"
	awk -v on="$(median "${ON[@]}")" -v off="$(median "${OFF[@]}")" -v ons="${ON[*]}" -v offs="${OFF[*]}" 'BEGIN {
		printf "  counting on:  %.0f requests/s (median of %s)\n", on, ons
		printf "  counting off: %.0f requests/s (median of %s)\n", off, offs
		printf "  on / off: %.3f (target 0.95: %s)\n", on / off, (on / off >= 0.95) ? "met" : "MISSED"
	}'
	echo "  views counted $(metric visits_counted), written $(metric visits_written), dropped $(metric visits_dropped || echo 0); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/visits.txt"
