"""The comparison, row by row, on outputs made up here: what passes, what fails, and the words
a failure gets. No sandbox: a PartResult is what the sandbox would send back."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import tasks
from autograder.grading.compare import Context, check_task
from autograder.grading.inputs import draw_inputs
from autograder.grading.model import PartResult
from autograder.grading.reference import expected_outputs, reference
from autograder.tasks.model import CheckKind


@pytest.fixture(scope="module")
def material():
    inputs = draw_inputs(3)
    return inputs, expected_outputs(inputs)


def returned(outputs: dict) -> PartResult:
    """What the sandbox sends back for these outputs."""
    arrays = {k: np.asarray(v) for k, v in outputs.items() if not isinstance(v, list)}
    lists = {k: v for k, v in outputs.items() if isinstance(v, list)}
    types = {k: "numpy.ndarray" for k in arrays} | {k: "builtins.list" for k in lists}
    return PartResult(arrays=arrays, lists=lists, types=types)


def context(task: str, material, edit=None) -> Context:
    inputs, expected = material
    got = {}
    for part in tasks.get(task).part_names:
        outputs = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                   for k, v in expected[task][part].items()}  # fmt: skip
        if edit:
            edit(part, outputs, inputs[task][part])
        got[part] = returned(outputs)
    return Context(tasks.get(task), inputs[task], got, expected[task], reference())


@pytest.mark.parametrize("task", tasks.ids())
def test_the_references_own_outputs_pass_every_check(task, material):
    found = check_task(context(task, material))
    assert found and all(g.finding.passed for g in found), [
        g.finding for g in found if not g.finding.passed
    ]


@pytest.mark.parametrize("task", [t for t in tasks.ids() if tasks.get(t).checks])
def test_a_value_off_by_a_little_fails_its_check(task, material):
    row = next(
        r for r in tasks.get(task).checks if r.kind is CheckKind.VALUE and "*" not in r.output
    )

    def nudge(part, outputs, inp):
        if part == row.part:
            outputs[row.output] = outputs[row.output] * (1 + 1e-4) + 1e-4

    found = check_task(context(task, material, nudge))
    failed = [g for g in found if not g.finding.passed]
    assert failed and all(g.part == row.part for g in failed)


def test_an_input_changed_in_place_fails_only_its_side_check(material):
    task = next(t for t in tasks.registry().values() if t.function == "relu_forward")

    def edit(part, outputs, inp):
        outputs["x_after"] = outputs["x_after"] + 1

    found = check_task(context(task.id, material, edit))
    failed = [g for g in found if not g.finding.passed]
    assert len(failed) == 1 and not failed[0].primary
    assert "in place" in failed[0].finding.mistake


def test_float32_must_stay_float32(material):
    task = next(t for t in tasks.registry().values() if any(
        r.kind is CheckKind.VALUE32 for r in t.checks))  # fmt: skip

    def widen(part, outputs, inp):
        if part == "float32":
            outputs["out"] = outputs["out"].astype(np.float64)

    found = check_task(context(task.id, material, widen))
    (failed,) = [g for g in found if not g.finding.passed]
    assert "dtype" in failed.finding.detail and "float32" in failed.finding.mistake


def test_a_missing_output_names_what_it_means(material):
    task = next(t for t in tasks.registry().values() if t.missing_hints)

    def drop(part, outputs, inp):
        outputs.pop("steps_running_mean", None)

    found = check_task(context(task.id, material, drop))
    assert any(
        g.finding.mistake and "never reach the caller" in g.finding.mistake
        for g in found
        if not g.finding.passed
    )


def test_an_error_is_reported_with_the_students_words(material):
    inputs, expected = material
    task = tasks.get(tasks.ids()[0])
    error = {"error": "NameError", "message": "name 'np' is not defined", "where": "your cell 3"}
    got = {p: PartResult(error=error) for p in task.part_names}
    found = check_task(Context(task, inputs[task.id], got, expected[task.id], reference()))
    assert all(not g.finding.passed for g in found)
    assert "Run All" in found[0].finding.mistake and "your cell 3" in found[0].finding.detail
