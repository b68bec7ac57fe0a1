"""Nothing is lost: a batch killed with SIGKILL in the middle and run again ends with exactly
the grades of an uninterrupted run, a consistent gradebook, and the students finished before
the kill kept as they were.

Two kills, each on its own output folder sharing the uninterrupted run's grading secret (the
hidden inputs are seeded from it): one while nbgrader records grades (some students done,
not all), one after hidden checks ran but before nbgrader recorded anything (nobody done yet)."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT, needs_bubblewrap
from support.corpus import answer_source, reference_nb, release_nb, with_answers
from support.paths import ASSIGNMENT, NOTEBOOK

from autograder.course.database import writing
from autograder.grading.supervise import TIME_FACTOR
from autograder.layout import ROOT

NOTEBOOK_ID = NOTEBOOK.removesuffix(".ipynb")
RUN_ENV = {**ENV, TIME_FACTOR: "0.25"}
"""Every run of the batch: a quarter of the usual time limits, so that finn's endless loop is
stopped sooner in each of the five runs (what it shows is a hang among the students killed and
resumed, not how long a step may run)."""

pytestmark = needs_bubblewrap


def submissions() -> dict:
    """Eight students: full, blank, two mistakes, and one whose function hangs."""
    bn = answer_source("batchnorm_forward_answer")
    relu = answer_source("relu_backward_answer")
    alt = answer_source("batchnorm_backward_alt_answer")
    return {
        "ana": reference_nb(),
        "ben": release_nb(),
        "cleo": with_answers(
            {"batchnorm_forward_answer": bn.replace(
                "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)")}
        ),
        "dev": reference_nb(),
        "eve": with_answers(
            {"relu_backward_answer": relu.replace("np.where(x > 0,", "np.where(dout > 0,")}
        ),
        "finn": with_answers(
            {"batchnorm_backward_alt_answer": alt.replace(
                "    xhat, gamma, std = cache\n",
                "    xhat, gamma, std = cache\n    while True:\n        pass\n")}
        ),
        "gus": reference_nb(),
        "hana": with_answers({}, extra=[(3, "print('my own cell')\nscratch = [1, 2, 3]\n")]),
    }  # fmt: skip


def command(subs: Path, out: Path) -> list[str]:
    return [*KIT, "grade", str(subs), "--out", str(out),
            "--workers", "2"]  # fmt: skip


def rows(out: Path) -> list[dict]:
    with open(out / "grades.csv") as f:
        return sorted(csv.DictReader(f), key=lambda r: r["student_id"])


def done_markers(out: Path) -> dict[str, int]:
    """student -> mtime (ns) of its done marker (temporary files of atomic writes excluded)."""
    folder = out / "done"
    if not folder.is_dir():
        return {}
    return {
        p.stem: p.stat().st_mtime_ns for p in folder.glob("*.json") if not p.name.startswith(".")
    }


def results_saved(out: Path) -> int:
    folder = out / "results"
    return (
        len([p for p in folder.glob("*.json") if not p.name.startswith(".")])
        if folder.is_dir()
        else 0
    )


def kill_when(subs: Path, out: Path, log: Path, ready) -> None:
    """Start the batch in a session of its own; SIGKILL the whole session once ``ready()``."""
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            command(subs, out), stdout=sink, stderr=subprocess.STDOUT, env=RUN_ENV, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 900
        try:
            while not ready():
                assert proc.poll() is None, "the batch ended before it could be killed"
                assert time.monotonic() < deadline, "the batch never got there"
                time.sleep(0.02)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the batch, its workers, their sandboxes
            except ProcessLookupError:
                pass
            proc.wait()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The submissions, and an uninterrupted run of the batch on them (OUT_A)."""
    root = tmp_path_factory.mktemp("resume")
    subs, out_a = root / "submissions", root / "out_a"
    students = submissions()
    for student, nb in students.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / NOTEBOOK)
    uninterrupted = subprocess.run(
        command(subs, out_a), capture_output=True, text=True, env=RUN_ENV, cwd=ROOT, timeout=900
    )
    assert uninterrupted.returncode == 0, uninterrupted.stdout + uninterrupted.stderr
    return {"root": root, "subs": subs, "out_a": out_a, "students": list(students)}


def fresh_out(baseline, name: str) -> Path:
    """An output folder with OUT_A's secret: the same hidden inputs, so the same grades."""
    out = baseline["root"] / name
    out.mkdir()
    shutil.copy(baseline["out_a"] / "grading_secret", out / "grading_secret")
    return out


