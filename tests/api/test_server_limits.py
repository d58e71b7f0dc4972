"""The server under attack (issue 11), each test replaying the attack:
clients that send their request head a line at a time and open more
connections than a browser ever does (finding 5); a flood of password checks
(finding 11); /metrics, which the site's own listener must not serve
(finding 12).

Latency is measured by tests/api/probe.py in a process of its own, from
another client address (127.0.0.2) where the attack comes from 127.0.0.1.
Every test is bounded in time; the latency bounds are generous for a 2-core
machine and far below what the attacks did before."""
import collections
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import BIN, child_env
from test_members import join, person

PROBE = os.path.join(os.path.dirname(__file__), "probe.py")

# These tests bound latencies under attack: tests/run.sh runs them alone,
# after the other files, which it runs side by side.
pytestmark = pytest.mark.alone


def probe(port, seconds, interval, source="127.0.0.2", mode="fresh"):
    """Starts tests/api/probe.py; .result() waits for its [[status, ms], ...]."""
    proc = subprocess.Popen([sys.executable, PROBE, str(port), str(seconds), str(interval),
                             source, mode], stdout=subprocess.PIPE, text=True)

    class Running:
        @staticmethod
        def result():
            out, _ = proc.communicate(timeout=seconds + 30)
            assert proc.returncode == 0
            return json.loads(out)
    return Running


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


# ---- finding 5: slow clients ----

SLOW_CLIENTS = 200
HEAD_TIMEOUT = 10          # the default of head-timeout
PER_CLIENT = 64            # the default of max-connections-per-client
TRICKLE = 2.0              # seconds between the header lines a slow client sends
ATTACK_LIMIT = 40          # seconds the attack may last at most (the test: under 60)


