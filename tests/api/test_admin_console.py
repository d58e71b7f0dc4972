"""The admin console (issue 17): staff accounts managed in the browser and
the API (add with a role, the enrolment token shown once; reset; remove,
never oneself nor the last admin), the access log with its verification,
filtered by member or staff and paginated, and each purpose's consent
counts. Only a role with a security purpose reaches it (both profiles'
`admin`), its changes need a recent password, and every admin action is
itself in the access log."""
import re
import time
import uuid

import pytest
import requests

from conftest import FORM_TOKEN, make_staff, staff_client, staff_signin, totp
from test_members import join, person

PROFILES = ("north-american-motoring", "mini-insiders")
ADMIN_API = "/api/v1/staff/admin"
STALE = 7200    # seconds: a password entered two hours ago, past any profile's window


def new_email():
    return f"new-{uuid.uuid4().hex[:10]}@example.org"


def add(server, admin, email=None, role="support"):
    return admin.post(server.url(f"{ADMIN_API}/staff"), timeout=30,
                      json={"email": email or new_email(), "role": role})


def enrol(server, email, token, password="quiet harbour lamp at night"):
    """Enrols with a token as the console shows it; the staff dict for staff_signin."""
    r = server.post("/api/v1/staff/enrol", json={"token": token, "password": password})
    assert r.status_code == 200, r.text
    secret = r.json()["totp_secret"]
    r = server.post("/api/v1/staff/enrol/confirm", json={"token": token, "code": totp(secret)})
    assert r.status_code == 200, r.text
    return {"email": email, "password": password, "secret": secret}


def admin_client(server):
    """A signed-in admin's session, .staff its account's details."""
    staff = make_staff(server, "admin")
    s = staff_signin(server, staff)
    s.staff = staff
    return s


