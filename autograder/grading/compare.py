"""The hidden checks' comparison: each task's outputs against the reference's, on the trusted
side, row by row as its declaration states (``Task.checks``), or by its own ``Task.compare``
given a :class:`Context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import numpy as np

from ..tasks.model import Check, CheckKind, Task
from .mistakes import matches, recognise
from .model import Graded, PartResult, Verdict
from .reference import Reference, helpers
from .scoring import score

FLOAT32_DTYPE = "the output's dtype changed: keep x's dtype (float32 in, float32 out)"
STALE = (
    "a name your code uses is not defined when the notebook runs top to bottom: "
    "restart the kernel and Run All (stale kernel state, or cells run out of order)"
)


@dataclass
class Context:
    """One task's material for its comparison: the inputs, what came back, the expected."""

    task: Task
    inputs: dict
    got: dict[str, PartResult | None]
    expected: dict
    ref: Reference
    notes: list[str] = field(default_factory=list)  # what the feedback says about the basis

    @property
    def Finding(self):
        return helpers().checking.Finding

    def graded(self, finding, weight: float, primary: bool, part: str) -> Graded:
        return Graded(finding, weight, primary, part)

    def problem(self, part: str) -> str | None:
        """Why a part has no outputs (it never ran, or the student's code raised), or None."""
        result = self.got.get(part)
        if result is None:
            return "not run"
        if result.missing:
            return result.missing
        if result.error:
            where = f" ({result.error['where']})" if result.error.get("where") else ""
            return f"your code raised {result.error['error']}: {result.error['message']}{where}"
        return None

    def error_hint(self, part: str) -> str | None:
        """What the error a part raised likely means."""
        result = self.got.get(part)
        if result is None or not result.error:
            return None
        message, name = result.error.get("message", ""), result.error.get("error", "")
        if name == "NotImplementedError":
            return None  # the message says it
        if name == "NameError":
            return STALE
        for hint in self.task.error_hints:
            if any(text in message for text in hint.contains):
                return hint.words
        return None

    def output(self, part: str, key: str):
        """(True, value) of an output, or (False, why it is missing)."""
        result = self.got[part]
        assert result is not None, "output() of a part that problem() rejected"
        if key in result.arrays:
            return True, result.arrays[key]
        if key in result.nones:
            return False, "it is None"
        if key in result.types:
            return False, f"it is {result.types[key]}"
        return False, "it was not returned"

    def value(self, what, got, expected, tol=None):
        check = helpers().checking
        return check.close(what, got, expected, check.NET_TOL if tol is None else tol)

    def recognise(self, part: str, key: str, value) -> str | None:
        return recognise(self.task, part, key, value, self.inputs[part], self.ref)


def _describe(what: str, inputs: dict) -> str:
    shapes = {k: tuple(np.shape(v)) for k, v in inputs.items()}
    try:
        return what.format(**shapes)
    except (KeyError, IndexError):
        return what


def _shape_hint(task: Task, row: Check, got, expected) -> str | None:
    got_shape, exp_shape = np.shape(got), np.shape(expected)
    key = row.output
    if got_shape == exp_shape:
        return None
    if len(exp_shape) == 1 and got_shape == (1, *exp_shape):
        hint = f"{key} is shaped (1, D): sum over axis 0 without keepdims, to get (D,)"
        if row.strict_shape:
            hint += f" (the Solver's update w -= lr * {key} fails with a (1, D) gradient)"
        return hint
    if row.strict_shape and len(got_shape) == 1:
        return f"{key} is summed over the wrong axis: sum over the batch, axis 0"
    return task.shape_hints.get(key)


def check_task(ctx: Context) -> list[Graded]:
    """The graded findings of one task (of the better basis, for a task graded on two)."""
    if ctx.task.compare is not None:
        return ctx.task.compare(ctx)
    values = [_row(ctx, row) for row in ctx.task.checks]
    if not ctx.task.consistency or not _near_reference(ctx):
        return values
    consistent = [
        _row(ctx, row, ctx.task.consistency.get(row.part, {}).get(row.output))
        for row in ctx.task.checks
    ]
    if score(1.0, consistent) > score(1.0, values):
        ctx.notes.append(CONSISTENT.format(task=ctx.task.id))
        return consistent
    return values


def _near_reference(ctx: Context) -> bool:
    """Is the student's forward near the reference's (see ``Task.consistency_guard``)?"""
    check = helpers().checking
    part, output = ctx.task.consistency_guard
    if not part or ctx.problem(part):
        return False
    present, value = ctx.output(part, output)
    expected = ctx.expected[part][output]
    if not present or np.shape(value) != np.shape(expected):
        return False
    error = check.scaled_error(value, expected)
    return bool(np.isfinite(error) and error < check.NEAR_TOL)


CONSISTENT = (
    "{task} was judged by its consistency with your own forward pass (a numerical gradient of "
    "it), which is better for you than its values against the reference's: they differ "
    "because of your forward pass"
)


