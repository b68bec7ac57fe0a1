"""Judging a task's outputs check by check, in one place for both sides.

At grading, the hidden checks judge what your functions returned on hidden inputs against the
reference solution's outputs. In your notebook, each check cell's diagnosis judges what they
return on the public diagnostic inputs (``_catalog.json``) against *signatures* of the
reference's outputs: a shape, a dtype and a few projections of the values, which tell whether
an output matches without telling what it is. Both go through :class:`Judge`, so a mistake is
named in the same words wherever it shows.

A check (a *row*) names the part of the run it reads, the output, how it is compared (its
``kind``: ``value``, ``value32``, ``numeric``, ``unchanged``, ``intact``, ``raises``,
``names``, ``dtype``), its weight and what it checks in words. An output name with a wildcard
(``grad_*``) judges every output of that name at once. Known mistakes and conventions are
*variants*: the output a function with that mistake returns; an output that matches one is
named by it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checking import (
    CONSISTENCY_TOL,
    FLOAT32_TOL,
    HIDDEN_TOL,
    MISTAKE_TOL,
    NEAR_TOL,
    Finding,
    consistent,
    rel_error,
    scaled_error,
)

STALE = (
    "a name your code uses is not defined when the notebook runs top to bottom: "
    "restart the kernel and Run All (stale kernel state, or cells run out of order)"
)
FLOAT32_DTYPE = "the output's dtype changed: keep x's dtype (float32 in, float32 out)"

# ------------------------------------------------------------------------------- signatures
PROJECTIONS = 8


def _weights(size: int) -> np.ndarray:
    """PROJECTIONS fixed pseudo-random vectors of ``size`` entries, from integer arithmetic
    (the same on every machine and numpy version), each with a non-zero mean so that a
    constant offset shows."""
    i = np.arange(size, dtype=np.uint64)[None, :]
    k = np.arange(PROJECTIONS, dtype=np.uint64)[:, None]
    h = (i * np.uint64(2654435761) + k * np.uint64(97531) + np.uint64(12345)) % np.uint64(2**32)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0x5BD1E995)) % np.uint64(2**32)
    h ^= h >> np.uint64(15)
    w = h.astype(np.float64) / 2**32 - 0.25
    return w / np.linalg.norm(w, axis=1, keepdims=True)


def _project(values: np.ndarray) -> tuple[np.ndarray, float]:
    flat = np.asarray(values, dtype=np.float64).ravel()
    if not flat.size:
        return np.zeros(PROJECTIONS), 0.0
    return _weights(flat.size) @ flat, float(np.linalg.norm(flat))


@dataclass(frozen=True)
class Signature:
    """What the diagnosis knows of an output it must not reveal: its shape, its dtype, its norm
    and a few projections of its values."""

    shape: tuple[int, ...]
    dtype: str
    projections: tuple[float, ...]
    norm: float

    @classmethod
    def of(cls, value) -> Signature:
        array = np.asarray(value)
        projections, norm = _project(array)
        return cls(
            tuple(int(n) for n in array.shape),
            str(array.dtype),
            tuple(float(f"{p:.12g}") for p in projections),
            float(f"{norm:.12g}"),
        )

    def error(self, got) -> float:
        """How far ``got`` is from the output signed, relative to their sizes (0: the same)."""
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return float("inf")
        if not np.all(np.isfinite(got)):
            return float("nan")
        projections, norm = _project(got)
        scale = max(1e-8, norm + self.norm)  # the floor of rel_error (checking.py)
        return float(np.max(np.abs(projections - np.asarray(self.projections)))) / scale

    def to_json(self) -> dict:
        return {"signature": [list(self.shape), self.dtype, list(self.projections), self.norm]}

    @classmethod
    def from_json(cls, data: dict) -> Signature:
        shape, dtype, projections, norm = data["signature"]
        return cls(tuple(shape), dtype, tuple(projections), norm)


@dataclass(frozen=True)
class Interval:
    """Where a statistic must lie (a ``bound`` check), or where a mistake puts it: both ends
    included. Not a secret: it follows from the inputs (a binomial's spread)."""

    low: float
    high: float

    def matches(self, got) -> bool:
        try:
            value = float(np.asarray(got, dtype=np.float64).reshape(-1)[0])
        except (TypeError, ValueError, IndexError):
            return False
        return bool(np.size(got) == 1 and self.low <= value <= self.high)

    def to_json(self) -> dict:
        return {"interval": [self.low, self.high]}


def shape_of(expected) -> tuple[int, ...]:
    return tuple(expected.shape) if isinstance(expected, Signature) else np.shape(expected)


def dtype_of(expected) -> str:
    return expected.dtype if isinstance(expected, Signature) else str(np.asarray(expected).dtype)


def difference(got, expected) -> float:
    """Relative error of ``got`` against an expected array or signature (shapes equal)."""
    if isinstance(expected, Signature):
        return expected.error(got)
    return float(rel_error(np.asarray(got, dtype=np.float64), np.asarray(expected, np.float64)))


def closeness(what: str, got, expected, tol: float) -> Finding:
    """``checking.close`` for an expected array or signature."""
    if got is None:
        return Finding(what, False, "got None (the function returned nothing here)")
    if np.shape(got) != shape_of(expected):
        return Finding(what, False, f"shape {np.shape(got)}, expected {shape_of(expected)}")
    try:
        err = difference(got, expected)
    except (TypeError, ValueError):
        return Finding(what, False, f"not numbers: {type(got).__name__}")
    if not np.isfinite(err):
        return Finding(what, False, "contains NaN or inf")
    return Finding(what, bool(err < tol), f"relative error {err:.2e} (pass: < {tol:.0e})")


def near(got, expected, tol: float = NEAR_TOL) -> bool:
    """Is ``got`` within ``tol`` of ``expected``, relative to the largest entry?"""
    if np.shape(got) != shape_of(expected):
        return False
    error = expected.error(got) if isinstance(expected, Signature) else scaled_error(got, expected)
    return bool(np.isfinite(error) and error < tol)


def matches(got, variant) -> bool:
    """Is ``got`` a variant's output (a mistake's or a convention's)?"""
    if hasattr(variant, "matches"):
        return bool(variant.matches(got))
    if isinstance(variant, list | tuple) and all(isinstance(v, str) for v in variant):
        return isinstance(got, list | tuple) and set(map(str, got)) == set(variant)
    if isinstance(got, list | tuple) and got and isinstance(got[0], str):
        return False
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if array.shape != shape_of(variant) or not np.all(np.isfinite(array)):
        return False
    if not array.size:
        return True
    if isinstance(variant, Signature):
        return variant.error(array) < MISTAKE_TOL
    return bool(rel_error(array, np.asarray(variant, dtype=np.float64)) < MISTAKE_TOL)


# ---------------------------------------------------------------------------- words shared
def shape_hint(key: str, got_shape, expected_shape, strict: bool) -> str | None:
    """What a wrong shape of an output likely means, or None."""
    if tuple(got_shape) == tuple(expected_shape):
        return None
    if len(expected_shape) == 1 and tuple(got_shape) == (1, *expected_shape):
        hint = f"{key} is shaped (1, D): sum over axis 0 without keepdims, to get (D,)"
        if strict:
            hint += f" (the Solver's update w -= lr * {key} fails with a (1, D) gradient)"
        return hint
    if strict and len(got_shape) == 1:
        return f"{key} is summed over the wrong axis: sum over the batch, axis 0"
    return None


def side_effect_words(function: str, name: str) -> str:
    return (
        f"your {function} changes {name} in place: work on new arrays "
        "(a side effect costs at most a quarter of this task)"
    )


def error_hint(error: dict | None, hints) -> str | None:
    """What an error the student's code raised likely means: ``hints`` holds pairs of
    (substrings of the message, words)."""
    if not error:
        return None
    name, message = error.get("error", ""), error.get("message", "")
    if name == "NotImplementedError":
        return None  # the message says it
    if name == "NameError":
        return STALE
    for contains, words in hints:
        if any(text in message for text in contains):
            return words
    return None


def describe(what: str, inputs: dict) -> str:
    """A check's words with ``{x}`` replaced by the shape of the input ``x``."""
    shapes = {k: tuple(np.shape(v)) for k, v in inputs.items()}
    try:
        return what.format(**shapes)
    except (KeyError, IndexError, ValueError):
        return what


# ---------------------------------------------------------------------------------- the run
@dataclass
class Run:
    """What one part of a run gave back (the grader's ``PartResult`` has the same fields)."""

    arrays: dict = field(default_factory=dict)
    nones: set = field(default_factory=set)
    lists: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    error: dict | None = None
    missing: str | None = None


@dataclass(frozen=True)
class Variant:
    """The output of a known mistake or convention: ``value`` is an array, a signature, a list
    of names, or an object with ``matches(got)``; ``kind`` is "" for a mistake, "convention"
    for the other side of a convention."""

    words: str
    value: Any
    kind: str = ""


def _kind(row) -> str:
    return str(getattr(row.kind, "value", row.kind))


def _is_glob(name: str) -> bool:
    return any(c in name for c in "*?[")


@dataclass
class Judge:
    """Judges one task's rows.

    function: the function the task is about (for the words of a side effect).
    inputs: part -> the inputs of that part.
    got: part -> what the run gave back (a :class:`Run`), or None if the part never ran.
    expected: part -> output -> the reference's output (array, signature or list of names).
    variants: called with (part, output): the variants to try on a failed output, in order.
    """

    function: str
    inputs: dict
    got: dict
    expected: dict
    variants: Any = None
    error_hints: tuple = ()
    missing_hints: dict = field(default_factory=dict)
    shape_hints: dict = field(default_factory=dict)

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

    def hint_for_error(self, part: str) -> str | None:
        result = self.got.get(part)
        return error_hint(result.error if result is not None else None, self.error_hints)

    def output(self, part: str, key: str):
        """(True, value) of an output, or (False, why it is missing)."""
        result = self.got[part]
        if key in result.arrays:
            return True, result.arrays[key]
        if key in getattr(result, "lists", {}):
            return True, result.lists[key]
        if key in result.nones:
            return False, "it is None"
        if key in result.types:
            return False, f"it is {result.types[key]}"
        return False, "it was not returned"

    def _variants(self, part: str, key: str):
        return self.variants(part, key) if self.variants is not None else ()

    def recognise(self, part: str, key: str, value) -> Variant | None:
        for variant in self._variants(part, key):
            if variant.kind == "" and matches(value, variant.value):
                return variant
        return None

    # ------------------------------------------------------------------------ one row
    def row(self, row, numeric: str | None = None) -> Finding:
        """The finding of one check; ``numeric`` names the output a value check is judged
        against instead of the reference (the second basis: the student's own forward)."""
        kind = _kind(row)
        what = describe(row.what, self.inputs[row.part])
        problem = self.problem(row.part)
        if problem:
            return Finding(what, False, problem, self.hint_for_error(row.part))
        if _is_glob(row.output):
            return self._glob(row, kind, what)
        present, value = self.output(row.part, row.output)
        if not present:
            hint = next(
                (w for g, w in self.missing_hints.items() if fnmatch.fnmatchcase(row.output, g)),
                None,
            )
            return Finding(what, False, f"no result: {value}", hint)
        if numeric is not None or kind == "numeric":
            return self._consistent(row, what, value, numeric or row.against)
        if kind in ("unchanged", "intact"):
            return self._side_effect(row, kind, what, value)
        if kind == "raises":
            if np.size(value) and np.all(np.asarray(value) == 1):
                return Finding(what, True, "it raised an error")
            return Finding(what, False, "no error was raised", row.hint or None)
        if kind == "names":
            return self._names(row, what, value)
        if kind == "bound":
            return self._bound(row, what, value)
        expected = self.expected[row.part][row.output]
        tol = FLOAT32_TOL if kind == "value32" else HIDDEN_TOL
        finding = closeness(what, value, expected, tol)
        if (
            finding.passed
            and kind == "value32"
            and str(np.asarray(value).dtype) != dtype_of(expected)
        ):
            detail = f"dtype {np.asarray(value).dtype}, expected {dtype_of(expected)}"
            return Finding(what, False, detail, row.hint or FLOAT32_DTYPE, "dtype")
        if finding.passed:
            return finding
        return self._failed_value(row, finding, value, expected, tol)

    def _failed_value(self, row, finding: Finding, value, expected, tol: float) -> Finding:
        """A value that differs from the reference's: a convention, a shape that broadcasts, a
        known mistake, or a plain failure."""
        for variant in self._variants(row.part, row.output):
            if variant.kind == "convention" and matches(value, variant.value):
                return Finding(finding.what, False, finding.detail, variant.words, "convention")
        if np.shape(value) != shape_of(expected) and not row.strict_shape:
            spread = _broadcast(value, shape_of(expected))
            if spread is not None and closeness("", spread, expected, tol).passed:
                shaped = (
                    f"{row.output} is shaped {np.shape(value)}, its values are right: keep it "
                    f"shaped {shape_of(expected)} (no keepdims), as the caller expects"
                )
                return Finding(finding.what, False, finding.detail, shaped, "shape")
        named = self.recognise(row.part, row.output, value)
        hint = (
            named.words.replace("{key}", row.output)
            if named
            else shape_hint(row.output, np.shape(value), shape_of(expected), row.strict_shape)
            or self.shape_hints.get(row.output)
            or row.hint
            or None
        )
        return Finding(finding.what, False, finding.detail, hint)

    def _consistent(self, row, what: str, value, against: str) -> Finding:
        """A value against another output of the same run (a numerical gradient, named
        ``*_num``, or what the student's own forward implies); a failure may be a known
        mistake."""
        if against.endswith("_num"):
            what = f"{what} vs numerical gradient of your forward"
        present, other = self.output(row.part, against)
        finding = consistent(what, value, other if present else None, CONSISTENCY_TOL)
        if finding.passed:
            return finding
        named = self.recognise(row.part, row.output, value)
        hint = named.words.replace("{key}", row.output) if named else (row.hint or None)
        return Finding(finding.what, False, finding.detail, hint)

    def _side_effect(self, row, kind: str, what: str, value) -> Finding:
        if kind == "unchanged":
            original = self.inputs[row.part][row.against]
            same = np.shape(value) == np.shape(original) and np.array_equal(value, original)
            name = row.against
        else:  # intact: the output is 1 when the call left what it was given as it was
            same = bool(np.size(value)) and bool(np.all(np.asarray(value) == 1))
            name = row.against or "its cache"
        if same:
            return Finding(what, True, "unchanged")
        words = side_effect_words(self.function, name)
        return Finding(what, False, "changed by your function", words, "side effect")

    def _names(self, row, what: str, value) -> Finding:
        want = [str(n) for n in self.expected[row.part][row.output]]
        names = [str(n) for n in value]
        extra, missing = sorted(set(names) - set(want)), sorted(set(want) - set(names))
        if not extra and not missing:
            return Finding(what, True, "as expected")
        named = self.recognise(row.part, row.output, names)
        detail = f"unexpected {extra}, missing {missing}"
        return Finding(what, False, detail, named.words if named else (row.hint or None))

    def _bound(self, row, what: str, value) -> Finding:
        """A statistic within its interval; else a mistake whose interval holds it."""
        interval = self.expected[row.part][row.output]
        if np.size(value) != 1 or not np.all(np.isfinite(np.asarray(value, dtype=float))):
            return Finding(what, False, f"not one number: {np.shape(value)}", row.hint or None)
        number = float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
        detail = f"{number:.4g} (pass: within [{interval.low:.4g}, {interval.high:.4g}])"
        if interval.matches(value):
            return Finding(what, True, detail)
        named = next(
            (v for v in self._variants(row.part, row.output) if matches(value, v.value)), None
        )
        return Finding(what, False, detail, named.words if named else (row.hint or None))

    def _glob(self, row, kind: str, what: str) -> Finding:
        """A check of every output the wildcard names (those the reference returned)."""
        expected = self.expected[row.part]
        names = sorted(k for k in expected if fnmatch.fnmatchcase(k, row.output))
        prefix = row.output.split("*")[0].split("?")[0].split("[")[0]
        values, bad, words = {}, [], None
        for name in names:
            present, value = self.output(row.part, name)
            if present:
                values[name] = value
            if kind == "dtype":
                ok = present and str(np.asarray(value).dtype) == dtype_of(expected[name])
            else:
                ok = present and closeness(name, value, expected[name], HIDDEN_TOL).passed
            if not ok:
                bad.append(name)
                if present and words is None and kind != "dtype":
                    named = self.recognise(row.part, name, value)
                    words = named.words.replace("{key}", name) if named else None
        if kind == "dtype":
            dtypes = sorted({str(np.asarray(v).dtype) for v in values.values()})
            detail = f"dtypes {', '.join(dtypes) or 'none'}"
            return Finding(what, not bad and bool(names), detail, None if not bad else row.hint)
        if not bad and names:
            return Finding(what, True, "all match")
        shown = ", ".join(n.removeprefix(prefix) for n in bad) or "none returned"
        if getattr(row, "reordered", "") and _reordered(values, [expected[n] for n in names]):
            return Finding(what, False, f"wrong for {shown}", row.reordered, "draw order")
        return Finding(what, False, f"wrong for {shown}", words or row.hint or None)

    # ------------------------------------------------------------------------ a task
    def near_reference(self, guard: tuple[str, str]) -> bool:
        """Is the student's output ``guard`` (part, output) near the reference's?"""
        part, output = guard
        if not part or self.problem(part):
            return False
        present, value = self.output(part, output)
        return present and near(value, self.expected[part][output])


def _reordered(values: dict, expected: list) -> bool:
    """The expected values, all there, in another order (arrays only: a signature cannot say)."""
    if len(values) != len(expected) or any(isinstance(e, Signature) for e in expected):
        return False
    try:
        mine = np.sort(np.concatenate([np.ravel(v).astype(np.float64) for v in values.values()]))
        theirs = np.sort(np.concatenate([np.ravel(e).astype(np.float64) for e in expected]))
    except (TypeError, ValueError):
        return False
    return mine.shape == theirs.shape and bool(rel_error(mine, theirs) < HIDDEN_TOL)


def _broadcast(value, shape):
    """``value`` spread to ``shape`` when it only adds leading axes of one, else None."""
    value = np.asarray(value)
    if value.size != int(np.prod(shape)) or value.ndim <= len(shape):
        return None
    try:
        return np.broadcast_to(value, (*(1,) * (value.ndim - len(shape)), *shape)).reshape(shape)
    except ValueError:
        return None
