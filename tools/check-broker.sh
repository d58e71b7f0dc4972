#!/usr/bin/env bash
# Fails when a source file other than the broker (and crypto.c, which
# implements them) seals or opens personal data itself: the broker is the
# one path to personal data (docs/architecture.md). Prints each offending
# line. Run by `make test` (tests/run.sh) and `make check-broker`.
set -u
cd "$(dirname "$0")/.." || exit 2
pattern='\bcrypto_(seal|open|datakey_new|datakey_open|plain_free)\s*\(|\bsealed_key\b'
allowed='^src/data/(broker|crypto)\.c:'
hits=$(grep -nE "$pattern" src/*.c src/*/*.c | grep -vE "$allowed")
if [ -n "$hits" ]; then
	echo "check-broker: personal data reached without the broker:"
	echo "$hits"
	exit 1
fi
n=$(ls src/*.c src/*/*.c | wc -l)
echo "check-broker: $n source files, none seals or opens personal data outside src/data/broker.c"
exit 0
