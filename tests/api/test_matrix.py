"""The route x actor matrix. Who may call each route is declared once, in the
route table (src/routes.c), and printed by `glovebox routes`; the classes
here come from that declaration, and every route needs a row with a
concrete path and body (a new route without one fails the first test).
Each class is then tried by every kind of caller: anonymous callers and the
wrong kind of session reach no member or staff route; no state changes
without the session's CSRF token; a route that changes personal data
refuses a password entered too long ago (NAM14); a staff route refuses a
role without its purpose (INS09); member A can neither read nor change
anything of member B's."""
import json
import subprocess

import requests

from conftest import BIN, child_env, staff_client
from test_members import join, person

PUBLIC, MEMBER, STAFF = "public", "member", "staff"
CLASS_OF_ACCESS = {"anyone": PUBLIC, "member": MEMBER, "member_recent": MEMBER, "staff": STAFF}


def declared():
    """{"METHOD pattern": route} from `glovebox routes`."""
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, timeout=30,
                         env=child_env())
    assert out.returncode == 0, out.stderr
    return {f"{m} {r['pattern']}": r for r in json.loads(out.stdout) for m in r["methods"]}


DECLARED = declared()

# "METHOD pattern": (a concrete path, a body for the call). The class is
# the route table's (CLASS_OF_ACCESS), not this file's.
CALLS = {
    "GET /": ("/", None),
    "GET /healthz": ("/healthz", None),
    "GET /metrics": ("/metrics", None),
    "GET /static/:file": ("/static/style.css", None),
    "GET /contact": ("/contact", None),
    "POST /contact": (None, None),
    "GET /contact/thanks": ("/contact/thanks", None),
    "GET /postcards": ("/postcards", None),
    "POST /postcards": (None, None),
    "GET /postcards/sent": ("/postcards/sent", None),
    "GET /postcards/view/:token": (None, None),
    "POST /postcards/view/:token/report": (None, None),
    "GET /api/v1/postcards/cards": ("/api/v1/postcards/cards", None),
    "POST /api/v1/postcards": (None, None),
    "POST /api/v1/postcards/:token/report": (None, None),
    "GET /privacy": ("/privacy", None),
    "GET /privacy.json": ("/privacy.json", None),
    "GET /privacy/v/:version": ("/privacy/v/1", None),
    "GET /privacy/choices": (None, None),
    "POST /privacy/choices": (None, None),
    "GET /signup": ("/signup", None),
    "POST /signup": (None, None),
    "GET /signin": ("/signin", None),
    "POST /signin": (None, None),
    "POST /api/v1/signup": (None, None),
    "POST /api/v1/signin": (None, None),
    "POST /api/v1/contact": (None, None),
    "GET /staff/signin": ("/staff/signin", None),
    "POST /staff/signin": (None, None),
    "GET /staff/enrol": ("/staff/enrol", None),
    "POST /staff/enrol": (None, None),
    "POST /staff/enrol/confirm": (None, None),
    "POST /api/v1/staff/enrol": (None, None),
    "POST /api/v1/staff/enrol/confirm": (None, None),
    "POST /api/v1/staff/signin": (None, None),
    "GET /confirm": (None, None),
    "GET /confirm-email": (None, None),
    "POST /confirm-email": (None, None),
    "POST /confirm": (None, None),
    "POST /api/v1/confirm": (None, None),
    "GET /forgot": ("/forgot", None),
    "POST /forgot": (None, None),
    "POST /api/v1/password-reset": (None, None),
    "GET /reset": (None, None),
    "POST /reset": (None, None),
    "POST /api/v1/password-reset/confirm": (None, None),
    "GET /unsubscribe": (None, None),
    "POST /unsubscribe": (None, None),
    # member routes
    "POST /signout": ("/signout", {"form": {"unused": "1"}}),
    "GET /me": ("/me", None),
    "POST /me/reauth": ("/me/reauth", {"form": {"password": "blue cooper rides at dawn"}}),
    "POST /api/v1/signout": ("/api/v1/signout", None),
    "GET /api/v1/me": ("/api/v1/me", None),
    "PATCH /api/v1/me": ("/api/v1/me", {"json": {"name": "Changed By Someone"}}),
    "POST /api/v1/me/reauth": ("/api/v1/me/reauth",
                               {"json": {"password": "blue cooper rides at dawn"}}),
    "DELETE /api/v1/me": ("/api/v1/me", None),
    "GET /api/v1/me/consents": ("/api/v1/me/consents", None),
    "PUT /api/v1/me/consents/:purpose": ("/api/v1/me/consents/member_news",
                                         {"json": {"on": True}}),
    "GET /api/v1/me/sessions": ("/api/v1/me/sessions", None),
    "DELETE /api/v1/me/sessions/:id": ("/api/v1/me/sessions/{session_id}", None),
    "GET /api/v1/me/export": ("/api/v1/me/export", None),
    "GET /api/v1/me/handovers": ("/api/v1/me/handovers", None),
    "GET /api/v1/me/devices": ("/api/v1/me/devices", None),
    "POST /api/v1/me/password": ("/api/v1/me/password",
                                 {"json": {"password": "green mini on a long road"}}),
    "POST /api/v1/me/email": ("/api/v1/me/email", {"json": {"email": "moved@example.org"}}),
    "DELETE /api/v1/me/devices": ("/api/v1/me/devices", None),
    "DELETE /api/v1/me/devices/:id": ("/api/v1/me/devices/" + "ab" * 12, None),
    "POST /me/password": ("/me/password", {"form": {"password": "green mini on a long road"}}),
    "POST /me/email": ("/me/email", {"form": {"email": "moved2@example.org"}}),
    "POST /me/consents": ("/me/consents", {"form": {"purpose": "member_news", "on": "1"}}),
    "POST /me/correct": ("/me/correct", {"form": {"name": "Changed By Someone"}}),
    "POST /me/sessions/end": ("/me/sessions/end", {"form": {"id": "{session_id}"}}),
    "POST /me/devices/forget": ("/me/devices/forget", {"form": {"unused": "1"}}),
    "GET /me/close": ("/me/close", None),
    "GET /me/garage": ("/me/garage", None),
    "POST /me/garage": ("/me/garage", {"form": {"vin": "WMWRE33536TJ12345"}}),
    "POST /me/garage/remove": ("/me/garage/remove", {"form": {"id": "{vehicle_id}"}}),
    "GET /api/v1/me/vehicles": ("/api/v1/me/vehicles", None),
    "POST /api/v1/me/vehicles": ("/api/v1/me/vehicles", {"json": {"vin": "WMWRE33536TJ12345"}}),
    "DELETE /api/v1/me/vehicles/:id": ("/api/v1/me/vehicles/{vehicle_id}", None),
    "GET /staff/reviews": ("/staff/reviews", None),
    "GET /api/v1/staff/campaigns": ("/api/v1/staff/campaigns", None),
    "GET /staff/campaigns": ("/staff/campaigns", None),
    "POST /staff/campaigns": ("/staff/campaigns",
                              {"form": {"purpose": "member_news", "subject": "s", "body": "b",
                                        "action": "send"}}),
    "POST /api/v1/staff/campaigns": ("/api/v1/staff/campaigns",
                                     {"json": {"purpose": "member_news", "subject": "s",
                                               "body": "b"}}),
    "GET /staff/reviews/:id": ("/staff/reviews/{vehicle_id}", None),
    "POST /staff/reviews/:id/decide": ("/staff/reviews/{vehicle_id}/decide",
                                       {"form": {"decision": "verify"}}),
    "GET /api/v1/staff/reviews": ("/api/v1/staff/reviews", None),
    "GET /api/v1/staff/reviews/:id": ("/api/v1/staff/reviews/{vehicle_id}", None),
    "POST /api/v1/staff/reviews/:id": ("/api/v1/staff/reviews/{vehicle_id}",
                                       {"json": {"decision": "verify"}}),
    "POST /me/close": ("/me/close", {"form": {"confirm": "close"}}),
    # staff routes
    "GET /staff": ("/staff", None),
    "POST /staff/signout": ("/staff/signout", {"form": {"unused": "1"}}),
    "GET /staff/members": ("/staff/members", None),
    "POST /staff/members": ("/staff/members",
                            {"form": {"email": "{email}", "purpose": "account"}}),
    "POST /api/v1/staff/signout": ("/api/v1/staff/signout", None),
    "GET /api/v1/staff/me": ("/api/v1/staff/me", None),
    "POST /api/v1/staff/members/find": ("/api/v1/staff/members/find",
                                        {"json": {"email": "{email}", "purpose": "account"}}),
    "GET /staff/messages": ("/staff/messages", None),
    "GET /staff/messages/:id": ("/staff/messages/{message_id}", None),
    "POST /staff/messages/:id/answer": ("/staff/messages/{message_id}/answer",
                                        {"form": {"answer": "Not from you."}}),
    "GET /api/v1/staff/messages": ("/api/v1/staff/messages", None),
    "GET /api/v1/staff/messages/:id": ("/api/v1/staff/messages/{message_id}", None),
    "POST /api/v1/staff/messages/:id/answer": ("/api/v1/staff/messages/{message_id}/answer",
                                               {"json": {"answer": "Not from you."}}),
    "GET /api/v1/staff/members/:id": ("/api/v1/staff/members/{member_id}?purpose=account",
                                      None),
    "GET /api/v1/staff/postcards/reports": ("/api/v1/staff/postcards/reports", None),
    "GET /staff/postcards/reports": ("/staff/postcards/reports", None),
    "GET /requests": ("/requests", None),
    "GET /requests/sent": ("/requests/sent", None),
    "GET /requests/status/:token": (None, None),
    "GET /requests/:id": (None, None),
    "POST /requests/:id": (None, None),
    "GET /api/v1/requests/items": ("/api/v1/requests/items", None),
    "POST /api/v1/requests": (None, None),
    "GET /api/v1/requests/status/:token": (None, None),
    "GET /staff/requests": ("/staff/requests", None),
    "POST /staff/requests/items": ("/staff/requests/items",
                                   {"form": {"kind": "information_request", "title": "T"}}),
    "POST /staff/requests/items/:id": ("/staff/requests/items/1", {"form": {"active": "0"}}),
    "GET /staff/requests/:id": ("/staff/requests/1", None),
    "POST /staff/requests/:id/decide": ("/staff/requests/1/decide",
                                        {"form": {"outcome": "refused"}}),
    "GET /api/v1/staff/requests": ("/api/v1/staff/requests", None),
    "GET /api/v1/staff/requests/:id": ("/api/v1/staff/requests/1", None),
    "POST /api/v1/staff/requests/:id": ("/api/v1/staff/requests/1",
                                        {"json": {"outcome": "refused"}}),
    "GET /api/v1/staff/request-items": ("/api/v1/staff/request-items", None),
    "POST /api/v1/staff/request-items": ("/api/v1/staff/request-items",
                                         {"json": {"kind": "information_request",
                                                   "title": "T"}}),
    "PUT /api/v1/staff/request-items/:id": ("/api/v1/staff/request-items/1",
                                            {"json": {"active": False}}),
    "GET /shop": ("/shop", None),
    "GET /shop/cart": ("/shop/cart", None),
    "POST /shop/cart": (None, None),
    "POST /shop/checkout": (None, None),
    "GET /shop/pay/:reference": (None, None),
    "GET /shop/return/:reference": (None, None),
    "GET /shop/orders/:token": (None, None),
    "GET /shop/items/:id": (None, None),
    "GET /api/v1/shop/items": ("/api/v1/shop/items", None),
    "GET /api/v1/shop/items/:id": (None, None),
    "GET /api/v1/shop/cart": ("/api/v1/shop/cart", None),
    "POST /api/v1/shop/cart": (None, None),
    "POST /api/v1/shop/orders": (None, None),
    "GET /api/v1/shop/orders/:token": (None, None),
    "GET /api/v1/shop/return/:reference": (None, None),
    "POST /webhooks/stripe": (None, None),
    "GET /api/v1/staff/shop/items": ("/api/v1/staff/shop/items", None),
    "POST /api/v1/staff/shop/items": ("/api/v1/staff/shop/items",
                                      {"json": {"name": "N", "price": 1, "stock": 1}}),
    "PUT /api/v1/staff/shop/items/:id": ("/api/v1/staff/shop/items/1", {"json": {"stock": 0}}),
    "GET /api/v1/staff/shop/orders": ("/api/v1/staff/shop/orders", None),
    "GET /api/v1/staff/shop/orders/:id": ("/api/v1/staff/shop/orders/1", None),
    "POST /api/v1/staff/shop/orders/:id/ship": ("/api/v1/staff/shop/orders/1/ship",
                                                {"json": {"carrier": False}}),
    "POST /api/v1/staff/shop/orders/:id/refund": ("/api/v1/staff/shop/orders/1/refund", None),
    "GET /api/v1/staff/handovers": ("/api/v1/staff/handovers", None),
    "POST /api/v1/staff/handovers/:id/retry": ("/api/v1/staff/handovers/1/retry", None),
    "POST /api/v1/staff/handovers/:id/drop": ("/api/v1/staff/handovers/1/drop", None),
    "GET /staff/handovers": ("/staff/handovers", None),
    "GET /staff/statistics": ("/staff/statistics", None),
    "GET /api/v1/staff/statistics": ("/api/v1/staff/statistics", None),
    "GET /api/v1/staff/statistics.csv": ("/api/v1/staff/statistics.csv", None),
    "POST /staff/handovers/:id/retry": ("/staff/handovers/1/retry", {"form": {"unused": "1"}}),
    "POST /staff/handovers/:id/drop": ("/staff/handovers/1/drop", {"form": {"unused": "1"}}),
    "GET /me/dealer": ("/me/dealer", None),
    "POST /me/dealer": ("/me/dealer", {"form": {"dealer": "north"}}),
    "GET /api/v1/dealers": ("/api/v1/dealers", None),
    "POST /api/v1/me/dealer-requests": ("/api/v1/me/dealer-requests",
                                        {"json": {"dealer": "north"}}),
    "GET /staff/dealers": ("/staff/dealers", None),
    "POST /staff/dealers": ("/staff/dealers",
                            {"form": {"code": "west", "name": "W", "address": "A",
                                      "policy_url": "https://w.example/"}}),
    "GET /staff/dealers/:id": ("/staff/dealers/1", None),
    "POST /staff/dealers/:id": ("/staff/dealers/1", {"form": {"active": "0"}}),
    "GET /api/v1/staff/dealers": ("/api/v1/staff/dealers", None),
    "POST /api/v1/staff/dealers": ("/api/v1/staff/dealers",
                                   {"json": {"code": "west", "name": "W", "address": "A",
                                             "policy_url": "https://w.example/"}}),
    "PUT /api/v1/staff/dealers/:id": ("/api/v1/staff/dealers/1", {"json": {"active": False}}),
    # the staff password again, and the admin console (issue 17)
    "GET /staff/reauth": ("/staff/reauth", None),
    "POST /staff/reauth": ("/staff/reauth", {"form": {"password": "not the password"}}),
    "POST /api/v1/staff/reauth": ("/api/v1/staff/reauth", {"json": {"password": "not it"}}),
    "GET /staff/admin/staff": ("/staff/admin/staff", None),
    "POST /staff/admin/staff": ("/staff/admin/staff",
                                {"form": {"email": "matrix@example.org", "role": "support"}}),
    "POST /staff/admin/staff/:id/reset": ("/staff/admin/staff/1/reset", {"form": {"unused": "1"}}),
    "POST /staff/admin/staff/:id/remove": ("/staff/admin/staff/1/remove",
                                           {"form": {"unused": "1"}}),
    "GET /staff/admin/log": ("/staff/admin/log?member={member_id}", None),
    "GET /staff/admin/consents": ("/staff/admin/consents", None),
    "GET /api/v1/staff/admin/staff": ("/api/v1/staff/admin/staff", None),
    "POST /api/v1/staff/admin/staff": ("/api/v1/staff/admin/staff",
                                       {"json": {"email": "matrix@example.org", "role": "support"}}),
    "POST /api/v1/staff/admin/staff/:id/reset": ("/api/v1/staff/admin/staff/1/reset", None),
    "DELETE /api/v1/staff/admin/staff/:id": ("/api/v1/staff/admin/staff/1", None),
    "GET /api/v1/staff/admin/log": ("/api/v1/staff/admin/log?member={member_id}", None),
    "GET /api/v1/staff/admin/consents": ("/api/v1/staff/admin/consents", None),

    # members' content (issue 16): the community garage and the display name
    # here; stories and questions exist only under a profile that declares
    # them (mini-insiders), so this server (north-american-motoring) answers
    # 404 to each of them before anything else (test_routes_of_another_
    # profile_answer_404), and tests/api/test_content.py runs them through
    # the same callers under mini-insiders.
    "GET /community": ("/community", None),
    "GET /api/v1/community/vehicles": ("/api/v1/community/vehicles", None),
    "POST /me/garage/shown": ("/me/garage/shown", {"form": {"id": "{vehicle_id}", "public": "1"}}),
    "PUT /api/v1/me/vehicles/:id/shown": ("/api/v1/me/vehicles/{vehicle_id}/shown",
                                          {"json": {"public": True}}),
    "GET /me/display-name": ("/me/display-name", None),
    "POST /me/display-name": ("/me/display-name", {"form": {"display_name": "Someone Else"}}),
    "GET /api/v1/me/display-name": ("/api/v1/me/display-name", None),
    "PUT /api/v1/me/display-name": ("/api/v1/me/display-name",
                                    {"json": {"display_name": "Someone Else"}}),
    # Members' photos exist only under a profile with a public_content purpose:
    # under this module's (north-american-motoring) they answer 404 to every
    # caller, so the classes below are tried on mini-insiders by
    # tests/api/test_photos.py (test_photo_routes_matrix), with these rows.
    "POST /api/v1/me/photos": ("/api/v1/me/photos", {"data": b"\xff\xd8\xff"}),
    "GET /api/v1/me/photos": ("/api/v1/me/photos", None),
    "DELETE /api/v1/me/photos/:id": ("/api/v1/me/photos/" + "A" * 43, None),
    "GET /photos/:id": ("/photos/" + "A" * 43, None),
    "GET /me/photos": ("/me/photos", None),
    "POST /me/photos": ("/me/photos", {"files": {"submitted_content": ("x.jpg", b"\xff\xd8\xff")}}),
}

