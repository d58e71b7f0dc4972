"""Fixtures for glovebox's black-box tests: a real ./glovebox on a free port.

GLOVEBOX_TEST_ENGINE=sqlite|postgres picks the store; for postgres,
GLOVEBOX_TEST_PG_URL names a cluster (tests/pg.sh starts one) and each server
gets a fresh database. GLOVEBOX_BIN picks the binary (the sanitizer tier runs
./glovebox-asan). Every process started here is stopped at teardown.
"""
import os
import re
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.join(ROOT, os.environ.get("GLOVEBOX_BIN", "glovebox"))
ENGINE = os.environ.get("GLOVEBOX_TEST_ENGINE", "sqlite")
PG_URL = os.environ.get("GLOVEBOX_TEST_PG_URL", "")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql failed: " + out.stderr)
    return out.stdout


class Server:
    """One glovebox process with its own data directory and database."""

    def __init__(self, tmp, profile=None, extra=None):
        self.data = str(tmp)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(self.data, "glovebox.log")
        self.stderr_path = os.path.join(self.data, "stderr.log")
        self.profile = profile
        self.extra = list(extra or [])
        # Every test signs in from 127.0.0.1: the per-address limits are lifted
        # unless a test sets them (test_members checks the defaults).
        if "--signin-per-minute" not in self.extra:
            self.extra += ["--signin-per-minute", "100000", "--signin-per-hour", "100000"]
        self.proc = None
        self.dbname = None
        if ENGINE == "postgres":
            if not PG_URL:
                pytest.skip("GLOVEBOX_TEST_PG_URL is not set")
            self.dbname = "gb_" + uuid.uuid4().hex[:12]
            psql(PG_URL, f"CREATE DATABASE {self.dbname}")
            self.db = PG_URL.rsplit("/", 1)[0] + "/" + self.dbname
        else:
            self.db = "sqlite:" + os.path.join(self.data, "glovebox.db")

    def args(self):
        a = ["--data", self.data, "--database", self.db, "--log-file", self.log]
        if self.profile:
            a += ["--profile", self.profile]
        return a + self.extra

    def cli(self, *argv, check=True, env=None):
        """Runs a glovebox command against this server's data and database."""
        e = dict(os.environ)
        e.update(env or {})
        out = subprocess.run([BIN, *argv, *self.args()], capture_output=True, text=True,
                             timeout=120, env=e)
        if check and out.returncode != 0:
            raise AssertionError(f"glovebox {' '.join(argv)} failed: {out.stderr}")
        return out

    def start(self):
        err = open(self.stderr_path, "ab")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.proc = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{self.port}",
                                      *self.args()], stdout=err, stderr=err, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("glovebox exited at start: " + self.stderr())
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("glovebox did not answer /healthz")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill9(self):
        self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def url(self, path):
        return self.base + path

    def get(self, path, **kw):
        kw.setdefault("timeout", 10)
        return requests.get(self.base + path, **kw)

    def post(self, path, **kw):
        kw.setdefault("timeout", 10)
        return requests.post(self.base + path, **kw)

    def raw_files(self):
        """Every file in the data directory, as bytes, by path."""
        out = {}
        for dirpath, _, files in os.walk(self.data):
            for name in files:
                p = os.path.join(dirpath, name)
                with open(p, "rb") as f:
                    out[p] = f.read()
        return out

    def sql(self, query):
        """Runs a query on the server's database; returns rows of strings."""
        if ENGINE == "postgres":
            text = psql(self.db, query)
            return [line.split("|") for line in text.splitlines() if line]
        import sqlite3
        con = sqlite3.connect(self.db[len("sqlite:"):], timeout=30)
        try:
            cur = con.execute(query)
            rows = [[("" if v is None else str(v)) for v in r] for r in cur.fetchall()]
            con.commit()
            return rows
        finally:
            con.close()

    def dump(self, tmp):
        """A backup made by `glovebox backup`, as bytes."""
        path = os.path.join(str(tmp), "backup-" + uuid.uuid4().hex[:8])
        self.cli("backup", path)
        with open(path, "rb") as f:
            return f.read()

    def close(self):
        self.stop()
        if BIN.endswith("-asan"):
            bad = re.findall(r"(runtime error:.*|ERROR: AddressSanitizer.*|ERROR: LeakSanitizer.*)",
                             self.stderr())
            assert not bad, "sanitizer reports: " + "\n".join(bad[:5])
        if self.dbname:
            try:
                psql(PG_URL, f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
            except RuntimeError:
                pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("gb"))
    try:
        yield s.start()
    finally:
        s.close()


@pytest.fixture
def fresh_server(tmp_path):
    """A server of the test's own, not yet started."""
    s = Server(tmp_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def make_server(tmp_path_factory):
    """Factory for servers with options (profile, extra flags); all closed at teardown."""
    made = []

    def make(profile=None, extra=None, start=True):
        s = Server(tmp_path_factory.mktemp("gb"), profile=profile, extra=extra)
        made.append(s)
        return s.start() if start else s

    yield make
    for s in made:
        s.close()


@pytest.fixture(scope="module")
def make_module_server(tmp_path_factory):
    """Like make_server, for servers shared by a module's tests."""
    made = []

    def make(profile=None, extra=None):
        s = Server(tmp_path_factory.mktemp("gb"), profile=profile, extra=extra)
        made.append(s)
        return s.start()

    yield make
    for s in made:
        s.close()


def raw_exchange(port, data, timeout=1.0):
    """Sends raw bytes, half-closes, and returns all bytes answered until the
    server closes or the timeout passes. Never raises for network errors."""
    chunks = []
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    chunks.append(b)
            except OSError:
                pass
    except OSError:
        pass
    return b"".join(chunks)


def contains_any(blobs, values):
    """Which of values appear in any of blobs (bytes), as UTF-8 or UTF-16."""
    found = set()
    for v in values:
        needles = [v.encode(), v.encode("utf-16-le")]
        for b in blobs:
            if any(n in b for n in needles):
                found.add(v)
    return found
