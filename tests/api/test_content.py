"""Members' content (issue 16, docs/content.md): the community garage
(NAM06: never a VIN), stories and questions with the INS13 acceptance,
Markdown rendered inert, moderation with the reason mailed to the author,
reports under a limit, and what closing the account does to them."""
import email
import email.policy
import html.parser
import re
import time

import pytest
import requests

from conftest import contains_any, mail_flags, staff_client
from test_garage import mini_vin
from test_members import join, person

MINI = "mini-insiders"


def member(srv):
    p = person()
    s = requests.Session()
    r = join(srv, p, s)
    assert r.status_code == 200, r.text
    s.csrf = r.json()["csrf_token"]
    s.headers["X-CSRF-Token"] = s.csrf
    s.member_id = r.json()["id"]
    s.person = p
    return s


@pytest.fixture(scope="module")
def mini(make_module_server):
    return make_module_server(profile=MINI)


def write(srv, s, title="A drive", body="We drove to the coast.", **more):
    return s.post(srv.url("/api/v1/stories"), timeout=10,
                  json=dict({"title": title, "submitted_content": body}, **more))


def publish(srv, s, title="A drive", body="We drove to the coast.", **more):
    r = write(srv, s, title, body, publish=True, accept=True, **more)
    assert r.status_code == 201, r.text
    return r.json()


