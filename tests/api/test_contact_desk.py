"""The support desk: staff whose role has the contact purpose list, open and
answer messages; every opening is in the access log; the return address
serves the answer only and is erased with the message once the profile's
time after the answer has passed (NAM07, NAM15, INS03)."""
import time
import uuid

import requests

from conftest import contains_any, staff_client
from test_members import join


def message(server):
    tag = uuid.uuid4().hex[:10]
    m = {"email": f"writer-{tag}@example.org", "topic": f"Topic {tag}",
         "message": f"My question {tag}, about the club run."}
    r = server.post("/api/v1/contact", json=m)
    assert r.status_code == 201, r.text
    m["id"] = r.json()["id"]
    return m


def access_count(server):
    return int(server.sql("SELECT COUNT(*) FROM access_log")[0][0])


def test_nam07_support_opens_and_answers_a_message(server):
    m = message(server)
    support = staff_client(server, "support")
    listed = support.get(server.url("/api/v1/staff/messages"), timeout=10)
    assert listed.status_code == 200
    assert m["id"] in [x["id"] for x in listed.json()["messages"]]
    assert not contains_any([listed.content], [m["email"], m["topic"], m["message"]])
    before = access_count(server)
    r = support.get(server.url(f"/api/v1/staff/messages/{m['id']}"), timeout=10)
    assert r.status_code == 200
    got = r.json()
    assert (got["email"], got["topic"], got["message"]) == (m["email"], m["topic"], m["message"])
    assert got["answered_at"] is None and got["answer"] is None
    assert access_count(server) == before + 1
    row = server.sql(f"SELECT role, purpose, action FROM access_log ORDER BY seq DESC LIMIT 1")[0]
    assert row == ["support", "answering_messages", "read"]
    r = support.post(server.url(f"/api/v1/staff/messages/{m['id']}/answer"), timeout=10,
                     json={"answer": "Thank you, the run starts at nine."})
    assert r.status_code == 200, r.text
    r = support.post(server.url(f"/api/v1/staff/messages/{m['id']}/answer"), timeout=10,
                     json={"answer": "Twice"})
    assert r.status_code == 409
    got = support.get(server.url(f"/api/v1/staff/messages/{m['id']}"), timeout=10).json()
    assert got["answer"] == "Thank you, the run starts at nine." and got["answered_at"]
    open_ids = [x["id"] for x in support.get(server.url("/api/v1/staff/messages"),
                                             timeout=10).json()["messages"]]
    assert m["id"] not in open_ids
    assert server.cli("audit", "verify").stdout.startswith("access log intact")


def test_nam07_other_roles_and_anonymous_cannot_open_messages(server):
    m = message(server)
    for role in ("editor", "verifier", "admin"):
        s = staff_client(server, role)
        r = s.get(server.url(f"/api/v1/staff/messages/{m['id']}"), timeout=10)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_lacks_purpose"
        assert s.get(server.url("/api/v1/staff/messages"), timeout=10).status_code == 403
    assert server.get(f"/api/v1/staff/messages/{m['id']}").status_code == 401
    support = staff_client(server, "support")
    assert support.get(server.url("/api/v1/staff/messages/1"), timeout=10).status_code == 404
    r = support.post(server.url(f"/api/v1/staff/messages/{m['id']}/answer"), timeout=10,
                     json={"answer": "x", "cc": "someone@example.org"})
    assert r.status_code == 400


def test_nam15_answered_message_and_address_erased_after_retention(server, tmp_path):
    m = message(server)
    support = staff_client(server, "support")
    support.post(server.url(f"/api/v1/staff/messages/{m['id']}/answer"), timeout=10,
                 json={"answer": "Answered."})
    subject = server.sql(f"SELECT subject_id FROM contact_messages WHERE id = {m['id']}")[0][0]
    now = int(time.time())
    server.cli("retention", "run", str(now + 29 * 86400))
    assert support.get(server.url(f"/api/v1/staff/messages/{m['id']}"), timeout=10).status_code == 200
    server.cli("retention", "run", str(now + 31 * 86400))
    assert support.get(server.url(f"/api/v1/staff/messages/{m['id']}"), timeout=10).status_code == 404
    assert server.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {subject}")[0][0] == "0"
    blobs = list(server.raw_files().values()) + [server.dump(tmp_path)]
    assert not contains_any(blobs, [m["email"], m["topic"], m["message"], "Answered."])


