"""E-postcards (issue 14; NAM03, NAM05; docs/postcards.md): a visitor sends
one of the bundled cards; the recipient's name and address are sealed under
a subject of their own, serve one mail through the outbox and are erased
once it is delivered or has failed for good; the card's link shows it for
30 days and stops at once when reported; the recipient is never on any
list. Against a real SMTP listener, on both engines."""
import os
import re
import time
import uuid

import requests

from conftest import contains_any, form_token, mail_flags, staff_client
from test_mail_lists import join, parse

LINK = re.compile(r"/postcards/view/([A-Za-z0-9_-]{43})")


def people():
    tag = uuid.uuid4().hex[:10]
    return {"card": "roadster",
            "postcard_text": f"Greetings from the coast road {tag}, see you at the meet!",
            "name": f"Sender Pq{tag}", "email": f"sender-{tag}@example.org",
            "recipient_name": f"Friend Rx{tag}", "recipient_email": f"friend-{tag}@example.net"}


def send(srv, card, session=None):
    return (session or requests).post(srv.url("/api/v1/postcards"), json=card, timeout=30)


def mails_to(sink, address, n=1, timeout=30):
    """The messages to address, once n have arrived."""
    deadline = time.time() + timeout
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


def recipients_erased(srv, timeout=30):
    """Waits until no postcard recipient has a data key or a row."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = srv.sql("SELECT COUNT(*) FROM subject_keys k JOIN subjects s ON s.id = k.subject_id "
                       "WHERE s.kind = 'postcard_recipient'")[0][0]
        rows = srv.sql("SELECT COUNT(*) FROM postcard_recipients")[0][0]
        if left == "0" and rows == "0":
            return
        time.sleep(0.05)
    raise AssertionError("a postcard recipient is still there")


def log_text(srv):
    with open(srv.log, "rb") as f:
        return f.read() + srv.stderr().encode()


def test_nam03_recipient_details_used_only_to_send_then_gone(make_server, smtp_sink, tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink))
    card = people()
    secret = [card["recipient_name"], card["recipient_email"], card["postcard_text"]]
    smtp_sink.stop()        # the relay is down: the card waits in the outbox
    r = send(srv, card)
    assert r.status_code == 201, r.text
    # Waiting: the recipient is a subject of their own, with a key, owned by
    # no one; everything is sealed, at every point (the files, the WAL, the log).
    rows = srv.sql("SELECT s.id, s.owner_id FROM subjects s JOIN postcard_recipients r "
                   "ON r.subject_id = s.id WHERE s.kind = 'postcard_recipient'")
    assert len(rows) == 1 and rows[0][1] in ("", "0"), rows
    recipient = rows[0][0]
    assert srv.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {recipient}") == [["1"]]
    assert not contains_any(list(srv.raw_files().values()) + [log_text(srv)],
                            secret + [card["name"]])
    smtp_sink.start()
    got = mails_to(smtp_sink, card["recipient_email"])
    assert len(got) == 1
    msg = parse(got[0])
    text = text_of(got[0])
    assert card["name"] in msg["Subject"] and card["name"] in text
    assert "Report this card" in text
    token = token_of(got[0])
    # No advertising of any kind: no other link than the card's.
    assert re.findall(r"https?://\S+", text) == [f"http://127.0.0.1:8080/postcards/view/{token}"]
    recipients_erased(srv)
    assert srv.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {recipient}") == [["0"]]
    assert srv.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {recipient}") == [["0"]]
    assert srv.sql("SELECT COUNT(*) FROM outbox WHERE purpose = 'postcard_delivery'")[0][0] == "0"
    assert srv.sql("SELECT COUNT(*) FROM postcards WHERE delivered_at IS NOT NULL")[0][0] == "1"
    # The sender is told it arrived; the notice names no one else.
    told = text_of(mails_to(smtp_sink, card["email"])[0])
    assert "delivered" in told
    assert not contains_any([told.encode()], [card["recipient_name"], card["recipient_email"]])
    # The card still shows what its sender wrote, on the card's link.
    page = requests.get(srv.url(f"/postcards/view/{token}"), timeout=10)
    assert page.status_code == 200 and card["postcard_text"] in page.text
    assert card["name"] in page.text
    # Nothing that tracks whoever opens it: no cookie, nothing from elsewhere.
    assert "Set-Cookie" not in page.headers
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page.text)
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path), log_text(srv)]
    assert not contains_any(blobs, secret + [card["name"], card["email"]])
    assert len([m for m in smtp_sink.messages if m[1] == [card["recipient_email"]]]) == 1


def test_nam05_recipient_erased_when_the_mail_fails_for_good(make_server, tmp_path):
    from conftest import SMTPSink
    card = people()
    sink = SMTPSink(refuse={card["recipient_email"]}).start()
    try:
        srv = make_server(extra=mail_flags(sink))
        assert send(srv, card).status_code == 201
        recipients_erased(srv)
        assert srv.sql("SELECT COUNT(*) FROM postcards WHERE failed_at IS NOT NULL")[0][0] == "1"
        told = text_of(mails_to(sink, card["email"])[0])
        assert "could not be delivered" in told
        blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
        assert not contains_any(blobs, [card["recipient_name"], card["recipient_email"]])
    finally:
        sink.stop()


def test_nam05_recipient_erased_at_start_when_a_crash_came_between_mail_and_erasure(
        make_server, smtp_sink):
    """The mail's row leaves the outbox in one transaction and the hook
    erases the recipient in the next: a process killed between the two
    leaves a recipient whose mail has gone. The next start erases them."""
    srv = make_server(extra=mail_flags(smtp_sink))
    smtp_sink.stop()        # the card waits in the outbox
    card = people()
    assert send(srv, card).status_code == 201
    srv.kill9()
    # As if delivered just before the kill: the outbox's row is gone.
    srv.sql("DELETE FROM outbox WHERE purpose = 'postcard_delivery'")
    assert srv.sql("SELECT COUNT(*) FROM postcard_recipients")[0][0] == "1"
    srv.start()
    recipients_erased(srv, timeout=10)
    assert not contains_any(list(srv.raw_files().values()),
                            [card["recipient_name"], card["recipient_email"]])


def test_nam05_postcard_recipient_never_on_any_list(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    member = join(srv, smtp_sink, opt_in="member_news")
    card = people()
    # Sent by a member who leaves their own details out: the account's are used.
    mine = {k: v for k, v in card.items() if k not in ("name", "email")}
    r = send(srv, mine, member)
    assert r.status_code == 201, r.text
    got = mails_to(smtp_sink, card["recipient_email"])
    assert member.person["name"] in text_of(got[0])
    token = token_of(got[0])
    recipient = [card["recipient_name"], card["recipient_email"]]
    # Campaigns under every purpose the profile has: none reaches the recipient.
    editor = staff_client(srv, "editor")
    profile = requests.get(srv.url("/privacy.json"), timeout=10).json()
    for p in profile["purposes"]:
        editor.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                    json={"purpose": p["id"], "subject": f"News {p['id']}", "body": "Hello."})
        out = srv.cli("mail", "campaign", "--purpose", p["id"], "--subject", f"Cli {p['id']}",
                      os.devnull, check=False)
        del out
    time.sleep(1.5)
    smtp_sink.wait(len(smtp_sink.messages))
    assert len([m for m in smtp_sink.messages if card["recipient_email"] in m[1]]) == 1
    # The sender's export: their card, not its recipient.
    export = member.get(srv.url("/api/v1/me/export"), timeout=30)
    assert export.status_code == 200, export.text
    assert card["postcard_text"] in export.text
    assert not contains_any([export.content], recipient)
    # Staff member lists and lookups, under every role.
    for role in ("admin", "fulfilment", "support", "editor", "verifier"):
        staff = staff_client(srv, role)
        for path in ("/staff/members", "/api/v1/staff/messages", "/staff"):
            page = staff.get(srv.url(path), timeout=10)
            assert not contains_any([page.content], recipient), (role, path)
        for p in profile["purposes"]:
            r = staff.post(srv.url("/api/v1/staff/members/find"), timeout=10,
                           json={"email": card["recipient_email"], "purpose": p["id"]})
            assert r.status_code in (200, 403, 404), r.text
            assert not contains_any([r.content], recipient)
            if r.status_code == 200:
                assert r.json().get("members", r.json().get("found", [])) in ([], None, {})
    # No member, and no statistics, count them.
    assert srv.sql("SELECT COUNT(*) FROM subjects WHERE kind = 'member'")[0][0] == "1"
    metrics = requests.get(f"http://127.0.0.1:{srv.metrics_port}/metrics", timeout=10).text
    assert "recipient" not in metrics
    recipients_erased(srv)
    assert requests.get(srv.url(f"/postcards/view/{token}"), timeout=10).status_code == 200


def test_postcard_rate_limits_per_sender_and_per_client(make_server):
    srv = make_server(extra=["--postcards-per-sender-day", "2",
                             "--postcards-per-client-day", "4"])
    card = people()
    for _ in range(2):
        other = f"x{uuid.uuid4().hex[:6]}@example.net"
        assert send(srv, dict(card, recipient_email=other)).status_code == 201
    # The same sender, in another case: refused, from any address.
    r = send(srv, dict(card, email=card["email"].upper()))
    assert r.status_code == 429 and r.json()["error"]["field"] == "email"
    assert int(r.headers["Retry-After"]) > 0
    # Another sender from the same client: one more, then the client's limit.
    assert send(srv, people()).status_code == 201
    r = send(srv, people())
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert srv.sql("SELECT COUNT(*) FROM postcards")[0][0] == "3"


def test_report_stops_the_link_and_leaves_a_note(make_server, smtp_sink, tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink))
    card = people()
    assert send(srv, card).status_code == 201
    token = token_of(mails_to(smtp_sink, card["recipient_email"])[0])
    assert requests.get(srv.url(f"/postcards/view/{token}"), timeout=10).status_code == 200
    # From another site: refused, the card stays.
    r = requests.post(srv.url(f"/postcards/view/{token}/report"), timeout=10, data={"go": "1"},
                      headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert requests.get(srv.url(f"/postcards/view/{token}"), timeout=10).status_code == 200
    r = requests.post(srv.url(f"/postcards/view/{token}/report"), timeout=10, data={"go": "1"})
    assert r.status_code == 200 and 'id="reported"' in r.text
    page = requests.get(srv.url(f"/postcards/view/{token}"), timeout=10)
    assert page.status_code in (404, 410)
    assert card["postcard_text"] not in page.text
    r = requests.post(srv.url(f"/api/v1/postcards/{token}/report"), timeout=10)
    assert r.status_code in (404, 410)
    # The note for the desk: when and which picture, no one's data.
    support = staff_client(srv, "support")
    notes = support.get(srv.url("/api/v1/staff/postcards/reports"), timeout=10)
    assert notes.status_code == 200
    assert [n["card"] for n in notes.json()["reports"]] == ["roadster"]
    assert not contains_any([notes.content], list(card.values())[1:])
    assert requests.get(srv.url("/api/v1/staff/postcards/reports"),
                        timeout=10).status_code == 401
    editor = staff_client(srv, "editor")
    assert editor.get(srv.url("/api/v1/staff/postcards/reports"), timeout=10).status_code == 403
    # The same note as a staff page, linked from the desk's staff home only.
    page = support.get(srv.url("/staff/postcards/reports"), timeout=10)
    assert page.status_code == 200
    assert re.findall(r'<tr data-id="\d+"><td>(\w+)</td>', page.text) == ["roadster"]
    assert not contains_any([page.content], list(card.values())[1:])
    assert 'href="/staff/postcards/reports"' in support.get(srv.url("/staff"), timeout=10).text
    assert editor.get(srv.url("/staff/postcards/reports"), timeout=10).status_code == 403
    assert 'href="/staff/postcards/reports"' not in editor.get(srv.url("/staff"), timeout=10).text
    recipients_erased(srv)
    assert srv.sql("SELECT COUNT(*) FROM postcards")[0][0] == "0"
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [card["postcard_text"], card["name"], card["email"]])


def test_link_dies_after_30_days(make_server, smtp_sink, tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink))
    card = people()
    assert send(srv, card).status_code == 201
    token = token_of(mails_to(smtp_sink, card["recipient_email"])[0])
    recipients_erased(srv)
    # Thirty days on (the clock moved by SQL, as the other tests do).
    month = 30 * 86400 + 60
    srv.sql(f"UPDATE postcards SET created_at = created_at - {month}, ends_at = ends_at - {month}")
    page = requests.get(srv.url(f"/postcards/view/{token}"), timeout=10)
    assert page.status_code == 410 and card["postcard_text"] not in page.text
    assert "<form" not in page.text and "<script" not in page.text
    srv.cli("retention", "run")
    assert requests.get(srv.url(f"/postcards/view/{token}"), timeout=10).status_code == 404
    assert srv.sql("SELECT COUNT(*) FROM postcards")[0][0] == "0"
    assert srv.sql("SELECT COUNT(*) FROM subject_keys k JOIN subjects s ON s.id = k.subject_id "
                   "WHERE s.kind = 'requester'")[0][0] == "0"
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [card["postcard_text"], card["name"], card["email"]])


def test_hostile_postcard_input(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    card = people()
    card["postcard_text"] = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    card["name"] = '<b>Mallory</b><script>1</script>'
    assert send(srv, card).status_code == 201, send
    raw = mails_to(smtp_sink, card["recipient_email"])[0]
    msg = parse(raw)
    assert msg.get_content_type() == "text/plain" and not msg.is_multipart()
    assert card["postcard_text"].encode() not in raw        # the greeting stays on the card
    token = token_of(raw)
    page = requests.get(srv.url(f"/postcards/view/{token}"), timeout=10)
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<b>Mallory" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in page.text
    # CR/LF in a name: refused, no header injection, nothing stored.
    before = srv.sql("SELECT COUNT(*) FROM postcards")[0][0]
    for field in ("name", "recipient_name"):
        r = send(srv, dict(people(), **{field: "Eve\r\nBcc: victim@example.com"}))
        assert r.status_code == 400 and r.json()["error"]["field"] == field
    r = send(srv, dict(people(), recipient_email="a@example.net\r\nBcc: victim@example.com"))
    assert r.status_code == 400
    # Over-long fields and an unknown card.
    r = send(srv, dict(people(), postcard_text="x" * 2001))
    assert r.status_code == 400 and r.json()["error"]["field"] == "postcard_text"
    r = send(srv, dict(people(), name="n" * 201))
    assert r.status_code == 400
    r = send(srv, dict(people(), card="ferrari"))
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_card"
    r = send(srv, dict(people(), card="../../etc/passwd"))
    assert r.status_code == 400
    # Anonymous without the sender's details.
    r = send(srv, {k: v for k, v in people().items() if k != "email"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "email"
    assert srv.sql("SELECT COUNT(*) FROM postcards")[0][0] == before
    assert all(b"victim@example.com" not in m[2] and "victim@example.com" not in m[1]
               for m in smtp_sink.messages)
    # Unknown and malformed links.
    for t in ("A" * 43, "short", "A" * 44):
        assert requests.get(srv.url(f"/postcards/view/{t}"), timeout=10).status_code == 404


def test_postcard_form_csrf_and_notice(make_server):
    srv = make_server()
    s = requests.Session()
    page = s.get(srv.url("/postcards"), timeout=10)
    assert page.status_code == 200
    # NAM01: each person's part states its purpose and links the version in force.
    assert 'id="purpose-notice"' in page.text and 'id="recipient-notice"' in page.text
    assert "#purpose-postcard_sending" in page.text and "#purpose-postcard_delivery" in page.text
    token = form_token(srv, s, "/postcards")
    form = {k: v for k, v in people().items()}
    # No pre-session token, or another one: refused, nothing stored.
    r = s.post(srv.url("/postcards"), data=form, timeout=10, allow_redirects=False)
    assert r.status_code == 403
    r = requests.post(srv.url("/postcards"), data=dict(form, csrf_token=token), timeout=10,
                      allow_redirects=False)
    assert r.status_code == 403
    r = s.post(srv.url("/postcards"), data=dict(form, csrf_token=token), timeout=10,
               allow_redirects=False, headers={"Origin": "https://evil.example",
                                               "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = requests.post(srv.url("/api/v1/postcards"), json=people(), timeout=10,
                      headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert srv.sql("SELECT COUNT(*) FROM postcards")[0][0] == "0"
    # A bad field: the form again, with the message and what was typed.
    r = s.post(srv.url("/postcards"), data=dict(form, csrf_token=token, recipient_email="nope"),
               timeout=10, allow_redirects=False)
    assert r.status_code in (400, 422) and 'id="recipient_email-error"' in r.text
    assert form["postcard_text"] in r.text
    r = s.post(srv.url("/postcards"), data=dict(form, csrf_token=token), timeout=10,
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "/postcards/sent"
    assert srv.sql("SELECT COUNT(*) FROM postcards")[0][0] == "1"


def test_postcard_routes_404_under_mini_insiders(make_server):
    srv = make_server(profile="mini-insiders")
    for path in ("/postcards", "/postcards/sent", "/api/v1/postcards/cards",
                 "/postcards/view/" + "A" * 43):
        assert requests.get(srv.url(path), timeout=10).status_code == 404, path
    assert requests.post(srv.url("/api/v1/postcards"), json=people(),
                         timeout=10).status_code == 404
    assert requests.post(srv.url("/api/v1/postcards/" + "A" * 43 + "/report"),
                         timeout=10).status_code == 404
    home = requests.get(srv.url("/"), timeout=10).text
    assert "/postcards" not in home
    # The desk has no reports page, nor a link to one, where no card is sent.
    support = staff_client(srv, "support")
    assert support.get(srv.url("/staff/postcards/reports"), timeout=10).status_code == 404
    assert "/staff/postcards" not in support.get(srv.url("/staff"), timeout=10).text
