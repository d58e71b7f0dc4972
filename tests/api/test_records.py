"""The record layer keeps its promises for every feature, present and future
(ALL01, ALL02): the live schema holds no sealed column the declaration does
not know; one member with a value in every declared column gets each of them
in the export, and after closing no row of theirs remains and no byte of
their data key, blind indexes or sealed values is left in any file of the
data directory (SQLite: WAL included); a backup restored after the erasure
cannot bring them back."""
import json
import os
import shutil
import subprocess
import time
import uuid

import pytest
import requests

from conftest import BIN, ENGINE, PG_URL, Server, child_env, make_staff, psql, staff_signin
from test_garage import mini_vin
from test_age_screen import birth_date_profile
from test_members import PASSWORD, join, joined_unsigned, person
from test_shop import API_SECRET, WEBHOOK_SECRET, Processor, pay

# The declared tables of staff accounts: a member never fills them.
STAFF_TABLES = {"staff", "staff_sessions"}
# Another person's data a member's action stores: an e-postcard's recipient
# is a subject of their own, never the sender's, so never in the sender's
# export nor gone with the sender's account (NAM05; tests/api/test_postcards.py).
OTHER_PEOPLE_TABLES = {"postcard_recipients"}


def declaration():
    out = subprocess.run([BIN, "records"], capture_output=True, text=True, timeout=30,
                         env=child_env())
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def bytea_columns(server):
    """{(table, column)} of every BYTEA column of the live schema."""
    if ENGINE == "postgres":
        rows = server.sql("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = 'public' AND data_type = 'bytea'")
    else:
        rows = server.sql("SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
                          "WHERE m.type = 'table' AND upper(p.type) = 'BYTEA'")
    return {(t, c) for t, c in rows}


def table_columns(server):
    """{table: {column}} of the live schema."""
    if ENGINE == "postgres":
        rows = server.sql("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = 'public'")
    else:
        rows = server.sql("SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
                          "WHERE m.type = 'table'")
    out = {}
    for t, c in rows:
        out.setdefault(t, set()).add(c)
    return out


def references_to_people(server):
    """{(table, column)} of every column that refers to a person's row."""
    people = ("subjects", "members", "staff")
    if ENGINE == "postgres":
        rows = server.sql(
            "SELECT tc.table_name, kcu.column_name, ccu.table_name "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
            "JOIN information_schema.constraint_column_usage ccu "
            "ON ccu.constraint_name = tc.constraint_name "
            "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'")
    else:
        rows = server.sql("SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master m, "
                          "pragma_foreign_key_list(m.name) f WHERE m.type = 'table'")
    return {(t, c) for t, c, target in rows if target in people}


def test_all01_all02_schema_holds_nothing_the_declaration_does_not_know(server):
    decl = declaration()
    declared = {(c["table"], c["column"]) for c in decl["columns"]}
    live = bytea_columns(server)
    assert live, "the schema query found no BYTEA column"
    undeclared = sorted(live - declared)
    assert not undeclared, f"BYTEA columns not declared in src/data/records.c: {undeclared}"
    gone = sorted(declared - live)
    assert not gone, f"declared columns that the schema does not have: {gone}"
    # Every declared table exists with the columns the declaration names.
    schema = table_columns(server)
    tables = {t["table"]: t for t in decl["tables"]}
    for name, t in tables.items():
        assert name in schema, f"declared table {name} is not in the schema"
        for key in ("subject_column", "row_column"):
            if t.get(key):
                assert t[key] in schema[name], f"{name}.{t[key]} is declared but missing"
    # Every column naming a person's row is in a declared table, so that
    # erasure reaches it.
    for table, column in sorted(references_to_people(server)):
        assert table in tables, f"{table}.{column} refers to a person but {table} is not declared"
    # Every sealed column names its category, or where the row keeps it.
    for c in decl["columns"]:
        if c["hold"] == "sealed":
            assert c.get("category") or c.get("category_column"), c


def test_declaration_test_can_fail(server):
    """The comparison above fails for a BYTEA column nobody declared."""
    server.sql("CREATE TABLE zz_undeclared (id BIGINT PRIMARY KEY, secret BYTEA)")
    try:
        assert ("zz_undeclared", "secret") in bytea_columns(server)
        declared = {(c["table"], c["column"]) for c in declaration()["columns"]}
        assert ("zz_undeclared", "secret") not in declared
    finally:
        server.sql("DROP TABLE zz_undeclared")


