"""Issue 11, finding 13 (and what fuzzing the parsers found): how glovebox
reads what a request carries. An unknown JSON member's name is echoed cut at
a character boundary (a cut inside a UTF-8 sequence left the error body
empty); an encoded NUL in the path is refused (decoded, it cut the path
short, so /static/style.css%00.txt was answered as /static/style.css); of a
form field sent twice the first counts, however the second one arrives."""
import requests

from conftest import raw_exchange


def assert_error(r, status, code, field=None):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["field"] == field, body
    return body


def post_json_bytes(server, path, data):
    return server.post(path, data=data, headers={"Content-Type": "application/json"})


def test_unknown_json_key_is_cut_at_a_character_boundary(server):
    # Each name is longer than 64 bytes and a character straddles byte 64.
    cases = [
        ("a" * 63 + "é" + "b", "a" * 63),            # a 2-byte character at bytes 63-64
        ("€" * 30, "€" * 21),                        # 3-byte characters: 63 bytes fit
        ("x" + "😀" * 20, "x" + "😀" * 15),          # 4-byte characters: 61 bytes fit
        ("😀" * 20, "😀" * 16),                      # exactly 64 bytes: nothing lost
    ]
    for key, echoed in cases:
        body = ('{"' + key + '": "x"}').encode()
        r = post_json_bytes(server, "/api/v1/contact", body)
        assert r.content, f"empty error body for a key of {len(key.encode())} bytes"
        assert_error(r, 400, "unknown_field", echoed)
        assert len(echoed.encode()) <= 64


def test_unknown_json_key_cut_on_a_member_route_too(server):
    # Sign-up declares more fields; the check is the same for every JSON call.
    r = post_json_bytes(server, "/api/v1/signup", ('{"' + "n" * 63 + "ß€" + '": 1}').encode())
    assert_error(r, 400, "unknown_field", "n" * 63)


NUL_PATHS = ["/privacy%00", "/privacy%00x", "/%00", "/healthz%00", "/privacy/v/1%00",
             "/static/style.css%00.txt", "/static/%00style.css", "/api/v1/me%00/export"]


def test_encoded_nul_in_the_path_is_refused(server):
    for path in NUL_PATHS:
        r = server.get(path, allow_redirects=False)
        assert r.status_code == 400, f"{path}: {r.status_code}"
    r = server.get("/api/v1/contact%00")
    assert_error(r, 400, "bad_path")
    # A post to the cut-short address was taken as one to the real one.
    r = server.post("/api/v1/contact%00.json",
                    json={"email": "someone@example.org", "topic": "Hi", "message": "m"})
    assert_error(r, 400, "bad_path")
    # Raw, so no client normalises the target; HEAD and a request with a
    # query behave the same, and %00 in the query is the query's business.
    resp = raw_exchange(server.port, b"HEAD /privacy%00 HTTP/1.1\r\nHost: x\r\n"
                                     b"Connection: close\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 400"), resp[:100]
    assert server.get("/privacy%00?x=1").status_code == 400
    assert server.get("/privacy?x=%00").status_code == 200
    # An escaped percent sign is not a NUL.
    assert server.get("/privacy%2500").status_code == 404
    assert server.get("/healthz").status_code == 200


def test_repeated_form_field_keeps_the_first_whatever_the_pieces(server):
    # The second topic is long enough to reach the form decoder in several
    # pieces; its later pieces were appended to the first topic ("Hi" plus
    # thousands of x: too long), so the form came back refused.
    body = "email=someone%40example.org&topic=Hi&message=A+question.&topic=" + "x" * 20000
    r = server.post("/contact", data=body, allow_redirects=False,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 303, r.text[:500]
    assert r.headers["Location"] == "/contact/thanks"
    # The same with multipart.
    boundary = "gbBoundary"
    parts = [("email", "someone@example.org"), ("topic", "Hi"), ("message", "A question."),
             ("topic", "y" * 20000)]
    data = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                   for k, v in parts) + f"--{boundary}--\r\n"
    r = requests.post(server.url("/contact"), data=data.encode(), allow_redirects=False,
                      timeout=10,
                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 303, r.text[:500]
