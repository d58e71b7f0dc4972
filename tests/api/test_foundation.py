"""The foundation, from outside: pages, API shape, limits, headers, metrics,
logs, CLI and backup, on the engine GLOVEBOX_TEST_ENGINE names."""
import json
import os
import re
import socket
import subprocess
import time
import uuid

import requests

from conftest import BIN, ENGINE, contains_any, raw_exchange

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(r):
    csp = r.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    for k, v in SECURITY_HEADERS.items():
        assert r.headers.get(k) == v, k
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers.get("X-Request-Id", ""))


def assert_error(r, status, code, field=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "field"}
    assert err["code"] == code
    assert isinstance(err["message"], str) and err["message"]
    assert err["field"] == field


def contact(server, **over):
    body = {"email": "someone@example.org", "topic": "Hello", "message": "A question."}
    body.update(over)
    return server.post("/api/v1/contact", json=body)


def test_healthz(server):
    r = server.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["store"] == ENGINE
    assert body["schema"] >= 2


def test_home_page(server):
    r = server.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert "<title>Home · North American Motoring</title>" in html
    assert "<nav" in html and 'href="/contact"' in html and 'href="/privacy"' in html
    assert "<main" in html
    assert "<script" not in html.lower()
    assert re.search(r'href="/static/style\.css\?v=[0-9a-f]+"', html)
    assert_security_headers(r)
    assert r.headers["Cache-Control"] == "no-store"


def test_head_request(server):
    r = requests.head(server.url("/"), timeout=5)
    assert r.status_code == 200
    assert r.content == b""


def test_static_etag_and_304(server):
    r = server.get("/static/style.css")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/css")
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = r.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert_security_headers(r)
    r2 = server.get("/static/style.css", headers={"If-None-Match": etag})
    assert r2.status_code == 304
    assert r2.content == b""
    assert server.get("/static/nope.css").status_code == 404


def test_not_found_json_and_html(server):
    assert_error(server.get("/api/v1/nothing"), 404, "not_found")
    r = server.get("/nothing/here")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "<h1>404" in r.text
    assert_security_headers(r)


def test_method_not_allowed(server):
    r = server.get("/api/v1/contact")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"
    r = requests.delete(server.url("/contact"), timeout=5)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, POST"


def test_uri_too_long(server):
    r = server.get("/" + "a" * 3000)
    assert r.status_code == 414


def raw(server, data):
    return raw_exchange(server.port, data)


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