# Routes only another profile offers (stories and questions): each answers
# 404 here, and test_content.py puts them through the matrix's callers
# under the profile that offers them.
STORY_CALLS = {
    "GET /stories": ("/stories", None),
    "POST /stories": ("/stories", {"form": {"title": "T", "submitted_content": "B"}}),
    "GET /stories/:id": ("/stories/{story_id}", None),
    "POST /stories/:id": ("/stories/{story_id}", {"form": {"title": "Changed", "submitted_content": "B"}}),
    "POST /stories/:id/delete": ("/stories/{story_id}/delete", {"form": {"unused": "1"}}),
    "POST /stories/:id/report": ("/stories/{story_id}/report", {"form": {"unused": "1"}}),
    "POST /me/stories/on-close": ("/me/stories/on-close", {"form": {"submissions": "keep"}}),
    "GET /api/v1/me/stories/on-close": ("/api/v1/me/stories/on-close", None),
    "PUT /api/v1/me/stories/on-close": ("/api/v1/me/stories/on-close",
                                        {"json": {"submissions": "keep"}}),
    "GET /api/v1/stories/notice": ("/api/v1/stories/notice", None),
    "GET /api/v1/stories": ("/api/v1/stories", None),
    "POST /api/v1/stories": ("/api/v1/stories", {"json": {"title": "T", "submitted_content": "B"}}),
    "GET /api/v1/me/stories": ("/api/v1/me/stories", None),
    "GET /api/v1/stories/:id": ("/api/v1/stories/{story_id}", None),
    "PUT /api/v1/stories/:id": ("/api/v1/stories/{story_id}",
                                {"json": {"title": "Changed", "submitted_content": "B"}}),
    "DELETE /api/v1/stories/:id": ("/api/v1/stories/{story_id}", None),
    "POST /api/v1/stories/:id/report": ("/api/v1/stories/{story_id}/report", None),
    "GET /staff/stories": ("/staff/stories", None),
    "GET /staff/stories/:id": ("/staff/stories/{story_id}", None),
    "POST /staff/stories/:id/decide": ("/staff/stories/{story_id}/decide",
                                       {"form": {"decision": "approve"}}),
    "GET /api/v1/staff/stories": ("/api/v1/staff/stories", None),
    "GET /api/v1/staff/stories/:id": ("/api/v1/staff/stories/{story_id}", None),
    "POST /api/v1/staff/stories/:id": ("/api/v1/staff/stories/{story_id}",
                                       {"json": {"decision": "approve"}}),
}
# The rows whose routes the profile decides exist (see above).
PROFILE_GATED = {"POST /api/v1/me/photos", "GET /api/v1/me/photos",
                 "DELETE /api/v1/me/photos/:id", "GET /photos/:id", "GET /me/photos",
                 "POST /me/photos"}

