"""Numerics of the checks, in one place: seeds, tolerances and the checkers.

The notebook's public checks and the autograder's hidden checks both use these
constants and functions, so a student sees the same wording in the notebook,
in ``validate`` and in the grading feedback.

Each checker returns a :class:`Finding`; :func:`report` prints a task's findings
and says in words whether they passed.
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


def report(task, findings, public=True):
    """Print a task's findings and whether they all passed."""
    print(format_report(task, findings, public))


@contextlib.contextmanager
def skip_until_implemented(name):
    """Run an experiment, or say which task it still needs instead of crashing."""
    try:
        yield
    except NotImplementedError as exc:
        print(f"{name} skipped: it needs a task that is not implemented yet ({exc}).")
