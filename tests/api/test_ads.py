"""Issue 15, INS11: third-party advertising tags, only for visitors who have
not said no.

mini-insiders declares one ad tag (profiles/mini-insiders.yaml, `ad_tags`:
a clearly fictional network on a reserved .test origin, from which nothing
is ever served). A page anyone may open that takes and shows no personal
data includes its <script src> and widens the Content-Security-Policy to
its origin, only for a visitor without the opt-out cookie, without
`Sec-GPC: 1` or `DNT: 1`, and, signed in, whose account has not said no.
Otherwise the page has no tag and the CSP is the site's own. The opt-out
page (/privacy/choices, a form with the pre-session token, no script)
sets the cookie, records a member's choice on their account and links the
network's own opt-out page. Every page under mini-insiders links it from
the footer ("Your Privacy Choices"); north-american-motoring declares no
tag: no link, no tag, no opt-out page."""
import os
import re
import subprocess

import pytest
import requests

from conftest import BIN, ROOT, form_token
from test_members import PASSWORD, join, person

ORIGIN = "https://ads.example-network.test"
SCRIPT = ORIGIN + "/measure.js"
TAG = f'<script src="{SCRIPT}" async></script>'
CHOICES_LINK = re.compile(r'<a href="/privacy/choices" id="privacy-choices">Your Privacy Choices: '
                          r'Do Not Sell or Share My Personal Information</a>')
# The site's own policy: no third-party origin anywhere (src/engine/http.c).
NARROW = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Pages anyone opens that carry no form and show no one's data.
TAG_PAGES = ["/", "/privacy", "/privacy/v/1"]
# Pages that take or show personal data, or refuse: never a third-party script.
NO_TAG_PAGES = ["/signin", "/signup", "/contact", "/privacy/choices", "/staff/signin",
                "/no-such-page"]


def csp_sources(r, directive):
    for part in r.headers["Content-Security-Policy"].split(";"):
        words = part.split()
        if words and words[0] == directive:
            return words[1:]
    return []


def assert_tag(r):
    assert r.status_code == 200, r.text
    assert r.text.count(TAG) == 1, r.text[-600:]
    for directive in ("script-src", "img-src", "connect-src"):
        assert ORIGIN in csp_sources(r, directive), r.headers["Content-Security-Policy"]
    # Nothing but the tag's origin is added: without it, the site's own policy.
    widened = r.headers["Content-Security-Policy"].replace(" " + ORIGIN, "")
    assert widened == NARROW.replace("object-src", "connect-src 'self'; object-src")


def assert_no_tag(r):
    # The privacy notice and the choices page name the origin in words;
    # no page loads anything from it.
    assert "<script" not in r.text, r.text[-600:]
    assert not re.search(r'(src|href)="https://ads\.example-network\.test/[^"]*\.js', r.text)
    assert r.headers["Content-Security-Policy"] == NARROW


def opt(srv, s, choice, headers=None):
    token = form_token(srv, s, "/privacy/choices")
    return s.post(srv.url("/privacy/choices"), data={"csrf_token": token, "choice": choice},
                  headers=headers or {}, allow_redirects=False, timeout=10)


@pytest.fixture(scope="module")
def ins(make_module_server):
    return make_module_server(profile="mini-insiders")


@pytest.fixture(scope="module")
def nam(make_module_server):
    return make_module_server(profile="north-american-motoring")


def test_ins11_visitor_without_opt_out_gets_the_tag_and_widened_csp(ins):
    s = requests.Session()
    for path in TAG_PAGES:
        assert_tag(s.get(ins.url(path), timeout=10))
    for path in NO_TAG_PAGES:
        assert_no_tag(s.get(ins.url(path), timeout=10))
    # Static files and API answers are no pages: the site's own CSP.
    assert s.get(ins.url("/privacy.json"), timeout=10).headers["Content-Security-Policy"] == NARROW


def test_ins11_opted_out_visitor_gets_no_tag_and_narrow_csp(ins):
    s = requests.Session()
    assert_tag(s.get(ins.url("/"), timeout=10))
    r = opt(ins, s, "out")
    assert r.status_code == 303 and r.headers["Location"] == "/privacy/choices", r.text
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("gb_ads_off=1;") and "Max-Age=31536000" in cookie
    declared = {c["name"]: c for c in ins.get("/privacy.json").json()["cookies"]}
    assert declared["gb_ads_off"]["lifetime_seconds"] == 31536000
    for path in TAG_PAGES + NO_TAG_PAGES:
        assert_no_tag(s.get(ins.url(path), timeout=10))
    page = s.get(ins.url("/privacy/choices"), timeout=10).text
    assert 'id="ads-state" data-state="off"' in page and "you opted out on this browser" in page
    # Changing one's mind: the cookie is cleared and the tag comes back.
    r = opt(ins, s, "in")
    assert r.status_code == 303 and "Max-Age=0" in r.headers["Set-Cookie"]
    assert_tag(s.get(ins.url("/"), timeout=10))


