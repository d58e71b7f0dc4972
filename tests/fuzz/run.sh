#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each from
# its seed corpus: for SECONDS seconds (default 20, what `make test` runs),
# or, with FUZZ_RUNS=N in the environment, until it has run N inputs (`make
# fuzz`: ten million each). Prints per target the inputs run and the time
# taken, then "N passed, N failed" (one per target). FUZZ_TARGETS="form json"
# runs only those; the targets run FUZZ_JOBS at a time (default: one per core).
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-20}
runs=${FUZZ_RUNS:-}
out=build/fuzz
mkdir -p "$out"
PKGS="jansson sqlite3 libpq libsodium inih yaml-0.1 libmicrohttpd"
# What the whole library needs as well: the Makefile's list, read from it.
LIB_PKGS=$(make -s --no-print-directory print-pkgs)
# shellcheck disable=SC2086 # a list of packages
CFLAGS="-std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(for d in src src/*/; do printf -- "-I%s " "${d%/}"; done)-Ibuild/gen $(pkg-config --cflags $PKGS)"
# shellcheck disable=SC2086 # a list of packages
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"
passed=0
failed=0
# The library sources a small target needs (no server, no store, no crypto).
common="src/engine/mem.c src/engine/buf.c src/engine/assets.c build/gen/assets_data.c"
# Seed inputs: the project's own profiles and templates, read where they live,
# and a corpus folder per target.
declare -A seeds=(
	[profile]="profiles tests/profiles tests/profiles/broken"
	[text]="templates tests/fuzz/corpus/text"
	[vin]="tests/fuzz/corpus/vin"
	[form]="tests/fuzz/corpus/form"
	[json]="tests/fuzz/corpus/json"
	[route]="tests/fuzz/corpus/route"
	[cookie]="tests/fuzz/corpus/cookie"
	[mail]="tests/fuzz/corpus/mail"
	[dkim]="tests/fuzz/corpus/dkim"
	[image]="tests/fuzz/corpus/image"
)
# Sources for the small targets; "lib" links the whole library instead
# (build/fuzz/lib, made by make with the same instrumentation): the request
# parsers check against the real route table, which names every handler.
declare -A sources=(
	[profile]="$common src/data/policy.c src/data/policy_load.c"
	[text]="$common src/engine/validate.c src/engine/tpl.c"
	[vin]="$common src/garage/vin.c src/garage/vin_wmi.c src/garage/vin_cli.c"
	[form]=lib
	[json]=lib
	[route]=lib
	[cookie]=lib
	[mail]=lib
	[dkim]=lib
	[image]=lib
)
# Longest input tried: bodies up to the largest form's limit; a profile or
# template as large as ours.
declare -A max_len=(
	[form]=20000
	[json]=20000
	[route]=4096
	[cookie]=512
	[mail]=8192
	[dkim]=8192
)
# Dictionaries: the names a parser looks for, so the fuzzer need not guess them.
declare -A dicts=(
	[form]=tests/fuzz/form.dict
	[json]=tests/fuzz/json.dict
	[mail]=tests/fuzz/mail.dict
	[dkim]=tests/fuzz/mail.dict
)
targets=${FUZZ_TARGETS:-"profile text vin form json route cookie mail dkim image"}
lib=build/fuzz/lib/libglovebox.a
lib_built=0
built=()
for name in $targets; do
	bin="$out/fuzz_$name"
	if [ "${sources[$name]}" = lib ]; then
		if [ "$lib_built" = 0 ]; then
			if ! make --no-print-directory -s CC=clang BUILD=build/fuzz/lib SANITIZE=1 FUZZ=1 \
				OPT="-O1 -g" "$lib" >"$out/lib.build.log" 2>&1; then
				echo "fuzz library: build failed"; tail -5 "$out/lib.build.log"
				failed=$((failed + 1)); continue
			fi
			lib_built=1
		fi
		# shellcheck disable=SC2086,SC2206,SC2207 # flags are words
		build=(clang $CFLAGS -o "$bin" "tests/fuzz/fuzz_$name.c" "$lib"
			$(pkg-config --libs $LIB_PKGS) -lcrack -lpthread -lm)
	else
		# shellcheck disable=SC2206 # flags and file lists are words
		build=(clang $CFLAGS -o "$bin" "tests/fuzz/fuzz_$name.c" ${sources[$name]} $LIBS)
	fi
	if ! "${build[@]}" 2>"$out/$name.build.log"; then
		echo "fuzz_$name: build failed"; tail -5 "$out/$name.build.log"
		failed=$((failed + 1)); continue
	fi
	built+=("$name")
done

# Runs one target for its time or its count; writes its line of the report
# to $out/NAME.result and exits 0 when it found nothing.
run_target() {
	local name=$1 bin="$out/fuzz_$1" work="$out/corpus_$1"
	mkdir -p "$work"
	local limit=(-max_total_time="$secs")
	[ -n "$runs" ] && limit=(-runs="$runs")
	local dict=()
	[ -n "${dicts[$name]:-}" ] && dict=(-dict="${dicts[$name]}")
	local start
	start=$(date +%s)
	# shellcheck disable=SC2086
	if "$bin" "${limit[@]}" "${dict[@]}" -max_len="${max_len[$name]:-65536}" -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/" "$work" ${seeds[$name]} >"$out/$name.log" 2>&1; then
		n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$name.log" | grep -o '[0-9]*$')
		echo "fuzz_$name: $n runs in $(($(date +%s) - start)) s, no crash" >"$out/$name.result"
		return 0
	fi
	{ echo "fuzz_$name: FAILED"; grep -A15 -E 'ERROR|runtime error|property' "$out/$name.log" | head -30; } >"$out/$name.result"
	return 1
}

# The targets run side by side, one per core (each is single-threaded), so
# the tier takes the time of the slowest round, not the sum of all.
jobs=${FUZZ_JOBS:-$(nproc)}
for name in "${built[@]}"; do
	rm -f "$out/$name.result"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	run_target "$name" &
done
wait
# A target's verdict is its result line (a target that died without one
# failed).
for name in "${built[@]}"; do
	if grep -q ', no crash$' "$out/$name.result" 2>/dev/null; then
		passed=$((passed + 1))
		cat "$out/$name.result"
	else
		failed=$((failed + 1))
		cat "$out/$name.result" 2>/dev/null || echo "fuzz_$name: FAILED (no result)"
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