class SlowClient:
    """One connection that sends its request head a header line at a time
    and never finishes it."""

    def __init__(self, port, n):
        self.n = n
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        self.opened = time.monotonic()
        self.answer = b""
        self.ended = None          # when the server answered or closed
        self.lines = 0
        self.send(b"GET / HTTP/1.1\r\nHost: slow\r\n")

    def send(self, data):
        try:
            self.sock.send(data)
        except OSError:
            self.end()

    def trickle(self):
        self.lines += 1
        self.send(b"X-Slow-%d: %d\r\n" % (self.lines, self.n))

    def readable(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.answer += data
            if self.ended is None:
                self.ended = time.monotonic()
        else:
            self.end()

    def end(self):
        if self.ended is None:
            self.ended = time.monotonic()

    @property
    def done(self):
        return self.ended is not None


def slow_attack(port):
    """Opens SLOW_CLIENTS slow connections from 127.0.0.1 and keeps each
    trickling until the server answers or closes it, ATTACK_LIMIT at most."""
    sel = selectors.DefaultSelector()
    clients = []
    for n in range(SLOW_CLIENTS):
        c = SlowClient(port, n)
        clients.append(c)
        sel.register(c.sock, selectors.EVENT_READ, c)
    start = time.monotonic()
    next_line = start + TRICKLE
    while time.monotonic() - start < ATTACK_LIMIT and not all(c.done for c in clients):
        for key, _ in sel.select(timeout=0.1):
            key.data.readable()
            if key.data.done:
                sel.unregister(key.fileobj)
        if time.monotonic() >= next_line:
            next_line += TRICKLE
            for c in clients:
                if not c.done:
                    c.trickle()
    for c in clients:
        c.sock.close()
    return clients


def test_slow_clients_cut_at_the_head_deadline_and_capped_per_address(make_server):
    """Finding 5: 200 connections from one address, each sending a header
    line every 2 s, against a server allowing 100 connections. Before, they
    held every connection and /healthz was refused; now at most 64 are let
    in, each is answered 408 and closed once its head is 10 s late although
    it never goes idle, and /healthz from another address answers
    throughout, within 50 ms."""
    s = make_server(extra=["--max-connections", "100"])
    watch = probe(s.port, HEAD_TIMEOUT + 6, 0.1)
    time.sleep(0.5)
    clients = slow_attack(s.port)
    probes = watch.result()

    ms = [ms for _, ms in probes]
    print(f"/healthz during the slow attack: {len(probes)} probes, p99 "
          f"{percentile(ms, 0.99):.2f} ms, max {max(ms):.2f} ms")
    # Every probe answered at once; the p99 (the second slowest) under
    # 50 ms, so that one moment of another process's load does not decide.
    failed = [(status, t) for status, t in probes if status != 200 or t >= 1000]
    assert not failed and len(probes) >= 100, \
        f"/healthz during the attack: {len(failed)} of {len(probes)} probes failed: {failed[:10]}"
    assert percentile(ms, 0.99) < 50, sorted(ms)[-10:]

    still_open = [c.n for c in clients if not c.done]
    assert not still_open, f"{len(still_open)} slow connections outlived the head deadline"
    cut = [c for c in clients if c.answer]
    refused = [c for c in clients if not c.answer]
    # The cap: the rest were refused when accepted, before any answer.
    cores = os.cpu_count() or 1
    assert PER_CLIENT - 4 <= len(cut) <= PER_CLIENT + cores, len(cut)
    assert len(refused) == SLOW_CLIENTS - len(cut)
    for c in refused:
        assert c.ended - c.opened < 3, "a connection over the cap was not refused at once"
    for c in cut:
        assert c.answer.startswith(b"HTTP/1.1 408 "), c.answer[:80]
        assert b"Connection: close" in c.answer
        took = c.ended - c.opened
        assert HEAD_TIMEOUT - 0.5 <= took <= HEAD_TIMEOUT + 3, took
        assert c.lines >= HEAD_TIMEOUT // TRICKLE - 1    # it never went idle
    # Afterwards the address is welcome again.
    assert s.get("/healthz").status_code == 200


def served(sock):
    """Whether a request on sock is answered (the connection was let in)."""
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        return sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    except OSError:
        return False


def open_served(port):
    """A kept-alive connection the server has answered once. A connection
    the test closed a moment ago may still count for the server: then the
    new one is refused, and tried again."""
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        if served(c):
            return c
        c.close()
        time.sleep(0.1)
    raise AssertionError("no connection was let in")


def test_per_client_cap_counts_open_connections(make_server):
    """Connections past max-connections-per-client from one address are
    closed at once; another address is not affected, and a closed
    connection makes room again."""
    s = make_server(extra=["--max-connections-per-client", "4"])
    held = [open_served(s.port) for _ in range(4)]
    try:
        extra = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        try:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert extra.recv(100) == b"", "a fifth connection from one address was served"
        except ConnectionResetError:
            pass
        finally:
            extra.close()
        other = probe(s.port, 0.5, 0.1).result()
        assert other and all(status == 200 for status, _ in other), other
        held.pop().close()
        held.append(open_served(s.port))
    finally:
        for h in held:
            h.close()


def test_head_deadline_also_holds_on_a_kept_alive_connection(make_server):
    """After an answer, the next request's head has the same deadline."""
    s = make_server(extra=["--head-timeout", "2"])
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    try:
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = c.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        start = time.monotonic()
        answer = b""
        for ch in b"GET /healthz HTTP/1.1\r\n":
            try:
                c.sendall(bytes([ch]))
            except OSError:
                break
            c.settimeout(0.5)
            try:
                answer = c.recv(65536)
            except socket.timeout:
                continue
            break
        took = time.monotonic() - start
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:80]
        assert 1.5 <= took <= 5, took
    finally:
        c.close()


def test_head_timeout_and_cap_are_settings_with_defaults():
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True,
                         env=child_env(), timeout=30)
    assert out.returncode == 0
    text = out.stdout
    assert "--head-timeout=V" in text and "default 10]" in text.split("--head-timeout=V")[1][:200]
    assert "--max-connections-per-client=V" in text
    assert "default 64]" in text.split("--max-connections-per-client=V")[1][:200]


# ---- finding 11: password hashing off the event loop ----

FLOOD_SECONDS = 8
FLOOD_ROUNDS = 3
# The sanitizer build (tests/run.sh's asan tier) is no latency build:
# AddressSanitizer recycles its quarantine of freed memory in whichever
# thread frees, an event loop too, and that alone puts its /healthz p99
# near 25 ms (2 to 10 ms with the quarantine off). There the flood test
# checks everything but the p99.
SANITIZED = os.path.basename(BIN).endswith("-asan")


def member_session(s):
    """A signed-in member's session (CSRF header set) and password."""
    p = person()
    m = requests.Session()
    r = join(s, p, m)
    assert r.status_code == 200, r.text
    m.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return m, p["password"]


