#!/usr/bin/env bash
# bench/instructions: how many CPU instructions glovebox spends on one
# request, counted by valgrind's callgrind. Unlike req/s this does not move
# with the machine's load: the same binary and inputs give the same count,
# so two builds can be compared across runs (a refactor's cost shows as a
# ratio). For each path: a server under callgrind signs one member up and
# serves the path N times; the same without the N requests is subtracted.
#
# Usage: bench/instructions.sh                 this build (./glovebox)
#        BENCH_AGAINST=/path/glovebox bench/instructions.sh   and another, side by side
#        BENCH_REQUESTS=500 (default)
#        BENCH_PATHS="/api/v1/me" (default: / and /api/v1/me)
#        BENCH_HEADER="Sec-GPC: 1"   a header every measured request sends
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_REQUESTS:-500}
OUT=build/bench
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "bench/instructions: valgrind is not installed"; exit 1; }

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run BINARY COUNT PATH: the instructions of a whole server run.
run() {
	local bin=$1 count=$2 path=$3 dir port pid
	dir=$(mktemp -d)
	port=$(free_port)
	valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$bin" serve \
		--listen "127.0.0.1:$port" --data "$dir" --threads 1 --retention-interval 0 \
		--signin-per-minute 100000 --signin-per-hour 100000 >"$dir/out.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 600); do
		curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.2
	done
	/usr/bin/python3 - "$port" "$count" "$path" "$dir" "${BENCH_HEADER:-}" <<'EOF'
import sqlite3
import sys
import requests
port, count, path, data = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
header = dict([[v.strip() for v in sys.argv[5].split(":", 1)]]) if sys.argv[5] else {}
base = f"http://127.0.0.1:{port}"
s = requests.Session()
person = {"name": "Bench Person", "email": "bench@example.org",
          "password": "blue cooper rides at dawn", "date_of_birth": "1980-01-01",
          "phone": "+1 555 0100", "postal_address": "1 Main Street"}
r = s.post(base + "/api/v1/signup", timeout=600, json=person)
assert r.status_code in (201, 202), r.text     # 201 and a session before issue 11
# The address confirmed as its link would, then a session from signing in.
db = sqlite3.connect(data + "/glovebox.db", timeout=30)
db.execute("UPDATE members SET email_confirmed_at = 1")
db.commit()
r = s.post(base + "/api/v1/signin", timeout=600,
           json={"email": person["email"], "password": person["password"]})
assert r.status_code == 200, r.text
for _ in range(count):
    assert s.get(base + path, headers=header, timeout=60).status_code == 200
EOF
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	callgrind_annotate "$dir/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'
	rm -rf "$dir"
}

per_request() { # BINARY PATH
	local base with
	base=$(run "$1" 0 "$2")
	with=$(run "$1" "$N" "$2")
	echo $(((with - base) / N))
}

{
	echo "glovebox instructions per request (callgrind, $N requests, one thread${BENCH_HEADER:+, sending $BENCH_HEADER})"
	for path in ${BENCH_PATHS:-/ /api/v1/me}; do
		mine=$(per_request ./glovebox "$path")
		if [ -n "${BENCH_AGAINST:-}" ]; then
			theirs=$(per_request "$BENCH_AGAINST" "$path")
			printf '  GET %-12s %8d   against %s: %8d   ratio %s\n' "$path" "$mine" \
				"$BENCH_AGAINST" "$theirs" \
				"$(awk -v a="$mine" -v b="$theirs" 'BEGIN {printf "%.3f", a / b}')"
		else
			printf '  GET %-12s %8d\n' "$path" "$mine"
		fi
	done
} | tee "$OUT/instructions.txt"
