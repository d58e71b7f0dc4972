#!/usr/bin/env bash
# `make run`: serves the demo site on http://127.0.0.1:8080 with a mail
# listener beside it, so that joining works out of the box (a new member
# signs in once the address is confirmed from the message sent to it). The
# listener (Debian's python3-aiosmtpd) prints each message it receives to
# this terminal; it is a demo's stand-in for a real relay, and stops with
# the server. Set GLOVEBOX_SMTP_URL to use a relay of your own instead.
set -u
cd "$(dirname "$0")/.." || exit 2
port=${DEMO_MAIL_PORT:-2525}
sink=""
if [ -z "${GLOVEBOX_SMTP_URL:-}" ]; then
	/usr/bin/python3 scripts/demo_mail.py "$port" &
	sink=$!
	export GLOVEBOX_SMTP_URL="smtp://127.0.0.1:$port"
	echo "demo: mail goes to a listener on 127.0.0.1:$port that prints it here"
fi
stop() { [ -n "$sink" ] && kill "$sink" 2>/dev/null; }
trap stop EXIT
./glovebox serve "$@"
