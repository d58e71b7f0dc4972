"""Promises kept by `glovebox profile check`, run as an operator runs it:
each broken profile under tests/profiles/broken/ whose name starts with a
promise id is refused with exit 1 and the one problem its first line expects
("# expect: LINE:COL: message", the convention tests/unit/test_policy.c
checks in-process), at its place: FILE:LINE:COL. The server refuses to start
on one of them too."""
import glob
import os
import re
import subprocess

import pytest

from conftest import BIN, ROOT

BROKEN = os.path.join(ROOT, "tests", "profiles", "broken")
EXPECT = re.compile(r"# expect: (\d+):(\d+): (.*)")


def fixtures(pid):
    found = sorted(glob.glob(os.path.join(BROKEN, pid + "_*.yaml")))
    assert found, f"no {pid}_*.yaml under {BROKEN}"
    return found


def expected(path):
    with open(path) as f:
        m = EXPECT.fullmatch(f.readline().rstrip("\n"))
    assert m, f"{path}: first line is not '# expect: LINE:COL: message'"
    return int(m.group(1)), int(m.group(2)), m.group(3)


def check(path):
    return subprocess.run([BIN, "profile", "check", path], capture_output=True, text=True,
                          timeout=30)


@pytest.mark.parametrize("path", fixtures("ins02"), ids=os.path.basename)
def test_ins02_recipient_without_contract_or_purposes_refused_at_its_place(path):
    line, col, message = expected(path)
    out = check(path)
    assert out.returncode == 1, out.stdout + out.stderr
    problems = out.stderr.splitlines()
    assert problems == [f"{path}:{line}:{col}: {message}"], out.stderr


def test_ins02_server_refuses_to_start_on_a_recipient_without_contract(tmp_path):
    path = os.path.join(BROKEN, "ins02_affiliate_without_contract.yaml")
    out = subprocess.run([BIN, "serve", "--profile", path, "--data", str(tmp_path / "d"),
                          "--listen", "127.0.0.1:1"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "refusing to start" in out.stderr and "no contract reference (INS02)" in out.stderr
