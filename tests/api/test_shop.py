"""The shop (issue 14; NAM02, NAM04, ALL03; docs/shop.md): a catalogue the
fulfilment role keeps, a cart in a signed cookie, an order sealed under a
customer subject of its own, paid on a local processor that speaks the
Stripe Checkout subset glovebox uses (tests/stripe_local, which signs its
webhooks with the official stripe package), and the fulfilment queue that
hands the shipping fields to the carrier through the hand-over path. Every
attack here fails on a glovebox without the shop. On both engines."""
import base64
import glob
import json
import os
import re
import subprocess
import time
import uuid

import pytest
import requests

from conftest import ROOT, contains_any, form_token, free_port, mail_flags, staff_client
from test_mail_lists import join
from test_requests import log_text, mails_to, text_of

PROCESSOR = os.path.join(ROOT, "tests", "stripe_local", "processor.mjs")
API_SECRET = "sk_test_" + uuid.uuid4().hex
WEBHOOK_SECRET = "whsec_" + uuid.uuid4().hex
ORDER_LINK = re.compile(r"/shop/orders/([A-Za-z0-9_-]{43})")
# A Visa test number: passes the Luhn check, as a real card number does.
CANARY = "4242424242424242"
CANARY_SPACED = "4242 4242 4242 4242"


