"""The hidden checks' comparison: each task's outputs against the reference's, on the trusted
side, row by row as its declaration states (``Task.checks``), or by its own ``Task.compare``
given a :class:`Context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

import numpy as np

from ..tasks.model import CheckKind, Task
from .mistakes import recognise
from .model import Graded, PartResult
from .reference import Reference, helpers

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
    found: list[Graded] = field(default_factory=list)

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


def _shape_hint(task: Task, key, got, expected) -> str | None:
    got_shape, exp_shape = np.shape(got), np.shape(expected)
    if got_shape == exp_shape:
        return None
    if len(exp_shape) == 1 and got_shape == (1, *exp_shape):
        return f"{key} is shaped (1, D): sum over axis 0 without keepdims, to get (D,)"
    if key in ("dgamma", "dbeta", "db") and len(got_shape) == 1:
        return f"{key} is summed over the wrong axis: sum over the batch, axis 0"
    return task.shape_hints.get(key)


def check_task(ctx: Context) -> list[Graded]:
    """The graded findings of one task."""
    if ctx.task.compare is not None:
        return ctx.task.compare(ctx)
    check = helpers().checking
    Finding = check.Finding
    found = []
    for row in ctx.task.checks:
        inp, exp = ctx.inputs[row.part], ctx.expected[row.part]
        what = _describe(row.what, inp)
        primary = row.kind.primary
        problem = ctx.problem(row.part)
        if problem:
            finding = Finding(what, False, problem, ctx.error_hint(row.part))
            found.append(Graded(finding, row.weight, primary, row.part))
            continue
        present, value = ctx.output(row.part, row.output)
        if not present:
            hint = next(
                (w for g, w in ctx.task.missing_hints.items() if fnmatchcase(row.output, g)), None
            )
            finding = Finding(what, False, f"no result: {value}", hint)
            found.append(Graded(finding, row.weight, primary, row.part))
            continue
        if row.kind in (CheckKind.VALUE, CheckKind.VALUE32, CheckKind.RAISES):
            tol = check.FLOAT32_TOL if row.kind is CheckKind.VALUE32 else check.HIDDEN_TOL
            finding = check.close(what, value, exp[row.output], tol)
            expected_dtype = np.asarray(exp[row.output]).dtype
            if finding.passed and row.kind is CheckKind.VALUE32 and value.dtype != expected_dtype:
                detail = f"dtype {value.dtype}, expected {expected_dtype}"
                finding = Finding(what, False, detail, FLOAT32_DTYPE)
            elif not finding.passed and row.kind is CheckKind.RAISES:
                finding = Finding(what, False, "no error was raised", row.hint)
            elif not finding.passed:
                words = ctx.recognise(row.part, row.output, value)
                hint = words or _shape_hint(ctx.task, row.output, value, exp[row.output])
                finding = Finding(finding.what, False, finding.detail, hint)
        elif row.kind is CheckKind.UNCHANGED:
            original = inp[row.against]
            same = value.shape == original.shape and np.array_equal(value, original)
            finding = Finding(
                what,
                same,
                "unchanged" if same else "changed by your function",
                None
                if same
                else f"your function modifies its input {row.against} in place: work on new arrays",
            )
        else:  # CheckKind.NUMERIC
            present_num, numeric = ctx.output(row.part, row.against)
            finding = check.consistent(
                f"{what} vs numerical gradient of your forward",
                value,
                numeric if present_num else None,
            )
        found.append(Graded(finding, row.weight, primary, row.part))
    return found
