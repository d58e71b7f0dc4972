#!/usr/bin/env bash
# What `make test` runs once everything is built: every tier, in order, going
# on after a failing tier, then a table and a last line "N passed, N failed".
# Exits non-zero if anything failed; a tier that cannot run counts as one
# failure. Each tier's full output is also kept in build/test-logs/.
#
# TIERS="unit api-sqlite" tests/run.sh runs a subset. Tiers:
#   unit          C unit tests (cmocka), build/tests/test_*
#   checks        no code reaches personal data except through the record
#                 layer (tools/check-broker.sh), layers only call down and
#                 never in a loop (tools/check-layers.sh), the C files are
#                 formatted as .clang-format says (tools/check-format.sh),
#                 each test named after a promise acts on the program
#                 rather than reading the profile back (tools/check-promises.sh)
#   api-sqlite    black-box tests (pytest) against ./glovebox on SQLite
#   api-postgres  the store's unit tests and the black-box tests on a private
#                 PostgreSQL cluster (tests/pg.sh)
#   browser       Chromium through playwright-core (node --test)
#   asan          `make asan` (clang), then the unit and SQLite black-box tests
#                 again under AddressSanitizer, LeakSanitizer and UBSan
#   fuzz          the libFuzzer targets, 20 s each
set -u
cd "$(dirname "$0")/.." || exit 2
PY=/usr/bin/python3
TIERS=${TIERS:-"unit checks api-sqlite api-postgres browser asan fuzz"}
logdir=build/test-logs
mkdir -p "$logdir"
# This run's own PostgreSQL cluster, whatever else runs beside it.
export GLOVEBOX_PG_STATE="$PWD/$logdir/pg-$$.state"

# Hang guards, in seconds: a hung tier fails instead of blocking CI. pytest
# and node get SIGINT first so they stop the servers they started.
API_TIMEOUT=${API_TIMEOUT:-900}
BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-600}

total_pass=0
total_fail=0
table=""
pg_started=0

cleanup() {
	if [ "$pg_started" = 1 ]; then
		tests/pg.sh stop
		pg_started=0
	fi
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# step NAME COMMAND...: runs COMMAND, showing its output and keeping it in
# $logdir/NAME.log, and adds its counts to tier_pass/tier_fail. The counts
# are the last "N passed, N failed" line it printed; a command that printed
# none, or exited non-zero without counting a failure, adds one failure.
step() {
	local name=$1 log="$logdir/$1.log" rc line p f
	shift
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no result line (exit $rc); counted as one failure"
		p=0 f=1
	else
		read -r p _ f _ <<<"${line//,/}"
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			echo "$name: exit $rc with no failure counted; counted as one failure"
			f=1
		fi
	fi
	tier_pass=$((tier_pass + p))
	tier_fail=$((tier_fail + f))
}

# Prints "N passed, N failed" from the JUnit XML files pytest wrote;
# errors (in set-up or tear-down) count as failures.
junit_counts() {
	$PY - "$@" <<'EOF'
import sys
import xml.etree.ElementTree as ET
suites = []
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"no JUnit report: {e}")
        sys.exit(1)
    suites += [root] if root.tag == "testsuite" else root.findall("testsuite")
n = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
bad = n["failures"] + n["errors"]
if n["skipped"]:
    print(f"{n['skipped']} skipped")
print(f"{max(0, n['tests'] - bad - n['skipped'])} passed, {bad} failed")
EOF
}

# The black-box tests spend most of their time waiting on the servers they
# start (a test's own CPU is a few percent of its wall time), so API_JOBS
# pytest workers (pytest-xdist) run the test files side by side, a file to a
# worker: its module's servers and fixtures stay in one process. The tests
# marked `alone` bound a latency under attack: they run afterwards, by
# themselves.
API_JOBS=${API_JOBS:-3}

pytest_api() { # log-name engine binary
	local xml="$logdir/$1.xml" alone="$logdir/$1-alone.xml" rc rc2 jobs=()
	rm -f "$xml" "$alone"
	if [ "$API_JOBS" -gt 1 ] && $PY -c 'import xdist' 2>/dev/null; then
		jobs=(-n "$API_JOBS" --dist loadfile)
	fi
	GLOVEBOX_TEST_ENGINE=$2 GLOVEBOX_BIN=$3 \
		timeout --foreground -s INT -k 30 "$API_TIMEOUT" \
		$PY -m pytest -q -rfEs --durations=5 -p no:cacheprovider "${jobs[@]}" \
		-m "not alone" --junitxml="$xml" tests/api
	rc=$?
	[ "$rc" = 124 ] && echo "pytest: stopped after $API_TIMEOUT s"
	GLOVEBOX_TEST_ENGINE=$2 GLOVEBOX_BIN=$3 \
		timeout --foreground -s INT -k 30 "$API_TIMEOUT" \
		$PY -m pytest -q -rfEs -p no:cacheprovider -m alone --junitxml="$alone" tests/api
	rc2=$?
	[ "$rc2" = 124 ] && echo "pytest: stopped after $API_TIMEOUT s"
	junit_counts "$xml" "$alone" || return 1
	[ "$rc" = 0 ] && [ "$rc2" = 0 ]
}

