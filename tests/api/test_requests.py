"""Information and material requests (issue 14; NAM02, NAM04, NAM05;
docs/requests.md): staff with the fulfilment role publish what can be
requested; anyone asks through a form with exactly its collection point's
fields, which states its purpose; the request is sealed under a requester
subject of its own, followed by a link with a token, worked in the
fulfilment queue, handed to the carrier through the hand-over path, and
erased the profile's time after it is done. Nothing else reaches it. Against
a real SMTP listener, on both engines."""
import glob
import json
import os
import re
import time
import uuid

import requests

from conftest import contains_any, form_token, free_port, mail_flags, staff_client
from test_mail_lists import join, parse

LINK = re.compile(r"/requests/status/([A-Za-z0-9_-]{43})")
DAY = 86400


def asker(**over):
    tag = uuid.uuid4().hex[:10]
    p = {"name": f"Asker Qz{tag}", "email": f"asker-{tag}@example.org",
         "postal_address": f"{tag[:3]} Harbour Road, Halifax NS B3H 1A1",
         "phone": f"+1 902 555 {tag[:4]}", "order_details": f"Two brochures please {tag}"}
    p.update(over)
    return p


def publish(srv, staff, kind="information_request", title=None, active=True):
    r = staff.post(srv.url("/api/v1/staff/request-items"), timeout=10,
                   json={"kind": kind, "title": title or f"Brochure {uuid.uuid4().hex[:6]}",
                         "description": "The 2026 range.", "active": active})
    assert r.status_code == 201, r.text
    return r.json()["item"]["id"]


def ask(srv, item, fields, session=None):
    return (session or requests).post(srv.url("/api/v1/requests"), timeout=30,
                                      json=dict(fields, item=item))


def mails_to(sink, address, n=1, timeout=30):
    deadline = time.time() + timeout
    got = []
    while time.time() < deadline:
        got = [raw for _, rcpts, raw in sink.messages if rcpts == [address]]
        if len(got) >= n:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{len(got)} message(s) to {address}, not {n}")


def text_of(raw):
    return parse(raw).get_body(("plain",)).get_content()


def token_of(raw):
    return LINK.search(text_of(raw)).group(1)


def status_token(mails):
    """The status link's token, from whichever of the mails carries it: two
    delivery threads may hand the relay the received notice and the
    decision in either order."""
    return next(token_of(m) for m in mails if LINK.search(text_of(m)))


def log_text(srv):
    with open(srv.log, "rb") as f:
        return f.read() + srv.stderr().encode()


def decide(srv, staff, rid, outcome="fulfilled", note="Posted today.", carrier=False):
    return staff.post(srv.url(f"/api/v1/staff/requests/{rid}"), timeout=30,
                      json={"outcome": outcome, "note": note, "carrier": carrier})


