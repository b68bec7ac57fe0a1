"""The students' validate command: public checks, top to bottom, in the grader's words; and
nbgrader's own Validate (``nbgrader validate``, what the toolbar's button runs) agreeing with it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import BIN, ENV
from corpus import answer_source, student_nb, with_answers

from autograder import tasks
from autograder.layout import NOTEBOOK, RELEASE_DIR


def validate(tmp_path, nb) -> subprocess.CompletedProcess:
    folder = tmp_path / "batchnorm"
    shutil.copytree(RELEASE_DIR, folder)  # what a student has: the release folder
    nbformat.write(nb, folder / NOTEBOOK)
    return subprocess.run(
        [sys.executable, "-m", "cs231n.validate", NOTEBOOK],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_solved_notebook_validates(tmp_path, reference_nb):
    run = validate(tmp_path, reference_nb)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "11 of 11 tasks pass their public checks" in run.stdout
    assert "All public checks for batchnorm_forward_test passed." in run.stdout


def test_blank_release_lists_every_task_and_question(tmp_path):
    run = validate(tmp_path, nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4))
    assert run.returncode == 1
    assert "0 of 11 tasks pass their public checks" in run.stdout
    assert "NotImplementedError: affine_forward: not implemented yet" in run.stdout
    for i in range(1, 5):
        assert f"inline_question_{i} is not answered yet" in run.stdout


def ddof1_nb():
    unbiased = answer_source("batchnorm_forward_answer").replace(
        "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
    )
    return with_answers({"batchnorm_forward_answer": unbiased})


def test_a_mistake_fails_with_the_graders_wording(tmp_path):
    run = validate(tmp_path, ddof1_nb())
    assert run.returncode == 1
    assert "[FAIL] stds with gamma=1, beta=0" in run.stdout
    assert "public checks for batchnorm_forward_train FAILED." in run.stdout
    # the backward check says first that its failure may come from upstream
    backward = run.stdout[run.stdout.index("Cause upstream: batchnorm_forward_train") :]
    assert backward.index("this check of batchnorm_backward uses batchnorm_forward") < (
        backward.index("Task batchnorm_backward: public checks")
    )
    assert "All public checks for batchnorm_backward_alt passed." in run.stdout


def nbgrader_validate(tmp_path, nb) -> tuple[bool, list[str], str]:
    """nbgrader's Validate on the command line, in a student's folder (no course config):
    (passed, the tasks of the failed check cells, the output). Its exit code says nothing
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
    failed = []
    for chunk in out.split("The following cell failed:")[1:]:
        m = re.search(r'check\.report\("(\w+)"', chunk)
        failed.append(m.group(1) if m else "written answer")
    return passed, failed, out


TASKS = tasks.ids()  # in notebook order
USES_BATCHNORM_FORWARD = {
    "batchnorm_forward_train",
    "batchnorm_forward_test",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "FullyConnectedNet",
}
CASES = {
    "blank release": lambda: nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4),
    "one wrong function (ddof=1)": ddof1_nb,
    "all correct": student_nb,
}


@pytest.mark.parametrize("case", CASES)
def test_nbgrader_validate_agrees(tmp_path, case):
    """nbgrader's Validate fails exactly when a public check fails or an answer is missing,
    and python -m cs231n.validate says the same, task by task."""
    nb = CASES[case]()
    passed, failed, out = nbgrader_validate(tmp_path, nb)
    ours = validate(tmp_path, nb)
    assert passed == (ours.returncode == 0), (out, ours.stdout)
    ours_failed = {t for t in TASKS if f"All public checks for {t} passed." not in ours.stdout}
    assert ours_failed == {t for t in failed if t != "written answer"}, (out, ours.stdout)
    unanswered = ours.stdout.count("is not answered yet")
    assert failed.count("written answer") == unanswered
    if case == "all correct":
        assert passed and not failed
    elif case == "blank release":
        assert ours_failed == set(TASKS) and unanswered == 4
        assert "NotImplementedError: affine_forward: not implemented yet" in out
    else:
        assert "batchnorm_forward_train" in ours_failed
        assert ours_failed <= USES_BATCHNORM_FORWARD
        assert "PublicChecksFailed: batchnorm_forward_train: 2 public check(s) failed" in out
