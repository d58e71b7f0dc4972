"""Dealers (issue 13, INS08 and INS15): staff with the dealer purpose keep
the list; a member asks one dealer to contact them, with that dealer's own
privacy policy in view; the lead goes, signed, to that dealer only, and the
member sees the dealer and its policy afterwards.

The dealers' endpoints are HTTPS receivers (tests/handover_receiver, as in
test_handovers.py): one per dealer, each on its [mini_dealers.CODE]
channel."""
import os
import time

import requests

from conftest import free_port, staff_client
from test_handovers import (SECRET, certs, flags, member, payload,  # noqa: F401 (fixtures)
                            pytestmark, receivers)

POLICY = {"north": "https://north-mini.example/privacy",
          "south": "https://south-mini.example/privacy?lang=en"}


def dealer_channels(tmp, rxs, extra=""):
    """The channels file: [mini_dealers.CODE] per receiver (code -> receiver)."""
    path = os.path.join(str(tmp), f"dealers-{free_port()}.ini")
    with open(path, "w") as f:
        for code, rx in rxs.items():
            f.write(f"[mini_dealers.{code}]\nwebhook = {rx.url()}\nsecret = {SECRET}\n{extra}\n")
    os.chmod(path, 0o600)
    return path


def dealer_server(make_server, tmp_path, certs, rxs, **over):  # noqa: F811
    return make_server(profile="mini-insiders",
                       extra=flags(dealer_channels(tmp_path, rxs), certs, **over))


def add_dealer(srv, liaison, code, name=None, url=None, address="1 Dealer Road, Springfield"):
    r = liaison.post(srv.url("/api/v1/staff/dealers"), timeout=10,
                     json={"code": code, "name": name or f"MINI of {code.title()}",
                           "address": address, "policy_url": url or POLICY[code]})
    assert r.status_code == 201, r.text
    return r.json()["dealer"]


def ask(srv, s, csrf, code):
    return s.post(srv.url("/api/v1/me/dealer-requests"), json={"dealer": code},
                  headers={"X-CSRF-Token": csrf}, timeout=10)


def leads(srv):
    return int(srv.sql("SELECT COUNT(*) FROM handovers WHERE recipient = 'mini_dealers'")[0][0])


def wait_leads(srv, want=0, timeout=20):
    deadline = time.monotonic() + timeout
    while leads(srv) != want and time.monotonic() < deadline:
        time.sleep(0.1)
    return leads(srv)


def test_ins08_lead_goes_to_the_chosen_dealer_only(make_server, receivers, tmp_path,
                                                    certs):  # noqa: F811
    north, south = receivers(), receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": north, "south": south})
    liaison = staff_client(srv, "dealer_liaison")
    add_dealer(srv, liaison, "north")
    chosen = add_dealer(srv, liaison, "south")
    p, s, mid, csrf = member(srv)
    r = ask(srv, s, csrf, "south")
    assert r.status_code == 201, r.text
    assert r.json()["dealer"] == {"code": "south", "name": "MINI of South",
                                  "policy_url": POLICY["south"]}
    got = south.wait(lambda e: any(x["status"] == 204 for x in e))
    ok = [e for e in got if e["status"] == 204]
    assert len(ok) == 1 and all(e["verified"] for e in got), got
    d = payload(ok[0])
    assert d["recipient"] == "mini_dealers" and d["purpose"] == "dealer_handover"
    assert d["reason"] == "dealer_request"
    assert d["dealer"] == {"code": "south", "name": "MINI of South"}
    # Exactly the fields the purpose gives a dealer: no postal address, no
    # date of birth, no VIN.
    assert d["fields"] == {"name": p["name"], "email": p["email"], "phone": p["phone"]}
    body = ok[0]["body"]
    assert p["postal_address"] not in body and "vin" not in body.lower()
    assert wait_leads(srv) == 0
    time.sleep(1.5)
    assert north.entries() == [], "the other dealer received something"
    assert len(south.delivered()) == 1
    # The disclosure names the dealer (the recipient's actor id).
    rows = srv.sql(f"SELECT recipient, purpose, categories, actor_id FROM access_log WHERE "
                   f"subject_id = {mid} AND action = 'disclose'")
    assert rows == [["mini_dealers", "dealer_handover", "name,email,phone", str(chosen["id"])]]
    # The ask was the member's yes to the purpose.
    consents = s.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
    assert [c["on"] for c in consents if c["purpose"] == "dealer_handover"] == [True]