def hex_expr(column):
    """SQL that gives a BYTEA column as hexadecimal text, on either engine."""
    return f"encode({column}, 'hex')" if ENGINE == "postgres" else f"hex({column})"


def member_bytes(server, subjects):
    """Every data key, blind index and sealed value of the given subjects, as
    bytes, read from the database itself (with their table and column)."""
    decl = declaration()
    tables = {t["table"]: t for t in decl["tables"]}
    ids = ", ".join(str(s) for s in subjects)
    found = []
    for c in decl["columns"]:
        t = tables[c["table"]]
        if c["hold"] not in ("sealed", "index", "key") or not t.get("subject_column"):
            continue
        rows = server.sql(f"SELECT {hex_expr(c['column'])} FROM {c['table']} "
                          f"WHERE {t['subject_column']} IN ({ids}) AND {c['column']} IS NOT NULL")
        found += [(c["table"], c["column"], bytes.fromhex(r[0])) for r in rows if r and r[0]]
    return found


def files_holding(server, needles):
    blobs = server.raw_files()
    return [(t, c) for t, c, v in needles for b in blobs.values() if v in b]


VISITS_PURPOSE = """  - id: visit_convenience
    label: Making visits easier
    description: Your visits while signed in, to make later ones easier.
    kind: personalisation
    basis: opt_out
    subjects: [member]
    categories: [visits]
    retention:
      visits: 400d
"""

# A purpose for members' photos (issue 16); it seals a photo's file key
# under submitted_content (the stories' category, STORY_CATEGORY below).
PHOTOS_PURPOSE = """  - id: shared_photos
    label: Photos you share
    description: Photos you upload, yours alone until you publish one.
    kind: public_content
    basis: opt_in
    subjects: [member]
    categories: [submitted_content]
    retention:
      submitted_content: account
"""


def tiny_png():
    """A 1 x 1 grey PNG, built by hand."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\0\x80")) + chunk(b"IEND", b""))


STORY_CATEGORY_ANCHOR = "  - id: contact_return_address "
STORY_CATEGORY = """  - id: submitted_content
    label: Submitted content
    description: Stories and questions you publish.
"""
COMMUNITY_CATEGORIES = """    categories: [vehicle_details, display_name]
    retention:
"""
STORY_CATEGORIES = """    categories: [vehicle_details, display_name, submitted_content]
    retention:
      submitted_content: account
