"""Acknowledged writes survive kill -9: every message the server answered 201
for is in the database after a restart, and SQLite's integrity check passes."""
import threading
import time

import requests

from conftest import ENGINE


def test_crash_acknowledged_writes_survive_kill9(fresh_server):
    s = fresh_server.start()
    acked, stop = [], threading.Event()

    def writer():
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = session.post(s.url("/api/v1/contact"), timeout=5,
                                 json={"email": f"crash{i}@example.org", "topic": "t",
                                       "message": f"message {i}"})
            except requests.RequestException:
                continue
            if r.status_code == 201:
                acked.append(r.json()["id"])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    s.kill9()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 10, "too few writes before the kill to prove anything"

    s.start()
    present = set()
    ids = list(acked)
    for i in range(0, len(ids), 500):
        chunk = ",".join(str(x) for x in ids[i:i + 500])
        present |= {int(r[0]) for r in s.sql(f"SELECT id FROM contact_messages WHERE id IN ({chunk})")}
    missing = set(acked) - present
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes lost"
    if ENGINE == "sqlite":
        assert s.sql("PRAGMA integrity_check") == [["ok"]]
    assert s.get("/healthz").status_code == 200
