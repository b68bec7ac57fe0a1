"""A PostgreSQL gradebook shared by graders working at the same time.

A private PostgreSQL server (``tests/support/postgres.py``) holds one gradebook; two ``grade``
processes run at the same time, each for a disjoint half of a class (``--shard 1/2`` and
``--shard 2/2``), both with ``--db`` naming that database. Afterwards every grade is in it,
nbgrader's own ``nbgrader export`` (run in a course folder whose configuration points at it)
lists every student, nothing went to an SQLite file, and ``merge`` keeps the shared gradebook
as its own.
The submissions are the kit's own honest ones, graded without the sandbox: the gradebook is
what is tested here.
"""

from __future__ import annotations

import csv
import os
import subprocess

import nbformat
import pytest
from conftest import BIN, ENV, IN_CI, kit
from support import postgres
from support.corpus import student_nb
from support.paths import ASSIGNMENT, NOTEBOOK

from autograder.tasks import points as task_points

CLASS = ["ada", "bo", "cy", "di", "ed", "flo"]
FULL = sum(task_points().values())


@pytest.fixture(scope="module")
def db_url():
    """A private PostgreSQL server: skipped without one on a laptop, a failure in CI."""
    try:
        with postgres.server() as url:
            yield url
    except postgres.Unavailable as exc:
        message = f"PostgreSQL is needed and cannot be started here: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI must exercise the PostgreSQL gradebook)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def graded(db_url, tmp_path_factory):
    """Two grade processes started together on one PostgreSQL gradebook, a half class each."""
    root = tmp_path_factory.mktemp("postgres")
    subs = root / "subs"
    for student in CLASS:
        (subs / student).mkdir(parents=True)
        nbformat.write(student_nb(), subs / student / NOTEBOOK)
    secret = root / "secret"
    secret.write_bytes(os.urandom(32))
    outs = [root / "half1", root / "half2"]
    runs = [
        kit("grade", str(subs), "--out", str(out), "--db", db_url, "--secret", str(secret),
            "--shard", f"{i}/2", "--workers", "1", "--no-sandbox")
        for i, out in enumerate(outs, start=1)
    ]  # fmt: skip
    logs = [run.communicate(timeout=900)[0] for run in runs]
    for run, log in zip(runs, logs, strict=True):
        assert run.returncode == 0, log
    return {"root": root, "outs": outs, "logs": logs, "secret": secret}


def test_each_process_graded_its_half(graded):
    halves = []
    for out in graded["outs"]:
        with open(out / "grades.csv") as f:
            rows = list(csv.DictReader(f))
        assert all(r["status"] == "graded" and float(r["total"]) == FULL for r in rows), rows
        halves.append({r["student_id"] for r in rows})
    assert halves == [set(CLASS[:3]), set(CLASS[3:])]


def test_every_grade_is_in_the_shared_gradebook(graded, db_url):
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "batchnorm-kit") as gb:
        submissions = {s.student.id: s for s in gb.assignment_submissions(ASSIGNMENT)}
        assert set(submissions) == set(CLASS)
        for student in CLASS:
            assert submissions[student].code_score == FULL, student


def test_nothing_went_to_an_sqlite_gradebook(graded, db_url):
    for out in graded["outs"]:
        assert not (out / "gradebook.db").exists()
        config = (out / "course" / "nbgrader_config.py").read_text()
        assert f"c.CourseDirectory.db_url = {db_url!r}" in config


def test_nbgrader_export_lists_every_student(graded, tmp_path):
    course = graded["outs"][0] / "course"
    done = subprocess.run(
        [str(BIN / "nbgrader"), "export", "--to", str(tmp_path / "grades.csv")],
        capture_output=True, text=True, env=ENV, cwd=course, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "grades.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(CLASS)
    assert all(float(r["raw_score"]) == FULL for r in rows.values()), rows


def test_merge_keeps_the_shared_gradebook(graded, db_url):
    merged = graded["root"] / "merged"
    run = kit("merge", *map(str, graded["outs"]), "--out", str(merged))
    log = run.communicate(timeout=600)[0]
    assert run.returncode == 0, log
    with open(merged / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["student_id"] for r in rows] == CLASS
    assert all(float(r["total"]) == FULL for r in rows)
    assert not (merged / "gradebook.db").exists()
    assert db_url.rsplit("@", 1)[1] in log  # it says which gradebook it used


def test_grading_waits_while_another_grader_writes_the_assignment(db_url):
    """A grader writing the assignment into the shared gradebook (``generate_assignment``
    removes and re-creates its notebook) holds the assignment's lock exclusively; autograde and
    feedback take it shared, so they never read a half-written assignment. Seen without it: 2
    of 5 pairs of graders started together lost a student to "Cell ... does not exist"."""
    import threading

    from autograder.course.database import ASSIGNMENT_LOCK, exclusive, sharing

    inside = threading.Event()

    def grade():
        with sharing(db_url, ASSIGNMENT_LOCK):
            inside.set()

    with sharing(db_url, ASSIGNMENT_LOCK), sharing(db_url, ASSIGNMENT_LOCK):
        pass  # graders share it with each other
    with exclusive(db_url, ASSIGNMENT_LOCK):
        grader = threading.Thread(target=grade)
        grader.start()
        assert not inside.wait(2), "a grader read the assignment while it was being written"
    grader.join(60)
    assert inside.is_set()
