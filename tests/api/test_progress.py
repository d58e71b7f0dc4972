"""Progress lines (issue 17): `glovebox mail campaign`, `backup`,
`retention run`, `keys restore` and migrations draw a progress line on
standard error when it is a terminal (a pseudo-terminal here, Python's pty
module): rewritten in place with \\r, at most four times a second, erased
before the summary; nothing of it when standard error is not a terminal;
and the summary line on standard output always."""
import os
import pty
import re
import select
import subprocess
import time
import uuid

import requests

from conftest import BIN, child_env
from test_members import join, person
from test_records import restore

DRAWS_PER_SECOND = 4          # src/engine/progress.h, PROGRESS_INTERVAL_MS
DEADLINE = 120                # seconds a command may take here


def run(server, argv, tty):
    """Runs glovebox ARGV against server's store with standard error on a
    pseudo-terminal (tty) or a pipe; (exit code, stdout, stderr, seconds)."""
    cmd = [BIN, *argv, *server.args()]
    start = time.monotonic()
    if not tty:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=DEADLINE,
                             env=child_env(), stdin=subprocess.DEVNULL)
        return out.returncode, out.stdout, out.stderr, time.monotonic() - start
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                         env=child_env())
    os.close(slave)
    chunks = []
    deadline = start + DEADLINE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if p.poll() is not None:
                    break
                continue
            try:
                b = os.read(master, 65536)
            except OSError:          # EIO: every writer closed it
                break
            if not b:
                break
            chunks.append(b)
        stdout = p.stdout.read().decode()
        p.wait(timeout=DEADLINE)
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
    return p.returncode, stdout, b"".join(chunks).decode(errors="replace"), \
        time.monotonic() - start


def check(server, argv, what, summary, other=None):
    """Both ways: the line on a terminal, none without (on other, when the
    first run leaves nothing to do); the summary always."""
    rc, out, err, seconds = run(server, argv, tty=True)
    assert rc == 0, err
    assert re.search(summary, out), out
    draws = re.findall(r"\r" + re.escape(what) + r": [^\r]*", err)
    assert draws, f"no progress line for {what}: {err!r}"
    # Rewritten in place, and erased before the summary.
    assert "\n" not in "".join(draws) and err.endswith("\r\x1b[K"), repr(err)
    # At most a few times a second: the first and last draw of each step
    # and one per interval between.
    steps = max(1, err.count("\r\x1b[K"))
    assert len(draws) <= 2 * steps + DRAWS_PER_SECOND * seconds + 1, (len(draws), seconds)
    rc, out2, err2, _ = run(other or server, argv, tty=False)
    assert rc == 0, err2
    assert re.search(summary, out2), out2
    assert "\r" not in err2 and f"{what}:" not in err2, repr(err2)
    return draws


def member_with_news(server):
    s = requests.Session()
    r = join(server, person(), s)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    assert s.put(server.url("/api/v1/me/consents/member_news"), json={"on": True},
                 timeout=30).status_code == 200


def test_migrations_draw_a_progress_line(make_server):
    server, other = make_server(start=False), make_server(start=False)
    draws = check(server, ["migrate"], "migrate", r"^schema version \d+", other=other)
    # The first run applied every migration, counted to the end.
    last = re.search(r"migrate: (\d+)/(\d+) migrations", draws[-1])
    assert last and last.group(1) == last.group(2) and int(last.group(2)) > 10


def test_backup_draws_a_progress_line(make_server, tmp_path):
    server = make_server()
    member_with_news(server)
    target = tmp_path / "backup"
    target.mkdir()
    rc, out, err, _ = run(server, ["backup", str(target / "tty.db")], tty=True)
    assert rc == 0 and "backup written to" in out, err
    assert re.search(r"\rbackup: \d+(/\d+)? (pages|KiB written)", err), repr(err)
    assert err.endswith("\r\x1b[K")
    rc, out, err, _ = run(server, ["backup", str(target / "pipe.db")], tty=False)
    assert rc == 0 and "backup written to" in out and "\r" not in err and "backup:" not in err
    # The copy made in steps is whole: it restores and opens.
    _, url = restore(server, str(target / "tty.db"), tmp_path)
    rc, out, err, _ = run(server, ["keys", "restore", url], tty=False)
    assert rc == 0 and "data key(s) restored" in out, err


def test_retention_run_draws_a_progress_line(make_server):
    server = make_server()
    draws = check(server, ["retention", "run"], "retention",
                  r"^retention: \d+ record\(s\) purged$")
    last = re.search(r"retention: (\d+)/(\d+) tables", draws[-1])
    assert last and last.group(1) == last.group(2)


def test_keys_restore_draws_a_progress_line(make_server, tmp_path):
    server = make_server()
    member_with_news(server)
    backup = str(tmp_path / f"b-{uuid.uuid4().hex[:6]}.db")
    server.cli("backup", backup)
    _, url = restore(server, backup, tmp_path)
    draws = check(server, ["keys", "restore", url], "keys restore",
                  r"data key\(s\) restored")
    assert any("keys copied" in d for d in draws)
    assert any("erased subjects removed" in d for d in draws)


def test_mail_campaign_draws_a_progress_line(make_server, tmp_path):
    server = make_server()
    for _ in range(2):
        member_with_news(server)
    text = tmp_path / "news.txt"
    text.write_text("News of the club.\n")
    draws = check(server, ["mail", "campaign", "--purpose", "member_news", "--subject",
                           "Progress", str(text)], "campaign", r"\d+ message\(s\) queued")
    last = re.search(r"campaign: (\d+)/(\d+) members", draws[-1])
    assert last and last.group(1) == last.group(2) and int(last.group(2)) >= 2


def test_the_campaign_page_shows_how_far_delivery_has_got(make_server, smtp_sink):
    """Queued, sent and failed counts per campaign, on the staff campaign
    page and in its API: two members' news is delivered, the third's
    address is refused by the relay for good."""
    from conftest import mail_flags, staff_client
    from test_mail_lists import campaign, join as join_confirmed
    server = make_server(extra=mail_flags(smtp_sink))
    members = [join_confirmed(server, smtp_sink, opt_in="member_news") for _ in range(3)]
    smtp_sink.refuse.add(members[2].person["email"])
    queued = campaign(server, "member_news", "How far it got")
    assert queued == 3
    editor = staff_client(server, "editor")
    deadline = time.time() + 60
    while time.time() < deadline:
        listed = editor.get(server.url("/api/v1/staff/campaigns"), timeout=30).json()
        mine = [c for c in listed["campaigns"] if c["subject"] == "How far it got"]
        assert len(mine) == 1
        delivery = mine[0]["delivery"]
        if delivery["queued"] == 0 and delivery["sent"] + delivery["failed"] == 3:
            break
        time.sleep(0.2)
    assert delivery == {"queued": 0, "sent": 2, "failed": 1, "dropped": 0}, delivery
    page = editor.get(server.url("/staff/campaigns"), timeout=30).text
    row = re.search(rf'<li id="campaign-{mine[0]["id"]}">(.*?)</li>', page).group(1)
    assert '<span class="queued">0</span> queued' in row
    assert '<span class="sent">2</span> sent' in row and '<span class="failed">1</span>' in row
