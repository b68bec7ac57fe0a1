"""Numerics of the checks, in one place: seeds, tolerances and the checkers.

The notebook's public checks and the autograder's hidden checks both use these
constants and functions, so a student sees the same wording in the notebook,
in ``validate`` and in the grading feedback.

Each checker returns a :class:`Finding`; :func:`report` prints a task's findings,
says in words whether they passed, and raises :class:`PublicChecksFailed` when one
failed, so that a check cell shows an error wherever it runs (Run All, nbgrader's
Validate, ``python -m cs231n.validate``). It also records each task's verdict for
this kernel session, so that a check whose function uses another task's function
first says when that task fails its own checks.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from .gradient_check import rel_error

SEED = 231
"""Seed of ``np.random`` for every public check (CS231n's)."""

FD_STEP = 1e-5
"""Step h of the centred finite differences."""

VALUE_TOL = 1e-7
"""Relative error allowed against values published with 8 significant digits."""

GRAD_TOL = 1e-7
"""Relative error allowed between an analytic gradient and a numerical one (float64)."""

NET_GRAD_TOL = 1e-3
"""Relative error allowed for the whole net's gradients.

With N=2 and BN the numerical gradient of W1 is noisy: CS231n's reference prints 1.1e-04.
"""

ZERO_GRAD_ATOL = 1e-7
"""Absolute error allowed for a gradient that is exactly 0 (a bias feeding a BN layer)."""

STAT_ATOL = 1e-6
"""Absolute error allowed for means and standard deviations of normalized outputs."""

# The hidden checks at grading (the autograder's comparison, on inputs drawn at grading time).
HIDDEN_TOL = 1e-6
"""Relative error allowed against the reference in float64 (formulas differ in rounding)."""

FLOAT32_TOL = 1e-3
"""Relative error allowed against the reference for float32 inputs."""

CONSISTENCY_TOL = 1e-6
"""Error allowed between an analytic gradient and the numerical gradient of the student's own
forward, relative to the largest entry (:func:`scaled_error`). Entry by entry, the relative error
is noise where an entry is near zero: over 400 draws of hidden inputs the reference's own
gradients reached 1.7e-05 entry by entry (affine dw), against at most 3.7e-10 relative to the
largest entry. Mistakes are off by order 1 either way."""

NET_TOL = 1e-6
"""Relative error allowed for the whole net's loss, gradients and scores against the
reference's, with the same parameters."""

NEAR_TOL = 0.25
"""How far (relative to the largest entry) a forward's output may be from the reference's for a
backward to be judged by its consistency with that forward: a forward with a mistake in it
(unbiased variance is 7-15% off on small batches), not another function."""

MISTAKE_TOL = 1e-6
"""Relative error within which an output is recognised as a known mistake's output."""


@dataclass(frozen=True)
class Finding:
    """The outcome of one check.

    what: what was checked, e.g. ``"dx vs numerical gradient"``.
    passed: whether it passed.
    detail: the number that shows it, e.g. ``"relative error 1.7e-09 (pass: < 1e-07)"``.
    mistake: where the failure matches a known mistake, that mistake in a student's words.
    kind: for a failure the grading weighs apart, what it is: ``"convention"`` (a point the
        mathematics leaves open), ``"side effect"`` (an input changed in place) or ``"shape"``
        (a shape that broadcasts to the right values); empty for a plain failure.
    """

    what: str
    passed: bool
    detail: str
    mistake: str | None = None
    kind: str = ""


def _shape_finding(what, got, expected):
    got_shape = np.shape(got)
    expected_shape = np.shape(expected)
    if got_shape != expected_shape:
        return Finding(what, False, f"shape {got_shape}, expected {expected_shape}")
    return None


def close(what, got, expected, tol=VALUE_TOL):
    """Check that ``got`` has ``expected``'s shape and values (relative error < tol)."""
    if got is None:
        return Finding(what, False, "got None (the function returned nothing here)")
    bad_shape = _shape_finding(what, got, expected)
    if bad_shape:
        return bad_shape
    err = rel_error(np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64))
    if not np.isfinite(err):
        return Finding(what, False, "contains NaN or inf")
    return Finding(what, bool(err < tol), f"relative error {err:.2e} (pass: < {tol:.0e})")


