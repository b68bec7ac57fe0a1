"""The students' validate command: public checks, top to bottom, in the grader's words."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
from corpus import answer_source, with_answers

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


def test_a_mistake_fails_with_the_graders_wording(tmp_path):
    unbiased = answer_source("batchnorm_forward_answer").replace(
        "var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"
    )
    run = validate(tmp_path, with_answers({"batchnorm_forward_answer": unbiased}))
    assert run.returncode == 1
    assert "[FAIL] stds with gamma=1, beta=0" in run.stdout
    assert "public checks for batchnorm_forward_train FAILED." in run.stdout
