"""The mailing house (issue 13, INS07): "a provider receives only what its
purpose needs, for that purpose: ... the mailing house if the operator
routes campaign mail through one". With campaign-mailing-house set, a
campaign is not mailed by glovebox's SMTP but handed over, addressee by
addressee, to that service provider: name and e-mail address only, for the
campaign's purpose, to members whose choice allows it, with the campaign
(and the member's own one-click way out) as a non-personal reference. The
partner's endpoint is the HTTPS receiver of test_handovers.py."""
import os
import subprocess
import time

import pytest
import requests

from conftest import BIN, ROOT, child_env, mail_flags, staff_client
from test_handovers import (certs, channels, flags, member, payload,  # noqa: F401 (fixtures)
                            pytestmark, receivers)

HOUSE = "mailing_house"


def house_server(make_server, tmp_path, certs, rx, smtp_sink, house=HOUSE):  # noqa: F811
    extra = flags(channels(tmp_path, rx.url(), [HOUSE]), certs) + mail_flags(smtp_sink)
    if house:
        extra += ["--campaign-mailing-house", house]
    return make_server(profile="mini-insiders", extra=extra)


def send(srv, subject, body="Meet the new MINI."):
    marketing = staff_client(srv, "marketing")
    return marketing.post(srv.url("/api/v1/staff/campaigns"), timeout=30,
                          json={"purpose": "product_communications", "subject": subject,
                                "body": body})


def subjects(sink):
    return [m[2] for m in sink.messages]


def test_ins07_mailing_house_receives_only_name_and_email_for_the_campaign(
        make_server, receivers, tmp_path, certs, smtp_sink):  # noqa: F811
    rx = receivers()
    srv = house_server(make_server, tmp_path, certs, rx, smtp_sink)
    stays = member(srv)
    left = member(srv)
    r = left[1].put(srv.url("/api/v1/me/consents/product_communications"), json={"on": False},
                    headers={"X-CSRF-Token": left[3]}, timeout=10)
    assert r.status_code == 200, r.text
    r = send(srv, "New MINI")
    assert r.status_code == 201 and r.json()["queued"] == 1, r.text
    got = rx.wait(lambda e: any(x["status"] == 204 for x in e))
    ok = [e for e in got if e["status"] == 204]
    assert len(ok) == 1 and all(e["verified"] for e in got), got
    d = payload(ok[0])
    p = stays[0]
    assert d["recipient"] == HOUSE and d["purpose"] == "product_communications"
    assert d["reason"] == "campaign"
    # Exactly what an e-mail needs: no postal address, no phone, though the
    # recipient may receive a postal address for this purpose.
    assert d["fields"] == {"name": p["name"], "email": p["email"]}
    body = ok[0]["body"]
    assert p["postal_address"] not in body and p["phone"] not in body
    ref = d["reference"]
    assert ref["campaign"]["subject"] == "New MINI"
    assert ref["campaign"]["text"] == "Meet the new MINI."
    assert ref["campaign"]["purpose"] == "product_communications"
    assert ref["unsubscribe"]["post"] == "List-Unsubscribe=One-Click"
    # Nothing for the member who said no; nothing else handed over for any
    # other purpose; nothing mailed by SMTP.
    time.sleep(1.5)
    assert len(rx.delivered()) == 1
    assert left[0]["email"] not in "".join(e["body"] for e in rx.entries())
    assert all(payload(e)["purpose"] == "product_communications" for e in rx.entries())
    rows = srv.sql(f"SELECT recipient, purpose, categories FROM access_log WHERE action = "
                   f"'disclose' AND recipient = '{HOUSE}'")
    assert rows == [[HOUSE, "product_communications", "name,email"]]
    assert not any(b"New MINI" in raw for raw in subjects(smtp_sink))
    # ALL06: the member's own one-click link, handed over with the address,
    # works as the mailed one does.
    link = ref["unsubscribe"]["url"]
    r = requests.post(srv.url(link[link.index("/unsubscribe?"):]),
                      data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200, r.text
    consents = stays[1].get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
    assert [c["on"] for c in consents if c["purpose"] == "product_communications"] == [False]
    # The member sees the hand-over (INS07 is a disclosure like any other).
    made = stays[1].get(srv.url("/api/v1/me/handovers"), timeout=10).json()["handovers"]
    assert [(h["recipient"], h["fields"]) for h in made] == [(HOUSE, ["name", "email"])]


def test_without_the_setting_campaigns_go_by_smtp(make_server, receivers, tmp_path, certs,
                                                 smtp_sink):  # noqa: F811
    rx = receivers()
    srv = house_server(make_server, tmp_path, certs, rx, smtp_sink, house=None)
    p, s, mid, csrf = member(srv)
    r = send(srv, "By post office")
    assert r.status_code == 201 and r.json()["queued"] == 1, r.text
    deadline = time.time() + 20
    while time.time() < deadline and not any(b"By post office" in m for m in subjects(smtp_sink)):
        time.sleep(0.1)
    assert any(b"By post office" in m for m in subjects(smtp_sink))
    time.sleep(1.5)
    assert rx.entries() == []
    assert int(srv.sql(f"SELECT COUNT(*) FROM handovers WHERE recipient = '{HOUSE}'")[0][0]) == 0


@pytest.mark.parametrize("house", ["fulfilment_house", "bmw_bank", "nobody"])
def test_mailing_house_must_be_a_provider_taking_the_campaign_purpose(make_server, house):
    # fulfilment_house: a service provider without product communications;
    # bmw_bank: an affiliate; nobody: no recipient at all.
    srv = make_server(profile="mini-insiders", start=False,
                      extra=["--campaign-mailing-house", house])
    with pytest.raises(RuntimeError, match="campaign-mailing-house"):
        srv.start()
    out = srv.cli("profile", "check", os.path.join(ROOT, "profiles", "mini-insiders.yaml"),
                  check=False)
    assert out.returncode == 1 and "campaign-mailing-house" in out.stderr, out.stderr
    ok = subprocess.run([BIN, "profile", "check",
                         os.path.join(ROOT, "profiles", "mini-insiders.yaml"),
                         "--campaign-mailing-house", HOUSE], capture_output=True, text=True,
                        timeout=60, env=child_env())
    assert ok.returncode == 0, ok.stderr
