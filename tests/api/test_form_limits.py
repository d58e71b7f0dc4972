"""Issue 11, finding 7: forms that send mail or store text were unthrottled:
contact, sign-up and e-mail change took 200 requests in 0.2 s, each queueing
mail to any address. Every route that sends mail or stores text now names a
limit per client address in the route table (`glovebox routes`), set by a
directive whose default no person meets; past it the gate answers 429 with
Retry-After (JSON), or the form again with the message (pages), and the
handler does nothing."""
import http.client
import json
import re
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import BIN, FORM_LIMITS, child_env, staff_client
from test_members import PASSWORD, join, person, signup
from test_shop import API_SECRET, Processor

BURST = 200
# The documented defaults (docs/operations.md), per client address and hour.
DEFAULTS = {"contact": 20, "signup": 20, "email-change": 10, "account-changes": 60,
            "staff-sends": 600, "requests": 30, "shop-orders": 60, "stories": 60,
            "story-reports": 10, "photos": 120}
# ...and per client address and day (issue 14: e-postcards).
DAILY = {"postcards": ("--postcards-per-client-day", 200)}
# The routes of the "photos" limit, tried in test_photos.py.
PHOTO_UPLOADS = {"POST /api/v1/me/photos", "POST /me/photos"}
HOUR = 3600
DAY = 86400


def routes():
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, timeout=30,
                         env=child_env())
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def count(server, sql):
    return int(server.sql(sql)[0][0])


def throttled(r, window=HOUR):
    """A 429 of the table with a Retry-After no longer than the window."""
    wait = int(r.headers.get("Retry-After", "0"))
    return r.status_code == 429 and 0 < wait <= window


def member(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200, r.text
    s.csrf = r.json()["csrf_token"]
    s.headers["X-CSRF-Token"] = s.csrf
    s.person = p
    s.member_id = r.json()["id"]
    return s


def contact_body(i):
    return {"email": f"anyone-{i}@example.net", "topic": f"Flood {i}",
            "message": f"Message number {i}."}


def test_every_route_that_sends_mail_or_stores_text_names_a_limit():
    declared = {f"{m} {r['pattern']}": r.get("limit") for r in routes() for m in r["methods"]}
    mail_or_text = {
        "POST /contact": "contact", "POST /api/v1/contact": "contact",
        "POST /signup": "signup", "POST /api/v1/signup": "signup",
        "POST /me/email": "email-change", "POST /api/v1/me/email": "email-change",
        "POST /me/correct": "account-changes", "PATCH /api/v1/me": "account-changes",
        "POST /me/password": "account-changes", "POST /api/v1/me/password": "account-changes",
        "POST /me/garage": "account-changes", "POST /api/v1/me/vehicles": "account-changes",
        "POST /me/dealer": "account-changes",
        "POST /api/v1/me/dealer-requests": "account-changes",
        "POST /staff/messages/:id/answer": "staff-sends",
        "POST /api/v1/staff/messages/:id/answer": "staff-sends",
        "POST /staff/campaigns": "staff-sends", "POST /api/v1/staff/campaigns": "staff-sends",
        "POST /postcards": "postcards", "POST /api/v1/postcards": "postcards",
        "POST /requests/:id": "requests", "POST /api/v1/requests": "requests",
        "POST /staff/requests/:id/decide": "staff-sends",
        "POST /api/v1/staff/requests/:id": "staff-sends",
        "POST /shop/checkout": "shop-orders", "POST /api/v1/shop/orders": "shop-orders",
        # members' content (issue 16): a display name, stories, reports
        "POST /me/display-name": "account-changes", "PUT /api/v1/me/display-name": "account-changes",
        "POST /stories": "stories", "POST /api/v1/stories": "stories",
        "POST /stories/:id": "stories", "PUT /api/v1/stories/:id": "stories",
        "POST /stories/:id/report": "story-reports",
        "POST /api/v1/stories/:id/report": "story-reports",
        "POST /me/photos": "photos", "POST /api/v1/me/photos": "photos",
    }
    for key, limit in mail_or_text.items():
        assert declared[key] == limit, key
    assert {v for v in declared.values() if v} == set(DEFAULTS) | set(DAILY)
    # Each limit is a setting (flag, INI key, environment) with its default.
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30,
                         env=child_env()).stdout
    for name, default in DEFAULTS.items():
        flag = f"--{name}-per-hour"
        assert flag in FORM_LIMITS
        env = "GLOVEBOX_" + flag[2:].upper().replace("-", "_")
        assert re.search(re.escape(flag) + r"=V.*\n\s+\[" + env + f", default {default}\\]",
                         out), flag
    for flag, default in DAILY.values():
        assert flag in FORM_LIMITS
        env = "GLOVEBOX_" + flag[2:].upper().replace("-", "_")
        assert re.search(re.escape(flag) + r"=V.*\n\s+\[" + env + f", default {default}\\]",
                         out), flag


