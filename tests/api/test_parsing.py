"""Issue 11, finding 13: how glovebox reads what a request carries. An
unknown JSON member's name is echoed cut at a character boundary (a cut
inside a UTF-8 sequence left the error body empty)."""


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
