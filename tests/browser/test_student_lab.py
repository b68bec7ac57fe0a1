"""The student's JupyterLab in a real browser: every signal it gives tells the truth.

Each test starts its own ``jupyter lab`` as a student (the configuration that
``scripts/student_env.py --user`` writes) in a temporary folder holding the release, with the
notebook the case needs: the blank release, the reference answers with one wrong function, or
every answer right. Filled notebooks are the release with the reference's code in its answer
cells (``tests/corpus.py``), as a student's notebook really looks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from corpus import answer_source, student_nb, with_answers

from autograder import tasks
from autograder.layout import NOTEBOOK, RELEASE_DIR

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
    """Start ``python -m cs231n.validate`` in a student's folder, as the README tells students,
    beside the browser's work; ``finished`` reads it. Killed at the end if still running."""
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


def failed_cells(dialog_text: str) -> list[str]:
    """The tasks of the check cells nbgrader's Validate dialog lists as failed."""
    chunks = dialog_text.split("The following cell failed:")[1:]
    found = []
    for chunk in chunks:
        m = re.search(r'check\.report\("(\w+)"', chunk)
        found.append(m.group(1) if m else "written answer")
    return found


def test_blank_release(page, start_lab, student_home, tmp_path, shots, cs231n_validate):
    """Run All executes every cell; the experiments say what they wait for; Validate fails
    and names what is not implemented; locked cells say so and ignore typing."""
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
        if grade_id in TASKS:
            assert "NotImplementedError" in text, grade_id
        else:  # answer cells define without raising; setup and data cells run
            assert "Traceback" not in text and "Error" not in text, (grade_id, text)

    passed, text = validate(page)
    shots(page, "validated")
    close_dialog(page)
    assert not passed
    failed = failed_cells(text)
    assert sorted(t for t in failed if t != "written answer") == sorted(TASKS)
    assert failed.count("written answer") == 4  # the four inline questions, unanswered
    for function in ["affine_forward", "relu_forward", "batchnorm_forward", "layernorm_forward"]:
        assert f"NotImplementedError: {function}: not implemented yet" in text
    assert "NotImplementedError: FullyConnectedNet: not implemented yet" in text

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
    assert "PublicChecksFailed: batchnorm_forward_train:" in train
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
    failed = failed_cells(text)
    assert "batchnorm_forward_train" in failed
    assert "PublicChecksFailed: batchnorm_forward_train: 2 public check(s) failed" in text
    independent = {"affine_forward", "affine_backward", "relu_forward", "relu_backward"}
    independent |= {"layernorm_forward", "layernorm_backward"}
    assert not independent & set(failed), failed
    assert "written answer" not in failed

    code, output = finished(command)
    assert code == 1, output  # agrees with Validate
    assert "public checks for batchnorm_forward_train FAILED." in output
    assert f"{upstream}, and this check of batchnorm_backward" in output


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
