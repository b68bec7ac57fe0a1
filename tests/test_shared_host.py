"""A shared grading host: two real students and the grader on one machine, a course on
nbgrader's exchange set up as ``make course`` does, and what each student can read.

Two throwaway Unix users fetch the assignment and submit through the exchange with nbgrader's
own commands, as themselves; the grader (root, as in CI) collects, grades with the kit under the
umask 022 of a default shell, and releases the feedback. Then, as the second student: nothing of
the first student's (their submission in the exchange, in the course and in OUT, their feedback
and grades), nothing of OUT (it cannot even be listed) and not the grading secret; while the
released assignment and their own feedback stay theirs to fetch. ``doctor`` flags the reference
solution of a course whose root other users can read, and is right to: the second student reads
it, until it is made 0700.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT, needs_bubblewrap
from support.corpus import student_nb
from support.hostusers import open_folder, readable, run_as, throwaway_user
from support.paths import ASSIGNMENT, NOTEBOOK, NOTEBOOK_ID

from autograder.layout import ROOT

pytestmark = [pytest.mark.usefixtures("root"), needs_bubblewrap]

COURSE_ID = "batchnorm-kit"


def instructor(*command: str | Path, cwd: Path, env: dict | None = None) -> str:
    """The grader's command, under the umask of a default shell (022)."""
    done = subprocess.run(
        list(map(str, command)), cwd=cwd, env=env or ENV, capture_output=True, text=True,
        timeout=900, check=False, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def as_student(student, *command: str) -> str:
    done = run_as(student, "nbgrader", *command)
    assert done.returncode == 0, f"{student.name}: nbgrader {command}\n{done.stderr}"
    return done.stderr


@pytest.fixture(scope="module")
def host():
    """The course, after a round of submissions, grading and feedback, with two students."""
    with (
        open_folder("shared-host-") as base,
        throwaway_user(base, "kita") as first,
        throwaway_user(base, "kitb") as second,
    ):
        course = base / "course"
        instructor(sys.executable, ROOT / "scripts" / "course.py", course, cwd=ROOT)
        instructor("nbgrader", "release_assignment", ASSIGNMENT, cwd=course)
        for student in (first, second):
            config = student.home / ".jupyter" / "nbgrader_config.py"
            config.parent.mkdir()
            shutil.copy(course / "student" / "nbgrader_config.py", config)
            shutil.chown(config.parent, student.name, student.name)
            shutil.chown(config, student.name, student.name)
            as_student(student, "fetch_assignment", ASSIGNMENT)
        # the first student's answers (the second submits the blank release)
        nbformat.write(student_nb(), first.home / ASSIGNMENT / NOTEBOOK)
        shutil.chown(first.home / ASSIGNMENT / NOTEBOOK, first.name, first.name)
        for student in (first, second):
            as_student(student, "submit", ASSIGNMENT)

        instructor("nbgrader", "collect", ASSIGNMENT, cwd=course)
        instructor(
            *KIT, "grade", ".", "--out", f"graded/{ASSIGNMENT}", "--workers", "2", cwd=course
        )
        instructor("nbgrader", "release_feedback", ASSIGNMENT, cwd=course)
        fetched = {s.name: as_student(s, "fetch_feedback", ASSIGNMENT) for s in (first, second)}
        yield {"base": base, "course": course, "first": first, "second": second, "log": fetched}


def feedback_of(student) -> Path:
    (page,) = (student.home / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK_ID}.html")
    return page


def test_each_student_fetches_their_own_feedback(host):
    """Released, a page the kit wrote 0600 becomes its student's to fetch (0644 in the
    exchange's unlisted feedback folder, as stock nbgrader's are)."""
    with open(host["course"] / "graded" / ASSIGNMENT / "grades.csv", newline="") as f:
        totals = {row["student_id"]: float(row["total"]) for row in csv.DictReader(f)}
    assert totals == {host["first"].name: 43.0, host["second"].name: 0.0}
    for student in (host["first"], host["second"]):
        shown = re.search(r"Total: ([\d.]+) / 55\b", feedback_of(student).read_text())
        assert shown and float(shown.group(1)) == totals[student.name]
    released = sorted((host["course"] / "exchange" / COURSE_ID / "feedback").glob("*.html"))
    assert [page.stat().st_mode & 0o777 for page in released] == [0o644, 0o644]


def test_the_second_student_reads_nothing_of_the_first_students(host):
    course, first, second = host["course"], host["first"], host["second"]
    inbound = course / "exchange" / COURSE_ID / "inbound"
    (submission,) = inbound.glob(f"{first.name}+{ASSIGNMENT}+*")
    graded = course / "graded" / ASSIGNMENT
    theirs = [
        inbound,  # nobody but the instructor lists the submissions (nbgrader's 2733)
        course / "submitted",
        course / "submitted" / first.name / ASSIGNMENT / NOTEBOOK,
        graded / "course" / "submitted" / first.name / ASSIGNMENT / NOTEBOOK,
        graded / "course" / "autograded" / first.name / ASSIGNMENT / NOTEBOOK,
        graded / "course" / "feedback" / first.name / ASSIGNMENT / f"{NOTEBOOK_ID}.html",
        graded / "feedback" / f"{first.name}.html",
        graded / "feedback" / first.name / f"{NOTEBOOK_ID}.html",
        graded / "results" / f"{first.name}.json",
        course / "exchange" / COURSE_ID / "feedback",  # released pages: not listed
        course / "gradebook.db",
    ]
    assert readable(second, theirs) == dict.fromkeys(theirs, False)
    # what stays readable, by design: the released assignment; and a submission's folder in
    # the exchange (0777, nbgrader's) to whoever knows its name, which ends in a random part
    released = course / "exchange" / COURSE_ID / "outbound" / ASSIGNMENT / NOTEBOOK
    assert readable(second, [released, submission / NOTEBOOK]) == {
        released: True,
        submission / NOTEBOOK: True,
    }
    assert len(submission.name.rsplit("+", 1)[-1]) >= 8


def test_the_second_student_reads_no_grades_nor_the_secret(host):
    graded, second = host["course"] / "graded" / ASSIGNMENT, host["second"]
    private = [
        graded,
        graded / "grades.csv",
        graded / "results.json",
        graded / "report.html",
        graded / "gradebook.db",
        graded / "grading_secret",
        graded / "settings.json",
        graded / "course" / "nbgrader_config.py",
    ]
    assert readable(second, private) == dict.fromkeys(private, False)


def test_nothing_in_out_is_readable_by_others(host):
    """Whatever the grader's umask (022 here): folders 0700, files without any bit for others
    or the group, nbgrader's own outputs included."""
    graded = host["course"] / "graded" / ASSIGNMENT
    wrong = []
    for top, dirs, files in os.walk(graded):
        for name in dirs:
            if (Path(top, name).stat().st_mode & 0o7777) != 0o700:
                wrong.append(Path(top, name))
        for name in files:
            if Path(top, name).stat().st_mode & 0o077:
                wrong.append(Path(top, name))
    assert not wrong, [f"{p} {p.stat().st_mode & 0o7777:o}" for p in wrong[:10]]


def doctor(course_root: Path, out: Path) -> str:
    run = subprocess.run(
        [*KIT, "doctor", "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
        timeout=900, env={**ENV, "AUTOGRADER_COURSE_ROOT": str(course_root)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_doctor_flags_a_reference_other_users_can_read(host):
    """A course root in a folder every user passes through, as a clone in a Debian home."""
    kit = host["base"] / "kit"
    kit.mkdir(mode=0o755)
    kit.chmod(0o755)
    for name in ("solutions", "assignment"):
        shutil.copytree(ROOT / name, kit / name, ignore=shutil.ignore_patterns("__pycache__"))
        for top, dirs, files in os.walk(kit / name):  # a checkout under umask 022
            for d in dirs:
                Path(top, d).chmod(0o755)
            for f in files:
                Path(top, f).chmod(0o644)
    shutil.copy(ROOT / "nbgrader_config.py", kit)
    reference = kit / "solutions" / ASSIGNMENT / NOTEBOOK
    graded = host["course"] / "graded" / ASSIGNMENT

    told = doctor(kit, graded)
    warning = [line for line in told.splitlines() if "[WARNING] the reference solution" in line]
    assert warning and f"can read {kit / 'solutions'} " in warning[0], told
    assert f"chmod 700 {kit / 'solutions'}" in warning[0]
    for what, path in (
        ("a grading folder (grades, feedback, submissions)", graded),
        ("its grading secret", graded / "grading_secret"),
        ("its gradebook", graded / "gradebook.db"),
    ):
        assert f"[private] {what}: other users cannot read {path}\n" in told, told
    assert readable(host["second"], [reference]) == {reference: True}  # the warning is right

    (kit / "solutions").chmod(0o700)
    told = doctor(kit, graded)
    private = f"[private] the reference solution (solutions/): other users cannot read {kit}"
    assert f"{private}/solutions\n" in told, told
    assert readable(host["second"], [reference]) == {reference: False}
