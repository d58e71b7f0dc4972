"""Issue 12, rule 7: the home page claims only what the site does. Each
claim on it links the page that does it; that page must be a route of the
site that answers, under each bundled profile, and no claim may name a
feature glovebox does not have."""
import json
import re
import subprocess

from conftest import BIN

CLAIM = re.compile(r'<li data-claim="([a-z_]+)">(.*?)</li>', re.S)
HREF = re.compile(r'href="([^"]+)"')
# What glovebox does not do: photos shared between members, events,
# forums; stories under a profile without them (issue 16 built them for
# mini-insiders, and the community garage where a profile shows cars); and
# e-postcards and the shop under a profile without them (issue 14 built
# them for north-american-motoring). The shop's claim says "buy", never
# "order".
ABSENT = ("photos", "order", "forum", "events")


def routes():
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True)
    return {(m, r["pattern"]) for r in json.loads(out.stdout) for m in r["methods"]}


def check_home(srv, expect, absent=ABSENT):
    page = srv.get("/").text
    claims = CLAIM.findall(page)
    assert {c for c, _ in claims} == expect
    table = routes()
    for claim, body in claims:
        links = HREF.findall(body)
        assert links, f"the claim {claim} names no page"
        for href in links:
            assert ("GET", href) in table, f"{claim}: {href} is no route"
            r = srv.get(href, allow_redirects=False)
            assert r.status_code in (200, 303), f"{claim}: {href} answers {r.status_code}"
    text = re.sub(r"<[^>]+>", " ", page).lower()
    for word in absent:
        assert word not in text, f"the home page claims '{word}'"


def test_home_claims_only_what_exists_north_american_motoring(make_server):
    check_home(make_server(), {"join", "garage", "community", "contact", "postcards", "requests",
                               "shop", "account", "privacy"}, ABSENT + ("stories",))


def test_home_claims_only_what_exists_mini_insiders(make_server):
    # No garage under this profile, so no claim of one.
    check_home(make_server(profile="mini-insiders"),
               {"join", "stories", "contact", "account", "privacy"},
               ABSENT + ("postcard", "shop", "club goods", "community garage"))
