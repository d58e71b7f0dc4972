"""NAM01 on every form: each form that collects personal data names its
purpose and links that purpose in the version of the privacy notice in
force, on both bundled profiles.

The forms are derived, not listed: from `glovebox routes`, every POST form
route a visitor or a member uses (access anyone, member or member_recent)
that the gate limits per client address, which the route table does for
exactly the calls that store what a person typed or send mail (sign-up,
contact, the /me correction, password and e-mail change, the garage). The
pages are crawled from the same table (every GET page route without a path
parameter, fetched anonymously and as a member whose password is recent),
and each form is found on the page that shows it by its action. A form
route that no page shows must be switched off under that profile (404).
The links must follow the version in force: the first profile is also run
as its second version, published over the first."""
import json
import subprocess
from html.parser import HTMLParser

import pytest
import requests

from conftest import BIN
from test_members import join, person
from test_profiles import bundled_text, revision

# The second version of a profile: the links must follow the version in force.
REVISED = "north-american-motoring@2"
PROFILES = ["north-american-motoring", "mini-insiders", REVISED]
PEOPLE = ("anyone", "member", "member_recent")
NOT_TYPED = {"hidden", "checkbox", "radio", "submit", "button", "reset", "image"}
# The forms the brief names: the derivation must find at least these.
AT_LEAST = {"/signup", "/contact", "/me/correct", "/me/email"}


def routes():
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def collecting_forms():
    return sorted(r["pattern"] for r in routes()
                  if "POST" in r["methods"] and r.get("form") and r["access"] in PEOPLE
                  and r.get("limit"))


def page_routes():
    return sorted(r["pattern"] for r in routes()
                  if "GET" in r["methods"] and not r.get("api") and r["access"] in PEOPLE
                  and ":" not in r["pattern"] and not r.get("metrics")
                  and r["pattern"] not in ("/healthz",))


class Forms(HTMLParser):
    """Each <form>: its action and the names of the fields a person types;
    each link into a version of the privacy notice, with its text."""

    def __init__(self):
        super().__init__()
        self.forms, self.links, self._form, self._link = [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "typed": set()}
            self.forms.append(self._form)
        elif self._form is not None and (
                (tag == "input" and a.get("type", "text") not in NOT_TYPED)
                or tag in ("textarea", "select")):
            self._form["typed"].add(a.get("name", ""))
        elif tag == "a" and a.get("href", "").startswith("/privacy/v/"):
            self._link = {"href": a["href"], "text": ""}
            self.links.append(self._link)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data


def parse(html):
    p = Forms()
    p.feed(html)
    return p


@pytest.fixture(scope="module", params=PROFILES)
def site(request, make_module_server, tmp_path_factory):
    name, _, version = request.param.partition("@")
    srv = make_module_server(profile=name)
    if version:
        # Published over the first version, which stays published.
        path = tmp_path_factory.mktemp("v") / "revised.yaml"
        path.write_text(revision(bundled_text(name), int(version)))
        srv.profile = str(path)
        srv.restart()
        assert srv.get("/privacy.json").json()["version"] == int(version)
        assert srv.get("/privacy/v/1").status_code == 200
    member = requests.Session()
    r = join(srv, person(), member)
    assert r.status_code == 200, r.text
    pages = {}
    for path in page_routes():
        for who in (requests.Session(), member):
            page = who.get(srv.url(path), timeout=10)
            if page.status_code == 200 and "text/html" in page.headers.get("Content-Type", ""):
                pages.setdefault(path, []).append(page.text)
    member.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return srv, pages, member


def test_nam01_the_derived_forms_include_the_known_ones():
    assert AT_LEAST <= set(collecting_forms()), collecting_forms()


@pytest.mark.parametrize("action", collecting_forms())
def test_nam01_form_names_its_purpose_in_the_version_in_force(site, action):
    srv, pages, member = site
    doc = srv.get("/privacy.json").json()
    version = doc["version"]
    purposes = {p["id"]: p for p in doc["purposes"]}
    collected = {c["purpose"] for c in doc["collection_points"]}
    shown = [(path, text, parse(text)) for path, texts in pages.items() for text in texts]
    holding = [(path, text, f) for path, text, f in shown
               if any(form["action"] == action for form in f.forms)]
    if not holding:
        # Not offered under this profile: then the route answers 404 too.
        r = member.post(srv.url(action), allow_redirects=False, timeout=10,
                        data={"csrf_token": member.headers["X-CSRF-Token"]})
        assert r.status_code == 404, f"{action}: no page shows the form, yet it answers {r.status_code}"
        pytest.skip(f"{action} is not offered under {doc['profile']}")
    notice = srv.get(f"/privacy/v/{version}").text
    for path, text, f in holding:
        typed = set().union(*(form["typed"] for form in f.forms if form["action"] == action))
        good = []
        for link in f.links:
            base, _, anchor = link["href"].partition("#purpose-")
            pid = anchor
            if base != f"/privacy/v/{version}" or pid not in purposes or pid not in collected:
                continue
            label = purposes[pid]["label"]
            covers = {c["id"] for c in purposes[pid]["categories"]}
            # The purpose is named beside its link and covers what the form asks for.
            if label in text and covers & typed and \
                    f'id="purpose-{pid}"' in notice:
                good.append(pid)
        assert good, (f"{action} on {path} ({doc['profile']}): no link to a purpose covering "
                      f"{sorted(typed)} in version {version}; links: {f.links}")
