"""Issue 15: optional Laplace noise on the visit reports (NAM09;
docs/visits.md, "Laplace noise"), declared by the profile's `noise` block.

With it, every shown cell of a report gets fresh Laplace(1/epsilon) noise,
rounded and never below 0, after the minimum-group suppression was decided
on the true counts; each answer says it is noised and with what epsilon;
and each report spends epsilon from the asking staff member's budget for
the period, past which reports are refused (429 privacy_budget_spent).
Without the block (both bundled profiles), reports are exact."""
import os
import re
import subprocess
import time

from conftest import BIN, ROOT, make_staff, staff_signin

DAY = 86400


def noisy_profile(tmp_path, epsilon, budget, period="1d"):
    text = open(os.path.join(ROOT, "profiles", "north-american-motoring.yaml")).read()
    path = str(tmp_path / "noisy.yaml")
    with open(path, "w") as f:
        f.write(text + f"\nnoise:\n  epsilon: {epsilon}\n  budget: {budget}\n  period: {period}\n")
    return path


def seed(srv):
    """Two ended days: /privacy seen by 50 and 70 visitors, / by 3 (a small
    group, hidden) on the first. Returns the range as (from, to)."""
    t = int(time.time()) // DAY
    srv.sql("INSERT INTO visit_area_days (day, area, views, visitors) VALUES "
            f"({t - 2}, '/privacy', 60, 50), ({t - 2}, '/', 5, 3), ({t - 1}, '/privacy', 80, 70)")
    day = lambda d: time.strftime("%Y-%m-%d", time.gmtime(d * DAY))
    return day(t - 2), day(t - 1)


def report(srv, analyst, frm, to, kind="json"):
    path = {"json": "/api/v1/staff/statistics", "csv": "/api/v1/staff/statistics.csv",
            "page": "/staff/statistics"}[kind]
    return analyst.get(srv.url(f"{path}?from={frm}&to={to}"), timeout=10)


def cells(doc):
    return {(a["area"], c["day"]): c for a in doc["areas"] for c in a["days"]}


def test_nam09_noise_present_when_declared(make_server, tmp_path):
    srv = make_server(profile=noisy_profile(tmp_path, 0.5, 40))
    frm, to = seed(srv)
    analyst = staff_signin(srv, make_staff(srv, "analyst"))
    seen, views, totals = [], [], []
    for i in range(30):
        r = report(srv, analyst, frm, to)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["noise"]["mechanism"] == "laplace" and doc["noise"]["epsilon"] == 0.5
        assert abs(doc["noise"]["spent"] - 0.5 * (i + 1)) < 1e-9
        c = cells(doc)
        # The small group stays hidden: suppression is on the true count.
        assert c[("/", frm)]["visitors"] is None and c[("/", frm)]["fewer_than"] == 10
        assert doc["areas"][0]["area"] == "/" and doc["areas"][0]["total"]["visitors"] is None
        v = c[("/privacy", frm)]["visitors"]
        assert v >= 0 and c[("/privacy", frm)]["views"] >= v
        seen.append(v)
        views.append(c[("/privacy", to)]["visitors"])
        # A shown total is the sum of the noisy cells it adds up.
        privacy = [a for a in doc["areas"] if a["area"] == "/privacy"][0]
        assert privacy["total"]["visitors"] == sum(x["visitors"] for x in privacy["days"])
    # Many reports differ, and their mean is near the truth (scale 2: the
    # mean of 30 draws has a standard error of about 0.5; the bound is 3).
    assert len(set(seen)) >= 5, seen
    assert abs(sum(seen) / len(seen) - 50) < 3, seen
    assert abs(sum(views) / len(views) - 70) < 3, views
    # The CSV and the page say so too.
    csv = report(srv, analyst, frm, to, "csv")
    assert csv.status_code == 200
    lines = csv.text.strip().split("\r\n")
    assert lines[0].endswith(",noise_epsilon") and all(l.endswith(",0.5") for l in lines[1:])
    page = report(srv, analyst, frm, to, "page")
    assert page.status_code == 200 and 'id="noise" data-epsilon="0.5"' in page.text


