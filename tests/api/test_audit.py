"""The access log's chain under a key of its own (issue 11, finding 2).

Each attack is made on the database as someone holding a copy of it (and,
for the forgery under the old construction, the token key) would make it:
delete the last entries, move the head back, delete every entry, edit one,
append one hashed the way entries were hashed before. `glovebox audit
verify` reports each, naming the first broken entry; a truncation that also
moves the head back leaves nothing in the database to see, and is reported
against the heads the server wrote to its log (`--log`). An existing
database whose chain is still under the old hash is re-keyed at start, and
a broken one is not (that would hide the break)."""
import hashlib
import os
import re
import struct

from conftest import ENGINE, make_staff, staff_signin
from test_members import joined_unsigned, person

HEAD_LINE = re.compile(r"access log head seq=(\d+) mac=([0-9a-f]{64})$", re.M)
KDF_CONTEXT = b"glovebox"
SUBKEY_TOKEN = 3     # crypto.c: the token key, which hashed the chain before issue 11


def subkey(server, n):
    """A sub-key of the server's master key, as libsodium's crypto_kdf derives it."""
    with open(os.path.join(server.data, "master.key"), "rb") as f:
        master = f.read()
    return hashlib.blake2b(b"", digest_size=32, key=master, salt=struct.pack("<Q", n),
                           person=KDF_CONTEXT).digest()


def blob(data):
    """An SQL literal of bytes, in the test engine's spelling."""
    return f"decode('{data.hex()}', 'hex')" if ENGINE == "postgres" else f"X'{data.hex()}'"


def hexed(column):
    return f"encode({column}, 'hex')" if ENGINE == "postgres" else f"lower(hex({column}))"


def old_hash(token_key, row, prev):
    """An entry's hash as glovebox computed it before issue 11: BLAKE2b under
    the token key over its fields joined by '|' and the previous hash."""
    fields = "|".join(str(v) for v in row) + "|"
    return hashlib.blake2b(b"glovebox-access-log\n" + fields.encode() + prev, digest_size=32,
                           key=token_key).digest()


ENTRY_FIELDS = ("seq, at, actor_kind, actor_id, role, recipient, subject_id, purpose, "
                "categories, action")


def entries(server):
    """Every entry's fields (strings, in ENTRY_FIELDS order) and its MAC."""
    rows = server.sql(f"SELECT {ENTRY_FIELDS}, {hexed('mac')} FROM access_log ORDER BY seq")
    return [(r[:-1], bytes.fromhex(r[-1])) for r in rows]


def head(server):
    rows = server.sql(f"SELECT seq, {hexed('mac')} FROM access_log_head")
    return (int(rows[0][0]), rows[0][1]) if rows else None


def staff_reads(server, n):
    """n staff accesses to one member's record: entries 1..n of the access log."""
    member = joined_unsigned(server, person())
    admin = staff_signin(server, make_staff(server, "admin"))
    for _ in range(n):
        r = admin.get(server.url(f"/api/v1/staff/members/{member}"), timeout=10,
                      params={"purpose": "account"})
        assert r.status_code == 200, r.text
    return admin, member


def verify(server, *extra):
    return server.cli("audit", "verify", *extra, check=False)


def assert_broken_at(out, seq):
    assert out.returncode == 1, out.stdout + out.stderr
    assert f"access log broken at entry {seq}:" in out.stdout, out.stdout + out.stderr


def test_intact_chain_verifies_and_its_heads_are_in_the_log(make_server):
    s = make_server()
    staff_reads(s, 3)
    out = verify(s)
    assert out.returncode == 0 and out.stdout.startswith("access log intact: 3 entries"), out.stdout
    # The head as each append left it, in hex: no personal value.
    last = entries(s)[-1][1].hex()
    assert head(s) == (3, last)
    with open(s.log) as f:
        logged = HEAD_LINE.findall(f.read())
    seqs = [int(seq) for seq, _ in logged]
    assert seqs[:3] == [1, 2, 3] and set(seqs) == {1, 2, 3}
    assert logged[-1] == ("3", last)
    # The timer writes it too, first when the server starts.
    s.restart()
    with open(s.log) as f:
        assert HEAD_LINE.findall(f.read())[-1] == ("3", last)
    out = verify(s, "--log", s.log)
    assert out.returncode == 0 and out.stdout.startswith("access log intact: 3 entries"), out.stdout
    assert "heads in the log reached" in out.stdout


def test_deleting_the_last_entries_is_reported(make_server):
    s = make_server()
    staff_reads(s, 4)
    s.sql("DELETE FROM access_log WHERE seq > 2")
    assert_broken_at(verify(s), 3)


def test_moving_the_head_back_is_reported(make_server):
    s = make_server()
    staff_reads(s, 4)
    s.sql("UPDATE access_log_head SET seq = 2, mac = (SELECT mac FROM access_log WHERE seq = 2)")
    assert_broken_at(verify(s), 3)


