"""The dropout assignment graded through the grade command (``--assignment dropout``): correct
dropouts that draw their masks in other ways get full marks, each mistake costs points in its
own task only and is named there."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import cell_text, executed_reference
from support.corpus import release_nb, student_nb
from support.dropout_variants import CORRECT, DROPOUT, MISTAKES, notebook
from support.public_checks import check_outputs, words

from autograder.layout import ROOT
from autograder.tasks import registry_of

TASKS = list(registry_of("dropout"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """results.json of one batch: the full submission, the blank release, every variant."""
    root = tmp_path_factory.mktemp("dropout")
    subs = {
        "reference": student_nb(DROPOUT),
        "blank": release_nb(DROPOUT),
        **{v.name: notebook(v) for v in (*CORRECT, *MISTAKES)},
    }
    for name, nb in subs.items():
        (root / "subs" / name).mkdir(parents=True)
        nbformat.write(nb, root / "subs" / name / DROPOUT.notebook)
    command = [sys.executable, "-m", "autograder", "grade", str(root / "subs"),
               "--out", str(root / "out"), "--assignment", "dropout", "--workers", "2"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "out" / "results.json").read_text())


def _short(student: dict) -> dict[str, str]:
    """Autograded task -> its feedback, for the tasks below full marks."""
    found = {t: student["tasks"][t] for t in TASKS}
    return {t: r["feedback"] for t, r in found.items() if r["score"] < r["max_score"]}


def test_the_reference_gets_every_autograded_point_and_the_release_none(graded):
    assert graded["reference"]["total"] == sum(registry_of("dropout")[t].points for t in TASKS)
    assert not graded["reference"]["flags"] and not _short(graded["reference"])
    assert graded["blank"]["total"] == 0


@pytest.mark.parametrize("variant", CORRECT, ids=[v.name for v in CORRECT])
def test_a_correct_dropout_gets_full_marks_however_it_draws(graded, variant):
    assert not _short(graded[variant.name]), _short(graded[variant.name])


@pytest.mark.parametrize("variant", MISTAKES, ids=[v.name for v in MISTAKES])
def test_a_mistake_costs_points_in_its_own_task_and_is_named(graded, variant):
    short = _short(graded[variant.name])
    assert variant.task in short, f"{variant.name} keeps full marks"
    assert variant.words in short[variant.task], short[variant.task]
    assert set(short) <= {variant.task, *variant.also}, short
    named = graded[variant.name]["tasks"][variant.task]["mistakes"]
    assert any(variant.words in words for words in named), named


def test_every_listed_mistake_has_a_variant():
    """The mistakes the assignment promises to name (docs/authoring.md), each graded above."""
    promised = {
        "not_inverted", "keep_is_drop", "mask_in_test_mode", "seed_ignored",
        "backward_without_mask", "backward_new_mask", "backward_without_1_over_p",
        "dropout_on_the_scores",
    }  # fmt: skip
    assert promised <= {v.name for v in MISTAKES}


# The notebook ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", MISTAKES, ids=[v.name for v in MISTAKES])
def test_the_check_cell_names_the_mistake_while_the_student_works(variant):
    """The check cell of the mistake's task says it in the grader's words (the catalog's
    diagnosis, or the cell's own statistics for the parts too large to ship)."""
    found = check_outputs(notebook(variant), assignment=DROPOUT)
    assert "FAILED" in found[variant.task], found[variant.task]
    assert variant.words in words(found[variant.task]), found[variant.task]


@pytest.mark.parametrize("variant", CORRECT, ids=[v.name for v in CORRECT])
def test_a_correct_dropout_passes_every_check_cell(variant):
    found = check_outputs(notebook(variant), assignment=DROPOUT)
    failing = {t: text for t, text in found.items() if "All public checks" not in text}
    assert set(found) == set(TASKS) and not failing, failing


def test_the_reference_prints_cs231ns_published_values():
    """CS231n publishes dx's relative error (5.44561e-11) and the net's loss without dropout."""
    nb = executed_reference("dropout")
    backward = cell_text(nb, "dropout_backward")
    error = float(
        re.search(r"\[PASS\] dx vs numerical gradient: relative error (\S+)", backward)[1]
    )
    assert error == pytest.approx(5.44561e-11, rel=1e-4)
    losses = [
        float(v) for v in re.findall(r"Initial loss: (\S+)", cell_text(nb, "FullyConnectedNet"))
    ]
    assert losses[0] == 2.3004790897684924


def test_validate_names_the_mistake_first(tmp_path):
    """In a student's folders: the dropout release beside their solved batch-norm notebook,
    whose layers the layers cell defines."""
    folder = tmp_path / "dropout"
    shutil.copytree(DROPOUT.release_dir, folder)
    (tmp_path / "batchnorm").mkdir()
    nbformat.write(student_nb(), tmp_path / "batchnorm" / "BatchNormalization.ipynb")
    nbformat.write(notebook(MISTAKES[0]), folder / DROPOUT.notebook)
    run = subprocess.run(
        [sys.executable, "-m", "cs231n.validate", DROPOUT.notebook], cwd=folder,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    summary = run.stdout.split("Each check cell prints")[0]
    failed = re.findall(r"^\[FAIL\] (\w+): (.*)$", summary, re.M)
    assert failed[0][0] == MISTAKES[0].task and MISTAKES[0].words in words(summary), summary
    assert all(why.startswith("cause upstream") for _, why in failed[1:]), summary
