#!/usr/bin/env bash
# bench/visits_report.sh: the visit report (NAM09, docs/visits.md) over
# roll-ups equivalent to 10 million page views, on SQLite and on a private
# PostgreSQL cluster (tests/pg.sh, with a state file of its own), timed as
# JSON and CSV over the longest range (366 days) and the default (28).
# Target: under 0.2 s each. bench/visits_report.py does the work; the
# summary goes to build/bench/visits_report.txt. Exits 1 when a target is
# missed or an engine could not run.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/bench
mkdir -p "$OUT"
export GLOVEBOX_PG_STATE="$PWD/$OUT/visits-report-pg-$$.state"
export GLOVEBOX_BIN=${GLOVEBOX_BIN:-glovebox}
pg_started=0
cleanup() {
	local rc=$?
	if [ "$pg_started" = 1 ]; then tests/pg.sh stop || true; fi
	exit "$rc"
}
trap cleanup EXIT

rc=0
: >"$OUT/visits_report.txt"
echo "visits report bench ($(date -u +%Y-%m-%dT%H:%MZ))" | tee -a "$OUT/visits_report.txt"
GLOVEBOX_TEST_ENGINE=sqlite /usr/bin/python3 bench/visits_report.py 2>&1 |
	tee -a "$OUT/visits_report.txt" || rc=1
if url=$(tests/pg.sh start); then
	pg_started=1
	GLOVEBOX_TEST_ENGINE=postgres GLOVEBOX_TEST_PG_URL="$url" \
		/usr/bin/python3 bench/visits_report.py 2>&1 | tee -a "$OUT/visits_report.txt" || rc=1
else
	echo "bench/visits_report: could not start PostgreSQL (scripts/deps.sh test)" |
		tee -a "$OUT/visits_report.txt"
	rc=1
fi
exit "$rc"
