#!/usr/bin/env bash
# What `make test` runs once everything is built: every tier, in order,
# going on after a failing tier, and a last line "N passed, N failed".
# TIERS="unit api-sqlite" runs a subset (names: unit broker api-sqlite
# api-postgres browser asan fuzz).
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
TIERS=${TIERS:-"unit broker api-sqlite api-postgres browser asan fuzz"}
total_pass=0
total_fail=0
summary=""

record() { # tier passed failed
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	summary="$summary$(printf '  %-14s %5s passed %5s failed' "$1" "$2" "$3")"$'\n'
}

# Reads the last "N passed" / "N failed" pair of a tier's output.
counts() {
	local out="$1" p f
	p=$(echo "$out" | grep -oE '[0-9]+ passed' | tail -1 | grep -oE '[0-9]+')
	f=$(echo "$out" | grep -oE '[0-9]+ (failed|error|errors)' | awk '{s+=$1} END {print s+0}')
	echo "${p:-0} ${f:-0}"
}

run_tier() { # name command...
	local name=$1
	shift
	echo "=== $name"
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | tail -40
	read -r p f <<<"$(counts "$out")"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1   # the tier failed without saying what: count it
	fi
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then
		f=1   # a tier that ran nothing has failed
	fi
	record "$name" "$p" "$f"
}

pytest_api() { # engine [binary]
	GLOVEBOX_TEST_ENGINE=$1 GLOVEBOX_BIN=${2:-glovebox} $PY -m pytest -q -p no:cacheprovider tests/api
}

api_postgres() {
	local url unit api up uf ap af
	url=$(tests/pg.sh start) || { echo "could not start PostgreSQL"; return 1; }
	trap 'tests/pg.sh stop' RETURN
	# The store's unit tests against this engine too, then the black-box suite.
	unit=$(GLOVEBOX_TEST_PG_URL=$url tests/run-unit.sh build/tests/test_store)
	echo "$unit" | tail -3
	api=$(GLOVEBOX_TEST_PG_URL=$url pytest_api postgres)
	echo "$api" | tail -5
	read -r up uf <<<"$(counts "$unit")"
	read -r ap af <<<"$(counts "$api")"
	echo "$((up + ap)) passed, $((uf + af)) failed"
	[ $((uf + af)) = 0 ]
}

browser_tier() {
	local out rc p f
	out=$(node --test tests/browser/ 2>&1)
	rc=$?
	echo "$out"
	p=$(echo "$out" | sed -n 's/^# pass \([0-9]*\)/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^# fail \([0-9]*\)/\1/p' | tail -1)
	echo "${p:-0} passed, ${f:-0} failed"
	return $rc
}

asan_tier() {
	make --no-print-directory asan >/dev/null || { echo "the sanitizer build failed"; return 1; }
	local unit api
	unit=$(ASAN_OPTIONS=detect_leaks=1 tests/run-unit.sh build-asan/tests/test_*)
	echo "$unit" | tail -3
	api=$(ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 pytest_api sqlite glovebox-asan)
	echo "$api" | tail -5
	read -r up uf <<<"$(counts "$unit")"
	read -r ap af <<<"$(counts "$api")"
	echo "$((up + ap)) passed, $((uf + af)) failed"
	[ $((uf + af)) = 0 ]
}

for tier in $TIERS; do
	case $tier in
	unit) run_tier unit tests/run-unit.sh build/tests/test_* ;;
	broker) run_tier broker sh -c 'tools/check-broker.sh && echo "1 passed, 0 failed"' ;;
	api-sqlite) run_tier api-sqlite pytest_api sqlite ;;
	api-postgres) run_tier api-postgres api_postgres ;;
	browser) run_tier browser browser_tier ;;
	asan) run_tier asan asan_tier ;;
	fuzz) run_tier fuzz tests/fuzz/run.sh 20 ;;
	*) echo "unknown tier $tier"; record "$tier" 0 1 ;;
	esac
done

echo "=== summary"
printf '%s' "$summary"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