def test_ins15_dealer_policy_shown_at_choosing_and_after(make_server, receivers, tmp_path,
                                                        certs):  # noqa: F811
    north, south = receivers(), receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": north, "south": south})
    liaison = staff_client(srv, "dealer_liaison")
    add_dealer(srv, liaison, "north")
    add_dealer(srv, liaison, "south")
    p, s, mid, csrf = member(srv)
    # /me leads to the form.
    assert 'href="/me/dealer"' in s.get(srv.url("/me"), timeout=10).text
    # At the moment of choosing: each dealer with its own policy link, and
    # above the button, what goes and that the dealer's own policy applies.
    page = s.get(srv.url("/me/dealer"), timeout=10)
    assert page.status_code == 200
    html = page.text
    button = html.index('id="dealer-submit"')
    for code, url in POLICY.items():
        link = f'href="{url.replace("&", "&amp;")}"'
        assert link in html and html.index(link) < button, code
        assert f'value="{code}"' in html
    notice = html.index('id="dealer-notice"')
    assert notice < button
    assert "its own privacy policy applies" in html
    fields = html[html.index('id="dealer-fields"'):notice]
    assert fields.index("Name") < button
    assert "E-mail address" in fields and "Phone number" in fields
    assert "Postal address" not in fields
    listed = s.get(srv.url("/api/v1/dealers"), timeout=10).json()
    assert {d["code"]: d["policy_url"] for d in listed["dealers"]} == POLICY
    assert [f["id"] for f in listed["fields"]] == ["name", "email", "phone"]
    assert "own privacy policy applies" in listed["notice"]
    # The form itself (CSRF token from the page) asks for the north dealer.
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = s.post(srv.url("/me/dealer"), data={"csrf_token": token, "dealer": "north"},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"].endswith("/me/dealer?done=sent")
    north.wait(lambda e: any(x["status"] == 204 for x in e))
    assert wait_leads(srv) == 0 and south.entries() == []
    # After: the API, /me and the export name the dealer and its own policy.
    made = s.get(srv.url("/api/v1/me/handovers"), timeout=10).json()["handovers"]
    assert len(made) == 1
    h = made[0]
    assert h["recipient"] == "mini_dealers" and h["recipient_name"] == "MINI of North"
    assert h["policy_url"] == POLICY["north"]
    assert h["dealer"] == {"code": "north", "name": "MINI of North", "policy_url": POLICY["north"]}
    assert h["fields"] == ["name", "email", "phone"]
    me = s.get(srv.url("/me"), timeout=10).text
    given = me[me.index('id="handovers"'):]
    given = given[:given.index("</ul>")]
    assert "MINI of North" in given and f'href="{POLICY["north"]}"' in given
    export = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    assert [(x["recipient_name"], x["policy_url"]) for x in export["handovers"]] == \
        [("MINI of North", POLICY["north"])]


def test_dealer_list_is_the_liaisons_alone(make_server, receivers, tmp_path,
                                           certs):  # noqa: F811
    rx = receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": rx})
    liaison = staff_client(srv, "dealer_liaison")
    dealer = add_dealer(srv, liaison, "north")
    admin, support = staff_client(srv, "admin"), staff_client(srv, "support")
    p, s, mid, csrf = member(srv)
    s.headers["X-CSRF-Token"] = csrf
    body = {"code": "west", "name": "MINI West", "address": "2 Road",
            "policy_url": "https://west.example/privacy"}
    for who, sess in (("admin", admin), ("support", support), ("member", s),
                      ("anonymous", requests.Session())):
        for method, path, kw in (("GET", "/api/v1/staff/dealers", {}),
                                 ("POST", "/api/v1/staff/dealers", {"json": body}),
                                 ("PUT", f"/api/v1/staff/dealers/{dealer['id']}",
                                  {"json": {"active": False}}),
                                 ("GET", "/staff/dealers", {}),
                                 ("GET", f"/staff/dealers/{dealer['id']}", {})):
            r = sess.request(method, srv.url(path), allow_redirects=False, timeout=10, **kw)
            assert r.status_code in (401, 403) or (r.status_code == 303 and who != "admin"), \
                f"{who} {method} {path}: {r.status_code}"
    # The staff home links the list for the liaison only.
    assert 'href="/staff/dealers"' in liaison.get(srv.url("/staff"), timeout=10).text
    assert 'href="/staff/dealers"' not in admin.get(srv.url("/staff"), timeout=10).text
    # Nothing changed; the liaison changes it, and each change is in the
    # access log with the staff account and role.
    listed = liaison.get(srv.url("/api/v1/staff/dealers"), timeout=10).json()["dealers"]
    assert [(d["code"], d["active"], d["channel"]) for d in listed] == [("north", True, True)]
    r = liaison.put(srv.url(f"/api/v1/staff/dealers/{dealer['id']}"), timeout=10,
                    json={"name": "MINI North Renamed"})
    assert r.status_code == 200 and r.json()["dealer"]["name"] == "MINI North Renamed"
    assert r.json()["dealer"]["policy_url"] == POLICY["north"]
    rows = srv.sql("SELECT actor_kind, actor_id, role, action FROM access_log WHERE "
                   "action LIKE 'dealer_%' ORDER BY seq")
    assert rows == [["staff", str(liaison.staff_id), "dealer_liaison", "dealer_added"],
                    ["staff", str(liaison.staff_id), "dealer_liaison", "dealer_changed"]]
    srv.cli("audit", "verify")          # the chain holds with these entries in it


def test_dealer_changes_need_the_csrf_token(make_server, receivers, tmp_path,
                                            certs):  # noqa: F811
    rx = receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": rx})
    liaison = staff_client(srv, "dealer_liaison")
    dealer = add_dealer(srv, liaison, "north")
    token = liaison.headers.pop("X-CSRF-Token")
    body = {"code": "west", "name": "W", "address": "A", "policy_url": "https://w.example/"}
    assert liaison.post(srv.url("/api/v1/staff/dealers"), json=body,
                        timeout=10).status_code == 403
    assert liaison.put(srv.url(f"/api/v1/staff/dealers/{dealer['id']}"),
                       json={"active": False}, timeout=10).status_code == 403
    assert liaison.post(srv.url("/staff/dealers"), data=body, allow_redirects=False,
                        timeout=10).status_code == 403
    assert liaison.post(srv.url(f"/staff/dealers/{dealer['id']}"), data={"active": "0"},
                        allow_redirects=False, timeout=10).status_code == 403
    liaison.headers["X-CSRF-Token"] = token
    listed = liaison.get(srv.url("/api/v1/staff/dealers"), timeout=10).json()["dealers"]
    assert [(d["code"], d["active"]) for d in listed] == [("north", True)]
    p, s, mid, csrf = member(srv)
    assert ask(srv, s, None, "north").status_code == 403
    assert s.post(srv.url("/me/dealer"), data={"dealer": "north"}, allow_redirects=False,
                  timeout=10).status_code == 403
    assert leads(srv) == 0


def test_dealer_hostile_input(make_server, receivers, tmp_path, certs):  # noqa: F811
    rx = receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": rx}, **{"handover-interval": "0"})
    liaison = staff_client(srv, "dealer_liaison")
    script = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    dealer = add_dealer(srv, liaison, "north", name="MINI " + script,
                        address="Road " + script)
    good = {"code": "west", "name": "W", "address": "A", "policy_url": "https://w.example/p"}
    bad = [("policy_url", "javascript:alert(1)"), ("policy_url", "JAVASCRIPT:alert(1)"),
           ("policy_url", "http://w.example/p"), ("policy_url", "//w.example/p"),
           ("policy_url", "/privacy"), ("policy_url", "data:text/html,hi"),
           ("policy_url", 'https://w.example/"onmouseover="alert(1)'),
           ("policy_url", "https://w.example/ x"), ("policy_url", "https://"),
           ("policy_url", "https://w.example/" + "p" * 500),
           ("name", "n" * 201), ("name", ""), ("address", "a" * 501), ("address", ""),
           ("code", "West"), ("code", "w" * 33), ("code", "we st"), ("code", "")]
    for field, value in bad:
        r = liaison.post(srv.url("/api/v1/staff/dealers"), json=dict(good, **{field: value}),
                         timeout=10)
        assert r.status_code == 400, f"{field}={value!r}: {r.status_code} {r.text}"
        assert r.json()["error"]["field"] == field, r.text
    r = liaison.put(srv.url(f"/api/v1/staff/dealers/{dealer['id']}"),
                    json={"policy_url": "javascript:alert(1)"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["field"] == "policy_url"
    # The form says it next to the field.
    page = liaison.get(srv.url("/staff/dealers"), timeout=10).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = liaison.post(srv.url("/staff/dealers"), timeout=10, allow_redirects=False,
                     data=dict(good, policy_url="javascript:alert(1)", csrf_token=token))
    assert r.status_code == 400 and "https://" in r.text and 'href="javascript' not in r.text
    r = liaison.post(srv.url("/api/v1/staff/dealers"), json=dict(good, code="north"),
                     timeout=10)
    assert r.status_code == 409 and r.json()["error"]["code"] == "dealer_exists"
    listed = liaison.get(srv.url("/api/v1/staff/dealers"), timeout=10).json()["dealers"]
    assert [d["code"] for d in listed] == ["north"]
    # The script is text on every page that shows the dealer.
    p, s, mid, csrf = member(srv)
    assert ask(srv, s, csrf, "north").status_code == 201
    srv.cli("handover", "deliver")
    pages = [liaison.get(srv.url("/staff/dealers"), timeout=10).text,
             liaison.get(srv.url(f"/staff/dealers/{dealer['id']}"), timeout=10).text,
             s.get(srv.url("/me/dealer"), timeout=10).text,
             s.get(srv.url("/me"), timeout=10).text]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert len(rx.delivered()) == 1


def test_inactive_unknown_or_unreachable_dealer_refused(make_server, receivers, tmp_path,
                                                        certs):  # noqa: F811
    rx = receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": rx}, **{"handover-interval": "0"})
    liaison = staff_client(srv, "dealer_liaison")
    north = add_dealer(srv, liaison, "north")
    add_dealer(srv, liaison, "south")      # no channel in this process
    # Staff see which dealer has no channel; members are not offered it.
    listed = liaison.get(srv.url("/api/v1/staff/dealers"), timeout=10).json()["dealers"]
    assert {d["code"]: d["channel"] for d in listed} == {"north": True, "south": False}
    page = liaison.get(srv.url("/staff/dealers"), timeout=10).text
    assert page.count("No delivery channel configured") == 1
    p, s, mid, csrf = member(srv)
    assert [d["code"] for d in s.get(srv.url("/api/v1/dealers"), timeout=10).json()["dealers"]] \
        == ["north"]
    # Deactivated: gone from the list, refused when asked for anyway.
    page = liaison.get(srv.url("/staff/dealers"), timeout=10).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = liaison.post(srv.url(f"/staff/dealers/{north['id']}"), allow_redirects=False,
                     data={"csrf_token": token, "active": "0"}, timeout=10)
    assert r.status_code == 303, r.text
    assert s.get(srv.url("/api/v1/dealers"), timeout=10).json()["dealers"] == []
    for code in ("north", "south", "nowhere", "x" * 32):
        r = ask(srv, s, csrf, code)
        assert r.status_code == 400 and r.json()["error"]["field"] == "dealer", (code, r.text)
    assert leads(srv) == 0
    consents = s.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
    assert [c["on"] for c in consents if c["purpose"] == "dealer_handover"] == [False]
    # A lead waiting when its dealer is deactivated is dropped, unsent.
    r = liaison.put(srv.url(f"/api/v1/staff/dealers/{north['id']}"), json={"active": True},
                    timeout=10)
    assert r.status_code == 200 and r.json()["dealer"]["active"] is True
    assert ask(srv, s, csrf, "north").status_code == 201 and leads(srv) == 1
    liaison.put(srv.url(f"/api/v1/staff/dealers/{north['id']}"), json={"active": False},
                timeout=10)
    srv.cli("handover", "deliver")
    assert leads(srv) == 0 and rx.entries() == []


def test_switching_dealer_purpose_off_before_delivery_sends_nothing(make_server, receivers,
                                                                    tmp_path,
                                                                    certs):  # noqa: F811
    rx = receivers()
    srv = dealer_server(make_server, tmp_path, certs, {"north": rx}, **{"handover-interval": "0"})
    liaison = staff_client(srv, "dealer_liaison")
    add_dealer(srv, liaison, "north")
    p, s, mid, csrf = member(srv)
    assert ask(srv, s, csrf, "north").status_code == 201
    assert ask(srv, s, csrf, "north").status_code == 201   # the same lead, not a second
    assert leads(srv) == 1
    r = s.put(srv.url("/api/v1/me/consents/dealer_handover"), json={"on": False},
              headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200, r.text
    srv.cli("handover", "deliver")
    assert rx.entries() == [] and leads(srv) == 0
    counters = dict(srv.sql("SELECT name, value FROM counters WHERE name LIKE "
                            "'handovers_%:mini_dealers'"))
    assert counters == {"handovers_dropped:mini_dealers": "1"}
    assert s.get(srv.url("/api/v1/me/handovers"), timeout=10).json()["handovers"] == []


def test_a_profile_without_dealers_has_no_dealer_routes(make_server):
    srv = make_server(profile="north-american-motoring")
    p, s, mid, csrf = member(srv)
    assert s.get(srv.url("/me/dealer"), timeout=10).status_code == 404
    assert s.get(srv.url("/api/v1/dealers"), timeout=10).status_code == 404
    assert ask(srv, s, csrf, "north").status_code == 404
    assert 'href="/me/dealer"' not in s.get(srv.url("/me"), timeout=10).text
