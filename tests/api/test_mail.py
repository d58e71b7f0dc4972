"""Mail (first part of the mail issue): the outbox delivered over SMTP to a
real listener (aiosmtpd). A contact answer goes to the return address and
nowhere else (NAM07); no field a visitor typed can add a header; messages
wait while the relay is down and leave once it is back; nothing personal
stays in the database once a message has left."""
import email
import email.policy
import time
import uuid

from conftest import SMTPSink, contains_any, mail_flags, staff_client


def contact(srv, topic="Club run", message="When does it start?"):
    tag = uuid.uuid4().hex[:8]
    m = {"email": f"writer-{tag}@example.org", "topic": f"{topic} {tag}", "message": message}
    r = srv.post("/api/v1/contact", json=m)
    assert r.status_code == 201, r.text
    m["id"] = r.json()["id"]
    return m


def answer(srv, m, text):
    support = staff_client(srv, "support")
    r = support.post(srv.url(f"/api/v1/staff/messages/{m['id']}/answer"), json={"answer": text},
                     timeout=10)
    assert r.status_code == 200, r.text


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_nam07_answer_reaches_the_return_address_only(make_server, smtp_sink, tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = contact(srv)
    answer(srv, m, "It starts at nine.\nSee you there.")
    got = smtp_sink.wait(1)
    assert len(got) == 1
    mail_from, rcpts, raw = got[0]
    assert rcpts == [m["email"]] and mail_from == "club@example.org"
    msg = parse(raw)
    assert msg["To"].addresses[0].addr_spec == m["email"]
    assert msg["Subject"] == "Re: " + m["topic"]
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@example.org>")
    assert "It starts at nine." in msg.get_body(("plain",)).get_content()
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998
    # Delivered messages leave the outbox; nothing of them stays in the files.
    deadline = time.time() + 10
    while srv.sql("SELECT COUNT(*) FROM outbox")[0][0] != "0" and time.time() < deadline:
        time.sleep(0.05)
    assert srv.sql("SELECT COUNT(*) FROM outbox") == [["0"]]
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [m["email"], "It starts at nine."])


def test_header_injection_in_typed_fields_goes_nowhere(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    # The form refuses a topic with a line break outright...
    r = srv.post("/api/v1/contact", json={"email": "a@example.org",
                                          "topic": "Hi\r\nBcc: victim@example.org",
                                          "message": "x"})
    assert r.status_code == 400
    r = srv.post("/api/v1/contact", json={"email": "a@example.org\r\nBcc: victim@example.org",
                                          "topic": "Hi", "message": "x"})
    assert r.status_code == 400
    # ...and an answer with header-looking text stays in the body.
    m = contact(srv, topic="Question", message="x")
    answer(srv, m, "Line one\r\nBcc: victim@example.org\r\n\r\nmore")
    got = smtp_sink.wait(1)
    assert len(got) == 1
    assert got[0][1] == [m["email"]]
    msg = parse(got[0][2])
    assert msg["Bcc"] is None
    assert "Bcc: victim@example.org" in msg.get_body(("plain",)).get_content()


def test_utf8_subject_is_encoded(make_server, smtp_sink):
    srv = make_server(extra=mail_flags(smtp_sink))
    m = contact(srv, topic="Frühlingsausfahrt über die Alpen")
    answer(srv, m, "Grüße!")
    raw = smtp_sink.wait(1)[0][2]
    assert b"=?UTF-8?B?" in raw.split(b"\r\n\r\n", 1)[0]
    msg = parse(raw)
    assert msg["Subject"] == "Re: " + m["topic"]
    assert msg.get_body(("plain",)).get_content().startswith("Grüße!")



def test_relay_down_then_back(make_server):
    sink = SMTPSink()                 # not started: the relay is down
    try:
        srv = make_server(extra=mail_flags(sink))
        m = contact(srv)
        answer(srv, m, "Answered while the relay was down.")
        deadline = time.time() + 10
        while time.time() < deadline:
            rows = srv.sql("SELECT attempts, status FROM outbox")
            if rows and int(rows[0][0]) >= 1:
                break
            time.sleep(0.1)
        assert rows and int(rows[0][0]) >= 1 and rows[0][1] in ("queued", "sending")
        sink.start()
        got = sink.wait(1, timeout=60)
        assert len(got) == 1 and got[0][1] == [m["email"]]
        time.sleep(1)
        assert len(sink.messages) == 1        # once, not once per attempt
    finally:
        sink.stop()


def test_no_relay_configured_messages_wait(make_server):
    srv = make_server()
    m = contact(srv)
    answer(srv, m, "Waits.")
    assert srv.sql("SELECT status FROM outbox") == [["queued"]]


def test_dkim_ed25519_signature_verifies(make_server, smtp_sink, tmp_path):
    """RFC 8463 signatures checked by an independent implementation
    (Debian's python3-dkim with PyNaCl), the public key given as DNS would."""
    import dkim
    import subprocess
    from conftest import BIN
    key = str(tmp_path / "dkim.pem")
    out = subprocess.run([BIN, "dkim", "keygen", key, "--dkim-domain", "example.org",
                          "--dkim-selector", "club"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    record = out.stdout.split('IN TXT "')[1].split('"')[0]
    assert record.startswith("v=DKIM1; k=ed25519; p=")
    srv = make_server(extra=mail_flags(smtp_sink) + ["--dkim-key", key, "--dkim-selector", "club"])
    m = contact(srv, topic="Signed Grüße")
    answer(srv, m, "A signed answer.\n\nWith  two  spaces and a trailing one \n")
    raw = smtp_sink.wait(1)[0][2]
    assert raw.startswith(b"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=club;")

    def dns(name, timeout=5):
        assert name == b"club._domainkey.example.org."
        return record.encode()

    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"A signed answer.", b"A forged answer.")
    assert not dkim.verify(tampered, dnsfunc=dns)
    # A key file that is not one is refused at start.
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key\n")
    out = subprocess.run([BIN, "migrate", "--data", str(tmp_path / "d2"), "--dkim-key", str(bad)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "dkim-key" in out.stderr
