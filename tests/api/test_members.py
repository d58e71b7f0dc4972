"""Members, first part: sign-up with the neutral age screen (NAM12), password
rules and Argon2id storage (ALL03), sign-in with throttling, sessions with
CSRF tokens, and the member's own record, sealed at rest (ALL04).

Sign-up answers 202 "check your mail" for every address (issue 11) and the
account is signed in to once its address is confirmed: join() below does
all three steps for the tests that need a member."""
import datetime
import time
import uuid

import pytest
import requests

from conftest import ENGINE, contains_any

PASSWORD = "blue cooper rides at dawn"


def birth(years_ago, days=0):
    today = datetime.date.today()
    try:
        d = today.replace(year=today.year - years_ago)
    except ValueError:          # 29 February
        d = today.replace(year=today.year - years_ago, day=28)
    return (d + datetime.timedelta(days=days)).isoformat()


def person(**over):
    tag = uuid.uuid4().hex[:10]
    p = {"name": f"Zz Name {tag}", "email": f"zz-{tag}@example.org", "password": PASSWORD,
         "date_of_birth": birth(30), "phone": f"+1 555 {tag[:4]}",
         "postal_address": f"{tag} Example Street, Springfield"}
    p.update(over)
    return p


def signup(server, p, session=None, headers=None):
    return (session or requests).post(server.url("/api/v1/signup"), json=p, headers=headers,
                                      timeout=30)


def waiting_members(server):
    """Ids of the members whose address is not confirmed yet."""
    return {row[0] for row in server.sql("SELECT id FROM members WHERE email_confirmed_at IS NULL")}


def confirm_joined(server, before):
    """The one member that joined since `before` (waiting_members), its
    address confirmed as its link would (the link travels by mail:
    test_mail_lists and the browser tests follow it). Its id."""
    new = waiting_members(server) - before
    assert len(new) == 1, new
    mid = new.pop()
    server.sql(f"UPDATE members SET email_confirmed_at = {int(time.time())} WHERE id = {mid}")
    return int(mid)


def joined_unsigned(server, p, headers=None):
    """Signs up as p and confirms the address, without signing in (a sign-in
    counts against the client's limit); the member's id."""
    before = waiting_members(server)
    r = signup(server, p, headers=headers)
    assert r.status_code == 202 and r.json() == {"check_mail": True}, r.text
    return confirm_joined(server, before)


def join(server, p, session=None, headers=None, remember=None):
    """Joins as p: signs up (202, the answer for every address), confirms the
    address, and signs in; the sign-in's answer (200 {"id", "csrf_token"},
    session and browser cookies in session if given)."""
    before = waiting_members(server)
    r = signup(server, p, session, headers)
    assert r.status_code == 202 and r.json() == {"check_mail": True}, r.text
    confirm_joined(server, before)
    body = {"email": p["email"], "password": p["password"]}
    if remember is not None:
        body["remember"] = remember
    return (session or requests).post(server.url("/api/v1/signin"), json=body, timeout=30)


def test_nam12_under_13_nothing_retained(server, tmp_path):
    s = requests.Session()
    p = person(date_of_birth=birth(13, days=1))      # one day short of 13
    before = server.sql("SELECT COUNT(*) FROM subjects")[0][0]
    r = signup(server, p, s)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_eligible"
    assert "13" not in r.json()["error"]["message"]    # no hint of the cut-off
    # An immediate retry with another date is stopped by the cookie.
    r = signup(server, person(email=p["email"], date_of_birth=birth(40)), s)
    assert r.status_code == 403
    assert server.sql("SELECT COUNT(*) FROM subjects")[0][0] == before
    assert int(server.sql("SELECT value FROM counters WHERE name = 'signup_below_minimum_age'")[0][0]) >= 1
    values = [p["email"], p["name"], p["phone"], p["postal_address"]]
    assert contains_any(server.raw_files().values(), values) == set()
    assert contains_any([server.dump(tmp_path)], values) == set()
    # Exactly 13 today is old enough.
    assert signup(server, person(date_of_birth=birth(13))).status_code == 202


def test_all03_password_rules_and_argon2id(server):
    for bad, why in (("short", "at least 8"), ("password123", "too common"), ("x" * 129, "at most 128")):
        r = signup(server, person(password=bad))
        assert r.status_code == 400, bad
        assert r.json()["error"]["field"] == "password" and why in r.json()["error"]["message"]
    p = person()
    r = join(server, p)
    assert r.status_code == 200
    mid = r.json()["id"]
    stored = server.sql(f"SELECT password_hash FROM members WHERE id = {mid}")[0][0]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert contains_any(server.raw_files().values(), [PASSWORD]) == set()