def test_nam09_noise_absent_when_not_declared(make_server):
    srv = make_server()
    frm, to = seed(srv)
    analyst = staff_signin(srv, make_staff(srv, "analyst"))
    docs = [report(srv, analyst, frm, to).json() for _ in range(8)]
    assert all(d["noise"] is None for d in docs)
    assert all(cells(d)[("/privacy", frm)]["visitors"] == 50 for d in docs)
    assert all(cells(d)[("/privacy", to)]["views"] == 80 for d in docs)
    csv = report(srv, analyst, frm, to, "csv").text
    assert csv.startswith("profile,profile_version,area,day,visitors,views\r\n")
    assert 'id="noise"' not in report(srv, analyst, frm, to, "page").text
    assert srv.sql("SELECT COUNT(*) FROM statistics_budget")[0][0] in (0, "0")


def test_nam09_budget_spent_refuses_further_reports(make_server, tmp_path):
    srv = make_server(profile=noisy_profile(tmp_path, 1, 3))
    frm, to = seed(srv)
    analyst = staff_signin(srv, make_staff(srv, "analyst"))
    # Three reports in any form spend the budget of 3 ...
    assert report(srv, analyst, frm, to).status_code == 200
    assert report(srv, analyst, frm, to, "csv").status_code == 200
    assert report(srv, analyst, frm, to, "page").status_code == 200
    # ... and the fourth is refused, whatever its form, until the next period.
    r = report(srv, analyst, frm, to)
    assert r.status_code == 429 and r.json()["error"]["code"] == "privacy_budget_spent", r.text
    assert 0 < int(r.headers["Retry-After"]) <= DAY
    assert report(srv, analyst, frm, to, "csv").status_code == 429
    page = report(srv, analyst, frm, to, "page")
    assert page.status_code == 429 and "privacy budget" in page.text
    assert not re.search(r"\d+ \(\d+\)", page.text)       # no figure shown
    # A range refused spends nothing: the answer is the range's error.
    assert report(srv, analyst, to, frm).status_code == 400
    # Another analyst has a budget of their own.
    other = staff_signin(srv, make_staff(srv, "analyst"))
    assert report(srv, other, frm, to).status_code == 200
    # A new period starts afresh: move this one's spending into the past.
    srv.sql("UPDATE statistics_budget SET period_start = period_start - 86400")
    assert report(srv, analyst, frm, to).status_code == 200


def check(tmp_path, block):
    text = open(os.path.join(ROOT, "profiles", "north-american-motoring.yaml")).read()
    path = str(tmp_path / "p.yaml")
    with open(path, "w") as f:
        f.write(text + "\n" + block)
    out = subprocess.run([BIN, "profile", "check", path], capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def test_nam09_checker_refuses_a_bad_noise_block(tmp_path):
    assert check(tmp_path, "noise:\n  epsilon: 0.5\n  budget: 5\n  period: 1d\n")[0] == 0
    rc, out = check(tmp_path, "noise:\n  epsilon: 0\n  budget: 5\n  period: 1d\n")
    assert rc == 1 and "'epsilon' must be a number greater than 0 and at most 10" in out
    rc, out = check(tmp_path, "noise:\n  epsilon: 2\n  budget: 1\n  period: 1d\n")
    assert rc == 1 and "noise: 'budget' must be at least 'epsilon'" in out
    rc, out = check(tmp_path, "noise:\n  epsilon: 1\n  budget: 5\n  period: weekly\n")
    assert rc == 1 and "noise: bad period 'weekly'" in out
    rc, out = check(tmp_path, "noise:\n  epsilon: 1\n  budget: 5\n")
    assert rc == 1 and "noise is missing required key 'period'" in out
