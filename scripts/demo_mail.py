"""The demo's mail listener (make run, scripts/demo.sh): an SMTP server on
127.0.0.1 that prints each message it receives as a reader would see it
(the headers that matter and the text, decoded), so a confirmation link can
be opened from the terminal. A stand-in for a real relay, for the demo only.
Usage: /usr/bin/python3 scripts/demo_mail.py PORT"""
import asyncio
import email
import email.policy
import sys

from aiosmtpd.controller import Controller


class Printer:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        print("---- mail to", ", ".join(envelope.rcpt_tos))
        print("Subject:", msg["Subject"])
        print(body.get_content() if body else "(no text part)", flush=True)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    controller = Controller(Printer(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
