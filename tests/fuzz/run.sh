#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# SECONDS seconds (default 20) from its seed corpus. Prints "N passed, N
# failed" (one per target). `make fuzz` runs them longer.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-20}
out=build/fuzz
mkdir -p "$out"
PKGS="jansson sqlite3 libpq libsodium inih yaml-0.1 libmicrohttpd"
CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(for d in src src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"
passed=0
failed=0
# The library sources a target needs (no server, no store, no crypto).
common="src/engine/mem.c src/engine/buf.c src/engine/assets.c build/gen/assets_data.c"
# Seed inputs: the project's own profiles and templates, read where they live.
declare -A seeds=(
	[profile]="profiles tests/profiles tests/profiles/broken"
	[text]="templates tests/fuzz/corpus/text"
	[vin]="tests/fuzz/corpus/vin"
)
declare -A sources=(
	[profile]="src/data/policy.c src/data/policy_load.c"
	[text]="src/engine/validate.c src/engine/tpl.c"
	[vin]="src/garage/vin.c src/garage/vin_wmi.c src/garage/vin_cli.c"
)
for name in profile text vin; do
	bin="$out/fuzz_$name"
	# shellcheck disable=SC2086
	if ! clang $CFLAGS -o "$bin" "tests/fuzz/fuzz_$name.c" $common ${sources[$name]} $LIBS 2>"$out/$name.build.log"; then
		echo "fuzz_$name: build failed"; tail -5 "$out/$name.build.log"
		failed=$((failed + 1)); continue
	fi
	work="$out/corpus_$name"
	mkdir -p "$work"
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" \
		"$work" ${seeds[$name]} >"$out/$name.log" 2>&1; then
		echo "fuzz_$name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs, no crash"
		passed=$((passed + 1))
	else
		echo "fuzz_$name: FAILED"; grep -A15 -E 'ERROR|runtime error' "$out/$name.log" | head -30
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
