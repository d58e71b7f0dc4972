"""Members' photos (issue 16, docs/content.md "Photos"): hostile uploads are
never served as anything but a fresh encode; the pixel limit refuses a
decompression bomb before decoding; EXIF and GPS are gone; a photo is the
owner's until published; the file at rest is encrypted, exported with the
member's data and gone with the account. Fixtures are made here, with the
standard library and byte builders, and with the `vips` command (Debian
libvips-tools, scripts/deps.sh test)."""
import base64
import os
import shutil
import socket
import struct
import subprocess
import time
import zlib

import pytest
import requests

from test_garage import member

pytestmark = pytest.mark.skipif(shutil.which("vips") is None,
                                reason="the vips command (libvips-tools) makes the fixtures")

PHOTOS = "/api/v1/me/photos"


@pytest.fixture(scope="module")
def ins(make_module_server):
    return make_module_server(profile="mini-insiders")


# ---- fixtures ----

def vips_image(tmp_path, name, *args):
    """An image made by the vips command: `vips ARGS... path`."""
    path = os.path.join(tmp_path, name)
    subprocess.run(["vips", args[0], path, *args[1:]], check=True, capture_output=True,
                   timeout=60)
    with open(path, "rb") as f:
        return f.read()


def noisy_jpeg(tmp_path, w=640, h=480):
    """A JPEG whose scan data is large (noise compresses badly)."""
    return vips_image(tmp_path, f"noise-{w}x{h}.jpg", "gaussnoise", str(w), str(h))


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png(width, height, idat, colour_type=2):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) +
            png_chunk(b"IEND", b""))


