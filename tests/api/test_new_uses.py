"""A change of basis is a new use (issue 12, rule 1; NAM10, NAM08): a revision
that only moves member news from opt_in to opt_out, or only gives a
recipient one more field, is published with each new use listed, a notice
to every member, and the opt-out window before it applies; until then the
broker decides under the old terms too, so a member who never said yes gets
no member news. Time is moved the way the NAM10 tests move it: the notice's
sending time is set back past the window."""
import re
import time

from conftest import mail_flags, staff_client
from test_contact_desk import message
from test_mail_lists import campaign, join, parse, received, to_of
from test_profiles import bundled_text, write

NEWS_LINE = "Member news by e-mail: your choice moves from opt_in to opt_out."
FIELD_LINE = "Card payment processor now receives E-mail address for Completing your order."


def news_opt_out(version=2):
    text = bundled_text("north-american-motoring").replace("version: 1\n", f"version: {version}\n", 1)
    start = text.index("  - id: member_news")
    at = text.index("    basis: opt_in\n", start)
    return text[:at] + "    basis: opt_out\n" + text[at + len("    basis: opt_in\n"):]


def processor_gets_email(version=2):
    text = bundled_text("north-american-motoring").replace("version: 1\n", f"version: {version}\n", 1)
    old = "    purposes: [product_orders]\n    fields: [name, payment_card]\n"
    assert old in text
    return text.replace(old, "    purposes: [product_orders]\n    fields: [name, payment_card, email]\n", 1)


def notices_to(sink, address, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = [parse(raw) for _, rcpts, raw in list(sink.messages)
               if rcpts == [address] and "A change to how" in parse(raw)["Subject"]]
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"no policy-change notice for {address}")


def window_passes(srv, version):
    """The notices went out 31 days ago: the 30-day window has passed."""
    srv.sql(f"UPDATE use_notices SET notified_at = notified_at - {31 * 86400} "
            f"WHERE version = {version} AND notified_at IS NOT NULL")


def news_to(sink, subject):
    return sorted(to_of(m[2]) for m in received(sink, subject))


def test_nam10_nam08_news_opt_in_to_opt_out_waits_for_notice_and_window(make_server, smtp_sink,
                                                                        tmp_path):
    srv = make_server(extra=mail_flags(smtp_sink))
    never = join(srv, smtp_sink)                       # never said yes
    leaver = join(srv, smtp_sink)                      # never said yes, says no in the window
    yes = join(srv, smtp_sink, opt_in="member_news")   # said yes under version 1
    v2 = write(tmp_path, "v2.yaml", news_opt_out())
    out = srv.cli("profile", "publish", v2)
    assert "published north-american-motoring version 2" in out.stdout
    assert f"  new use: {NEWS_LINE}" in out.stdout.splitlines()
    assert srv.sql("SELECT purpose, changes FROM new_uses WHERE version = 2") == \
        [["member_news", NEWS_LINE]]
    # The server runs the new version from now on.
    srv.profile = v2
    srv.restart()

    # At once: only the member who said yes gets member news.
    assert campaign(srv, "member_news", "News at once") == 1
    assert news_to(smtp_sink, "News at once") == [yes.person["email"]]

    # Each member is told, with what changes and when it starts.
    for m in (never, leaver, yes):
        notice = notices_to(smtp_sink, m.person["email"])
        text = notice[0].get_body(("plain",)).get_content()
        assert "Member news by e-mail" in text and NEWS_LINE in text
        assert "30 days from this message" in text and "/privacy/v/2" in text
    # Still inside the window, nothing more goes out.
    assert campaign(srv, "member_news", "News in the window") == 1

    # One of them says no in the window.
    r = leaver.put(srv.url("/api/v1/me/consents/member_news"), json={"on": False}, timeout=10)
    assert r.status_code == 200, r.text

    # After the window: everyone who did not say no.
    window_passes(srv, 2)
    assert campaign(srv, "member_news", "News after the window") == 2
    assert news_to(smtp_sink, "News after the window") == \
        sorted([never.person["email"], yes.person["email"]])


def test_nam10_me_shows_a_waiting_change_until_it_applies(make_server, smtp_sink, tmp_path):
    """/me and the choices API draw the new use as waiting, with the day it
    applies once the notice has gone out, and no longer once it applies:
    before, /me said "on" for member news the broker still refused."""
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    v2 = write(tmp_path, "v2.yaml", news_opt_out())
    srv.cli("profile", "publish", v2)
    srv.profile = v2
    srv.restart()
    notices_to(smtp_sink, m.person["email"])
    notified = int(srv.sql(f"SELECT notified_at FROM use_notices WHERE subject_id = {m.member_id}"
                           " AND version = 2")[0][0])
    day = time.strftime("%Y-%m-%d", time.gmtime(notified + 30 * 86400))
    news = [c for c in m.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
            if c["purpose"] == "member_news"][0]
    assert news["change_version"] == 2 and news["change_starts"] == day
    page = m.get(srv.url("/me"), timeout=10).text
    waits = re.search(r'<span class="change-waits" id="waits-member_news">(.*?)</span>', page, re.S)
    assert waits and f"from {day}" in waits.group(1) and "/privacy/v/2" in waits.group(1)
    # Once the window has passed, the choice is simply on.
    window_passes(srv, 2)
    news = [c for c in m.get(srv.url("/api/v1/me/consents"), timeout=10).json()["consents"]
            if c["purpose"] == "member_news"][0]
    assert news["on"] is True and "change_version" not in news
    assert 'id="waits-member_news"' not in m.get(srv.url("/me"), timeout=10).text


