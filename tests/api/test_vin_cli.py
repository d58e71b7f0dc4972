"""`glovebox vin`: one JSON line per VIN in the order given, from arguments
or standard input, strict unless --lenient, and an answer for any input at
all, however long or binary (NAM06's parser)."""
import json
import os
import subprocess

from conftest import BIN, child_env


def vin(*args, stdin=None):
    out = subprocess.run([BIN, "vin", *args], input=stdin, capture_output=True, timeout=60,
                         env=child_env())
    assert b"runtime error" not in out.stderr and b"Sanitizer" not in out.stderr
    lines = out.stdout.decode().splitlines()
    return out.returncode, [json.loads(line) for line in lines]


def test_arguments_in_order_with_every_field():
    rc, rows = vin("WMWRE33536TJ12345", "ABC", "1M8GDM9AXKP042788")
    assert rc == 3
    assert [r["vin"] for r in rows] == ["WMWRE33536TJ12345", "ABC", "1M8GDM9AXKP042788"]
    mini = rows[0]
    assert mini["valid"] is True and mini["errors"] == []
    assert (mini["make"], mini["country"], mini["model_year"], mini["plant"]) == \
        ("MINI", "Germany", 2006, "T")
    assert mini["manufacturer"].startswith("BMW")
    assert rows[1]["errors"][0]["code"] == "vin_length" and rows[1]["errors"][0]["length"] == 3
    assert rows[1]["model_year"] is None and rows[1]["country"] is None
    assert set(rows[2]) == {"vin", "valid", "errors", "warnings", "manufacturer", "make",
                            "country", "model_year", "plant"}


def test_check_digit_strict_or_lenient():
    rc, rows = vin("WMWRE33546TJ12345")
    assert rc == 3
    e = rows[0]["errors"][0]
    assert (e["code"], e["expected"], e["found"], e["position"]) == ("vin_check_digit", "3", "4", 9)
    rc, rows = vin("--lenient", "WMWRE33546TJ12345")
    assert rc == 0 and rows[0]["valid"] and rows[0]["warnings"][0]["code"] == "vin_check_digit"


def test_characters_named_by_position():
    rc, rows = vin("WMWRE335O6TJ12345")
    e = rows[0]["errors"][0]
    assert e["code"] == "vin_character" and e["position"] == 9 and "letter O" in e["message"]


def test_standard_input_any_bytes():
    data = b"1HGCM82633A004352\n\xff\xfe\x00\x01binary\r\n" + b"A" * 200000 + b"\n\nwmw-re335 36tj12345"
    rc, rows = vin(stdin=data)
    assert len(rows) == 5
    assert rows[0]["valid"] and rows[0]["make"] == "Honda"
    assert not rows[1]["valid"] and rows[2]["errors"][0]["length"] == 200000
    assert rows[3]["errors"][0]["length"] == 0
    assert rows[4]["vin"] == "WMWRE33536TJ12345" and rows[4]["valid"]


def test_many_vins_from_a_pipe():
    data = "".join(f"1HGCM82633A00{i:04d}\n" for i in range(5000)).encode()
    rc, rows = vin(stdin=data)
    assert len(rows) == 5000
    assert all(r["vin"].startswith("1HGCM82633A00") for r in rows)
