"""A forgotten password (issue 11), attacked as an outsider would: asking
tells nobody whether an address has an account; the mailed link works once,
for 30 minutes, and a GET of it changes nothing; setting the new password
ends every session and remembered device and cancels a pending change of
address; the token is in no log line and in no file; asking is throttled per
e-mail address (known or not, alike) and per client address. Staff accounts
are never reset here. Every test runs on SQLite and on PostgreSQL."""
import http.client
import json
import re
import time
import uuid
from urllib.parse import urlencode

import requests

from conftest import contains_any, make_staff, mail_flags
from test_mail_lists import join, parse, wait_mail
from test_members import PASSWORD, person
from test_members import join as join_and_sign_in

NEW_PASSWORD = "seven lanterns over the harbour"
LINK = re.compile(r"(https?://[^\s]+)/reset\?token=([A-Za-z0-9_-]{43})")
SENT = "If that address has an account, a message is on its way."


def ask(srv, email):
    return requests.post(srv.url("/api/v1/password-reset"), json={"email": email}, timeout=30)


def reset_link(sink, address):
    """The site address and token of the reset message to address."""
    msg = wait_mail(sink, address, "Set a new password")
    m = LINK.search(msg.get_body(("plain",)).get_content())
    assert m, "the message holds no reset link"
    return m.group(1), m.group(2)


def confirm(srv, token, password=NEW_PASSWORD):
    return requests.post(srv.url("/api/v1/password-reset/confirm"),
                         json={"token": token, "password": password}, timeout=30)


def signin(srv, email, password):
    return requests.post(srv.url("/api/v1/signin"), json={"email": email, "password": password},
                         timeout=30)


def mail_to(sink, address):
    return [raw for _, rcpts, raw in list(sink.messages) if rcpts == [address]]


def test_the_same_answer_for_an_address_with_and_without_an_account(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    staff = make_staff(srv, "admin")
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    answers = {who: ask(srv, email) for who, email in
               (("member", m.person["email"]), ("unknown", unknown), ("staff", staff["email"]))}
    for who, r in answers.items():
        assert r.status_code == 202, (who, r.text)
        assert r.json() == {"message": SENT}, who
        assert "Set-Cookie" not in r.headers, who
    bodies = {r.content for r in answers.values()}
    assert len(bodies) == 1, "the answer differs with the address"
    heads = [{k: v for k, v in r.headers.items() if k not in ("X-Request-Id", "Date")}
             for r in answers.values()]
    assert heads[0] == heads[1] == heads[2]
    # The form says the same too.
    pages = [requests.post(srv.url("/forgot"), data={"email": e}, timeout=30)
             for e in (m.person["email"], unknown, staff["email"])]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert len({p.text for p in pages}) == 1 and SENT in pages[0].text
    # Only the member's address gets a message (two: the API's and the form's):
    # once the outbox is empty, everything queued has been delivered.
    assert srv.sql("SELECT COUNT(*) FROM password_resets") == [["2"]]
    deadline = time.time() + 30
    while srv.sql("SELECT COUNT(*) FROM outbox") != [["0"]] and time.time() < deadline:
        time.sleep(0.1)
    assert srv.sql("SELECT COUNT(*) FROM outbox") == [["0"]]
    resets = [raw for raw in mail_to(smtp_sink, m.person["email"])
              if "Set a new password" in parse(raw)["Subject"]]
    assert len(resets) == 2
    assert mail_to(smtp_sink, unknown) == []
    # Staff are reset by an admin only (glovebox staff reset): nothing was sent.
    assert mail_to(smtp_sink, staff["email"]) == []


def test_the_link_works_once_and_a_get_changes_nothing(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink) + ["--site-url", "http://gb.example"])
    m = join(srv, smtp_sink)
    email = m.person["email"]
    assert ask(srv, email).status_code == 202
    site, token = reset_link(smtp_sink, email)
    assert site == "http://gb.example"
    assert srv.sql("SELECT expires_at - created_at FROM password_resets") == [["1800"]]
    # A mail scanner follows the link: a form, and nothing spent or changed.
    page = requests.get(srv.url(f"/reset?token={token}"), timeout=10)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'name="token" value="{token}"' in page.text and 'id="password"' in page.text
    assert requests.get(srv.url(f"/reset?token={token}"), timeout=10).status_code == 200
    assert signin(srv, email, PASSWORD).status_code == 200
    # The members' password rule applies, and a refused password spends nothing.
    r = confirm(srv, token, "password")
    assert r.status_code == 400 and r.json()["error"]["field"] == "password"
    r = requests.post(srv.url("/reset"), data={"token": token, "password": "short"}, timeout=30)
    assert r.status_code == 400 and 'id="password-error"' in r.text
    assert f'value="{token}"' in r.text
    assert signin(srv, email, PASSWORD).status_code == 200
    # Once.
    r = confirm(srv, token)
    assert r.status_code == 200 and r.json() == {"reset": True}
    assert signin(srv, email, PASSWORD).status_code == 401
    assert signin(srv, email, NEW_PASSWORD).status_code == 200
    again = confirm(srv, token, "another long pass phrase")
    assert again.status_code == 404 and again.json()["error"]["code"] == "bad_token"
    r = requests.post(srv.url("/reset"), data={"token": token, "password": "another long one"},
                      timeout=30)
    assert r.status_code == 404 and 'id="reset-gone"' in r.text
    assert requests.get(srv.url(f"/reset?token={token}"), timeout=10).status_code == 404
    assert signin(srv, email, NEW_PASSWORD).status_code == 200
    # A forged token is refused alike.
    r = confirm(srv, "A" * 43)
    assert r.status_code == 404 and r.json()["error"]["code"] == "bad_token"


