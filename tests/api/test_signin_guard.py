"""Issue 11, sign-in and what an answer gives away. Each test replays an
attack that worked against the build before the fix:

3. the sign-in lock was an oracle (an account answered 429 after ten
   failures, an unknown address kept answering 401) and a weapon (the lock
   refused the right password, so a few requests an hour kept the owner
   out), for members and staff alike;
4. re-authentication took any number of wrong passwords;
6. sign-up and a change of address answered 409 email_taken for an address
   in use;
10. a change of address started before a password change still confirmed
   after it.
"""
import math
import re
import time
import uuid

import requests

from conftest import contains_any, form_token, make_staff, mail_flags, staff_signin, totp
from test_mail_lists import join as join_by_mail
from test_mail_lists import wait_mail
from test_members import PASSWORD, join, person, signup

MEMBER_BROWSER = "gb_browser"
LOCK_AFTER = 10          # failures in a row before an address or a browser waits


def signin(server, email, password, session=None):
    return (session or requests).post(server.url("/api/v1/signin"), timeout=30,
                                      json={"email": email, "password": password})


def nobody():
    return f"nobody-{uuid.uuid4().hex[:10]}@example.org"


def page_post(server, path, data):
    """A form posted from its page, as a browser would (the page's
    pre-session token in the form and its cookie)."""
    browser = requests.Session()
    token = form_token(server, browser, path)
    return browser.post(server.url(path), data=dict(data, csrf_token=token),
                        allow_redirects=False, timeout=30)


def seen(r):
    """What a client sees of an answer, but what differs for every request
    (its id, the date) and Retry-After's value (compared apart)."""
    skip = {"x-request-id", "date", "retry-after"}
    return (r.status_code, r.text, "Retry-After" in r.headers,
            sorted((k.lower(), v) for k, v in r.headers.items() if k.lower() not in skip))


def assert_alike(a, b):
    assert seen(a) == seen(b), (seen(a), seen(b))
    if "Retry-After" in a.headers:
        # The two locks began one request apart and the two answers came one
        # request apart: a second, more when the machine is slow to answer.
        slack = 1 + math.ceil((a.elapsed + b.elapsed).total_seconds())
        assert abs(int(a.headers["Retry-After"]) - int(b.headers["Retry-After"])) <= slack


# ---- 3. the lock: the same for every address, never against the owner ----

def test_a_locked_address_answers_as_one_without_an_account(server):
    p = person()
    assert join(server, p).status_code == 200
    other = nobody()
    for i in range(LOCK_AFTER):
        a = signin(server, p["email"], f"wrong guess {i}!")
        b = signin(server, other, f"wrong guess {i}!")
        assert a.status_code == 401
        assert_alike(a, b)
    # Locked alike, the right password too: status, body, headers, wait.
    a = signin(server, p["email"], PASSWORD)
    b = signin(server, other, PASSWORD)
    assert a.status_code == 429 and a.json()["error"]["code"] == "too_many_attempts"
    assert_alike(a, b)
    assert 0 < int(a.headers["Retry-After"]) <= 30
    # The sign-in page says the same for both.
    a = page_post(server, "/signin", {"email": p["email"], "password": PASSWORD})
    b = page_post(server, "/signin", {"email": other, "password": PASSWORD})
    assert a.status_code == b.status_code == 429
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", a.text.replace(p["email"], "X")) == \
        token.sub("", b.text.replace(other, "X"))


def test_a_failure_writes_the_same_with_an_account_or_without(server):
    """The write a failure causes happens for an unknown address too: one
    counter each, under a keyed hash, never the address."""
    p = person()
    assert join(server, p).status_code == 200
    other = nobody()
    count = lambda: int(server.sql("SELECT COUNT(*) FROM lockouts")[0][0])
    before = count()
    assert signin(server, p["email"], "wrong guess!").status_code == 401
    assert count() == before + 1
    assert signin(server, other, "wrong guess!").status_code == 401
    assert count() == before + 2
    assert not contains_any(list(server.raw_files().values()), [p["email"], other])


