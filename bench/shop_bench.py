"""The shop bench's helper (bench/shop.sh): sets up a catalogue item, a
cart and a signed-in member against a running glovebox, and measures the
processor's webhooks: pays open checkout sessions at the local processor
(tests/stripe_local, its own webhooks held) and sends glovebox one signed
checkout.session.completed per session from a few threads, as Stripe would
(Stripe-Signature: HMAC-SHA256 of "t.payload" under the endpoint secret).

  shop_bench.py setup BASE GLOVEBOX DATA DATABASE   -> prints the cart and member cookies
  shop_bench.py webhooks BASE PROCESSOR WHSEC N     -> prints "rate applied total"
"""
import base64
import hashlib
import hmac
import json
import sqlite3
import struct
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

THREADS = 8
PASSWORD = "blue cooper rides at dawn"


def totp(secret, at=None):
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def setup(base, glovebox, data, database):
    email = f"bench-{uuid.uuid4().hex[:6]}@example.org"
    out = subprocess.run([glovebox, "staff", "add", email, "--role", "fulfilment", "--data", data,
                          "--database", database], capture_output=True, text=True, check=True)
    token = out.stdout.split("shown once): ")[1].split()[0]
    pw = "quiet harbour lamp 42"
    secret = requests.post(base + "/api/v1/staff/enrol", json={"token": token, "password": pw},
                           timeout=10).json()["totp_secret"]
    requests.post(base + "/api/v1/staff/enrol/confirm", json={"token": token, "code": totp(secret)},
                  timeout=10)
    staff = requests.Session()
    r = staff.post(base + "/api/v1/staff/signin", timeout=10, json={
        "email": email, "password": pw, "code": totp(secret, time.time() + 30)})
    staff.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    item = staff.post(base + "/api/v1/staff/shop/items", timeout=10, json={
        "name": "Bench cap", "price": 1999, "stock": 1000000}).json()["item"]["id"]
    cart = requests.Session()
    cart.post(base + "/api/v1/shop/cart", json={"item": item, "quantity": 1}, timeout=10)
    cart_cookie = next(f"{c.name}={c.value}" for c in cart.cookies if c.name.endswith("gb_cart"))
    # A member for the member-API rate, confirmed as their link would.
    m = {"name": "Bench Member", "email": f"m-{uuid.uuid4().hex[:6]}@example.org",
         "password": PASSWORD, "date_of_birth": "1970-01-01", "postal_address": "1 Bench St"}
    requests.post(base + "/api/v1/signup", json=m, timeout=30)
    if database.startswith("sqlite:"):
        con = sqlite3.connect(database[len("sqlite:"):], timeout=30)
        con.execute("UPDATE members SET email_confirmed_at = 1")
        con.commit()
        con.close()
    else:
        subprocess.run(["psql", "-X", "-q", database, "-c",
                        "UPDATE members SET email_confirmed_at = 1"], check=True)
    s = requests.Session()
    s.post(base + "/api/v1/signin", json={"email": m["email"], "password": PASSWORD}, timeout=30)
    member_cookie = next(f"{c.name}={c.value}" for c in s.cookies if c.name.endswith("gb_session"))
    print(cart_cookie)
    print(member_cookie)


def webhooks(base, processor, whsec, n):
    requests.post(processor + "/control/hold", json={"on": True}, timeout=10)
    sessions = [s for s in requests.get(processor + "/control/state", timeout=60).json()["sessions"]
                if s["status"] == "open"][:n]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda s: requests.post(f"{processor}/pay/{s['id']}", timeout=30,
                                              data={"card_number": "4242424242424242"},
                                              allow_redirects=False), sessions))

    def send(s):
        body = json.dumps({"id": "evt_" + uuid.uuid4().hex, "object": "event",
                           "type": "checkout.session.completed", "created": int(time.time()),
                           "data": {"object": {"id": s["id"], "object": "checkout.session"}}})
        t = str(int(time.time()))
        sig = hmac.new(whsec.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
        r = requests.post(base + "/webhooks/stripe", data=body, timeout=30, headers={
            "Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={sig}"})
        return r.status_code == 200 and r.json().get("applied") is True

    start = time.time()
    with ThreadPoolExecutor(THREADS) as pool:
        applied = sum(pool.map(send, sessions))
    took = time.time() - start
    print(f"{len(sessions) / took:.1f} {applied} {len(sessions)}")


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(*sys.argv[2:6])
    else:
        webhooks(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