def scaled_error(got, expected):
    """max |got - expected| over the largest magnitude in either (NaN if not finite)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(1e-8, float(np.max(np.abs(got), initial=0) + np.max(np.abs(expected), initial=0)))
    return float(np.max(np.abs(got - expected), initial=0.0)) / scale


def consistent(what, analytic, numeric, tol=CONSISTENCY_TOL):
    """Check an analytic gradient against a numerical one, relative to the largest entry."""
    if analytic is None or numeric is None:
        return Finding(what, False, "got None (the function returned nothing here)")
    bad_shape = _shape_finding(what, analytic, numeric)
    if bad_shape:
        return bad_shape
    err = scaled_error(analytic, numeric)
    if not np.isfinite(err):
        return Finding(what, False, "contains NaN or inf")
    return Finding(
        what, err < tol, f"relative error {err:.2e} of the largest entry (pass: < {tol:.0e})"
    )


def gradient(what, analytic, numeric, tol=GRAD_TOL):
    """Check an analytic gradient against a numerical one (relative error < tol)."""
    return close(f"{what} vs numerical gradient", analytic, numeric, tol)


def zero_gradient(what, analytic, numeric, atol=ZERO_GRAD_ATOL):
    """Check a gradient whose true value is exactly 0, with an absolute tolerance.

    Its relative error is noise over noise, so it is not a meaningful number.
    """
    if analytic is None:
        return Finding(what, False, "got None")
    bad_shape = _shape_finding(what, analytic, numeric)
    if bad_shape:
        return bad_shape
    worst = float(np.max(np.abs(np.asarray(analytic) - np.asarray(numeric)), initial=0.0))
    return Finding(
        f"{what} vs numerical gradient (true value 0)",
        worst < atol,
        f"max absolute difference {worst:.1e} (pass: < {atol:.0e})",
    )


def statistic(what, got, expected, atol=STAT_ATOL):
    """Check per-feature means or standard deviations against expected values."""
    bad_shape = _shape_finding(what, got, expected)
    if bad_shape:
        return bad_shape
    worst = float(np.max(np.abs(np.asarray(got) - np.asarray(expected)), initial=0.0))
    return Finding(
        what,
        bool(worst < atol),
        f"{np.array2string(np.asarray(got), precision=8)}, expected "
        f"{np.array2string(np.asarray(expected), precision=8)} "
        f"(max difference {worst:.1e}, pass: < {atol:.0e})",
    )


def format_report(task, findings, public=True):
    """The text of a task's report: one line per finding, then a verdict."""
    kind = "public" if public else "hidden"
    lines = [f"Task {task}: {kind} checks"]
    for f in findings:
        mark = "PASS" if f.passed else (f.kind.upper() or "FAIL")
        lines.append(f"  [{mark}] {f.what}: {f.detail}")
        if f.mistake and not f.passed:
            lines.append(f"         {'likely mistake' if not f.kind else f.kind}: {f.mistake}")
    if all(f.passed for f in findings):
        tail = " Hidden checks run at grading." if public else ""
        lines.append(f"All {kind} checks for {task} passed.{tail}")
    else:
        failed = sum(not f.passed for f in findings)
        lines.append(f"{failed} of {len(findings)} {kind} checks for {task} FAILED.")
    return "\n".join(lines)


class PublicChecksFailed(AssertionError):
    """A task's public checks failed; raised by :func:`report` after it printed them.

    task: the task id.
    failed: what each failing check checked.
    upstream: the tasks this check depends on that fail their own public checks.
    """

    def __init__(self, task, failed, upstream=()):
        self.task, self.failed, self.upstream = task, tuple(failed), tuple(upstream)
        message = f"{task}: {len(self.failed)} public check(s) failed: {'; '.join(self.failed)}"
        if self.upstream:
            one = len(self.upstream) == 1
            message += f". Fix {', '.join(self.upstream)} first: " + (
                "it fails its own public checks and this check uses it"
                if one
                else "they fail their own public checks and this check uses them"
            )
        super().__init__(message)


_verdicts = {}
"""task -> whether its public checks passed, the last time its check cell reported in this
kernel session."""


def verdict(task):
    """Whether ``task``'s public checks passed when they last reported; None if they have not."""
    return _verdicts.get(task)


def function_of(task):
    """The function a task is about: ``batchnorm_forward_train`` -> ``batchnorm_forward``."""
    return task.removesuffix("_train").removesuffix("_test")


def upstream_notes(task, depends_on, failing_here):
    """What to say first about the tasks ``task``'s check depends on.

    A dependency that failed its own public checks is named always; one that has not
    reported in this session (its check cell did not run, or raised before its report)
    is named only when this task fails too.
    """
    notes = []
    for dep in depends_on:
        used = function_of(dep)
        if verdict(dep) is False:
            notes.append(
                f"Cause upstream: {dep} fails its public checks, and this check of {task} uses "
                f"{used}: fix {dep} first; failures below may come from it."
            )
        elif verdict(dep) is None and failing_here:
            notes.append(
                f"Note: {dep} has not passed its public checks in this session (run its check "
                f"cell first); this check of {task} uses {used}, so failures below may come "
                "from it."
            )
    return notes


def report(task, findings, public=True, depends_on=()):
    """Print a task's findings and whether they all passed; raise if one failed.

    task: the task id.
    findings: the :class:`Finding` of each check.
    public: whether these are the notebook's public checks (the verdict is then recorded).
    depends_on: the tasks whose functions this check also runs (e.g. a backward check runs
        the forward pass first); when one of them fails its own public checks, that is said
        first, before this task's report.

    Raises
    ------
    PublicChecksFailed
        when a check failed, after printing the report, naming the task and the checks.
    """
    __tracebackhide__ = True  # IPython shows the check cell's line, not this function
    findings = list(findings)
    failed = [f.what for f in findings if not f.passed]
    for note in upstream_notes(task, depends_on, bool(failed)):
        print(note)
    print(format_report(task, findings, public))
    if public:
        _verdicts[task] = not failed
    if failed:
        upstream = [dep for dep in depends_on if verdict(dep) is False]
        raise PublicChecksFailed(task, failed, upstream)


@contextlib.contextmanager
def skip_until_implemented(name):
    """Run an experiment, or say which task it still needs instead of crashing."""
    try:
        yield
    except NotImplementedError as exc:
        print(f"{name} skipped: it needs a task that is not implemented yet ({exc}).")