def test_signup_signin_me_signout_with_csrf(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    # An address in use is answered as a new one (issue 11; it was 409).
    r = signup(server, person(email=p["email"].upper()))
    assert r.status_code == 202 and r.json() == {"check_mail": True}
    me = s.get(server.url("/api/v1/me"), timeout=10)
    assert me.status_code == 200 and me.headers["Cache-Control"] == "no-store"
    data = me.json()["data"]
    for k in ("name", "email", "phone", "postal_address"):
        assert data[k] == p[k]
    # Issue 12, rule 4: the age screen keeps the fact, not the date of birth.
    assert "date_of_birth" not in data
    csrf = me.json()["csrf_token"]
    # No state change without the CSRF token.
    assert s.post(server.url("/api/v1/signout"), timeout=10).status_code == 403
    assert s.post(server.url("/api/v1/signout"), headers={"X-CSRF-Token": "x" * 43}, timeout=10).status_code == 403
    assert s.post(server.url("/api/v1/signout"), headers={"X-CSRF-Token": csrf}, timeout=10).status_code == 200
    assert s.get(server.url("/api/v1/me"), timeout=10).status_code == 401
    # Sign in again: a new session token.
    s2 = requests.Session()
    r = s2.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD}, timeout=30)
    assert r.status_code == 200 and r.json()["id"] == me.json()["id"]
    assert s2.get(server.url("/api/v1/me"), timeout=10).json()["data"]["email"] == p["email"]
    r = requests.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": "wrong one!"}, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
    r = requests.post(server.url("/api/v1/signin"), json={"email": "nobody@example.org", "password": "whatever1"}, timeout=30)
    assert r.status_code == 401
    assert requests.get(server.url("/api/v1/me"), cookies={"gb_session": "A" * 43}, timeout=10).status_code == 401


def test_signin_throttled_after_ten_failures(server):
    p = person()
    assert join(server, p).status_code == 200
    codes = [requests.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": f"wrong {i}!!"},
                           timeout=30).status_code for i in range(12)]
    assert codes[:10] == [401] * 10
    assert 429 in codes[10:]
    r = requests.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD}, timeout=30)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_all04_member_values_sealed_and_not_logged(server, tmp_path):
    p = person()
    s = requests.Session()
    assert join(server, p, s).status_code == 200
    assert s.get(server.url("/api/v1/me"), timeout=10).status_code == 200
    values = [p["email"], p["name"], p["phone"], p["postal_address"], PASSWORD]
    assert contains_any(server.raw_files().values(), values) == set()
    assert contains_any([server.dump(tmp_path)], values) == set()