def test_the_owner_browser_signs_in_while_others_are_locked_out(server, tmp_path):
    p = person()
    owner = requests.Session()
    r = join(server, p, owner)      # the owner signed in once from this browser
    assert r.status_code == 200
    first = r.headers["Set-Cookie"]
    token = owner.cookies.get(MEMBER_BROWSER)
    assert owner.post(server.url("/api/v1/signout"), headers={"X-CSRF-Token": r.json()["csrf_token"]},
                      timeout=10).status_code == 200
    # Someone else guesses until the address is locked...
    for i in range(LOCK_AFTER):
        assert signin(server, p["email"], f"guess {i:02d}!").status_code == 401
    assert signin(server, p["email"], PASSWORD).status_code == 429
    # ...and the owner's browser signs in all the same.
    r = signin(server, p["email"], PASSWORD, owner)
    assert r.status_code == 200, r.text
    assert owner.get(server.url("/api/v1/me"), timeout=10).status_code == 200
    # The cookie: random, HttpOnly, kept by the browser as the session's is.
    assert owner.cookies.get(MEMBER_BROWSER) == token
    set_cookie = [c for c in first.split(", ") if c.startswith(MEMBER_BROWSER + "=")]
    assert set_cookie and re.fullmatch(MEMBER_BROWSER + r"=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; "
                                       r"SameSite=Lax; Max-Age=\d+", set_cookie[0]), first
    # The cookie names nobody, and the store keeps only its keyed hash.
    assert p["email"] not in token and str(r.json()["id"]) not in token
    assert not contains_any(list(server.raw_files().values()) + [server.dump(tmp_path)], [token])
    # The member's export lists it; closing the account forgets it (the
    # record layer's erasure).
    mid = r.json()["id"]
    known = owner.get(server.url("/api/v1/me/export"), timeout=10).json()["known_browsers"]
    assert len(known) == 1 and known[0]["last_used"] >= known[0]["created_at"] > 0
    assert server.sql(f"SELECT COUNT(*) FROM known_browsers WHERE subject_id = {mid}") == [["1"]]
    r = owner.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": r.json()["csrf_token"]},
                     timeout=10)
    assert r.status_code == 200
    assert server.sql(f"SELECT COUNT(*) FROM known_browsers WHERE subject_id = {mid}") == [["0"]]


def test_a_known_browser_is_locked_by_its_own_failures_only(server):
    p = person()
    owner = requests.Session()
    r = join(server, p, owner)
    assert r.status_code == 200
    owner.post(server.url("/api/v1/signout"), headers={"X-CSRF-Token": r.json()["csrf_token"]},
               timeout=10)
    for i in range(LOCK_AFTER):
        assert signin(server, p["email"], f"my own typo {i}", owner).status_code == 401
    r = signin(server, p["email"], PASSWORD, owner)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # Those failures lock neither the address nor any other browser.
    assert signin(server, p["email"], PASSWORD).status_code == 200


def test_staff_sign_in_locks_alike_and_never_shuts_the_owner_out(server):
    staff = make_staff(server, "support")
    owner = staff_signin(server, staff)             # this browser is known from now on
    assert owner.post(server.url("/api/v1/staff/signout"), timeout=10).status_code == 200
    other = nobody()

    def attempt(email, password, session=None, code="000000"):
        return (session or requests).post(server.url("/api/v1/staff/signin"), timeout=30,
                                          json={"email": email, "password": password,
                                                "code": code})

    for i in range(LOCK_AFTER):
        a = attempt(staff["email"], f"wrong {i}")
        b = attempt(other, f"wrong {i}")
        assert a.status_code == 401
        assert_alike(a, b)
    code = totp(staff["secret"], time.time() + 30)
    a = attempt(staff["email"], staff["password"], code=code)
    b = attempt(other, staff["password"], code=code)
    assert a.status_code == 429
    assert_alike(a, b)
    # The owner's browser is not subject to the lock (the code's step is
    # moved back, as if the next code had come).
    server.sql(f"UPDATE staff SET totp_last_step = 0 WHERE id = {owner.staff_id}")
    r = attempt(staff["email"], staff["password"], owner, code)
    assert r.status_code == 200, r.text
    assert r.headers["Set-Cookie"].count("SameSite=Strict") == 2   # session and browser
    assert owner.cookies.get("gb_staff_browser")


