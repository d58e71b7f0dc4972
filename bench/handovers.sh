#!/usr/bin/env bash
# bench/handovers.sh: BENCH_HANDOVERS (10,000) hand-overs queued for one
# affiliate (bench/seed_handovers.c: members of the mini-insiders profile,
# each with a hand-over queued through handover_queue) and delivered by
# glovebox over HTTPS, signed, to a local receiver that answers 204 at once
# (bench/handover_sink.py, with a self-signed certificate glovebox is told
# to trust): hand-overs delivered per second and glovebox's peak RSS while
# delivering. Targets: at least 1,000 hand-overs/s and at most 30 MB.
#
# In the same run, as references: the ceiling (bench/handover_post.c: the
# same number of signed POSTs to the same receiver from as many threads as
# glovebox has delivery workers, with no store), and, with BENCH_AGAINST
# naming another glovebox binary, that binary delivering a copy of the same
# queue. BENCH_ROUNDS rounds, each running every contender once in an order
# that rotates; the figures are the medians, each round's shown beside.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_HANDOVERS:-10000}
ROUNDS=${BENCH_ROUNDS:-1}
GLOVEBOX=${GLOVEBOX:-./glovebox}
AGAINST=${BENCH_AGAINST:-}
WORKERS=${BENCH_HANDOVER_WORKERS:-4} # glovebox's default handover-workers
OUT=build/bench
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium inih yaml-0.1 liboath libqrencode libcurl"
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench-handovers.XXXXXX")
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT

for prog in seed_handovers handover_post; do
	# shellcheck disable=SC2046,SC2086
	cc -std=c17 -D_GNU_SOURCE -O2 $(for d in src src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen -o "$OUT/$prog" "bench/$prog.c" \
		build/libglovebox.a $(pkg-config --libs $PKGS) -lcrack -pthread -lm
done
read -r SINK_PORT GB_PORT <<<"$(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" \
	-out "$TMP/cert.pem" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
URL="https://127.0.0.1:$SINK_PORT/hook"
printf '[bmw_bank]\nwebhook = %s\nsecret = %s\n' "$URL" "$SECRET" >"$TMP/handovers.ini"
chmod 600 "$TMP/handovers.ini"
ms() { date +%s%N | awk '{ printf "%.0f", $1 / 1e6 }'; }
# user + system CPU seconds of a live process
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

echo "bench/handovers: writing $N members and queueing a hand-over for each" >&2
t0=$(ms)
"$OUT/seed_handovers" "$N" bmw_bank --data "$TMP/seed" --log-file "$TMP/seed.log" \
	--profile mini-insiders >"$TMP/seed.out"
t1=$(ms)

SINK_PID=
sink_start() {
	rm -f "$TMP/count"
	/usr/bin/python3 bench/handover_sink.py "$SINK_PORT" "$TMP/cert.pem" "$TMP/key.pem" "$TMP/count" >"$TMP/sink.out" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	for _ in $(seq 100); do grep -q listening "$TMP/sink.out" 2>/dev/null && break; sleep 0.1; done
}
sink_stop() {
	kill -TERM "$SINK_PID" 2>/dev/null || true
	wait "$SINK_PID" 2>/dev/null || true
}

# One contender's run: "rate cpu_ms_per_handover peak_rss_kb sink_cpu_s".
run_ceiling() {
	sink_start
	local a b
	a=$(ms)
	"$OUT/handover_post" "$N" "$WORKERS" "$URL" --handover-ca-file "$TMP/cert.pem" >/dev/null
	b=$(ms)
	echo "$((N * 1000 / (b - a))) - - $(cpu_of "$SINK_PID")"
	sink_stop
}
run_glovebox() { # binary
	rm -rf "$TMP/data"
	cp -a "$TMP/seed" "$TMP/data"
	sink_start
	local a b got pid hwm cpu sink
	a=$(ms)
	# shellcheck disable=SC2086
	"$1" serve --listen "127.0.0.1:$GB_PORT" --data "$TMP/data" --log-file "$TMP/gb.log" \
		--profile mini-insiders --metrics-listen "" \
		--handover-config "$TMP/handovers.ini" --handover-ca-file "$TMP/cert.pem" \
		--handover-interval 1 --handover-workers "$WORKERS" ${BENCH_HANDOVER_FLAGS:-} >"$TMP/gb.out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	while :; do
		got=$(cat "$TMP/count" 2>/dev/null || true)
		[ "${got:-0}" -ge "$N" ] && break
		kill -0 "$pid" 2>/dev/null || { echo "bench/handovers: $1 died" >&2; cat "$TMP/gb.out" >&2; exit 1; }
		sleep 0.05
	done
	b=$(ms)
	hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status")
	cpu=$(cpu_of "$pid")
	sink=$(cpu_of "$SINK_PID")
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
	sink_stop
	echo "$((N * 1000 / (b - a))) $(awk -v c="$cpu" -v n="$N" 'BEGIN { printf "%.3f", c * 1000 / n }') $hwm $sink"
}

NAMES=(glovebox ceiling)
[ -n "$AGAINST" ] && NAMES+=(against)
declare -A RES
for r in $(seq "$ROUNDS"); do
	k=${#NAMES[@]}
	for i in $(seq 0 $((k - 1))); do
		name=${NAMES[$(((i + r - 1) % k))]}
		echo "bench/handovers: round $r, $name" >&2
		case $name in
		glovebox) line=$(run_glovebox "$GLOVEBOX") ;;
		against) line=$(run_glovebox "$AGAINST") ;;
		ceiling) line=$(run_ceiling) ;;
		esac
		RES[$name]="${RES[$name]:-}$line;"
	done