# The matrix: each route's class from the declaration, with its call.
ROUTES = {key: (CLASS_OF_ACCESS[DECLARED[key]["access"]], *CALLS[key])
          for key in DECLARED if key in CALLS and key not in PROFILE_GATED}


def test_every_route_is_in_the_matrix():
    assert len(DECLARED) > 30
    missing = sorted(set(DECLARED) - set(CALLS) - set(STORY_CALLS))
    assert not missing, "routes without a row in the matrix: " + ", ".join(missing)
    gone = sorted((set(CALLS) | set(STORY_CALLS)) - set(DECLARED))
    assert not gone, "matrix rows for routes that no longer exist: " + ", ".join(gone)
    # Every route that changes a member's personal data needs a recent
    # password (NAM14), and every staff route names its purpose or says any
    # role will do.
    for key in ("PATCH /api/v1/me", "DELETE /api/v1/me", "POST /api/v1/me/vehicles",
                "DELETE /api/v1/me/vehicles/:id", "POST /me/garage", "POST /me/garage/remove",
                "POST /me/correct", "POST /api/v1/me/email", "POST /api/v1/me/password"):
        assert DECLARED[key]["access"] == "member_recent", key
    for key, r in DECLARED.items():
        if r["access"] == "staff":
            assert r["purpose_from"] in ("any_role", "of_collection", "of_kind", "in_param"), key


