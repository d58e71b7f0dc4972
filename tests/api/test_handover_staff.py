"""Issue 13, the administrator's hand-over page (/staff/handovers): the
counters per recipient with the channel this process has for it, the
hand-overs that failed for good with a Retry and a Drop button, and nothing
of any member's on it. A hand-over fails here through a file drop whose
directory is missing (the channel needs no receiver); it goes once the
directory is there. The JSON side is tested in test_handovers.py."""
import base64
import os
import re
import shutil

import requests

from conftest import FORM_TOKEN, staff_client
from test_members import join, person

SECRET = "whsec_" + base64.b64encode(b"glovebox-staff-page-test-secret!").decode()
# A webhook whose address carries credentials and a token: the page shows
# its host only.
HOOK_USER, HOOK_PASSWORD, HOOK_TOKEN = "partneruser", "hookpass8d2", "pathtoken3f9"
HOOK = f"https://{HOOK_USER}:{HOOK_PASSWORD}@127.0.0.1:9/hooks/{HOOK_TOKEN}?key={HOOK_TOKEN}"
ROLES_WITHOUT_SECURITY = ["support", "marketing", "dealer_liaison", "moderator"]


def start(make_server, tmp_path):
    """A server whose fulfilment house drops into tmp/drop (missing until a
    test makes it) and whose bmw_bank has a webhook; delivery is run by hand,
    one attempt each. (server, drop directory)."""
    drop = os.path.join(str(tmp_path), "drop")
    cfg = os.path.join(str(tmp_path), "channels.ini")
    with open(cfg, "w") as f:
        f.write(f"[fulfilment_house]\ndirectory = {drop}\n\n"
                f"[bmw_bank]\nwebhook = {HOOK}\nsecret = {SECRET}\n")
    os.chmod(cfg, 0o600)
    srv = make_server(profile="mini-insiders",
                      extra=["--handover-config", cfg, "--handover-interval", "0",
                             "--handover-max-attempts", "1"])
    return srv, drop


def failed_handover(srv):
    """A member handed to the fulfilment house, failed for good (the drop
    directory is missing). (person, hand-over id)."""
    p = person()
    r = join(srv, p, requests.Session())
    assert r.status_code == 200, r.text
    out = srv.cli("handover", "queue", "fulfilment_house", "service_providers", str(r.json()["id"]))
    assert "queued" in out.stdout, out.stdout
    srv.cli("handover", "deliver")
    rows = srv.sql(f"SELECT id, status FROM handovers WHERE subject_id = {r.json()['id']}")
    assert len(rows) == 1 and rows[0][1] == "failed", rows
    return p, int(rows[0][0])


def status_of(srv, hid):
    rows = srv.sql(f"SELECT status FROM handovers WHERE id = {hid}")
    return rows[0][0] if rows else None


def admin_browser(srv):
    """An administrator as a browser is: the CSRF token only in the forms."""
    s = staff_client(srv, "admin")
    del s.headers["X-CSRF-Token"]
    return s


def page(srv, s, path="/staff/handovers"):
    r = s.get(srv.url(path), timeout=10)
    assert r.status_code == 200, r.text[:500]
    return r.text


def row(html, row_id):
    m = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', html, re.S)
    assert m, f"no row {row_id}"
    return m.group(1)


def cell(html, row_id, cls):
    m = re.search(rf'<td class="{cls}">(.*?)</td>', row(html, row_id), re.S)
    return m.group(1)


def personal_values(p):
    return [p["name"], p["email"], p["phone"], p["postal_address"], p["email"].split("@")[0]]