done

median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { # name column: that column of every round, space-separated
	echo "${RES[$1]}" | tr ';' '\n' | awk -v c="$2" 'NF { printf "%s ", $c }'
}
{
	echo "hand-over bench ($(date -u +%Y-%m-%dT%H:%MZ), $N hand-overs, SQLite, HTTPS webhook, $WORKERS workers${BENCH_HANDOVER_FLAGS:+, $BENCH_HANDOVER_FLAGS}, $ROUNDS round(s))"
	printf '  members written and hand-overs queued in %.1f s\n' "$(awk -v q="$((t1 - t0))" 'BEGIN { print q / 1000 }')"
	printf '  %-10s %12s %10s %12s %12s   %s\n' "" "hand-overs/s" "CPU ms/ho" "peak RSS MB" "sink CPU s" "hand-overs/s per round"
	for name in "${NAMES[@]}"; do
		label=$name
		[ "$name" = glovebox ] && label="glovebox"
		[ "$name" = against ] && label="against"
		rate=$(col "$name" 1 | median)
		cpu=$(col "$name" 2 | median)
		rss=$(col "$name" 3 | median)
		sink=$(col "$name" 4 | median)
		[ "$rss" != - ] && rss=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
		printf '  %-10s %12s %10s %12s %12s   %s\n' "$label" "$rate" "$cpu" "$rss" "$sink" "$(col "$name" 1)"
		eval "RATE_$name=$rate RSS_$name=$rss"
	done
	# shellcheck disable=SC2154
	awk -v g="$RATE_glovebox" -v c="$RATE_ceiling" -v m="$RSS_glovebox" 'BEGIN {
		printf "  glovebox: %s hand-overs/s (target 1,000: %s), %s MB peak RSS (target 30: %s)\n",
			g, (g >= 1000) ? "met" : "MISSED", m, (m <= 30) ? "met" : "MISSED"
		printf "  glovebox/ceiling %.2f\n", g / c
	}'
	# shellcheck disable=SC2154
	[ -n "$AGAINST" ] && awk -v g="$RATE_glovebox" -v a="$RATE_against" -v b="$AGAINST" \
		'BEGIN { printf "  glovebox/against %.2f (against: %s)\n", g / a, b }'
	echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/handovers.txt"
