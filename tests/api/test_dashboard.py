"""The member's page in HTML (forms without JavaScript) and "remember me on
this device" (INS12): correct (NAM13) behind re-authentication (NAM14),
choices switched at once, sessions ended, the account closed (ALL02); a
remember-me cookie that is off unless chosen, holds a reference only,
fills in later forms, stops when the member opts out, and is forgotten
from /me, on closing and after its retention."""
import re
import time

import pytest
import requests

from conftest import contains_any
from test_members import PASSWORD, age_password_entry, join, person


@pytest.fixture(scope="module")
def ins(make_module_server):
    return make_module_server(profile="mini-insiders")


def insider(srv, remember):
    p = person()
    s = requests.Session()
    r = join(srv, p, s, remember=remember)
    assert r.status_code == 200, r.text
    s.csrf = r.json()["csrf_token"]
    s.member_id = r.json()["id"]
    s.headers["X-CSRF-Token"] = s.csrf
    return p, s


def remember_cookie(s):
    return s.cookies.get("gb_remember")


def device_only(s):
    """A browser that keeps only the remember-me cookie (signed out)."""
    d = requests.Session()
    d.cookies.set("gb_remember", remember_cookie(s))
    return d


def prefilled_email(srv, session, path):
    page = session.get(srv.url(path), timeout=10).text
    m = re.search(r'id="email"[^>]*value="([^"]*)"', page)
    return m.group(1) if m else ""


def test_ins12_off_unless_chosen(ins):
    # Offered at sign-in, unticked; not at sign-up, which starts no session
    # until the address is confirmed (issue 11).
    box = re.search(r'<input id="remember"[^>]*>', ins.get("/signin").text).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert 'id="remember"' not in ins.get("/signup").text
    p, s = insider(ins, remember=False)
    assert remember_cookie(s) is None
    assert s.get(ins.url("/api/v1/me/devices"), timeout=10).json()["devices"] == []
    r = requests.post(ins.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
                      timeout=30)
    assert r.status_code == 200 and "gb_remember" not in r.headers.get("Set-Cookie", "")


def test_ins12_cookie_holds_a_reference_only(ins, tmp_path):
    p, s = insider(ins, remember=True)
    token = remember_cookie(s)
    assert token and re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    cookie = [c for c in s.cookies if c.name == "gb_remember"][0]
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.expires and cookie.expires - time.time() > 300 * 86400   # the profile's 1y
    for value in (p["name"], p["email"], str(s.member_id)):
        assert value not in token
    # The store keeps a keyed hash of the reference, not the reference.
    blobs = list(ins.raw_files().values()) + [ins.dump(tmp_path)]
    assert not contains_any(blobs, [token, p["name"], p["email"]])
    devices = s.get(ins.url("/api/v1/me/devices"), timeout=10).json()["devices"]
    assert len(devices) == 1 and devices[0]["this_device"] is True


def test_ins12_prefills_later_forms(ins):
    p, s = insider(ins, remember=True)
    device = device_only(s)
    assert prefilled_email(ins, device, "/signin") == p["email"]
    assert prefilled_email(ins, device, "/contact") == p["email"]
    stranger = requests.Session()
    assert prefilled_email(ins, stranger, "/signin") == ""
    forged = requests.Session()
    forged.cookies.set("gb_remember", "A" * 43)
    assert prefilled_email(ins, forged, "/contact") == ""


def test_ins12_opting_out_stops_the_prefill_at_once(ins):
    p, s = insider(ins, remember=True)
    device = device_only(s)
    assert prefilled_email(ins, device, "/signin") == p["email"]
    r = s.put(ins.url("/api/v1/me/consents/visit_personalisation"), json={"on": False}, timeout=10)
    assert r.status_code == 200
    assert prefilled_email(ins, device, "/signin") == ""
    s.put(ins.url("/api/v1/me/consents/visit_personalisation"), json={"on": True}, timeout=10)
    assert prefilled_email(ins, device, "/signin") == p["email"]


