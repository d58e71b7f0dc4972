"""Fixtures for glovebox's black-box tests: a real ./glovebox on a free port.

GLOVEBOX_TEST_ENGINE=sqlite|postgres picks the store; for postgres,
GLOVEBOX_TEST_PG_URL names a cluster (tests/pg.sh starts one) and each server
gets a fresh database, dropped at teardown. GLOVEBOX_BIN picks the binary
(the sanitizer tier runs ./glovebox-asan). Every process started here is
stopped at teardown, and dies with the test run if pytest itself is killed.
A server that does not exit cleanly on SIGTERM, or whose stderr holds a
sanitizer report, fails the test that owned it.
"""
import ctypes
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
PSQL = "/usr/bin/psql" if os.path.exists("/usr/bin/psql") else "psql"
STOP_GRACE = 10      # seconds between SIGTERM and SIGKILL
SANITIZER_REPORT = re.compile(r"(runtime error:.*|ERROR: AddressSanitizer.*|ERROR: LeakSanitizer.*|"
                              r"AddressSanitizer:DEADLYSIGNAL.*)")
# What src/data/crypto.c logs when a route hashes a password on an event
# loop instead of the workers (src/engine/thread_role.h): every test fails on it.
EVENT_LOOP_HASH = "a password is hashed on an HTTP event loop"

# The limits per client address on forms that send mail or store text.
FORM_LIMITS = ("--contact-per-hour", "--signup-per-hour", "--email-change-per-hour",
               "--account-changes-per-hour", "--staff-sends-per-hour",
               "--postcards-per-client-day", "--requests-per-hour",
               "--shop-orders-per-hour", "--stories-per-hour", "--story-reports-per-hour",
               "--photos-per-hour")
_known_flags = None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "alone: bounds a latency; tests/run.sh runs it with no other test beside it")


def known_flags():
    """The flags the binary under test takes (an older build lacks some)."""
    global _known_flags
    if _known_flags is None:
        out = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30,
                             env=child_env())
        _known_flags = set(re.findall(r"--[a-z][a-z0-9-]*", out.stdout + out.stderr))
    return _known_flags


if ENGINE not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"GLOVEBOX_TEST_ENGINE must be sqlite or postgres, not {ENGINE!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    out = subprocess.run([PSQL, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql failed: " + out.stderr)
    return out.stdout


def child_env(extra=None):
    """The environment for glovebox processes: sanitizer options unless the
    caller set their own."""
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.update(extra or {})
    return env


_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # PR_SET_PDEATHSIG: a server outlives no killed pytest.
    _libc.prctl(1, signal.SIGTERM, 0, 0, 0)