def signed_up(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200, r.text
    return p, s, r.json()["id"], r.json()["csrf_token"]


def age_password_entry(server, member, seconds):
    server.sql(f"UPDATE sessions SET auth_at = auth_at - {seconds} WHERE member_id = {member}")


def test_nam14_reauth_required_after_window(server):
    p, s, mid, csrf = signed_up(server)
    assert s.get(server.url("/api/v1/me"), timeout=10).status_code == 200
    age_password_entry(server, mid, 6 * 60)            # the window is 5 minutes
    for method, path, kw in (("get", "/api/v1/me", {}), ("get", "/api/v1/me/export", {}),
                             ("patch", "/api/v1/me", {"json": {"phone": "+1 555 0199"}})):
        r = getattr(s, method)(server.url(path), headers={"X-CSRF-Token": csrf}, timeout=10, **kw)
        assert r.status_code == 403 and r.json()["error"]["code"] == "reauth_required", path
    r = s.post(server.url("/api/v1/me/reauth"), json={"password": "not it at all"},
               headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 401
    r = s.post(server.url("/api/v1/me/reauth"), json={"password": PASSWORD}, timeout=30)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = s.post(server.url("/api/v1/me/reauth"), json={"password": PASSWORD},
               headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 200
    assert s.get(server.url("/api/v1/me"), timeout=10).status_code == 200


def test_nam13_member_corrects_data(server, tmp_path):
    p, s, mid, csrf = signed_up(server)
    new_phone, new_addr = "+1 555 0142", "zz-new-" + uuid.uuid4().hex[:8] + " Road"
    r = s.patch(server.url("/api/v1/me"), json={"phone": new_phone, "postal_address": new_addr})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = s.patch(server.url("/api/v1/me"), json={"phone": new_phone, "postal_address": new_addr},
                headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200 and r.json()["changed"] == 2
    data = s.get(server.url("/api/v1/me"), timeout=10).json()["data"]
    assert data["phone"] == new_phone and data["postal_address"] == new_addr
    assert data["name"] == p["name"]
    r = s.patch(server.url("/api/v1/me"), json={"email": "other@example.org"},
                headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_field"
    r = s.patch(server.url("/api/v1/me"), json={"name": ""}, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 400
    assert contains_any(server.raw_files().values(), [new_addr]) == set()


def test_all01_export_holds_every_category_with_purposes(server):
    p, s, mid, csrf = signed_up(server)
    r = s.get(server.url("/api/v1/me/export"), timeout=10)
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    doc = r.json()
    items = {i["category"]: i for i in doc["items"]}
    for cat in ("name", "email", "phone", "postal_address"):
        assert items[cat]["value"] == p[cat]
        assert "account" in items[cat]["purposes"]
    # Issue 12, rule 4: the age screen's fact, not the date of birth
    # (test_age_screen.py: a profile that needs the date keeps it).
    assert "date_of_birth" not in items
    assert doc["age_screen"]["at_least"] == 13
    assert "member_news" in items["email"]["purposes"]
    assert doc["profile"] == "north-american-motoring"
    for key in ("consents", "staff_accesses", "handovers", "visits"):
        assert isinstance(doc[key], list)


def test_members_cannot_read_each_other(server):
    a, sa, ida, _ = signed_up(server)
    b, sb, idb, _ = signed_up(server)
    assert sa.get(server.url("/api/v1/me"), timeout=10).json()["data"]["email"] == a["email"]
    assert sb.get(server.url("/api/v1/me"), timeout=10).json()["data"]["email"] == b["email"]
    for path in ("/api/v1/me", "/api/v1/me/export"):
        assert requests.get(server.url(path), timeout=10).status_code == 401


def test_all02_close_account_unreadable_in_earlier_backup(server, tmp_path):
    import os
    import shutil
    import subprocess
    from conftest import BIN, ENGINE, psql, PG_URL
    a, sa, ida, csrf_a = signed_up(server)
    b, sb, idb, _ = signed_up(server)
    backup = str(tmp_path / "before-erasure.backup")
    server.cli("backup", backup)
    with open(backup, "rb") as f:
        raw = f.read()
    # The backup holds the sealed record but no data key.
    assert contains_any([raw], [a["email"], a["name"]]) == set()
    assert sa.delete(server.url("/api/v1/me"), timeout=10).status_code == 403   # CSRF
    r = sa.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": csrf_a}, timeout=10)
    assert r.status_code == 200
    assert sa.get(server.url("/api/v1/me"), timeout=10).status_code == 401
    r = requests.post(server.url("/api/v1/signin"), json={"email": a["email"], "password": PASSWORD}, timeout=30)
    assert r.status_code == 401
    assert server.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {ida}") == [["0"]]
    # Restore the earlier backup elsewhere, take the keys from the live system,
    # and serve it: B reads their record, A's is gone for good.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(os.path.join(server.data, "master.key"), restored / "master.key")
    if ENGINE == "sqlite":
        url = "sqlite:" + str(restored / "glovebox.db")
        shutil.copy(backup, restored / "glovebox.db")
    else:
        name = "restored_" + uuid.uuid4().hex[:8]
        psql(PG_URL, f"CREATE DATABASE {name}")
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f", backup],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    out = server.cli("keys", "restore", url)
    assert "data key(s) restored" in out.stdout
    from conftest import Server
    s2 = Server(restored)
    s2.db = url
    try:
        s2.start()
        r = requests.post(s2.url("/api/v1/signin"), json={"email": b["email"], "password": PASSWORD}, timeout=30)
        assert r.status_code == 200
        assert s2.get("/api/v1/me", cookies=r.cookies).json()["data"]["email"] == b["email"]
        # A was erased since the backup: keys restore removed A from the
        # copy, and signing in as A never succeeds (issue 10; it used to
        # succeed on the hash alone, with nothing to open).
        sess = requests.Session()
        r = sess.post(s2.url("/api/v1/signin"), json={"email": a["email"], "password": PASSWORD}, timeout=30)
        assert r.status_code == 401
        assert s2.sql(f"SELECT COUNT(*) FROM members WHERE id = {ida}") == [["0"]]
    finally:
        s2.close()
        if ENGINE == "postgres":
            psql(PG_URL, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def consents_of(server, s):
    r = s.get(server.url("/api/v1/me/consents"), timeout=10)
    assert r.status_code == 200
    return {c["purpose"]: c for c in r.json()["consents"]}


def test_nam08_member_news_off_until_chosen_and_withdrawn_at_once(server):
    p, s, mid, csrf = signed_up(server)
    c = consents_of(server, s)
    assert c["member_news"]["on"] is False and c["member_news"]["basis"] == "opt_in"
    # Ticked on the sign-up form.
    p2 = person(opt_in="member_news")
    s2 = requests.Session()
    r = join(server, p2, s2)
    assert r.status_code == 200
    csrf2 = r.json()["csrf_token"]
    assert consents_of(server, s2)["member_news"]["on"] is True
    # Withdrawn: the ledger says so at once, with how.
    r = s2.put(server.url("/api/v1/me/consents/member_news"), json={"on": False},
               headers={"X-CSRF-Token": csrf2}, timeout=10)
    assert r.status_code == 200 and r.json()["on"] is False
    assert consents_of(server, s2)["member_news"]["on"] is False
    mid2 = s2.get(server.url("/api/v1/me"), timeout=10).json()["id"]
    rows = server.sql(f"SELECT state, via FROM consents WHERE subject_id = {mid2} AND purpose = 'member_news'")
    assert rows == [["off", "api"]]
    events = server.sql(f"SELECT state, via FROM consent_events WHERE subject_id = {mid2} ORDER BY changed_at, via")
    assert sorted(map(tuple, events)) == [("off", "api"), ("on", "form")]
    # No choice exists for a required purpose, and none without the CSRF token.
    r = s2.put(server.url("/api/v1/me/consents/account"), json={"on": False},
               headers={"X-CSRF-Token": csrf2}, timeout=10)
    assert r.status_code == 404
    r = s2.put(server.url("/api/v1/me/consents/member_news"), json={"on": True}, timeout=10)
    assert r.status_code == 403


def test_ins06_gpc_switches_affiliate_offers_off(make_server):
    srv = make_server(profile="mini-insiders")
    s = requests.Session()
    r = join(srv, person(), s)
    assert r.status_code == 200
    assert consents_of(srv, s)["affiliate_offers"]["on"] is True      # opt-out: on by default
    s2 = requests.Session()
    r = join(srv, person(), s2, headers={"Sec-GPC": "1"})
    assert r.status_code == 200
    c = consents_of(srv, s2)["affiliate_offers"]
    assert c["on"] is False and c["chosen"] is True
    mid = r.json()["id"]
    assert srv.sql(f"SELECT via FROM consents WHERE subject_id = {mid} AND purpose = 'affiliate_offers'") == [["gpc"]]


def attempts_within_one_window(srv, email, n, window=60):
    """n failed sign-ins that all fall in one fixed window of the limiter;
    if a window boundary passes during the run, the run is made again (the
    counters of the new window start from zero), so the outcome never
    depends on when the test happens to run."""
    import time
    for _ in range(3):
        start = time.time()
        codes = [requests.post(srv.url("/api/v1/signin"),
                               json={"email": email if i % 2 else f"other{i}@example.org",
                                     "password": f"guess {i:04d}!"}, timeout=30).status_code
                 for i in range(n)]
        if int(start // window) == int(time.time() // window):
            return codes
        time.sleep(max(0.0, window - time.time() % window) + 0.5)   # start in a fresh window
    raise AssertionError("could not run inside one window")


def test_signin_limited_per_address_six_a_minute(make_server):
    srv = make_server(extra=["--signin-per-minute", "6", "--signin-per-hour", "1000"])
    p = person()
    joined_unsigned(srv, p)
    codes = attempts_within_one_window(srv, p["email"], 8)
    assert codes[:6] == [401] * 6 and codes[6:] == [429, 429], codes
    r = requests.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD}, timeout=30)
    assert r.status_code in (200, 429)
    if r.status_code == 429:
        assert 0 < int(r.headers["Retry-After"]) <= 60
    # No address is stored: the counters are keyed hashes. (The log names the
    # server's own listening address, so it is left out of this grep.)
    assert int(srv.sql("SELECT COUNT(*) FROM rate_limits")[0][0]) >= 1
    db_files = [b for path, b in srv.raw_files().items() if not path.endswith(".log")]
    assert contains_any(db_files, ["127.0.0.1"]) == set()


def test_brute_force_1000_attempts_stay_limited(make_server):
    """1,000 guesses against one account from one address: whatever windows
    the run spans, the hourly limit lets at most 30 a window through, so at
    most 60 over two hour windows, and no guess succeeds."""
    srv = make_server(extra=["--signin-per-minute", "6", "--signin-per-hour", "30"])
    p = person()
    joined_unsigned(srv, p)
    s = requests.Session()
    counts = {}
    for i in range(1000):
        r = s.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": f"guess {i:04d}!"}, timeout=30)
        counts[r.status_code] = counts.get(r.status_code, 0) + 1
    assert counts.get(200, 0) == 0
    assert counts.get(401, 0) <= 60 and counts.get(429, 0) >= 940, counts


def test_member_lists_and_ends_other_sessions(server):
    p, s1, mid, csrf1 = signed_up(server)
    s2 = requests.Session()
    r = s2.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD}, timeout=30)
    assert r.status_code == 200
    sessions = s1.get(server.url("/api/v1/me/sessions"), timeout=10).json()["sessions"]
    assert len(sessions) == 2
    assert sum(x["current"] for x in sessions) == 1
    other = next(x for x in sessions if not x["current"])
    assert len(other["id"]) == 24
    # Another member cannot end it, and neither can a request without the CSRF token.
    q, t1, _, csrf_q = signed_up(server)
    assert t1.delete(server.url(f"/api/v1/me/sessions/{other['id']}"), headers={"X-CSRF-Token": csrf_q},
                     timeout=10).status_code == 404
    assert s1.delete(server.url(f"/api/v1/me/sessions/{other['id']}"), timeout=10).status_code == 403
    r = s1.delete(server.url(f"/api/v1/me/sessions/{other['id']}"), headers={"X-CSRF-Token": csrf1}, timeout=10)
    assert r.status_code == 200
    assert s2.get(server.url("/api/v1/me"), timeout=10).status_code == 401
    assert s1.get(server.url("/api/v1/me"), timeout=10).status_code == 200
    assert s1.delete(server.url("/api/v1/me/sessions/zz"), headers={"X-CSRF-Token": csrf1}, timeout=10).status_code == 404


# ---- issue 12, rule 7: /me shows only choices that exist ----

# Purposes of the mini-insiders profile with nothing built behind them yet:
# no submissions, no third-party advertising tags. (The dealer hand-over is
# built since issue 13: its switch is shown, test_dealers.py.)
NOT_BUILT = ("public_submissions", "advertising")


def test_me_shows_no_switch_for_a_feature_not_built(make_server):
    srv = make_server(profile="mini-insiders")
    s = requests.Session()
    r = join(srv, person(), s)
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    listed = set(consents_of(srv, s))
    assert listed == {"product_communications", "affiliate_offers", "visit_personalisation",
                      "dealer_handover"}
    page = s.get(srv.url("/me"), timeout=10).text
    form = s.get(srv.url("/signup"), timeout=10).text
    for purpose in NOT_BUILT:
        assert f'id="switch-{purpose}"' not in page and f'value="{purpose}"' not in page
        assert f'value="{purpose}"' not in form
        # Nor can it be switched through the API: there is no such choice.
        r = s.put(srv.url(f"/api/v1/me/consents/{purpose}"), json={"on": True},
                  headers={"X-CSRF-Token": csrf}, timeout=10)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for purpose in listed - {"dealer_handover"}:
        assert f'id="switch-{purpose}"' in page
    # The dealer's yes is the ask itself (INS08): /me links it where a
    # switch would say "on" and do nothing, and the sign-up form has no box.
    assert 'id="ask-dealer_handover"' in page and 'href="/me/dealer"' in page
    assert 'id="switch-dealer_handover"' not in page
    assert 'value="dealer_handover"' not in form


def test_close_vacuums_only_the_tables_the_erasure_touched(server):
    # PostgreSQL's scrub after an erasure VACUUMs table by table, which costs
    # each table's size: closing an account vacuums the tables that held the
    # member's rows (their key among them), not every subject table.
    if ENGINE != "postgres":
        pytest.skip("PostgreSQL only")
    a, sa, ida, csrf_a = signed_up(server)

    def vacuums():
        rows = server.sql("SELECT relname, vacuum_count FROM pg_stat_user_tables")
        return {name: int(n) for name, n in rows}

    before = vacuums()
    r = sa.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": csrf_a}, timeout=10)
    assert r.status_code == 200
    after = vacuums()
    vacuumed = {t for t in after if after[t] > before.get(t, 0)}
    assert "subject_keys" in vacuumed
    assert "members" in vacuumed
    # Subject tables where the member had no row are left alone.
    for untouched in ("contact_messages", "postcards", "requests"):
        if untouched in after:
            assert untouched not in vacuumed, vacuumed
