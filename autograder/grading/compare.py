"""The hidden checks' comparison: each task's outputs against the reference's, on the trusted
side, row by row as its declaration states (``Task.checks``).

The judging itself is the helpers' (``cs231n.judging``), which the notebook's check cells also
use on the public diagnostic inputs: a mistake is named in the same words in both places. This
module gives it the hidden inputs, the reference's outputs and the declared variants, weighs
the findings, and chooses between a task's bases.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ..tasks.model import Check, CheckKind, Task
from .mistakes import variants
from .model import Graded, PartResult, Verdict
from .reference import Reference, helpers
from .scoring import score

CONSISTENT = (
    "Cause upstream: {task} was judged by its consistency with your own forward pass (a "
    "numerical gradient of "
    "it), which is better for you than its values against the reference's: they differ "
    "because of your forward pass"
)
VERDICTS = {
    "convention": Verdict.CONVENTION,
    "shape": Verdict.SHAPE,
    "side effect": Verdict.SIDE_EFFECT,
}
"""A finding's kind -> how its row counts (any other failure counts as failed)."""


@dataclass
class Context:
    """One task's material for its comparison: the inputs, what came back, the expected."""

    task: Task
    inputs: dict
    got: dict[str, PartResult | None]
    expected: dict
    ref: Reference
    notes: list[str] = field(default_factory=list)  # what the feedback says about the basis

    @functools.cached_property
    def judge(self):
        return self.judge_against(self.expected)

    def judge_against(self, expected: dict):
        task = self.task
        expected = with_bounds(task, self.inputs, expected)
        return helpers().judging.Judge(
            task.function,
            self.inputs,
            self.got,
            expected,
            variants=lambda part, key: variants(task, part, key, self.inputs[part], self.ref),
            error_hints=tuple((h.contains, h.words) for h in task.error_hints),
            missing_hints=dict(task.missing_hints),
            shape_hints=dict(task.shape_hints),
        )


def with_bounds(task: Task, inputs: dict, expected: dict) -> dict:
    """The expected outputs, with each ``BOUND`` check's interval (from the part's inputs) in
    place of the reference's statistic."""
    rows = [
        r
        for r in task.checks
        if r.kind is CheckKind.BOUND and r.bounds is not None and r.part in expected
    ]
    if not rows:
        return expected
    Interval = helpers().judging.Interval
    found = {p: dict(outputs) for p, outputs in expected.items()}
    for row in rows:
        assert row.bounds is not None
        bounds = row.bounds(inputs[row.part])
        found[row.part][row.output] = Interval(float(bounds.low), float(bounds.high))
    return found


def graded(row: Check, finding) -> Graded:
    return Graded(finding, row.weight, row.primary_check, row.part, VERDICTS.get(finding.kind))


def check_task(ctx: Context) -> list[Graded]:
    """The graded findings of one task (of the better basis, for a task graded on two)."""
    task = ctx.task
    values = [graded(row, ctx.judge.row(row)) for row in task.checks]
    best, note = values, ""
    if task.consistency and ctx.judge.near_reference(task.consistency_guard):
        own = [
            graded(row, ctx.judge.row(row, task.consistency.get(row.part, {}).get(row.output)))
            for row in task.checks
        ]
        if score(1.0, own) > score(1.0, best):
            best, note = own, CONSISTENT.format(task=task.id)
    if task.own_basis is not None and ctx.judge.near_reference(task.own_basis_guard):
        derived = _own_expected(ctx)
        if derived is not None:
            judge = ctx.judge_against(derived)
            own = [graded(row, judge.row(row)) for row in task.checks]
            if score(1.0, own) > score(1.0, best):
                best, note = own, task.own_basis_note.format(task=task.id)
    if note:
        ctx.notes.append(note)
    return best


def _own_expected(ctx: Context) -> dict | None:
    """The expected outputs with those the task derives from the student's own outputs in
    their place (``Task.own_basis``), or None when they cannot be derived."""
    arrays = {p: (r.arrays if r is not None else {}) for p, r in ctx.got.items()}
    assert ctx.task.own_basis is not None
    try:
        derived = ctx.task.own_basis(ctx.inputs, arrays)
    except (KeyError, ValueError, TypeError, ZeroDivisionError, FloatingPointError):
        return None
    expected = {p: dict(outputs) for p, outputs in ctx.expected.items()}
    for part, outputs in derived.items():
        for key, value in outputs.items():
            expected[part][key] = np.asarray(value).astype(np.asarray(expected[part][key]).dtype)
    return expected
