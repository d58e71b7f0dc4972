"""The garage and the purpose lock on vehicle identifiers (NAM06): VINs are
checked under the profile's rules, a duplicate claim goes to a verifier,
and the VIN and serial numbers reach the member, a verifier and the
member's own export only: no other role, no other member, no log line, no
plaintext in any file."""
import time
import uuid

import requests

from conftest import contains_any, staff_client
from test_members import PASSWORD, age_password_entry, join, person

# Real-looking MINI VINs with correct check digits (WMW = BMW AG, MINI).
def mini_vin():
    import random
    tr = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
          **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
          **dict(zip("STUVWXYZ", range(2, 10)))}
    w = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    serial = f"{random.randrange(10**6):06d}"
    v = list("WMWRE3353" + "6T" + serial)          # 2006, plant T
    v[8] = "0"
    s = sum(tr[c] * w[i] for i, c in enumerate(v)) % 11
    v[8] = "X" if s == 10 else str(s)
    return "".join(v)


def member(server):
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    s.member_id = r.json()["id"]
    s.person = p
    return s


def add(server, s, vin, **more):
    return s.post(server.url("/api/v1/me/vehicles"), json=dict({"vin": vin}, **more), timeout=10)


def test_nam06_valid_mini_verified_at_once_with_badge(server):
    s = member(server)
    vin = mini_vin()
    r = add(server, s, vin.lower()[:5] + " " + vin.lower()[5:], serial_numbers="ENG-77812",
            nickname="Rosie", model="Cooper S", year="2006", colour="Chili red")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "verified"
    cars = s.get(server.url("/api/v1/me/vehicles"), timeout=10).json()
    assert cars["verified_owner"] is True
    car = cars["vehicles"][0]
    assert car["vin"] == vin and car["serial_numbers"] == "ENG-77812"
    assert (car["nickname"], car["model"], car["colour"]) == ("Rosie", "Cooper S", "Chili red")
    r = add(server, s, vin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "vehicle_exists"


def test_nam06_bad_vins_refused_with_codes(server):
    s = member(server)
    cases = {"WMWRE335": "vin_length", "WMWRE335I6TJ12345": "vin_character",
             "WMWRE33546TJ12345": "vin_check_digit",
             "1HGCM82633A004352": "vin_make_not_accepted"}      # a Honda on a MINI site
    for vin, code in cases.items():
        r = add(server, s, vin)
        assert r.status_code == 400, vin
        err = r.json()["error"]
        assert err["code"] == code and err["field"] == "vin", (vin, err)
    r = add(server, s, "WMW\u00e9E33536TJ12345")
    assert r.status_code == 400
    assert s.get(server.url("/api/v1/me/vehicles"), timeout=10).json()["vehicles"] == []
    assert server.get("/api/v1/me/vehicles").status_code == 401
    r = requests.post(server.url("/api/v1/me/vehicles"), json={"vin": mini_vin()}, timeout=10)
    assert r.status_code == 401


def test_nam06_second_claim_goes_to_review_and_a_verifier_decides(server):
    first, second = member(server), member(server)
    vin = mini_vin()
    assert add(server, first, vin).json()["status"] == "verified"
    r = add(server, second, vin, serial_numbers="CHASSIS-1")
    assert r.status_code == 201 and r.json()["status"] == "review"
    # Issue 11: the member is no longer told why (it was "reason": "duplicate").
    assert "reason" not in r.json()
    claim = r.json()["id"]
    second_cars = second.get(server.url("/api/v1/me/vehicles"), timeout=10).json()
    assert second_cars["verified_owner"] is False
    verifier = staff_client(server, "verifier")
    reviews = verifier.get(server.url("/api/v1/staff/reviews"), timeout=10)
    assert reviews.status_code == 200
    assert claim in [x["id"] for x in reviews.json()["reviews"]]
    assert vin not in reviews.text
    one = verifier.get(server.url(f"/api/v1/staff/reviews/{claim}"), timeout=10).json()
    assert one["vin"] == vin and one["serial_numbers"] == "CHASSIS-1"
    assert one["manufacturer"].startswith("BMW") and len(one["other_claims"]) == 1
    assert one["other_claims"][0]["status"] == "verified"
    r = verifier.post(server.url(f"/api/v1/staff/reviews/{claim}"), json={"decision": "reject"},
                      timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["decided_by"] == verifier.staff_id
    r = verifier.post(server.url(f"/api/v1/staff/reviews/{claim}"), json={"decision": "verify"},
                      timeout=10)
    assert r.status_code == 409
    car = second.get(server.url("/api/v1/me/vehicles"), timeout=10).json()["vehicles"][0]
    assert car["status"] == "rejected"
    # The verifier's reading and decision are in the second member's access log.
    seen = [(a["role"], a["purpose"], a["action"]) for a in
            second.get(server.url("/api/v1/me/export"), timeout=10).json()["staff_accesses"]]
    assert ("verifier", "ownership_verification", "read") in seen
    assert ("verifier", "ownership_verification", "reject") in seen
    assert server.cli("audit", "verify").stdout.startswith("access log intact")


def test_vin_oracle_a_claim_in_review_says_only_that_it_waits(server):
    # Issue 11: adding someone else's VIN answered "reason": "duplicate",
    # telling any member that the car is registered.
    owner, prober = member(server), member(server)
    vin = mini_vin()
    assert add(server, owner, vin).json()["status"] == "verified"
    r = add(server, prober, vin)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "review"
    assert set(r.json()) == {"id", "status"}
    listing = prober.get(server.url("/api/v1/me/vehicles"), timeout=10)
    assert [c["status"] for c in listing.json()["vehicles"]] == ["review"]
    assert all("reason" not in c for c in listing.json()["vehicles"])
    # The page says the same: it waits for a check, and nothing of why.
    other = mini_vin()
    assert add(server, owner, other).json()["status"] == "verified"
    r = prober.post(server.url("/me/garage"), data={"vin": other}, allow_redirects=False,
                    timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/me/garage?done=review"
    page = prober.get(server.url(r.headers["Location"]), timeout=10)
    assert page.status_code == 200 and "will check it soon" in page.text
    for text in (r.text, listing.text, page.text):
        assert "duplicate" not in text.lower() and "another member" not in text.lower()
    # The verifiers still learn why.
    verifier = staff_client(server, "verifier")
    reviews = verifier.get(server.url("/api/v1/staff/reviews"), timeout=10).json()["reviews"]
    mine = [x["id"] for x in listing.json()["vehicles"]]
    assert [x["reason"] for x in reviews if x["id"] in mine] == ["duplicate"]


def test_nam06_other_roles_and_members_never_see_a_vin(server, tmp_path):
    owner = member(server)
    vin, serial = mini_vin(), "SERIAL-" + uuid.uuid4().hex[:8]
    r = add(server, owner, vin, serial_numbers=serial)
    other = member(server)
    r2 = add(server, other, vin)              # a claim to review, to try each role on
    claim = r2.json()["id"]
    for role in ("support", "editor", "admin", "fulfilment"):
        s = staff_client(server, role)
        assert s.get(server.url("/api/v1/staff/reviews"), timeout=10).status_code == 403
        r = s.get(server.url(f"/api/v1/staff/reviews/{claim}"), timeout=10)
        assert r.status_code == 403 and vin not in r.text
    admin = staff_client(server, "admin")
    looked = admin.post(server.url("/api/v1/staff/members/find"), timeout=10,
                       json={"email": owner.person["email"], "purpose": "account"})
    assert looked.status_code == 200 and vin not in looked.text and serial not in looked.text
    r = admin.post(server.url("/api/v1/staff/members/find"), timeout=10,
                  json={"email": owner.person["email"], "purpose": "ownership_verification"})
    assert r.status_code == 403
    # The owner's export holds the VIN and serial; another member's export does not.
    export = owner.get(server.url("/api/v1/me/export"), timeout=10).text
    assert vin in export and serial in export
    bystander = member(server)
    assert vin not in bystander.get(server.url("/api/v1/me/export"), timeout=10).text
    assert serial not in other.get(server.url("/api/v1/me/export"), timeout=10).text
    time.sleep(0.3)                             # the request log is written every 100 ms
    blobs = list(server.raw_files().values()) + [server.dump(tmp_path)]
    assert not contains_any(blobs, [vin, serial, vin.lower()])


def test_nam06_closing_the_account_removes_the_garage(server):
    s = member(server)
    vin = mini_vin()
    add(server, s, vin)
    assert s.delete(server.url("/api/v1/me"), timeout=10).status_code == 200
    assert server.sql(f"SELECT COUNT(*) FROM vehicles WHERE member_id = {s.member_id}") == [["0"]]
    # The car can be claimed afresh, without review: no live claim holds it.
    again = member(server)
    assert add(server, again, vin).json()["status"] == "verified"


def test_nam06_remove_a_car(server):
    s = member(server)
    car = add(server, s, mini_vin()).json()["id"]
    other = member(server)
    assert other.delete(server.url(f"/api/v1/me/vehicles/{car}"), timeout=10).status_code == 404
    assert s.delete(server.url(f"/api/v1/me/vehicles/{car}"), timeout=10).status_code == 200
    assert s.get(server.url("/api/v1/me/vehicles"), timeout=10).json()["vehicles"] == []


def test_garage_absent_where_the_profile_has_none(make_server):
    srv = make_server(profile="mini-insiders")
    s = member(srv)
    assert s.get(srv.url("/api/v1/me/vehicles"), timeout=10).status_code == 404


def test_nam01_garage_form_states_its_purpose(server):
    s = member(server)
    page = s.get(server.url("/me/garage"), timeout=10).text
    assert 'id="purpose-notice"' in page and "Verifying that you own your car" in page
    assert 'href="/privacy/v/1#purpose-ownership_verification"' in page


def test_nam14_garage_changes_need_recent_password(server):
    s = member(server)
    car = add(server, s, mini_vin()).json()["id"]      # just signed up: the entry is recent
    age_password_entry(server, s.member_id, 6 * 60)    # the window is 5 minutes
    vin = mini_vin()
    r = add(server, s, vin, nickname="Too late")
    assert r.status_code == 403 and r.json()["error"]["code"] == "reauth_required"
    r = s.delete(server.url(f"/api/v1/me/vehicles/{car}"), timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "reauth_required"
    # The forms are held back the same way: to /me, where the password is asked for.
    csrf = s.headers["X-CSRF-Token"]
    for path, form in (("/me/garage", {"vin": vin}), ("/me/garage/remove", {"id": str(car)})):
        r = s.post(server.url(path), data=dict(form, csrf_token=csrf), allow_redirects=False,
                   timeout=10)
        assert r.status_code == 303 and r.headers["Location"].endswith("/me"), path
    # Nothing changed; the list itself needs no fresh password.
    cars = s.get(server.url("/api/v1/me/vehicles"), timeout=10)
    assert cars.status_code == 200 and [c["id"] for c in cars.json()["vehicles"]] == [car]
    assert server.sql(f"SELECT COUNT(*) FROM vehicles WHERE member_id = {s.member_id}") == [["1"]]
    # After the password again, both work.
    r = s.post(server.url("/api/v1/me/reauth"), json={"password": PASSWORD}, timeout=30)
    assert r.status_code == 200
    r = add(server, s, vin)
    assert r.status_code == 201, r.text
    added = r.json()["id"]
    assert s.delete(server.url(f"/api/v1/me/vehicles/{car}"), timeout=10).status_code == 200
    cars = s.get(server.url("/api/v1/me/vehicles"), timeout=10).json()["vehicles"]
    assert [c["id"] for c in cars] == [added]


def test_nam06_full_garage_names_its_limit(server):
    s = member(server)
    for _ in range(20):
        assert add(server, s, mini_vin()).status_code == 201
    r = add(server, s, mini_vin())
    assert r.status_code == 409 and r.json()["error"]["code"] == "garage_full"
    assert "20" in r.json()["error"]["message"]


def test_all01_export_items_carry_the_cars(server):
    s = member(server)
    vin = mini_vin()
    car = add(server, s, vin, serial_numbers="SER-1", nickname="Bean").json()["id"]
    export = s.get(server.url("/api/v1/me/export"), timeout=10).json()
    assert "vehicles" not in export
    mine = {(i["category"], i["field"]): i for i in export["items"] if i["record"] == "vehicles"}
    assert mine[("vin", "vin")]["value"] == vin and mine[("vin", "vin")]["row"] == car
    assert mine[("serial_numbers", "serial_numbers")]["value"] == "SER-1"
    assert "Bean" in mine[("vehicle_details", "details")]["value"]
    assert mine[("vin", "vin")]["purposes"] == ["ownership_verification"]
