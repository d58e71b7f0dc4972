#!/usr/bin/env bash
# bench/shop.sh: the shop's figures (issue 14; docs/shop.md), against the
# local payment processor (tests/stripe_local), in one run:
# 1. orders placed per second up to the redirect (POST /api/v1/shop/orders:
#    prices, stock reserved, the order sealed under a new customer, its mail
#    queued, the checkout session opened at the processor) against
#    GET /api/v1/me (a signed-in member) in the same run: target >= 0.5x.
# 2. webhooks processed per second: checkout.session.completed for paid
#    sessions, each verified, read back from the processor and applied.
#
# Orders call the processor, so they run on the password workers
# (ROUTE_SLOW): GLOVEBOX_ARGS="--password-hashes 8" gives them more.
#
# Knobs: BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (16),
# BENCH_WEBHOOKS (500), GLOVEBOX (./glovebox), GLOVEBOX_ARGS (extra flags
# for glovebox serve). Everything binds 127.0.0.1 on free ports; every
# process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-16}
HOOKS=${BENCH_WEBHOOKS:-500}
GLOVEBOX=${GLOVEBOX:-./glovebox}
GLOVEBOX_ARGS=${GLOVEBOX_ARGS:-}
OUT=build/bench
WHSEC=whsec_bench
API_SECRET=sk_test_bench

die() { echo "bench/shop: $*" >&2; exit 1; }
for tool in wrk curl node /usr/bin/python3; do
	command -v "$tool" >/dev/null || die "$tool not found (make bench installs it)"
done
[ -x "$GLOVEBOX" ] || die "$GLOVEBOX not built"
[ -d tests/stripe_local/node_modules/stripe ] || die "npm ci in tests/stripe_local (scripts/deps.sh bench)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/glovebox-bench-shop.XXXXXX")
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
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true)" != 000 ] && return 0
		sleep 0.1
	done
	die "$1 did not answer"
}
# "requests/s non2xx total" from wrk output
parse() {
	awk '/^Requests\/sec:/ { rps = $2 } /requests in/ { total = $1 }
	/Non-2xx or 3xx responses:/ { bad += $NF } END { printf "%s %d %d\n", rps, bad, total }'
}

mkdir -p "$OUT"
read -r GB_PORT PROC_PORT <<<"$(free_ports 2)"
GB=http://127.0.0.1:$GB_PORT
PROC=http://127.0.0.1:$PROC_PORT
node tests/stripe_local/processor.mjs "$PROC_PORT" "$API_SECRET" "$GB/webhooks/stripe" "$WHSEC" \
	>"$TMP/proc.out" 2>&1 &
PIDS+=("$!")
wait_up "$PROC/control/state" "${PIDS[-1]}"
DB=sqlite:$TMP/data/glovebox.db
GLOVEBOX_SHOP_PROCESSOR_SECRET=$API_SECRET "$GLOVEBOX" serve --listen "127.0.0.1:$GB_PORT" \
	--metrics-listen= --data "$TMP/data" --database "$DB" --log-file "$TMP/gb.log" \
	--signin-per-minute 1000000 --signin-per-hour 1000000 --signup-per-hour 0 \
	--shop-orders-per-hour 0 --max-connections-per-client 0 --mail-interval 0 $GLOVEBOX_ARGS \
	--shop-processor-url "$PROC" --shop-webhook-secret "$WHSEC" --site-url "$GB" \
	>"$TMP/gb.out" 2>&1 &
GB_PID=$!
PIDS+=("$GB_PID")
wait_up "$GB/healthz" "$GB_PID"

mapfile -t COOKIES < <(/usr/bin/python3 bench/shop_bench.py setup "$GB" "$GLOVEBOX" "$TMP/data" "$DB")
[ "${#COOKIES[@]}" = 2 ] || die "could not set up the catalogue, cart and member"
curl -s -o /dev/null -w '%{http_code}' -H "Cookie: ${COOKIES[1]}" "$GB/api/v1/me" | grep -q 200 ||
	die "the member is not signed in"

echo "bench/shop: orders and GET /api/v1/me, ${SECS}s each (wrk -t$THREADS -c$CONNS)" >&2
BENCH_CART=${COOKIES[0]} wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" -s bench/shop_order.lua \
	"$GB/api/v1/shop/orders" >"$OUT/shop-orders-wrk.txt" 2>&1
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" -H "Cookie: ${COOKIES[1]}" "$GB/api/v1/me" \
	>"$OUT/shop-me-wrk.txt" 2>&1
read -r ORDER_RPS ORDER_BAD ORDER_TOTAL <<<"$(parse <"$OUT/shop-orders-wrk.txt")"
read -r ME_RPS ME_BAD _ <<<"$(parse <"$OUT/shop-me-wrk.txt")"
ORDERS=$(awk -v t="$ORDER_TOTAL" -v b="$ORDER_BAD" -v s="$SECS" 'BEGIN { printf "%.1f", (t - b) / s }')

echo "bench/shop: $HOOKS webhooks" >&2
read -r HOOK_RPS HOOK_APPLIED HOOK_TOTAL <<<"$(/usr/bin/python3 bench/shop_bench.py webhooks "$GB" "$PROC" "$WHSEC" "$HOOKS")"

RATIO=$(awk -v a="$ORDERS" -v b="$ME_RPS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
VERDICT=$(awk -v r="$RATIO" 'BEGIN { print (r + 0 >= 0.5) ? "met" : "MISSED" }')
{
	echo "shop bench ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${SECS}s runs, local processor)"
	printf '  orders placed up to the redirect: %s/s (%d of %d answers not 201, %s req/s in all)\n' \
		"$ORDERS" "$ORDER_BAD" "$ORDER_TOTAL" "$ORDER_RPS"
	printf '  GET /api/v1/me in the same run: %s req/s (%d errors)\n' "$ME_RPS" "$ME_BAD"
	printf '  ratio %s to the member API (target 0.5: %s)\n' "$RATIO" "$VERDICT"
	printf '  webhooks processed: %s/s (%d of %d applied: paid)\n' "$HOOK_RPS" "$HOOK_APPLIED" "$HOOK_TOTAL"
} | tee "$OUT/shop.txt"
