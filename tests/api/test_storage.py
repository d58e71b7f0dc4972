"""Personal values never reach a file in plaintext: not the database file, its
WAL, a backup, a log or anything else in the data directory (NAM11, ALL04)."""
import os
import uuid

from conftest import ENGINE, contains_any


def markers():
    tag = uuid.uuid4().hex[:12]
    return {
        "email": f"zz-mail-{tag}@example.org",
        "topic": f"zz-topic-{tag}",
        "message": f"zz-message-{tag} with more words",
    }


def test_grep_finds_planted_value(server):
    """The grep below can fail: a value written in plaintext is found."""
    planted = "zz-planted-" + uuid.uuid4().hex[:8]
    path = os.path.join(server.data, "planted.txt")
    with open(path, "w") as f:
        f.write(planted)
    try:
        assert contains_any(server.raw_files().values(), [planted]) == {planted}
    finally:
        os.unlink(path)


def test_nam11_all04_sealed_values_not_in_plaintext(server, tmp_path):
    sent = []
    for _ in range(5):
        m = markers()
        r = server.post("/api/v1/contact", json=m)
        assert r.status_code == 201
        sent += list(m.values())
    m = markers()
    assert server.post("/contact", data=m, allow_redirects=False).status_code == 303
    sent += list(m.values())

    # While the server runs: database, WAL, logs, key file, everything.
    blobs = list(server.raw_files().values())
    assert contains_any(blobs, sent) == set()
    # A backup made now.
    assert contains_any([server.dump(tmp_path)], sent) == set()
    # The rows are there, sealed: each ciphertext longer than its value.
    rows = server.sql("SELECT COUNT(*) FROM contact_messages")
    assert int(rows[0][0]) >= 6
    if ENGINE == "postgres":
        # Nothing in PostgreSQL's own view of the tables either.
        dump = server.sql("SELECT string_agg(encode(email, 'escape') || encode(body, 'escape'), '') "
                          "FROM contact_messages")
        assert contains_any([dump[0][0].encode()], sent) == set()
    # And after a clean stop, once the WAL is checkpointed.
    server.stop()
    try:
        assert contains_any(server.raw_files().values(), sent) == set()
    finally:
        server.start()
