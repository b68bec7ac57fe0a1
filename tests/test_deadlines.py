"""Deadlines against a real nbgrader gradebook: submissions with nbgrader's exchange's
``timestamp.txt`` graded by ``python -m autograder grade``, the course's deadlines file
applied through nbgrader's own ``AssignLatePenalties`` (the kit's plugin), and what the
gradebook, nbgrader's export, ``grades.csv``, ``results.json`` and the feedback pages then say.

The policy (below): 10% of the score per started day late. ann and ben both submit batch norm
1.5 days late; ben has a 2-day extension. sam has 3 late days of his own and submits both
assignments 1.5 days late: batch norm spends 2 (no penalty), dropout the last one (12 hours
left: one started day). Every expected number is worked out here from that policy and the
points of the tasks, never by the code under test.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT
from support.corpus import student_nb

from autograder.deadlines.course import POLICY_ENV
from autograder.layout import ROOT, get
from autograder.tasks import registry_of

POLICY = """\
timezone = "UTC"
[late]
penalty_percent = 10
[late_days]
extra = { sam = 3 }
[assignments.batchnorm]
due = 2026-04-17T23:59:00
[assignments.dropout]
due = 2026-05-01T23:59:00
[extensions.ben]
batchnorm = { days = 2 }
"""
LATE = {"batchnorm": "2026-04-19 11:59:00.000000 UTC", "dropout": "2026-05-03 11:59:00.000000 UTC"}
"""nbgrader's timestamp.txt of each submission: 1.5 days after the due date."""
STUDENTS = {"batchnorm": ("ann", "ben", "sam"), "dropout": ("sam",)}


def autograded(name: str) -> float:
    """The autograded points of an assignment: what a full submission scores before a TA."""
    return sum(t.points for t in registry_of(name).values())


def kit(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, *args], capture_output=True, text=True, env=env or ENV, cwd=ROOT, timeout=900,
    )  # fmt: skip


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Both assignments graded into one gradebook, each into an OUT of its own."""
    root = tmp_path_factory.mktemp("deadlines")
    (root / "deadlines.toml").write_text(POLICY)
    env = {**ENV, POLICY_ENV: str(root / "deadlines.toml")}
    db = f"sqlite:///{root / 'gradebook.db'}"
    for name, students in STUDENTS.items():
        assignment = get(name)
        for student in students:
            folder = root / f"subs-{name}" / student
            folder.mkdir(parents=True)
            nbformat.write(student_nb(assignment), folder / assignment.notebook)
            (folder / "timestamp.txt").write_text(LATE[name])
        done = kit(
            "grade", str(root / f"subs-{name}"), "--out", str(root / name), "--db", db,
            "--workers", "2", "--no-sandbox", env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    return {"root": root, "db": db, "env": env}


def recorded(course, name: str, student: str):
    """(the submission's seconds late, its extension, the notebook's penalty and raw score), as
    nbgrader's gradebook holds them."""
    from nbgrader.api import Gradebook

    with Gradebook(course["db"]) as gb:
        submission = gb.find_submission(name, student)
        notebook = gb.find_submission_notebook(get(name).notebook_id, name, student)
        return (
            submission.total_seconds_late,
            submission.extension,
            notebook.late_submission_penalty,
            notebook.score,
        )


def test_a_day_and_a_half_late_gets_the_configured_penalty(course):
    penalty = round(0.20 * autograded("batchnorm"), 2)  # 2 started days at 10%
    ann = rows(course["root"] / "batchnorm")["ann"]
    assert float(ann["late_penalty"]) == pytest.approx(penalty)
    assert float(ann["total"]) == pytest.approx(autograded("batchnorm") - penalty)
    assert ann["submitted_at"] == "2026-04-19T11:59:00Z" and ann["due"] == "2026-04-17T23:59:00Z"
    assert ann["hours_late"] == "36" and ann["late_days_used"] == "0"
    seconds, extension, in_gradebook, raw = recorded(course, "batchnorm", "ann")
    assert seconds == 36 * 3600 and extension is None
    assert in_gradebook == pytest.approx(penalty) and raw == autograded("batchnorm")


def test_another_students_extension_spares_them(course):
    ben = rows(course["root"] / "batchnorm")["ben"]
    assert float(ben["late_penalty"]) == 0 and float(ben["total"]) == autograded("batchnorm")
    assert ben["due"] == "2026-04-19T23:59:00Z" and ben["hours_late"] == "0"
    seconds, extension, penalty, _ = recorded(course, "batchnorm", "ben")
    assert extension == timedelta(days=2) and seconds == 0 and not penalty