def test_contact_flood_is_throttled_by_default(make_server):
    srv = make_server(limits="default")
    before = count(srv, "SELECT COUNT(*) FROM contact_messages")
    post = lambda i: requests.post(srv.url("/api/v1/contact"), json=contact_body(i), timeout=30)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(BURST)))
    codes = [r.status_code for r in answers]
    assert set(codes) <= {201, 429}, codes
    assert codes.count(201) == DEFAULTS["contact"]
    refused = [r for r in answers if r.status_code == 429]
    assert all(throttled(r) for r in refused)
    assert refused[0].json()["error"]["code"] == "too_many_requests"
    assert count(srv, "SELECT COUNT(*) FROM contact_messages") == before + DEFAULTS["contact"]
    # The page's form counts with the API: shown again with the message.
    r = requests.post(srv.url("/contact"), data=contact_body("page"), timeout=30)
    assert throttled(r) and r.headers["Content-Type"].startswith("text/html")
    assert 'id="form-error"' in r.text and "Too many requests" in r.text
    assert 'value="anyone-page@example.net"' in r.text
    assert count(srv, "SELECT COUNT(*) FROM contact_messages") == before + DEFAULTS["contact"]


def test_signup_flood_is_throttled_by_default(make_server):
    srv = make_server(limits="default")
    queued = lambda: count(srv, "SELECT COUNT(*) FROM outbox")
    members, mail = count(srv, "SELECT COUNT(*) FROM members"), queued()
    codes = []
    for _ in range(BURST):
        r = signup(srv, person())
        codes.append(r.status_code)
        if r.status_code == 429:
            assert throttled(r)
    assert set(codes) <= {202, 429}, codes        # 202: check your mail (issue 11)
    assert codes.count(202) == DEFAULTS["signup"]
    assert count(srv, "SELECT COUNT(*) FROM members") == members + DEFAULTS["signup"]
    assert queued() == mail + DEFAULTS["signup"]      # one confirmation each
    # The form is shown again with the message, and nothing is stored.
    browser = requests.Session()
    page = browser.get(srv.url("/signup"), timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    p = person()
    r = browser.post(srv.url("/signup"), timeout=30, allow_redirects=False,
                     data={"name": p["name"], "email": p["email"], "password": PASSWORD,
                           "birth_day": "1", "birth_month": "2", "birth_year": "1980",
                           "csrf_token": token})
    assert throttled(r) and 'id="form-error"' in r.text and p["email"] in r.text
    assert PASSWORD not in r.text
    assert count(srv, "SELECT COUNT(*) FROM members") == members + DEFAULTS["signup"]
    assert queued() == mail + DEFAULTS["signup"]


def test_email_change_flood_is_throttled_by_default(make_server):
    srv = make_server(limits="default")
    m = member(srv)
    mail = count(srv, "SELECT COUNT(*) FROM outbox")
    codes = []
    for i in range(BURST):
        r = m.post(srv.url("/api/v1/me/email"), json={"email": f"victim-{i}@example.net"},
                   timeout=30)
        codes.append(r.status_code)
        if r.status_code == 429:
            assert throttled(r) and r.json()["error"]["code"] == "too_many_requests"
    assert set(codes) <= {202, 429}, codes
    assert codes.count(202) == DEFAULTS["email-change"]
    assert count(srv, "SELECT COUNT(*) FROM outbox") == mail + DEFAULTS["email-change"]
    r = m.post(srv.url("/me/email"), data={"email": "one-more@example.net"},
               allow_redirects=False, timeout=30)
    assert throttled(r) and 'id="error-summary"' in r.text and "Too many requests" in r.text
    assert count(srv, "SELECT COUNT(*) FROM outbox") == mail + DEFAULTS["email-change"]


def from_address(srv, source, method, path, body):
    """A request from another loopback address (127.0.0.0/8 is all ours)."""
    port = int(srv.base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request(method, path, body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


def test_limits_are_per_client_address_and_settable(make_server):
    srv = make_server(extra=["--contact-per-hour", "2"])
    codes = [requests.post(srv.url("/api/v1/contact"), json=contact_body(i),
                           timeout=30).status_code for i in range(4)]
    assert codes == [201, 201, 429, 429]
    # Someone else, at another address, is not held back.
    assert from_address(srv, "127.0.0.2", "POST", "/api/v1/contact", contact_body(9)) == 201
    # 0 lifts a limit.
    off = make_server(extra=["--contact-per-hour", "0"], limits="default")
    codes = {requests.post(off.url("/api/v1/contact"), json=contact_body(i),
                           timeout=30).status_code for i in range(DEFAULTS["contact"] + 5)}
    assert codes == {201}


def limited_calls(srv):
    """For each limit, calls of each route that counts against it, as
    (route key, a function making the call)."""
    m = member(srv)
    support = staff_client(srv, "support")
    editor = staff_client(srv, "editor")
    msg = requests.post(srv.url("/api/v1/contact"), json=contact_body("desk"), timeout=30)
    assert msg.status_code == 201
    mid = msg.json()["id"]
    # Something to request (issue 14), published by the fulfilment role.
    fulfilment = staff_client(srv, "fulfilment")
    item = fulfilment.post(srv.url("/api/v1/staff/request-items"), timeout=30,
                           json={"kind": "information_request", "title": "Brochure"})
    assert item.status_code == 201, item.text
    item = item.json()["item"]["id"]
    # Something to order (issue 14): an item in a cart (test_shop.Processor
    # takes the payment).
    ware = fulfilment.post(srv.url("/api/v1/staff/shop/items"), timeout=30,
                           json={"name": "Cap", "price": 100, "stock": 100})
    assert ware.status_code == 201, ware.text
    ware = ware.json()["item"]["id"]
    vin = "WMWRE33536TJ12345"
    tag = uuid.uuid4().hex[:6]
    return {
        "contact": [
            ("POST /api/v1/contact",
             lambda: requests.post(srv.url("/api/v1/contact"), json=contact_body(1), timeout=30)),
            ("POST /contact",
             lambda: requests.post(srv.url("/contact"), data=contact_body(2), timeout=30)),
        ],
        "signup": [
            ("POST /api/v1/signup", lambda: signup(srv, person())),
            ("POST /signup", lambda: signup_form(srv)),
        ],
        "email-change": [
            ("POST /api/v1/me/email",
             lambda: m.post(srv.url("/api/v1/me/email"), json={"email": f"a-{tag}@example.net"},
                            timeout=30)),
            ("POST /me/email",
             lambda: m.post(srv.url("/me/email"), data={"email": f"b-{tag}@example.net"},
                            allow_redirects=False, timeout=30)),
        ],
        "account-changes": [
            ("PATCH /api/v1/me",
             lambda: m.patch(srv.url("/api/v1/me"), json={"name": "New Name"}, timeout=30)),
            ("POST /me/correct",
             lambda: m.post(srv.url("/me/correct"), data={"name": "Newer Name"},
                            allow_redirects=False, timeout=30)),
            ("POST /api/v1/me/password",
             lambda: m.post(srv.url("/api/v1/me/password"),
                            json={"password": "green mini on a long road"}, timeout=30)),
            ("POST /me/password",
             lambda: m.post(srv.url("/me/password"), data={"password": "red mini at the coast"},
                            allow_redirects=False, timeout=30)),
            ("POST /api/v1/me/vehicles",
             lambda: m.post(srv.url("/api/v1/me/vehicles"), json={"vin": vin}, timeout=30)),
            ("POST /me/garage",
             lambda: m.post(srv.url("/me/garage"), data={"vin": vin}, allow_redirects=False,
                            timeout=30)),
            # Asking a dealer hands the member's details over (issue 13); this
            # profile has no dealers, but the limit is counted first.
            ("POST /api/v1/me/dealer-requests",
             lambda: m.post(srv.url("/api/v1/me/dealer-requests"), json={"dealer": "north"},
                            timeout=30)),
            ("POST /me/dealer",
             lambda: m.post(srv.url("/me/dealer"), data={"dealer": "north"},
                            allow_redirects=False, timeout=30)),
            ("PUT /api/v1/me/display-name",
             lambda: m.put(srv.url("/api/v1/me/display-name"), json={"display_name": "Flood"},
                           timeout=30)),
            ("POST /me/display-name",
             lambda: m.post(srv.url("/me/display-name"), data={"display_name": "Flood"},
                            allow_redirects=False, timeout=30)),
        ],
        "staff-sends": [
            ("POST /api/v1/staff/messages/:id/answer",
             lambda: support.post(srv.url(f"/api/v1/staff/messages/{mid}/answer"),
                                  json={"answer": "Thank you."}, timeout=30)),
            ("POST /staff/messages/:id/answer",
             lambda: support.post(srv.url(f"/staff/messages/{mid}/answer"),
                                  data={"answer": "Thanks again."}, allow_redirects=False,
                                  timeout=30)),
            ("POST /api/v1/staff/campaigns",
             lambda: editor.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                                 json={"purpose": "member_news", "subject": "S", "body": "B"})),
            ("POST /staff/campaigns",
             lambda: editor.post(srv.url("/staff/campaigns"), allow_redirects=False, timeout=30,
                                 data={"purpose": "member_news", "subject": "S", "body": "B",
                                       "action": "send"})),
            # Deciding a request mails the requester (issue 14); counted first.
            ("POST /api/v1/staff/requests/:id",
             lambda: fulfilment.post(srv.url("/api/v1/staff/requests/1"), timeout=30,
                                     json={"outcome": "refused"})),
            ("POST /staff/requests/:id/decide",
             lambda: fulfilment.post(srv.url("/staff/requests/1/decide"), timeout=30,
                                     data={"outcome": "refused"}, allow_redirects=False)),
        ],
        "requests": [
            ("POST /api/v1/requests",
             lambda: requests.post(srv.url("/api/v1/requests"), timeout=30,
                                   json={"item": item, "name": "Flood",
                                         "email": "flood@example.net", "order_details": "One"})),
            ("POST /requests/:id", lambda: request_form(srv, item)),
        ],
        "shop-orders": [
            ("POST /api/v1/shop/orders", lambda: shop_order(srv, ware)),
            ("POST /shop/checkout", lambda: shop_form(srv, ware)),
        ],
        "postcards": [
            ("POST /api/v1/postcards",
             lambda: requests.post(srv.url("/api/v1/postcards"), json=postcard(1), timeout=30)),
            ("POST /postcards", lambda: postcard_form(srv)),
        ],
    }


def story_calls(srv):
    """The stories limits (issue 16), under the profile that has stories:
    one published story (approved by a moderator) to report and edit, which
    spends one hit of the stories limit before the calls start."""
    m = member(srv)
    r = m.post(srv.url("/api/v1/stories"), timeout=30,
               json={"title": "Seed", "submitted_content": "x", "publish": True,
                     "accept": True})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    moderator = staff_client(srv, "moderator")
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{sid}"), json={"decision": "approve"},
                       timeout=30)
    assert r.status_code == 200, r.text
    reader = member(srv)
    text = {"title": "Flood", "submitted_content": "Text"}
    return {
        "stories": [
            ("POST /api/v1/stories",
             lambda: m.post(srv.url("/api/v1/stories"), json=text, timeout=30)),
            ("POST /stories",
             lambda: m.post(srv.url("/stories"), data=text, allow_redirects=False, timeout=30)),
            ("PUT /api/v1/stories/:id",
             lambda: m.put(srv.url(f"/api/v1/stories/{sid}"), json=text, timeout=30)),
            ("POST /stories/:id",
             lambda: m.post(srv.url(f"/stories/{sid}"), data=text, allow_redirects=False,
                            timeout=30)),
        ],
        "story-reports": [
            ("POST /api/v1/stories/:id/report",
             lambda: reader.post(srv.url(f"/api/v1/stories/{sid}/report"), timeout=30)),
            ("POST /stories/:id/report",
             lambda: reader.post(srv.url(f"/stories/{sid}/report"), data={"unused": "1"},
                                 allow_redirects=False, timeout=30)),
        ],
    }


def postcard(i):
    return {"card": "roadster", "name": "Flood", "email": f"from-{i}@example.net",
            "recipient_email": f"to-{i}@example.net"}


def postcard_form(srv):
    browser = requests.Session()
    page = browser.get(srv.url("/postcards"), timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return browser.post(srv.url("/postcards"), timeout=30, allow_redirects=False,
                        data=dict(postcard(2), csrf_token=token))


BUYER = {"name": "Flood", "email": "buyer@example.net", "postal_address": "1 Flood Street"}


def shop_order(srv, item):
    cart = requests.Session()
    cart.post(srv.url("/api/v1/shop/cart"), json={"item": item, "quantity": 1}, timeout=10)
    return cart.post(srv.url("/api/v1/shop/orders"), json=BUYER, timeout=30)


def shop_form(srv, item):
    browser = requests.Session()
    page = browser.get(srv.url(f"/shop/items/{item}"), timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    browser.post(srv.url("/shop/cart"), data={"item": item, "quantity": 1, "csrf_token": token},
                 timeout=10)
    return browser.post(srv.url("/shop/checkout"), timeout=30, allow_redirects=False,
                        data=dict(BUYER, csrf_token=token))


def request_form(srv, item):
    browser = requests.Session()
    page = browser.get(srv.url(f"/requests/{item}"), timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return browser.post(srv.url(f"/requests/{item}"), timeout=30, allow_redirects=False,
                        data={"name": "Flood", "email": "form@example.net",
                              "order_details": "Two", "csrf_token": token})


def signup_form(srv):
    browser = requests.Session()
    page = browser.get(srv.url("/signup"), timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    p = person()
    return browser.post(srv.url("/signup"), timeout=30, allow_redirects=False,
                        data={"name": p["name"], "email": p["email"], "password": PASSWORD,
                              "birth_day": "1", "birth_month": "2", "birth_year": "1980",
                              "csrf_token": token})


def test_each_limit_refuses_each_of_its_routes(make_server, request):
    # One hit an hour of each limit is left when the calls start: making the
    # member (a sign-up) and the desk's message (a contact) spend one each.
    # The stories limits are tried under mini-insiders (north-american-
    # motoring has no stories), where publishing the story to report spends
    # one hit of the stories limit and the two members' sign-ups two.
    spent = {"contact": 1, "signup": 1}
    story_spent = {"stories": 1, "signup": 2}
    flags, story_flags = [], []
    for name in DEFAULTS:
        flags += [f"--{name}-per-hour", str(spent.get(name, 0) + 1)]
        story_flags += [f"--{name}-per-hour", str(story_spent.get(name, 0) + 1)]
    for flag, _ in DAILY.values():
        flags += [flag, "1"]
    # The shop's first order goes through to a processor (tests/stripe_local).
    processor = Processor("http://127.0.0.1:1/")
    request.addfinalizer(processor.stop)
    flags += ["--shop-processor-url", processor.base, "--shop-processor-secret", API_SECRET]
    srv = make_server(extra=flags)
    calls = limited_calls(srv)
    mini = make_server(profile="mini-insiders", extra=story_flags)
    calls.update(story_calls(mini))
    seen = set()
    for limit, pairs in calls.items():
        for i, (key, call) in enumerate(pairs):
            r = call()
            seen.add(key)
            if i == 0:
                assert r.status_code < 400, (limit, key, r.status_code, r.text[:300])
                continue
            # A form and its API call count together.
            window = DAY if limit in DAILY else HOUR
            assert throttled(r, window), (limit, key, r.status_code, r.text[:300])
            if key.split(" ", 1)[1].startswith("/api/"):
                assert r.json()["error"]["code"] == "too_many_requests", key
            else:
                assert "Too many requests" in r.text, key
    declared = {f"{m} {r['pattern']}" for r in routes() if r.get("limit") for m in r["methods"]}
    # Photo uploads exist only under a profile with a public_content purpose
    # (this server's has none: 404 before any limit); test_photos.py runs
    # their limit on mini-insiders (test_photo_uploads_count_against_one_limit).
    assert seen == declared - PHOTO_UPLOADS
