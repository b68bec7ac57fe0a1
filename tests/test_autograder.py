"""The grading path end to end: nbgrader's gradebook, export, feedback and formgrader data."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from corpus import answer_source, release_nb, with_answers

from autograder.layout import NOTEBOOK, ROOT
from autograder.tasks import points as task_points

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def grade_cli(submissions: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(submissions),
            "--out",
            str(out),
            "--workers",
            "2",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=600,
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory, reference_nb):
    """alice: the reference, executed (with its plots); bob: the blank release;
    carol: the reference with unbiased variance in batch norm."""
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    unbiased = answer_source("batchnorm_forward_answer").replace(
        "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
    )
    for student, nb in {
        "alice": reference_nb,
        "bob": release_nb(),
        "carol": with_answers({"batchnorm_forward_answer": unbiased}),
    }.items():
        (subs / student).mkdir()
        nbformat.write(nb, subs / student / NOTEBOOK)
    run = grade_cli(subs, out)
    assert run.returncode == 0, run.stdout + run.stderr
    return subs, out, run


def read_grades(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_reference_gets_full_marks_blank_gets_zero(graded):
    _, out, _ = graded
    grades = read_grades(out)
    points = task_points()
    for task, p in points.items():
        assert float(grades["alice"][task]) == p, task
        assert float(grades["bob"][task]) == 0, task
    assert float(grades["alice"]["total"]) == sum(points.values())
    assert float(grades["alice"]["max_total"]) == 55
    assert float(grades["bob"]["total"]) == 0


def test_columns_are_the_graded_parts(graded):
    _, out, _ = graded
    header = (out / "grades.csv").read_text().splitlines()[0].split(",")
    assert header == [
        "student_id",
        "status",
        "isolation",
        *task_points(),
        *[f"inline_question_{i}" for i in range(1, 5)],
        "total",
        "max_total",
    ]


def test_mistake_costs_its_task_and_feedback_names_it(graded):
    _, out, run = graded
    results = json.loads((out / "results.json").read_text())
    carol = results["carol"]
    task = carol["tasks"]["batchnorm_forward_train"]
    assert task["score"] < task["max_score"]
    assert "N-1" in task["feedback"]
    assert carol["tasks"]["affine_forward"]["score"] == 2
    assert set(carol) >= {"total", "max_total", "flags", "tasks"}
    assert "carol" in run.stdout and "batchnorm_forward_train" in run.stdout
    page = (out / "feedback" / "carol.html").read_text()
    assert "N-1" in page
    nbgrader_page = (out / "feedback" / "carol" / "BatchNormalization.html").read_text()
    assert "N-1" in nbgrader_page


def test_blank_release_fails_with_the_stub_message(graded):
    _, out, _ = graded
    bob = json.loads((out / "results.json").read_text())["bob"]
    assert "affine_forward: not implemented yet" in bob["tasks"]["affine_forward"]["feedback"]


def test_gradebook_holds_the_grades_and_the_manual_work(graded):
    from nbgrader.api import Gradebook

    _, out, _ = graded
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        alice = gb.find_submission("batchnorm", "alice")
        assert alice.code_score == sum(task_points().values())
        assert alice.needs_manual_grade  # the written answers wait for a TA
        carol = gb.find_submission_notebook("BatchNormalization", "batchnorm", "carol")
        grades = {g.name: g for g in carol.grades}
        assert grades["batchnorm_forward_train"].auto_score < 5


def test_ta_sees_the_students_plots(graded):
    _, out, _ = graded
    autograded = nbformat.read(
        out / "course" / "autograded" / "alice" / "batchnorm" / NOTEBOOK, as_version=4
    )
    plots = [
        o
        for c in autograded.cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert len(plots) >= 4


def test_formgrader_lists_the_submission_for_manual_grading(graded):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import PyFileConfigLoader

    _, out, _ = graded
    course = out / "course"
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    api = NbGraderAPI(config=config)
    submissions = {s["student"]: s for s in api.get_submissions("batchnorm")}
    assert set(submissions) == {"alice", "bob", "carol"}
    assert submissions["alice"]["needs_manual_grade"]
    notebooks = api.get_notebook_submissions("batchnorm", "BatchNormalization")
    assert {n["student"] for n in notebooks} == {"alice", "bob", "carol"}


def test_nbgrader_export_and_generate_feedback_work_on_the_gradebook(graded):
    _, out, _ = graded
    course = out / "course"
    export = subprocess.run(
        [str(BIN / "nbgrader"), "export", "--to", str(out / "export.csv")],
        cwd=course,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert export.returncode == 0, export.stderr
    with open(out / "export.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["student_id"] for r in rows} == {"alice", "bob", "carol"}
    alice = next(r for r in rows if r["student_id"] == "alice")
    assert float(alice["raw_score"]) == sum(task_points().values())
    feedback = subprocess.run(
        [str(BIN / "nbgrader"), "generate_feedback", "batchnorm", "--force"],
        cwd=course,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert feedback.returncode == 0, feedback.stderr
    assert (course / "feedback" / "bob" / "batchnorm" / "BatchNormalization.html").exists()


def test_rerun_is_idempotent(graded):
    subs, out, _ = graded
    before = (out / "grades.csv").read_text()
    again = grade_cli(subs, out)
    assert again.returncode == 0
    assert "already graded" in again.stdout
    assert (out / "grades.csv").read_text() == before
    regrade = grade_cli(subs, out, "--regrade")
    assert regrade.returncode == 0
    assert (out / "grades.csv").read_text() == before


@pytest.mark.parametrize(
    "source",
    [
        "_ = " + "-" * 100_000 + "1\n",  # exhausts the parser's stack: MemoryError
        "_ = a" + ".b" * 100_000 + "\n",  # exceeds the AST builder's limit: RecursionError
        "np" + ".a" * 600 + " = 1\n",  # parses, but too deep for ast.unparse
    ],
    ids=["parser_stack", "ast_builder", "unparse"],
)
def test_scan_flags_parser_bombs_instead_of_crashing(source):
    from autograder.sandboxed import scan

    assert scan.scan(source) == {scan.TOO_DEEP}