def member(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200, r.text
    s.csrf = r.json()["csrf_token"]
    s.member_id = r.json()["id"]
    s.person = p
    sessions = s.get(server.url("/api/v1/me/sessions"), timeout=10).json()["sessions"]
    s.session_id = sessions[0]["id"]
    # A car whose claim waits for review: a row every garage route can name.
    r = s.post(server.url("/api/v1/me/vehicles"), headers={"X-CSRF-Token": s.csrf}, timeout=10,
               json={"vin": "WMWRE33536TJ12345"})
    assert r.status_code == 201, r.text
    s.vehicle_id = r.json()["id"]
    return s


def contact_message(server):
    r = server.post("/api/v1/contact", json={"email": "w@example.org", "topic": "t",
                                             "message": "m"})
    assert r.status_code == 201
    return r.json()["id"]


def call(session, server, key, fmt, csrf=None):
    method = key.split(" ", 1)[0]
    _, path, body = ROUTES[key]
    kw = dict(body or {})
    headers = {}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    if "form" in kw and csrf:
        kw["form"] = dict(kw["form"], csrf_token=csrf)
    if "form" in kw:
        kw["data"] = {k: v.format(**fmt) for k, v in kw.pop("form").items()}
    if "json" in kw:
        kw["json"] = {k: v.format(**fmt) if isinstance(v, str) else v
                      for k, v in kw["json"].items()}
    return session.request(method, server.url(path.format(**fmt)), headers=headers,
                           allow_redirects=False, timeout=30, **kw)


def refused(r, kind):
    """An answer that reached nothing: 401/403, or a page's redirect to sign-in."""
    if r.status_code in (401, 403):
        return True
    signin = "/staff/signin" if kind == STAFF else "/signin"
    return r.status_code == 303 and r.headers.get("Location", "").endswith(("/me", signin))


def still_intact(server, m):
    """Member m is still signed in, with their own name, and their choice unchanged."""
    me = m.get(server.url("/api/v1/me"), timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["data"]["name"] == m.person["name"]
    consents = m.get(server.url("/api/v1/me/consents"), timeout=10).json()["consents"]
    news = [c for c in consents if c["purpose"] == "member_news"]
    assert news and news[0]["on"] is False
    cars = m.get(server.url("/api/v1/me/vehicles"), timeout=10).json()["vehicles"]
    assert [c["id"] for c in cars] == [m.vehicle_id]


def test_anonymous_and_wrong_kind_of_session_reach_nothing(server):
    victim = member(server)
    fmt = {"session_id": victim.session_id, "member_id": victim.member_id,
           "email": victim.person["email"], "message_id": contact_message(server),
           "vehicle_id": victim.vehicle_id}
    staff = staff_client(server, "admin")
    other_member = member(server)
    for key, (kind, path, _) in ROUTES.items():
        if kind == PUBLIC:
            continue
        callers = {"anonymous": requests.Session()}
        if kind == MEMBER:
            callers["staff session"] = staff
        else:
            callers["member session"] = other_member
        for who, s in callers.items():
            r = call(s, server, key, fmt, csrf=getattr(s, "csrf", None))
            assert refused(r, kind), f"{who} reached {key}: {r.status_code} {r.text[:200]}"
            assert victim.person["email"] not in r.text and victim.person["name"] not in r.text
    still_intact(server, victim)


def test_no_state_change_without_the_csrf_token(server):
    m = member(server)
    fmt = {"session_id": m.session_id, "member_id": m.member_id, "email": m.person["email"],
           "message_id": contact_message(server), "vehicle_id": m.vehicle_id}
    for key, (kind, _, _) in ROUTES.items():
        method = key.split(" ", 1)[0]
        if kind != MEMBER or method == "GET":
            continue
        r = call(m, server, key, fmt, csrf=None)
        assert r.status_code == 403 or (r.status_code == 303 and key == "POST /me/reauth"), \
            f"{key} without CSRF: {r.status_code} {r.text[:200]}"
    still_intact(server, m)
    staff = staff_client(server, "admin")
    token = staff.headers.pop("X-CSRF-Token")
    for key, (kind, _, _) in ROUTES.items():
        if kind == STAFF and key.split(" ", 1)[0] != "GET":
            r = call(staff, server, key, fmt, csrf=None)
            assert r.status_code == 403, f"{key} without CSRF: {r.status_code}"
    assert staff.get(server.url("/api/v1/staff/me"), headers={"X-CSRF-Token": token},
                     timeout=10).status_code == 200


def test_member_a_cannot_read_or_change_member_b(server):
    a, b = member(server), member(server)
    fmt = {"session_id": b.session_id, "member_id": b.member_id, "email": b.person["email"],
           "message_id": contact_message(server), "vehicle_id": b.vehicle_id}
    for key, (kind, _, _) in ROUTES.items():
        if kind != MEMBER or key in ("DELETE /api/v1/me", "POST /signout", "POST /api/v1/signout",
                                     "POST /me/close"):
            continue
        r = call(a, server, key, fmt, csrf=a.csrf)
        assert b.person["email"] not in r.text and b.person["name"] not in r.text, key
        assert str(b.member_id) not in r.text, key
        if key == "DELETE /api/v1/me/sessions/:id":
            assert r.status_code == 404          # B's session is not one of A's
    still_intact(server, b)
    # A's own changes stayed A's.
    me = a.get(server.url("/api/v1/me"), timeout=10).json()
    assert me["id"] == a.member_id and me["data"]["name"] == "Changed By Someone"
    # Closing A's account leaves B whole.
    assert a.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": a.csrf},
                    timeout=10).status_code == 200
    still_intact(server, b)


def test_nam14_every_route_that_changes_personal_data_needs_a_recent_password(server):
    m = member(server)
    fmt = {"session_id": m.session_id, "member_id": m.member_id, "email": m.person["email"],
           "message_id": contact_message(server), "vehicle_id": m.vehicle_id}
    # The password was entered two hours ago: past any profile's window.
    server.sql(f"UPDATE sessions SET auth_at = auth_at - 7200 WHERE member_id = {m.member_id}")
    recent = [key for key, r in DECLARED.items() if r["access"] == "member_recent"]
    assert len(recent) >= 10
    for key in recent:
        r = call(m, server, key, fmt, csrf=m.csrf)
        if DECLARED[key]["api"]:
            assert r.status_code == 403 and r.json()["error"]["code"] == "reauth_required", \
                f"{key}: {r.status_code} {r.text[:200]}"
        else:
            assert r.status_code == 303 and r.headers["Location"].endswith("/me"), \
                f"{key}: {r.status_code}"
    server.sql(f"UPDATE sessions SET auth_at = auth_at + 7200 WHERE member_id = {m.member_id}")
    still_intact(server, m)
    me = m.get(server.url("/api/v1/me/export"), timeout=10).json()
    assert any(i["record"] == "vehicles" for i in me["items"]), "the car is still there"
    assert me["id"] == m.member_id


def test_staff_routes_flagged_recent_refuse_a_stale_password(server):
    """The admin console's changes need the password entered within the
    profile's window (the gate's recent level, for staff: ROUTE_RECENT);
    a page sends the admin to /staff/reauth."""
    m = member(server)
    fmt = {"session_id": m.session_id, "member_id": m.member_id, "email": m.person["email"],
           "message_id": contact_message(server), "vehicle_id": m.vehicle_id}
    admin = staff_client(server, "admin")
    server.sql(f"UPDATE staff_sessions SET auth_at = auth_at - 7200 "
               f"WHERE staff_id = {admin.staff_id}")
    recent = [key for key, r in DECLARED.items() if r.get("recent")]
    assert {"POST /staff/admin/staff", "POST /staff/admin/staff/:id/reset",
            "POST /staff/admin/staff/:id/remove", "POST /api/v1/staff/admin/staff",
            "POST /api/v1/staff/admin/staff/:id/reset",
            "DELETE /api/v1/staff/admin/staff/:id"} <= set(recent)
    before = server.sql("SELECT COUNT(*) FROM staff")
    for key in recent:
        assert DECLARED[key]["access"] == "staff", key
        r = call(admin, server, key, fmt, csrf=admin.csrf)
        if DECLARED[key]["api"]:
            assert r.status_code == 403 and r.json()["error"]["code"] == "reauth_required", \
                f"{key}: {r.status_code} {r.text[:200]}"
        else:
            assert r.status_code == 303 and r.headers["Location"].endswith("/staff/reauth"), \
                f"{key}: {r.status_code}"
    assert server.sql("SELECT COUNT(*) FROM staff") == before
    # Reading stays open to the admin.
    assert call(admin, server, "GET /api/v1/staff/admin/staff", fmt).status_code == 200


def test_ins09_staff_routes_refuse_a_role_without_their_purpose(server):
    m = member(server)
    fmt = {"session_id": m.session_id, "member_id": m.member_id, "email": m.person["email"],
           "message_id": contact_message(server), "vehicle_id": m.vehicle_id}
    # support has the desk's purpose only; verifier has the garage's only.
    support, verifier = staff_client(server, "support"), staff_client(server, "verifier")
    checked = 0
    for key, r in DECLARED.items():
        if r["access"] != "staff" or r["purpose_from"] == "any_role" or key in STORY_CALLS:
            continue
        who = verifier if r.get("purpose") == "contact" else support
        body = (ROUTES[key][2] or {})
        if r["purpose_from"] == "in_param":
            # The purpose the call names (in its body or query) is one the
            # role does not have.
            assert "purpose" in json.dumps(body) + ROUTES[key][1], key
        resp = call(who, server, key, fmt, csrf=who.csrf)
        assert resp.status_code == 403, f"{key} as the wrong role: {resp.status_code}"
        assert m.person["email"] not in resp.text
        checked += 1
    assert checked >= 10
    still_intact(server, m)


def test_routes_of_another_profile_answer_404(server):
    """Stories and questions under a profile without them: 404 to a member,
    to staff and to anyone, before any other check (issue 16)."""
    m = member(server)
    staff = staff_client(server, "admin")
    fmt = {"story_id": "1"}
    for key in STORY_CALLS:
        for s, csrf in ((requests.Session(), None), (m, m.csrf), (staff, staff.csrf)):
            method = key.split(" ", 1)[0]
            path, body = STORY_CALLS[key]
            kw = dict(body or {})
            if "form" in kw:
                kw["data"] = dict(kw.pop("form"), csrf_token=csrf or "")
            r = s.request(method, server.url(path.format(**fmt)), allow_redirects=False,
                          headers={"X-CSRF-Token": csrf} if csrf else {}, timeout=30, **kw)
            assert r.status_code == 404, f"{key}: {r.status_code}"
