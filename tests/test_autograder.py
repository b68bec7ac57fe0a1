"""The grading path end to end: nbgrader's gradebook, export, feedback and formgrader data."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import BIN, ENV
from support.corpus import answer_source, edit, release_nb, with_answers
from support.paths import NOTEBOOK

from autograder.grading.feedback import WIDTH
from autograder.kit.examples import filled_release
from autograder.layout import ROOT
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
    carol: the reference with unbiased variance in batch norm, whose unknown modes run test
    mode; dora: the release with every answer written in, as a student makes it."""
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    unbiased = edit(
        answer_source("batchnorm_forward_answer"),
        ("var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"),
        # and a mode other than train or test runs test mode: part of batchnorm_forward_test
        ('    elif mode == "test":', "    else:"),
        (
            '    else:\n        raise ValueError(f"Invalid forward batchnorm mode {mode!r}: use '
            "'train' or 'test'\")\n",
            "",
        ),
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
        *("submitted_at", "due", "hours_late", "late_days_used", "late_penalty"),
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
        assert f"Total: {total:g} / {max_total:g}" in nbgrader
        assert "not graded yet" in nbgrader and "Score: 0 / 3" not in nbgrader
    results = json.loads((out / "results.json").read_text())
    assert results["dora"]["tasks"]["inline_question_1"]["score"] is None
    assert "not graded yet" in results["dora"]["tasks"]["inline_question_1"]["feedback"]


def pages(out: Path, student: str) -> tuple[BeautifulSoup, BeautifulSoup]:
    """The kit's page and nbgrader's feedback page (what release_feedback gives the student)."""
    kit = (out / "feedback" / f"{student}.html").read_text()
    nbgrader = (out / "feedback" / student / "BatchNormalization.html").read_text()
    return BeautifulSoup(kit, "html.parser"), BeautifulSoup(nbgrader, "html.parser")


def summary_rows(page: BeautifulSoup) -> dict[str, list[str]]:
    """The summary table's rows: part -> the text of its cells after the name."""
    table = page.select_one("section.kit-summary table")
    return {
        row.find("code").get_text(): [td.get_text(" ", strip=True) for td in row.find_all("td")[1:]]
        for row in table.select("tbody tr")
    }


def cell_of(page: BeautifulSoup, grade_id: str):
    """The cell of nbgrader's page that a graded part's anchor is in."""
    return page.find("a", attrs={"name": grade_id}).find_parent("div", class_="cell")


def check_cells() -> dict[str, float]:
    """The release's check cells: task -> points (the summary cell is worth none: no task)."""
    return {
        c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
        for c in release_nb().cells
        if c.cell_type == "code"
        and c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata.nbgrader.get("solution")
        and c.metadata.nbgrader["points"]
    }


def test_nbgrader_s_page_starts_with_the_kit_s_summary(graded):
    """The total, every part's score as the gradebook has it, the named mistakes: first on the
    page the student fetches, and the same summary as on the kit's page."""
    _, out, _ = graded
    grades = read_grades(out)
    kit, nbgrader = pages(out, "carol")
    summary = nbgrader.select_one("section.kit-summary")
    assert summary is not None
    assert summary.find_next("div", id="notebook") is not None  # the notebook comes after it
    assert not summary.find_all_previous("div", class_="cell")
    total = f"Total: {float(grades['carol']['total']):g} / {float(grades['carol']['max_total']):g}"
    assert summary.find("h2").get_text(" ", strip=True).startswith(total)
    rows = summary_rows(nbgrader)
    assert list(rows) == [*task_points(), *[f"inline_question_{i}" for i in range(1, 5)]]
    for task, points in task_points().items():
        assert rows[task][0] == f"{float(grades['carol'][task]):g} / {points:g}", task
    assert "your variance uses N-1" in " ".join(rows["batchnorm_forward_train"])
    assert all(rows[f"inline_question_{i}"][0] == "not graded yet" for i in range(1, 5))
    # one summary: the kit's page shows the same words
    assert kit.select_one("section.kit-summary").get_text() == summary.get_text()


def test_check_cells_show_the_hidden_checks_labelled_and_not_the_public_check(graded):
    """Grading never ran a check cell's public check: its code is not on nbgrader's page; the
    cell reads "Hidden checks of task X" and its score, with no unlabelled Out[n]. The
    student's code and plots stay."""
    _, out, _ = graded
    grades = read_grades(out)
    for student in ("alice", "carol"):
        _, page = pages(out, student)
        text = page.get_text()
        assert "# Public check:" not in text and "Out[" not in text
        assert not page.select(".output_prompt")
        headings = {
            h.find("code").get_text(): h.get_text(" ", strip=True)
            for h in page.select("div.kit-checks .panel-heading")
        }
        assert set(headings) == set(check_cells())
        for task, points in check_cells().items():
            assert headings[task].startswith(f"Hidden checks of task {task}")
            assert f"Score: {float(grades[student][task]):g} / {points:g}" in headings[task]
            verdict = cell_of(page, task).select_one(".output_stdout pre").get_text()
            assert verdict.startswith(f"Task {task}: hidden checks")
    _, carol = pages(out, "carol")
    assert "var = np.var(x, axis=0, ddof=1)" in carol.get_text()  # the student's own code
    _, alice = pages(out, "alice")
    assert len(alice.select("img[src^='data:image/png']")) >= 4  # the student's own plots


def test_partial_credit_is_explained_where_it_applies(graded):
    _, out, _ = graded
    grades = read_grades(out)
    kit, nbgrader = pages(out, "carol")
    partial = {
        t: (float(grades["carol"][t]), p)
        for t, p in check_cells().items()
        if 0 < float(grades["carol"][t]) < p
    }
    assert partial  # an unknown mode that runs test mode keeps part of batchnorm_forward_test
    for task, points in check_cells().items():
        said = cell_of(nbgrader, task).select_one(".kit-credit")
        cell_sentence = said.get_text(strip=True) if said else ""
        rows = summary_rows(nbgrader)[task][1]
        if task in partial:
            score, _ = partial[task]
            sentence = (
                f"Partial credit, {score:g} of {points:g} points: a task earns its points in "
                "proportion to the weight of the checks that passed."
            )
            assert cell_sentence == sentence and sentence in rows and sentence in kit.get_text()
        elif float(grades["carol"][task]) == points:
            assert "credit" not in rows and not cell_sentence
    zero = [t for t in check_cells() if float(grades["carol"][t]) == 0]
    assert zero  # its train mode: a side check passed, no value check did
    for task in zero:
        assert "nothing unless one of its value checks" in summary_rows(nbgrader)[task][1]


def test_an_answer_left_as_released_reads_not_answered_and_no_comment_is_made_up(graded):
    """bob submitted the blank release: his written answers are nbgrader's zeros for unchanged
    answer cells, and read "not answered" on both pages; nbgrader's automatic "No response."
    is no TA's comment. dora answered: hers wait for a TA."""
    _, out, _ = graded
    kit, nbgrader = pages(out, "bob")
    questions = [f"inline_question_{i}" for i in range(1, 5)]
    for page in (kit, nbgrader):
        rows = summary_rows(page)
        for q in questions:
            assert rows[q][0] == "not answered" and "0 / 3" not in " ".join(rows[q]), rows[q]
    for q in questions:
        heading = cell_of(nbgrader, q).select_one(".panel-heading")
        assert "not answered" in heading.get_text() and "Score" not in heading.get_text()
    for student in ("alice", "bob", "carol", "dora"):
        _, page = pages(out, student)
        assert "No response" not in page.get_text() and "Comments:" not in page.get_text()
        assert not page.select(".panel-footer")
    kit, nbgrader = pages(out, "dora")
    assert "not answered" not in kit.get_text() + nbgrader.get_text()


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