def zeros_deflated(row_bytes, rows):
    """Rows of zeros (filter byte 0 each), deflated: a deflate bomb."""
    z = zlib.compressobj(9)
    row = b"\0" * (row_bytes + 1)
    parts = [z.compress(row * 256) for _ in range(rows // 256)]
    parts.append(z.compress(row * (rows % 256)))
    parts.append(z.flush())
    return b"".join(parts)


def jpeg_segments(data):
    """The marker segments before the scan: [(marker, payload)]."""
    assert data[:2] == b"\xff\xd8"
    i, out = 2, []
    while i < len(data):
        assert data[i] == 0xFF, i
        m = data[i + 1]
        if m == 0xDA:
            break
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        out.append((m, data[i + 4:i + 2 + n]))
        i += 2 + n
    return out


def with_segment(jpeg, marker, payload):
    """The JPEG with a segment inserted right after its SOI."""
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def exif_with_gps():
    """An APP1 Exif payload: IFD0 pointing at a GPS IFD (N 48 51 24, E 2 21 7)."""
    tiff = bytearray(b"MM\x00\x2a\x00\x00\x00\x08")
    # IFD0 at 8: one entry, GPSInfo (0x8825, LONG) -> the GPS IFD at 26.
    tiff += struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, 26) + struct.pack(">I", 0)
    gps_ifd = 26
    entries = 4
    data_at = gps_ifd + 2 + 12 * entries + 4
    lat = struct.pack(">6I", 48, 1, 51, 1, 24, 1)
    lon = struct.pack(">6I", 2, 1, 21, 1, 7, 1)
    tiff += struct.pack(">H", entries)
    tiff += struct.pack(">HHI4s", 1, 2, 2, b"N\0\0\0")            # GPSLatitudeRef
    tiff += struct.pack(">HHII", 2, 5, 3, data_at)                 # GPSLatitude
    tiff += struct.pack(">HHI4s", 3, 2, 2, b"E\0\0\0")            # GPSLongitudeRef
    tiff += struct.pack(">HHII", 4, 5, 3, data_at + len(lat))      # GPSLongitude
    tiff += struct.pack(">I", 0)
    assert len(tiff) == data_at
    tiff += lat + lon
    return b"Exif\0\0" + bytes(tiff)


# ---- helpers ----

def upload(srv, s, body, content_type="image/jpeg"):
    return s.post(srv.url(PHOTOS), data=body, headers={"Content-Type": content_type},
                  timeout=60)


def served(srv, s, photo):
    return s.get(srv.url(photo["url"]), timeout=10)


def assert_fresh_jpeg(r, original):
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.content[:3] == b"\xff\xd8\xff"
    assert r.content != original
    low = r.content.lower()
    for needle in (b"<html", b"<script", b"<svg"):
        assert needle not in low, needle
    # No metadata segment (EXIF, XMP, ICC: APP1-APP15) and no comment.
    markers = [m for m, _ in jpeg_segments(r.content)]
    assert not any(0xE1 <= m <= 0xEF or m == 0xFE for m in markers), [hex(m) for m in markers]


def vm_hwm_kb(srv):
    with open(f"/proc/{srv.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# ---- tests ----

def test_photo_upload_and_serve_only_the_reencode(ins, tmp_path):
    s = member(ins)
    original = noisy_jpeg(tmp_path, 3000, 2000)
    r = upload(ins, s, original, "text/html")       # the declared type is not asked
    assert r.status_code == 201, r.text
    photo = r.json()["photo"]
    assert (photo["width"], photo["height"]) == (2048, 1365)
    assert photo["published"] is False and photo["content_type"] == "image/jpeg"
    r = served(ins, s, photo)
    assert_fresh_jpeg(r, original)
    assert r.headers["Content-Disposition"] == f'inline; filename="photo-{photo["id"]}.jpg"'
    assert "private" in r.headers["Cache-Control"]
    assert [p["id"] for p in s.get(ins.url(PHOTOS), timeout=10).json()["photos"]] == [photo["id"]]
    # WebP and PNG are taken too, and come back as JPEG.
    for name, args in (("x.webp", ("black", "40", "30")), ("x.png", ("black", "40", "30"))):
        body = vips_image(tmp_path, name, *args)
        r = upload(ins, s, body, "application/octet-stream")
        assert r.status_code == 201, (name, r.text)
        assert_fresh_jpeg(served(ins, s, r.json()["photo"]), body)


def test_photo_html_named_jpg_and_svg_with_script_refused(ins):
    s = member(ins)
    html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
           b'height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>')
    for body, ctype in ((html, "image/jpeg"), (svg, "image/svg+xml"), (svg, "image/png"),
                        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"), (b"", "image/jpeg")):
        r = upload(ins, s, body, ctype)
        assert r.status_code == 415, (body[:20], r.text)
        assert r.json()["error"]["code"] == "photo_type"
    assert s.get(ins.url(PHOTOS), timeout=10).json()["photos"] == []
    assert os.listdir(os.path.join(ins.data, "photos")) == [] or all(
        not f.startswith(".") for f in os.listdir(os.path.join(ins.data, "photos")))


def test_photo_jpeg_html_polyglot_served_as_a_fresh_encode(ins, tmp_path):
    s = member(ins)
    polyglot = with_segment(noisy_jpeg(tmp_path, 200, 150), 0xFE,
                            b"<html><script>alert(document.domain)</script></html>")
    r = upload(ins, s, polyglot)
    assert r.status_code == 201, r.text
    assert_fresh_jpeg(served(ins, s, r.json()["photo"]), polyglot)


def test_photo_exif_gps_gone(ins, tmp_path):
    s = member(ins)
    tagged = with_segment(noisy_jpeg(tmp_path, 320, 240), 0xE1, exif_with_gps())
    assert b"Exif" in tagged
    r = upload(ins, s, tagged)
    assert r.status_code == 201, r.text
    out = served(ins, s, r.json()["photo"])
    assert_fresh_jpeg(out, tagged)
    markers = [m for m, _ in jpeg_segments(out.content)]
    assert not any(0xE1 <= m <= 0xEF for m in markers), [hex(m) for m in markers]


def test_photo_header_100000_square_refused_before_decoding(ins):
    s = member(ins)
    bomb = png(100000, 100000, zlib.compress(b"\0" * 1000))
    before = vm_hwm_kb(ins)
    t0 = time.monotonic()
    r = upload(ins, s, bomb, "image/png")
    assert time.monotonic() - t0 < 5
    assert r.status_code == 422 and r.json()["error"]["code"] == "photo_too_large", r.text
    # Decoding 10^10 pixels would take gigabytes; refused, the peak barely moves.
    assert vm_hwm_kb(ins) - before < 64 * 1024


def test_photo_deflate_bombs(ins):
    s = member(ins)
    # Over the pixel limit: 20000 x 20000 zeros in a few hundred kilobytes.
    big = png(20000, 20000, zeros_deflated(20000, 20000), colour_type=0)
    assert len(big) < 2 * 1024 * 1024
    r = upload(ins, s, big, "image/png")
    assert r.status_code == 422 and r.json()["error"]["code"] == "photo_too_large", r.text
    # Under it (36 megapixels, 108 MB of pixels from 100 kB): decoded in
    # strips and shrunk, never held whole.
    before = vm_hwm_kb(ins)
    under = png(6000, 6000, zeros_deflated(18000, 6000))
    r = upload(ins, s, under, "image/png")
    assert r.status_code == 201, r.text
    assert max(r.json()["photo"]["width"], r.json()["photo"]["height"]) == 2048
    assert vm_hwm_kb(ins) - before < 100 * 1024


def test_photo_truncated_jpeg_refused(ins, tmp_path):
    s = member(ins)
    whole = noisy_jpeg(tmp_path)
    r = upload(ins, s, whole[:len(whole) // 2])
    assert r.status_code == 422 and r.json()["error"]["code"] == "photo_unreadable", r.text
    assert s.get(ins.url(PHOTOS), timeout=10).json()["photos"] == []


def test_photo_50_mb_body_413(ins):
    s = member(ins)
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    head = (f"POST {PHOTOS} HTTP/1.1\r\nHost: 127.0.0.1:{ins.port}\r\n"
            f"Content-Type: image/jpeg\r\nContent-Length: {50 * 1024 * 1024}\r\n"
            f"Cookie: {cookie}\r\nX-CSRF-Token: {s.headers['X-CSRF-Token']}\r\n"
            f"Origin: {ins.base}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", ins.port), timeout=10) as c:
        c.sendall(head + b"\xff\xd8\xff" + b"\0" * 65536)
        answer = c.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # Without a length, the body is cut at the limit as it arrives.
    r = s.post(ins.url(PHOTOS), data=iter([b"\xff\xd8\xff" + b"\0" * (1 << 20)] * 30),
               headers={"Content-Type": "image/jpeg"}, timeout=60)
    assert r.status_code == 413, r.text


def test_photo_another_members_unpublished_photo_404(ins, tmp_path):
    owner, other = member(ins), member(ins)
    r = upload(ins, owner, noisy_jpeg(tmp_path, 64, 64))
    assert r.status_code == 201
    photo = r.json()["photo"]
    assert served(ins, owner, photo).status_code == 200
    assert served(ins, other, photo).status_code == 404
    assert requests.get(ins.url(photo["url"]), timeout=10, allow_redirects=False).status_code in (
        302, 303, 401)
    # Nor can the other member delete it.
    assert other.delete(ins.url(f"{PHOTOS}/{photo['id']}"), timeout=10).status_code == 404
    assert served(ins, owner, photo).status_code == 200
    assert owner.delete(ins.url(f"{PHOTOS}/{photo['id']}"), timeout=10).status_code == 200
    assert served(ins, owner, photo).status_code == 404
    assert not os.path.exists(os.path.join(ins.data, "photos", photo["id"]))


def test_photo_upload_without_csrf_refused(ins, tmp_path):
    s = member(ins)
    body = noisy_jpeg(tmp_path, 64, 64)
    r = s.post(ins.url(PHOTOS), data=body, headers={"Content-Type": "image/jpeg",
                                                     "X-CSRF-Token": ""}, timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf", r.text
    r = requests.post(ins.url(PHOTOS), data=body, cookies=s.cookies,
                      headers={"Content-Type": "image/jpeg"}, timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf", r.text
    assert s.get(ins.url(PHOTOS), timeout=10).json()["photos"] == []


def test_photo_encrypted_at_rest_exported_and_erased_with_the_account(ins, tmp_path):
    s = member(ins)
    r = upload(ins, s, noisy_jpeg(tmp_path, 120, 90))
    assert r.status_code == 201
    photo = r.json()["photo"]
    image = served(ins, s, photo).content
    path = os.path.join(ins.data, "photos", photo["id"])
    with open(path, "rb") as f:
        at_rest = f.read()
    assert b"\xff\xd8\xff" not in at_rest and b"JFIF" not in at_rest
    assert image[100:140] not in at_rest
    assert str(s.member_id) not in photo["id"]
    export = s.get(ins.url("/api/v1/me/export"), timeout=30).json()
    [exported] = export["photos"]
    assert exported["id"] == photo["id"]
    assert base64.b64decode(exported["data"]) == image
    assert s.delete(ins.url("/api/v1/me"), timeout=10).status_code == 200
    assert not os.path.exists(path)
    assert ins.sql(f"SELECT COUNT(*) FROM photos WHERE member_id = {s.member_id}") == [["0"]]


def test_photo_routes_404_without_a_public_content_purpose(server, tmp_path):
    s = member(server)
    r = upload(server, s, noisy_jpeg(tmp_path, 64, 64))
    assert r.status_code == 404
    assert s.get(server.url(PHOTOS), timeout=10).status_code == 404


def test_photo_routes_matrix(ins):
    """test_matrix.py's classes for the photo routes, on a profile that has
    them: anonymous callers and staff sessions reach none, no state changes
    without the CSRF token, and member A reaches nothing of member B's."""
    import test_matrix
    owner, other = member(ins), member(ins)
    photo = upload(ins, owner, noisy_image_bytes()).json()["photo"]
    staff = test_matrix.staff_client(ins, "support")
    for key in sorted(test_matrix.PROFILE_GATED):
        method, pattern = key.split(" ", 1)
        path, body = test_matrix.CALLS[key]
        path = path.replace("A" * 43, photo["id"])
        assert test_matrix.DECLARED[key]["access"] == "member", key
        kw = dict(body or {})
        for who, s in (("anonymous", requests.Session()), ("staff", staff)):
            r = s.request(method, ins.url(path), allow_redirects=False, timeout=30,
                          headers={"X-CSRF-Token": getattr(s, "csrf", "") or ""}, **kw)
            assert test_matrix.refused(r, test_matrix.MEMBER), (who, key, r.status_code)
        if method != "GET":
            r = requests.request(method, ins.url(path), cookies=owner.cookies, timeout=30, **kw)
            assert r.status_code == 403, (key, r.status_code)
        r = other.request(method, ins.url(path), allow_redirects=False, timeout=30, **kw)
        assert photo["id"] not in r.text or method == "POST", key
        if pattern.endswith(":id"):
            assert r.status_code == 404, (key, r.status_code)
    assert served(ins, owner, photo).status_code == 200


def noisy_image_bytes():
    """A small JPEG made without a temporary folder of the test's own."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        return noisy_jpeg(d, 48, 32)


def test_photo_image_workers_full_answers_503_with_retry_after(make_server, tmp_path):
    """One image worker and room for one waiting upload: of many uploads of
    a large photo sent at once, those that find no room are answered 503
    busy with Retry-After at once, and the pages stay served meanwhile."""
    import concurrent.futures
    srv = make_server(profile="mini-insiders", extra=["--image-workers", "1",
                                                     "--image-queue", "1"])
    s = member(srv)
    body = noisy_jpeg(tmp_path, 4000, 3000)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: upload(srv, s, body), range(8)))
        assert requests.get(srv.url("/healthz"), timeout=10).status_code == 200
    codes = sorted(r.status_code for r in answers)
    assert 201 in codes and 503 in codes, codes
    assert set(codes) <= {201, 503}, codes
    for r in answers:
        if r.status_code == 503:
            assert r.json()["error"]["code"] == "busy" and r.headers["Retry-After"] == "1"


def test_photo_page_form_uploads_without_script(ins, tmp_path):
    """The member's page takes a photo with a plain multipart form: the file
    field's name and type are the browser's, and not believed."""
    s = member(ins)
    page = s.get(ins.url("/me/photos"), timeout=10)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert "<script" not in page.text
    csrf = s.headers["X-CSRF-Token"]
    form = requests.Session()
    form.cookies = s.cookies
    html = b"<html><script>alert(1)</script></html>"
    r = form.post(ins.url("/me/photos"), data={"csrf_token": csrf},
                  files={"submitted_content": ("holiday.jpg", html, "image/jpeg")}, allow_redirects=False,
                  timeout=30)
    assert r.status_code == 415 and "JPEG, PNG or WebP" in r.text, r.status_code
    original = noisy_jpeg(tmp_path, 300, 200)
    r = form.post(ins.url("/me/photos"), files={"submitted_content": ("x.jpg", original, "image/jpeg")},
                  allow_redirects=False, timeout=30)
    assert r.status_code == 403                      # no CSRF token: nothing stored
    r = form.post(ins.url("/me/photos"), data={"csrf_token": csrf},
                  files={"submitted_content": ('"><script>.jpg', original, "text/html")},
                  allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].endswith("/me/photos?done=added")
    [photo] = s.get(ins.url(PHOTOS), timeout=10).json()["photos"]
    page = s.get(ins.url("/me/photos?done=added"), timeout=10).text
    assert f'src="/photos/{photo["id"]}"' in page and "<script>.jpg" not in page
    assert_fresh_jpeg(served(ins, s, photo), original)


def test_photo_uploads_count_against_one_limit(make_server, tmp_path):
    """The form and the API count together against photos-per-hour (the
    routes test_form_limits.py cannot reach on its profile): past it, 429
    with Retry-After, or the form again with the message; nothing stored."""
    srv = make_server(profile="mini-insiders", extra=["--photos-per-hour", "1"])
    s = member(srv)
    body = noisy_jpeg(tmp_path, 64, 48)
    assert upload(srv, s, body).status_code == 201
    r = upload(srv, s, body)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_requests", r.text
    assert 0 < int(r.headers["Retry-After"]) <= 3600
    r = s.post(srv.url("/me/photos"), data={"csrf_token": s.headers["X-CSRF-Token"]},
               files={"submitted_content": ("x.jpg", body, "image/jpeg")}, allow_redirects=False, timeout=30)
    assert r.status_code == 429 and "Too many requests" in r.text, r.status_code
    assert len(s.get(srv.url(PHOTOS), timeout=10).json()["photos"]) == 1
