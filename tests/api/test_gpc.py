"""Issue 12, rule 2 (INS06, INS11): the browser's privacy signal is honoured
on every request of a signed-in member, not only at sign-up.

`Sec-GPC: 1` (Global Privacy Control), and `DNT: 1` (Do Not Track, honoured
the same way: docs/profiles.md), switch the member's affiliate offers and
advertising off, each as an event in the consent ledger recorded with how
it came ("gpc", "dnt"), if they are on; nothing when they are off already.
The member's session remembers that the signal was applied, so its later
requests read no choice and write nothing, and a yes the member gives after
the switch-off stands for the rest of that session; in a new session the
signal, still sent, switches it off again."""
import requests

from conftest import form_token
from test_members import PASSWORD, consents_of, join, person

GPC = {"Sec-GPC": "1"}
DNT = {"DNT": "1"}


def events(server, member, purpose):
    """The member's ledger events for purpose, as a sorted list of (state,
    via): events of one second have no order of their own."""
    rows = server.sql(f"SELECT state, via FROM consent_events WHERE subject_id = {member} "
                      f"AND purpose = '{purpose}'")
    return sorted((r[0], r[1]) for r in rows)


def current(server, member, purpose):
    """The member's choice now, as the ledger holds it: (state, via)."""
    rows = server.sql(f"SELECT state, via FROM consents WHERE subject_id = {member} "
                      f"AND purpose = '{purpose}'")
    return tuple(rows[0]) if rows else None


def affiliate_on(server, s, csrf, headers=None):
    r = s.put(server.url("/api/v1/me/consents/affiliate_offers"), json={"on": True},
              headers={"X-CSRF-Token": csrf, **(headers or {})}, timeout=10)
    assert r.status_code == 200 and r.json()["on"] is True, r.text


def insider(make_server):
    srv = make_server(profile="mini-insiders")
    s = requests.Session()
    r = join(srv, person(), s)
    assert r.status_code == 200, r.text
    return srv, s, r.json()["id"], r.json()["csrf_token"]


def test_ins06_ins11_gpc_on_any_signed_in_request_switches_sharing_off(make_server):
    srv, s, mid, csrf = insider(make_server)
    affiliate_on(srv, s, csrf)
    assert events(srv, mid, "affiliate_offers") == sorted([("on", "api")])
    # A request without the signal changes nothing.
    assert s.get(srv.url("/api/v1/me"), timeout=10).status_code == 200
    assert consents_of(srv, s)["affiliate_offers"]["on"] is True
    assert events(srv, mid, "affiliate_offers") == sorted([("on", "api")])
    assert events(srv, mid, "advertising") == sorted([])
    # The next request carrying Sec-GPC: 1, whatever it is for, switches
    # affiliate offers and advertising (opt-out: on until refused) off.
    assert s.get(srv.url("/api/v1/me"), headers=GPC, timeout=10).status_code == 200
    c = consents_of(srv, s)["affiliate_offers"]
    assert c["on"] is False and c["chosen"] is True
    assert events(srv, mid, "affiliate_offers") == sorted([("on", "api"), ("off", "gpc")])
    assert events(srv, mid, "advertising") == sorted([("off", "gpc")])
    assert current(srv, mid, "affiliate_offers") == ("off", "gpc")
    # The consent history the member downloads says where the no came from.
    doc = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    mine = {c["purpose"]: c for c in doc["consents"]}
    assert mine["affiliate_offers"]["state"] == "off" and mine["affiliate_offers"]["via"] == "gpc"
    # Further requests with the signal add no event (no write per request).
    for path in ("/api/v1/me", "/api/v1/me/sessions", "/me", "/"):
        assert s.get(srv.url(path), headers=GPC, timeout=10).status_code == 200
    assert events(srv, mid, "affiliate_offers") == sorted([("on", "api"), ("off", "gpc")])
    assert len(events(srv, mid, "advertising")) == 1


