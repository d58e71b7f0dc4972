#!/usr/bin/env bash
# bench/handovers.sh: BENCH_HANDOVERS (10,000) hand-overs queued for one
# affiliate (bench/seed_handovers.c: members of the mini-insiders profile,
# each with a hand-over queued through handover_queue) and delivered by
# glovebox over HTTPS, signed, to a local receiver that answers 204 at once
# (bench/handover_sink.py, with a self-signed certificate glovebox is told
# to trust): hand-overs delivered per second and glovebox's peak RSS while
# delivering. Targets: at least 1,000 hand-overs/s and at most 30 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_HANDOVERS:-10000}
GLOVEBOX=${GLOVEBOX:-./glovebox}
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

# shellcheck disable=SC2046
cc -std=c17 -D_GNU_SOURCE -O2 $(for d in src src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen -o "$OUT/seed_handovers" bench/seed_handovers.c \
	build/libglovebox.a $(pkg-config --libs $PKGS) -lcrack -pthread -lm
read -r SINK_PORT GB_PORT <<<"$(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" \
	-out "$TMP/cert.pem" -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
printf '[bmw_bank]\nwebhook = https://127.0.0.1:%s/hook\nsecret = %s\n' "$SINK_PORT" "$SECRET" >"$TMP/handovers.ini"
chmod 600 "$TMP/handovers.ini"
ARGS=(--data "$TMP/data" --log-file "$TMP/gb.log" --profile mini-insiders)
ms() { date +%s%N | awk '{ printf "%.0f", $1 / 1e6 }'; }

echo "bench/handovers: writing $N members and queueing a hand-over for each" >&2
t0=$(ms)
"$OUT/seed_handovers" "$N" bmw_bank "${ARGS[@]}" >"$TMP/seed.out"
t1=$(ms)
/usr/bin/python3 bench/handover_sink.py "$SINK_PORT" "$TMP/cert.pem" "$TMP/key.pem" "$TMP/count" >"$TMP/sink.out" &
PIDS+=($!)
for _ in $(seq 100); do grep -q listening "$TMP/sink.out" 2>/dev/null && break; sleep 0.1; done
t2=$(ms)
"$GLOVEBOX" serve --listen "127.0.0.1:$GB_PORT" "${ARGS[@]}" --metrics-listen "" \
	--handover-config "$TMP/handovers.ini" --handover-ca-file "$TMP/cert.pem" \
	--handover-interval 1 ${BENCH_HANDOVER_FLAGS:-} >"$TMP/gb.out" 2>&1 &
GB_PID=$!
PIDS+=("$GB_PID")
while :; do
	got=$(cat "$TMP/count" 2>/dev/null || true)
	got=${got:-0}
	[ "$got" -ge "$N" ] && break
	kill -0 "$GB_PID" 2>/dev/null || { echo "bench/handovers: glovebox died" >&2; cat "$TMP/gb.out" >&2; exit 1; }
	sleep 0.2
done
t3=$(ms)
HWM=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$GB_PID/status")
# glovebox's own CPU time (user + system), so that a figure taken on a busy
# shared machine still says what one free core would do.
CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$GB_PID/stat")
{
	echo "hand-over bench ($(date -u +%Y-%m-%dT%H:%MZ), $N hand-overs, SQLite, HTTPS webhook)"
	awk -v n="$N" -v q="$((t1 - t0))" -v d="$((t3 - t2))" -v h="$HWM" -v cpu="$CPU" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
		printf "  members written and hand-overs queued in %.1f s; delivered (from start) in %.1f s: %.0f hand-overs/s (target 1,000: %s)\n",
			q / 1000, d / 1000, n / (d / 1000), (n / (d / 1000) >= 1000) ? "met" : "MISSED"
		printf "  glovebox peak RSS while delivering: %.1f MB (target 30: %s)\n", h / 1024,
			(h / 1024 <= 30) ? "met" : "MISSED"
		printf "  glovebox CPU time: %.2f s, %.2f ms per hand-over (%.0f hand-overs per CPU-second); load average at the end: %s\n",
			cpu, cpu * 1000 / n, n / cpu, load
	}'
} | tee "$OUT/handovers.txt"
