"""INS15 (links out are not covered) where a partner is named: on the
privacy page and on /me, each partner the page names shows that partner's
own privacy policy as a link, marked as leaving the site. Run on the
mini-insiders profile, whose partners are affiliates and dealers with their
own policies; the partner list is read from /privacy.json, so the tests
follow the profile's list, whatever it holds.

The bundled profile gives no partner a link (the seed gives none; issue 12,
rule 3): each partner then gets the sentence that tells how to ask for its
policy, never a false link. The link case runs on a copy of the profile
that gives two partners a link."""
import os
import time
from html.parser import HTMLParser

import pytest
import requests

from conftest import ENGINE, ROOT
from test_members import join, person

LEAVES = "leaves this site"
ASK = "For its privacy policy, ask us at privacy@askminiusa.com."
LINKS = {"bmw_north_america": "https://www.bmwusa.com/privacy-policy.html",
         "mini_dealers": "https://www.miniusa.com/privacy-policy.html"}


class Items(HTMLParser):
    """Each <li> of the page: its text and its links (href, rel, text)."""

    def __init__(self):
        super().__init__()
        self.items, self._stack, self._link = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li":
            self._stack.append({"text": "", "links": []})
            self.items.append(self._stack[-1])
        elif tag == "a" and self._stack:
            self._link = {"href": a.get("href", ""), "rel": (a.get("rel") or "").split(),
                          "text": ""}
            self._stack[-1]["links"].append(self._link)

    def handle_endtag(self, tag):
        if tag == "li" and self._stack:
            self._stack.pop()
        elif tag == "a":
            self._link = None

    def handle_data(self, data):
        for item in self._stack:
            item["text"] += data
        if self._link is not None:
            self._link["text"] += data


def items(html):
    p = Items()
    p.feed(html)
    return p.items


@pytest.fixture(scope="module")
def ins(make_module_server):
    return make_module_server(profile="mini-insiders")


@pytest.fixture(scope="module")
def ins_linked(make_module_server, tmp_path_factory):
    """mini-insiders with a policy link for two of its partners."""
    with open(os.path.join(ROOT, "profiles", "mini-insiders.yaml")) as f:
        text = f.read()
    for rid, url in LINKS.items():
        at = text.index(f"  - id: {rid} ")
        end = text.index("    contract:", at)
        text = text[:end] + f"    policy_url: {url}\n" + text[end:]
    path = tmp_path_factory.mktemp("profile") / "mini-insiders.yaml"
    path.write_text(text)
    return make_module_server(profile=str(path))


def partners(srv):
    return srv.get("/privacy.json").json()["recipients"]


def check_page(srv, html, where):
    """Every partner named in an item of html shows its policy link there,
    marked as leaving the site; the ids of the partners it names."""
    named = []
    for r in partners(srv):
        holding = [i for i in items(html) if r["name"] in i["text"]]
        if not holding:
            continue
        named.append(r["id"])
        if r.get("policy_url"):
            for i in holding:
                links = [a for a in i["links"] if a["href"] == r["policy_url"]]
                assert links, f"{where}: {r['name']} named without its policy link: {i}"
                assert all("external" in a["rel"] and LEAVES in a["text"] for a in links), \
                    f"{where}: {r['name']}'s policy link is not marked as leaving the site"
        else:
            # No link in the profile: the sentence that tells how to ask
            # for the partner's policy, and no link out in its place.
            for i in holding:
                assert ASK in " ".join(i["text"].split()), \
                    f"{where}: {r['name']} named without a link or how to ask for its policy"
                assert not [a for a in i["links"] if "external" in a["rel"]]
    return named


def test_ins15_privacy_page_links_each_partner_it_names(ins, ins_linked):
    for srv in (ins, ins_linked):
        html = srv.get("/privacy").text
        named = check_page(srv, html, "/privacy")
        # The page names every partner of the profile.
        assert named == [r["id"] for r in partners(srv)] and named
    assert not any(r.get("policy_url") for r in partners(ins))
    assert {r["id"]: r["policy_url"] for r in partners(ins_linked) if r["policy_url"]} == LINKS


def insider(srv):
    s = requests.Session()
    r = join(srv, person(), s)
    assert r.status_code == 200, r.text
    return s, r.json()["id"]


def test_ins15_me_links_each_partner_it_names(ins):
    s, _ = insider(ins)
    html = s.get(ins.url("/me"), timeout=10).text
    assert 'id="items"' in html
    check_page(ins, html, "/me")


def record_handover(srv, member, recipient, purpose):
    """A hand-over in the access log, as a hand-over to a partner is recorded
    (actor 'recipient'); no feature hands data over yet."""
    blob = "X'00'" if ENGINE == "sqlite" else "'\\x00'::bytea"
    srv.sql("INSERT INTO access_log (seq, at, actor_kind, actor_id, role, recipient, subject_id, "
            "purpose, categories, action, prev_mac, mac) SELECT COALESCE(MAX(seq), 0) + 1, "
            f"{int(time.time())}, 'recipient', 0, '', '{recipient}', {member}, '{purpose}', "
            f"'name,email', 'disclose', {blob}, {blob} FROM access_log")


def test_ins15_me_names_the_partner_a_handover_went_to_with_its_policy_link(ins_linked):
    s, mid = insider(ins_linked)
    dealer = next(r for r in partners(ins_linked) if r["kind"] == "dealer" and r.get("policy_url"))
    record_handover(ins_linked, mid, dealer["id"], dealer["purposes"][0]["id"])
    html = s.get(ins_linked.url("/me"), timeout=10).text
    # The list of hand-overs alone: the picture of where data goes on /me
    # names every partner, with its link, whatever the hand-overs say.
    html = html[html.index('<ul id="handovers">'):]
    html = html[:html.index("</ul>") + len("</ul>")]
    assert dealer["id"] in html or dealer["name"] in html
    assert dealer["id"] in check_page(ins_linked, html, "/me")
