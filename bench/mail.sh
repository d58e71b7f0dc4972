#!/usr/bin/env bash
# bench/mail.sh: a campaign of BENCH_MAIL (100,000) messages to a local SMTP
# receiver (bench/smtp_sink.c, which only counts): how fast glovebox queues
# it, how fast its outbox delivers it (messages/s), and glovebox's peak RSS
# while delivering. Targets: at least 2,000 messages/s and at most 30 MB.
# The members are written by bench/seed_members.c (the sign-up path's
# sealing and ledger, without Argon2id). make bench runs this last.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_MAIL:-100000}
GLOVEBOX=${GLOVEBOX:-./glovebox}
OUT=build/bench
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium inih yaml-0.1 liboath libqrencode libcurl"
mkdir -p "$OUT"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench-mail.XXXXXX")
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
cc -std=c17 -D_GNU_SOURCE -O2 $(for d in src src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen -o "$OUT/seed_members" bench/seed_members.c \
	build/libglovebox.a $(pkg-config --libs $PKGS) -lcrack -pthread -lm
cc -O2 -pthread -o "$OUT/smtp_sink" bench/smtp_sink.c
read -r SINK_PORT GB_PORT <<<"$(/usr/bin/python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')"
ARGS=(--data "$TMP/data" --log-file "$TMP/gb.log")
ms() { date +%s%N | awk '{ printf "%.0f", $1 / 1e6 }'; }

echo "bench/mail: writing $N members" >&2
"$OUT/seed_members" "$N" "${ARGS[@]}" >/dev/null
"$OUT/smtp_sink" "$SINK_PORT" "$TMP/count" &
PIDS+=($!)
"$GLOVEBOX" serve --listen "127.0.0.1:$GB_PORT" "${ARGS[@]}" --smtp-url "smtp://127.0.0.1:$SINK_PORT" \
	--mail-from club@example.org --mail-interval 1 >"$TMP/gb.out" 2>&1 &
GB_PID=$!
PIDS+=("$GB_PID")
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$GB_PORT/healthz" && break
	sleep 0.1
done
printf 'Club news.\n' >"$TMP/news.txt"
t0=$(ms)
"$GLOVEBOX" mail campaign --purpose member_news --subject "Bench" "$TMP/news.txt" "${ARGS[@]}" \
	>"$TMP/campaign.out"
t1=$(ms)
echo "bench/mail: $(cat "$TMP/campaign.out"); delivering" >&2
while :; do
	got=$(cat "$TMP/count" 2>/dev/null || echo 0)
	[ "$got" -ge "$N" ] && break
	kill -0 "$GB_PID" 2>/dev/null || { echo "bench/mail: glovebox died" >&2; exit 1; }
	sleep 0.2
done
t2=$(ms)
HWM=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$GB_PID/status")
{
	echo "mail bench ($(date -u +%Y-%m-%dT%H:%MZ), $N messages, SQLite)"
	awk -v n="$N" -v q="$((t1 - t0))" -v d="$((t2 - t1))" -v h="$HWM" 'BEGIN {
		printf "  queued in %.1f s (%.0f/s); delivered in %.1f s: %.0f messages/s (target 2,000: %s)\n",
			q / 1000, n / (q / 1000), d / 1000, n / (d / 1000), (n / (d / 1000) >= 2000) ? "met" : "MISSED"
		printf "  glovebox peak RSS while delivering: %.1f MB (target 30: %s)\n", h / 1024,
			(h / 1024 <= 30) ? "met" : "MISSED"
	}'
} | tee "$OUT/mail.txt"
