"""Issue 12, rule 4 (NAM12, data minimisation): the age screen keeps the
fact "old enough, stated on DATE", not the date of birth, unless the
profile declares a purpose (other than the age screen itself) that needs
the date; then it is kept, sealed, as before."""
import datetime

import requests

from test_members import PASSWORD, birth, join, person

BORN = "1975-03-09"
# The forms a date of birth could take in a file.
FORMS = [BORN, "09/03/1975", "03/09/1975", "19750309", "1975/03/09", "9 March 1975"]

# A purpose that needs the date of birth (a birthday greeting), added to the
# bundled north-american-motoring profile.
BIRTHDAY_PURPOSE = """  - id: birthday_greetings
    label: Birthday greetings
    description: A greeting on your birthday, if you ask for one.
    kind: communication
    basis: opt_in
    subjects: [member]
    categories: [name, email, date_of_birth]
    retention:
      name: account
      email: account
      date_of_birth: account
    topics: [birthdays]
"""


def birth_date_profile(directory):
    """The path of a profile that declares a purpose needing the date of birth."""
    import os
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "profiles", "north-american-motoring.yaml")) as f:
        text = f.read()
    anchor = "  # NAM04: request and order data serve only"
    assert anchor in text
    path = os.path.join(str(directory), "birthday.yaml")
    with open(path, "w") as f:
        f.write(text.replace(anchor, BIRTHDAY_PURPOSE + anchor, 1))
    return path


def revision_without_it(directory):
    """The bundled profile as version 2: the purpose that needed the date is gone."""
    import os
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, "profiles", "north-american-motoring.yaml")) as f:
        text = f.read()
    assert "\nversion: 1\n" in text
    path = os.path.join(str(directory), "revision.yaml")
    with open(path, "w") as f:
        f.write(text.replace("\nversion: 1\n", "\nversion: 2\n", 1))
    return path


def in_files(server, needles):
    return {n for n in needles for b in server.raw_files().values() if n.encode() in b}


def test_nam12_signup_keeps_the_fact_not_the_date_of_birth(make_server):
    srv = make_server()
    s = requests.Session()
    r = join(srv, person(date_of_birth=BORN), s)
    assert r.status_code == 200, r.text
    mid = r.json()["id"]
    # Nothing of the date is held: the column is empty...
    assert srv.sql(f"SELECT COUNT(*) FROM members WHERE id = {mid} AND date_of_birth IS NULL") \
        == [["1"]]
    # ...the fact is: old enough, and when it was stated.
    row = srv.sql(f"SELECT age_stated_at, age_stated_min, created_at FROM members WHERE id = {mid}")
    assert int(row[0][1]) == 13 and row[0][0] == row[0][2]
    # The member's record and export show the fact and no date.
    me = s.get(srv.url("/api/v1/me"), timeout=10).json()
    assert "date_of_birth" not in me["data"]
    doc = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    assert doc["age_screen"] == {"at_least": 13,
                                 "stated_on": datetime.datetime.now(datetime.timezone.utc)
                                 .date().isoformat()}
    assert "date_of_birth" not in {i["category"] for i in doc["items"]}
    page = s.get(srv.url("/me"), timeout=10).text
    assert 'id="age-screen"' in page and "13 or older" in page
    # No trace of the date in any file of the database, in any form.
    assert in_files(srv, FORMS) == set()
    assert BORN not in srv.log_tail(1000)


def test_nam12_under_13_still_refused_and_nothing_stored(make_server):
    srv = make_server()
    young = birth(12)
    p = person(date_of_birth=young)
    r = requests.post(srv.url("/api/v1/signup"), json=p, timeout=30)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible"
    assert srv.sql("SELECT COUNT(*) FROM members") == [["0"]]
    assert in_files(srv, [young, p["email"], p["name"]]) == set()


def test_nam12_a_purpose_that_needs_the_date_keeps_it_sealed(make_server, tmp_path):
    srv = make_server(profile=birth_date_profile(tmp_path))
    s = requests.Session()
    r = join(srv, person(date_of_birth=BORN), s)
    assert r.status_code == 200, r.text
    mid = r.json()["id"]
    assert srv.sql(f"SELECT COUNT(*) FROM members WHERE id = {mid} AND date_of_birth IS NOT NULL") \
        == [["1"]]
    doc = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    items = {i["category"]: i for i in doc["items"]}
    assert items["date_of_birth"]["value"] == BORN
    assert "birthday_greetings" in items["date_of_birth"]["purposes"]
    assert doc["age_screen"]["at_least"] == 13
    # Kept, but sealed: not in the files as text.
    assert in_files(srv, FORMS) == set()


def test_nam12_members_from_before_keep_the_fact_and_lose_the_date(make_server, tmp_path):
    """A database from before the age screen kept only its fact: the first
    start computes the fact from the stored date and clears the date (here:
    a member who joined under a profile that kept it, and whose fact is
    unset as migration 017 leaves an older row, then a start under a
    revision that needs no date)."""
    srv = make_server(profile=birth_date_profile(tmp_path))
    p = person(date_of_birth=BORN)
    r = join(srv, p, requests.Session())
    assert r.status_code == 200, r.text
    mid = r.json()["id"]
    srv.sql(f"UPDATE members SET age_stated_at = NULL, age_stated_min = NULL WHERE id = {mid}")
    srv.profile = revision_without_it(tmp_path)
    srv.restart()
    row = srv.sql(f"SELECT age_stated_at, age_stated_min, created_at FROM members WHERE id = {mid}")
    assert row[0][0] == row[0][2] and int(row[0][1]) == 13
    assert srv.sql(f"SELECT COUNT(*) FROM members WHERE id = {mid} AND date_of_birth IS NULL") \
        == [["1"]]
    # The member still signs in, and the export shows the fact, not the date.
    s = requests.Session()
    r = s.post(srv.url("/api/v1/signin"), json={"email": p["email"], "password": PASSWORD},
               timeout=30)
    assert r.status_code == 200, r.text
    doc = s.get(srv.url("/api/v1/me/export"), timeout=10).json()
    assert doc["age_screen"]["at_least"] == 13
    assert "date_of_birth" not in {i["category"] for i in doc["items"]}
    assert BORN not in str(doc)
