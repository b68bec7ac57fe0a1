"""The student's JupyterLab in a real browser: every signal it gives tells the truth.

Each test starts its own ``jupyter lab`` as a student (the configuration that
``scripts/student_env.py --user`` writes) in a temporary folder holding the release, with the
notebook the case needs: the blank release, the reference answers with one wrong function, or
every answer right. Filled notebooks are the release with the reference's code in its answer
cells (``tests/support/corpus.py``), as a student's notebook really looks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from support.corpus import answer_source, student_nb, with_answers
from support.paths import NOTEBOOK, RELEASE_DIR

from autograder import tasks

from .lab import (
    close_dialog,
    code_cells,
    open_lab,
    open_menu,
    open_notebook,
    run_all,
    validate,
)

pytestmark = pytest.mark.browser

PATH = f"batchnorm/{NOTEBOOK}"
TASKS = tasks.ids()  # in notebook order
EXPERIMENTS = ["experiment_1", "experiment_2", "experiment_3", "experiment_4"]


def answered(nb):
    """``nb`` without the solution markers that ``corpus.student_nb`` leaves at the end of a
    written answer (its pattern wants a newline after ``### END SOLUTION``)."""
    for cell in nb.cells:
        cell.source = re.sub(r"(?m)^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", cell.source)
    return nb


def all_correct_nb():
    """Every answer the reference's, every question answered."""
    return answered(student_nb())


MISTAKE = "your variance uses N-1 (unbiased, ddof=1): batch norm uses the biased variance, 1/N"


def ddof1_nb():
    """The reference's answers, except batchnorm_forward with the unbiased variance (N-1)."""
    unbiased = answer_source("batchnorm_forward_answer").replace(
        "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
    )
    assert unbiased != answer_source("batchnorm_forward_answer")
    return answered(with_answers({"batchnorm_forward_answer": unbiased}))


def workspace(tmp_path, nb):
    """A student's folder: the release, with ``nb`` as its notebook."""
    root = tmp_path / "work"
    shutil.copytree(RELEASE_DIR, root / "batchnorm")
    nbformat.write(nb, root / PATH)
    return root


@pytest.fixture
def cs231n_validate():
    """Start ``python -m cs231n.validate`` in a student's folder, as docs/student-guide.md tells
    students, beside the browser's work; ``finished`` reads it. Killed at the end if still
    running."""
    started = []

    def start(root) -> subprocess.Popen:
        run = subprocess.Popen(
            [sys.executable, "-m", "cs231n.validate", NOTEBOOK],
            cwd=root / "batchnorm",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(run)
        return run

    yield start
    for run in started:
        if run.poll() is None:
            run.kill()
            run.wait()


def finished(run: subprocess.Popen) -> tuple[int, str]:
    """Exit code and output of a command started by ``cs231n_validate``."""
    output, _ = run.communicate(timeout=600)
    return run.returncode, output


def grade_ids(nb) -> list[str]:
    return [c.metadata.get("nbgrader", {}).get("grade_id", "") for c in nb.cells]


def code_index(nb, grade_id: str) -> int:
    """Index of a cell among the notebook's code cells (the page's ``.jp-CodeCell`` order)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in code].index(grade_id)


def outputs_by_grade_id(page, nb) -> dict[str, str]:
    code = [c for c in nb.cells if c.cell_type == "code"]
    texts = code_cells(page).evaluate_all(
        "cells => cells.map(c => c.querySelector('.jp-OutputArea').innerText)"
    )
    assert len(texts) == len(code)
    return {c.metadata["nbgrader"]["grade_id"]: t for c, t in zip(code, texts, strict=True)}


def dialog_lines(dialog_text: str) -> list[str]:
    """The dialog's lines, blank ones dropped, from its title on."""
    return [line.strip() for line in dialog_text.splitlines() if line.strip()]


def summary_failures(dialog_text: str) -> tuple[list[str], int]:
    """(the tasks the summary in nbgrader's Validate dialog lists as failing, how many
    unanswered written answers nbgrader lists after it)."""
    chunks = dialog_text.split("The following cell failed:")[1:]
    assert chunks and "check.summary()" in chunks[0], dialog_text  # the summary comes first
    tasks_failing = re.findall(r"\[FAIL\] (\w+)", chunks[0])
    questions = sum("YOUR ANSWER HERE" in chunk for chunk in chunks[1:])
    assert len(chunks) == 1 + questions, dialog_text  # nothing else failed
    return tasks_failing, questions


def test_blank_release(page, start_lab, student_home, tmp_path, shots, cs231n_validate):
    """Run All executes every cell; each check names the stub it met; the experiments say what
    they wait for; Validate fails on its summary, which names what is not implemented; locked
    cells say so and ignore typing."""
    nb = nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4)
    root = workspace(tmp_path, nb)
    command = cs231n_validate(root)  # runs beside the browser's work
    lab = start_lab(root, student_home)
    open_notebook(page, lab, PATH)
    shots(page, "opened")

    # a locked check cell: its first line says why, it looks locked, typing changes nothing
    check = code_cells(page).nth(code_index(nb, "affine_forward"))
    editor = check.locator(".cm-content")
    before = editor.inner_text()
    assert before.startswith("# Locked (read-only): the instructor's public checks")
    marker = check.locator(".cm-editor.jp-mod-readOnly")
    assert marker.count() == 1
    assert marker.evaluate("e => getComputedStyle(e, '::after').content") == '"locked"'
    editor.click()
    page.keyboard.type("x = 1  # my edit")
    shots(page, "typed-into-locked-cell")
    assert editor.inner_text() == before
    answer = code_cells(page).nth(code_index(nb, "affine_forward_answer"))
    assert answer.locator(".cm-editor.jp-mod-readOnly").count() == 0

    run_all(page)
    shots(page, "ran-all")
    outputs = outputs_by_grade_id(page, nb)
    for experiment in EXPERIMENTS:
        assert re.search(
            r"Experiment \d skipped: it needs a task that is not implemented yet \("
            r"FullyConnectedNet: not implemented yet",
            outputs[experiment],
        ), outputs[experiment]
    for grade_id, text in outputs.items():
        assert "Traceback" not in text and "Error" not in text, (grade_id, text)
        if grade_id in TASKS:
            assert re.search(r"\[FAIL\] \w+ is not implemented yet: write it where", text), text
    assert "0 of 11 tasks pass their public checks" in outputs["summary"]

    passed, text = validate(page)
    shots(page, "validated")
    close_dialog(page)
    assert not passed
    failing, questions = summary_failures(text)
    assert failing == TASKS and questions == 4  # the summary in order; the four questions
    lines = dialog_lines(text)
    assert lines[0] == "Validation Results" and lines[1] == "The following cell failed:"
    assert "0 of 11 tasks pass their public checks" in lines[4], lines[:6]
    assert "[FAIL] affine_forward: affine_forward is not implemented yet" in lines[5]

    code, output = finished(command)
    assert code == 1, output  # agrees with Validate
    assert "0 of 11 tasks pass their public checks" in output


def test_one_wrong_function(page, start_lab, student_home, tmp_path, shots, cs231n_validate):
    """batchnorm_forward with ddof=1: Run All reaches the last cell, Validate fails naming
    batchnorm_forward_train, and the backward check says the cause is upstream."""
    nb = ddof1_nb()
    root = workspace(tmp_path, nb)
    command = cs231n_validate(root)  # runs beside the browser's work
    lab = start_lab(root, student_home)
    open_notebook(page, lab, PATH)
    run_all(page)
    shots(page, "ran-all")
    outputs = outputs_by_grade_id(page, nb)
    for experiment in EXPERIMENTS:  # Run All got past the failing checks to the end: plots
        assert "skipped" not in outputs[experiment], outputs[experiment]
        plots = code_cells(page).nth(code_index(nb, experiment)).locator(".jp-OutputArea img")
        assert plots.count() >= 1, experiment
    train = outputs["batchnorm_forward_train"]
    assert "public checks for batchnorm_forward_train FAILED" in train
    assert f"likely mistake: {MISTAKE}" in train  # named where the student works
    assert "Traceback" not in train  # no frames of the kit's helpers: the student's function
    assert re.search(r"look at your batchnorm_forward: Cell In\[\d+\], line 1", train), train
    code_cells(page).nth(code_index(nb, "batchnorm_forward_train")).scroll_into_view_if_needed()
    shots(page, "train-check-names-the-mistake")
    backward = outputs["batchnorm_backward"]
    upstream = "Cause upstream: batchnorm_forward_train fails its public checks"
    assert backward.index(upstream) < backward.index("Task batchnorm_backward: public checks")
    code_cells(page).nth(code_index(nb, "batchnorm_backward")).scroll_into_view_if_needed()
    shots(page, "backward-check-names-upstream")
    for task in ["affine_forward", "affine_backward", "relu_forward", "relu_backward"]:
        assert f"All public checks for {task} passed." in outputs[task]

    passed, text = validate(page)
    shots(page, "validated")
    close_dialog(page)
    assert not passed
    lines = dialog_lines(text)
    # the dialog's first lines: the summary, the failing task and its named mistake
    assert lines[4] == "6 of 11 tasks pass their public checks (hidden checks run at grading)."
    assert lines[5] == "[FAIL] batchnorm_forward_train: stds with gamma=1, beta=0"
    assert MISTAKE in " ".join(lines[6:8]), lines[:10]
    failing, questions = summary_failures(text)
    assert failing[0] == "batchnorm_forward_train" and questions == 0
    independent = {"affine_forward", "affine_backward", "relu_forward", "relu_backward"}
    independent |= {"layernorm_forward", "layernorm_backward"}
    assert not independent & set(failing), failing

    code, output = finished(command)
    assert code == 1, output  # agrees with Validate
    assert output.splitlines()[1] == "[FAIL] batchnorm_forward_train: stds with gamma=1, beta=0"
    assert "public checks for batchnorm_forward_train FAILED." in output


def test_all_correct(page, start_lab, student_home, tmp_path, shots, cs231n_validate):
    """Every answer right and the questions answered: Validate succeeds, and so does
    python -m cs231n.validate."""
    root = workspace(tmp_path, all_correct_nb())
    command = cs231n_validate(root)  # runs beside the browser's work
    lab = start_lab(root, student_home)
    open_notebook(page, lab, PATH)
    passed, text = validate(page)
    shots(page, "validated")
    close_dialog(page)
    assert passed, text
    assert "Success! Your notebook passes all the tests." in text

    code, output = finished(command)
    assert code == 0, output  # agrees with Validate
    assert "11 of 11 tasks pass their public checks" in output


def test_student_view(page, start_lab, student_home, tmp_path, shots):
    """A student's nbgrader menu has the Assignment List only: no Formgrader, no Create
    Assignment, no Course List, and there is no Create Assignment sidebar; the Validate button
    is there. (The instructor's menu, with them all, is checked in test_exchange.py.)"""
    root = workspace(tmp_path, nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4))
    lab = start_lab(root, student_home)
    open_lab(page, lab, PATH)
    page.locator(".jp-NotebookPanel-toolbar .validate-button").wait_for()
    items = open_menu(page, "Nbgrader", "jp-mainmenu-nbgrader")
    shots(page, "student-nbgrader-menu")
    page.keyboard.press("Escape")
    assert items == ["Assignment List"], items
    sidebar = page.locator("[data-id='nbgrader-create_assignemnt'], #nbgrader-create_assignemnt")
    assert sidebar.count() == 0
    assert page.locator("#formgrader").count() == 0


def test_assignment_list_without_an_exchange(page, start_lab, student_home, tmp_path, shots):
    """Where no exchange can be reached, nbgrader shows its error in each of the Assignment
    List's three lists; the student's configuration says once, instead, what to do."""
    (student_home.config / "nbgrader_config.py").write_text(
        'c = get_config()  # noqa: F821\nc.Exchange.root = "/proc/no-exchange-here"\n'
    )  # a folder nobody can create, root included
    root = workspace(tmp_path, nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4))
    lab = start_lab(root, student_home)
    open_lab(page, lab)
    open_menu(page, "Nbgrader", "jp-mainmenu-nbgrader")
    page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel", has_text="Assignment List").click()
    error = page.locator("#released_assignments_list_error")
    error.wait_for(state="visible")
    shots(page, "assignment-list-without-exchange")
    said = error.evaluate("e => getComputedStyle(e, '::before').content")
    assert "cannot reach an nbgrader exchange" in said and "press Validate" in said, said
    assert error.evaluate("e => getComputedStyle(e).fontSize") == "0px"  # nbgrader's text hidden
    for other in ("#fetched_assignments_list_error", "#submitted_assignments_list_error"):
        assert not page.locator(other).is_visible()