class Server:
    """One glovebox process with its own data directory and database."""

    def __init__(self, tmp, profile=None, extra=None, limits="lifted"):
        self.data = str(tmp)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # /metrics is served on a listener of its own (--metrics-listen):
        # each server gets a free port for it unless the test names one.
        self.metrics_port = free_port()
        self.log = os.path.join(self.data, "glovebox.log")
        self.stderr_path = os.path.join(self.data, "stderr.log")
        self.profile = profile
        self.extra = list(extra or [])
        # Every test signs in from 127.0.0.1: the per-address limits are lifted
        # unless a test sets them (test_members checks the defaults).
        if "--signin-per-minute" not in self.extra:
            self.extra += ["--signin-per-minute", "100000", "--signin-per-hour", "100000"]
        # So are the form limits, unless a test sets one or asks for the
        # defaults (limits="default", as test_form_limits does).
        if limits == "lifted":
            for flag in FORM_LIMITS:
                if flag not in self.extra and flag in known_flags():
                    self.extra += [flag, "100000"]
        self.proc = None
        self._err = None
        self.dbname = None
        self.problems = []   # unclean exits, reported at close()
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
        out = subprocess.run([BIN, *argv, *self.args()], capture_output=True, text=True,
                             timeout=120, env=child_env(env))
        bad = SANITIZER_REPORT.findall(out.stderr)
        assert not bad, f"glovebox {' '.join(argv)}: sanitizer reports: " + "\n".join(bad[:5])
        if check and out.returncode != 0:
            raise AssertionError(f"glovebox {' '.join(argv)} failed ({out.returncode}): {out.stderr}")
        return out

    def _spawn(self):
        self._err = open(self.stderr_path, "ab")
        metrics = [] if any(a.startswith("--metrics-listen") for a in self.extra) else \
            ["--metrics-listen", f"127.0.0.1:{self.metrics_port}"]
        self.proc = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{self.port}",
                                      *metrics, *self.args()], stdout=self._err, stderr=self._err,
                                     stdin=subprocess.DEVNULL, env=child_env(),
                                     preexec_fn=_die_with_parent)

    def start(self, timeout=30):
        for attempt in range(3):
            mark = os.path.getsize(self.stderr_path) if os.path.exists(self.stderr_path) else 0
            self._spawn()
            deadline = time.time() + timeout
            while time.time() < deadline:
                rc = self.proc.poll()
                if rc is not None:
                    break
                try:
                    if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            else:
                self.stop(record=False)
                raise RuntimeError(f"glovebox did not answer /healthz in {timeout} s:\n"
                                   + self.stderr()[mark:] + self.log_tail())
            self._close_err()
            self.proc = None
            said = self.stderr()[mark:] + self.log_tail()
            # Someone else took the free port between our probe and its bind.
            if "in use" in said.lower() and attempt < 2:
                self.port = free_port()
                self.base = f"http://127.0.0.1:{self.port}"
                self.metrics_port = free_port()
                continue
            raise RuntimeError(f"glovebox exited at start ({rc}):\n" + said)
        raise AssertionError("unreachable")

    def _close_err(self):
        if self._err:
            self._err.close()
            self._err = None

    def stop(self, sig=signal.SIGTERM, record=True):
        """Stops the server; SIGKILL after STOP_GRACE seconds. An exit other
        than 0 after SIGTERM (or a server that had died by itself) is kept
        in self.problems and fails the test at close()."""
        p = self.proc
        if p is None:
            return
        rc = p.poll()
        if rc is not None:
            if record:
                self.problems.append(f"glovebox had exited by itself with {rc}")
        else:
            p.send_signal(sig)
            try:
                rc = p.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = f"SIGKILL after {STOP_GRACE} s"
            if record and sig == signal.SIGTERM and rc != 0:
                self.problems.append(f"glovebox did not exit cleanly on SIGTERM: {rc}")
        self._close_err()
        self.proc = None

    def kill9(self):
        self.stop(signal.SIGKILL, record=False)

    def restart(self):
        self.stop()
        return self.start()

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, lines=20):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def url(self, path):
        return self.base + path

    def metrics_url(self, path):
        return f"http://127.0.0.1:{self.metrics_port}{path}"

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
                try:
                    with open(p, "rb") as f:
                        out[p] = f.read()
                except FileNotFoundError:
                    pass    # a -journal or -shm that went away while we walked
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
        """Stops the server, drops its database, and fails on an unclean
        exit or a sanitizer report in its stderr or log."""
        try:
            self.stop()
        finally:
            if self.dbname:
                try:
                    psql(PG_URL, f"DROP DATABASE IF EXISTS {self.dbname} WITH (FORCE)")
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
        text = self.stderr()
        try:
            with open(self.log, errors="replace") as f:
                text += f.read()
        except OSError:
            pass
        assert EVENT_LOOP_HASH not in text, (
            "a route hashed a password on an event loop (mark it ROUTE_SLOW in src/routes.c)")
        bad = SANITIZER_REPORT.findall(text)
        assert not bad, "sanitizer reports:\n" + "\n".join(bad[:5]) + "\n" + self.stderr()[-4000:]
        assert not self.problems, "; ".join(self.problems) + "\n" + self.stderr()[-2000:]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running server shared by a module's cheap tests."""
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

    def make(profile=None, extra=None, start=True, limits="lifted"):
        s = Server(tmp_path_factory.mktemp("gb"), profile=profile, extra=extra, limits=limits)
        made.append(s)
        return s.start() if start else s

    yield make
    _close_all(made)


@pytest.fixture(scope="module")
def make_module_server(tmp_path_factory):
    """Like make_server, for servers shared by a module's tests."""
    made = []

    def make(profile=None, extra=None):
        s = Server(tmp_path_factory.mktemp("gb"), profile=profile, extra=extra)
        made.append(s)
        return s.start()

    yield make
    _close_all(made)