def test_ins06_a_yes_after_the_gpc_switch_off_stands_for_the_session(make_server):
    srv, s, mid, csrf = insider(make_server)
    assert s.get(srv.url("/api/v1/me"), headers=GPC, timeout=10).status_code == 200
    assert consents_of(srv, s)["affiliate_offers"]["on"] is False
    # The member says yes again, the browser still sending the signal: the
    # explicit yes stands for the rest of this session.
    affiliate_on(srv, s, csrf, GPC)
    for _ in range(3):
        assert s.get(srv.url("/api/v1/me"), headers=GPC, timeout=10).status_code == 200
    assert consents_of(srv, s)["affiliate_offers"]["on"] is True
    assert events(srv, mid, "affiliate_offers") == sorted([("off", "gpc"), ("on", "api")])
    assert current(srv, mid, "affiliate_offers") == ("on", "api")
    # A new session with the signal still sent switches it off again, once.
    s2 = requests.Session()
    p = s.get(srv.url("/api/v1/me"), timeout=10).json()["data"]
    r = s2.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
                timeout=30)
    assert r.status_code == 200, r.text
    assert s2.get(srv.url("/api/v1/me"), headers=GPC, timeout=10).status_code == 200
    assert s2.get(srv.url("/api/v1/me"), headers=GPC, timeout=10).status_code == 200
    assert events(srv, mid, "affiliate_offers") == sorted([("off", "gpc"), ("on", "api"), ("off", "gpc")])
    assert current(srv, mid, "affiliate_offers") == ("off", "gpc")


def test_ins06_gpc_leaves_a_choice_already_off_alone(make_server):
    srv, s, mid, csrf = insider(make_server)
    r = s.put(srv.url("/api/v1/me/consents/affiliate_offers"), json={"on": False},
              headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200
    assert s.get(srv.url("/api/v1/me"), headers=GPC, timeout=10).status_code == 200
    assert events(srv, mid, "affiliate_offers") == sorted([("off", "api")])


def test_ins11_do_not_track_is_honoured_the_same_way(make_server):
    srv, s, mid, csrf = insider(make_server)
    affiliate_on(srv, s, csrf)
    assert s.get(srv.url("/api/v1/me/consents"), headers=DNT, timeout=10).status_code == 200
    assert consents_of(srv, s)["affiliate_offers"]["on"] is False
    assert events(srv, mid, "affiliate_offers") == sorted([("on", "api"), ("off", "dnt")])
    assert current(srv, mid, "affiliate_offers") == ("off", "dnt")
    assert events(srv, mid, "advertising") == sorted([("off", "dnt")])


def test_ins06_gpc_on_a_public_page_with_a_member_session(make_server):
    srv, s, mid, csrf = insider(make_server)
    affiliate_on(srv, s, csrf)
    assert s.get(srv.url("/privacy"), headers=GPC, timeout=10).status_code == 200
    assert events(srv, mid, "affiliate_offers") == sorted([("on", "api"), ("off", "gpc")])
    assert current(srv, mid, "affiliate_offers") == ("off", "gpc")


def test_ins06_gpc_on_the_html_signup(make_server):
    srv = make_server(profile="mini-insiders")
    s = requests.Session()
    token = form_token(srv, s, "/signup")
    p = person()
    y, m, d = p["date_of_birth"].split("-")
    form = {"csrf_token": token, "name": p["name"], "email": p["email"],
            "password": p["password"], "birth_day": d, "birth_month": m, "birth_year": y,
            "keep_on": "affiliate_offers"}          # the box left ticked: the signal wins
    r = s.post(srv.url("/signup"), data=form, headers=GPC, timeout=30)
    assert r.status_code == 200 and "mail" in r.text, r.text
    mids = srv.sql("SELECT id FROM members")
    assert len(mids) == 1
    mid = mids[0][0]
    assert events(srv, mid, "affiliate_offers") == sorted([("off", "gpc")])
    assert events(srv, mid, "advertising") == sorted([("off", "gpc")])
