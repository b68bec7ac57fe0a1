"""Grading our own variants of the reference in this process: the probes run on a namespace
holding the variant's functions, their outputs become what the sandbox would send back, and
the real comparison and scoring judge them. For the kit's own mutants only (trusted code): a
student's code is graded in the sandbox."""

from __future__ import annotations

import functools

import numpy as np

from autograder import tasks
from autograder.grading.compare import Context, check_task
from autograder.grading.inputs import draw_inputs
from autograder.grading.model import PartResult, TaskResult
from autograder.grading.reference import (
    answer_cells,
    expected_outputs,
    grade_id,
    helpers,
    reference,
    source_notebook,
)
from autograder.grading.scoring import score
from autograder.sandboxed import probes


@functools.cache
def _reference_sources() -> dict[str, str]:
    return {grade_id(c): c.source for c in answer_cells(source_notebook())}


def namespace(answers: dict[str, str]) -> dict:
    """The reference's functions, with these answer cells (grade_id -> source) run instead."""
    ns = {"np": np, "softmax_loss": helpers().losses.softmax_loss, "__name__": "variant"}
    for gid, source in _reference_sources().items():
        exec(compile(answers.get(gid, source), f"<{gid}>", "exec"), ns)  # noqa: S102
    return ns


def returned(outputs: dict) -> PartResult:
    """What the sandbox sends back for these outputs."""
    result = PartResult()
    for key, value in outputs.items():
        if value is None:
            result.nones.add(key)
            result.types[key] = "None"
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            result.lists[key] = value
            result.types[key] = "builtins.list"
        else:
            result.arrays[key] = np.array(value, copy=True)
            result.types[key] = "numpy.ndarray"
    return result


def grade(answers: dict[str, str], seed: int, only: list[str] | None = None) -> dict:
    """task -> (TaskResult, notes) for the variant, on the hidden inputs of ``seed``."""
    ns = namespace(answers)
    numgrad = helpers().gradient_check.eval_numerical_gradient_array
    inputs = draw_inputs(seed)
    expected = expected_outputs(inputs)
    results = {}
    for task in only or tasks.ids():
        declared = tasks.get(task)
        got = {}
        for part in declared.parts:
            inp = {k: v.copy() for k, v in inputs[task][part.name].items()}
            try:
                got[part.name] = returned(probes.run(ns, inp, part.probe.to_json(), numgrad))
            except Exception as exc:  # noqa: BLE001  (the variant raised: as the runner records)
                got[part.name] = PartResult(
                    error={"error": type(exc).__name__, "message": str(exc), "where": ""}
                )
        ctx = Context(declared, inputs[task], got, expected[task], reference())
        graded = check_task(ctx)
        points = float(declared.points)
        result = TaskResult(task, score(points, graded), points, [g.finding for g in graded])
        results[task] = (result, ctx.notes)
    return results


def source(gid: str) -> str:
    """The reference's answer cell, solution markers and all (they are comments)."""
    return _reference_sources()[gid]


def edit(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        if old not in text:
            raise ValueError(f"not in the source: {old!r}")
        text = text.replace(old, new)
    return text