@pytest.mark.parametrize("signal", [{"Sec-GPC": "1"}, {"DNT": "1"}])
def test_ins11_gpc_visitor_gets_no_tag_and_narrow_csp(ins, signal):
    s = requests.Session()
    for path in TAG_PAGES + NO_TAG_PAGES:
        assert_no_tag(s.get(ins.url(path), headers=signal, timeout=10))
    page = s.get(ins.url("/privacy/choices"), headers=signal, timeout=10).text
    assert 'data-state="off"' in page
    assert ("Global Privacy Control" if "Sec-GPC" in signal else "Do Not Track") in page
    # A signal of another value says nothing.
    assert_tag(s.get(ins.url("/"), headers={k: "0" for k in signal}, timeout=10))


def test_ins11_member_opt_out_recorded(make_server):
    srv = make_server(profile="mini-insiders")
    s, p = requests.Session(), person()
    r = join(srv, p, s)
    assert r.status_code == 200, r.text
    mid = r.json()["id"]
    assert_tag(s.get(srv.url("/"), timeout=10))          # signed in, no choice made: opt_out
    r = opt(srv, s, "out")
    assert r.status_code == 303, r.text
    rows = srv.sql(f"SELECT state, via FROM consents WHERE subject_id = {mid} "
                   "AND purpose = 'advertising'")
    assert [tuple(x) for x in rows] == [("off", "choices")]
    doc = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    mine = {c["purpose"]: c for c in doc["consents"]}
    assert mine["advertising"]["state"] == "off" and mine["advertising"]["via"] == "choices"
    # The account's no counts on another browser, which has no opt-out cookie.
    other = requests.Session()
    r = other.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
                   timeout=30)
    assert r.status_code == 200, r.text
    assert not [c for c in other.cookies if c.name == "gb_ads_off"]
    assert_no_tag(other.get(srv.url("/"), timeout=10))
    page = other.get(srv.url("/privacy/choices"), timeout=10).text
    assert "you said no on your account" in page
    # Signed out, that browser is an anonymous visitor again.
    assert other.post(srv.url("/api/v1/signout"), timeout=10,
                      headers={"X-CSRF-Token": r.json()["csrf_token"]}).status_code in (200, 204)
    assert_tag(other.get(srv.url("/"), timeout=10))
    # A yes on the page is recorded too, and the tag comes back for the member.
    r = opt(srv, s, "in")
    assert r.status_code == 303
    rows = srv.sql(f"SELECT state, via FROM consent_events WHERE subject_id = {mid} "
                   "AND purpose = 'advertising'")
    assert sorted(tuple(x) for x in rows) == [("off", "choices"), ("on", "choices")]
    assert_tag(s.get(srv.url("/"), timeout=10))


def test_ins11_member_with_gpc_gets_no_tag_and_it_is_recorded(make_server):
    srv = make_server(profile="mini-insiders")
    s = requests.Session()
    r = join(srv, person(), s)
    assert r.status_code == 200, r.text
    mid = r.json()["id"]
    assert_no_tag(s.get(srv.url("/"), headers={"Sec-GPC": "1"}, timeout=10))
    rows = srv.sql(f"SELECT state, via FROM consents WHERE subject_id = {mid} "
                   "AND purpose = 'advertising'")
    assert [tuple(x) for x in rows] == [("off", "gpc")]
    # Recorded on the account: without the header, still no tag for them.
    assert_no_tag(s.get(srv.url("/"), timeout=10))


def test_ins11_choices_link_on_every_page_and_the_network_opt_out_linked(ins, nam):
    s = requests.Session()
    for path in TAG_PAGES + NO_TAG_PAGES:
        r = s.get(ins.url(path), timeout=10)
        assert len(CHOICES_LINK.findall(r.text)) == 1, (path, r.text[-600:])
    page = s.get(ins.url("/privacy/choices"), timeout=10).text
    assert 'href="https://ads.example-network.test/opt-out"' in page
    assert "exn_uid" in page
    # The inventory lists the tag's cookie, set by the network (no prefix of ours).
    cookies = {c["name"]: c for c in ins.get("/privacy.json").json()["cookies"]}
    assert cookies["exn_uid"]["set_by_origin"] == ORIGIN
    assert cookies["exn_uid"]["purpose"] == "advertising"
    assert cookies["gb_session"]["set_by"] is None
    row = re.search(r'<tr id="cookie-exn_uid">(.*?)</tr>', s.get(ins.url("/privacy")).text).group(1)
    assert ORIGIN in row
    # The privacy notice states the tag and links the choices page.
    assert 'href="/privacy/choices"' in ins.get("/privacy").text.split('id="advertising"')[1]


