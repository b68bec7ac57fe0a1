"""``python -m autograder export OUT --lms canvas --roster ROSTER.csv`` on a class graded into a
real nbgrader gradebook, a TA's score in it: canvas.csv carries Canvas's header, Points Possible
and the gradebook's totals; ann is found by her SIS Login ID, ben through the mapping; cal (in
OUT only) and dora (in Canvas only) are reported, not dropped.
"""

from __future__ import annotations

import csv
import stat
import subprocess

import pytest
from conftest import ENV, KIT, grade_class
from support.corpus import student_nb
from support.paths import ASSIGNMENT, NOTEBOOK_ID

from autograder.layout import ROOT

COLUMN = "Batch Normalization (4711)"
ROSTER = (
    f"Student,ID,SIS User ID,SIS Login ID,Section,{COLUMN},Current Score,Final Score\n"
    "    Points Possible,,,,,55.00,(read only),(read only)\n"
    '"Archer, Ann",101,S101,ann,CS231n-01,,0.00,0.00\n'
    '"Brown, Ben",102,S102,bsmith,CS231n-01,,0.00,0.00\n'
    '"Doe, Dora",104,S104,dora,CS231n-02,,0.00,0.00\n'
    '"Student, Test",105,,,CS231n-01,,0.00,0.00\n'
)
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", COLUMN]


def kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, *args], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600
    )


def rows(path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """ann, ben and cal graded; a TA scores ann's first written answer 2.5; then the export."""
    root = tmp_path_factory.mktemp("lms")
    out = grade_class(root, {s: student_nb() for s in ("ann", "ben", "cal")})
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "batchnorm-kit") as gb:
        gb.find_grade("inline_question_1", NOTEBOOK_ID, ASSIGNMENT, "ann").manual_score = 2.5
        gb.db.commit()
        totals = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("ann", "ben", "cal")}
        possible = gb.find_assignment(ASSIGNMENT).max_score
    (root / "roster.csv").write_text(ROSTER)
    (root / "map.csv").write_text("student_id,login\nben,bsmith\n")
    run = kit("export", str(out), "--lms", "canvas", "--roster", str(root / "roster.csv"),
              "--map", str(root / "map.csv"))  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return {"out": out, "root": root, "run": run, "totals": totals, "possible": possible}


def test_canvas_csv_carries_canvass_header(exported):
    found = rows(exported["out"] / "canvas.csv")
    assert found[0] == CANVAS_HEADER
    assert found[1] == ["    Points Possible", "", "", "", "", f"{exported['possible']:g}"]


def test_its_scores_are_the_gradebooks(exported):
    found = {r[3]: r for r in rows(exported["out"] / "canvas.csv")[2:]}
    assert set(found) == {"ann", "bsmith"}  # ben through the mapping
    assert found["ann"] == ["Archer, Ann", "101", "S101", "ann", "CS231n-01",
                            f"{exported['totals']['ann']:g}"]  # fmt: skip
    assert float(found["bsmith"][5]) == exported["totals"]["ben"]
    assert exported["totals"]["ann"] == exported["totals"]["ben"] + 2.5  # the TA's score


def test_unmatched_students_are_reported(exported):
    stderr = exported["run"].stderr
    assert "OUT only: cal" in stderr and "roster only: dora (Doe, Dora)" in stderr
    listed = rows(exported["out"] / "lms_unmatched.csv")
    assert listed[0] == ["list", "student_id", "login", "name", "why"]
    assert {(r[0], r[1] or r[2]) for r in listed[1:]} == {
        ("OUT only", "cal"),
        ("roster only", "dora"),
    }
    assert "written answers no TA has scored yet" in stderr  # totals so far, said so


def test_the_plain_csv_for_moodle_and_blackboard(exported):
    out, root = exported["out"], exported["root"]
    run = kit("export", str(out), "--lms", "plain", "--map", str(root / "map.csv"))
    assert run.returncode == 0, run.stdout + run.stderr
    found = rows(out / "lms.csv")
    assert found[0] == ["Username", "student_id", "score", "max_score"]
    totals, possible = exported["totals"], f"{exported['possible']:g}"
    logins = {"ann": "ann", "ben": "bsmith", "cal": "cal"}
    assert found[1:] == [[logins[s], s, f"{totals[s]:g}", possible] for s in logins]


def test_what_it_writes_is_private(exported):
    for name in ("canvas.csv", "lms_unmatched.csv"):
        assert stat.S_IMODE((exported["out"] / name).stat().st_mode) == 0o600, name


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--lms", "canvas"), "--lms canvas needs --roster"),
        (("--roster", "ROSTER"), "--roster, --map and --column go with --lms"),
        (("--lms", "canvas", "--roster", "MAP"), "--lms canvas needs --roster"),  # not Canvas's
        (("--lms", "plain", "--roster", "BAD"), "no login column"),
    ],
)
def test_a_wrong_request_is_refused_before_anything_is_written(exported, args, words):
    out, root = exported["out"], exported["root"]
    (root / "bad.csv").write_text("name,email\nAnn,ann@example.org\n")
    paths = {name: str(root / f"{name.lower()}.csv") for name in ("ROSTER", "MAP", "BAD")}
    before = (out / "grades.csv").stat().st_mtime_ns
    run = kit("export", str(out), *(paths.get(a, a) for a in args))
    assert run.returncode == 2 and words in run.stderr, run.stderr
    assert (out / "grades.csv").stat().st_mtime_ns == before