def log(server, admin, **query):
    r = admin.get(server.url(f"{ADMIN_API}/log"), params=query, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def page_session(server, admin):
    """The admin's session as a browser holds it (cookies only, the CSRF
    token from the page's forms)."""
    s = requests.Session()
    s.cookies.update(admin.cookies)
    return s


@pytest.mark.parametrize("profile", PROFILES)
def test_another_role_is_refused(make_server, profile):
    server = make_server(profile=profile)
    other = staff_client(server, "support")
    for method, path, body in (("GET", f"{ADMIN_API}/staff", None),
                               ("POST", f"{ADMIN_API}/staff", {"email": new_email(),
                                                               "role": "support"}),
                               ("POST", f"{ADMIN_API}/staff/1/reset", None),
                               ("DELETE", f"{ADMIN_API}/staff/1", None),
                               ("GET", f"{ADMIN_API}/log", None),
                               ("GET", f"{ADMIN_API}/consents", None)):
        r = other.request(method, server.url(path), json=body, timeout=30)
        assert r.status_code == 403, f"{method} {path}: {r.status_code}"
        assert r.json()["error"]["code"] == "role_lacks_purpose"
    for path in ("/staff/admin/staff", "/staff/admin/log", "/staff/admin/consents"):
        assert other.get(server.url(path), timeout=30).status_code == 403
    # Nor is it offered on their staff page; an admin's page links it.
    assert "/staff/admin/staff" not in other.get(server.url("/staff"), timeout=30).text
    admin = admin_client(server)
    assert "/staff/admin/staff" in admin.get(server.url("/staff"), timeout=30).text
    assert len(server.sql("SELECT id FROM staff")) == 2


@pytest.mark.parametrize("profile", PROFILES)
def test_add_shows_the_token_once_and_it_enrols(make_server, profile):
    server = make_server(profile=profile)
    admin = admin_client(server)
    email = new_email()
    r = add(server, admin, email)
    assert r.status_code == 201, r.text
    body = r.json()
    token = body["token"]
    assert body["enrol_url"] == f"/staff/enrol?token={token}" and body["valid_hours"] == 72
    # The token is never shown again: not in the list, not on the page.
    listed = admin.get(server.url(f"{ADMIN_API}/staff"), timeout=30).json()["staff"]
    new = [s for s in listed if s["email"] == email]
    assert new and new[0]["role"] == "support" and new[0]["enrolled"] is False
    assert new[0]["last_signin_at"] is None
    assert token not in str(listed)
    assert token not in admin.get(server.url("/staff/admin/staff"), timeout=30).text
    assert token not in open(server.log).read()
    # It enrols, and the account signs in with the role given.
    staff = enrol(server, email, token)
    s = staff_signin(server, staff)
    assert s.get(server.url("/api/v1/staff/me"), timeout=30).json()["role"] == "support"
    listed = admin.get(server.url(f"{ADMIN_API}/staff"), timeout=30).json()["staff"]
    new = [x for x in listed if x["email"] == email][0]
    assert new["enrolled"] is True and new["last_signin_at"] >= int(time.time()) - 60
    # A second add of the address is refused; a role the profile lacks too.
    assert add(server, admin, email.upper()).json()["error"]["code"] == "staff_exists"
    r = add(server, admin, new_email(), role="overlord")
    assert r.status_code == 400 and r.json()["error"]["field"] == "role"


def test_the_page_adds_and_shows_the_token_once(make_server):
    server = make_server()
    admin = admin_client(server)
    browser = page_session(server, admin)
    page = browser.get(server.url("/staff/admin/staff"), timeout=30)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    csrf = FORM_TOKEN.search(page.text).group(1)
    email = new_email()
    r = browser.post(server.url("/staff/admin/staff"), timeout=30,
                     data={"csrf_token": csrf, "email": email, "role": "editor"})
    assert r.status_code == 201, r.text[:500]
    token = re.search(r'<code id="enrol-token">([A-Za-z0-9_-]+)</code>', r.text).group(1)
    assert f"/staff/enrol?token={token}" in r.text and "shown once" in r.text
    assert "no-store" in r.headers["Cache-Control"]
    again = browser.get(server.url("/staff/admin/staff"), timeout=30)
    assert email in again.text and token not in again.text
    staff_signin(server, enrol(server, email, token))


def test_changes_need_a_recent_password(make_server):
    server = make_server()
    admin = admin_client(server)
    tid = staff_client(server, "support").staff_id
    server.sql(f"UPDATE staff_sessions SET auth_at = auth_at - {STALE}")
    for method, path in (("POST", f"{ADMIN_API}/staff"), ("POST", f"{ADMIN_API}/staff/{tid}/reset"),
                         ("DELETE", f"{ADMIN_API}/staff/{tid}")):
        r = admin.request(method, server.url(path), timeout=30,
                          json={"email": new_email(), "role": "support"}
                          if path.endswith("/staff") else None)
        assert r.status_code == 403 and r.json()["error"]["code"] == "reauth_required", path
    # The pages send the admin to enter it again; reading still works.
    browser = page_session(server, admin)
    csrf = FORM_TOKEN.search(browser.get(server.url("/staff/admin/staff"), timeout=30).text).group(1)
    r = browser.post(server.url(f"/staff/admin/staff/{tid}/remove"), data={"csrf_token": csrf},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].endswith("/staff/reauth")
    assert len(server.sql(f"SELECT id FROM staff WHERE id = {tid}")) == 1
    # A wrong password is refused; the right one lets the change through.
    r = admin.post(server.url("/api/v1/staff/reauth"), json={"password": "not it at all"},
                   timeout=30)
    assert r.status_code == 401
    r = browser.post(server.url("/staff/reauth"), allow_redirects=False, timeout=30,
                     data={"csrf_token": csrf, "password": admin.staff["password"]})
    assert r.status_code == 303 and r.headers["Location"].endswith("/staff/admin/staff")
    r = admin.delete(server.url(f"{ADMIN_API}/staff/{tid}"), timeout=30)
    assert r.status_code == 200, r.text
    assert not server.sql(f"SELECT id FROM staff WHERE id = {tid}")


def test_remove_blocks_sign_in_at_once(make_server):
    server = make_server()
    admin = admin_client(server)
    staff = make_staff(server, "support")
    victim = staff_signin(server, staff)
    assert victim.get(server.url("/api/v1/staff/me"), timeout=30).status_code == 200
    r = admin.delete(server.url(f"{ADMIN_API}/staff/{victim.staff_id}"), timeout=30)
    assert r.status_code == 200 and r.json() == {"removed": victim.staff_id}
    # The live session ends with the account, and signing in fails.
    assert victim.get(server.url("/api/v1/staff/me"), timeout=30).status_code == 401
    r = requests.post(server.url("/api/v1/staff/signin"), timeout=30,
                      json={"email": staff["email"], "password": staff["password"],
                            "code": totp(staff["secret"], time.time() + 60)})
    assert r.status_code == 401
    assert admin.delete(server.url(f"{ADMIN_API}/staff/{victim.staff_id}"),
                        timeout=30).status_code == 404


def test_reset_ends_sessions_and_gives_a_new_token(make_server):
    server = make_server()
    admin = admin_client(server)
    staff = make_staff(server, "support")
    victim = staff_signin(server, staff)
    r = admin.post(server.url(f"{ADMIN_API}/staff/{victim.staff_id}/reset"), timeout=30)
    assert r.status_code == 200, r.text
    assert victim.get(server.url("/api/v1/staff/me"), timeout=30).status_code == 401
    staff_signin(server, enrol(server, staff["email"], r.json()["token"], "a new long passphrase"))


@pytest.mark.parametrize("profile", PROFILES)
def test_not_oneself_and_not_the_last_admin(make_server, profile):
    server = make_server(profile=profile)
    admin = admin_client(server)
    me = admin.staff_id
    # The only admin: removing it would leave nobody to manage staff.
    r = admin.delete(server.url(f"{ADMIN_API}/staff/{me}"), timeout=30)
    assert r.status_code == 409 and r.json()["error"]["code"] == "last_admin"
    # A second admin waiting for enrolment cannot act yet: still the last.
    pending = add(server, admin, role="admin").json()
    r = admin.delete(server.url(f"{ADMIN_API}/staff/{me}"), timeout=30)
    assert r.json()["error"]["code"] == "last_admin"
    # Once it is enrolled, the admin still cannot remove or reset itself.
    listed = admin.get(server.url(f"{ADMIN_API}/staff"), timeout=30).json()["staff"]
    email = [s["email"] for s in listed if s["id"] == pending["id"]][0]
    other = staff_signin(server, enrol(server, email, pending["token"]))
    for method, path in (("DELETE", f"{ADMIN_API}/staff/{me}"),
                         ("POST", f"{ADMIN_API}/staff/{me}/reset")):
        r = admin.request(method, server.url(path), timeout=30)
        assert r.status_code == 409 and r.json()["error"]["code"] == "staff_self", path
    assert admin.get(server.url("/api/v1/staff/me"), timeout=30).status_code == 200
    # Either may remove the other; then the one left is the last.
    assert other.delete(server.url(f"{ADMIN_API}/staff/{me}"), timeout=30).status_code == 200
    r = other.delete(server.url(f"{ADMIN_API}/staff/{other.staff_id}"), timeout=30)
    assert r.json()["error"]["code"] == "last_admin"


def test_every_admin_action_is_in_the_access_log(make_server):
    server = make_server()
    admin = admin_client(server)
    added = add(server, admin).json()["id"]
    assert admin.post(server.url(f"{ADMIN_API}/staff/{added}/reset"), timeout=30).ok
    assert admin.delete(server.url(f"{ADMIN_API}/staff/{added}"), timeout=30).ok
    assert admin.get(server.url(f"{ADMIN_API}/consents"), timeout=30).ok
    log(server, admin)          # appended once read: the next read shows it
    entries = log(server, admin, staff=admin.staff_id)["entries"]
    actions = [(e["action"], e["subject"]) for e in entries]
    for want in (("staff_added", added), ("staff_reset", added), ("staff_removed", added),
                 ("consent_counts_viewed", 0), ("access_log_viewed", 0)):
        assert want in actions, (want, actions)
    for e in entries:
        assert e["actor_kind"] == "staff" and e["actor_id"] == admin.staff_id
        assert e["role"] == "admin" and e["purpose"] == "security"
    # Nothing personal in what the log holds.
    assert not any("@" in str(v) for e in entries for v in e.values())


def test_log_filter_by_member_shows_only_that_members_rows(make_server):
    server = make_server()
    admin = admin_client(server)
    members = []
    for _ in range(2):
        p = person()
        r = join(server, p, requests.Session())
        assert r.status_code == 200, r.text
        members.append((r.json()["id"], p["email"]))
    # The admin opens each member's account (admin has `account`): logged.
    for _, email in members:
        r = admin.post(server.url("/api/v1/staff/members/find"), timeout=30,
                       json={"email": email, "purpose": "account"})
        assert r.status_code == 200, r.text
    a, b = members[0][0], members[1][0]
    entries = log(server, admin, member=a)["entries"]
    assert entries and all(e["subject"] == a for e in entries)
    assert any(e["action"] != "access_log_viewed" for e in entries)
    assert b not in [e["subject"] for e in entries]
    # The view itself is in that member's log, which they see on /me.
    assert log(server, admin, member=a)["entries"][0]["action"] == "access_log_viewed"
    both = log(server, admin, member=b, staff=admin.staff_id)["entries"]
    assert both and all(e["subject"] == b and e["actor_id"] == admin.staff_id for e in both)
    # The page shows the same rows and nothing of anyone's data.
    page = admin.get(server.url("/staff/admin/log"), params={"member": a}, timeout=30)
    assert page.status_code == 200
    subjects = set(re.findall(r'data-subject="(\d+)"', page.text))
    assert subjects == {str(a)}
    assert members[0][1] not in page.text and members[1][1] not in page.text


def test_log_is_paginated(make_server):
    server = make_server()
    admin = admin_client(server)
    for _ in range(30):                 # each view appends one entry
        assert admin.get(server.url(f"{ADMIN_API}/consents"), timeout=30).ok
    for _ in range(25):
        log(server, admin)
    first = log(server, admin)
    assert first["page_size"] == 50 and first["more"] is True
    assert len(first["entries"]) == 50
    second = log(server, admin, page=2)
    seqs1 = [e["seq"] for e in first["entries"]]
    seqs2 = [e["seq"] for e in second["entries"]]
    # Newest first; the first page's own view entry moved the rest down one.
    assert seqs1 == sorted(seqs1, reverse=True) and seqs1 == list(range(seqs1[0], seqs1[0] - 50, -1))
    assert seqs2 == list(range(min(seqs1), 0, -1)) and second["more"] is False
    page = admin.get(server.url("/staff/admin/log"), timeout=30).text
    assert 'id="next"' in page and "page=2" in page


def test_a_tampered_chain_shows_broken_on_the_page(make_server):
    server = make_server()
    admin = admin_client(server)
    for _ in range(3):
        admin.get(server.url(f"{ADMIN_API}/consents"), timeout=30)
    v = log(server, admin)["verification"]
    assert v["intact"] is True and v["entries"] >= 3
    page = admin.get(server.url("/staff/admin/log"), timeout=30).text
    assert 'data-state="intact"' in page
    # Someone with the database rewrites an entry's purpose.
    server.sql("UPDATE access_log SET purpose = 'account' WHERE seq = 2")
    v = log(server, admin)["verification"]
    assert v["intact"] is False and v["broken_at"] == 2 and v["why"]
    page = admin.get(server.url("/staff/admin/log"), timeout=30).text
    assert 'data-state="broken"' in page and "broken at entry 2" in page
    # The command line agrees.
    out = server.cli("audit", "verify", check=False)
    assert "broken at entry 2" in out.stdout


@pytest.mark.parametrize("profile", PROFILES)
def test_consent_counts_are_aggregate(make_server, profile):
    server = make_server(profile=profile)
    admin = admin_client(server)
    counts = admin.get(server.url(f"{ADMIN_API}/consents"), timeout=30).json()
    ids = [p["id"] for p in counts["purposes"]]
    assert ids and counts["opt_out_window_days"] >= 0
    assert all(set(p) == {"id", "label", "basis", "granted", "refused", "waiting"}
               for p in counts["purposes"])
    page = admin.get(server.url("/staff/admin/consents"), timeout=30)
    assert page.status_code == 200 and all(f'id="purpose-{i}"' in page.text for i in ids)


def test_consent_counts_follow_the_ledger(make_server):
    server = make_server()
    admin = admin_client(server)

    def news():
        purposes = admin.get(server.url(f"{ADMIN_API}/consents"), timeout=30).json()["purposes"]
        return [p for p in purposes if p["id"] == "member_news"][0]

    before = news()
    sessions = []
    for on in (True, True, False):
        s = requests.Session()
        r = join(server, person(), s)
        s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        assert s.put(server.url("/api/v1/me/consents/member_news"), json={"on": on},
                     timeout=30).status_code == 200
        sessions.append(s)
    after = news()
    assert after["granted"] - before["granted"] == 2
    assert after["refused"] - before["refused"] == 1
    # A withdrawal moves one from granted to refused.
    assert sessions[0].put(server.url("/api/v1/me/consents/member_news"), json={"on": False},
                           timeout=30).status_code == 200
    last = news()
    assert (last["granted"], last["refused"]) == (after["granted"] - 1, after["refused"] + 1)


def test_consent_counts_show_members_a_new_use_waits_for(make_server, tmp_path):
    """NAM10: after a revision moves member news to opt-out, the members who
    joined before are counted as waiting (no notice has gone: no relay);
    one who joins under the new version is not."""
    from test_new_uses import news_opt_out
    from test_profiles import write
    server = make_server()
    for _ in range(2):
        assert join(server, person(), requests.Session()).status_code == 200
    admin = admin_client(server)

    def news():
        purposes = admin.get(server.url(f"{ADMIN_API}/consents"), timeout=30).json()["purposes"]
        return [p for p in purposes if p["id"] == "member_news"][0]

    assert news()["waiting"] == 0
    v2 = write(tmp_path, "v2.yaml", news_opt_out())
    server.cli("profile", "publish", v2)
    server.profile = v2
    server.restart()
    admin = admin_client(server)
    assert news()["waiting"] == 2
    assert join(server, person(), requests.Session()).status_code == 200
    assert news()["waiting"] == 2
