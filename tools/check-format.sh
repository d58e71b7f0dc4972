#!/usr/bin/env bash
# Fails when a C file under src/ or tests/ is not as .clang-format lays it
# out (clang-format --dry-run); `make format` rewrites them. Run by
# `make test` (tests/run.sh, the checks tier).
set -u
cd "$(dirname "$0")/.." || exit 2
cf=$(command -v clang-format || command -v clang-format-14) || {
	echo "check-format: clang-format is not installed (scripts/deps.sh test installs it)"
	exit 1
}
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/fuzz/*.c' 'bench/*.c' 2>/dev/null)
[ -n "$files" ] || files=$(ls src/*.[ch] src/*/*.[ch] tests/unit/*.c tests/fuzz/*.c bench/*.c)
bad=""
for f in $files; do
	"$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
	echo "check-format: not formatted (run make format):$bad"
	exit 1
fi
echo "check-format: $(echo "$files" | wc -w) files formatted as .clang-format says"