def _close_all(servers):
    # Every server is stopped even when closing an earlier one fails.
    errors = []
    for s in servers:
        try:
            s.close()
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(str(e))
    assert not errors, "\n".join(errors)


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
        needles = [v.encode(), v.encode("utf-16-le"), v.encode("utf-16-be")]
        for b in blobs:
            if any(n in b for n in needles):
                found.add(v)
    return found


def totp(secret_b32, at=None, step=30, digits=6):
    """RFC 6238 TOTP (HMAC-SHA-1), computed here independently of glovebox."""
    import base64
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return str(code).zfill(digits)


ENROL_TOKEN = re.compile(r"enrolment token \(valid \d+ hours, shown once\): (\S+)")


def make_staff(server, role, email=None, password=None):
    """Creates a staff account with `glovebox staff add`, enrols it through
    the API, and returns {email, password, secret, id}."""
    email = email or f"staff-{uuid.uuid4().hex[:10]}@example.org"
    password = password or "quiet harbour lamp " + uuid.uuid4().hex[:6]
    out = server.cli("staff", "add", email, "--role", role)
    token = ENROL_TOKEN.search(out.stdout).group(1)
    r = server.post("/api/v1/staff/enrol", json={"token": token, "password": password})
    assert r.status_code == 200, r.text
    secret = r.json()["totp_secret"]
    r = server.post("/api/v1/staff/enrol/confirm", json={"token": token, "code": totp(secret)})
    assert r.status_code == 200, r.text
    return {"email": email, "password": password, "secret": secret, "token": token}


FORM_TOKEN = re.compile(r'name="csrf_token" value="([A-Za-z0-9_-]+)"')


def form_token(server, session, path):
    """Opens a page with a form in session (as a browser would) and returns
    the token its form carries (the pre-session token on sign-in and
    sign-up pages, which the page also sets as a cookie)."""
    page = session.get(server.url(path), timeout=10)
    assert page.status_code == 200, page.text
    return FORM_TOKEN.search(page.text).group(1)


def staff_signin(server, staff, session=None):
    """Signs a staff member in with the next step's code (the current one
    was spent at enrolment); returns the requests.Session, .csrf set."""
    s = session or requests.Session()
    r = s.post(server.url("/api/v1/staff/signin"), timeout=10,
               json={"email": staff["email"], "password": staff["password"],
                     "code": totp(staff["secret"], time.time() + 30)})
    assert r.status_code == 200, r.text
    s.csrf = r.json()["csrf_token"]
    s.staff_id = r.json()["id"]
    s.headers["X-CSRF-Token"] = s.csrf
    return s


def staff_client(server, role):
    """A requests.Session signed in as a new staff member of that role."""
    return staff_signin(server, make_staff(server, role))


class SMTPSink:
    """A real SMTP listener (aiosmtpd) on 127.0.0.1 that keeps what it
    receives: .messages is a list of (mail_from, rcpt_tos, bytes). It can be
    stopped and started again on the same port."""

    def __init__(self, delay=0.0, refuse=()):
        self.port = free_port()
        self.messages = []
        self.controller = None
        self.delay = delay          # seconds each message takes to accept
        self.refuse = set(refuse)   # addresses answered "550 no such user"

    def start(self):
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in sink.refuse:
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                if sink.delay:
                    import asyncio
                    await asyncio.sleep(sink.delay)
                sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def wait(self, n, timeout=30):
        """Waits until n messages have arrived; returns them."""
        deadline = time.time() + timeout
        while len(self.messages) < n and time.time() < deadline:
            time.sleep(0.05)
        return self.messages


def sharing(server, tmp, extra=None):
    """A second glovebox process on the same database and master key as
    server (not started); closing it leaves the database alone."""
    s = Server(tmp, extra=["--master-key-file", os.path.join(server.data, "master.key"),
                           *(extra or [])])
    if s.dbname:
        psql(PG_URL, f"DROP DATABASE IF EXISTS {s.dbname}")
        s.dbname = None
    s.db = server.db
    return s


@pytest.fixture
def smtp_sink():
    s = SMTPSink().start()
    try:
        yield s
    finally:
        s.stop()


def mail_flags(sink):
    """The flags that send a server's mail to sink, quickly retried."""
    return ["--smtp-url", sink.url(), "--mail-from", "club@example.org",
            "--mail-interval", "1", "--mail-retry-seconds", "1"]