def test_headers_too_many(server):
    headers = "".join(f"X-H{i}: v\r\n" for i in range(80))
    resp = raw(server, f"GET / HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode())
    assert status_of(resp) == 431


def test_headers_too_large(server):
    big = "x" * 7000
    headers = "".join(f"X-Big{i}: {big}\r\n" for i in range(3))
    resp = raw(server, f"GET / HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode())
    assert status_of(resp) == 431


def test_body_too_large(server):
    r = server.post("/api/v1/contact", data=b"{" + b" " * 70000 + b"}",
                    headers={"Content-Type": "application/json"})
    assert_error(r, 413, "body_too_large")


def test_body_too_large_chunked(server):
    def gen():
        for _ in range(20):
            yield b" " * 8192
    r = server.post("/api/v1/contact", data=gen(), headers={"Content-Type": "application/json"})
    assert_error(r, 413, "body_too_large")


def test_contact_created(server):
    r = contact(server)
    assert r.status_code == 201
    body = r.json()
    assert isinstance(body["id"], int) and body["id"] > 0
    assert r.headers["Cache-Control"] == "no-store"
    assert_security_headers(r)


def test_contact_validation_errors(server):
    assert_error(contact(server, email="not-an-address"), 400, "invalid_field", "email")
    assert_error(contact(server, topic="two\nlines"), 400, "invalid_field", "topic")
    assert_error(contact(server, topic="x" * 201), 400, "invalid_field", "topic")
    assert_error(contact(server, message=12), 400, "invalid_field", "message")
    assert_error(contact(server, evil="x"), 400, "unknown_field", "evil")
    r = server.post("/api/v1/contact", json={"topic": "t", "message": "m"})
    assert_error(r, 400, "missing_field", "email")
    r = server.post("/api/v1/contact", data=b'{"email": "a@b.co",',
                    headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")
    r = server.post("/api/v1/contact", data=b'["a"]', headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")
    r = server.post("/api/v1/contact", data=b'{"email":"a@b.co","email":"c@d.co"}',
                    headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")
    r = server.post("/api/v1/contact", data=b"email=a@b.co",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 415, "unsupported_media_type")
    r = server.post("/api/v1/contact", data=b'{"email":"\xff@b.co"}',
                    headers={"Content-Type": "application/json"})
    assert_error(r, 400, "bad_json")


def test_contact_form_page(server):
    r = server.get("/contact")
    assert r.status_code == 200
    # NAM01-style notice: the purpose and a link to the privacy notice in force.
    assert 'href="/privacy/v/1#purpose-answering_messages"' in r.text
    r = server.post("/contact", data={"email": "bad", "topic": "", "message": "<b>hi</b>"},
                    allow_redirects=False)
    assert r.status_code == 422
    assert 'id="email-error"' in r.text and 'aria-invalid="true"' in r.text
    assert "&lt;b&gt;hi&lt;/b&gt;" in r.text and "<b>hi</b>" not in r.text
    r = server.post("/contact", data={"email": "a@example.org", "topic": "t", "message": "m"},
                    allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"] == "/contact/thanks"
    r = server.post("/contact", files={"email": (None, "a@example.org"), "topic": (None, "t"),
                                       "message": (None, "multipart works")},
                    allow_redirects=False)
    assert r.status_code == 303


def test_contact_form_of_a_signed_in_member_is_theirs(server):
    """The form, like the API, gives a message written while signed in to the
    member, so it goes with the account (issue 10); a visitor's is nobody's."""
    tag = uuid.uuid4().hex[:10]
    email = f"form-writer-{tag}@example.org"
    browser = requests.Session()
    from test_members import join
    r = join(server, {"name": f"Form {tag}", "email": email,
                      "password": "blue cooper rides at dawn", "date_of_birth": "1980-05-17"},
             browser)
    assert r.status_code == 200, r.text
    owned = ("SELECT COUNT(*) FROM contact_messages m JOIN subjects s ON s.id = m.subject_id "
             f"WHERE s.owner_id = {r.json()['id']}")
    form = {"email": email, "topic": f"Form {tag}", "message": "Written on the form."}
    r = browser.post(server.url("/contact"), data=form, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/contact/thanks"
    assert server.sql(owned) == [["1"]]
    r = requests.post(server.url("/contact"), data=form, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assert server.sql(owned) == [["1"]]


def metric(text, series):
    m = re.search(r"^" + re.escape(series) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def histogram_ok(text, name):
    """Buckets present, cumulative, ending in +Inf, which equals _count."""
    buckets = re.findall(r"^" + name + r'_bucket\{le="([^"]+)"\} (\d+)$', text, re.M)
    counts = [int(c) for _, c in buckets]
    return (f"# TYPE {name} histogram" in text and len(buckets) >= 2 and buckets[-1][0] == "+Inf"
            and counts == sorted(counts) and counts[-1] == metric(text, name + "_count")
            and f"{name}_sum " in text)


def test_metrics(server):
    """/metrics is read from the metrics listener (issue 11: the site's own
    listener answers it 404, tests/api/test_server_limits.py)."""
    healthz = 'glovebox_requests_total{route="/healthz",status="200"}'
    missing = 'glovebox_requests_total{route="-",status="404"}'
    created = 'glovebox_requests_total{route="/api/v1/contact",status="201"}'
    before = requests.get(server.metrics_url("/metrics"), timeout=10).text
    for _ in range(3):
        server.get("/healthz")
    server.get("/nowhere")
    assert contact(server).status_code == 201
    # A request is counted when its answer is queued, which can be a moment
    # after the client has it: look again until the counts are in.
    deadline = time.time() + 5
    while True:
        r = requests.get(server.metrics_url("/metrics"), timeout=10)
        text = r.text
        done = (metric(text, healthz) - metric(before, healthz) >= 3
                and metric(text, missing) - metric(before, missing) >= 1
                and metric(text, created) - metric(before, created) >= 1
                and histogram_ok(text, "glovebox_request_duration_seconds")
                and histogram_ok(text, "glovebox_store_duration_seconds"))
        if done or time.time() > deadline:
            break
        time.sleep(0.05)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE glovebox_requests_total counter" in text
    assert metric(text, healthz) - metric(before, healthz) >= 3, text
    assert metric(text, missing) - metric(before, missing) >= 1, text
    assert metric(text, created) - metric(before, created) >= 1, text
    for name in ("glovebox_request_duration_seconds", "glovebox_store_duration_seconds"):
        assert histogram_ok(text, name), text
        assert metric(text, name + "_count") > metric(before, name + "_count"), name
    # No personal value and no raw path in a label: routes are the declared ones.
    assert "/nowhere" not in text


def test_request_log_lines_and_no_personal_values(server):
    marker = "zz-log-" + uuid.uuid4().hex[:10]
    email = marker + "@example.org"
    answers = [contact(server, email=email, topic=marker + "-topic", message=marker + "-msg"),
               server.get("/?q=" + marker),
               server.get("/nothing/" + marker),
               server.post("/api/v1/contact", json={"email": marker, "topic": "t", "message": "m"})]
    assert [r.status_code for r in answers] == [201, 200, 404, 400]
    ids = [r.headers["X-Request-Id"].encode() for r in answers]
    # Request lines are written out by the server in batches: wait for ours.
    deadline = time.time() + 10
    while True:
        with open(server.log, "rb") as f:
            log = f.read()
        if all(b"request id=" + i in log for i in ids) or time.time() > deadline:
            break
        time.sleep(0.05)
    lines = {i: re.search(rb"^.* request id=" + i + rb" .*$", log, re.M) for i in ids}
    assert all(lines.values()), f"request lines missing: {[i for i, m in lines.items() if not m]}"
    expect = [rb"method=POST route=/api/v1/contact status=201 us=\d+$",
              rb"method=GET route=/ status=200 us=\d+$",
              rb"method=GET route=- status=404 us=\d+$",
              rb"method=POST route=/api/v1/contact status=400 us=\d+$"]
    for i, pattern in zip(ids, expect):
        assert re.search(pattern, lines[i].group()), lines[i].group()
    assert marker.encode() not in log
    assert marker.encode() not in server.stderr().encode()


def parse_raw(resp):
    """(status, headers with lower-case names, body) of a raw HTTP/1.1 answer."""
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


class Answer:
    """A requests-like view of a raw answer, for the checks below."""

    def __init__(self, resp):
        self.status_code, h, self.content = parse_raw(resp)
        self.headers = requests.structures.CaseInsensitiveDict(h)
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


def every_kind_of_answer(server):
    """One answer of each kind the foundation gives: pages, JSON, static
    files, 304, and every error status, on /api/ paths and off them."""
    j = {"Content-Type": "application/json"}
    etag = server.get("/static/style.css").headers["ETag"]
    many = "".join(f"X-H{i}: v\r\n" for i in range(80))
    big = "".join(f"X-Big{i}: {'x' * 7000}\r\n" for i in range(3))
    return {
        "home": server.get("/"),
        "healthz": server.get("/healthz"),
        "metrics": requests.get(server.metrics_url("/metrics"), timeout=10),
        "static": server.get("/static/style.css"),
        "static 304": server.get("/static/style.css", headers={"If-None-Match": etag}),
        "api 201": contact(server),
        "api 400": contact(server, email="nope"),
        "api 400 bad_json": server.post("/api/v1/contact", data=b"{", headers=j),
        "api 404": server.get("/api/v1/nothing"),
        "api 405": server.get("/api/v1/contact"),
        "api 413": server.post("/api/v1/contact", data=b" " * 70000, headers=j),
        "api 414": server.get("/api/v1/" + "a" * 3000),
        "api 415": server.post("/api/v1/contact", data=b"x", headers={"Content-Type": "text/plain"}),
        "api 431 many": Answer(raw(server, f"GET /api/v1/contact HTTP/1.1\r\nHost: x\r\n{many}"
                                           "Connection: close\r\n\r\n".encode())),
        "api 431 big": Answer(raw(server, f"GET /api/v1/contact HTTP/1.1\r\nHost: x\r\n{big}"
                                          "Connection: close\r\n\r\n".encode())),
        "page 404": server.get("/nothing/here"),
        "page 405": requests.delete(server.url("/contact"), timeout=10),
        "page 414": server.get("/" + "a" * 3000),
        "page 431": Answer(raw(server, f"GET / HTTP/1.1\r\nHost: x\r\n{many}"
                                       "Connection: close\r\n\r\n".encode())),
    }


def test_security_headers_on_every_kind_of_answer(server):
    answers = every_kind_of_answer(server)
    ids = set()
    for name, r in answers.items():
        try:
            assert_security_headers(r)
        except AssertionError as e:
            raise AssertionError(f"{name} ({r.status_code}): {e}") from e
        ids.add(r.headers["X-Request-Id"])
    assert len(ids) == len(answers), "request ids repeat"


def test_api_answers_are_json_and_not_stored(server):
    """Every answer under /api/ is JSON and carries no-store (it may hold
    personal data); every error has the one error shape."""
    expected = {"api 400": 400, "api 400 bad_json": 400, "api 404": 404, "api 405": 405,
                "api 413": 413, "api 414": 414, "api 415": 415, "api 431 many": 431,
                "api 431 big": 431}
    answers = every_kind_of_answer(server)
    for name, r in answers.items():
        if not name.startswith("api"):
            continue
        assert r.headers.get("Cache-Control") == "no-store", name
        assert r.headers.get("Content-Type", "").startswith("application/json"), name
        if name in expected:
            assert r.status_code == expected[name], name
            err = r.json()["error"]
            assert set(err) == {"code", "message", "field"}, name
            assert re.fullmatch(r"[a-z_]+", err["code"]) and err["message"], name
    # Pages: HTML errors, not stored either; static files are cached for good.
    for name in ("home", "page 404", "page 414"):
        assert answers[name].headers["Content-Type"].startswith("text/html"), name
        assert answers[name].headers["Cache-Control"] == "no-store", name
    assert answers["static"].headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_version_and_help():
    out = subprocess.run([BIN, "version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("glovebox ")
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for cmd in ("serve", "migrate", "backup", "profile", "audit", "retention"):
        assert cmd in out.stdout
    assert "GLOVEBOX_LISTEN" in out.stdout
    out = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Usage: glovebox serve" in out.stdout
    out = subprocess.run([BIN, "nonsense"], capture_output=True, text=True)
    assert out.returncode == 2
    out = subprocess.run([BIN, "serve", "--bogus"], capture_output=True, text=True)
    assert out.returncode == 2 and "unknown option" in out.stderr


def test_config_file_and_bad_key(tmp_path):
    ini = tmp_path / "g.ini"
    ini.write_text("[glovebox]\nlisten = 127.0.0.1:1\nnot-a-key = 3\n")
    out = subprocess.run([BIN, "migrate", "--config", str(ini), "--data", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert f"{ini}:3: unknown key 'not-a-key'" in out.stderr


def test_migrate_is_idempotent(server):
    out = server.cli("migrate")
    assert re.search(r"schema version \d+", out.stdout)


def test_backup(server, tmp_path):
    assert contact(server, email="backup@example.org").status_code == 201
    data = server.dump(tmp_path)
    if ENGINE == "sqlite":
        assert data.startswith(b"SQLite format 3\x00")
        path = tmp_path / "copy.db"
        path.write_bytes(data)
        import sqlite3
        con = sqlite3.connect(path)
        n = con.execute("SELECT COUNT(*) FROM contact_messages").fetchone()[0]
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
        assert n >= 1
    else:
        assert b"CREATE TABLE public.contact_messages" in data
        assert b"COPY public.contact_messages" in data
    # An existing file is never overwritten.
    existing = tmp_path / "exists"
    existing.write_bytes(b"keep")
    out = server.cli("backup", str(existing), check=False)
    assert out.returncode != 0 and existing.read_bytes() == b"keep"


def test_master_key_file_created_0600(server):
    st = os.stat(os.path.join(server.data, "master.key"))
    assert st.st_size == 32
    assert st.st_mode & 0o077 == 0


def test_second_start_reuses_database_and_key(fresh_server):
    s = fresh_server.start()
    r = contact(s, email="reuse@example.org")
    assert r.status_code == 201
    with open(os.path.join(s.data, "master.key"), "rb") as f:
        key = f.read()
    s.restart()
    with open(os.path.join(s.data, "master.key"), "rb") as f:
        assert f.read() == key
    assert s.get("/healthz").json()["status"] == "ok"
    rows = s.sql(f"SELECT COUNT(*) FROM contact_messages WHERE id = {r.json()['id']}")
    assert rows == [["1"]]


def test_wrong_master_key_refused(fresh_server):
    s = fresh_server
    s.start()
    s.stop()
    os.chmod(os.path.join(s.data, "master.key"), 0o644)
    out = subprocess.run([BIN, "migrate", *s.args()], capture_output=True, text=True)
    assert out.returncode != 0 and "readable by its owner only" in out.stderr
    os.chmod(os.path.join(s.data, "master.key"), 0o600)
