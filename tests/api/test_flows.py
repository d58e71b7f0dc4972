"""The picture of where data goes (issue 12) on both engines: /privacy's SVG
draws exactly the flows computed here from /privacy.json's purposes and
recipients, and /me draws a member's choices as the store holds them, a
purpose switched off through the API drawn off at once. The Chromium test
(tests/browser/flows.test.mjs) checks the same through the pages and
screenshots them."""
from html.parser import HTMLParser

import pytest
import requests

from test_members import join, person


class Edges(HTMLParser):
    """The SVG's edges: each <path> with data-from, as a dict of its data-*."""

    def __init__(self, html):
        super().__init__()
        self.edges, self.pictures = [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("id") == "flows-picture":
            self.pictures += 1
        if tag == "path" and "data-from" in a:
            self.edges.append({k[5:]: v for k, v in a.items() if k.startswith("data-")})


def expected_flows(profile):
    """(from, to, basis, fields) for every flow the profile allows."""
    purposes = {p["id"]: p for p in profile["purposes"]}
    flows = set()
    for p in profile["purposes"]:
        for c in p["categories"]:
            flows.add((f"category:{c['id']}", f"purpose:{p['id']}", p["basis"], ""))
    for r in profile["recipients"]:
        for ref in r["purposes"]:
            p = purposes[ref["id"]]
            uses = {c["id"] for c in p["categories"]}
            fields = [f["id"] for f in r["fields"] if f["id"] in uses]
            if fields:
                flows.add((f"purpose:{p['id']}", f"recipient:{r['id']}", p["basis"],
                           ",".join(fields)))
    return flows


def drawn(html):
    parsed = Edges(html)
    assert parsed.pictures == 1
    return parsed.edges


def key(e):
    return (e["from"], e["to"], e["basis"], e["fields"])


def purpose_of(e):
    return (e["from"] if e["from"].startswith("purpose:") else e["to"])[len("purpose:"):]


@pytest.mark.parametrize("profile", ["north-american-motoring", "mini-insiders"])
def test_flows_drawn_from_the_profile_and_the_members_choices(make_module_server, profile):
    srv = make_module_server(profile=profile)
    doc = requests.get(srv.url("/privacy.json"), timeout=10).json()
    want = expected_flows(doc)
    assert want

    edges = drawn(requests.get(srv.url("/privacy"), timeout=10).text)
    assert sorted(map(key, edges)) == sorted(want)
    assert {e["state"] for e in edges} == {"allowed"}

    s = requests.Session()
    r = join(srv, person(), s)
    assert r.status_code == 200, r.text
    csrf = r.json()["csrf_token"]
    choices = {c["purpose"]: c["on"] for c in
               s.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]}
    assert choices
    basis = {p["id"]: p["basis"] for p in doc["purposes"]}

    def on(purpose):
        """As the member chose; an opt-in never offered to them is off."""
        return choices.get(purpose, basis[purpose] != "opt_in")

    def states():
        page = s.get(srv.url("/me"), timeout=10)
        assert page.status_code == 200
        got = drawn(page.text)
        assert sorted(map(key, got)) == sorted(want)
        return got

    for e in states():
        assert e["state"] == ("on" if on(purpose_of(e)) else "off"), e

    # Each choice switched off, then on, is drawn so at once.
    for purpose in list(choices):
        for setting in (False, True):
            r = s.put(srv.url(f"/api/v1/me/consents/{purpose}"), json={"on": setting},
                      headers={"X-CSRF-Token": csrf}, timeout=10)
            assert r.status_code == 200, r.text
            choices[purpose] = setting
            for e in states():
                assert e["state"] == ("on" if on(purpose_of(e)) else "off"), e
