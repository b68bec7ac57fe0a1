"""Numerics of the checks, in one place: seeds, tolerances and the checkers.

The notebook's public checks and the autograder's hidden checks both use these
constants and functions, so a student sees the same wording in the notebook,
in ``validate`` and in the grading feedback.

Each checker returns a :class:`Finding`. A check cell is one ``with task(...) as findings:``
block: it collects the findings, catches what the student's code raises (so that Run All goes
on in every front end, with or without the ``raises-exception`` tag), adds the diagnosis on
the public diagnostic inputs (``diagnose.py``: the hidden checks' named mistakes), prints the
report and records the task's verdict for this kernel session. A check whose function uses
another task's function says first when that task fails its own checks. The summary cell
(:func:`summary`) sums the verdicts up; when validating (nbgrader's Validate, or
``python -m cs231n.validate``) it raises :class:`PublicChecksFailed` if a check fails or an
answer is missing, so Validate fails exactly then, on one short report.
"""

from __future__ import annotations

import os
import sys
import textwrap
import warnings
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


DIAGNOSTIC = "diagnostic: "
"""How a finding of the diagnosis on the public diagnostic inputs begins (``diagnose.py``)."""
WIDTH = 84
"""Columns of the summary: nbgrader's Validate cuts longer lines."""


def format_report(task, findings, public=True):
    """The text of a task's report: one line per finding (the diagnosis's passes summed up in
    one), then a verdict."""
    kind = "public" if public else "hidden"
    lines = [f"Task {task}: {kind} checks"]
    diagnosed = 0
    for f in findings:
        if f.passed and f.what.startswith(DIAGNOSTIC):
            diagnosed += 1
            continue
        mark = "PASS" if f.passed else (f.kind.upper() or "FAIL")
        lines.append(f"  [{mark}] {f.what}: {f.detail}")
        if f.mistake and not f.passed:
            lines.append(f"         {'likely mistake' if not f.kind else f.kind}: {f.mistake}")
    if diagnosed:
        plural = "s" if diagnosed > 1 else ""
        lines.append(f"  [PASS] {diagnosed} diagnostic check{plural} on the public inputs")
    if all(f.passed for f in findings):
        tail = " Hidden checks run at grading." if public else ""
        lines.append(f"All {kind} checks for {task} passed.{tail}")
    else:
        failed = sum(not f.passed for f in findings)
        lines.append(f"{failed} of {len(findings)} {kind} checks for {task} FAILED.")
    return "\n".join(lines)


def validating() -> bool:
    """Whether this run validates the notebook: nbgrader's Validate sets NBGRADER_EXECUTION in
    the kernel it runs; ``python -m cs231n.validate`` sets CS231N_VALIDATE."""
    return (
        os.environ.get("NBGRADER_EXECUTION") == "validate"
        or os.environ.get("CS231N_VALIDATE") == "1"
    )


@dataclass(frozen=True)
class Verdict:
    """A task's public checks, the last time its check cell reported in this session."""

    passed: bool
    first: str = ""  # what the first failing check checked
    mistake: str | None = None  # the first mistake named
    upstream: tuple = ()  # the tasks it depends on that fail their own checks
    where: str = ""  # where to look: the student's cell and line


_verdicts: dict = {}
"""task -> its :class:`Verdict`, the last time its check cell reported in this kernel
session."""


def verdict(task):
    """Whether ``task``'s public checks passed when they last reported; None if they have not."""
    found = _verdicts.get(task)
    return None if found is None else found.passed


def function_of(task):
    """The function a task is about: ``batchnorm_forward_train`` -> ``batchnorm_forward``."""
    from .diagnose import info

    found = info(task)
    return found["function"] if found else task.removesuffix("_train").removesuffix("_test")