def test_ins11_no_tag_no_link_where_the_profile_declares_none(nam):
    s = requests.Session()
    for path in TAG_PAGES + NO_TAG_PAGES:
        r = s.get(nam.url(path), timeout=10)
        assert "privacy/choices" not in r.text and "Your Privacy Choices" not in r.text, path
        assert "<script" not in r.text, path
        assert r.headers["Content-Security-Policy"] == NARROW
    assert s.get(nam.url("/privacy/choices"), timeout=10).status_code == 404
    r = s.post(nam.url("/privacy/choices"), data={"choice": "out"}, allow_redirects=False,
               timeout=10)
    assert r.status_code == 404 and "Set-Cookie" not in r.headers
    assert nam.get("/privacy.json").json()["ad_tags"] == []


def test_ins11_opt_out_form_refuses_cross_site_and_missing_token(ins):
    s = requests.Session()
    token = form_token(ins, s, "/privacy/choices")
    # No token, a wrong one, and another site's post: refused, no cookie set.
    for data, headers in (({"choice": "out"}, {}),
                          ({"choice": "out", "csrf_token": "A" * len(token)}, {}),
                          ({"choice": "out", "csrf_token": token},
                           {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"})):
        r = s.post(ins.url("/privacy/choices"), data=data, headers=headers,
                   allow_redirects=False, timeout=10)
        assert r.status_code in (400, 403), (r.status_code, r.text)
        assert "gb_ads_off" not in r.headers.get("Set-Cookie", "")
    assert_tag(s.get(ins.url("/"), timeout=10))
    # A choice that is not offered is the form again, with nothing set.
    r = s.post(ins.url("/privacy/choices"), data={"choice": "maybe", "csrf_token": token},
               allow_redirects=False, timeout=10)
    assert r.status_code == 422 and "gb_ads_off" not in r.headers.get("Set-Cookie", "")


def profile_with(tmp_path, old, new):
    text = open(os.path.join(ROOT, "profiles", "mini-insiders.yaml")).read()
    assert old in text
    path = str(tmp_path / "p.yaml")
    with open(path, "w") as f:
        f.write(text.replace(old, new))
    return subprocess.run([BIN, "profile", "check", path], capture_output=True, text=True)


@pytest.mark.parametrize("origin", [
    "http://ads.example-network.test",            # not https
    "https://ads.example-network.test/",          # a path
    "https://ads.example-network.test/x",
    "https://Ads.Example-Network.test",           # upper case
    "https://ads example.test",                   # a space
    "https://localhost",                          # no dot
    "https://ads.example-network.test:0",         # a bad port
    "ads.example-network.test",                   # no scheme
    "https://ads.example-network.test@evil.test",
])
def test_ins11_checker_refuses_a_malformed_tag_origin(tmp_path, origin):
    out = profile_with(tmp_path, "origin: https://ads.example-network.test",
                       f"origin: {origin}")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "ad tag 'ad_measurement': origin must be an https:// origin" in out.stdout + out.stderr


def test_ins11_checker_refuses_a_script_off_origin_and_a_bad_purpose(tmp_path):
    out = profile_with(tmp_path, "script: https://ads.example-network.test/measure.js",
                       "script: https://cdn.elsewhere.test/measure.js")
    assert out.returncode == 1
    assert "script must be an https:// address on the tag's origin" in out.stdout + out.stderr
    out = profile_with(tmp_path, "    purpose: advertising\n    origin",
                       "    purpose: site_statistics\n    origin")
    assert out.returncode == 1
    assert "must serve a purpose of kind advertising" in out.stdout + out.stderr
    out = profile_with(tmp_path, "opt_out_url: https://ads.example-network.test/opt-out",
                       "opt_out_url: http://ads.example-network.test/opt-out")
    assert out.returncode == 1
    assert "opt_out_url must be an https:// address" in out.stdout + out.stderr
    # The opt-out cookie the code sets must be in the inventory.
    out = profile_with(tmp_path, "  - name: gb_ads_off", "  - name: gb_ads_offx")
    assert out.returncode == 1
    assert "glovebox sets cookie 'gb_ads_off' on this site" in out.stdout + out.stderr