def test_either_of_two_links_works_and_using_one_spends_both(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    assert ask(srv, m.person["email"]).status_code == 202
    _, first = reset_link(smtp_sink, m.person["email"])
    assert ask(srv, m.person["email"]).status_code == 202
    deadline = time.time() + 30
    tokens = set()
    while len(tokens) < 2 and time.time() < deadline:
        tokens = {LINK.search(parse(raw).get_body(("plain",)).get_content()).group(2)
                  for raw in mail_to(smtp_sink, m.person["email"])
                  if "Set a new password" in parse(raw)["Subject"]}
        time.sleep(0.05)
    assert len(tokens) == 2
    second = (tokens - {first}).pop()
    # Either link works until one is used; using one spends both.
    assert confirm(srv, second).status_code == 200
    assert confirm(srv, first, "a different long phrase").status_code == 404
    assert srv.sql("SELECT COUNT(*) FROM password_resets") == [["0"]]
    assert signin(srv, m.person["email"], NEW_PASSWORD).status_code == 200


def test_an_expired_link_does_nothing(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    assert ask(srv, m.person["email"]).status_code == 202
    _, token = reset_link(smtp_sink, m.person["email"])
    # 30 minutes and a second have passed.
    srv.sql("UPDATE password_resets SET expires_at = expires_at - 1801, "
            "created_at = created_at - 1801")
    r = confirm(srv, token)
    assert r.status_code == 404 and r.json()["error"]["code"] == "bad_token"
    page = requests.get(srv.url(f"/reset?token={token}"), timeout=10)
    assert page.status_code == 404 and 'id="reset-gone"' in page.text
    r = requests.post(srv.url("/reset"), data={"token": token, "password": NEW_PASSWORD},
                      timeout=30)
    assert r.status_code == 404
    assert signin(srv, m.person["email"], PASSWORD).status_code == 200
    assert signin(srv, m.person["email"], NEW_PASSWORD).status_code == 401
    # The retention pass drops the expired row.
    srv.cli("retention", "run")
    assert srv.sql("SELECT COUNT(*) FROM password_resets") == [["0"]]


def test_every_session_and_device_ends_and_a_pending_address_change_is_cancelled(
        make_server, smtp_sink):
    # The Insiders profile offers "remember me on this device" (INS12).
    srv = make_server(profile="mini-insiders", extra=mail_flags(smtp_sink))
    p = person()
    first = requests.Session()
    r = join_and_sign_in(srv, p, first, remember=True)
    assert r.status_code == 200, r.text
    first.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    second = requests.Session()
    r = second.post(srv.url("/api/v1/signin"), timeout=30,
                    json={"email": p["email"], "password": PASSWORD, "remember": True})
    assert r.status_code == 200
    member = r.json()["id"]
    device = requests.Session()
    device.cookies.set("gb_remember", first.cookies.get("gb_remember"))
    assert p["email"] in device.get(srv.url("/signin"), timeout=10).text     # prefilled
    # A change of address waits for its confirmation.
    moved = "moved-" + p["email"]
    assert first.post(srv.url("/api/v1/me/email"), json={"email": moved},
                      timeout=10).status_code == 202
    change = re.search(r"confirm-email\?token=([A-Za-z0-9_-]{43})",
                       wait_mail(smtp_sink, moved, "confirm your new e-mail")
                       .get_body(("plain",)).get_content()).group(1)
    assert int(srv.sql(f"SELECT COUNT(*) FROM sessions WHERE member_id = {member}")[0][0]) == 2
    assert int(srv.sql(f"SELECT COUNT(*) FROM remembered_devices WHERE member_id = {member}")
               [0][0]) == 2

    assert ask(srv, p["email"]).status_code == 202
    _, token = reset_link(smtp_sink, p["email"])
    assert confirm(srv, token).status_code == 200

    for s in (first, second):
        assert s.get(srv.url("/api/v1/me/consents"), timeout=10).status_code == 401
    assert srv.sql(f"SELECT COUNT(*) FROM sessions WHERE member_id = {member}") == [["0"]]
    assert srv.sql(f"SELECT COUNT(*) FROM remembered_devices WHERE member_id = {member}") == \
        [["0"]]
    assert p["email"] not in device.get(srv.url("/signin"), timeout=10).text
    assert srv.sql(f"SELECT COUNT(*) FROM email_changes WHERE member_id = {member}") == [["0"]]
    r = requests.post(srv.url("/confirm-email"), data={"token": change}, timeout=10)
    assert r.status_code == 404
    # The address is told, and stays the account's address.
    notice = wait_mail(smtp_sink, p["email"], "Your password was reset")
    text = notice.get_body(("plain",)).get_content()
    assert "signed out" in text and "cancelled" in text and token not in text
    s = requests.Session()
    r = s.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": NEW_PASSWORD},
               timeout=30)
    assert r.status_code == 200
    me = s.get(srv.url("/api/v1/me"), timeout=10).json()
    assert me["data"]["email"] == p["email"]


def test_the_token_is_in_no_log_line_and_no_file(make_server, smtp_sink, tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink) + ["--log-level", "debug"])
    m = join(srv, smtp_sink)
    assert ask(srv, m.person["email"]).status_code == 202
    _, token = reset_link(smtp_sink, m.person["email"])
    # While the link is live: its page, a wrong password, then the right one.
    assert requests.get(srv.url(f"/reset?token={token}"), timeout=10).status_code == 200
    assert requests.post(srv.url("/reset"), data={"token": token, "password": "short"},
                         timeout=30).status_code == 400
    live = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert srv.sql("SELECT COUNT(*) FROM password_resets") == [["1"]]
    assert contains_any(live, [token]) == set(), "the token is stored or logged in plaintext"
    assert confirm(srv, token).status_code == 200
    wait_mail(smtp_sink, m.person["email"], "Your password was reset")
    srv.stop()              # the log is written out
    files = srv.raw_files()
    assert any(path.endswith("glovebox.log") for path in files)
    assert any(b"/reset" in b for p, b in files.items() if p.endswith(".log")), \
        "the request log was not written"
    assert contains_any(list(files.values()) + live, [token]) == set()


