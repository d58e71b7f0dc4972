#!/usr/bin/env bash
# bench/members.sh: the members issue's two figures, each against a ceiling
# measured in the same run (make bench runs it after bench/run.sh).
#
# 1. Sign-ups per second against the Argon2id bound: cores / the time of
#    one hash at glovebox's parameters (bench/pwhash.c, same library code).
#    Target >= 0.9 of the bound, with glovebox's peak RSS (VmHWM) reported:
#    the hashing slots (one per core) cap memory, the excess gets 503 busy.
# 2. GET /api/v1/me (session lookup, broker, decryption of five fields) with
#    64 connections, rotating the sessions of 64 members, against bare
#    libmicrohttpd serving a body of the same size: target >= 0.5 of the
#    bare engine and p99 <= 10 ms.
#
# Knobs: BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# GLOVEBOX (./glovebox). Everything binds 127.0.0.1 on free ports; every
# process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
GLOVEBOX=${GLOVEBOX:-./glovebox}
GLOVEBOX_ARGS=${GLOVEBOX_ARGS:-}
OUT=build/bench
MEMBERS=64
CORES=$(nproc)

die() { echo "bench/members: $*" >&2; exit 1; }
for tool in wrk curl cc /usr/bin/python3; do
	command -v "$tool" >/dev/null || die "$tool not found (make bench installs it)"
done
[ -x "$GLOVEBOX" ] || die "$GLOVEBOX not built"
[ -f build/libglovebox.a ] || die "build/libglovebox.a missing (make unit-bins builds it)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench-members.XXXXXX")
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

free_ports() {
	/usr/bin/python3 -c 'import socket,sys
s=[socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}
wait_up() { # URL PID
	for _ in $(seq 300); do
		kill -0 "$2" 2>/dev/null || die "a server exited during start-up"
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true)" = 200 ] && return 0
		sleep 0.1
	done
	die "$1 did not answer"
}
hwm_kb() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }
# "requests/s p99_ms non2xx total" from wrk --latency output
parse() {
	awk 'function ms(v, n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") return n / 1000; if (u == "ms") return n; if (u == "s") return n * 1000; return -1 }
	/^Requests\/sec:/ { rps = $2 }
	/^[ \t]+99%/ { p99 = ms($2) }
	/requests in/ { total = $1 }
	/Non-2xx or 3xx responses:/ { bad += $NF }
	END { printf "%s %.3f %d %d\n", rps, p99, bad, total }'
}

mkdir -p "$OUT"
PKGS="libmicrohttpd jansson sqlite3 libpq libsodium inih yaml-0.1 liboath libqrencode libcurl"
# shellcheck disable=SC2046
cc -std=c17 -D_GNU_SOURCE -O2 $(for d in src src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen -o "$OUT/pwhash" bench/pwhash.c build/libglovebox.a \
	$(pkg-config --libs $PKGS) -lcrack -pthread -lm
# shellcheck disable=SC2046
cc -std=c17 -D_GNU_SOURCE -O2 -pthread $(pkg-config --cflags libmicrohttpd) -o "$OUT/bare_mhd" \
	bench/bare_mhd.c $(pkg-config --libs libmicrohttpd)

HASH_MS=$("$OUT/pwhash")
BOUND=$(awk -v c="$CORES" -v t="$HASH_MS" 'BEGIN { printf "%.1f", c * 1000 / t }')

read -r GB_PORT BARE_PORT <<<"$(free_ports 2)"
# A hashing worker per core (the default leaves one core to the event
# loops), for the bound below; the wrk connections all come from one address.
"$GLOVEBOX" serve --listen "127.0.0.1:$GB_PORT" --data "$TMP/data" --log-file "$TMP/gb.log" \
	--signin-per-minute 1000000 --signin-per-hour 1000000 --signup-per-hour 0 \
	--password-hashes "$CORES" --max-connections-per-client 0 \
	$GLOVEBOX_ARGS >"$TMP/gb.out" 2>&1 &
GB_PID=$!
PIDS+=("$GB_PID")
wait_up "http://127.0.0.1:$GB_PORT/healthz" "$GB_PID"

# ---- 1. sign-ups
echo "bench/members: sign-ups for ${SECS}s (wrk -t$THREADS -c$((CORES * 2)))" >&2
wrk -t"$THREADS" -c"$((CORES * 2))" -d"${SECS}s" --latency -s bench/signup.lua \
	"http://127.0.0.1:$GB_PORT/api/v1/signup" >"$OUT/signup-wrk.txt" 2>&1
read -r _ SIGNUP_P99 SIGNUP_BAD SIGNUP_TOTAL <<<"$(parse <"$OUT/signup-wrk.txt")"
SIGNUPS=$(awk -v t="$SIGNUP_TOTAL" -v b="$SIGNUP_BAD" -v s="$SECS" 'BEGIN { printf "%.1f", (t - b) / s }')
SIGNUP_HWM=$(hwm_kb "$GB_PID")

# ---- 2. GET /api/v1/me
# Sign-up starts no session: the members' addresses are confirmed here as
# their links would confirm them (the links travel by mail), then each signs in.
confirm_all() {
	local db
	db=$(printf '%s\n' $GLOVEBOX_ARGS | awk 'p { print; exit } $0 == "--database" { p = 1 }')
	db=${db:-sqlite:$TMP/data/glovebox.db}
	case "$db" in
	postgres*) psql -X -q "$db" -c "UPDATE members SET email_confirmed_at = 1" ;;
	*) /usr/bin/python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
