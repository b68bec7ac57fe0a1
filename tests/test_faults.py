"""A fault of the grader's or the host's is never a grade, and grading never drops isolation.

The faults are real: a bubblewrap that fails to start a sandbox the way a busy host's does
("Creating new namespace failed: Resource temporarily unavailable") is put first on PATH
(``tests/fakes/bwrap``, the test double at the launcher boundary), and the real grade command
runs against it.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT, needs_bubblewrap
from support.corpus import student_nb
from support.paths import NOTEBOOK

from autograder.grading.supervise import LAUNCH_ATTEMPTS
from autograder.layout import ROOT
from autograder.tasks import points as task_points

FAKES = Path(__file__).resolve().parent / "fakes"
FULL = sum(task_points().values())

pytestmark = needs_bubblewrap


def fake_bwrap(folder: Path, fails: str, match: str = "") -> Path:
    """A bubblewrap in ``folder/bin`` that fails ``fails`` launches whose arguments hold
    ``match``; returns the file that counts them."""
    real = shutil.which("bwrap")
    assert real, "bubblewrap is not on PATH"
    state = folder / "launches"
    settings = {
        "FAKE_BWRAP_REAL": real,
        "FAKE_BWRAP_FAILS": fails,
        "FAKE_BWRAP_MATCH": match,
        "FAKE_BWRAP_STATE": str(state),
    }
    header = "".join(f"{k}={shlex.quote(v)}\n" for k, v in settings.items())
    script = (FAKES / "bwrap").read_text().replace("set -u\n", "set -u\n" + header, 1)
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    fake = folder / "bin" / "bwrap"
    fake.write_text(script)
    fake.chmod(0o755)
    return state


def fake_env(tmp_path: Path, fails: str, match: str = "") -> dict[str, str]:
    """The environment of a grade command whose bubblewrap fails ``fails`` launches."""
    fake_bwrap(tmp_path, fails, match)
    return {**ENV, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{ENV['PATH']}"}


def honest(subs: Path, students: list[str]) -> None:
    for student in students:
        (subs / student).mkdir(parents=True)
        nbformat.write(student_nb(), subs / student / NOTEBOOK)


def grade(subs: Path, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, "grade", str(subs), "--out", str(out),
         "--workers", "2"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=900,
    )  # fmt: skip


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def gradebook_students(out: Path) -> set[str]:
    """Students with a submission recorded in nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        return {s.student.id for s in gb.assignment_submissions("batchnorm")}


@pytest.fixture(scope="module")
def subs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("subs")
    honest(folder, ["ann", "ben", "cat"])
    return folder


def test_transient_launch_faults_are_retried(subs, tmp_path):
    """ben's first launches fail (fewer than the attempts allowed): everyone gets full marks."""
    env = fake_env(tmp_path, str(LAUNCH_ATTEMPTS - 1), match="grade-ben-")
    run = grade(subs, tmp_path / "out", env)
    assert run.returncode == 0, run.stdout + run.stderr
    graded = rows(tmp_path / "out")
    for student in ("ann", "ben", "cat"):
        assert graded[student]["status"] == "graded"
        assert graded[student]["isolation"] == "bubblewrap"
        assert float(graded[student]["total"]) == FULL, graded[student]
    assert int((tmp_path / "launches").read_text()) > LAUNCH_ATTEMPTS - 1


def test_persistent_launch_faults_leave_the_student_not_graded(subs, tmp_path):
    out = tmp_path / "out"
    run = grade(subs, out, fake_env(tmp_path, "always", match="grade-ben-"))
    assert run.returncode == 3, run.stdout + run.stderr
    assert "1 student(s) NOT GRADED" in run.stderr and "ben" in run.stderr
    graded = rows(out)
    assert graded["ben"]["status"] == "not graded"
    assert graded["ben"]["total"] == "" and graded["ben"]["batchnorm_backward"] == ""
    assert float(graded["ann"]["total"]) == float(graded["cat"]["total"]) == FULL
    results = json.loads((out / "results.json").read_text())
    ben = results["ben"]
    assert ben["status"] == "not graded" and "tasks" not in ben
    assert "before any of the student's code ran" in ben["reason"]
    assert "Resource temporarily unavailable" in ben["reason"] + ben["sandbox_stderr"]
    assert "NOT GRADED" in run.stdout and "Resource temporarily unavailable" in run.stdout
    # nothing of ben's is a grade: not in the gradebook, not marked done, not cached
    assert "ben" not in gradebook_students(out) and {"ann", "cat"} <= gradebook_students(out)
    assert not (out / "done" / "ben.json").exists()
    assert not (out / "results" / "ben.json").exists()
    page = (out / "feedback" / "ben.html").read_text()
    assert "Not graded yet" in page and "sys.exit" not in page and "0 /" not in page

    # a plain rerun, with the host healthy again, grades exactly ben
    again = grade(subs, out, ENV)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 kept from an earlier run" in again.stdout
    graded = rows(out)
    assert graded["ben"]["status"] == "graded" and float(graded["ben"]["total"]) == FULL
    assert "ben" in gradebook_students(out)
    assert not (out / "not-graded" / "ben.json").exists()


def test_grading_refuses_without_a_working_bubblewrap(subs, tmp_path):
    out = tmp_path / "out"
    run = grade(subs, out, fake_env(tmp_path, "always"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "not grading" in run.stderr and "Resource temporarily unavailable" in run.stderr
    assert "--no-sandbox" in run.stderr
    assert not (out / "grades.csv").exists()
    assert not (out / "gradebook.db").exists()


def test_a_few_failed_probes_do_not_drop_isolation(subs, tmp_path):
    """The first launches on the host fail, the probe included: it retries, and everyone is
    graded in bubblewrap."""
    out = tmp_path / "out"
    run = grade(subs, out, fake_env(tmp_path, "3"))
    assert run.returncode == 0, run.stdout + run.stderr
    for row in rows(out).values():
        assert row["isolation"] == "bubblewrap" and float(row["total"]) == FULL
    results = json.loads((out / "results.json").read_text())
    assert {r["isolation"] for r in results.values()} == {"bubblewrap"}
