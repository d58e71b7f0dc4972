"""Address confirmation (double opt-in), campaigns to the consenting and
confirmed only (NAM08, INS05), and one-click unsubscribe (ALL06), against a
real SMTP listener."""
import email
import email.policy
import os
import re
import time
import uuid

import requests

from conftest import mail_flags, staff_client
from test_members import PASSWORD, person, signup, waiting_members


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def join(srv, sink, opt_in="", confirm=True):
    """A member who joined; with confirm, who confirmed the address from the
    message and then signed in (nobody signs in before, issue 11)."""
    p = person()
    s = requests.Session()
    body = dict(p)
    if opt_in:
        body["opt_in"] = opt_in
    before = waiting_members(srv)
    r = signup(srv, body, s)
    assert r.status_code == 202, r.text
    new = waiting_members(srv) - before
    assert len(new) == 1
    s.member_id = int(new.pop())
    s.person = p
    if confirm:
        token = confirmation_token(sink, p["email"])
        assert requests.post(srv.url("/api/v1/confirm"), json={"token": token},
                             timeout=10).status_code == 200
        r = s.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
                   timeout=30)
        assert r.status_code == 200, r.text
        s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def to_of(raw):
    return parse(raw)["To"].addresses[0].addr_spec


def confirmation_token(sink, address, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for _, rcpts, raw in sink.messages:
            if rcpts == [address] and b"confirm?token=" in raw:
                text = parse(raw).get_body(("plain",)).get_content()
                return re.search(r"confirm\?token=([A-Za-z0-9_-]{43})", text).group(1)
        time.sleep(0.05)
    raise AssertionError(f"no confirmation message for {address}")


def campaign(srv, purpose, subject, text="News of the club.\n"):
    path = os.path.join(srv.data, "campaign-" + uuid.uuid4().hex[:6] + ".txt")
    with open(path, "w") as f:
        f.write(text)
    out = srv.cli("mail", "campaign", "--purpose", purpose, "--subject", subject, path)
    return int(re.search(r"(\d+) message\(s\) queued", out.stdout).group(1))


def received(sink, subject, settle=1.5):
    time.sleep(settle)       # the outbox passes every second
    return [m for m in sink.messages if parse(m[2])["Subject"] == subject]


def test_confirmation_needs_a_post_and_cannot_be_undone(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    s = join(srv, smtp_sink, confirm=False)
    token = confirmation_token(smtp_sink, s.person["email"])
    confirmed = lambda: srv.sql("SELECT COALESCE(email_confirmed_at, 0) FROM members "
                                f"WHERE id = {s.member_id}")[0][0]
    # A mail scanner following the link confirms nothing.
    page = requests.get(srv.url(f"/confirm?token={token}"), timeout=10)
    assert page.status_code == 200 and 'id="confirm"' in page.text
    assert confirmed() == "0"
    r = requests.post(srv.url("/confirm"), data={"token": token}, timeout=10)
    assert r.status_code == 200 and 'id="confirmed"' in r.text
    first = confirmed()
    assert first != "0"
    # The token is spent; nothing turns the address back.
    r = requests.post(srv.url("/confirm"), data={"token": token}, timeout=10)
    assert r.status_code == 404
    assert confirmed() == first
    r = requests.post(srv.url("/api/v1/confirm"), json={"token": "A" * 43}, timeout=10)
    assert r.status_code == 404


def test_nam08_member_news_only_to_confirmed_members_who_said_yes(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    yes = join(srv, smtp_sink, opt_in="member_news")
    unconfirmed = join(srv, smtp_sink, opt_in="member_news", confirm=False)
    silent = join(srv, smtp_sink)
    assert campaign(srv, "member_news", "Club news 1") == 1
    got = received(smtp_sink, "Club news 1")
    assert [to_of(m[2]) for m in got] == [yes.person["email"]]
    # A purpose that is not news by e-mail cannot be a campaign.
    out = srv.cli("mail", "campaign", "--purpose", "account", "--subject", "x",
                  os.devnull, check=False)
    assert out.returncode == 1 and "not one for sending news" in out.stderr
    # Staff send from the API when their role has the purpose (editor), not otherwise.
    editor = staff_client(srv, "editor")
    r = editor.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                    json={"purpose": "member_news", "subject": "Club news 2", "body": "Hello."})
    assert r.status_code == 201 and r.json()["queued"] == 1
    support = staff_client(srv, "support")
    r = support.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                     json={"purpose": "member_news", "subject": "Not mine", "body": "x"})
    assert r.status_code == 403
    assert [to_of(m[2]) for m in received(smtp_sink, "Club news 2")] == [yes.person["email"]]
    del unconfirmed, silent


def test_all06_one_click_unsubscribe_without_cookies(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink, opt_in="member_news")
    campaign(srv, "member_news", "Before")
    raw = received(smtp_sink, "Before")[0][2]
    msg = parse(raw)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = re.findall(r"<([^>]+)>", msg["List-Unsubscribe"])
    http = [l for l in links if l.startswith("http")][0]
    assert any(l.startswith("mailto:") for l in links)
    assert m.person["email"] not in http and str(m.member_id) not in http
    text = msg.get_body(("plain",)).get_content()
    assert http in text and "info@northamericanmotoring.com" in text
    # The link is on the configured site-url (the default here); aim it at this server.
    assert http.startswith("http://127.0.0.1:8080/unsubscribe?token=")
    http = http.replace("http://127.0.0.1:8080", srv.base)
    # A GET shows a button and changes nothing.
    page = requests.get(http, timeout=10)
    assert page.status_code == 200 and 'id="unsubscribe"' in page.text
    cs = m.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
    assert [c["on"] for c in cs if c["purpose"] == "member_news"] == [True]
    # RFC 8058: a POST with that body and no cookies, from a mail client on
    # a site of its own (the one route open to other sites, issue 11).
    r = requests.post(http, data={"List-Unsubscribe": "One-Click"}, timeout=10,
                      headers={"Origin": "https://webmail.example.com",
                               "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200 and 'id="unsubscribed"' in r.text
    cs = m.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
    assert [c["on"] for c in cs if c["purpose"] == "member_news"] == [False]
    via = srv.sql(f"SELECT via FROM consents WHERE subject_id = {m.member_id} "
                  "AND purpose = 'member_news'")
    assert via == [["link"]]
    assert campaign(srv, "member_news", "After") == 0
    assert received(smtp_sink, "After") == []
    # A forged or altered token does nothing.
    bad = http[:-3] + ("AAA" if not http.endswith("AAA") else "BBB")
    assert requests.post(bad, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 404


def unsubscribe_link(sink, subject, address):
    """The http unsubscribe link of the message with subject to address."""
    for _, rcpts, raw in received(sink, subject):
        if rcpts == [address]:
            links = re.findall(r"<([^>]+)>", parse(raw)["List-Unsubscribe"])
            return [l for l in links if l.startswith("http")][0]
    raise AssertionError(f"no '{subject}' message for {address}")


def test_unsubscribe_token_names_no_one_and_dies_with_a_resubscription(make_server, smtp_sink):
    import base64
    import struct
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink, opt_in="member_news")
    campaign(srv, "member_news", "Token 1")
    link = unsubscribe_link(smtp_sink, "Token 1", m.person["email"])
    link = link.replace("http://127.0.0.1:8080", srv.base)
    token = link.split("token=", 1)[1]
    # Issue 11: its first 8 bytes were the member's id in clear. Now no part
    # of it reads as the id, in either byte order.
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for order in (">q", "<q"):
        assert struct.pack(order, m.member_id) not in raw
    assert str(m.member_id) not in token
    news_on = lambda: [c["on"] for c in m.get(srv.url("/api/v1/me/consents"),
                                                 timeout=10).json()["consents"]
                       if c["purpose"] == "member_news"] == [True]
    # Used once: the member is off. Posted again (a mail client, then the
    # member's click): the same answer, one withdrawal in the ledger.
    for _ in range(2):
        r = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
        assert r.status_code == 200 and 'id="unsubscribed"' in r.text
    assert not news_on()
    offs = f"SELECT COUNT(*) FROM consent_events WHERE subject_id = {m.member_id} " \
           "AND purpose = 'member_news' AND state = 'off'"
    assert srv.sql(offs) == [["1"]]
    # The member switches the news on again: the old link does nothing now.
    assert m.put(srv.url("/api/v1/me/consents/member_news"), json={"on": True},
                 timeout=10).status_code == 200
    assert news_on()
    r = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 404 and "before you last chose" in r.text
    page = requests.get(link, timeout=10)
    assert page.status_code == 404 and 'id="unsubscribe"' not in page.text
    assert news_on()
    assert srv.sql(offs) == [["1"]]
    # The next campaign's link works.
    campaign(srv, "member_news", "Token 2")
    fresh = unsubscribe_link(smtp_sink, "Token 2", m.person["email"])
    fresh = fresh.replace("http://127.0.0.1:8080", srv.base)
    assert fresh != link
    r = requests.post(fresh, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200 and not news_on()


def test_ins05_product_news_to_insiders_unless_they_said_no(make_server, smtp_sink):
    srv = make_server(profile="mini-insiders", extra=mail_flags(smtp_sink))
    stays = join(srv, smtp_sink)
    left = join(srv, smtp_sink)
    r = left.put(srv.url("/api/v1/me/consents/product_communications"), json={"on": False},
                 timeout=10)
    assert r.status_code == 200
    marketing = staff_client(srv, "marketing")
    r = marketing.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                       json={"purpose": "product_communications", "subject": "New MINI",
                             "body": "Meet the new MINI."})
    assert r.status_code == 201 and r.json()["queued"] == 1
    got = received(smtp_sink, "New MINI")
    assert [to_of(m[2]) for m in got] == [stays.person["email"]]
    # ALL06: the footer carries the profile's postal address.
    text = parse(got[0][2]).get_body(("plain",)).get_content()
    assert "PO Box 1227, Westwood NJ 07675-1227" in text


def test_campaign_list_needs_a_communication_role(make_server):
    srv = make_server(profile="mini-insiders")
    # Support answers messages and helps with accounts: no communication purpose.
    support = staff_client(srv, "support")
    r = support.get(srv.url("/api/v1/staff/campaigns"), timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_lacks_purpose"
    assert support.get(srv.url("/staff/campaigns"), timeout=10).status_code == 403
    marketing = staff_client(srv, "marketing")
    r = marketing.get(srv.url("/api/v1/staff/campaigns"), timeout=10)
    assert r.status_code == 200 and r.json()["campaigns"] == []
    assert marketing.get(srv.url("/staff/campaigns"), timeout=10).status_code == 200


def test_campaign_form_needs_the_csrf_token(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink, opt_in="member_news")
    editor = staff_client(srv, "editor")
    form = {"purpose": "member_news", "subject": "Forged news", "body": "Hello.",
            "action": "send"}
    # A form posted from elsewhere carries the staff cookie but not the token.
    r = editor.post(srv.url("/staff/campaigns"), data=form, headers={"X-CSRF-Token": None},
                    allow_redirects=False, timeout=30)
    assert r.status_code == 403
    assert srv.sql("SELECT COUNT(*) FROM campaigns") == [["0"]]
    assert srv.sql("SELECT COUNT(*) FROM outbox WHERE purpose = 'member_news'") == [["0"]]
    assert received(smtp_sink, "Forged news") == []
    # The page's own form carries it in a hidden field, and sends.
    page = editor.get(srv.url("/staff/campaigns"), timeout=10)
    assert f'name="csrf_token" value="{editor.csrf}"' in page.text
    form["subject"] = "Real news"
    r = editor.post(srv.url("/staff/campaigns"), data=dict(form, csrf_token=editor.csrf),
                    headers={"X-CSRF-Token": None}, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/campaigns?sent=1"
    assert srv.sql("SELECT recipients FROM campaigns") == [["1"]]
    assert [to_of(x[2]) for x in received(smtp_sink, "Real news")] == [m.person["email"]]


def test_hard_bounce_marks_the_address_undeliverable(make_server):
    from conftest import SMTPSink
    sink = SMTPSink()
    srv = None
    try:
        sink.start()
        srv = make_server(extra=mail_flags(sink))
        good = join(srv, sink, opt_in="member_news")
        bad = join(srv, sink, opt_in="member_news")
        sink.refuse.add(bad.person["email"])
        assert campaign(srv, "member_news", "Bounce 1") == 2
        got = received(sink, "Bounce 1", settle=2)
        assert [to_of(m[2]) for m in got] == [good.person["email"]]
        undeliverable = srv.sql("SELECT COUNT(*) FROM members WHERE email_undeliverable_at IS NOT NULL")
        assert undeliverable == [["1"]]
        assert campaign(srv, "member_news", "Bounce 2") == 1
        assert srv.sql("SELECT value FROM counters WHERE name = 'mail_refused'") == [["1"]]
    finally:
        sink.stop()


def test_nam10_policy_change_notice_mailed_and_window_starts(make_server, smtp_sink, tmp_path):
    from test_profiles import bundled_text, revision, write
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink, confirm=False)
    v2 = write(tmp_path, "v2.yaml", revision(bundled_text("north-american-motoring"), 2))
    assert "version 2" in srv.cli("profile", "publish", v2).stdout
    deadline = time.time() + 30
    notice = None
    while time.time() < deadline and notice is None:
        for _, rcpts, raw in smtp_sink.messages:
            msg = parse(raw)
            if rcpts == [m.person["email"]] and "A change to how" in msg["Subject"]:
                notice = msg
        time.sleep(0.1)
    assert notice is not None, "no notice arrived"
    text = notice.get_body(("plain",)).get_content()
    assert "Club surveys" in text and "days from this message" in text
    assert "/privacy/v/2" in text
    rows = srv.sql(f"SELECT notified_at FROM use_notices WHERE subject_id = {m.member_id}")
    assert len(rows) == 1 and int(rows[0][0]) > 0
    # One notice per member, however many passes run.
    time.sleep(2)
    notices = [1 for _, r, raw in smtp_sink.messages
               if r == [m.person["email"]] and "A change to how" in parse(raw)["Subject"]]
    assert len(notices) == 1


def wait_mail(sink, address, subject_part, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for _, rcpts, raw in list(sink.messages):
            msg = parse(raw)
            if rcpts == [address] and subject_part in msg["Subject"]:
                return msg
        time.sleep(0.05)
    raise AssertionError(f"no '{subject_part}' message for {address}")


def test_password_change_notice_and_other_sessions_end(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    other = requests.Session()
    assert other.post(srv.url("/api/v1/signin"), timeout=30,
                      json={"email": m.person["email"], "password": PASSWORD}).status_code == 200
    r = m.post(srv.url("/api/v1/me/password"), json={"password": "password"}, timeout=30)
    assert r.status_code == 400                      # the rule applies
    r = m.post(srv.url("/api/v1/me/password"), json={"password": "green mini on a long road"},
               timeout=30)
    assert r.status_code == 200, r.text
    notice = wait_mail(smtp_sink, m.person["email"], "password was changed")
    assert "signed out" in notice.get_body(("plain",)).get_content()
    assert other.get(srv.url("/api/v1/me/consents"), timeout=10).status_code == 401
    assert m.get(srv.url("/api/v1/me/consents"), timeout=10).status_code == 200
    r = requests.post(srv.url("/api/v1/signin"), timeout=30,
                      json={"email": m.person["email"], "password": PASSWORD})
    assert r.status_code == 401
    r = requests.post(srv.url("/api/v1/signin"), timeout=30,
                      json={"email": m.person["email"], "password": "green mini on a long road"})
    assert r.status_code == 200


def test_email_change_confirmed_from_the_new_address_and_told_to_the_old(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    new = "new-" + m.person["email"]
    r = m.post(srv.url("/api/v1/me/email"), json={"email": new}, timeout=10)
    assert r.status_code == 202, r.text
    msg = wait_mail(smtp_sink, new, "confirm your new e-mail")
    token = re.search(r"confirm-email\?token=([A-Za-z0-9_-]{43})",
                      msg.get_body(("plain",)).get_content()).group(1)
    # Nothing changes until the new address confirms, and a GET confirms nothing.
    assert requests.get(srv.url(f"/confirm-email?token={token}"), timeout=10).status_code == 200
    assert m.get(srv.url("/api/v1/me"), timeout=10).json()["data"]["email"] == m.person["email"]
    r = requests.post(srv.url("/confirm-email"), data={"token": token}, timeout=10)
    assert r.status_code == 200 and 'id="confirmed"' in r.text
    assert m.get(srv.url("/api/v1/me"), timeout=10).json()["data"]["email"] == new
    told = wait_mail(smtp_sink, m.person["email"], "address was changed")
    text = told.get_body(("plain",)).get_content()
    assert new not in text and "example.org" in text
    assert requests.post(srv.url("/confirm-email"), data={"token": token}, timeout=10).status_code == 404
    r = requests.post(srv.url("/api/v1/signin"), json={"email": new, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200
    r = requests.post(srv.url("/api/v1/signin"), timeout=30,
                      json={"email": m.person["email"], "password": PASSWORD})
    assert r.status_code == 401