unit_tier() {
	local bins=(build/tests/test_*)
	[ -e "${bins[0]}" ] || { echo "no unit-test binaries in build/tests (make unit-bins)"; return; }
	step unit tests/run-unit.sh "${bins[@]}"
}

# Each check script is one test: it passes or it fails, saying where.
checks_run() {
	local pass=0 fail=0 check
	for check in tools/check-broker.sh tools/check-layers.sh tools/check-format.sh \
		tools/check-promises.sh; do
		if "$check"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

checks_tier() {
	step checks checks_run
}

api_postgres_tier() {
	local url
	if ! url=$(tests/pg.sh start); then
		echo "could not start PostgreSQL; counted as one failure"
		tier_fail=$((tier_fail + 1))
		return
	fi
	pg_started=1
	echo "PostgreSQL at $url"
	# The store's unit tests against this engine too, then the black-box suite.
	step pg-unit env GLOVEBOX_TEST_PG_URL="$url" tests/run-unit.sh build/tests/test_store
	export GLOVEBOX_TEST_PG_URL=$url
	step api-postgres pytest_api api-postgres postgres glovebox
	unset GLOVEBOX_TEST_PG_URL
	cleanup
}

browser_run() {
	local out="$logdir/browser.tap" rc p f c flags=()
	# A per-test limit where this node has one (Debian 12's node 18 has not).
	node --help 2>/dev/null | grep -q -- --test-timeout && flags+=(--test-timeout=180000)
	# Test files side by side: each starts its own servers and browser, and
	# spends most of its time waiting on them.
	node --help 2>/dev/null | grep -q -- --test-concurrency &&
		flags+=(--test-concurrency="${BROWSER_JOBS:-3}")
	timeout --foreground -s INT -k 30 "$BROWSER_TIMEOUT" \
		node --test "${flags[@]}" tests/browser/ 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out" | tail -n 1)
	c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$out" | tail -n 1)
	echo "${p:-0} passed, $((${f:-0} + ${c:-0})) failed"
	return "$rc"
}

asan_tier() {
	echo "building the sanitizer build (make asan; log in $logdir/asan-build.log)"
	if ! make --no-print-directory -j"$(nproc)" asan >"$logdir/asan-build.log" 2>&1; then
		tail -n 30 "$logdir/asan-build.log"
		echo "the sanitizer build failed; counted as one failure"
		tier_fail=$((tier_fail + 1))
		return
	fi
	local bins=(build-asan/tests/test_*)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	step asan-unit tests/run-unit.sh "${bins[@]}"
	# conftest fails a test whose server's stderr or log holds a sanitizer report.
	step asan-api pytest_api asan-api sqlite glovebox-asan
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

fuzz_tier() {
	step fuzz tests/fuzz/run.sh 20
}

for tier in $TIERS; do
	echo
	echo "=================== tier: $tier ==================="
	tier_pass=0
	tier_fail=0
	start=$SECONDS
	case $tier in
	unit) unit_tier ;;
	checks) checks_tier ;;
	api-sqlite) step api-sqlite pytest_api api-sqlite sqlite glovebox ;;
	api-postgres) api_postgres_tier ;;
	browser) step browser browser_run ;;
	asan) asan_tier ;;
	fuzz) fuzz_tier ;;
	*)
		echo "unknown tier '$tier' (see the top of $0)"
		tier_fail=1
		;;
	esac
	if [ "$tier_pass" = 0 ] && [ "$tier_fail" = 0 ]; then
		echo "tier $tier ran no test; counted as one failure"
		tier_fail=1
	fi
	total_pass=$((total_pass + tier_pass))
	total_fail=$((total_fail + tier_fail))
	table+=$(printf '  %-14s %6d passed %6d failed %6ds' "$tier" "$tier_pass" "$tier_fail" $((SECONDS - start)))$'\n'
done

echo
echo "=================== summary ==================="
printf '%s' "$table"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