def test_ins12_forget_one_or_all_from_me(ins):
    p, s = insider(ins, remember=True)
    device = device_only(s)
    r = requests.post(ins.url("/api/v1/signin"), timeout=30,
                      json={"email": p["email"], "password": PASSWORD, "remember": True})
    assert r.status_code == 200
    devices = s.get(ins.url("/api/v1/me/devices"), timeout=10).json()["devices"]
    assert len(devices) == 2
    mine = [d for d in devices if d["this_device"]][0]
    # Another member cannot forget it.
    _, other = insider(ins, remember=False)
    assert other.delete(ins.url(f"/api/v1/me/devices/{mine['id']}"), timeout=10).status_code == 404
    assert other.delete(ins.url(f"/api/v1/me/devices/{mine['id']}"), timeout=10,
                        headers={"X-CSRF-Token": ""}).status_code in (403, 404)
    # Without the CSRF token nothing is forgotten.
    r = s.delete(ins.url(f"/api/v1/me/devices/{mine['id']}"), headers={"X-CSRF-Token": "x" * 43},
                 timeout=10)
    assert r.status_code == 403
    # By the form on /me, as a browser without JavaScript would.
    r = s.post(ins.url("/me/devices/forget"), data={"id": mine["id"], "csrf_token": s.csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/me?done=device"
    assert prefilled_email(ins, device, "/signin") == ""
    assert len(s.get(ins.url("/api/v1/me/devices"), timeout=10).json()["devices"]) == 1
    r = s.delete(ins.url("/api/v1/me/devices"), timeout=10)
    assert r.status_code == 200 and r.json()["forgotten"] == 1
    assert s.get(ins.url("/api/v1/me/devices"), timeout=10).json()["devices"] == []


def test_ins12_closing_the_account_forgets_devices(ins):
    p, s = insider(ins, remember=True)
    device = device_only(s)
    assert s.delete(ins.url("/api/v1/me"), timeout=10).status_code == 200
    assert prefilled_email(ins, device, "/signin") == ""
    assert ins.sql(f"SELECT COUNT(*) FROM remembered_devices WHERE member_id = {s.member_id}") \
        == [["0"]]


def test_ins12_reference_ends_with_its_retention(ins):
    p, s = insider(ins, remember=True)
    device = device_only(s)
    ins.cli("retention", "run", str(int(time.time()) + 300 * 86400))
    assert prefilled_email(ins, device, "/signin") == p["email"]
    ins.cli("retention", "run", str(int(time.time()) + 367 * 86400))
    assert ins.sql(f"SELECT COUNT(*) FROM remembered_devices WHERE member_id = {s.member_id}") \
        == [["0"]]
    assert prefilled_email(ins, device, "/signin") == ""


def test_ins12_a_profile_without_it_offers_none(server):
    assert 'id="remember"' not in server.get("/signin").text
    p = person()
    s = requests.Session()
    r = join(server, p, s, remember=True)
    assert r.status_code == 200 and remember_cookie(s) is None


# ---- the member's page by forms ----

def member(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200
    s.csrf = r.json()["csrf_token"]
    s.member_id = r.json()["id"]
    return p, s


def test_nam13_correct_by_form_behind_reauth(server):
    p, s = member(server)
    page = s.get(server.url("/me"), timeout=10).text
    assert 'action="/me/correct"' in page and p["phone"] in page
    r = s.post(server.url("/me/correct"), allow_redirects=False, timeout=10,
               data={"name": "Corrected Name", "phone": "+1 555 0100", "csrf_token": s.csrf})
    assert r.status_code == 303 and r.headers["Location"] == "/me?done=corrected"
    data = s.get(server.url("/api/v1/me"), timeout=10).json()["data"]
    assert data["name"] == "Corrected Name" and data["phone"] == "+1 555 0100"
    # NAM14: after the window, the form leads to the password prompt and changes nothing.
    age_password_entry(server, s.member_id, 6 * 60)
    r = s.post(server.url("/me/correct"), allow_redirects=False, timeout=10,
               data={"name": "Too Late", "csrf_token": s.csrf})
    assert r.status_code == 303 and r.headers["Location"] == "/me"
    page = s.get(server.url("/me"), timeout=10).text
    assert 'id="reauth"' in page and 'action="/me/correct"' not in page
    r = s.post(server.url("/me/reauth"), data={"password": "wrong wrong wrong", "csrf_token": s.csrf},
               allow_redirects=False, timeout=30)
    assert r.status_code == 422 and "That password is wrong." in r.text
    r = s.post(server.url("/me/reauth"), data={"password": PASSWORD, "csrf_token": s.csrf},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303
    assert s.get(server.url("/api/v1/me"), timeout=10).json()["data"]["name"] == "Corrected Name"


def test_choices_switched_by_form_take_effect_at_once(server):
    p, s = member(server)

    def news_on():
        cs = s.get(server.url("/api/v1/me/consents"), timeout=10).json()["consents"]
        return [c for c in cs if c["purpose"] == "member_news"][0]["on"]

    assert news_on() is False
    assert 'id="switch-member_news"' in s.get(server.url("/me"), timeout=10).text
    r = s.post(server.url("/me/consents"), allow_redirects=False, timeout=10,
               data={"purpose": "member_news", "on": "1", "csrf_token": s.csrf})
    assert r.status_code == 303 and news_on() is True
    r = s.post(server.url("/me/consents"), allow_redirects=False, timeout=10,
               data={"purpose": "member_news", "on": "0", "csrf_token": s.csrf})
    assert r.status_code == 303 and news_on() is False
    r = s.post(server.url("/me/consents"), timeout=10,
               data={"purpose": "account", "on": "0", "csrf_token": s.csrf})
    assert r.status_code == 404          # a required purpose has no switch


def test_end_a_session_by_form(server):
    p, s = member(server)
    other = requests.Session()
    other.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
               timeout=30)
    sessions = s.get(server.url("/api/v1/me/sessions"), timeout=10).json()["sessions"]
    theirs = [x for x in sessions if not x["current"]][0]
    r = s.post(server.url("/me/sessions/end"), data={"id": theirs["id"], "csrf_token": s.csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert other.get(server.url("/api/v1/me/consents"), timeout=10).status_code == 401


def test_all02_close_by_form(server):
    p, s = member(server)
    page = s.get(server.url("/me/close"), timeout=10)
    assert page.status_code == 200 and 'name="confirm"' in page.text
    r = s.post(server.url("/me/close"), data={"confirm": "yes", "csrf_token": s.csrf}, timeout=10)
    assert r.status_code == 422 and "Type the word close" in r.text
    assert s.get(server.url("/api/v1/me"), timeout=10).status_code == 200
    r = s.post(server.url("/me/close"), data={"confirm": "close", "csrf_token": s.csrf}, timeout=10)
    assert r.status_code == 200 and 'id="closed"' in r.text
    assert s.get(server.url("/api/v1/me"), timeout=10).status_code == 401
    r = requests.post(server.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
                      timeout=30)
    assert r.status_code == 401


def test_all01_download_link_on_the_page(server):
    p, s = member(server)
    page = s.get(server.url("/me"), timeout=10).text
    assert 'href="/api/v1/me/export"' in page
    r = s.get(server.url("/api/v1/me/export"), timeout=10)
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    assert p["email"] in r.text


def test_password_and_address_changes_by_form(server):
    p, s = member(server)
    r = s.post(server.url("/me/password"), allow_redirects=False, timeout=30,
               data={"password": "short", "csrf_token": s.csrf})
    assert r.status_code == 400 and "password" in r.text
    r = s.post(server.url("/me/password"), allow_redirects=False, timeout=30,
               data={"password": "green mini on a long road", "csrf_token": s.csrf})
    assert r.status_code == 303 and r.headers["Location"] == "/me?done=password"
    r = s.post(server.url("/me/email"), allow_redirects=False, timeout=30,
               data={"email": "moved-" + p["email"], "csrf_token": s.csrf})
    assert r.status_code == 303 and r.headers["Location"] == "/me?done=email"
    assert "the change happens when you confirm" in s.get(server.url("/me?done=email"), timeout=10).text
    # Until confirmed, the address stays.
    assert s.get(server.url("/api/v1/me"), timeout=10).json()["data"]["email"] == p["email"]