def _row(ctx: Context, row: Check, numeric: str | None = None) -> Graded:
    """One check row; ``numeric`` names the output a VALUE row is judged against instead of the
    reference (the numerical gradient of the student's own forward: the second basis)."""
    check = helpers().checking
    Finding = check.Finding
    inp, exp = ctx.inputs[row.part], ctx.expected[row.part]
    what = _describe(row.what, inp)
    primary = row.kind.primary
    problem = ctx.problem(row.part)
    if problem:
        return Graded(Finding(what, False, problem, ctx.error_hint(row.part)), row.weight,
                      primary, row.part)  # fmt: skip
    present, value = ctx.output(row.part, row.output)
    if not present:
        hint = next(
            (w for g, w in ctx.task.missing_hints.items() if fnmatchcase(row.output, g)), None
        )
        return Graded(Finding(what, False, f"no result: {value}", hint), row.weight, primary,
                      row.part)  # fmt: skip
    if numeric is not None or row.kind is CheckKind.NUMERIC:
        present_num, grad = ctx.output(row.part, numeric or row.against)
        finding = check.consistent(
            f"{what} vs numerical gradient of your forward", value, grad if present_num else None
        )
        return Graded(finding, row.weight, primary, row.part)
    if row.kind.side_effect:
        return _side_effect(ctx, row, what, value, inp)
    tol = check.FLOAT32_TOL if row.kind is CheckKind.VALUE32 else check.HIDDEN_TOL
    finding = check.close(what, value, exp[row.output], tol)
    expected_dtype = np.asarray(exp[row.output]).dtype
    if finding.passed and row.kind is CheckKind.VALUE32 and value.dtype != expected_dtype:
        detail = f"dtype {value.dtype}, expected {expected_dtype}"
        finding = Finding(what, False, detail, FLOAT32_DTYPE, "dtype")
    elif not finding.passed and row.kind is CheckKind.RAISES:
        finding = Finding(what, False, "no error was raised", row.hint)
    elif not finding.passed:
        return _failed_value(ctx, row, finding, value, exp[row.output], tol)
    return Graded(finding, row.weight, primary, row.part)


def _failed_value(ctx: Context, row: Check, finding, value, expected, tol) -> Graded:
    """A value that differs from the reference's: a convention, a shape that broadcasts, a
    known mistake, or a plain failure."""
    check = helpers().checking
    Finding = check.Finding
    inputs = ctx.inputs[row.part]
    for convention in ctx.task.conventions:
        if convention.part in (None, row.part) and fnmatchcase(row.output, convention.output):
            other = convention.compute(inputs, ctx.ref)
            if other is not None and matches(value, other):
                found = Finding(finding.what, False, finding.detail, convention.words,
                                Verdict.CONVENTION.value)  # fmt: skip
                return Graded(found, row.weight, True, row.part, Verdict.CONVENTION)
    if np.shape(value) != np.shape(expected) and not row.strict_shape:
        spread = _broadcast(value, np.shape(expected))
        if spread is not None and check.close("", spread, expected, tol).passed:
            shaped = (
                f"{row.output} is shaped {np.shape(value)}, its values are right: keep it "
                f"shaped {np.shape(expected)} (no keepdims), as the caller expects"
            )
            found = Finding(finding.what, False, finding.detail, shaped, Verdict.SHAPE.value)
            return Graded(found, row.weight, True, row.part, Verdict.SHAPE)
    hint = ctx.recognise(row.part, row.output, value) or _shape_hint(ctx.task, row, value, expected)
    return Graded(Finding(finding.what, False, finding.detail, hint), row.weight,
                  row.kind.primary, row.part)  # fmt: skip


def _broadcast(value, shape):
    """``value`` spread to ``shape`` when it only adds leading axes of one, else None."""
    value = np.asarray(value)
    if value.size != int(np.prod(shape)) or value.ndim <= len(shape):
        return None
    try:
        return np.broadcast_to(value, (*(1,) * (value.ndim - len(shape)), *shape)).reshape(shape)
    except ValueError:
        return None


def _side_effect(ctx: Context, row: Check, what: str, value, inp) -> Graded:
    """Did the call leave what it was given unchanged?"""
    Finding = helpers().checking.Finding
    if row.kind is CheckKind.UNCHANGED:
        original = inp[row.against]
        same = value.shape == original.shape and np.array_equal(value, original)
        name = row.against
    else:  # CheckKind.INTACT: the output is 1 when the call left it as it was
        same = bool(np.asarray(value).size) and bool(np.all(np.asarray(value) == 1))
        name = row.against or "its cache"
    if same:
        return Graded(Finding(what, True, "unchanged"), row.weight, False, row.part)
    words = (
        f"your {ctx.task.function} changes {name} in place: work on new arrays "
        "(a side effect costs at most a quarter of this task)"
    )
    found = Finding(what, False, "changed by your function", words, Verdict.SIDE_EFFECT.value)
    return Graded(found, row.weight, False, row.part, Verdict.SIDE_EFFECT)