def test_nam02_request_asks_only_the_points_fields_and_states_its_purpose(make_server,
                                                                           smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    info = publish(srv, staff, "information_request", "Range brochure")
    material = publish(srv, staff, "material_registration", "Club calendar")
    doc = srv.get("/privacy.json").json()
    version = doc["version"]
    points = {c["id"]: c for c in doc["collection_points"]}
    listing = requests.get(srv.url("/requests"), timeout=10)
    assert listing.status_code == 200
    assert f'href="/requests/{info}"' in listing.text and "Club calendar" in listing.text
    for item, point, purpose in ((info, "information_request", "information_requests"),
                                 (material, "material_registration", "material_registration")):
        page = requests.get(srv.url(f"/requests/{item}"), timeout=10)
        assert page.status_code == 200
        # NAM01: the purpose named, linked in the version in force.
        assert f'href="/privacy/v/{version}#purpose-{purpose}"' in page.text
        label = next(p["label"] for p in doc["purposes"] if p["id"] == purpose)
        assert label in page.text
        # Exactly the point's fields, required where the point requires them.
        typed = set(re.findall(r'<(?:input|textarea)[^>]* name="([a-z_]+)"', page.text))
        fields = {f["category"]: f["required"] for f in points[point]["fields"]}
        assert typed - {"csrf_token"} == set(fields), (typed, fields)
        for cat, required in fields.items():
            tag = re.search(rf'<(?:input|textarea)[^>]* name="{cat}"[^>]*>', page.text).group(0)
            assert (" required" in tag) == required, (cat, tag)
    # A field the point requires is missing: refused with that field, nothing stored.
    p = asker()
    r = ask(srv, material, {k: v for k, v in p.items() if k != "postal_address"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "postal_address", r.text
    r = ask(srv, info, {k: v for k, v in p.items() if k != "order_details"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "order_details"
    assert srv.sql("SELECT COUNT(*) FROM requests")[0][0] == "0"
    # The information request takes no postal address as required: without one it is stored.
    r = ask(srv, info, {k: v for k, v in p.items() if k not in ("postal_address", "phone")})
    assert r.status_code == 201, r.text
    # Sealed under a requester of its own, owned by no one; nothing in clear anywhere.
    rows = srv.sql("SELECT s.kind, s.owner_id FROM subjects s JOIN requests r "
                   "ON r.subject_id = s.id")
    assert len(rows) == 1 and rows[0][0] == "requester" and rows[0][1] in ("", "0"), rows
    got = mails_to(smtp_sink, p["email"])
    assert "Range brochure" in text_of(got[0]) and LINK.search(text_of(got[0]))
    smtp_sink.wait(len(smtp_sink.messages))
    assert not contains_any(list(srv.raw_files().values()) + [log_text(srv)],
                            [p["name"], p["email"], p["order_details"]])
    # A signed-in member's known details are offered and not asked again.
    m = join(srv, smtp_sink)
    page = m.get(srv.url(f"/requests/{material}"), timeout=10)
    assert page.status_code == 200 and m.person["name"] in page.text
    r = ask(srv, material, {"order_details": "One calendar", "postal_address": "1 Elm St"}, m)
    assert r.status_code == 201, r.text
    owner = srv.sql(f"SELECT s.owner_id FROM subjects s JOIN requests r ON r.subject_id = s.id "
                    f"WHERE r.id = {r.json()['id']}")
    assert owner == [[str(m.member_id)]]
    assert mails_to(smtp_sink, m.person["email"], n=1, timeout=30)


def test_request_form_csrf_and_page_flow(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff, "material_registration", "Club sticker")
    s = requests.Session()
    p = asker()
    # Without the pre-session token, or with another one: refused, nothing stored.
    s.get(srv.url(f"/requests/{item}"), timeout=10)
    r = s.post(srv.url(f"/requests/{item}"), data=p, timeout=10, allow_redirects=False)
    assert r.status_code == 403
    r = s.post(srv.url(f"/requests/{item}"), data=dict(p, csrf_token="A" * 43), timeout=10,
               allow_redirects=False)
    assert r.status_code == 403
    # From another site: refused.
    token = form_token(srv, s, f"/requests/{item}")
    r = s.post(srv.url(f"/requests/{item}"), data=dict(p, csrf_token=token), timeout=10,
               allow_redirects=False,
               headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert srv.sql("SELECT COUNT(*) FROM requests")[0][0] == "0"
    # A missing required field: the form again, the message by the field, what was typed kept.
    r = s.post(srv.url(f"/requests/{item}"), timeout=10, allow_redirects=False,
               data=dict({k: v for k, v in p.items() if k != "postal_address"},
                         csrf_token=token))
    assert r.status_code == 400 and 'id="postal_address-error"' in r.text
    assert p["order_details"] in r.text
    r = s.post(srv.url(f"/requests/{item}"), data=dict(p, csrf_token=token), timeout=10,
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/requests/sent")
    assert srv.sql("SELECT COUNT(*) FROM requests")[0][0] == "1"


def test_status_link_without_an_account(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff, "information_request", "Range brochure")
    p = asker()
    r = ask(srv, item, p)
    assert r.status_code == 201
    rid = r.json()["id"]
    token = token_of(mails_to(smtp_sink, p["email"])[0])
    page = requests.get(srv.url(f"/requests/status/{token}"), timeout=10)
    assert page.status_code == 200 and 'data-status="open"' in page.text
    assert "Range brochure" in page.text
    # No session, nothing the requester typed, no cookie set.
    assert "Set-Cookie" not in page.headers
    assert not contains_any([page.content], [p["name"], p["email"], p["postal_address"],
                                             p["phone"], p["order_details"]])
    j = requests.get(srv.url(f"/api/v1/requests/status/{token}"), timeout=10)
    assert j.status_code == 200 and j.json()["status"] == "open"
    assert not contains_any([j.content], [p["name"], p["email"], p["order_details"]])
    # The link shows it again (it is the authority for viewing only).
    assert requests.get(srv.url(f"/requests/status/{token}"), timeout=10).status_code == 200
    r = decide(srv, staff, rid, "refused", note="Out of print, sorry.")
    assert r.status_code == 200, r.text
    told = [text_of(m) for m in mails_to(smtp_sink, p["email"], n=2)]
    assert any("Out of print, sorry." in t for t in told)
    page = requests.get(srv.url(f"/requests/status/{token}"), timeout=10)
    assert 'data-status="refused"' in page.text
    # Decided once only.
    r = decide(srv, staff, rid, "fulfilled")
    assert r.status_code == 409
    # Unknown and malformed tokens.
    for t in ("A" * 43, "short", "A" * 44):
        assert requests.get(srv.url(f"/requests/status/{t}"), timeout=10).status_code == 404


def test_roles_members_and_other_staff_refused(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff)
    p = asker()
    rid = ask(srv, item, p).json()["id"]
    m = join(srv, smtp_sink)
    calls = [("get", "/api/v1/staff/requests", None), ("get", f"/api/v1/staff/requests/{rid}", None),
             ("post", f"/api/v1/staff/requests/{rid}", {"outcome": "fulfilled"}),
             ("get", "/api/v1/staff/request-items", None),
             ("post", "/api/v1/staff/request-items", {"kind": "information_request",
                                                     "title": "X"}),
             ("get", "/staff/requests", None), ("get", f"/staff/requests/{rid}", None)]
    who = {"anonymous": requests.Session(), "member": m}
    for role in ("admin", "support", "editor", "verifier"):
        who[role] = staff_client(srv, role)
    for name, s in who.items():
        for method, path, body in calls:
            r = getattr(s, method)(srv.url(path), json=body, timeout=10, allow_redirects=False,
                                   headers={"X-CSRF-Token": getattr(s, "csrf", "") or ""})
            assert r.status_code in (401, 403, 303), (name, path, r.status_code)
            assert not contains_any([r.content], [p["name"], p["email"]]), (name, path)
    assert srv.sql("SELECT status FROM requests")[0][0] == "open"
    assert srv.sql("SELECT COUNT(*) FROM request_items")[0][0] == "1"
    # The fulfilment role opens it: an access in the access log.
    r = staff.get(srv.url(f"/api/v1/staff/requests/{rid}"), timeout=10)
    assert r.status_code == 200 and r.json()["request"]["fields"]["name"] == p["name"]
    subject = srv.sql(f"SELECT subject_id FROM requests WHERE id = {rid}")[0][0]
    log = srv.sql(f"SELECT actor_kind, purpose, action FROM access_log WHERE subject_id = "
                  f"{subject}")
    assert ["staff", "information_requests", "read"] in log, log


def test_nam04_request_used_only_to_complete_it(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff, "material_registration", "Club calendar")
    member = join(srv, smtp_sink, opt_in="member_news")
    p = asker()
    rid = ask(srv, item, p).json()["id"]
    assert mails_to(smtp_sink, p["email"])
    secret = [p["name"], p["email"], p["postal_address"], p["phone"], p["order_details"]]
    # Campaigns under every purpose the profile has: none reaches the requester.
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
    # Staff lookups under every purpose, by every role: nothing of the requester.
    for role in ("admin", "fulfilment", "support", "editor", "verifier"):
        s = staff_client(srv, role)
        for pu in profile["purposes"]:
            r = s.post(srv.url("/api/v1/staff/members/find"), timeout=10,
                       json={"email": p["email"], "purpose": pu["id"]})
            assert r.status_code in (200, 403, 404), r.text
            assert not contains_any([r.content], secret)
    # Another member's export: nothing of it.
    export = member.get(srv.url("/api/v1/me/export"), timeout=30)
    assert export.status_code == 200 and not contains_any([export.content], secret)
    # Fulfilled: done, and the requester told; still nothing reaches anyone else.
    r = decide(srv, staff, rid, "fulfilled", note="Posted today.")
    assert r.status_code == 200, r.text
    assert any("Posted today." in text_of(m) for m in mails_to(smtp_sink, p["email"], n=2))
    for role in ("admin", "support", "editor", "verifier"):
        s = staff_client(srv, role)
        r = s.get(srv.url(f"/api/v1/staff/requests/{rid}"), timeout=10)
        assert r.status_code == 403 and not contains_any([r.content], secret), role


def test_nam04_carrier_receives_name_address_phone_through_the_handover_path(
        make_server, smtp_sink, tmp_path):
    drop = tmp_path / "carrier"
    drop.mkdir()
    cfg = tmp_path / f"channels-{free_port()}.ini"
    cfg.write_text(f"[shipping_carrier]\ndirectory = {drop}\n")
    os.chmod(cfg, 0o600)
    srv = make_server(extra=mail_flags(smtp_sink) + ["--handover-config", str(cfg),
                                                     "--handover-interval", "0"])
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff, "material_registration", "Club calendar")
    p = asker()
    rid = ask(srv, item, p).json()["id"]
    # Fulfilled by the carrier: exactly name, postal address and phone, through
    # the hand-over path, logged as a disclosure, shown to the requester.
    r = decide(srv, staff, rid, "fulfilled", carrier=True)
    assert r.status_code == 200, r.text
    srv.cli("handover", "deliver")
    lines = [json.loads(line) for f in glob.glob(str(drop / "*.jsonl"))
             for line in open(f) if line.strip()]
    assert len(lines) == 1, lines
    data = lines[0].get("data", lines[0])
    assert data["recipient"] == "shipping_carrier" and data["purpose"] == "material_registration"
    assert data["fields"] == {"name": p["name"], "postal_address": p["postal_address"],
                              "phone": p["phone"]}
    subject = srv.sql(f"SELECT subject_id FROM requests WHERE id = {rid}")[0][0]
    log = srv.sql(f"SELECT recipient, purpose, categories FROM access_log WHERE subject_id = "
                  f"{subject} AND action = 'disclose'")
    assert len(log) == 1 and log[0][:2] == ["shipping_carrier", "material_registration"]
    assert sorted(log[0][2].split(",")) == ["name", "phone", "postal_address"]
    assert r.json()["handed_over"] is True
    token = status_token(mails_to(smtp_sink, p["email"], n=2))
    page = requests.get(srv.url(f"/requests/status/{token}"), timeout=10)
    assert "Shipping carrier" in page.text and 'data-status="fulfilled"' in page.text


def test_nam05_request_data_erased_after_retention(make_server, smtp_sink, tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff)
    p = asker()
    rid = ask(srv, item, p).json()["id"]
    token = token_of(mails_to(smtp_sink, p["email"])[0])
    other = asker()
    open_id = ask(srv, item, other).json()["id"]
    assert decide(srv, staff, rid, "fulfilled").status_code == 200
    mails_to(smtp_sink, p["email"], n=2)
    smtp_sink.wait(len(smtp_sink.messages))
    subject = srv.sql(f"SELECT subject_id FROM requests WHERE id = {rid}")[0][0]
    # 89 days after done: still there.
    srv.sql(f"UPDATE requests SET done_at = done_at - {89 * DAY} WHERE id = {rid}")
    srv.cli("retention", "run")
    assert srv.sql(f"SELECT COUNT(*) FROM requests WHERE id = {rid}")[0][0] == "1"
    # 90 days and a minute: gone, key and all; the open one stays.
    srv.sql(f"UPDATE requests SET done_at = done_at - {DAY + 60} WHERE id = {rid}")
    srv.cli("retention", "run")
    assert srv.sql(f"SELECT COUNT(*) FROM requests WHERE id = {rid}")[0][0] == "0"
    assert srv.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {subject}") == [["0"]]
    assert srv.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {subject}") == [["0"]]
    assert srv.sql(f"SELECT COUNT(*) FROM requests WHERE id = {open_id}")[0][0] == "1"
    assert requests.get(srv.url(f"/requests/status/{token}"), timeout=10).status_code == 404
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [p["name"], p["email"], p["postal_address"], p["phone"],
                                    p["order_details"]])


def test_hostile_request_input(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff, title='<script>alert(1)</script> brochure')
    p = asker(name='<b>Mallory</b><script>1</script>',
              order_details='<img src=x onerror=alert(1)> & "quotes"')
    r = ask(srv, item, p)
    assert r.status_code == 201, r.text
    listing = requests.get(srv.url("/requests"), timeout=10).text
    assert "<script>alert(1)" not in listing and "&lt;script&gt;alert(1)" in listing
    page = staff.get(srv.url(f"/staff/requests/{r.json()['id']}"), timeout=10)
    assert page.status_code == 200
    assert "<b>Mallory" not in page.text and "&lt;b&gt;Mallory&lt;/b&gt;" in page.text
    assert "<img src=x" not in page.text
    before = srv.sql("SELECT COUNT(*) FROM requests")[0][0]
    r = ask(srv, item, asker(name="Eve\r\nBcc: victim@example.com"))
    assert r.status_code == 400 and r.json()["error"]["field"] == "name"
    r = ask(srv, item, asker(email="a@example.net\r\nBcc: victim@example.com"))
    assert r.status_code == 400
    r = ask(srv, item, asker(order_details="x" * 2001))
    assert r.status_code == 400 and r.json()["error"]["field"] == "order_details"
    for bad in (999, -1, "1", 2 ** 70):
        r = requests.post(srv.url("/api/v1/requests"), json=dict(asker(), item=bad), timeout=10)
        assert r.status_code in (400, 404), (bad, r.status_code)
    r = requests.post(srv.url("/api/v1/requests"), json=dict(asker(), item=item, extra="x"),
                      timeout=10)
    assert r.status_code == 400
    # An inactive item cannot be asked for.
    assert staff.put(srv.url(f"/api/v1/staff/request-items/{item}"), json={"active": False},
                     timeout=10).status_code == 200
    assert ask(srv, item, asker()).status_code == 404
    assert requests.get(srv.url(f"/requests/{item}"), timeout=10).status_code == 404
    # A kind the profile has no collection point for.
    r = staff.post(srv.url("/api/v1/staff/request-items"), timeout=10,
                   json={"kind": "product_order", "title": "Shop"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "kind"
    assert srv.sql("SELECT COUNT(*) FROM requests")[0][0] == before
    assert all(b"victim@example.com" not in m[2] for m in smtp_sink.messages)


def test_requests_rate_limited_per_client(make_server):
    srv = make_server(extra=["--requests-per-hour", "2"], limits=None)
    staff = staff_client(srv, "fulfilment")
    item = publish(srv, staff)
    for _ in range(2):
        assert ask(srv, item, asker()).status_code == 201
    r = ask(srv, item, asker())
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert srv.sql("SELECT COUNT(*) FROM requests")[0][0] == "2"


def test_every_request_route_404_under_mini_insiders(make_server):
    srv = make_server(profile="mini-insiders")
    staff = staff_client(srv, "admin")
    for path in ("/requests", "/requests/1", "/requests/sent", "/requests/status/" + "A" * 43,
                 "/api/v1/requests/items", "/api/v1/requests/status/" + "A" * 43):
        assert requests.get(srv.url(path), timeout=10).status_code == 404, path
    assert requests.post(srv.url("/api/v1/requests"), json=dict(asker(), item=1),
                         timeout=10).status_code == 404
    for path in ("/staff/requests", "/api/v1/staff/requests", "/api/v1/staff/request-items",
                 "/api/v1/staff/requests/1"):
        assert staff.get(srv.url(path), timeout=10).status_code == 404, path