def post_from(srv, source, path, body):
    """POST JSON to srv from the loopback address source (127.0.0.N): the
    per-client limit sees another client."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def within_one_hour(run):
    """run() inside one window of the hourly limits: if an hour began while
    it ran, it runs again (it must then use fresh addresses and clients, as
    the counters of the new window hold part of the first run)."""
    for attempt in range(2):
        start = time.time()
        out = run(attempt)
        if int(start // 3600) == int(time.time() // 3600):
            return out
    raise AssertionError("could not run inside one hour")


def test_throttled_per_email_address_known_or_not_alike(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink) + ["--reset-per-email-hour", "3",
                                                     "--reset-per-hour", "1000"])
    m = join(srv, smtp_sink)

    def run(attempt):
        unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
        # A known address is whatever join() made; after an hour began, a new member.
        known = m.person["email"] if attempt == 0 else join(srv, smtp_sink).person["email"]
        out = {}
        for who, email in (("known", known), ("unknown", unknown)):
            # Spread over several clients: the limit is the address's, from anywhere;
            # its letters' case and spaces do not make another address.
            spellings = [email, email.upper(), email, email]
            out[who] = [post_from(srv, f"127.0.{attempt}.{i + 2}", "/api/v1/password-reset",
                                  {"email": e}) for i, e in enumerate(spellings)]
        return out

    out = within_one_hour(run)
    for who, answers in out.items():
        assert [a[0] for a in answers] == [202, 202, 202, 429], (who, answers)
        status, headers, body = answers[3]
        assert json.loads(body)["error"]["code"] == "too_many_attempts"
        assert 0 < int(headers["Retry-After"]) <= 3600
    # Known and unknown answer alike, throttled or not.
    assert [a[2] for a in out["known"]] == [a[2] for a in out["unknown"]]
    # The address is not stored: the counters are keyed hashes.
    db = [b for path, b in srv.raw_files().items() if not path.endswith(".log")]
    assert contains_any(db, ["nobody-", m.person["email"]]) == set()


def post_form_from(srv, source, path, form):
    """POST a form to srv from the loopback address source."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.request("POST", path, body=urlencode(form),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def test_throttled_per_client_address(make_server):
    srv = make_server(extra=["--reset-per-hour", "4", "--reset-per-email-hour", "1000"])

    def fresh():
        return f"n-{uuid.uuid4().hex[:8]}@example.org"

    def run(attempt):
        api, form, other = (f"127.0.{attempt}.{n}" for n in (10, 11, 12))
        return ([post_from(srv, api, "/api/v1/password-reset", {"email": fresh()})
                 for _ in range(5)],
                [post_form_from(srv, form, "/forgot", {"email": fresh()}) for _ in range(5)],
                post_from(srv, other, "/api/v1/password-reset", {"email": fresh()}))

    api, form, other = within_one_hour(run)
    assert [a[0] for a in api] == [202] * 4 + [429]
    assert json.loads(api[4][2])["error"]["code"] == "too_many_attempts"
    assert 0 < int(api[4][1]["Retry-After"]) <= 3600
    # The form answers 429 too, with the message on the form and Retry-After.
    assert [a[0] for a in form] == [200] * 4 + [429]
    status, headers, page = form[4]
    assert 0 < int(headers["Retry-After"]) <= 3600
    assert "Too many password reset requests" in page and 'id="email"' in page
    # Another client is not held up.
    assert other[0] == 202


def test_long_addresses_are_throttled_each_on_its_own(make_server):
    """Two addresses of 254 bytes, the longest taken, that differ in their
    last letters only: each has its own allowance (the limit's key is never
    cut short)."""
    srv = make_server(extra=["--reset-per-email-hour", "2", "--reset-per-hour", "1000"])

    def address(tag, tld):
        domain = ".".join([tag + "d" * (63 - len(tag)), "e" * 63, "f" * 61, tld])
        email = "x" * 60 + "@" + domain
        assert len(email) == 254
        return email

    def run(attempt):
        tag = uuid.uuid4().hex[:8]
        return [post_from(srv, f"127.0.{attempt}.20", "/api/v1/password-reset",
                          {"email": address(tag, tld)})[0]
                for tld in ("org", "org", "net", "net", "org", "net")]

    assert within_one_hour(run) == [202, 202, 202, 202, 429, 429]