c.execute("UPDATE members SET email_confirmed_at = 1")
c.commit()' "${db#sqlite:}" ;;
	esac
}
COOKIES=$TMP/cookies.txt
: >"$COOKIES"
EMAILS=()
for i in $(seq "$MEMBERS"); do
	EMAILS+=("me$i-$RANDOM@example.org")
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data "{\"name\":\"Me Bench $i\",\"email\":\"${EMAILS[-1]}\",\"password\":\"blue cooper rides at dawn\",\"date_of_birth\":\"1970-01-0$((i % 9 + 1))\",\"phone\":\"+1 555 01$i\",\"postal_address\":\"$i Bench Street\"}" \
		"http://127.0.0.1:$GB_PORT/api/v1/signup"
done
confirm_all
for email in "${EMAILS[@]}"; do
	curl -s -o /dev/null -D "$TMP/h" -H 'Content-Type: application/json' \
		--data "{\"email\":\"$email\",\"password\":\"blue cooper rides at dawn\"}" \
		"http://127.0.0.1:$GB_PORT/api/v1/signin"
	sed -n 's/^[Ss]et-[Cc]ookie: \(gb_session=[^;]*\).*/\1/p' "$TMP/h" >>"$COOKIES"
done
[ "$(wc -l <"$COOKIES")" = "$MEMBERS" ] || die "could not sign up $MEMBERS members"
curl -s -H "Cookie: $(head -n 1 "$COOKIES")" "http://127.0.0.1:$GB_PORT/api/v1/me" >"$TMP/me.json"
grep -q '"data"' "$TMP/me.json" || die "GET /api/v1/me did not answer the record"
"$OUT/bare_mhd" "$BARE_PORT" "$TMP/me.json" "application/json" >"$TMP/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=("$BARE_PID")
wait_up "http://127.0.0.1:$BARE_PORT/" "$BARE_PID"

echo "bench/members: GET /api/v1/me and the bare engine, ${SECS}s each (wrk -t$THREADS -c$CONNS)" >&2
BENCH_COOKIES=$COOKIES wrk -t"$THREADS" -c"$CONNS" -d2s -s bench/me.lua \
	"http://127.0.0.1:$GB_PORT/api/v1/me" >/dev/null 2>&1
BENCH_COOKIES=$COOKIES wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s bench/me.lua \
	"http://127.0.0.1:$GB_PORT/api/v1/me" >"$OUT/me-wrk.txt" 2>&1
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$BARE_PORT/" \
	>"$OUT/me-bare-wrk.txt" 2>&1
read -r ME_RPS ME_P99 ME_BAD _ <<<"$(parse <"$OUT/me-wrk.txt")"
read -r BARE_RPS BARE_P99 _ _ <<<"$(parse <"$OUT/me-bare-wrk.txt")"
ME_HWM=$(hwm_kb "$GB_PID")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
SIGNUP_RATIO=$(ratio "$SIGNUPS" "$BOUND")
ME_RATIO=$(ratio "$ME_RPS" "$BARE_RPS")
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r + 0 >= t) ? "met" : "MISSED" }'; }
P99_VERDICT=$(awk -v p="$ME_P99" 'BEGIN { print (p <= 10) ? "met" : "MISSED" }')

{
	echo "members bench ($(date -u +%Y-%m-%dT%H:%MZ), $CORES cores, ${SECS}s runs)"
	printf '  one Argon2id hash (m=19 MiB, t=2): %s ms -> bound %s sign-ups/s\n' "$HASH_MS" "$BOUND"
	printf '  sign-ups: %s/s (%d of %d answers not 202: busy), p99 %s ms, ratio %s to the bound (target 0.9: %s), peak RSS %.1f MB\n' \
		"$SIGNUPS" "$SIGNUP_BAD" "$SIGNUP_TOTAL" "$SIGNUP_P99" "$SIGNUP_RATIO" "$(verdict "$SIGNUP_RATIO" 0.9)" \
		"$(awk -v k="$SIGNUP_HWM" 'BEGIN { print k / 1024 }')"
	printf '  GET /api/v1/me: %s req/s, p99 %s ms (target 10: %s), %d errors; bare engine %s req/s, p99 %s ms\n' \
		"$ME_RPS" "$ME_P99" "$P99_VERDICT" "$ME_BAD" "$BARE_RPS" "$BARE_P99"
	printf '  ratio %s to the bare engine (target 0.5: %s); peak RSS %.1f MB\n' "$ME_RATIO" \
		"$(verdict "$ME_RATIO" 0.5)" "$(awk -v k="$ME_HWM" 'BEGIN { print k / 1024 }')"
} | tee "$OUT/members.txt"
