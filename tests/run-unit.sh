#!/usr/bin/env bash
# Runs cmocka unit-test binaries; prints "N passed, N failed" for the lot.
# A binary that crashes or prints no summary counts as one failure.
set -u
passed=0
failed=0
for bin in "$@"; do
	out=$("$bin" 2>&1)
	rc=$?
	echo "$out" | grep -E '^\[  (PASSED|FAILED|  OK  |  SKIPPED )|^\[==========\]|FAILED|SKIPPED' | grep -v '^\[       OK' | head -40
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	if [ -z "$p" ] && [ -z "$f" ]; then
		echo "$bin: no summary (exit $rc)"
		echo "$out" | tail -20
		failed=$((failed + 1))
		continue
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" != 0 ] && [ -z "$f" ]; then
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