def test_nam10_recipient_gaining_a_field_is_a_new_use(make_server, smtp_sink, tmp_path):
    """Nothing in glovebox hands data to the payment processor yet, so the
    broker's refusal of the new field until the window has passed is shown
    in tests/unit/test_policy_uses.c (the recipient's hand-over decided
    under the old terms); here: publishing lists it, records it, and every
    member is told."""
    srv = make_server(extra=mail_flags(smtp_sink))
    m = join(srv, smtp_sink)
    v2 = write(tmp_path, "v2.yaml", processor_gets_email())
    out = srv.cli("profile", "publish", v2)
    new_uses = [l for l in out.stdout.splitlines() if l.startswith("  new use: ")]
    assert new_uses == [f"  new use: {FIELD_LINE}"]
    assert srv.sql("SELECT purpose, changes FROM new_uses WHERE version = 2") == \
        [["product_orders", FIELD_LINE]]
    rows = srv.sql(f"SELECT purpose FROM use_notices WHERE subject_id = {m.member_id}")
    assert rows == [["product_orders"]]
    text = notices_to(smtp_sink, m.person["email"])[0].get_body(("plain",)).get_content()
    assert FIELD_LINE in text
    # What changed is on the version's page too.
    page = srv.get("/privacy/v/2").text
    assert re.search(r"Card payment processor now receives: name, payment_card, email\.", page)


def test_nam10_publish_lists_each_new_use_and_nothing_for_wording(make_server, tmp_path):
    srv = make_server()
    both = news_opt_out(2)
    old = "    purposes: [product_orders]\n    fields: [name, payment_card]\n"
    both = both.replace(old, "    purposes: [product_orders]\n    fields: [name, payment_card, email]\n", 1)
    out = srv.cli("profile", "publish", write(tmp_path, "v2.yaml", both))
    listed = [l[len("  new use: "):] for l in out.stdout.splitlines() if l.startswith("  new use: ")]
    assert listed == [NEWS_LINE, FIELD_LINE]
    # A revision that only rewords lists none, and records none.
    v3 = news_opt_out(3).replace(old, "    purposes: [product_orders]\n    fields: [name, payment_card, email]\n", 1)
    v3 = v3.replace("Protecting sign-in and the site against misuse.",
                    "Protecting sign-in and the whole site against misuse.")
    out = srv.cli("profile", "publish", write(tmp_path, "v3.yaml", v3))
    assert "published north-american-motoring version 3" in out.stdout
    assert "new use" not in out.stdout
    assert srv.sql("SELECT COUNT(*) FROM new_uses WHERE version = 3") == [["0"]]


def test_nam10_longer_retention_waits_for_data_given_before(make_server, tmp_path):
    """A revision that keeps answered messages 60 days instead of 30 is a
    new use too: a message written before it is still erased 30 days after
    its answer (its writer, who is not a member, is never sent a notice, so
    never leaves the old terms); one written under the revision gets 60."""
    srv = make_server()
    before = message(srv)
    text = bundled_text("north-american-motoring").replace("version: 1\n", "version: 2\n", 1)
    old = "      contact_return_address: 30d after_done\n      message: 30d after_done\n"
    assert old in text
    v2 = write(tmp_path, "v2.yaml", text.replace(old, old.replace("30d", "60d")))
    out = srv.cli("profile", "publish", v2)
    listed = [l for l in out.stdout.splitlines() if l.startswith("  new use: ")]
    assert listed == [
        "  new use: Answering your message: Return e-mail address may be kept longer than before.",
        "  new use: Answering your message: Message may be kept longer than before."]
    srv.profile = v2
    srv.restart()
    after = message(srv)
    support = staff_client(srv, "support")
    for m in (before, after):
        r = support.post(srv.url(f"/api/v1/staff/messages/{m['id']}/answer"), timeout=10,
                         json={"answer": "Answered."})
        assert r.status_code == 200, r.text
    now = int(time.time())

    def held():
        return {int(r[0]) for r in srv.sql("SELECT id FROM contact_messages")}

    srv.cli("retention", "run", str(now + 29 * 86400))
    assert held() == {before["id"], after["id"]}
    srv.cli("retention", "run", str(now + 31 * 86400))
    assert held() == {after["id"]}
    srv.cli("retention", "run", str(now + 59 * 86400))
    assert held() == {after["id"]}
    srv.cli("retention", "run", str(now + 61 * 86400))
    assert held() == set()