class Processor:
    """tests/stripe_local/processor.mjs on a free port of 127.0.0.1."""

    def __init__(self, webhook_url):
        if not os.path.isdir(os.path.join(ROOT, "tests", "stripe_local", "node_modules",
                                          "stripe")):
            pytest.skip("tests/stripe_local: npm ci has not run (scripts/deps.sh test)")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            ["node", PROCESSOR, str(self.port), API_SECRET, webhook_url, WEBHOOK_SECRET],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert "listening" in line, line + self.proc.stderr.read()

    def control(self, path, **body):
        r = requests.post(self.base + path, json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def state(self):
        return requests.get(self.base + "/control/state", timeout=10).json()

    def session(self, sid):
        return next(s for s in self.state()["sessions"] if s["id"] == sid)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def shop(make_server, smtp_sink, tmp_path):
    """A server of North American Motoring with the shop connected to a
    local processor, the carrier's hand-overs dropped into a directory."""
    made = []

    def make(extra=(), start=True):
        drop = tmp_path / f"carrier-{uuid.uuid4().hex[:6]}"
        drop.mkdir()
        cfg = tmp_path / f"channels-{uuid.uuid4().hex[:6]}.ini"
        cfg.write_text(f"[shipping_carrier]\ndirectory = {drop}\n")
        os.chmod(cfg, 0o600)
        srv = make_server(start=False, extra=mail_flags(smtp_sink) + [
            "--handover-config", str(cfg), "--handover-interval", "0"] + list(extra))
        proc = Processor(srv.url("/webhooks/stripe"))
        made.append(proc)
        # site-url: the processor sends the buyer back to this server.
        srv.extra += ["--shop-processor-url", proc.base, "--shop-webhook-secret", WEBHOOK_SECRET,
                      "--site-url", srv.base]
        srv.processor, srv.drop = proc, drop
        # The API secret from the environment, as an operator should give it.
        os.environ["GLOVEBOX_SHOP_PROCESSOR_SECRET"] = API_SECRET
        try:
            return srv.start() if start else srv
        finally:
            del os.environ["GLOVEBOX_SHOP_PROCESSOR_SECRET"]

    yield make
    for p in made:
        p.stop()


def buyer(**over):
    tag = uuid.uuid4().hex[:10]
    p = {"name": f"Buyer Qz{tag}", "email": f"buyer-{tag}@example.org",
         "postal_address": f"{tag[:3]} Harbour Road, Halifax NS B3H 1A1",
         "phone": f"+1 902 555 {tag[:4]}"}
    p.update(over)
    return p


def add_item(srv, staff, name=None, price=1999, stock=10, active=True):
    r = staff.post(srv.url("/api/v1/staff/shop/items"), timeout=10,
                   json={"name": name or f"Club cap {uuid.uuid4().hex[:6]}",
                         "description": "Embroidered.", "price": price, "stock": stock,
                         "active": active})
    assert r.status_code == 201, r.text
    return r.json()["item"]["id"]


def put(srv, cart, item, quantity):
    return cart.post(srv.url("/api/v1/shop/cart"), timeout=10,
                     json={"item": item, "quantity": quantity})


def order(srv, cart, fields, **extra):
    return cart.post(srv.url("/api/v1/shop/orders"), timeout=30, json=dict(fields, **extra))


def pay(srv, checkout_url, card=CANARY):
    """The buyer at the processor's page: types the card there, is sent back."""
    b = requests.Session()
    page = b.get(checkout_url, timeout=10)
    assert page.status_code == 200 and 'name="card_number"' in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    base = checkout_url.split("/pay/")[0]
    back = b.post(base + action, data={"card_number": card, "expiry": "12/34", "cvc": "123"},
                  allow_redirects=False, timeout=30)
    assert back.status_code == 303, back.text
    return back.headers["Location"]


def placed(srv, staff=None, quantity=2, price=1999, stock=10, fields=None):
    """An item, a cart with it, an order: (item, cart session, order json, fields)."""
    staff = staff or staff_client(srv, "fulfilment")
    item = add_item(srv, staff, price=price, stock=stock)
    cart = requests.Session()
    assert put(srv, cart, item, quantity).status_code == 200
    fields = fields or buyer()
    r = order(srv, cart, fields)
    assert r.status_code == 201, r.text
    return item, cart, r.json(), fields


def status(srv, o):
    r = requests.get(srv.url("/api/v1/shop/orders/" + o["order_url"].rsplit("/", 1)[1]),
                     timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["order"]


def stock_of(srv, item):
    return srv.sql(f"SELECT stock FROM shop_items WHERE id = {item}")[0][0]


def session_id(srv, o):
    return srv.sql(f"SELECT session_id FROM shop_orders WHERE reference = '{o['reference']}'")[0][0]


# ---- the whole order ----

def test_order_paid_at_the_processor_then_shipped_by_the_carrier(shop, smtp_sink):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item, cart, o, p = placed(srv, staff, quantity=2, price=1999, stock=5)
    # The catalogue's price at order time, the stock reserved in the same step.
    assert o["total"] == 3998 and o["currency"] == "usd" and o["status"] == "pending"
    assert stock_of(srv, item) == "3"
    # The cart is spent: its cookie is cleared.
    assert cart.get(srv.url("/api/v1/shop/cart"), timeout=10).json()["cart"]["lines"] == []
    # The processor got the lines at the catalogue's price, the order's
    # reference and nothing of the buyer.
    s = srv.processor.session(session_id(srv, o))
    assert s["client_reference_id"] == o["reference"] and s["amount_total"] == 3998
    assert not contains_any([json.dumps(s).encode()], [p["name"], p["email"], p["phone"]])
    # The mail with the order link, to the buyer only.
    token = ORDER_LINK.search(text_of(mails_to(smtp_sink, p["email"])[0])).group(1)
    assert o["order_url"] == f"/shop/orders/{token}"
    # Paid at the processor: its webhook, then the buyer's return.
    back = pay(srv, o["checkout_url"])
    assert back == srv.url(f"/shop/return/{o['reference']}")
    assert requests.get(srv.url(f"/api/v1/shop/return/{o['reference']}"),
                        timeout=30).json()["order"]["status"] == "paid"
    assert status(srv, o)["status"] == "paid"
    # Kept: the processor's references, the brand and last four, sealed.
    row = srv.sql(f"SELECT payment_intent, status FROM shop_orders WHERE reference = "
                  f"'{o['reference']}'")[0]
    assert row[0].startswith("pi_") and row[1] == "paid"
    # The queue: the fulfilment role opens it (logged) and ships it by carrier.
    queue = staff.get(srv.url("/api/v1/staff/shop/orders"), timeout=10).json()["orders"]
    oid = next(x["id"] for x in queue if x["reference"] == o["reference"])
    opened = staff.get(srv.url(f"/api/v1/staff/shop/orders/{oid}"), timeout=10).json()["order"]
    assert opened["fields"]["name"] == p["name"]
    assert opened["fields"]["card_brand"] == "visa" and opened["fields"]["card_last4"] == "4242"
    r = staff.post(srv.url(f"/api/v1/staff/shop/orders/{oid}/ship"), timeout=30,
                   json={"carrier": True})
    assert r.status_code == 200 and r.json()["handed_over"] is True, r.text
    # Shipped once only.
    r = staff.post(srv.url(f"/api/v1/staff/shop/orders/{oid}/ship"), timeout=30,
                   json={"carrier": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_state"
    srv.cli("handover", "deliver")
    st = status(srv, o)
    assert st["status"] == "shipped" and [h["recipient"] for h in st["handovers"]] == [
        "shipping_carrier"]
    page = requests.get(srv.url(o["order_url"]), timeout=10)
    assert page.status_code == 200 and 'data-status="shipped"' in page.text
    assert "Shipping carrier" in page.text


def test_refund_requested_at_the_processor_and_settled_by_its_webhook(shop):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    _, _, o, _ = placed(srv, staff)
    pay(srv, o["checkout_url"])
    oid = srv.sql(f"SELECT id FROM shop_orders WHERE reference = '{o['reference']}'")[0][0]
    r = staff.post(srv.url(f"/api/v1/staff/shop/orders/{oid}/refund"), timeout=30)
    assert r.status_code == 202, r.text
    assert len(srv.processor.state()["refunds"]) == 1
    deadline = time.time() + 15
    while status(srv, o)["status"] != "refunded" and time.time() < deadline:
        time.sleep(0.1)
    assert status(srv, o)["status"] == "refunded"


# ---- the promises ----

def test_all03_card_number_never_reaches_glovebox(shop, smtp_sink):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item = add_item(srv, staff)
    # The canary typed in every glovebox field of the order: refused, with
    # the field named, nothing stored.
    for field in ("name", "postal_address", "phone"):
        for canary in (CANARY, CANARY_SPACED, "4242-4242-4242-4242"):
            cart = requests.Session()
            put(srv, cart, item, 1)
            r = order(srv, cart, buyer(**{field: f"see {canary} please"}))
            assert r.status_code == 400, (field, r.text)
            assert r.json()["error"]["code"] == "card_number_refused"
            assert r.json()["error"]["field"] == field
    # The HTML form too.
    browser = requests.Session()
    token = form_token(srv, browser, f"/shop/items/{item}")
    browser.post(srv.url("/shop/cart"), data={"item": item, "quantity": 1, "csrf_token": token},
                 timeout=10)
    r = browser.post(srv.url("/shop/checkout"), timeout=30, data=dict(
        buyer(postal_address=CANARY_SPACED), csrf_token=token), allow_redirects=False)
    assert r.status_code == 400 and "looks like a card number" in r.text
    assert srv.sql("SELECT COUNT(*) FROM shop_orders")[0][0] == "0"
    # The whole checkout: the card is typed at the processor only.
    _, _, o, p = placed(srv, staff)
    pay(srv, o["checkout_url"], card=CANARY)
    assert srv.processor.state()["pans_seen"] == 1
    assert status(srv, o)["status"] == "paid"
    smtp_sink.wait(len(smtp_sink.messages))
    # No part of glovebox's data directory (the database, its WAL, the logs)
    # holds the number, in any form; glovebox's own pages neither.
    blobs = list(srv.raw_files().values()) + [log_text(srv)]
    assert not contains_any(blobs, [CANARY, CANARY_SPACED, "4242-4242-4242-4242"])
    assert not contains_any([m[2] for m in smtp_sink.messages], [CANARY, CANARY_SPACED])
    # What is kept is the brand and last four, sealed.
    row = srv.sql(f"SELECT card_last4 IS NOT NULL FROM shop_orders WHERE reference = "
                  f"'{o['reference']}'")[0][0]
    assert row in ("1", "t", "true")


def test_nam02_order_data_used_only_for_the_order(shop, smtp_sink):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    member = join(srv, smtp_sink, opt_in="member_news")
    _, _, o, p = placed(srv, staff)
    secret = [p["name"], p["email"], p["postal_address"], p["phone"]]
    # Sealed under a customer subject of its own, owned by no one.
    rows = srv.sql("SELECT s.kind, s.owner_id FROM subjects s JOIN shop_orders o "
                   "ON o.subject_id = s.id")
    assert len(rows) == 1 and rows[0][0] == "customer" and rows[0][1] in ("", "0"), rows
    smtp_sink.wait(len(smtp_sink.messages))
    assert not contains_any(list(srv.raw_files().values()) + [log_text(srv)], secret)
    mails_to(smtp_sink, p["email"])
    # Campaigns under every purpose the profile has: none reaches the buyer.
    editor = staff_client(srv, "editor")
    profile = requests.get(srv.url("/privacy.json"), timeout=10).json()
    for pu in profile["purposes"]:
        editor.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                    json={"purpose": pu["id"], "subject": f"News {pu['id']}", "body": "Hello."})
        srv.cli("mail", "campaign", "--purpose", pu["id"], "--subject", f"Cli {pu['id']}",
                os.devnull, check=False)
    time.sleep(1.5)
    smtp_sink.wait(len(smtp_sink.messages))
    assert len([m for m in smtp_sink.messages if p["email"] in m[1]]) == 1
    # Staff lookups under every purpose, by every role: nothing of the buyer;
    # only the fulfilment role opens the order.
    oid = srv.sql(f"SELECT id FROM shop_orders WHERE reference = '{o['reference']}'")[0][0]
    for role in ("admin", "support", "editor", "verifier"):
        s = staff_client(srv, role)
        for pu in profile["purposes"]:
            r = s.post(srv.url("/api/v1/staff/members/find"), timeout=10,
                       json={"email": p["email"], "purpose": pu["id"]})
            assert r.status_code in (200, 403, 404), r.text
            assert not contains_any([r.content], secret)
        r = s.get(srv.url(f"/api/v1/staff/shop/orders/{oid}"), timeout=10)
        assert r.status_code == 403 and not contains_any([r.content], secret), role
    # Another member's export: nothing of it.
    export = member.get(srv.url("/api/v1/me/export"), timeout=30)
    assert export.status_code == 200 and not contains_any([export.content], secret)
    # The order link shows the order, never what the buyer typed.
    assert not contains_any([json.dumps(status(srv, o)).encode()], secret)
    # The fulfilment role's opening is in the access log, under product_orders.
    staff.get(srv.url(f"/api/v1/staff/shop/orders/{oid}"), timeout=10)
    subject = srv.sql(f"SELECT subject_id FROM shop_orders WHERE id = {oid}")[0][0]
    log = srv.sql(f"SELECT purpose, action FROM access_log WHERE subject_id = {subject}")
    assert ["product_orders", "read"] in log, log
    # A signed-in member's order is theirs (owned by them), their details offered.
    cart = member
    item = add_item(srv, staff)
    put(srv, cart, item, 1)
    r = order(srv, cart, {"postal_address": "1 Elm St, Halifax"})
    assert r.status_code == 201, r.text
    owner = srv.sql(f"SELECT s.owner_id FROM subjects s JOIN shop_orders o ON o.subject_id = "
                    f"s.id WHERE o.reference = '{r.json()['reference']}'")
    assert owner == [[str(member.member_id)]]


def test_nam04_order_shared_only_as_far_as_needed(shop):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    _, _, o, p = placed(srv, staff)
    # Not paid: not in the queue, cannot ship.
    oid = srv.sql(f"SELECT id FROM shop_orders WHERE reference = '{o['reference']}'")[0][0]
    r = staff.post(srv.url(f"/api/v1/staff/shop/orders/{oid}/ship"), timeout=30,
                   json={"carrier": True})
    assert r.status_code == 409
    pay(srv, o["checkout_url"])
    r = staff.post(srv.url(f"/api/v1/staff/shop/orders/{oid}/ship"), timeout=30,
                   json={"carrier": True})
    assert r.status_code == 200, r.text
    srv.cli("handover", "deliver")
    lines = [json.loads(line) for f in glob.glob(str(srv.drop / "*.jsonl"))
             for line in open(f) if line.strip()]
    assert len(lines) == 1, lines
    data = lines[0].get("data", lines[0])
    assert data["recipient"] == "shipping_carrier" and data["purpose"] == "product_orders"
    # The shipping fields only: never the e-mail, the card or the order's total.
    assert data["fields"] == {"name": p["name"], "postal_address": p["postal_address"],
                              "phone": p["phone"]}
    assert not contains_any([json.dumps(lines).encode()], [p["email"], "4242", "visa"])
    subject = srv.sql(f"SELECT subject_id FROM shop_orders WHERE id = {oid}")[0][0]
    log = srv.sql(f"SELECT recipient, purpose, categories FROM access_log WHERE subject_id = "
                  f"{subject} AND action = 'disclose'")
    assert len(log) == 1 and log[0][:2] == ["shipping_carrier", "product_orders"]
    assert sorted(log[0][2].split(",")) == ["name", "phone", "postal_address"]
    # The processor saw the order's reference and lines, nothing of the buyer.
    s = srv.processor.session(session_id(srv, o))
    assert not contains_any([json.dumps(s).encode()],
                            [p["name"], p["email"], p["phone"], p["postal_address"]])


# ---- webhooks ----

def test_webhook_forged_stale_replayed_reordered_or_unknown_changes_nothing(shop):
    srv = shop()
    proc = srv.processor
    proc.control("/control/hold", on=True)
    staff = staff_client(srv, "fulfilment")
    item, _, o, _ = placed(srv, staff, quantity=1, stock=3)
    sid = session_id(srv, o)
    pay(srv, o["checkout_url"])             # paid at the processor, no webhook yet
    # Forged (another secret) and stale (an hour old): 400, still pending.
    for mode in ("forged", "stale"):
        got = proc.control("/control/send", session=sid, type="checkout.session.completed",
                           mode=mode)
        assert got["status"] == 400 and "bad_signature" in got["body"], (mode, got)
        assert status(srv, o)["status"] == "pending"
    # No signature, or one over other bytes: 400.
    r = requests.post(srv.url("/webhooks/stripe"), data='{"id":"evt_x","type":"x"}',
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400
    # An unknown session: a clear 4xx, nothing changed.
    got = proc.control("/control/send", session="cs_test_unknown",
                       type="checkout.session.completed", mode="ok")
    assert got["status"] == 400 and "unknown_session" in got["body"], got
    # The real one: paid.
    good = proc.control("/control/send", session=sid, type="checkout.session.completed",
                        mode="ok")
    assert good["status"] == 200 and json.loads(good["body"])["applied"] is True, good
    assert status(srv, o)["status"] == "paid"
    paid_at = status(srv, o)["paid_at"]
    # Replayed (the same event again): accepted, nothing applied.
    again = proc.control("/control/send", mode="replay", event=good["event"])
    assert again["status"] == 200 and json.loads(again["body"])["applied"] is False, again
    # Reordered: an expiry after the completion changes nothing, the stock stays taken.
    late = proc.control("/control/send", session=sid, type="checkout.session.expired",
                        mode="ok")
    assert late["status"] == 200 and json.loads(late["body"])["applied"] is False, late
    st = status(srv, o)
    assert st["status"] == "paid" and st["paid_at"] == paid_at
    assert stock_of(srv, item) == "2"


def test_expired_checkout_releases_the_stock(shop):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item, _, o, _ = placed(srv, staff, quantity=3, stock=3)
    assert stock_of(srv, item) == "0"
    # Sold out meanwhile: another order is refused, nothing reserved.
    cart = requests.Session()
    put(srv, cart, item, 1)
    r = order(srv, cart, buyer())
    assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_stock", r.text
    got = srv.processor.control(f"/control/expire/{session_id(srv, o)}")
    assert got["status"] == 200 and json.loads(got["body"])["applied"] is True, got
    assert status(srv, o)["status"] == "expired" and stock_of(srv, item) == "3"
    # A completion arriving after can no longer pay it (the processor says expired).
    got = srv.processor.control("/control/send", session=session_id(srv, o),
                                type="checkout.session.completed", mode="ok")
    assert got["status"] == 200 and status(srv, o)["status"] == "expired"
    assert stock_of(srv, item) == "3"


@pytest.mark.parametrize("order_of", ["webhook_twice", "webhook_first", "return_first"])
def test_paid_exactly_once(shop, order_of):
    srv = shop()
    proc = srv.processor
    staff = staff_client(srv, "fulfilment")
    if order_of == "return_first":
        proc.control("/control/hold", on=True)
    _, _, o, _ = placed(srv, staff)
    sid = session_id(srv, o)
    pay(srv, o["checkout_url"])
    ret = lambda: requests.get(srv.url(f"/api/v1/shop/return/{o['reference']}"), timeout=30)
    if order_of == "return_first":
        assert ret().json()["order"]["status"] == "paid"
        got = proc.control("/control/send", session=sid, type="checkout.session.completed",
                           mode="ok")
        assert got["status"] == 200 and json.loads(got["body"])["applied"] is False
    elif order_of == "webhook_first":
        assert status(srv, o)["status"] == "paid"
        assert ret().json()["order"]["status"] == "paid"
    else:
        # A second, distinct completion event for the same session.
        got = proc.control("/control/send", session=sid, type="checkout.session.completed",
                           mode="ok")
        assert got["status"] == 200 and json.loads(got["body"])["applied"] is False
    first = status(srv, o)["paid_at"]
    ret()
    assert status(srv, o)["paid_at"] == first and status(srv, o)["status"] == "paid"
    assert srv.sql(f"SELECT COUNT(*) FROM shop_orders WHERE status = 'paid'")[0][0] == "1"


# ---- bad input ----

def test_bad_quantities_items_and_carts_are_clear_4xx(shop):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item = add_item(srv, staff, price=500)
    hidden = add_item(srv, staff, active=False)
    cart = requests.Session()
    for q in (-1, 100, 10 ** 30, "2", 1.5):
        r = put(srv, cart, item, q)
        assert r.status_code == 400, (q, r.text)
    assert put(srv, cart, 987654321, 1).status_code == 404
    r = put(srv, cart, hidden, 1)
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_such_item"
    # Nothing in the cart: no order.
    r = order(srv, cart, buyer())
    assert r.status_code == 400 and r.json()["error"]["code"] == "cart_empty"
    assert put(srv, cart, item, 2).status_code == 200
    # A required field missing: named.
    r = order(srv, cart, {k: v for k, v in buyer().items() if k != "postal_address"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "postal_address"
    # A tampered cookie: 400, the cart emptied, no crash.
    name = next(c.name for c in cart.cookies if c.name.endswith("gb_cart"))
    value = cart.cookies[name]
    text, mac = value.split(".")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    forged = raw.replace(f"{item}.2.500", f"{item}.2.1")
    forged_text = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    for bad in (forged_text + "." + mac, value[:-3] + "AAA", "garbage", "." * 50, "x" * 3000):
        evil = requests.Session()
        evil.cookies.set(name, bad)
        r = evil.get(srv.url("/api/v1/shop/cart"), timeout=10)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cart", (bad, r.text)
        assert "Max-Age=0" in r.headers.get("Set-Cookie", "")
        r = evil.post(srv.url("/api/v1/shop/orders"), json=buyer(), timeout=30)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cart"
    assert srv.sql("SELECT COUNT(*) FROM shop_orders")[0][0] == "0"
    # The price changed since the cart was filled: 409 with the new total;
    # confirmed, the order is taken at the new price.
    r = staff.put(srv.url(f"/api/v1/staff/shop/items/{item}"), json={"price": 650}, timeout=10)
    assert r.status_code == 200
    r = order(srv, cart, buyer())
    assert r.status_code == 409 and r.json()["error"]["code"] == "price_changed", r.text
    assert r.json()["total"] == 1300
    assert srv.sql("SELECT COUNT(*) FROM shop_orders")[0][0] == "0"
    r = order(srv, cart, buyer(), confirm_total=1200)
    assert r.status_code == 409
    r = order(srv, cart, buyer(), confirm_total=1300)
    assert r.status_code == 201 and r.json()["total"] == 1300, r.text


def test_cross_site_and_csrf_refused(shop):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item = add_item(srv, staff)
    cart = requests.Session()
    put(srv, cart, item, 1)
    other = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    r = cart.post(srv.url("/api/v1/shop/orders"), json=buyer(), headers=other, timeout=30)
    assert r.status_code == 403, r.text
    r = cart.post(srv.url("/api/v1/shop/cart"), json={"item": item, "quantity": 3},
                  headers=other, timeout=10)
    assert r.status_code == 403
    # The forms need the page's token.
    r = cart.post(srv.url("/shop/cart"), data={"item": item, "quantity": 1}, timeout=10,
                  allow_redirects=False)
    assert r.status_code in (400, 403)
    r = cart.post(srv.url("/shop/checkout"), data=buyer(), timeout=10, allow_redirects=False)
    assert r.status_code in (400, 403)
    assert srv.sql("SELECT COUNT(*) FROM shop_orders")[0][0] == "0"
    # Staff routes: the fulfilment role only.
    for role in ("support", "editor"):
        s = staff_client(srv, role)
        r = s.post(srv.url("/api/v1/staff/shop/items"), json={"name": "x", "price": 1,
                                                              "stock": 1}, timeout=10)
        assert r.status_code == 403


def test_another_buyers_order_link_refused(shop):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    _, _, mine, p = placed(srv, staff)
    _, _, theirs, q = placed(srv, staff)
    assert status(srv, mine)["reference"] == mine["reference"]
    token = mine["order_url"].rsplit("/", 1)[1]
    for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 43, theirs["reference"]):
        r = requests.get(srv.url(f"/api/v1/shop/orders/{guess}"), timeout=10)
        assert r.status_code in (400, 404), r.text
        assert not contains_any([r.content], [p["name"], q["name"]])
    # The return page names no one and shows status only.
    r = requests.get(srv.url(f"/shop/return/{theirs['reference']}"), timeout=30)
    assert r.status_code == 200 and not contains_any([r.content], [q["name"], q["email"]])


def test_page_flow_without_javascript(shop, smtp_sink):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item = add_item(srv, staff, name="Roadster keyring", price=750)
    b = requests.Session()
    listing = b.get(srv.url("/shop"), timeout=10)
    assert listing.status_code == 200 and "Roadster keyring" in listing.text
    token = form_token(srv, b, f"/shop/items/{item}")
    r = b.post(srv.url("/shop/cart"), data={"item": item, "quantity": 2, "csrf_token": token},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/shop/cart"
    page = b.get(srv.url("/shop/cart"), timeout=10)
    assert "15.00 usd" in page.text and 'name="card_number"' not in page.text
    doc = srv.get("/privacy.json").json()
    assert f'href="/privacy/v/{doc["version"]}#purpose-product_orders"' in page.text
    p = buyer()
    r = b.post(srv.url("/shop/checkout"), data=dict(p, csrf_token=token), allow_redirects=False,
               timeout=30)
    # A form leads only to this site (CSP form-action 'self'): the next page
    # links the processor's.
    assert r.status_code == 303 and r.headers["Location"].startswith("/shop/pay/"), r.text
    assert "form-action 'self'" in r.headers["Content-Security-Policy"]
    link = b.get(srv.url(r.headers["Location"]), timeout=10)
    checkout = re.search(r'id="pay-link"[^>]* href="([^"]+)"', link.text).group(1)
    assert checkout.startswith(srv.processor.base + "/pay/")
    back = pay(srv, checkout.replace("&amp;", "&"))
    done = b.get(back, timeout=30)
    assert done.status_code == 200 and 'data-status="paid"' in done.text


def test_shop_is_404_where_the_profile_has_none(make_server):
    srv = make_server(profile="mini-insiders")
    for path in ("/shop", "/shop/cart", "/api/v1/shop/items", "/api/v1/shop/cart",
                 "/shop/orders/" + "a" * 43, "/api/v1/staff/shop/orders"):
        assert srv.get(path).status_code == 404, path
    for path, body in (("/api/v1/shop/cart", {"item": 1, "quantity": 1}),
                       ("/api/v1/shop/orders", buyer()), ("/webhooks/stripe", {})):
        assert srv.post(path, json=body).status_code == 404, path
    home = srv.get("/").text
    assert 'href="/shop' not in home
    assert "product_order" not in json.dumps(srv.get("/privacy.json").json())


def test_processor_down_cancels_the_order_and_mails_nobody(shop, smtp_sink):
    srv = shop()
    staff = staff_client(srv, "fulfilment")
    item = add_item(srv, staff, stock=4)
    cart = requests.Session()
    put(srv, cart, item, 2)
    srv.processor.stop()
    p = buyer()
    r = order(srv, cart, p)
    assert r.status_code == 502 and r.json()["error"]["code"] == "processor_unavailable", r.text
    # Nothing lost: the stock back, the order cancelled, the cart kept for a retry.
    assert stock_of(srv, item) == "4"
    assert srv.sql("SELECT status FROM shop_orders") == [["cancelled"]]
    assert cart.get(srv.url("/api/v1/shop/cart"), timeout=10).json()["cart"]["lines"]
    time.sleep(1.5)
    smtp_sink.wait(len(smtp_sink.messages))
    assert not [m for m in smtp_sink.messages if p["email"] in m[1]]