def test_unanswered_messages_purged_after_their_declared_retention(make_server, tmp_path):
    """Issue 12, rule 5: a message nobody answers is kept retention_not_done
    after it was written (90 days in north-american-motoring), then its
    sender is erased; an answered one follows its own rule (30 days after
    the answer), however old it is. The privacy page says both."""
    srv = make_server()
    old, young, answered = message(srv), message(srv), message(srv)
    support = staff_client(srv, "support")
    r = support.post(srv.url(f"/api/v1/staff/messages/{answered['id']}/answer"), timeout=10,
                     json={"answer": "Answered at last."})
    assert r.status_code == 200
    now = int(time.time())
    # Written 62 and 100 days before the others.
    srv.sql(f"UPDATE contact_messages SET created_at = {now - 62 * 86400} WHERE id = {old['id']}")
    srv.sql(f"UPDATE contact_messages SET created_at = {now - 100 * 86400} "
            f"WHERE id = {answered['id']}")
    subject = {m["id"]: srv.sql(f"SELECT subject_id FROM contact_messages WHERE id = {m['id']}")[0][0]
               for m in (old, young, answered)}

    def held():
        return {int(r[0]) for r in srv.sql("SELECT id FROM contact_messages")}

    # 29 days on: the old one is 91 days unanswered and goes; the young one
    # (29 days) stays; the answered one, 129 days old but answered 29 days
    # ago, stays by its own rule.
    out = srv.cli("retention", "run", str(now + 29 * 86400))
    assert "1 record(s) purged" in out.stdout
    assert held() == {young["id"], answered["id"]}
    assert srv.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {subject[old['id']]}") == [["0"]]
    assert srv.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {subject[old['id']]}") \
        == [["0"]]
    # 31 days on: the answer's 30 days have passed.
    srv.cli("retention", "run", str(now + 31 * 86400))
    assert held() == {young["id"]}
    # 91 days on: the young one has waited 90 days unanswered too.
    srv.cli("retention", "run", str(now + 89 * 86400))
    assert held() == {young["id"]}
    srv.cli("retention", "run", str(now + 91 * 86400))
    assert held() == set()
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [m[k] for m in (old, young) for k in ("email", "topic", "message")])
    # Declared where people read it.
    page = srv.get("/privacy").text
    assert "30 days after the request is completed; if it never is, 90 days after collection" in page
    cats = next(p for p in srv.get("/privacy.json").json()["purposes"]
                if p["id"] == "answering_messages")["categories"]
    assert {c["retention"] for c in cats} == {
        "30 days after the request is completed; if it never is, 90 days after collection"}


def test_ins03_insiders_support_answers(make_server):
    srv = make_server(profile="mini-insiders")
    m = message(srv)
    support = staff_client(srv, "support")
    r = support.post(srv.url(f"/api/v1/staff/messages/{m['id']}/answer"), timeout=10,
                     json={"answer": "Thanks, Insider."})
    assert r.status_code == 200
    marketing = staff_client(srv, "marketing")
    assert marketing.get(srv.url(f"/api/v1/staff/messages/{m['id']}"), timeout=10).status_code == 403


def test_support_desk_pages(server):
    m = message(server)
    support = staff_client(server, "support")
    page = support.get(server.url("/staff/messages"), timeout=10)
    assert page.status_code == 200 and f"/staff/messages/{m['id']}" in page.text
    page = support.get(server.url(f"/staff/messages/{m['id']}"), timeout=10)
    assert page.status_code == 200 and m["message"] in page.text
    r = support.post(server.url(f"/staff/messages/{m['id']}/answer"), allow_redirects=False,
                     data={"answer": "By the form.", "csrf_token": support.csrf}, timeout=10)
    assert r.status_code == 303
    page = support.get(server.url(f"/staff/messages/{m['id']}"), timeout=10)
    assert "By the form." in page.text and "<textarea" not in page.text
    r = support.post(server.url(f"/staff/messages/{m['id']}/answer"), allow_redirects=False,
                     data={"answer": "Again", "csrf_token": support.csrf}, timeout=10)
    assert r.status_code == 409 and "has been answered" in r.text
    editor = staff_client(server, "editor")
    assert editor.get(server.url("/staff/messages"), timeout=10).status_code == 403
    assert requests.get(server.url("/staff/messages"), allow_redirects=False,
                        timeout=10).status_code == 303


