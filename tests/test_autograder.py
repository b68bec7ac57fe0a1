"""The grading path end to end: nbgrader's gradebook, export, feedback and formgrader data."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import BIN, ENV
from corpus import answer_source, release_nb, with_answers

from autograder.grading.feedback import WIDTH
from autograder.kit.examples import filled_release
from autograder.layout import NOTEBOOK, ROOT
from autograder.tasks import points as task_points


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
    carol: the reference with unbiased variance in batch norm; dora: the release with every
    answer written in, as a student makes it."""
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    unbiased = answer_source("batchnorm_forward_answer").replace(
        "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
    )
    for student, nb in {
        "alice": reference_nb,
        "bob": release_nb(),
        "carol": with_answers({"batchnorm_forward_answer": unbiased}),
        "dora": filled_release(),
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
    assert set(submissions) == {"alice", "bob", "carol", "dora"}
    assert submissions["alice"]["needs_manual_grade"]
    notebooks = api.get_notebook_submissions("batchnorm", "BatchNormalization")
    assert {n["student"] for n in notebooks} == {"alice", "bob", "carol", "dora"}


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
    assert {r["student_id"] for r in rows} == {"alice", "bob", "carol", "dora"}
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
    """In a child process, as the sandbox scans: such a parse can corrupt the parsing process's
    AST state (python/cpython#106905), and pytest's own assertion rewriting would then fail."""
    from autograder.sandboxed import scan

    child = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom autograder.sandboxed import scan\n"
         "print(*sorted(scan.scan(sys.stdin.read())), sep='\\n')"],
        input=source, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    assert child.stdout.splitlines() == [scan.TOO_DEEP]


def test_every_page_shows_the_gradebooks_total(graded):
    """The kit's page, nbgrader's page and grades.csv agree, and a written answer no TA has
    graded reads "not graded yet", not 0."""
    _, out, _ = graded
    grades = read_grades(out)
    for student in ("carol", "dora"):
        total, max_total = float(grades[student]["total"]), float(grades[student]["max_total"])
        kit = (out / "feedback" / f"{student}.html").read_text()
        assert f"Total: {total:g} / {max_total:g}" in kit
        assert kit.count("not graded yet") == 5  # the four written answers, and the total
        nbgrader = (out / "feedback" / student / "BatchNormalization.html").read_text()
        assert (
            f"(Score: {total:g} / {max_total:g}"
            in nbgrader.replace(".0 /", " /").replace(".0;", ";")
            or f"(Score: {round(total, 2)} / {max_total}" in nbgrader
        )
        assert "not graded yet" in nbgrader and "Score: 0.0 / 3.0" not in nbgrader
    results = json.loads((out / "results.json").read_text())
    assert results["dora"]["tasks"]["inline_question_1"]["score"] is None
    assert "not graded yet" in results["dora"]["tasks"]["inline_question_1"]["feedback"]


def test_a_correct_submission_made_from_the_release_has_no_notes(graded):
    _, out, _ = graded
    dora = json.loads((out / "results.json").read_text())["dora"]
    assert dora["notes"] == [] and dora["flags"] == []
    assert all(
        t["score"] == t["max_score"] for t in dora["tasks"].values() if t["score"] is not None
    )


def test_the_tas_page_wraps_and_shows_each_score_once(graded):
    _, out, _ = graded
    autograded = nbformat.read(
        out / "course" / "autograded" / "carol" / "batchnorm" / NOTEBOOK, as_version=4
    )
    checks = [c for c in autograded.cells if c.metadata.get("nbgrader", {}).get("points")
              and not c.metadata["nbgrader"].get("solution")]  # fmt: skip
    assert checks
    for cell in checks:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert text and max(len(line) for line in text.splitlines()) <= WIDTH
        assert "Score:" not in text
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1