def approve(srv, moderator, story_id):
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{story_id}"), timeout=10,
                       json={"decision": "approve"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"


# ---- the community garage (north-american-motoring) ----

def add_car(srv, s, vin, **more):
    r = s.post(srv.url("/api/v1/me/vehicles"), timeout=10, json=dict({"vin": vin}, **more))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_nam06_community_garage_never_shows_vin(server):
    owner, other = member(server), member(server)
    vin = mini_vin()
    car = add_car(server, owner, vin, serial_numbers="ENG-55501", nickname="Bluebell",
                  model="Cooper", year="2006", colour="Electric blue", public=True)
    r = owner.put(server.url("/api/v1/me/display-name"), json={"display_name": "Bea"},
                  timeout=10)
    assert r.status_code == 200, r.text
    api = other.get(server.url("/api/v1/community/vehicles"), timeout=10)
    page = other.get(server.url("/community"), timeout=10)
    mine = owner.get(server.url("/community"), timeout=10)
    assert api.status_code == page.status_code == mine.status_code == 200
    shown = [c for c in api.json()["vehicles"] if c["id"] == car]
    assert shown == [{"id": car, "nickname": "Bluebell", "model": "Cooper", "year": "2006",
                      "colour": "Electric blue", "verified_owner": True,
                      "display_name": "Bea"}]
    assert "Bluebell" in page.text and "Bea" in page.text and "Verified owner" in page.text
    for text in (api.text, page.text, mine.text):
        for secret in (vin, vin.lower(), vin[-8:], "ENG-55501", owner.person["name"],
                       owner.person["email"]):
            assert secret not in text
    # Nobody signed in sees nothing of it.
    assert server.get("/api/v1/community/vehicles").status_code == 401


def test_community_garage_hides_a_car_at_once(server):
    owner, other = member(server), member(server)
    shown = add_car(server, owner, mini_vin(), nickname="Shown", public=True)
    never = add_car(server, owner, mini_vin(), nickname="Private")

    def ids():
        return {c["id"] for c in other.get(server.url("/api/v1/community/vehicles"),
                                           timeout=10).json()["vehicles"]}

    assert shown in ids() and never not in ids()
    r = owner.put(server.url(f"/api/v1/me/vehicles/{shown}/shown"), json={"public": False},
                  timeout=10)
    assert r.status_code == 200 and r.json() == {"public": False}
    assert shown not in ids()
    assert "Shown" not in other.get(server.url("/community"), timeout=10).text
    # The form shows it again; another member cannot switch it.
    r = owner.post(server.url("/me/garage/shown"), allow_redirects=False, timeout=10,
                   data={"csrf_token": owner.csrf, "id": str(shown), "public": "1"})
    assert r.status_code == 303, r.text
    assert shown in ids()
    r = other.put(server.url(f"/api/v1/me/vehicles/{shown}/shown"), json={"public": False},
                  timeout=10)
    assert r.status_code == 404
    assert shown in ids()


# ---- stories and questions (mini-insiders) ----

def test_stories_answer_404_under_north_american_motoring(server):
    s = member(server)
    assert s.get(server.url("/stories"), timeout=10).status_code == 404
    r = write(server, s, publish=True, accept=True)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert "/stories" not in server.get("/").text


def test_ins13_no_acceptance_no_publication(mini):
    author, reader = member(mini), member(mini)
    r = write(mini, author, title="Unaccepted", publish=True)
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_accepted"
    assert r.json()["error"]["field"] == "accept"
    r = write(mini, author, title="Unaccepted", publish=True, accept=False)
    assert r.status_code == 400
    assert author.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"] == []
    # A draft needs no acceptance, and nobody else sees it.
    r = write(mini, author, title="Draft only")
    assert r.status_code == 201 and r.json()["status"] == "draft"
    sid = r.json()["id"]
    assert reader.get(mini.url(f"/api/v1/stories/{sid}"), timeout=10).status_code == 404
    r = author.put(mini.url(f"/api/v1/stories/{sid}"), timeout=10,
                   json={"title": "Draft only", "submitted_content": "x", "publish": True})
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_accepted"
    # The form without the tick: the form again with the message, nothing published.
    r = author.post(mini.url("/stories"), allow_redirects=False, timeout=10,
                    data={"csrf_token": author.csrf, "title": "Form", "submitted_content": "x",
                          "publish": "1"})
    assert r.status_code == 400 and "accept" in r.text
    mine = author.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"]
    assert [(m["title"], m["status"], m["accepted_at"]) for m in mine] == \
        [("Draft only", "draft", None)]
    assert mini.sql("SELECT COUNT(*) FROM stories WHERE status <> 'draft'") == [["0"]]


def test_ins13_acceptance_recorded_with_version(mini):
    author = member(mini)
    notice = author.get(mini.url("/api/v1/stories/notice"), timeout=10).json()
    version = mini.get("/privacy.json").json()["version"]
    assert notice["profile_version"] == version and notice["purpose"] == "public_submissions"
    assert "public" in notice["text"]
    page = author.get(mini.url("/stories"), timeout=10).text
    assert notice["text"] in page and 'name="accept"' in page
    # glibc's time() reads the coarse clock, up to a tick behind this one:
    # at a second's edge the server's "now" may still be the second before.
    before = int(time.time()) - 1
    sid = publish(mini, author)["id"]
    mine = author.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"]
    got = [m for m in mine if m["id"] == sid][0]
    assert got["accepted_version"] == version
    assert before <= got["accepted_at"] <= int(time.time()) + 1
    assert mini.sql(f"SELECT accepted_version FROM stories WHERE id = {sid}") == [[str(version)]]
    # The text is in the member's export.
    export = author.get(mini.url("/api/v1/me/export"), timeout=10).json()
    assert any(i["record"] == "stories" for i in export["items"])


def test_stories_length_limits_and_kinds(make_server):
    srv = make_server(profile=MINI, extra=["--story-body-max", "100", "--story-title-max", "10"])
    s = member(srv)
    r = write(srv, s, body="x" * 101)
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_long"
    assert r.json()["error"]["field"] == "submitted_content"
    r = write(srv, s, title="t" * 11)
    assert r.status_code == 400 and r.json()["error"]["field"] == "title"
    assert write(srv, s, body="x" * 100, kind="question").status_code == 201
    assert write(srv, s, kind="poem").status_code == 400


XSS = """# Hello

<script>alert('s')</script>

<img src=x onerror="alert('i')">

[click](javascript:alert('l'))
[upper](JAVASCRIPT:alert('u'))
[spaced]( javascript:alert('w'))
[entity](&#106;avascript:alert('e'))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[vb](vbscript:msgbox('v'))
<javascript:alert('a')>
![pic](javascript:alert('p'))
[ref link][r]

[r]: javascript:alert('r')

<a href="javascript:alert('h')" onclick="alert('c')">raw</a>

&lt;script&gt;still text&lt;/script&gt;

[fine](https://www.miniusa.com/) and <https://example.org/auto>
"""


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(fragment):
    p = Tags()
    p.feed(fragment)
    for tag, attrs in p.tags:
        assert tag not in ("script", "iframe", "object", "embed", "style"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                v = (value or "").lower()
                relative = not re.match(r"^[^/?#]*:", v)
                assert relative or v.startswith(("https://", "http://", "mailto:")), (tag, value)
    return p.tags


def test_markdown_xss_vectors_rendered_inert(make_server):
    srv = make_server(profile=MINI)
    author, reader = member(srv), member(srv)
    moderator = staff_client(srv, "moderator")
    sid = publish(srv, author, title="<b>Title</b>", body=XSS)["id"]
    approve(srv, moderator, sid)
    story = reader.get(srv.url(f"/api/v1/stories/{sid}"), timeout=10).json()
    tags = assert_inert(story["html"])
    hrefs = [a.get("href") for t, a in tags if t == "a"]
    assert "https://www.miniusa.com/" in hrefs and "https://example.org/auto" in hrefs
    # Links out are marked as leaving the site, as the site's own are (INS15).
    for tag, attrs in tags:
        if tag == "a" and attrs.get("href", "").startswith("http"):
            assert attrs.get("class") == "external" and "external" in attrs.get("rel", "")
    assert story["html"].count("(leaves this site)") == 2
    assert "&lt;script&gt;still text" in story["html"]
    for page in (reader.get(srv.url(f"/stories/{sid}"), timeout=10).text,
                 reader.get(srv.url("/stories"), timeout=10).text,
                 moderator.get(srv.url(f"/staff/stories/{sid}"), timeout=10).text):
        assert_inert(page)
        assert "<b>Title</b>" not in page


def test_another_member_cannot_edit_or_delete(mini):
    author, other = member(mini), member(mini)
    sid = write(mini, author, title="Mine alone").json()["id"]
    r = other.put(mini.url(f"/api/v1/stories/{sid}"), json={"title": "Taken", "submitted_content": "x"},
                  timeout=10)
    assert r.status_code == 404
    assert other.delete(mini.url(f"/api/v1/stories/{sid}"), timeout=10).status_code == 404
    r = other.post(mini.url(f"/stories/{sid}"), allow_redirects=False, timeout=10,
                   data={"csrf_token": other.csrf, "title": "Taken", "submitted_content": "x"})
    assert r.status_code == 404
    r = other.post(mini.url(f"/stories/{sid}/delete"), allow_redirects=False, timeout=10,
                   data={"csrf_token": other.csrf})
    assert r.status_code == 404
    mine = author.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"]
    assert [m["title"] for m in mine] == ["Mine alone"]
    # The author edits and deletes.
    r = author.put(mini.url(f"/api/v1/stories/{sid}"), json={"title": "Edited", "submitted_content": "y"},
                   timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert author.get(mini.url(f"/api/v1/stories/{sid}"), timeout=10).json()["body"] == "y"
    assert author.delete(mini.url(f"/api/v1/stories/{sid}"), timeout=10).status_code == 200
    assert author.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"] == []


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def mail_with(sink, address, text, timeout=30):
    """The first message to address whose text holds text (the sign-up's
    confirmation reaches the same address, in any order)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for _, rcpts, raw in list(sink.messages):
            msg = parse(raw)
            if rcpts == [address] and text in msg.get_body(("plain",)).get_content():
                return msg
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address} with {text!r}")


def test_moderation_flow_with_the_reason_mailed_to_the_author(make_server, smtp_sink):
    srv = make_server(profile=MINI, extra=mail_flags(smtp_sink))
    author, reader = member(srv), member(srv)
    moderator = staff_client(srv, "moderator")
    first = publish(srv, author, title="First try", body="Words")
    assert first["status"] == "pending"
    assert reader.get(srv.url(f"/api/v1/stories/{first['id']}"), timeout=10).status_code == 404
    queue = moderator.get(srv.url("/api/v1/staff/stories"), timeout=10).json()
    assert [p["title"] for p in queue["pending"]] == ["First try"]
    assert author.person["name"] not in str(queue)
    # Opening it shows the author's name: an access, logged for the member.
    one = moderator.get(srv.url(f"/api/v1/staff/stories/{first['id']}"), timeout=10).json()
    assert one["author"]["name"] == author.person["name"]
    # A draft is nobody's to moderate.
    draft = write(srv, author, title="Private draft").json()["id"]
    r = moderator.get(srv.url(f"/api/v1/staff/stories/{draft}"), timeout=10)
    assert r.status_code == 404 and "Private draft" not in r.text
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{draft}"), timeout=10,
                       json={"decision": "approve"})
    assert r.status_code == 409
    # Another role reaches none of it.
    support = staff_client(srv, "support")
    assert support.get(srv.url("/api/v1/staff/stories"), timeout=10).status_code == 403
    r = support.post(srv.url(f"/api/v1/staff/stories/{first['id']}"), timeout=10,
                     json={"decision": "approve"})
    assert r.status_code == 403
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{first['id']}"), timeout=10,
                       json={"decision": "reject", "reason": "Please add a photo caption."})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    mail = mail_with(smtp_sink, author.person["email"], "Please add a photo caption.")
    assert mail["Subject"] == "Your submission was not published"
    mine = {m["id"]: m for m in
            author.get(srv.url("/api/v1/me/stories"), timeout=10).json()["stories"]}
    assert mine[first["id"]]["status"] == "rejected"
    assert mine[first["id"]]["reason"] == "Please add a photo caption."
    assert mine[draft]["status"] == "draft"
    accesses = author.get(srv.url("/api/v1/me/export"), timeout=10).json()["staff_accesses"]
    actions = {a["action"] for a in accesses if a["role"] == "moderator"}
    assert {"read", "reject"} <= actions, accesses
    # A second try, approved: the reader sees it; then published at once.
    second = publish(srv, author, title="Second try", body="More words")
    assert second["status"] == "pending"
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{second['id']}"), timeout=10,
                       json={"decision": "reject"})
    assert r.status_code == 200
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{second['id']}"), timeout=10,
                       json={"decision": "approve"})
    assert r.status_code == 409
    third = publish(srv, author, title="Third try", body="Even more")
    approve(srv, moderator, third["id"])
    titles = [s["title"] for s in reader.get(srv.url("/api/v1/stories"), timeout=10)
              .json()["stories"]]
    assert titles == ["Third try"]
    fourth = publish(srv, author, title="Fourth", body="At once")
    assert fourth["status"] == "published"
    # Taken down later: gone for readers, the author told why.
    r = moderator.post(srv.url(f"/api/v1/staff/stories/{fourth['id']}"), timeout=10,
                       json={"decision": "take_down", "reason": "Off topic."})
    assert r.status_code == 200 and r.json()["status"] == "taken_down"
    assert reader.get(srv.url(f"/api/v1/stories/{fourth['id']}"), timeout=10).status_code == 404
    # Its author cannot put it back.
    r = author.put(srv.url(f"/api/v1/stories/{fourth['id']}"), timeout=10,
                   json={"title": "Back", "submitted_content": "x", "publish": True,
                         "accept": True})
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_state"
    assert reader.get(srv.url(f"/api/v1/stories/{fourth['id']}"), timeout=10).status_code == 404
    mail = mail_with(smtp_sink, author.person["email"], "Off topic.")
    assert mail["Subject"] == "Your submission was taken down"


def test_reports_are_limited_per_client(make_server):
    srv = make_server(profile=MINI, extra=["--story-reports-per-hour", "3"])
    author, reader = member(srv), member(srv)
    moderator = staff_client(srv, "moderator")
    sid = publish(srv, author)["id"]
    approve(srv, moderator, sid)
    for _ in range(3):
        r = reader.post(srv.url(f"/api/v1/stories/{sid}/report"), timeout=10)
        assert r.status_code == 200, r.text
    r = reader.post(srv.url(f"/api/v1/stories/{sid}/report"), timeout=10)
    assert r.status_code == 429 and r.headers.get("Retry-After")
    queue = moderator.get(srv.url("/api/v1/staff/stories"), timeout=10).json()
    assert [(x["id"], x["reports"]) for x in queue["reported"]] == [(sid, 3)]


def test_story_routes_refuse_cross_site_and_missing_csrf(mini):
    s = member(mini)
    token = s.headers.pop("X-CSRF-Token")
    r = s.post(mini.url("/api/v1/stories"), json={"title": "t", "submitted_content": "b"},
               timeout=10)
    assert r.status_code == 403
    r = s.post(mini.url("/api/v1/stories"), json={"title": "t", "submitted_content": "b"},
               timeout=10, headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cross_site"
    r = s.post(mini.url("/stories"), timeout=10, allow_redirects=False,
               data={"csrf_token": token, "title": "t", "submitted_content": "b"},
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    s.headers["X-CSRF-Token"] = token
    assert s.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"] == []


def test_story_routes_through_the_matrix_callers(mini):
    """The matrix's callers (test_matrix.STORY_CALLS) under the profile that
    offers stories: nobody without a member's session reaches a member route,
    a member reaches no moderator route, no state change without the CSRF
    token, and a role without the purpose reaches no moderator route."""
    from test_matrix import DECLARED, STORY_CALLS, refused
    owner = member(mini)
    sid = write(mini, owner, title="Owner's draft").json()["id"]
    other = member(mini)
    admin, support = staff_client(mini, "admin"), staff_client(mini, "support")
    for key, (path, body) in STORY_CALLS.items():
        method = key.split(" ", 1)[0]
        staff_route = DECLARED[key]["access"] == "staff"
        kw = dict(body or {})
        form = kw.pop("form", None)
        url = mini.url(path.format(story_id=sid))
        callers = [requests.Session(), other if staff_route else admin]
        if staff_route:
            callers.append(support)
        for s in callers:
            csrf = getattr(s, "csrf", None)
            data = dict(form, csrf_token=csrf) if form is not None and csrf else form
            r = s.request(method, url, data=data, allow_redirects=False, timeout=10,
                          headers={"X-CSRF-Token": csrf} if csrf else {}, **kw)
            assert refused(r, "staff" if staff_route else "member"), \
                f"{key}: {r.status_code} {r.text[:200]}"
        if not staff_route and method != "GET":
            s = requests.Session()
            s.cookies.update(other.cookies)
            r = s.request(method, url, data=form, allow_redirects=False, timeout=10, **kw)
            assert r.status_code == 403, f"{key} without CSRF: {r.status_code}"
    mine = owner.get(mini.url("/api/v1/me/stories"), timeout=10).json()["stories"]
    assert [(m["title"], m["status"]) for m in mine] == [("Owner's draft", "draft")]


def test_ins13_closing_deletes_submissions_by_default(make_server, tmp_path):
    srv = make_server(profile=MINI)
    author, reader = member(srv), member(srv)
    moderator = staff_client(srv, "moderator")
    marker = "Zq" + author.person["email"].split("@")[0]
    sid = publish(srv, author, title=f"Trip {marker}", body=f"Body {marker}")["id"]
    approve(srv, moderator, sid)
    draft = write(srv, author, title=f"Draft {marker}").json()["id"]
    assert reader.get(srv.url(f"/api/v1/stories/{sid}"), timeout=10).status_code == 200
    r = author.delete(srv.url("/api/v1/me"), timeout=10)
    assert r.status_code == 200, r.text
    assert reader.get(srv.url(f"/api/v1/stories/{sid}"), timeout=10).status_code == 404
    listed = reader.get(srv.url("/api/v1/stories"), timeout=10).json()["stories"]
    assert sid not in [x["id"] for x in listed]
    assert srv.sql(f"SELECT COUNT(*) FROM stories WHERE id IN ({sid}, {draft})") == [["0"]]
    assert srv.sql("SELECT COUNT(*) FROM public_stories") == [["0"]]
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [marker, author.person["name"]])


def test_closing_keeps_published_submissions_without_the_name(make_server, tmp_path):
    srv = make_server(profile=MINI)
    author, reader = member(srv), member(srv)
    moderator = staff_client(srv, "moderator")
    tag = author.person["email"].split("@")[0]
    r = author.put(srv.url("/api/v1/me/display-name"), json={"display_name": f"Dn{tag}"},
                   timeout=10)
    assert r.status_code == 200
    sid = publish(srv, author, title=f"Kept {tag}", body=f"Kept body {tag}")["id"]
    approve(srv, moderator, sid)
    draft = write(srv, author, title=f"Unpublished {tag}").json()["id"]
    # The default is deleted, and the export says so; the choice changes it.
    assert author.get(srv.url("/api/v1/me/export"), timeout=10).json()[
        "submissions_on_close"] == "deleted"
    page = author.get(srv.url("/me/close"), timeout=10).text
    assert 'value="delete" checked' in page
    r = author.put(srv.url("/api/v1/me/stories/on-close"), json={"submissions": "keep"},
                   timeout=10)
    assert r.status_code == 200 and r.json() == {"submissions_on_close": "kept_without_name"}
    assert author.get(srv.url("/api/v1/me/export"), timeout=10).json()[
        "submissions_on_close"] == "kept_without_name"
    listed = reader.get(srv.url("/api/v1/stories"), timeout=10).json()["stories"]
    assert [x.get("display_name") for x in listed if x["id"] == sid] == [f"Dn{tag}"]
    # Closed through the page, confirming the choice there.
    r = author.post(srv.url("/me/close"), timeout=10, allow_redirects=False,
                    data={"csrf_token": author.csrf, "confirm": "close",
                          "submissions": "keep"})
    assert r.status_code == 200, r.text
    listed = reader.get(srv.url("/api/v1/stories"), timeout=10).json()["stories"]
    kept = [x for x in listed if x["title"] == f"Kept {tag}"]
    assert len(kept) == 1 and kept[0]["former_member"] is True
    assert "display_name" not in kept[0] and kept[0]["id"] != sid
    one = reader.get(srv.url(f"/api/v1/stories/{kept[0]['id']}"), timeout=10).json()
    assert one["body"] == f"Kept body {tag}" and "display_name" not in one
    assert f"Unpublished {tag}" not in str(listed)
    assert srv.sql(f"SELECT COUNT(*) FROM stories WHERE id IN ({sid}, {draft})") == [["0"]]
    # Nothing left names the member: not their name, address or display
    # name, and no row of theirs.
    blobs = list(srv.raw_files().values()) + [srv.dump(tmp_path)]
    assert not contains_any(blobs, [author.person["name"], author.person["email"],
                                    f"Dn{tag}", f"Unpublished {tag}"])
    assert srv.sql(f"SELECT COUNT(*) FROM members WHERE id = {author.member_id}") == [["0"]]
