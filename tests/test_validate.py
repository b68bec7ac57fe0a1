"""The students' validate command: public checks, top to bottom, a summary first and the
failing tasks' checks in the grader's words; and nbgrader's own Validate (``nbgrader validate``,
what the toolbar's button runs) showing the same summary, short, and agreeing with it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import BIN, ENV
from support.corpus import answer_source, student_nb, with_answers
from support.paths import NOTEBOOK, RELEASE_DIR

from autograder import tasks


def validate(tmp_path, nb, *args: str) -> subprocess.CompletedProcess:
    folder = tmp_path / "batchnorm"
    shutil.copytree(RELEASE_DIR, folder, dirs_exist_ok=True)  # what a student has
    nbformat.write(nb, folder / NOTEBOOK)
    return subprocess.run(
        [sys.executable, "-m", "cs231n.validate", NOTEBOOK, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_solved_notebook_validates(tmp_path, reference_nb):
    run = validate(tmp_path, reference_nb, "--all")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("11 of 11 tasks pass their public checks")
    assert "All public checks for batchnorm_forward_test passed." in run.stdout


def test_blank_release_lists_every_task_and_question(tmp_path):
    run = validate(tmp_path, nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4))
    assert run.returncode == 1
    assert run.stdout.startswith("0 of 11 tasks pass their public checks")
    assert "[FAIL] affine_forward: affine_forward is not implemented yet" in run.stdout
    unanswered = ", ".join(f"inline_question_{i}" for i in range(1, 5))
    assert f"Not answered yet: {unanswered}." in " ".join(run.stdout.split())


def ddof1_nb():
    unbiased = answer_source("batchnorm_forward_answer").replace(
        "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
    )
    return with_answers({"batchnorm_forward_answer": unbiased})


MISTAKE = "your variance uses N-1 (unbiased, ddof=1)"


def test_a_mistake_is_named_first_then_reported_in_full(tmp_path):
    run = validate(tmp_path, ddof1_nb())
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[1] == "[FAIL] batchnorm_forward_train: stds with gamma=1, beta=0"
    assert MISTAKE in " ".join(" ".join(lines[2:4]).split())
    # the tasks that use the forward say where the cause is, in one line each
    assert "[FAIL] batchnorm_backward: cause upstream: fix batchnorm_forward_train first" in lines
    # then the failing tasks' reports in full, in the grader's words
    assert "[FAIL] stds with gamma=1, beta=0" in run.stdout
    assert f"likely mistake: {MISTAKE}" in run.stdout
    assert "All public checks for affine_forward passed." not in run.stdout  # only with --all


def summary_of(text: str) -> tuple[set[str], str]:
    """(the failing tasks, the summary's text) of a summary as validate or nbgrader prints
    it."""
    failing = set(re.findall(r"\[FAIL\] (\w+)", text)) - {"running"}
    return failing, text


def nbgrader_validate(tmp_path, nb) -> tuple[bool, set[str], str]:
    """nbgrader's Validate on the command line, in a student's folder (no course config):
    (passed, the tasks its summary lists as failing, the output). Its exit code says nothing
    (nbgrader#1908): the output does."""
    folder = tmp_path / "nbgrader" / "batchnorm"
    shutil.copytree(RELEASE_DIR, folder)
    nbformat.write(nb, folder / NOTEBOOK)
    run = subprocess.run(
        [str(BIN / "nbgrader"), "validate", NOTEBOOK],
        cwd=folder,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = run.stdout + run.stderr
    passed = "Success! Your notebook passes all the tests." in out
    assert passed != ("VALIDATION FAILED ON" in out), out
    failing, _ = summary_of(run.stdout)
    return passed, failing, run.stdout


TASKS = tasks.ids()  # in notebook order
CASES = {
    "blank release": lambda: nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4),
    "one wrong function (ddof=1)": ddof1_nb,
    "all correct": student_nb,
}


@pytest.mark.parametrize("case", CASES)
def test_nbgrader_validate_agrees(tmp_path, case):
    """nbgrader's Validate fails exactly when a public check fails or an answer is missing,
    on one failed cell, the summary; python -m cs231n.validate prints the same summary."""
    nb = CASES[case]()
    passed, failed, out = nbgrader_validate(tmp_path, nb)
    ours = validate(tmp_path, nb)
    assert passed == (ours.returncode == 0), (out, ours.stdout)
    ours_failed, _ = summary_of(ours.stdout.split("\n\n")[0])
    assert failed == ours_failed, (out, ours.stdout)
    if case == "all correct":
        assert passed and not failed
        return
    if case == "blank release":
        # the summary first; then nbgrader's own block for each unanswered question
        assert "VALIDATION FAILED ON 5 CELL(S)!" in " ".join(out.split())
        assert failed == set(TASKS)
        assert "Not answered yet: inline_question_1" in out
        assert out.index("tasks pass their public checks") < out.index("YOUR ANSWER HERE")
    else:
        assert "VALIDATION FAILED ON 1 CELL(S)!" in " ".join(out.split())
        lines = out.splitlines()
        assert len(lines) <= 60, out
        first = " ".join(" ".join(lines[:15]).split())
        assert "[FAIL] batchnorm_forward_train" in first and MISTAKE in first, out
