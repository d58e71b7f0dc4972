"""Mail under faults, on either engine: two glovebox processes delivering
one campaign send each message once; a process killed with SIGKILL in the
middle of a campaign, and another started, deliver every message, repeating
at most the one each worker had in flight (mail-workers is 2), with its
Message-ID unchanged."""
import email
import email.policy
import os
import time

import pytest
import requests

from conftest import SMTPSink, mail_flags, sharing
from test_members import person, signup


def members_for_news(srv, n):
    for _ in range(n):
        r = signup(srv, dict(person(), opt_in="member_news"))
        assert r.status_code == 202, r.text
    srv.sql("UPDATE members SET email_confirmed_at = 1")     # confirmed (tested elsewhere)


def queue_campaign(srv, subject):
    path = os.path.join(srv.data, "news.txt")
    with open(path, "w") as f:
        f.write("Club news.\n")
    out = srv.cli("mail", "campaign", "--purpose", "member_news", "--subject", subject, path)
    return int(out.stdout.split()[2])


def campaign_mail(sink, subject):
    out = []
    for _, rcpts, raw in list(sink.messages):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if msg["Subject"] == subject:             # not the sign-up confirmations
            out.append((msg["Message-ID"], tuple(rcpts)))
    return out


def message_ids(sink, subject):
    return [mid for mid, _ in campaign_mail(sink, subject)]


def wait_distinct(sink, subject, n, timeout):
    deadline = time.time() + timeout
    while len(set(message_ids(sink, subject))) < n and time.time() < deadline:
        time.sleep(0.1)


@pytest.fixture
def stopped():
    made = []
    yield made
    for s in made:
        s.close()


def queue_settles(srv, timeout=30):
    """Waits for the outbox to empty: the sink records a message before its
    sender has read the answer and settled it, so the last rows leave the
    queue a moment after the sink has them all."""
    deadline = time.time() + timeout
    while srv.sql("SELECT COUNT(*) FROM outbox") != [["0"]] and time.time() < deadline:
        time.sleep(0.1)


def test_two_processes_one_campaign_no_duplicates(make_server, tmp_path_factory, stopped):
    srv = make_server()                       # no relay: the campaign waits in the outbox
    members_for_news(srv, 30)
    assert queue_campaign(srv, "Two processes") == 30
    sink = SMTPSink(delay=0.02).start()
    try:
        for i in range(2):
            p = sharing(srv, tmp_path_factory.mktemp(f"p{i}"), mail_flags(sink))
            stopped.append(p)
            p.start()
        wait_distinct(sink, "Two processes", 30, timeout=90)
        time.sleep(1.5)
        ids = message_ids(sink, "Two processes")
        assert len(set(ids)) == 30 and len(ids) == 30, (len(set(ids)), len(ids))
        assert len({r for _, r in campaign_mail(sink, "Two processes")}) == 30
        queue_settles(srv)
    finally:
        sink.stop()
    assert srv.sql("SELECT COUNT(*) FROM outbox") == [["0"]]


def test_kill9_mid_campaign_every_message_once_but_the_one_in_flight(make_server,
                                                                     tmp_path_factory, stopped):
    srv = make_server()
    members_for_news(srv, 40)
    assert queue_campaign(srv, "Killed") == 40
    sink = SMTPSink(delay=0.08).start()
    flags = mail_flags(sink) + ["--mail-claim-timeout", "3"]
    try:
        first = sharing(srv, tmp_path_factory.mktemp("first"), flags)
        stopped.append(first)
        first.start()
        deadline = time.time() + 60
        while len(message_ids(sink, "Killed")) < 5 and time.time() < deadline:
            time.sleep(0.02)
        first.kill9()
        before = len(message_ids(sink, "Killed"))
        assert 0 < before < 40
        second = sharing(srv, tmp_path_factory.mktemp("second"), flags)
        stopped.append(second)
        second.start()
        wait_distinct(sink, "Killed", 40, timeout=120)
        time.sleep(1.5)
        ids = message_ids(sink, "Killed")
        assert len(set(ids)) == 40
        repeats = len(ids) - len(set(ids))
        # At most the message each of the killed process's workers had in flight.
        assert repeats <= 2, f"{repeats} messages went twice (two workers were killed)"
        queue_settles(srv)
    finally:
        sink.stop()
    assert srv.sql("SELECT COUNT(*) FROM outbox") == [["0"]]