def rerun(baseline, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(baseline["subs"], out), capture_output=True, text=True, env=RUN_ENV, cwd=ROOT,
        timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def resumed(baseline):
    """OUT_B: killed while nbgrader records the grades (some students done, not all)."""
    out_b = fresh_out(baseline, "out_b")
    count = len(baseline["students"])
    kill_when(
        baseline["subs"], out_b, baseline["root"] / "killed_b.log",
        lambda: 2 <= len(done_markers(out_b)) < count,
    )  # fmt: skip
    killed_with = done_markers(out_b)
    return {
        **baseline,
        "out_b": out_b,
        "killed_with": killed_with,
        "rerun": rerun(baseline, out_b),
    }


@pytest.fixture(scope="module")
def resumed_early(baseline):
    """OUT_C: killed after hidden checks ran in their sandboxes, before nbgrader recorded
    anything (nobody done yet): the test holds the gradebook's writing turn meanwhile, so
    nbgrader cannot start."""
    out_c = fresh_out(baseline, "out_c")
    with writing(f"sqlite:///{out_c / 'gradebook.db'}"):
        kill_when(
            baseline["subs"], out_c, baseline["root"] / "killed_c.log",
            lambda: results_saved(out_c) >= 2,
        )  # fmt: skip
    killed_with = done_markers(out_c)
    return {**baseline, "out_c": out_c, "killed_with": killed_with, "rerun": rerun(baseline, out_c)}


def test_the_kill_happened_in_the_middle(resumed):
    killed_with = resumed["killed_with"]
    assert 2 <= len(killed_with) < len(resumed["students"]), killed_with
    assert resumed["rerun"].returncode == 0, resumed["rerun"].stdout + resumed["rerun"].stderr


def test_grades_equal_an_uninterrupted_run(resumed):
    assert rows(resumed["out_b"]) == rows(resumed["out_a"])
    assert [r["student_id"] for r in rows(resumed["out_b"])] == sorted(resumed["students"])


def test_a_kill_during_the_hidden_checks_loses_nothing(resumed_early):
    assert resumed_early["killed_with"] == {}
    run = resumed_early["rerun"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "already graded" not in run.stdout
    assert rows(resumed_early["out_c"]) == rows(resumed_early["out_a"])
    assert set(done_markers(resumed_early["out_c"])) == set(resumed_early["students"])


def test_students_done_before_the_kill_are_kept(resumed):
    killed_with = resumed["killed_with"]
    stdout = resumed["rerun"].stdout
    assert f"{len(killed_with)} student(s) already graded and unchanged: kept" in stdout
    after = done_markers(resumed["out_b"])
    assert set(after) == set(resumed["students"])
    for student, mtime in killed_with.items():
        assert after[student] == mtime, f"{student} was graded again"


def check_gradebook(out: Path, students: list[str]) -> None:
    """One submission per student, one notebook in it, a grade for every grade cell, and the
    scores of grades.csv."""
    from nbgrader.api import Gradebook

    table = {r["student_id"]: r for r in rows(out)}
    with Gradebook(f"sqlite:///{out}/gradebook.db") as gb:
        grade_cells = {c.name for c in gb.find_notebook(NOTEBOOK_ID, ASSIGNMENT).grade_cells}
        by_student = {}
        for submission in gb.assignment_submissions(ASSIGNMENT):
            by_student.setdefault(submission.student.id, []).append(submission)
        assert sorted(by_student) == sorted(students)
        for student, subs in by_student.items():
            assert len(subs) == 1, f"{student} has {len(subs)} submissions"
            (notebook,) = subs[0].notebooks
            assert notebook.name == NOTEBOOK_ID
            grades = {g.name: g for g in notebook.grades}
            assert len(notebook.grades) == len(grades) == len(grade_cells), student
            assert set(grades) == grade_cells, student
            for name, grade in grades.items():
                if not grade.max_score:
                    continue  # the summary cell: worth nothing, not a column of grades.csv
                graded = grade.auto_score is not None or grade.manual_score is not None
                shown = f"{grade.score:g}" if graded else ""
                assert table[student][name] == shown, (student, name)
            total = sum(g.score for g in grades.values() if g.auto_score is not None)
            assert float(table[student]["total"]) == pytest.approx(total), student


def test_the_gradebook_is_consistent(resumed):
    check_gradebook(resumed["out_b"], resumed["students"])


def test_the_gradebook_is_consistent_after_an_early_kill(resumed_early):
    check_gradebook(resumed_early["out_c"], resumed_early["students"])
