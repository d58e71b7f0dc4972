#!/usr/bin/env bash
# bench/photos.sh: photo uploads (issue 16, docs/content.md "Photos") while
# the home page is loaded, against the home page alone, in the same run and
# on the same server (mini-insiders, fresh SQLite database).
#
#   1. GET / alone: wrk -t1 -cCONNS for SECS seconds (after a warm-up).
#   2. The same wrk run while UPLOADERS loops post a 12-megapixel JPEG
#      (4000 x 3000 noise, made with the vips command: noise is the worst case
#      for the decoder and the encoder) to POST /api/v1/me/photos as one
#      member, each upload re-encoded to photo-max-side (2048) on the image
#      workers; counted: photos stored (201) and uploads turned away (503).
#
# GET / alone is measured before and after the uploads, and their mean used.
# Reports photos stored per second, the server's peak RSS (VmHWM) before and
# after, and the home page's throughput during the uploads as a share of its
# throughput alone: target >= 0.8 (image work runs on its own workers at
# nice 10, never on the HTTP threads). BENCH_SECONDS, BENCH_CONNECTIONS,
# BENCH_UPLOADERS and GLOVEBOX_ARGS (extra serve flags) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-16}
UPLOADERS=${BENCH_UPLOADERS:-2}
GLOVEBOX=${GLOVEBOX:-./glovebox}
GLOVEBOX_ARGS=${GLOVEBOX_ARGS:-}
OUT=build/bench
mkdir -p "$OUT"

die() { echo "bench/photos: $*" >&2; exit 1; }
for tool in wrk curl vips /usr/bin/python3; do
	command -v "$tool" >/dev/null || die "$tool not found (make bench and scripts/deps.sh test install it)"
done
[ -x "$GLOVEBOX" ] || die "$GLOVEBOX not built"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench-photos.XXXXXX")
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
hwm_kb() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }

# shellcheck disable=SC2086 # extra flags are words
"$GLOVEBOX" serve --listen "127.0.0.1:$PORT" --metrics-listen "" --data "$TMP/data" \
	--log-file "$TMP/gb.log" --profile mini-insiders --photos-per-hour 0 --signup-per-hour 0 \
	--max-connections-per-client 0 $GLOVEBOX_ARGS >"$TMP/gb.out" 2>&1 &
GB_PID=$!
PIDS+=("$GB_PID")
for _ in $(seq 300); do
	kill -0 "$GB_PID" 2>/dev/null || { cat "$TMP/gb.out" >&2; die "glovebox exited during start-up"; }
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE/healthz" || true)" = 200 ] && break
	sleep 0.1
done

# The photo: 12 megapixels of noise, as a camera's JPEG would be sized.
vips gaussnoise "$TMP/noise.v" 4000 3000 --mean 128 --sigma 40
vips cast "$TMP/noise.v" "$TMP/photo.jpg[Q=90]" uchar
PHOTO_BYTES=$(stat -c %s "$TMP/photo.jpg")

# One member: sign up, confirm the address as its link would, sign in.
EMAIL="photos-$RANDOM@example.org"
PASSWORD="blue cooper rides at dawn"
curl -s -o /dev/null -H 'Content-Type: application/json' \
	--data "{\"name\":\"Photo Bench\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"date_of_birth\":\"1970-01-01\"}" \
	"$BASE/api/v1/signup"
/usr/bin/python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
c.execute("UPDATE members SET email_confirmed_at = 1")
c.commit()' "$TMP/data/glovebox.db"
curl -s -D "$TMP/h" -o "$TMP/signin.json" -H 'Content-Type: application/json' \
	--data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/signin"
COOKIE=$(sed -n 's/^[Ss]et-[Cc]ookie: \(gb_session=[^;]*\).*/\1/p' "$TMP/h" | head -n 1)
CSRF=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf_token"])' \
	"$TMP/signin.json")
[ -n "$COOKIE" ] || die "could not sign in"
upload() {
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 -H "Cookie: $COOKIE" \
		-H "X-CSRF-Token: $CSRF" -H 'Content-Type: image/jpeg' \
		--data-binary @"$TMP/photo.jpg" "$BASE/api/v1/me/photos"
}
[ "$(upload)" = 201 ] || die "an upload was not stored"

rps() { # requests per second of GET / for SECS seconds
	wrk -t1 -c"$CONNS" -d"${SECS}s" "$BASE/" | awk '/^Requests\/sec:/ { print $2 }'
}
wrk -t1 -c"$CONNS" -d2s "$BASE/" >/dev/null # warm-up
HWM_BEFORE=$(hwm_kb "$GB_PID")
ALONE=$(rps)

# The uploaders run until the home page's run ends.
STOP=$TMP/stop
for i in $(seq "$UPLOADERS"); do
	(while [ ! -e "$STOP" ]; do upload; done >"$TMP/codes.$i") &
	PIDS+=($!)
done
sleep 1 # every uploader is under way
T0=$(date +%s.%N)
BUSY=$(rps)
T1=$(date +%s.%N)
: >"$STOP"
wait "${PIDS[@]:1}" 2>/dev/null || true
HWM_AFTER=$(hwm_kb "$GB_PID")
# Alone again: the machine's load may have moved meanwhile (the mean is used).
ALONE2=$(rps)
STORED=$(cat "$TMP"/codes.* | grep -c '^201$' || true)
TURNED=$(cat "$TMP"/codes.* | grep -c '^503$' || true)
OTHER=$(cat "$TMP"/codes.* | grep -vc '^20[1]$\|^503$' || true)

/usr/bin/python3 - "$ALONE $ALONE2" "$BUSY" "$STORED" "$TURNED" "$OTHER" "$T0" "$T1" "$HWM_BEFORE" \
	"$HWM_AFTER" "$PHOTO_BYTES" "$UPLOADERS" "$CONNS" <<'EOF' | tee "$OUT/photos.txt"
import sys
alone, busy, stored, turned, other, t0, t1, hb, ha, size, up, conns = sys.argv[1:]
runs = [float(x) for x in alone.split()]
alone, busy, secs = sum(runs) / len(runs), float(busy), float(t1) - float(t0)
ratio = busy / alone if alone else 0.0
print("bench/photos: 12-megapixel JPEG uploads (%.1f MB, 4000x3000 noise) re-encoded to 2048 px"
      % (int(size) / 1e6))
print("  %s uploaders: %s photos stored in %.1f s = %.2f photos/s; %s turned away (503 busy), "
      "%s other answers" % (up, stored, secs, int(stored) / secs, turned, other))
print("  peak RSS (VmHWM): %.0f MB before the uploads, %.0f MB after"
      % (int(hb) / 1024, int(ha) / 1024))
print("  GET / (wrk -t1 -c%s): %.0f req/s alone (mean of %s, before and after), %.0f req/s "
      "during the uploads: %.2fx (target >= 0.8: %s)"
      % (conns, alone, " and ".join("%.0f" % r for r in runs), busy, ratio,
         "met" if ratio >= 0.8 else "NOT met"))
EOF