def test_truncation_with_the_head_moved_back_shows_against_the_log(make_server):
    s = make_server()
    staff_reads(s, 4)
    s.stop()
    s.sql("DELETE FROM access_log WHERE seq > 2")
    s.sql("UPDATE access_log_head SET seq = 2, mac = (SELECT mac FROM access_log WHERE seq = 2)")
    # The database alone is consistent again; the log remembers entry 4.
    assert verify(s).returncode == 0
    out = verify(s, "--log", s.log)
    assert_broken_at(out, 3)
    assert "entry 4" in out.stdout and s.log in out.stdout
    # New accesses written over the gap make entries 3 and 4 again, with
    # other MACs than the log recorded for them.
    s.start()
    admin = staff_signin(s, make_staff(s, "admin"))
    member = s.sql("SELECT DISTINCT subject_id FROM access_log")[0][0]
    for _ in range(2):
        r = admin.get(s.url(f"/api/v1/staff/members/{member}"), timeout=10,
                      params={"purpose": "account"})
        assert r.status_code == 200, r.text
    assert verify(s).stdout.startswith("access log intact: 4 entries")
    out = verify(s, "--log", s.log)
    assert_broken_at(out, 3)
    assert "recorded the head at entry 3 with another MAC" in out.stdout


def test_deleting_every_entry_is_reported(make_server):
    s = make_server()
    staff_reads(s, 3)
    s.stop()
    s.sql("DELETE FROM access_log")
    assert_broken_at(verify(s), 1)
    # Without the head either, the database looks new; the log does not.
    s.sql("DELETE FROM access_log_head")
    assert_broken_at(verify(s, "--log", s.log), 1)


def test_an_edited_entry_is_reported(make_server):
    s = make_server()
    staff_reads(s, 3)
    s.sql("UPDATE access_log SET role = 'support' WHERE seq = 2")
    assert_broken_at(verify(s), 2)


def test_an_entry_hashed_the_old_way_is_reported(make_server):
    """Before issue 11 an entry's hash was a keyed hash under the token key,
    which also hashes every session and link token. An entry hashed that way
    (with the key, so it would have passed then), and the head moved to it,
    is not an entry of the chain."""
    s = make_server()
    _, member = staff_reads(s, 2)
    fields, prev = entries(s)[-1]
    forged = ["3"] + fields[1:]
    forged[4] = "support"
    mac = old_hash(subkey(s, SUBKEY_TOKEN), forged, prev)
    values = ", ".join([forged[0], forged[1], f"'{forged[2]}'", forged[3]] +
                       [f"'{v}'" for v in forged[4:6]] + [forged[6]] +
                       [f"'{v}'" for v in forged[7:]])
    s.sql(f"INSERT INTO access_log ({ENTRY_FIELDS}, prev_mac, mac) "
          f"VALUES ({values}, {blob(prev)}, {blob(mac)})")
    s.sql(f"UPDATE access_log_head SET seq = 3, mac = {blob(mac)}")
    assert_broken_at(verify(s), 3)


def downgrade(server):
    """Turns the database back into what glovebox made before issue 11: the
    chain's columns under their old names, entries hashed under the token
    key, the migration that keyed the chain not yet applied."""
    key = subkey(server, SUBKEY_TOKEN)
    prev = bytes(32)
    for fields, _ in entries(server):
        h = old_hash(key, fields, prev)
        server.sql(f"UPDATE access_log SET prev_mac = {blob(prev)}, mac = {blob(h)} "
                   f"WHERE seq = {fields[0]}")
        prev = h
    server.sql(f"UPDATE access_log_head SET mac = {blob(prev)}")
    server.sql("ALTER TABLE access_log RENAME COLUMN prev_mac TO prev_hash")
    server.sql("ALTER TABLE access_log RENAME COLUMN mac TO hash")
    server.sql("ALTER TABLE access_log_head RENAME COLUMN mac TO hash")
    server.sql("ALTER TABLE access_log_head DROP COLUMN version")
    server.sql("DELETE FROM schema_migrations WHERE name LIKE '%access_log_mac%'")
    return prev


def test_an_old_chain_is_rekeyed_at_start(make_server):
    s = make_server()
    admin, member = staff_reads(s, 3)
    s.stop()
    old_head = downgrade(s)
    s.start()
    out = verify(s)
    assert out.returncode == 0 and out.stdout.startswith("access log intact: 3 entries"), out.stdout
    # Under the new key: the old hash is gone from the chain.
    assert head(s)[1] != old_head.hex()
    with open(s.log) as f:
        assert "access log re-keyed: 3 entries" in f.read()
    r = admin.get(s.url(f"/api/v1/staff/members/{member}"), timeout=10,
                  params={"purpose": "account"})
    assert r.status_code == 200
    assert verify(s).stdout.startswith("access log intact: 4 entries")


def test_a_broken_old_chain_is_not_rekeyed(make_server):
    s = make_server()
    staff_reads(s, 3)
    s.stop()
    downgrade(s)
    s.sql("UPDATE access_log SET role = 'support' WHERE seq = 2")
    # Re-keying it would make the edit pass: glovebox refuses to start.
    out = s.cli("migrate", check=False)
    assert out.returncode == 1
    assert "access log broken at entry 2" in out.stderr and "not re-keyed" in out.stderr
    assert_broken_at(verify(s), 2)
    # The operator may accept it as it stands; the log keeps the break.
    out = s.cli("audit", "rekey", "--accept-broken")
    assert "re-keyed over a break at entry 2" in out.stdout
    with open(s.log) as f:
        assert "re-keyed over a break at entry 2" in f.read()
    assert verify(s).stdout.startswith("access log intact: 3 entries")
