"""Each bundled profile encodes the promises of its seed document. These
tests read the profile the server publishes (/privacy.json) back and prove
the encoding only: they would pass if the code broke the promise, so their
names carry no promise id (docs/testing.md; tools/check-promises.sh fails an
id-named test that only reads the profile). The tests that prove a promise
by behaviour carry its id, elsewhere. The last test here runs the checker,
so it keeps its id."""
import pytest


@pytest.fixture(scope="module")
def nam(make_module_server):
    return make_module_server("north-american-motoring").get("/privacy.json").json()


@pytest.fixture(scope="module")
def ins(make_module_server):
    return make_module_server("mini-insiders").get("/privacy.json").json()


def purpose(doc, pid):
    return next(p for p in doc["purposes"] if p["id"] == pid)


def point(doc, cid):
    return next(c for c in doc["collection_points"] if c["id"] == cid)


def cats(p):
    return {c["id"] for c in p["categories"]}


def test_request_and_order_points_declare_their_categories(nam):
    wanted = {"name", "postal_address", "email", "phone"}
    for cid in ("information_request", "material_registration", "product_order"):
        fields = {f["category"] for f in point(nam, cid)["fields"]}
        assert wanted <= fields | {"postal_address"}
    order = {f["category"]: f["required"] for f in point(nam, "product_order")["fields"]}
    assert order["payment_card"] is True and order["phone"] is False


def test_recipient_data_declared_only_for_postcards_until_done(nam):
    recip = {"recipient_name", "recipient_postal_address", "recipient_phone", "recipient_email"}
    users = [p["id"] for p in nam["purposes"] if cats(p) & recip]
    assert users == ["postcard_delivery"]
    pd = purpose(nam, "postcard_delivery")
    assert pd["subjects"] == ["postcard_recipient"]
    assert all(c["retention"] == "until the request is completed" for c in pd["categories"])


def test_partners_declared_with_fulfilment_fields_only(nam):
    for r in nam["recipients"]:
        assert r["kind"] == "service_provider" and r["contract"]
        kinds = {purpose(nam, p["id"])["kind"] for p in r["purposes"]}
        assert kinds == {"fulfilment"}
    pay = next(r for r in nam["recipients"] if r["id"] == "payment_processor")
    assert {f["id"] for f in pay["fields"]} == {"name", "payment_card"}


def test_statistics_declared_aggregate_only(nam):
    stats = [p for p in nam["purposes"] if p["kind"] == "aggregate_statistics"]
    assert [p["id"] for p in stats] == ["site_statistics"]
    assert nam["settings"]["aggregate_min_group"] >= 2
    assert all("site_statistics" not in [p["id"] for p in r["purposes"]] for r in nam["recipients"])


def test_age_and_reauth_settings_declared(nam, ins):
    for doc in (nam, ins):
        assert doc["settings"]["minimum_age"] == 13
        assert doc["settings"]["reauth_minutes"] == 5


def test_every_recipient_declares_contract_and_purposes(ins):
    assert ins["recipients"]
    for r in ins["recipients"]:
        assert r["contract"] and r["purposes"] and r["fields"]


def test_signup_point_declares_volunteered_fields_optional(ins):
    fields = {f["category"]: f["required"] for f in point(ins, "insider_signup")["fields"]}
    assert fields["name"] and fields["email"]
    assert fields["postal_address"] is False and fields["phone"] is False


def test_product_mail_declared_as_a_refusable_communication(ins):
    p = purpose(ins, "product_communications")
    assert p["kind"] == "communication" and p["basis"] in ("opt_in", "opt_out")


def test_affiliates_declared_by_name_and_only_for_offers(ins):
    affiliates = [r for r in ins["recipients"] if r["kind"] == "affiliate"]
    names = {r["name"] for r in affiliates}
    # The seed's own names (issue 12, rule 3); the seed gives no policy
    # link, so none is published (the page says how to ask for it).
    assert {"BMW North America", "BMW Financial Services",
            "BMW Bank of North America", "BMW Insurance Agency"} == names
    for r in affiliates:
        assert [p["id"] for p in r["purposes"]] == ["affiliate_offers"]
        assert r["policy_url"] is None or r["policy_url"].startswith("https://")
    assert purpose(ins, "affiliate_offers")["basis"] == "opt_out"


def test_service_providers_declared_for_their_service_only(ins):
    for r in (r for r in ins["recipients"] if r["kind"] == "service_provider"):
        kinds = {purpose(ins, p["id"])["kind"] for p in r["purposes"]}
        assert kinds <= {"service", "communication", "fulfilment", "support", "security"}


def test_dealers_declare_their_own_policy(ins):
    dealers = [r for r in ins["recipients"] if r["kind"] == "dealer"]
    assert dealers
    for r in dealers:
        # No false link (issue 12, rule 3): the seed gives none for dealers.
        assert [p["id"] for p in r["purposes"]] == ["dealer_handover"]


def test_roles_declared_as_purposes(ins):
    roles = {r["id"]: [p["id"] for p in r["purposes"]] for r in ins["staff_roles"]}
    assert roles["moderator"] == ["public_submissions"]
    assert "dealer_handover" not in roles["support"]


def test_visits_and_remember_me_declared_for_convenience_only(ins):
    p = purpose(ins, "visit_personalisation")
    # INS12: the remember-me reference, and the name and e-mail address it fills in.
    assert p["kind"] == "personalisation"
    assert cats(p) == {"visits", "device_reference", "name", "email"}
    assert p["basis"] == "opt_out"
    users = [q["id"] for q in ins["purposes"] if "visits" in cats(q)]
    assert users == ["visit_personalisation"]


def test_ad_measurement_declared_without_personal_data(ins):
    p = purpose(ins, "advertising")
    assert p["kind"] == "advertising" and p["categories"] == [] and p["basis"] == "opt_out"


def test_submissions_declared_public_and_opt_in(ins):
    p = purpose(ins, point(ins, "submission")["purpose"])
    assert p["kind"] == "public_content" and p["basis"] == "opt_in"


def test_card_and_password_categories_described(nam):
    card = next(c for c in nam["categories"] if c["id"] == "payment_card")
    assert "never the card number" in card["description"]
    pw = next(c for c in nam["categories"] if c["id"] == "password")
    assert "Argon2id" in pw["description"]


def test_all06_marketing_can_always_be_refused(nam, ins, tmp_path):
    for doc in (nam, ins):
        for p in doc["purposes"]:
            if p["kind"] in ("communication", "affiliate_offers"):
                assert p["basis"] in ("opt_in", "opt_out"), p["id"]
    # A profile that makes marketing mail compulsory does not pass the check.
    import os, subprocess
    from conftest import BIN, ROOT
    text = open(os.path.join(ROOT, "profiles", "north-american-motoring.yaml")).read()
    text = text.replace("    kind: communication\n    basis: opt_in\n", "    kind: communication\n    basis: required\n", 1)
    path = tmp_path / "compulsory.yaml"
    path.write_text(text)
    out = subprocess.run([BIN, "profile", "check", str(path)], capture_output=True, text=True)
    assert out.returncode == 1 and "(ALL06, INS06)" in out.stderr