def test_page_lists_counters_and_failed_and_retry_delivers_and_drop_counts(make_server,
                                                                            tmp_path):
    srv, drop = start(make_server, tmp_path)
    p, hid = failed_handover(srv)
    admin = admin_browser(srv)
    # The staff home links the page for an administrator.
    assert 'href="/staff/handovers"' in page(srv, admin, "/staff")
    html = page(srv, admin)
    assert cell(html, "recipient-fulfilment_house", "failed") == "1"
    assert cell(html, "recipient-fulfilment_house", "delivered") == "0"
    assert cell(html, "recipient-fulfilment_house", "waiting") == "0"
    assert "service provider" in row(html, "recipient-fulfilment_house")
    assert "Fulfilment service provider" in row(html, "recipient-fulfilment_house")
    assert cell(html, "recipient-fulfilment_house", "channel") == f"file drop: <code>{drop}</code>"
    # The webhook: its host, never its credentials, path, query or secret.
    assert cell(html, "recipient-bmw_bank", "channel") == "webhook: <code>https://127.0.0.1:9</code>"
    for secret in (HOOK_USER, HOOK_PASSWORD, HOOK_TOKEN, "/hooks", SECRET, SECRET[6:]):
        assert secret not in html, secret
    assert "none" in cell(html, "recipient-mini_dealers", "channel")
    assert "affiliate" in row(html, "recipient-bmw_bank")
    failed = row(html, f"failed-{hid}")
    assert "service_providers" in failed and "cannot open the drop file" in failed
    assert f'action="/staff/handovers/{hid}/retry"' in failed
    assert f'action="/staff/handovers/{hid}/drop"' in failed
    # No value of the member's is on the page (nor their address's local part).
    for value in personal_values(p):
        assert value not in html, value

    # Retry: the form posts, the page comes back with a notice, the hand-over
    # is queued again and, the directory there now, delivered.
    token = FORM_TOKEN.search(html).group(1)
    r = admin.post(srv.url(f"/staff/handovers/{hid}/retry"), data={"csrf_token": token},
                   allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/handovers?done=retried"
    html = page(srv, admin, r.headers["Location"])
    assert 'id="notice"' in html and "queued again" in html
    assert f'id="failed-{hid}"' not in html
    assert cell(html, "recipient-fulfilment_house", "waiting") == "1"
    assert status_of(srv, hid) == "queued"
    os.mkdir(drop, 0o700)
    assert "1 hand-overs delivered" in srv.cli("handover", "deliver").stdout
    (f,) = os.listdir(drop)
    with open(os.path.join(drop, f)) as fh:
        assert p["name"] in fh.read()
    html = page(srv, admin)
    assert cell(html, "recipient-fulfilment_house", "delivered") == "1"
    assert cell(html, "recipient-fulfilment_house", "waiting") == "0"
    assert 'id="notice"' not in html

    # Drop: another one fails (the directory gone again), Drop removes it
    # with its sealed fields and counts it.
    shutil.rmtree(drop)
    p2, hid2 = failed_handover(srv)
    html = page(srv, admin)
    token = FORM_TOKEN.search(html).group(1)
    r = admin.post(srv.url(f"/staff/handovers/{hid2}/drop"), data={"csrf_token": token},
                   allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/handovers?done=dropped"
    html = page(srv, admin, r.headers["Location"])
    assert 'id="notice"' in html and "dropped" in html
    assert f'id="failed-{hid2}"' not in html
    assert cell(html, "recipient-fulfilment_house", "dropped") == "1"
    assert cell(html, "recipient-fulfilment_house", "failed") == "2"
    assert status_of(srv, hid2) is None
    assert srv.sql(f"SELECT COUNT(*) FROM handover_fields WHERE handover_id = {hid2}") == [["0"]]
    for value in personal_values(p) + personal_values(p2):
        assert value not in html, value
    # Either button on one no longer failed: the page again, with the reason.
    for action in ("drop", "retry"):
        r = admin.post(srv.url(f"/staff/handovers/{hid2}/{action}"), data={"csrf_token": token},
                       allow_redirects=False, timeout=10)
        assert r.status_code == 404 and 'id="error-summary"' in r.text, (action, r.status_code)
        assert "retried or dropped already" in r.text


def test_only_an_administrator_and_only_from_this_site_with_the_token(make_server, tmp_path):
    srv, _ = start(make_server, tmp_path)
    _, hid = failed_handover(srv)
    admin = admin_browser(srv)
    token = FORM_TOKEN.search(page(srv, admin)).group(1)
    posts = [f"/staff/handovers/{hid}/retry", f"/staff/handovers/{hid}/drop"]

    # A member (no staff session): sent to the staff sign-in, nothing done.
    m = requests.Session()
    r = join(srv, person(), m)
    assert r.status_code == 200, r.text
    m.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    r = m.get(srv.url("/staff/handovers"), allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/signin"
    for path in posts:
        r = m.post(srv.url(path), data={"csrf_token": m.headers["X-CSRF-Token"]},
                   allow_redirects=False, timeout=10)
        assert r.status_code in (303, 401, 403), (path, r.status_code)
    # Anyone at all: the same.
    r = requests.get(srv.url("/staff/handovers"), allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/staff/signin"

    # A staff role without a security purpose: refused, with its own token,
    # and the staff home does not offer the page.
    for role in ROLES_WITHOUT_SECURITY:
        s = staff_client(srv, role)
        assert 'href="/staff/handovers"' not in page(srv, s, "/staff")
        r = s.get(srv.url("/staff/handovers"), allow_redirects=False, timeout=10)
        assert r.status_code == 403 and "Failed for good" not in r.text, (role, r.status_code)
        for path in posts:
            r = s.post(srv.url(path), data={"csrf_token": s.csrf}, allow_redirects=False,
                       timeout=10)
            assert r.status_code == 403, (role, path, r.status_code)
    assert status_of(srv, hid) == "failed"

    # The administrator without the form's token, or with a wrong one.
    for data in ({"unused": "1"}, {"csrf_token": "x" * len(token)}):
        for path in posts:
            r = admin.post(srv.url(path), data=data, allow_redirects=False, timeout=10)
            assert r.status_code == 403, (data, path, r.status_code)
    assert status_of(srv, hid) == "failed"

    # From another site, even carrying the token (as no other site can).
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        for path in posts:
            r = admin.post(srv.url(path), data={"csrf_token": token}, headers=headers,
                           allow_redirects=False, timeout=10)
            assert r.status_code == 403 and "another site" in r.text, (headers, path)
    assert status_of(srv, hid) == "failed"
    assert int(srv.sql("SELECT COUNT(*) FROM counters WHERE name LIKE 'handovers_dropped%'")
               [0][0]) == 0

    # And with it, from here: done.
    r = admin.post(srv.url(posts[1]), data={"csrf_token": token}, allow_redirects=False,
                   timeout=10)
    assert r.status_code == 303
    assert status_of(srv, hid) is None