def upstream_notes(task, depends_on, failing_here):
    """What to say first about the tasks ``task``'s check depends on.

    A dependency that failed its own public checks is named always; one that has not
    reported in this session (its check cell did not run, or failed to run) is named only
    when this task fails too.
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


def report(task, findings, public=True, depends_on=(), notes=(), where=""):
    """Print a task's findings and whether they all passed, and record the verdict.

    task: the task id.
    findings: the :class:`Finding` of each check.
    public: whether these are the notebook's public checks (the verdict is then recorded).
    depends_on: the tasks whose functions this check also runs (a backward's check runs its
        forward first); one that fails its own public checks is named first.
    notes: lines printed after the report (the warnings the code gave).
    where: where to look when a check failed ("your batchnorm_forward: Cell In[17], line 1").

    Returns whether every check passed. Outside a validation, a failure is also summed up on
    stderr (a red box in Jupyter): the task, the first failing check, the named mistake and
    where to look.
    """
    findings = list(findings)
    failed = [f for f in findings if not f.passed]
    for note in upstream_notes(task, depends_on, bool(failed)):
        print(note)
    print(format_report(task, findings, public))
    for note in notes:
        print(note)
    if not public:
        return not failed
    upstream = tuple(dep for dep in depends_on if verdict(dep) is False)
    named = next((f.mistake for f in failed if f.mistake), None)
    _verdicts[task] = Verdict(not failed, failed[0].what if failed else "", named, upstream, where)
    stubs = all(f.what.endswith(" is not implemented yet") for f in failed)
    if failed and not stubs and not validating():
        print("\n".join(_headline(task, _verdicts[task], len(failed), len(findings))),
              file=sys.stderr)  # fmt: skip
    return not failed


def _wrapped(text, indent=""):
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "    ")


def _roots(tasks):
    """The failing tasks behind ``tasks``: each one's own failing dependencies, down to those
    that fail on their own."""
    found = []
    for task in tasks:
        upstream = getattr(_verdicts.get(task), "upstream", ())
        found += _roots(upstream) if upstream else [task]
    return list(dict.fromkeys(found))


def _headline(task, found, failed=None, total=None):
    """A failing task in a few lines: the first failing check, the mistake, where to look; or,
    when a task it uses fails its own checks, which one to fix first."""
    count = f"{failed} of {total} public checks failed; " if failed else ""
    if found.upstream:
        roots = ", ".join(_roots(found.upstream))
        return _wrapped(f"[FAIL] {task}: {count}cause upstream: fix {roots} first")
    lines = _wrapped(f"[FAIL] {task}: {count}{found.first}")
    if found.mistake:
        lines += _wrapped(f"likely mistake: {found.mistake}", "    ")
    if found.where:
        lines += _wrapped(f"look at {found.where}", "    ")
    return lines


class PublicChecksFailed(AssertionError):
    """Raised by :func:`summary` when validating and a public check fails or an answer is
    missing. Its traceback, in Jupyter and in nbgrader's Validate, is the summary itself."""

    def __init__(self, lines):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))

    def _render_traceback_(self):
        return self.lines


def notebook_name():
    """The assignment's notebook file ("BatchNormalization.ipynb"), or "" without a catalog."""
    from .diagnose import catalog

    return catalog().get("notebook", "")


def summary_lines(notebook=None):
    """(lines, whether all is ready): every task's public checks in this session, and the
    questions still unanswered in ``notebook`` as saved (default: the assignment's notebook in
    the working folder, when it is there)."""
    from .diagnose import catalog, questions

    order = catalog().get("order") or list(_verdicts)
    passing = [t for t in order if verdict(t)]
    lines = [
        f"{len(passing)} of {len(order)} tasks pass their public checks "
        "(hidden checks run at grading)."
    ]
    for task in order:
        found = _verdicts.get(task)
        if found is None:
            lines += _wrapped(f"[FAIL] {task}: not checked in this session: run its check cell")
        elif not found.passed:
            lines += _headline(task, found)
    unanswered = questions(notebook)
    if unanswered:
        lines += _wrapped(f"Not answered yet: {', '.join(unanswered)}.")
    if len(passing) < len(order):
        lines += _wrapped(
            "Each check cell prints all its checks; python -m cs231n.validate --all prints "
            "every task's."
        )
    return lines, len(passing) == len(order) and not unanswered


def summary():
    """The summary cell: print where every task stands; when validating, raise if a public
    check fails or an answer is missing (Validate then shows this summary)."""
    lines, ready = summary_lines()
    print("\n".join(lines))
    if validating() and not ready:
        raise PublicChecksFailed(lines)


def submit():
    """The hand-in cell: the PDF of the written answers and the zip of the notebook as saved,
    with this session's summary (``python -m cs231n.submit`` makes them after a fresh run).
    Not while validating, nor where ``CS231N_SUBMIT=0`` (the kit's own runs of the notebook)."""
    if validating():
        print("The hand-in is not made while validating.")
        return
    if os.environ.get("CS231N_SUBMIT") == "0":
        print("The hand-in is not made here (CS231N_SUBMIT=0).")
        return
    from pathlib import Path

    from .submit import hand_in

    hand_in(Path(notebook_name() or "BatchNormalization.ipynb"), fresh=False)