def test_all02_contact_message_of_a_member_goes_with_the_account(server):
    """A message written while signed in belongs to the member: it is in
    their export and goes, sender subject and all, when they close the
    account; one the same browser wrote signed out stays (issue 10)."""
    tag = uuid.uuid4().hex[:10]
    password = "blue cooper rides at dawn"
    person = {"name": f"Writer {tag}", "email": f"member-writer-{tag}@example.org",
              "password": password, "date_of_birth": "1980-05-17"}
    browser = requests.Session()
    r = join(server, person, browser)
    assert r.status_code == 200, r.text
    member, csrf = r.json()["id"], r.json()["csrf_token"]
    mine = {"email": person["email"], "topic": f"Signed in {tag}",
            "message": f"Written while signed in {tag}."}
    r = browser.post(server.url("/api/v1/contact"), json=mine, timeout=10)
    assert r.status_code == 201, r.text
    mine["id"] = r.json()["id"]
    sender = server.sql(f"SELECT subject_id FROM contact_messages WHERE id = {mine['id']}")[0][0]
    assert server.sql(f"SELECT owner_id FROM subjects WHERE id = {sender}") == [[str(member)]]
    export = browser.get(server.url("/api/v1/me/export"), timeout=10).json()
    values = [i["value"] for i in export["items"] if i["record"] == "contact_messages"]
    assert mine["message"] in values and mine["email"] in values
    # Signed out, the same browser writes again: that message is nobody's.
    r = browser.post(server.url("/api/v1/signout"), headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200
    theirs = {"email": person["email"], "topic": f"Signed out {tag}",
              "message": f"Written while signed out {tag}."}
    r = browser.post(server.url("/api/v1/contact"), json=theirs, timeout=10)
    assert r.status_code == 201, r.text
    theirs["id"] = r.json()["id"]
    kept = server.sql(f"SELECT subject_id FROM contact_messages WHERE id = {theirs['id']}")[0][0]
    assert server.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {kept} AND owner_id IS NULL") \
        == [["1"]]
    # Closing the account takes the first message and its sender with it.
    r = browser.post(server.url("/api/v1/signin"), timeout=30,
                     json={"email": person["email"], "password": password})
    assert r.status_code == 200, r.text
    r = browser.delete(server.url("/api/v1/me"), headers={"X-CSRF-Token": r.json()["csrf_token"]},
                       timeout=10)
    assert r.status_code == 200, r.text
    assert server.sql(f"SELECT COUNT(*) FROM contact_messages WHERE id = {mine['id']}") == [["0"]]
    assert server.sql(f"SELECT COUNT(*) FROM subjects WHERE id = {sender}") == [["0"]]
    assert server.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {sender}") == [["0"]]
    assert server.sql(f"SELECT COUNT(*) FROM outbox WHERE subject_id = {sender}") == [["0"]]
    support = staff_client(server, "support")
    r = support.get(server.url(f"/api/v1/staff/messages/{mine['id']}"), timeout=10)
    assert r.status_code == 404
    listed = support.get(server.url("/api/v1/staff/messages?state=all"), timeout=10).json()
    assert mine["id"] not in [x["id"] for x in listed["messages"]]
    # The message written signed out stays, and still opens.
    assert server.sql(f"SELECT COUNT(*) FROM subject_keys WHERE subject_id = {kept}") == [["1"]]
    r = support.get(server.url(f"/api/v1/staff/messages/{theirs['id']}"), timeout=10)
    assert r.status_code == 200
    assert (r.json()["email"], r.json()["message"]) == (theirs["email"], theirs["message"])
