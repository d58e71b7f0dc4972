"""Personal values never reach a file in plaintext: not the database file, its
WAL, a backup, a log or anything else in the data directory, nor, on
PostgreSQL, the cluster's own table files, WAL and log (NAM11, ALL04)."""
import glob
import os
import uuid

import pytest

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


def pg_cluster_files(server):
    """The PostgreSQL cluster's files that could hold this database's values:
    its table and index files, the WAL, the shared catalogs and the server
    logs. A checkpoint first: the test cluster runs with fsync off, so pages
    may otherwise still sit in shared buffers."""
    server.sql("CHECKPOINT")
    datadir = server.sql("SHOW data_directory")[0][0]
    if not os.access(datadir, os.R_OK | os.X_OK):
        pytest.skip(f"the cluster's files ({datadir}) are not readable here")
    oid = server.sql("SELECT oid FROM pg_database WHERE datname = current_database()")[0][0]
    paths = []
    for top in (os.path.join(datadir, "base", oid), os.path.join(datadir, "pg_wal"),
                os.path.join(datadir, "global"), os.path.join(datadir, "log")):
        for dirpath, _, files in os.walk(top):
            paths += [os.path.join(dirpath, f) for f in files]
    paths += glob.glob(os.path.join(os.path.dirname(datadir), "*.log"))
    blobs = {}
    for p in paths:
        try:
            with open(p, "rb") as f:
                blobs[p] = f.read()
        except OSError:
            pass    # a WAL segment recycled while we walked
    return blobs


def test_nam11_all04_not_in_postgresql_files(server):
    if ENGINE != "postgres":
        pytest.skip("PostgreSQL only")
    sent = []
    for _ in range(3):
        m = markers()
        assert server.post("/api/v1/contact", json=m).status_code == 201
        sent += list(m.values())
    # The grep can fail: a value PostgreSQL holds in plaintext is found.
    planted = "zz-planted-" + uuid.uuid4().hex[:8]
    server.sql(f"CREATE TABLE planted (v text); INSERT INTO planted VALUES ('{planted}')")
    try:
        blobs = pg_cluster_files(server)
        assert contains_any(blobs.values(), [planted]) == {planted}
        hits = {v: [p for p, b in blobs.items() if contains_any([b], [v])]
                for v in contains_any(blobs.values(), sent)}
        assert hits == {}, f"plaintext in the cluster's files: {hits}"
    finally:
        server.sql("DROP TABLE planted")
