"""The route x actor matrix: every route in src/routes.c is classified here
(a new route without a class fails the first test), then each class is
tried by every kind of caller. Anonymous callers and the wrong kind of
session reach no member or staff route; no state changes without the
session's CSRF token; member A can neither read nor change anything of
member B's."""
import os
import re

import requests

from conftest import ROOT, staff_client
from test_members import person, signup

PUBLIC, MEMBER, STAFF = "public", "member", "staff"

# "METHOD pattern": (class, a concrete path, a body for the call)
ROUTES = {
    "GET /": (PUBLIC, "/", None),
    "GET /healthz": (PUBLIC, "/healthz", None),
    "GET /metrics": (PUBLIC, "/metrics", None),
    "GET /static/:file": (PUBLIC, "/static/style.css", None),
    "GET /contact": (PUBLIC, "/contact", None),
    "POST /contact": (PUBLIC, None, None),
    "GET /contact/thanks": (PUBLIC, "/contact/thanks", None),
    "GET /privacy": (PUBLIC, "/privacy", None),
    "GET /privacy.json": (PUBLIC, "/privacy.json", None),
    "GET /privacy/v/:version": (PUBLIC, "/privacy/v/1", None),
    "GET /signup": (PUBLIC, "/signup", None),
    "POST /signup": (PUBLIC, None, None),
    "GET /signin": (PUBLIC, "/signin", None),
    "POST /signin": (PUBLIC, None, None),
    "POST /api/v1/signup": (PUBLIC, None, None),
    "POST /api/v1/signin": (PUBLIC, None, None),
    "POST /api/v1/contact": (PUBLIC, None, None),
    "GET /staff/signin": (PUBLIC, "/staff/signin", None),
    "POST /staff/signin": (PUBLIC, None, None),
    "GET /staff/enrol": (PUBLIC, "/staff/enrol", None),
    "POST /staff/enrol": (PUBLIC, None, None),
    "POST /staff/enrol/confirm": (PUBLIC, None, None),
    "POST /api/v1/staff/enrol": (PUBLIC, None, None),
    "POST /api/v1/staff/enrol/confirm": (PUBLIC, None, None),
    "POST /api/v1/staff/signin": (PUBLIC, None, None),
    "GET /confirm": (PUBLIC, None, None),
    "GET /confirm-email": (PUBLIC, None, None),
    "POST /confirm-email": (PUBLIC, None, None),
    "POST /confirm": (PUBLIC, None, None),
    "POST /api/v1/confirm": (PUBLIC, None, None),
    "GET /unsubscribe": (PUBLIC, None, None),
    "POST /unsubscribe": (PUBLIC, None, None),
    # member routes
    "POST /signout": (MEMBER, "/signout", {"form": {"unused": "1"}}),
    "GET /me": (MEMBER, "/me", None),
    "POST /me/reauth": (MEMBER, "/me/reauth", {"form": {"password": "blue cooper rides at dawn"}}),
    "POST /api/v1/signout": (MEMBER, "/api/v1/signout", None),
    "GET /api/v1/me": (MEMBER, "/api/v1/me", None),
    "PATCH /api/v1/me": (MEMBER, "/api/v1/me", {"json": {"name": "Changed By Someone"}}),
    "POST /api/v1/me/reauth": (MEMBER, "/api/v1/me/reauth",
                               {"json": {"password": "blue cooper rides at dawn"}}),
    "DELETE /api/v1/me": (MEMBER, "/api/v1/me", None),
    "GET /api/v1/me/consents": (MEMBER, "/api/v1/me/consents", None),
    "PUT /api/v1/me/consents/:purpose": (MEMBER, "/api/v1/me/consents/member_news",
                                         {"json": {"on": True}}),
    "GET /api/v1/me/sessions": (MEMBER, "/api/v1/me/sessions", None),
    "DELETE /api/v1/me/sessions/:id": (MEMBER, "/api/v1/me/sessions/{session_id}", None),
    "GET /api/v1/me/export": (MEMBER, "/api/v1/me/export", None),
    "GET /api/v1/me/devices": (MEMBER, "/api/v1/me/devices", None),
    "POST /api/v1/me/password": (MEMBER, "/api/v1/me/password",
                                 {"json": {"password": "green mini on a long road"}}),
    "POST /api/v1/me/email": (MEMBER, "/api/v1/me/email", {"json": {"email": "moved@example.org"}}),
    "DELETE /api/v1/me/devices": (MEMBER, "/api/v1/me/devices", None),
    "DELETE /api/v1/me/devices/:id": (MEMBER, "/api/v1/me/devices/" + "ab" * 12, None),
    "POST /me/password": (MEMBER, "/me/password", {"form": {"password": "green mini on a long road"}}),
    "POST /me/email": (MEMBER, "/me/email", {"form": {"email": "moved2@example.org"}}),
    "POST /me/consents": (MEMBER, "/me/consents", {"form": {"purpose": "member_news", "on": "1"}}),
    "POST /me/correct": (MEMBER, "/me/correct", {"form": {"name": "Changed By Someone"}}),
    "POST /me/sessions/end": (MEMBER, "/me/sessions/end", {"form": {"id": "{session_id}"}}),
    "POST /me/devices/forget": (MEMBER, "/me/devices/forget", {"form": {"unused": "1"}}),
    "GET /me/close": (MEMBER, "/me/close", None),
    "GET /me/garage": (MEMBER, "/me/garage", None),
    "POST /me/garage": (MEMBER, "/me/garage", {"form": {"vin": "WMWRE33536TJ12345"}}),
    "POST /me/garage/remove": (MEMBER, "/me/garage/remove", {"form": {"id": "{vehicle_id}"}}),
    "GET /api/v1/me/vehicles": (MEMBER, "/api/v1/me/vehicles", None),
    "POST /api/v1/me/vehicles": (MEMBER, "/api/v1/me/vehicles", {"json": {"vin": "WMWRE33536TJ12345"}}),
    "DELETE /api/v1/me/vehicles/:id": (MEMBER, "/api/v1/me/vehicles/{vehicle_id}", None),
    "GET /staff/reviews": (STAFF, "/staff/reviews", None),
    "GET /api/v1/staff/campaigns": (STAFF, "/api/v1/staff/campaigns", None),
    "GET /staff/campaigns": (STAFF, "/staff/campaigns", None),
    "POST /staff/campaigns": (STAFF, "/staff/campaigns",
                              {"form": {"purpose": "member_news", "subject": "s", "body": "b",
                                        "action": "send"}}),
    "POST /api/v1/staff/campaigns": (STAFF, "/api/v1/staff/campaigns",
                                     {"json": {"purpose": "member_news", "subject": "s",
                                               "body": "b"}}),
    "GET /staff/reviews/:id": (STAFF, "/staff/reviews/{vehicle_id}", None),
    "POST /staff/reviews/:id/decide": (STAFF, "/staff/reviews/{vehicle_id}/decide",
                                       {"form": {"decision": "verify"}}),
    "GET /api/v1/staff/reviews": (STAFF, "/api/v1/staff/reviews", None),
    "GET /api/v1/staff/reviews/:id": (STAFF, "/api/v1/staff/reviews/{vehicle_id}", None),
    "POST /api/v1/staff/reviews/:id": (STAFF, "/api/v1/staff/reviews/{vehicle_id}",
                                       {"json": {"decision": "verify"}}),
    "POST /me/close": (MEMBER, "/me/close", {"form": {"confirm": "close"}}),
    # staff routes
    "GET /staff": (STAFF, "/staff", None),
    "POST /staff/signout": (STAFF, "/staff/signout", {"form": {"unused": "1"}}),
    "GET /staff/members": (STAFF, "/staff/members", None),
    "POST /staff/members": (STAFF, "/staff/members",
                            {"form": {"email": "{email}", "purpose": "account"}}),
    "POST /api/v1/staff/signout": (STAFF, "/api/v1/staff/signout", None),
    "GET /api/v1/staff/me": (STAFF, "/api/v1/staff/me", None),
    "POST /api/v1/staff/members/find": (STAFF, "/api/v1/staff/members/find",
                                        {"json": {"email": "{email}", "purpose": "account"}}),
    "GET /staff/messages": (STAFF, "/staff/messages", None),
    "GET /staff/messages/:id": (STAFF, "/staff/messages/{message_id}", None),
    "POST /staff/messages/:id/answer": (STAFF, "/staff/messages/{message_id}/answer",
                                        {"form": {"answer": "Not from you."}}),
    "GET /api/v1/staff/messages": (STAFF, "/api/v1/staff/messages", None),
    "GET /api/v1/staff/messages/:id": (STAFF, "/api/v1/staff/messages/{message_id}", None),
    "POST /api/v1/staff/messages/:id/answer": (STAFF, "/api/v1/staff/messages/{message_id}/answer",
                                               {"json": {"answer": "Not from you."}}),
    "GET /api/v1/staff/members/:id": (STAFF, "/api/v1/staff/members/{member_id}?purpose=account",
                                      None),
}

ROUTE_LINE = re.compile(r'\{HTTP_([A-Z]+), "([^"]+)"')


def declared_routes():
    with open(os.path.join(ROOT, "src", "routes.c")) as f:
        return {f"{m} {p}" for m, p in ROUTE_LINE.findall(f.read())}


def test_every_route_is_in_the_matrix():
    declared = declared_routes()
    assert len(declared) > 30
    missing = sorted(declared - set(ROUTES))
    assert not missing, "routes without a class in the matrix: " + ", ".join(missing)
    gone = sorted(set(ROUTES) - declared)
    assert not gone, "matrix rows for routes that no longer exist: " + ", ".join(gone)


def member(server):
    p = person()
    s = requests.Session()
    r = signup(server, p, s)
    assert r.status_code == 201, r.text
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
