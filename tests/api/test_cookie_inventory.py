"""The cookie inventory on the privacy page is complete (issue 12, rule 6):
the flows that set cookies (the pre-session forms, sign-up refused by the
age screen, sign-up, address confirmation, sign-in with and without
"remember me", in the API and in HTML, staff sign-in, signing out) run
against a real server under each bundled profile, every Set-Cookie header
is collected, and each cookie must be one /privacy.json declares, living no
longer than the inventory says. tests/unit/test_policy_cookies.c checks the
same statically: every cookie name in src/ is one the checker knows."""
import re

import pytest
import requests

from conftest import form_token, mail_flags, make_staff, staff_signin
from test_mail_lists import confirmation_token
from test_members import PASSWORD, birth, person, signup

MAX_AGE = re.compile(r";\s*max-age=(-?\d+)", re.I)


class Recorder:
    """Sessions whose every response (redirect hops included) has its
    Set-Cookie headers kept as (name, max_age or None, path)."""

    def __init__(self):
        self.seen = []

    def session(self):
        s = requests.Session()
        s.hooks["response"].append(self.record)
        return s

    def record(self, r, *args, **kwargs):
        for header in r.raw.headers.getlist("Set-Cookie"):
            name = header.split("=", 1)[0].strip()
            m = MAX_AGE.search(header)
            self.seen.append((name, int(m.group(1)) if m else None, r.request.path_url))


def run_flows(srv, sink, rec):
    browser = rec.session()
    for path in ("/", "/signup", "/signin", "/contact", "/privacy", "/staff/signin"):
        browser.get(srv.url(path), timeout=10)
    # Under the age screen, in HTML and in the API: the age-screen cookie.
    token = form_token(srv, browser, "/signup")
    young = person()
    browser.post(srv.url("/signup"), timeout=30, data={
        "name": young["name"], "email": young["email"], "password": PASSWORD,
        "birth_day": "1", "birth_month": "1", "birth_year": birth(5)[:4], "csrf_token": token})
    assert signup(srv, person(date_of_birth=birth(10)), rec.session()).status_code == 403
    # Sign-up, the confirmation link (its page, then the API), sign-in with
    # remember-me.
    member = rec.session()
    p = person()
    assert signup(srv, p, member).status_code == 202
    link = confirmation_token(sink, p["email"])
    member.get(srv.url(f"/confirm?token={link}"), timeout=10)
    assert member.post(srv.url("/api/v1/confirm"), json={"token": link},
                       timeout=10).status_code == 200
    r = member.post(srv.url("/api/v1/signin"), timeout=30,
                    json={"email": p["email"], "password": PASSWORD, "remember": True})
    assert r.status_code == 200, r.text
    member.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    member.get(srv.url("/me"), timeout=10)
    # Opting out of advertising tags, where the profile declares them (INS11).
    if srv.get("/privacy.json").json()["ad_tags"]:
        token = form_token(srv, member, "/privacy/choices")
        member.post(srv.url("/privacy/choices"), timeout=10, allow_redirects=False,
                    data={"choice": "out", "csrf_token": token})
    assert member.post(srv.url("/api/v1/signout"), timeout=10).status_code in (200, 204)
    # The HTML sign-in, with the box ticked, and its sign-out.
    page = rec.session()
    token = form_token(srv, page, "/signin")
    page.post(srv.url("/signin"), timeout=30, data={
        "email": p["email"], "password": PASSWORD, "remember": "1", "csrf_token": token})
    me = page.get(srv.url("/me"), timeout=10).text
    m = re.search(r'name="csrf_token" value="([A-Za-z0-9_-]+)"', me)
    if m:
        page.post(srv.url("/signout"), data={"csrf_token": m.group(1)}, timeout=10)
    # Staff: sign-in through the API (the page sign-in sets the same two
    # cookies: test_staff covers it), then out.
    staff = make_staff(srv, "admin")
    s = staff_signin(srv, staff, rec.session())
    s.post(srv.url("/api/v1/staff/signout"), timeout=10)
    # The shop, where the profile has one: a cart filled in the API and in
    # HTML, then emptied (the cart cookie).
    if srv.get("/api/v1/shop/items").status_code == 200:
        seller = staff_signin(srv, make_staff(srv, "fulfilment"))
        item = seller.post(srv.url("/api/v1/staff/shop/items"), timeout=10, json={
            "name": "Cap", "price": 100, "stock": 5}).json()["item"]["id"]
        cart = rec.session()
        cart.post(srv.url("/api/v1/shop/cart"), json={"item": item, "quantity": 1}, timeout=10)
        token = form_token(srv, cart, f"/shop/items/{item}")
        cart.post(srv.url("/shop/cart"), timeout=10,
                  data={"item": item, "quantity": 0, "csrf_token": token})
    return rec.seen


@pytest.mark.parametrize("profile", ["north-american-motoring", "mini-insiders"])
def test_every_cookie_the_code_sets_is_declared(make_server, smtp_sink, profile):
    srv = make_server(profile=profile, extra=mail_flags(smtp_sink))
    doc = srv.get("/privacy.json").json()
    prefix = doc["cookie_prefix"]
    # The site's own cookies; those an ad tag sets (INS11) are the network's,
    # set by its script from its origin, never by this server.
    declared = {c["name"]: c for c in doc["cookies"] if not c["set_by"]}
    seen = run_flows(srv, smtp_sink, Recorder())
    names = {name for name, _, _ in seen}
    # The flows reached the cookies they are meant to (else this test would
    # prove nothing).
    expected = {"gb_presession", "gb_age_screen", "gb_session", "gb_browser", "gb_staff",
                "gb_staff_browser"}
    if profile == "mini-insiders":
        expected |= {"gb_remember", "gb_ads_off"}
    else:
        expected.add("gb_cart")
    assert {n[len(prefix):] if n.startswith(prefix) else n for n in names} >= expected
    for name, max_age, path in seen:
        assert name.startswith(prefix), (name, path)
        base = name[len(prefix):]
        assert base in declared, f"{path} sets cookie {name}, which /privacy.json does not declare"
        c = declared[base]
        if max_age is None or max_age <= 0:
            continue        # a cookie for the browser session, or one being cleared
        assert c["lifetime_seconds"] > 0, f"{name} outlives the browser session it declares"
        assert max_age <= c["lifetime_seconds"], (name, max_age, c["lifetime"])
    # The inventory declares no cookie the code never set in these flows.
    assert set(declared) == expected
