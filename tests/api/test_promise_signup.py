"""INS04 by behaviour, on the mini-insiders profile: the Insider sign-up
keeps the name, address, e-mail and phone a person volunteers. The fields
the profile declares optional at the sign-up point are left out and the
account still opens, signs in and is used; a volunteered field is kept only
when it is given (nothing, not even an empty sealed value, otherwise)."""
import datetime

import pytest
import requests

from conftest import form_token
from test_members import PASSWORD, join, person, waiting_members

POINT = "insider_signup"


@pytest.fixture(scope="module")
def ins(make_module_server):
    return make_module_server(profile="mini-insiders")


def point_fields(srv):
    doc = srv.get("/privacy.json").json()
    point = next(c for c in doc["collection_points"] if c["id"] == POINT)
    return {f["category"]: f["required"] for f in point["fields"]}


def volunteered(srv):
    """The categories the profile lets a person leave out (phone, postal_address)."""
    opt = sorted(c for c, req in point_fields(srv).items() if not req)
    assert opt, "the sign-up point declares no optional field"
    return opt


def stored(srv, mid, columns):
    """Which of the member's columns hold a value (sealed: only whether)."""
    row = srv.sql(f"SELECT {', '.join(columns)} FROM members WHERE id = {mid}")[0]
    return {c for c, v in zip(columns, row) if v != ""}


def export_categories(s, srv):
    doc = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    return {i["category"] for i in doc["items"]}


@pytest.mark.parametrize("left", ["out", "empty"])
def test_ins04_signup_without_volunteered_fields_opens_a_working_account(ins, left):
    opt = volunteered(ins)
    p = {k: v for k, v in person().items() if k not in opt}
    if left == "empty":
        p.update({c: "" for c in opt})
    s = requests.Session()
    r = join(ins, p, s)
    assert r.status_code == 200, r.text
    mid, csrf = r.json()["id"], r.json()["csrf_token"]
    s.headers["X-CSRF-Token"] = csrf
    me = s.get(ins.url("/api/v1/me"), timeout=10)
    assert me.status_code == 200, me.text
    data = me.json()["data"]
    assert data["name"] == p["name"] and data["email"] == p["email"]
    assert not any(data.get(c) for c in opt), data
    assert stored(ins, mid, opt) == set()
    assert export_categories(s, ins).isdisjoint(opt)
    # The account works: signed out and in again, and a field volunteered later is kept.
    assert s.post(ins.url("/api/v1/signout"), timeout=10).status_code in (200, 204)
    r = s.post(ins.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
               timeout=30)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    r = s.patch(ins.url("/api/v1/me"), json={opt[0]: "+1 555 0177"}, timeout=10)
    assert r.status_code == 200, r.text
    assert stored(ins, mid, opt) == {opt[0]}


def test_ins04_a_volunteered_field_is_kept_only_when_given(ins):
    opt = volunteered(ins)
    for given in opt:
        p = {k: v for k, v in person().items() if k not in opt or k == given}
        s = requests.Session()
        r = join(ins, p, s)
        assert r.status_code == 200, r.text
        mid = r.json()["id"]
        assert stored(ins, mid, opt) == {given}
        data = s.get(ins.url("/api/v1/me"), timeout=10).json()["data"]
        assert data[given] == p[given]
        assert export_categories(s, ins) & set(opt) == {given}


def test_ins04_the_form_asks_for_volunteered_fields_without_requiring_them(ins):
    fields = point_fields(ins)
    s = requests.Session()
    token = form_token(ins, s, "/signup")
    page = s.get(ins.url("/signup"), timeout=10).text
    for cat, req in fields.items():
        if cat in ("postal_address", "phone"):
            tag = page[page.index(f'id="{cat}"') - 80:page.index(f'id="{cat}"') + 300]
            assert (" required" in tag.split(">", 2)[1]) is req, (cat, tag)
    # Sent as a browser sends them left empty, the form opens the account
    # and keeps nothing for them.
    p = person()
    born = datetime.date.fromisoformat(p["date_of_birth"])
    before = waiting_members(ins)
    r = s.post(ins.url("/signup"), allow_redirects=False, timeout=30,
               data={"csrf_token": token, "name": p["name"], "email": p["email"],
                     "password": PASSWORD, "birth_day": str(born.day),
                     "birth_month": str(born.month), "birth_year": str(born.year),
                     "postal_address": "", "phone": ""})
    assert r.status_code in (200, 202, 303), r.text
    new = waiting_members(ins) - before
    assert len(new) == 1, new
    mid = new.pop()
    assert stored(ins, mid, [c for c, req in fields.items() if not req]) == set()
