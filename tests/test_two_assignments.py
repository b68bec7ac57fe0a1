"""One course, two assignments: the course ``make course`` sets up releases both on nbgrader's
exchange; each is graded into a folder of its own, both into the course's one gradebook, and
``nbgrader export`` lists both; the grade command tells the assignment from the notebooks'
names, and refuses, naming the choices, when it cannot."""

from __future__ import annotations

import csv
import subprocess
import sys

import nbformat
import pytest
from conftest import ENV, KIT
from support.corpus import student_nb
from support.dropout_variants import DROPOUT

from autograder.layout import ROOT, assignments
from autograder.tasks import registry_of

STUDENT = "sam"


def nbgrader(*args: str, cwd) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=ENV,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, "grade", *args, "--workers", "2"], cwd=ROOT, env=ENV,
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with both assignments released, and one student's submission of each graded
    into its own folder, both into the course's gradebook."""
    root = tmp_path_factory.mktemp("course")
    subprocess.run(
        [sys.executable, "scripts/course.py", str(root / "c")], cwd=ROOT, env=ENV, check=True,
        capture_output=True,
    )  # fmt: skip
    course = root / "c"
    for name in assignments():
        nbgrader("release_assignment", name, cwd=course)
    db = f"sqlite:///{course / 'gradebook.db'}"
    graded = {}
    for name, assignment in assignments().items():
        subs = root / f"subs-{name}" / STUDENT
        subs.mkdir(parents=True)
        nbformat.write(student_nb(assignment), subs / assignment.notebook)
        done = grade(str(subs.parent), "--out", str(course / "graded" / name), "--db", db)
        assert done.returncode == 0, done.stdout + done.stderr
        graded[name] = done
    return course, root, graded


def test_the_exchange_releases_both(course):
    released = course[0] / "exchange" / "batchnorm-kit" / "outbound"
    assert sorted(p.name for p in released.iterdir()) == sorted(assignments())
    for name, assignment in assignments().items():
        assert (released / name / assignment.notebook).is_file()


def test_each_assignment_is_told_from_its_notebooks(course):
    """Neither grade run named its assignment: each was told by the notebook's name."""
    for name, done in course[2].items():
        assert f"grading [1/1] {STUDENT}" in done.stdout
        points = sum(t.points for t in registry_of(name).values())
        assert f"{points:g}/" in done.stdout, done.stdout


def test_nbgrader_export_lists_both_from_the_one_gradebook(course):
    nbgrader("export", "--to", "grades.csv", cwd=course[0])
    with open(course[0] / "grades.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["student_id"] == STUDENT]
    scores = {r["assignment"]: float(r["raw_score"]) for r in rows}
    assert set(scores) == set(assignments())
    for name in assignments():
        assert scores[name] == sum(t.points for t in registry_of(name).values())


def test_mixed_submissions_need_the_assignment_named(course, tmp_path):
    """Submissions of both notebooks: the command cannot tell, says so, names the choices."""
    for name, assignment in assignments().items():
        folder = tmp_path / "subs" / f"{STUDENT}-{name}"
        folder.mkdir(parents=True)
        nbformat.write(student_nb(assignment), folder / assignment.notebook)
    done = grade(str(tmp_path / "subs"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stdout + done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert "--assignment" in message and "batchnorm, dropout" in message, message
    assert not (tmp_path / "out").exists()


def test_a_folder_graded_for_one_assignment_refuses_the_other(course):
    course_dir, root, _ = course
    done = grade(
        str(root / f"subs-{DROPOUT.name}"), "--out", str(course_dir / "graded" / "batchnorm"),
        "--assignment", DROPOUT.name,
    )  # fmt: skip
    assert done.returncode != 0
    assert "holds the grades of the assignment 'batchnorm', not 'dropout'" in done.stderr