# ---- 4. re-authentication: throttled like sign-in ----

def reauth(server, s, password):
    return s.post(server.url("/api/v1/me/reauth"), json={"password": password}, timeout=30)


def test_reauth_is_throttled_per_session(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    codes = [reauth(server, s, f"wrong {i:02d}!").status_code for i in range(40)]
    assert codes[:LOCK_AFTER] == [401] * LOCK_AFTER and set(codes[LOCK_AFTER:]) == {429}, codes
    r = reauth(server, s, PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # The page too.
    r = s.post(server.url("/me/reauth"), data={"password": PASSWORD, "csrf_token": s.headers["X-CSRF-Token"]},
               allow_redirects=False, timeout=30)
    assert r.status_code == 429 and "Too many failed attempts" in r.text
    # The member's other sessions are not shut out by that one's guesses.
    t = requests.Session()
    r = signin(server, p["email"], PASSWORD, t)
    t.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert reauth(server, t, PASSWORD).status_code == 200


def test_reauth_counts_against_the_client_address_like_sign_in(make_server):
    srv = make_server(extra=["--signin-per-minute", "6", "--signin-per-hour", "1000"])
    p = person()
    from test_members import joined_unsigned
    joined_unsigned(srv, p)
    # The sign-in and the guesses share the address's six a minute; a run
    # that crosses into the next minute is made again.
    for _ in range(3):
        start = time.time()
        s = requests.Session()
        r = signin(srv, p["email"], PASSWORD, s)
        if r.status_code == 429:
            time.sleep(int(r.headers["Retry-After"]) + 0.5)
            continue
        s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        answers = [reauth(srv, s, f"wrong {i}!") for i in range(7)]
        if int(start // 60) == int(time.time() // 60):
            break
        time.sleep(max(0.0, 60 - time.time() % 60) + 0.5)
    codes = [a.status_code for a in answers]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429], codes
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60


# ---- 6. sign-up and a change of address tell nobody who has an account ----

def form(p):
    y, m, d = p["date_of_birth"].split("-")
    return {"name": p["name"], "email": p["email"], "password": p["password"],
            "birth_day": d, "birth_month": m, "birth_year": y}


def test_signup_answers_alike_for_an_address_in_use_and_tells_its_owner(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    owner = person()
    assert join(srv, owner).status_code == 200
    members = lambda: int(srv.sql("SELECT COUNT(*) FROM members")[0][0])
    before = members()
    fresh = person(password="the taker's own password")
    taker = person(email=owner["email"], password="the taker's own password")
    a = signup(srv, fresh, requests.Session())
    b = signup(srv, taker, requests.Session())
    assert a.status_code == 202 and a.json() == {"check_mail": True}
    assert "Set-Cookie" not in a.headers
    assert_alike(a, b)
    assert members() == before + 1          # nothing of the second is kept
    # Nor does signing in with what was typed tell them apart: one address
    # waits for its confirmation, the other is somebody else's.
    ra = signin(srv, fresh["email"], fresh["password"])
    rb = signin(srv, taker["email"], taker["password"])
    assert ra.status_code == 401
    assert_alike(ra, rb)
    # The page answers alike too.
    fresh2 = person()
    a = page_post(srv, "/signup", form(fresh2))
    b = page_post(srv, "/signup", form(dict(fresh2, email=owner["email"])))
    assert a.status_code == 200 and 'id="check-mail"' in a.text
    assert a.text.replace(fresh2["email"], "X") == b.text.replace(owner["email"], "X")
    # The owner is told, twice; the new addresses get their links.
    told = wait_mail(smtp_sink, owner["email"], "tried to join")
    text = told.get_body(("plain",)).get_content()
    assert "/signin" in text and "confirm?token=" not in text
    wait_mail(smtp_sink, fresh["email"], "confirm your e-mail")
    wait_mail(smtp_sink, fresh2["email"], "confirm your e-mail")
    time.sleep(1.5)
    told = [m for m in smtp_sink.messages
            if m[1] == [owner["email"]] and b"tried to join" in m[2]]
    assert len(told) == 2


def test_joining_again_before_confirming_sends_a_new_link(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    p = person()
    assert signup(srv, p).status_code == 202
    wait_mail(smtp_sink, p["email"], "confirm your e-mail")
    assert signin(srv, p["email"], PASSWORD).status_code == 401      # not confirmed yet
    assert signup(srv, p).status_code == 202
    again = wait_mail(smtp_sink, p["email"], "tried to join")
    token = re.search(r"confirm\?token=([A-Za-z0-9_-]{43})",
                      again.get_body(("plain",)).get_content()).group(1)
    assert requests.post(srv.url("/api/v1/confirm"), json={"token": token},
                         timeout=10).status_code == 200
    assert signin(srv, p["email"], PASSWORD).status_code == 200


def test_email_change_answers_alike_for_an_address_in_use_and_tells_its_owner(make_server,
                                                                               smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join_by_mail(srv, smtp_sink)
    owner = join_by_mail(srv, smtp_sink)
    a = m.post(srv.url("/api/v1/me/email"), json={"email": "moved-" + m.person["email"]}, timeout=10)
    b = m.post(srv.url("/api/v1/me/email"), json={"email": owner.person["email"]}, timeout=10)
    assert a.status_code == 202
    assert_alike(a, b)
    # The change waits alike (the member's export shows it waiting)...
    export = m.get(srv.url("/api/v1/me/export"), timeout=10).json()
    waiting = [i["value"] for i in export["items"] if i["record"] == "email_changes"]
    assert waiting == [owner.person["email"]]
    # ...but the owner is told, and no link exists that could confirm it.
    told = wait_mail(smtp_sink, owner.person["email"], "asked to use your address")
    assert "confirm-email?token=" not in told.get_body(("plain",)).get_content()
    assert owner.get(srv.url("/api/v1/me"), timeout=10).json()["data"]["email"] == owner.person["email"]
    assert m.get(srv.url("/api/v1/me"), timeout=10).json()["data"]["email"] == m.person["email"]
    # The page answers alike too.
    csrf = m.headers["X-CSRF-Token"]
    a = m.post(srv.url("/me/email"), data={"email": "moved-again-" + m.person["email"],
                                          "csrf_token": csrf}, allow_redirects=False, timeout=10)
    b = m.post(srv.url("/me/email"), data={"email": owner.person["email"], "csrf_token": csrf},
               allow_redirects=False, timeout=10)
    assert a.status_code == 303
    assert_alike(a, b)


# ---- 10. a password change cancels a waiting change of address ----

def test_password_change_cancels_a_waiting_change_of_address(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join_by_mail(srv, smtp_sink)
    new = "moved-" + m.person["email"]
    assert m.post(srv.url("/api/v1/me/email"), json={"email": new}, timeout=10).status_code == 202
    msg = wait_mail(smtp_sink, new, "confirm your new e-mail")
    token = re.search(r"confirm-email\?token=([A-Za-z0-9_-]{43})",
                      msg.get_body(("plain",)).get_content()).group(1)
    r = m.post(srv.url("/api/v1/me/password"), json={"password": "green mini on a long road"},
               timeout=30)
    assert r.status_code == 200, r.text
    r = requests.post(srv.url("/confirm-email"), data={"token": token}, timeout=10)
    assert r.status_code == 404 and 'id="not-confirmed"' in r.text
    assert m.get(srv.url("/api/v1/me"), timeout=10).json()["data"]["email"] == m.person["email"]
    notice = wait_mail(smtp_sink, m.person["email"], "password was changed")
    assert "cancelled" in notice.get_body(("plain",)).get_content()
    assert srv.sql(f"SELECT COUNT(*) FROM email_changes WHERE member_id = {m.member_id}") == [["0"]]