class task:
    """A check cell: ``with check.task("affine_backward", depends_on=(...)) as findings:``.

    The body appends its findings to ``findings``. On leaving, whatever the student's code
    raised becomes a failed finding (where it was raised, and what it likely means), the
    diagnosis on the public diagnostic inputs is added, warnings are listed, and the report is
    printed and recorded (:func:`report`). Nothing is raised: Run All goes on everywhere.
    """

    def __init__(self, task_id, depends_on=()):
        self.task, self.depends_on = task_id, tuple(depends_on)

    def __enter__(self):
        self.findings = []
        self._warnings = warnings.catch_warnings(record=True)
        self._caught = self._warnings.__enter__()
        warnings.simplefilter("always")
        return self.findings

    def __exit__(self, kind, exc, tb):
        from . import diagnose

        if exc is not None and not isinstance(exc, Exception):
            self._warnings.__exit__(None, None, None)
            return False  # KeyboardInterrupt, SystemExit: the student's to stop
        namespace = sys._getframe(1).f_globals
        function = function_of(self.task)
        findings, where, own_stub = list(self.findings), "", False
        try:
            if exc is not None:
                where = diagnose.location(tb)
                own_stub = isinstance(exc, NotImplementedError) and str(exc).startswith(
                    f"{function}:"
                )
                findings.append(_raised(self.task, exc, where))
            if not isinstance(exc, NotImplementedError):
                findings += diagnose.diagnose(self.task, namespace)
        finally:
            self._warnings.__exit__(None, None, None)
        if not where and not all(f.passed for f in findings):
            where = _defined_at(function, namespace)
        notes = [f"Your code warned: {w.category.__name__}: {w.message}" for w in self._caught]
        depends_on = () if own_stub else self.depends_on
        report(self.task, findings, depends_on=depends_on, notes=list(dict.fromkeys(notes)),
               where=where)  # fmt: skip
        return True


def _raised(task_id, exc, where):
    """The finding of a check the student's code stopped by raising."""
    from .diagnose import info
    from .judging import error_hint

    at = f" ({where})" if where else ""
    if isinstance(exc, NotImplementedError):
        name = str(exc).split(":")[0].strip() or function_of(task_id)
        return Finding(f"{name} is not implemented yet", False, f"write it where its cell says "
                       f"YOUR CODE HERE{at}")  # fmt: skip
    found = info(task_id) or {}
    hints = [(tuple(h[0]), h[1]) for h in found.get("error_hints", [])]
    hint = error_hint({"error": type(exc).__name__, "message": str(exc)}, hints)
    return Finding("running the check", False, f"your code raised {type(exc).__name__}: {exc}{at}",
                   hint)  # fmt: skip


def _defined_at(function, namespace):
    """Where the student's ``function`` is defined ("your batchnorm_forward: Cell In[17], line
    1"), or ""."""
    from .diagnose import cell_name

    obj = namespace.get(function)
    code = getattr(obj, "__code__", None) or getattr(
        getattr(obj, "__init__", None), "__code__", None
    )
    if code is None:
        return ""
    place = cell_name(code.co_filename, code.co_firstlineno)
    return f"your {function}" + (f": {place}" if place and not validating() else "")


def experiment(name):
    """Run an experiment cell's function at once: ``@check.experiment("Experiment 1")`` above
    its ``def``. While a task it needs is not implemented, or its code raises, it says so and
    which, instead of stopping Run All. While the notebook is validated it is not run: it is not
    graded, the grader does not run it either, and Run All puts its plots in the notebook.

    Returns the function, to run it again by hand."""

    def run(function):
        if validating():
            print(f"{name} is not run while validating (it is not graded; Run All runs it).")
            return function
        try:
            function()
        except NotImplementedError as exc:
            print(f"{name} skipped: it needs a task that is not implemented yet ({exc}).")
        except Exception as exc:  # noqa: BLE001  (the student's code raised: say so, go on)
            from .diagnose import location

            where = location(exc.__traceback__)
            print(
                f"{name} stopped: your code raised {type(exc).__name__}: {exc}"
                + (f" ({where})" if where else "")
                + ". Fix the task whose check fails, then run this cell again.",
                file=sys.stderr,
            )
        return function

    return run