def test_late_days_are_shared_across_the_assignments(course):
    sam = rows(course["root"] / "batchnorm")["sam"]
    assert (sam["late_days_used"], float(sam["late_penalty"])) == ("2", 0)
    assert float(sam["total"]) == autograded("batchnorm")
    later = rows(course["root"] / "dropout")["sam"]
    penalty = round(0.10 * autograded("dropout"), 2)  # 1 day off 1.5: one started day
    assert later["late_days_used"] == "1" and float(later["late_penalty"]) == pytest.approx(penalty)
    assert recorded(course, "dropout", "sam")[2] == pytest.approx(penalty)
    late = json.loads((course["root"] / "dropout" / "results.json").read_text())["sam"]["late"]
    assert (late["late_days_used"], late["late_days_left"]) == (1, 0)


def test_results_and_the_feedback_say_it(course):
    out = course["root"] / "batchnorm"
    ann = json.loads((out / "results.json").read_text())["ann"]
    penalty = round(0.20 * autograded("batchnorm"), 2)
    assert ann["late"]["status"] == "late" and ann["late"]["hours_late"] == 36
    assert ann["late"]["penalty"] == pytest.approx(penalty)
    assert ann["total"] == pytest.approx(autograded("batchnorm") - penalty)
    said = "1 day 12 hours after the due date (due 2026-04-17 23:59 UTC). Late penalty: 20% "
    for page in (
        out / "feedback" / "ann.html",
        out / "feedback" / "ann" / "BatchNormalization.html",
    ):
        text = page.read_text()
        assert said in text and f"{penalty:g} points" in text, page
    assert "with your extension" in (out / "feedback" / "ben.html").read_text()


def test_nbgraders_export_agrees_with_the_kits_grades(course):
    csv_path = course["root"] / "nbgrader.csv"
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", str(csv_path)],
        cwd=course["root"] / "batchnorm" / "course", env=ENV, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with open(csv_path, newline="") as f:
        exported = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    # nbgrader lists every student of the gradebook under every assignment; those submitted:
    for name, students in STUDENTS.items():
        kit_rows = rows(course["root"] / name)
        for student in students:
            theirs = exported[(name, student)]
            assert float(theirs["score"]) == pytest.approx(float(kit_rows[student]["total"]))
            penalty = float(theirs["late_submission_penalty"])
            assert penalty == pytest.approx(float(kit_rows[student]["late_penalty"]))


def test_a_change_of_the_file_applies_at_the_next_export_and_spends_nothing_twice(course):
    """An extension granted after grading: ``export`` takes the penalty off, in the gradebook
    too; the file as it was puts it back. Exporting dropout again spends no late day twice."""
    out, changed = course["root"] / "batchnorm", course["root"] / "granted.toml"
    changed.write_text(POLICY + "[extensions.ann]\nbatchnorm = 2026-04-20T00:00:00\n")
    done = kit("export", str(out), env={**course["env"], POLICY_ENV: str(changed)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert float(rows(out)["ann"]["late_penalty"]) == 0
    assert not recorded(course, "batchnorm", "ann")[2]
    done = kit("export", str(out), env=course["env"])
    assert done.returncode == 0, done.stdout + done.stderr
    penalty = round(0.20 * autograded("batchnorm"), 2)
    assert float(rows(out)["ann"]["late_penalty"]) == pytest.approx(penalty)
    assert recorded(course, "batchnorm", "ann")[2] == pytest.approx(penalty)
    for _ in range(2):
        done = kit("export", str(course["root"] / "dropout"), env=course["env"])
        assert done.returncode == 0, done.stdout + done.stderr
        assert rows(course["root"] / "dropout")["sam"]["late_days_used"] == "1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[late]\npenalty_percent = 'ten'\n", "late.penalty_percent: expected a number, got 'ten'"),
        ("[assignments.batchnorm]\ndue = 2026-04-17\n", "assignments.batchnorm.due: 2026-04-17 "),
    ],
)
def test_a_bad_deadlines_file_stops_grading_with_a_clear_error(tmp_path, text, message):
    (tmp_path / "deadlines.toml").write_text(text)
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    nbformat.write(student_nb(), tmp_path / "subs" / "ann" / "BatchNormalization.ipynb")
    env = {**ENV, POLICY_ENV: str(tmp_path / "deadlines.toml")}
    done = kit("grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {tmp_path / 'deadlines.toml'}: ") and message in last, last
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_a_gradescope_zip_refuses_late_days(tmp_path):
    (tmp_path / "deadlines.toml").write_text(POLICY)
    env = {**ENV, POLICY_ENV: str(tmp_path / "deadlines.toml")}
    done = kit("gradescope", "--out", str(tmp_path / "a.zip"), env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "late days shared across assignments cannot be spent there" in done.stderr
    assert not (tmp_path / "a.zip").exists()