"""


@pytest.fixture
def busy_member(make_server, tmp_path, request):
    """A member with a value in every declared column a member can fill
    (under a profile with a purpose that needs the date of birth, which is
    kept only then: issue 12, rule 4; and one that links a member's visits
    to them, as mini-insiders does: issue 15, INS10; and one for members'
    photos: issue 16)."""
    path = birth_date_profile(tmp_path)
    with open(path) as f:
        text = f.read()
    # Stories (issue 16) under the community purpose, so that one member
    # can fill every column of the garage and of the stories.
    text = text.replace(STORY_CATEGORY_ANCHOR, STORY_CATEGORY + STORY_CATEGORY_ANCHOR, 1)
    text = text.replace(COMMUNITY_CATEGORIES, STORY_CATEGORIES, 1)
    with open(path, "w") as f:
        text = text.replace("  - id: birthday_greetings",
                            VISITS_PURPOSE + PHOTOS_PURPOSE + "  - id: birthday_greetings", 1)
        # (the stories' submitted_content category above serves the photos too)
        f.write(text)
    # The shop's processor (tests/stripe_local), for a paid order below.
    processor = Processor("http://127.0.0.1:1/")
    request.addfinalizer(processor.stop)
    server = make_server(profile=path, extra=[
        "--visits-flush-ms", "100", "--shop-processor-url", processor.base,
        "--shop-processor-secret", API_SECRET, "--shop-webhook-secret", WEBHOOK_SECRET])
    processor.control("/control/webhook", url=server.url("/webhooks/stripe"))
    p = person()
    s = requests.Session()
    r = join(server, p, s)
    assert r.status_code == 200, r.text
    member, csrf = r.json()["id"], r.json()["csrf_token"]
    h = {"X-CSRF-Token": csrf}
    tag = uuid.uuid4().hex[:8]
    car = {"vin": mini_vin(), "serial_numbers": f"ENGINE-{tag}",
           "nickname": f"Rosie {tag}", "model": "Cooper S", "year": "2006", "colour": "Red"}
    r = s.post(server.url("/api/v1/me/vehicles"), json=car, headers=h, timeout=10)
    assert r.status_code == 201, r.text
    new_email = f"zz-new-{tag}@example.org"
    r = s.post(server.url("/api/v1/me/email"), json={"email": new_email}, headers=h, timeout=10)
    assert r.status_code == 202, r.text
    # A forgotten-password link waiting to be used (its token's hash only).
    r = server.post("/api/v1/password-reset", json={"email": p["email"]})
    assert r.status_code == 202, r.text
    assert server.sql(f"SELECT COUNT(*) FROM password_resets WHERE member_id = {member}") == \
        [["1"]]
    message = {"email": p["email"], "topic": f"zz-topic-{tag}", "message": f"zz-body-{tag}"}
    r = s.post(server.url("/api/v1/contact"), json=message, timeout=10)
    assert r.status_code == 201, r.text
    support = make_staff(server, "support")
    desk = staff_signin(server, support)
    answer = f"zz-answer-{tag}"
    r = desk.post(server.url(f"/api/v1/staff/messages/{r.json()['id']}/answer"),
                  json={"answer": answer}, headers={"X-CSRF-Token": desk.csrf}, timeout=10)
    assert r.status_code == 200, r.text
    # A hand-over waiting for the payment processor (issue 13): the name.
    out = server.cli("handover", "queue", "payment_processor", "product_orders", str(member))
    assert "1 hand-overs queued" in out.stdout
    filled = {
        ("handover_fields", "field_value"): p["name"],
        ("members", "name"): p["name"], ("members", "email"): p["email"],
        ("members", "postal_address"): p["postal_address"], ("members", "phone"): p["phone"],
        ("members", "date_of_birth"): p["date_of_birth"],
        ("vehicles", "vin"): car["vin"], ("vehicles", "serial_numbers"): car["serial_numbers"],
        ("vehicles", "details"): car["nickname"],
        ("email_changes", "new_email"): new_email,
        ("outbox", "recipient"): p["email"], ("outbox", "message"): None,   # withheld
        ("contact_messages", "email"): p["email"], ("contact_messages", "topic"): message["topic"],
        ("contact_messages", "body"): message["message"], ("contact_messages", "answer"): answer,
    }
    # An e-postcard sent while signed in (issue 14): the sender's part.
    card = {"card": "hatch", "postcard_text": f"zz-greeting-{tag}",
            "recipient_email": f"zz-to-{tag}@example.net"}
    r = s.post(server.url("/api/v1/postcards"), json=card, headers=h, timeout=10)
    assert r.status_code == 201, r.text
    filled.update({("postcards", "sender_name"): p["name"],
                   ("postcards", "sender_email"): p["email"],
                   ("postcards", "greeting"): card["postcard_text"]})
    # A request made while signed in (issue 14): the member's own details
    # fill in what the form leaves out.
    fulfilment = staff_signin(server, make_staff(server, "fulfilment"))
    item = fulfilment.post(server.url("/api/v1/staff/request-items"), timeout=10,
                           headers={"X-CSRF-Token": fulfilment.csrf},
                           json={"kind": "material_registration", "title": "Calendar"})
    assert item.status_code == 201, item.text
    details = f"zz-details-{tag}"
    r = s.post(server.url("/api/v1/requests"), headers=h, timeout=10,
               json={"item": item.json()["item"]["id"], "order_details": details})
    assert r.status_code == 201, r.text
    filled.update({("requests", "name"): p["name"], ("requests", "email"): p["email"],
                   ("requests", "postal_address"): p["postal_address"],
                   ("requests", "phone"): p["phone"], ("requests", "order_details"): details})
    # An order placed while signed in and paid at the processor (issue 14):
    # the member's own details fill in what the order leaves out; the card's
    # brand and last four come back from the processor.
    ware = f"zz-cap-{tag}"
    item = fulfilment.post(server.url("/api/v1/staff/shop/items"), timeout=10,
                           headers={"X-CSRF-Token": fulfilment.csrf},
                           json={"name": ware, "price": 1999, "stock": 5})
    assert item.status_code == 201, item.text
    r = s.post(server.url("/api/v1/shop/cart"), timeout=10,
               json={"item": item.json()["item"]["id"], "quantity": 1})
    assert r.status_code == 200, r.text
    r = s.post(server.url("/api/v1/shop/orders"), json={}, timeout=30)
    assert r.status_code == 201, r.text
    pay(server, r.json()["checkout_url"])
    paid = server.get(f"/api/v1/shop/return/{r.json()['reference']}", timeout=30)
    assert paid.json()["order"]["status"] == "paid", paid.text
    filled.update({("shop_orders", "name"): p["name"], ("shop_orders", "email"): p["email"],
                   ("shop_orders", "postal_address"): p["postal_address"],
                   ("shop_orders", "phone"): p["phone"], ("shop_orders", "order_details"): ware,
                   ("shop_orders", "card_brand"): "visa", ("shop_orders", "card_last4"): "4242"})
    # A display name and a published story (issue 16).
    r = s.put(server.url("/api/v1/me/display-name"), json={"display_name": f"Dn {tag}"},
              headers=h, timeout=10)
    assert r.status_code == 200, r.text
    r = s.post(server.url("/api/v1/stories"), headers=h, timeout=10,
               json={"title": f"zz-title-{tag}", "submitted_content": f"zz-story-{tag}",
                     "publish": True, "accept": True})
    assert r.status_code == 201, r.text
    filled.update({("members", "display_name"): f"Dn {tag}",
                   ("stories", "title"): f"zz-title-{tag}",
                   ("stories", "body"): f"zz-story-{tag}"})
    # A page seen while signed in, linked to the member (INS10).
    s.get(server.url("/privacy"), headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"},
          timeout=10)
    deadline = time.time() + 30
    while server.sql(f"SELECT COUNT(*) FROM member_visits WHERE member_id = {member}") != [["1"]]:
        assert time.time() < deadline, "the visit was not linked"
        time.sleep(0.05)
    filled[("member_visits", "page")] = "/privacy"
    # A photo (issue 16): its file key is exported as withheld, the photo
    # itself under "photos".
    png = tiny_png()
    r = s.post(server.url("/api/v1/me/photos"), data=png, headers=h, timeout=30)
    assert r.status_code == 201, r.text
    filled[("photos", "file_key")] = None
    # The subjects the member owns (the message's sender, the card's sender,
    # the requester, the customer).
    owned = server.sql(f"SELECT id FROM subjects WHERE owner_id = {member}")
    requester = ", ".join(row[0] for row in owned)
    return server, s, csrf, member, requester, filled


def test_all01_all02_every_declared_value_exported_then_gone(busy_member):
    server, s, csrf, member, requester, filled = busy_member
    decl = declaration()
    sealed = {(c["table"], c["column"]) for c in decl["columns"] if c["hold"] == "sealed"
              and c["table"] not in STAFF_TABLES | OTHER_PEOPLE_TABLES}
    missing = sorted(sealed - set(filled))
    assert not missing, f"declared columns this test does not fill (extend it): {missing}"

    # Every column is filled in the database...
    tables = {t["table"]: t for t in decl["tables"]}
    for table, column in sorted(sealed):
        sc = tables[table]["subject_column"]
        n = server.sql(f"SELECT COUNT(*) FROM {table} WHERE {sc} IN ({member}, {requester}) "
                       f"AND {column} IS NOT NULL")[0][0]
        assert int(n) >= 1, f"{table}.{column} was not filled"
    # ...and the export holds each value, each item with its category and purposes.
    r = s.get(server.url("/api/v1/me/export"), timeout=10)
    assert r.status_code == 200
    doc = r.json()
    items = doc["items"]
    held = {(i["record"], i["field"]) for i in items}
    assert sealed <= held, sorted(sealed - held)
    for (table, column), value in filled.items():
        if value is None:
            got = [i for i in items if (i["record"], i["field"]) == (table, column)]
            assert got and all(i.get("withheld") and i["value"] is None for i in got)
            continue
        assert value in r.text, f"{table}.{column} is not in the export"
    for i in items:
        assert i["category"] and i["label"] and isinstance(i["purposes"], list), i
    categories = [i["category"] for i in items]
    assert categories == sorted(categories, key=categories.index), "items grouped by category"

    before = member_bytes(server, [member, requester])
    kinds = {(t, c) for t, c, _ in before}
    assert ("subject_keys", "sealed_key") in kinds and ("members", "email_index") in kinds
    assert ("vehicles", "vin_index") in kinds and ("email_changes", "new_index") in kinds
    if ENGINE == "sqlite":
        # The check below can fail: the bytes are in the files now.
        server.sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert files_holding(server, before)

    r = s.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200, r.text
    # No row of the member or of the subjects they own remains (the access
    # log keeps the staff's entries, by number only).
    for t in decl["tables"]:
        sc = t.get("subject_column")
        if not sc or t["kept_on_erasure"]:
            continue
        n = server.sql(f"SELECT COUNT(*) FROM {t['table']} WHERE {sc} IN ({member}, {requester})")
        assert n == [["0"]], f"{t['table']} still holds rows of the closed account"
    assert server.sql(f"SELECT COUNT(*) FROM subjects WHERE owner_id = {member}") == [["0"]]
    if ENGINE == "sqlite":
        left = files_holding(server, before)
        assert not left, f"bytes of the closed account are still in the files: {sorted(set(left))}"


def test_all02_retention_erasure_leaves_no_byte(make_server):
    server = make_server()
    tag = uuid.uuid4().hex[:8]
    r = server.post("/api/v1/contact", json={"email": f"zz-{tag}@example.org",
                                              "topic": f"t-{tag}", "message": f"m-{tag}"})
    assert r.status_code == 201
    mid = r.json()["id"]
    sender = int(server.sql(f"SELECT subject_id FROM contact_messages WHERE id = {mid}")[0][0])
    support = make_staff(server, "support")
    desk = staff_signin(server, support)
    r = desk.post(server.url(f"/api/v1/staff/messages/{mid}/answer"), json={"answer": "Done."},
                  headers={"X-CSRF-Token": desk.csrf}, timeout=10)
    assert r.status_code == 200
    before = member_bytes(server, [sender])
    assert any(t == "subject_keys" for t, _, _ in before)
    out = server.cli("retention", "run", str(int(time.time()) + 400 * 86400))
    assert "purged" in out.stdout
    assert server.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {sender}") == [["0"]]
    if ENGINE == "sqlite":
        assert not files_holding(server, before)


def restore(server, backup, tmp_path):
    """The backup restored into a fresh database; its URL."""
    restored = tmp_path / ("restored-" + uuid.uuid4().hex[:6])
    restored.mkdir()
    shutil.copy(os.path.join(server.data, "master.key"), restored / "master.key")
    if ENGINE == "sqlite":
        shutil.copy(backup, restored / "glovebox.db")
        return restored, "sqlite:" + str(restored / "glovebox.db")
    name = "restored_" + uuid.uuid4().hex[:8]
    psql(PG_URL, f"CREATE DATABASE {name}")
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-f", backup],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return restored, url


def test_all02_restored_backup_cannot_bring_an_erased_member_back(make_server, tmp_path):
    server = make_server()
    a, b = person(), person()
    sa = requests.Session()
    r = join(server, a, sa)
    assert r.status_code == 200
    ida, csrf = r.json()["id"], r.json()["csrf_token"]
    joined_unsigned(server, b)
    backup = str(tmp_path / "before.backup")
    server.cli("backup", backup)
    assert sa.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": csrf},
                     timeout=10).status_code == 200

    restored, url = restore(server, backup, tmp_path)
    s2 = Server(restored)
    s2.db = url
    try:
        # Restored without keys (backups hold none): nobody can sign in, the
        # erased member included, although their row and hash are there.
        s2.start()
        for p in (a, b):
            r = requests.post(s2.url("/api/v1/signin"), timeout=30,
                              json={"email": p["email"], "password": PASSWORD})
            assert r.status_code == 401, p["email"]
        s2.stop()
        # Keys from the live system: the others come back, the erased member
        # is removed from the copy for good.
        out = server.cli("keys", "restore", url)
        assert "data key(s) restored" in out.stdout and "1 subject(s)" in out.stdout
        s2.start()
        assert s2.sql(f"SELECT COUNT(*) FROM members WHERE id = {ida}") == [["0"]]
        assert s2.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {ida}") == [["0"]]
        r = requests.post(s2.url("/api/v1/signin"), timeout=30,
                          json={"email": a["email"], "password": PASSWORD})
        assert r.status_code == 401
        r = requests.post(s2.url("/api/v1/signin"), timeout=30,
                          json={"email": b["email"], "password": PASSWORD})
        assert r.status_code == 200
    finally:
        s2.close()
        if ENGINE == "postgres":
            psql(PG_URL, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
