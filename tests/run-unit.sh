#!/usr/bin/env bash
# Runs cmocka unit-test binaries; prints each binary's summary and, last,
# "N passed, N failed" for the lot. A binary that crashes, hangs (UNIT_TIMEOUT
# seconds, default 300) or prints no summary counts as one failure, and so
# does one that exits non-zero after passing (a LeakSanitizer report at exit).
# Usage: tests/run-unit.sh build/tests/test_*
set -u
timeout_s=${UNIT_TIMEOUT:-300}
passed=0
failed=0
[ "$#" -gt 0 ] || { echo "usage: $0 BINARY..."; echo "0 passed, 1 failed"; exit 1; }
for bin in "$@"; do
	echo "--- $bin"
	if [ ! -x "$bin" ]; then
		echo "$bin: not an executable"
		failed=$((failed + 1))
		continue
	fi
	out=$(timeout -k 10 "$timeout_s" "$bin" 2>&1)
	rc=$?
	# The summary and any failure, not every passing test.
	echo "$out" | grep -E '^\[ *(PASSED|FAILED|ERROR|LINE|SKIPPED) *\]|^\[==========\]|Sanitizer|runtime error' | head -n 60
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n 1)
	if [ -z "$p" ] && [ -z "$f" ]; then
		case $rc in
		124 | 137) echo "$bin: hung, stopped after $timeout_s s" ;;
		*) echo "$bin: no summary (exit $rc): crashed?" ;;
		esac
		echo "$out" | tail -n 20
		failed=$((failed + 1))
		continue
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then
		echo "$bin: exit $rc after its tests passed"
		echo "$out" | tail -n 20
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