def flood_reauth(s, m, password, seconds, clients):
    """clients connections re-authenticating as fast as they are answered;
    returns the answers' statuses and the bodies of any but 200 and 503."""
    stop = time.monotonic() + seconds
    statuses = collections.Counter()
    odd = []
    slow_busy = []

    def run():
        c = requests.Session()
        c.cookies.update(m.cookies)
        c.headers.update(m.headers)
        while time.monotonic() < stop:
            t = time.monotonic()
            r = c.post(s.url("/api/v1/me/reauth"), json={"password": password}, timeout=30)
            statuses[r.status_code] += 1
            if r.status_code == 503:
                if (r.json()["error"]["code"] != "busy" or r.headers.get("Retry-After") != "1"):
                    odd.append(r.text)
                if time.monotonic() - t > 1:
                    slow_busy.append(time.monotonic() - t)
            elif r.status_code != 200:
                odd.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    return threads, statuses, odd, slow_busy


def test_password_flood_leaves_healthz_fast(make_server):
    """Finding 11: re-authentication flooded from several connections while
    /healthz is measured on a connection of its own: p99 under 20 ms. When
    Argon2id ran on the HTTP threads the median was 70 ms and the p99 over
    150 ms. The median must stay low in every round; the p99, which other
    processes on a shared machine can move by themselves, must be under
    20 ms in one of up to FLOOD_ROUNDS rounds (not in the sanitizer build:
    SANITIZED)."""
    s = make_server()
    m, password = member_session(s)
    clients = 2 * (os.cpu_count() or 2) + 4
    rounds = []
    for _ in range(FLOOD_ROUNDS):
        threads, statuses, odd, _ = flood_reauth(s, m, password, FLOOD_SECONDS, clients)
        time.sleep(1)
        probes = probe(s.port, FLOOD_SECONDS - 2, 0.02, source="127.0.0.1",
                       mode="keepalive").result()
        for t in threads:
            t.join(timeout=60)
        assert not odd, odd[:5]
        assert statuses[200] >= 10, statuses      # the flood did make the server hash
        failed = [p for p in probes if p[0] != 200]
        assert not failed and len(probes) >= 50, failed[:10]
        ms = [ms for _, ms in probes]
        rounds.append((percentile(ms, 0.99), percentile(ms, 0.5), max(ms), dict(statuses)))
        print("/healthz under the flood: p99 %.2f ms, median %.2f ms, max %.2f ms; %s"
              % rounds[-1])
        assert rounds[-1][1] < 5, rounds
        if rounds[-1][0] < 20 or SANITIZED:
            return
    raise AssertionError(f"/healthz p99 was 20 ms or more in each round: {rounds}")


def test_password_queue_full_answers_busy_at_once(make_server):
    """With one hashing worker and one waiting place, a burst is answered
    503 busy with Retry-After at once for the requests that find no place;
    the others are answered normally."""
    s = make_server(extra=["--password-hashes", "1", "--password-queue", "1"])
    m, password = member_session(s)
    threads, statuses, odd, slow_busy = flood_reauth(s, m, password, 4, 8)
    for t in threads:
        t.join(timeout=60)
    assert not odd, odd[:5]
    assert statuses[503] >= 1 and statuses[200] >= 1, statuses
    assert set(statuses) <= {200, 503}, statuses
    assert not slow_busy, f"busy answers took {slow_busy[:5]} s"
    # The member is still signed in and the server answers.
    assert m.get(s.url("/api/v1/me"), timeout=10).status_code == 200


# ---- finding 12: /metrics on a listener of its own ----

def test_metrics_only_on_the_metrics_listener(make_server):
    """Finding 12: the site's address served /metrics to anyone, with
    per-route counts small enough to tell when a rare call was made. Now it
    answers 404 there (whatever the method), and the metrics listener
    serves /metrics and nothing else."""
    s = make_server()
    r = s.get("/metrics")
    assert r.status_code == 404 and "glovebox_requests_total" not in r.text
    assert s.post("/metrics", data=b"").status_code == 404
    assert s.get("/api/v1/metrics").status_code == 404
    r = requests.get(s.metrics_url("/metrics"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "glovebox_requests_total" in r.text
    # The metrics listener serves nothing else.
    for path in ("/", "/healthz", "/privacy", "/api/v1/signup"):
        assert requests.get(s.metrics_url(path), timeout=10).status_code == 404, path


def test_metrics_listener_off_and_its_default(make_server):
    """An empty metrics-listen turns the listener off; the default is on
    loopback only."""
    s = make_server(extra=["--metrics-listen", ""])
    assert s.get("/metrics").status_code == 404
    with socket.socket() as probe_sock:
        # Nothing listens where conftest would have put it.
        assert probe_sock.connect_ex(("127.0.0.1", s.metrics_port)) != 0
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True,
                         env=child_env(), timeout=30)
    after = out.stdout.split("--metrics-listen=V")[1][:200]
    assert "default 127.0.0.1:" in after    # loopback unless the operator says otherwise
