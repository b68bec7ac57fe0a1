"""A check cell's diagnosis: your functions on the public diagnostic inputs, judged as the
hidden checks judge them, so that a known mistake is named while you work.

``make release`` writes the catalog beside this module (``_catalog.json``, with
``_probes.py``, the call patterns of the hidden checks): for each task, public inputs drawn
from a published seed, the checks and their words, and *signatures* of the reference's
outputs and of known mistakes' outputs on those inputs (a signature tells whether an output
matches, not what it is). The hidden checks run the same checks on inputs drawn from a secret
seed. Without a catalog (the instructor's source), there is nothing to diagnose.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import traceback
from pathlib import Path

import numpy as np

from .checking import Finding
from .judging import Interval, Judge, Run, Signature, Variant

CATALOG = Path(__file__).with_name("_catalog.json")
DIAGNOSTIC = "diagnostic: "
"""How a diagnosis's finding begins (``checking.report`` sums up those that pass)."""
MESSAGE_CHARS = 300


@functools.cache
def catalog() -> dict:
    try:
        return json.loads(CATALOG.read_text())
    except (OSError, ValueError):
        return {}


def info(task: str) -> dict | None:
    """What the catalog says of a task, or None."""
    return catalog().get("tasks", {}).get(task)


def _decode(value):
    """An input from the catalog: {"dtype", "shape", "data"} -> an array."""
    return np.asarray(value["data"], dtype=value["dtype"]).reshape(value["shape"])


def _expected(value):
    if isinstance(value, dict) and "signature" in value:
        return Signature.from_json(value)
    if isinstance(value, dict) and "interval" in value:
        return Interval(*value["interval"])
    return value


class _Lookup:
    """The notebook's namespace as the probes see it: a missing function is a NameError."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getitem__(self, name):
        try:
            return self._namespace[name]
        except KeyError:
            raise NameError(f"name {name!r} is not defined") from None


def _outputs(values: dict) -> Run:
    """What a probe returned, as the sandbox would send it back."""
    run = Run()
    for name, value in values.items():
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        run.types[name] = kind
        if value is None:
            run.nones.add(name)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            run.lists[name] = list(value)
        else:
            try:
                array = np.array(value, copy=True)
            except Exception:  # noqa: BLE001  (whatever the student returned)
                continue
            if array.dtype.kind in "biufc":
                run.arrays[name] = array.view(np.ndarray)
    return run


def location(tb) -> str:
    """Where in the student's code an error was raised ("batchnorm_forward, Cell In[17], line
    23"), or "": the innermost frame of a notebook cell."""
    # the helpers' folder as imported and as stored (an assignment's cs231n/ may link to the
    # files of another's)
    here = tuple({str(Path(__file__).parent), str(Path(__file__).resolve().parent)})
    frames = [
        f
        for f in traceback.extract_tb(tb)
        if not f.filename.startswith(here) and "site-packages" not in f.filename
    ]
    if not frames:
        return ""
    frame = frames[-1]
    place = cell_name(frame.filename, frame.lineno)
    return place if frame.name == "<module>" else f"{frame.name}, {place}"


def cell_name(filename: str, lineno: int | None) -> str:
    """A notebook cell's name as IPython's tracebacks write it ("Cell In[17], line 23") in the
    student's own session, where the count is the one their notebook shows; a line alone when
    validating, whose fresh kernel counts otherwise."""
    from .checking import validating

    if validating():
        return f"line {lineno}" if lineno else ""
    try:
        shell = get_ipython()  # type: ignore[name-defined]  # noqa: F821
        named = shell.compile.format_code_name(filename)
    except Exception:  # noqa: BLE001  (no IPython, or an older one)
        named = None
    place = f"{named[0]} {named[1]}" if named else filename.strip("<>")
    return f"{place}, line {lineno}" if lineno else place


def _error(exc: BaseException) -> dict:
    return {
        "error": type(exc).__name__,
        "message": str(exc)[:MESSAGE_CHARS],
        "where": location(exc.__traceback__),
    }


def judge(task: str, namespace) -> Judge | None:
    """The judge of ``task`` over its public diagnostic inputs, its parts run on the
    functions of ``namespace``; None without a catalog."""
    found = info(task)
    if not found:
        return None
    try:
        from . import _probes
        from .gradient_check import eval_numerical_gradient_array as numgrad
    except ImportError:
        return None
    try:
        from . import _task_probes  # the assignment's own call patterns, if it has any

        _probes.extend(_task_probes)
    except ImportError:
        pass
    inputs, got, expected, variants = {}, {}, {}, {}
    for part, spec in found["parts"].items():
        inputs[part] = {k: _decode(v) for k, v in spec["inputs"].items()}
        expected[part] = {k: _expected(v) for k, v in spec["expected"].items()}
        variants[part] = {
            k: [Variant(v["words"], _expected(v["value"]), v["kind"]) for v in vs]
            for k, vs in spec["variants"].items()
        }
        fresh = {k: v.copy() for k, v in inputs[part].items()}
        silent = io.StringIO()
        try:
            with contextlib.redirect_stdout(silent), contextlib.redirect_stderr(silent):
                values = _probes.run(_Lookup(namespace), fresh, spec["probe"], numgrad)
        except Exception as exc:  # noqa: BLE001  (the student's code raised: say so)
            got[part] = Run(error=_error(exc))
            continue
        got[part] = _outputs(values)
    return Judge(
        found["function"],
        inputs,
        got,
        expected,
        variants=lambda part, key: variants.get(part, {}).get(key, ()),
        error_hints=tuple((tuple(h[0]), h[1]) for h in found["error_hints"]),
        missing_hints=found["missing_hints"],
        shape_hints=found["shape_hints"],
    )


class _Row:
    def __init__(self, data: dict):
        self.__dict__.update(data)


def diagnose(task: str, namespace) -> list[Finding]:
    """The findings of ``task``'s checks on the public diagnostic inputs (none without a
    catalog), each beginning with :data:`DIAGNOSTIC`."""
    found = info(task)
    the_judge = judge(task, namespace) if found else None
    if the_judge is None:
        return []
    rows = [_Row(r) for r in found["rows"]]
    findings = [the_judge.row(r) for r in rows]
    consistency = found.get("consistency") or {}
    guard = tuple(found.get("consistency_guard") or ("", ""))
    if consistency and the_judge.near_reference(guard):
        own = [the_judge.row(r, consistency.get(r.part, {}).get(r.output)) for r in rows]
        if _passed(own, rows) > _passed(findings, rows):
            findings = own
    return [_diagnostic(f) for f in findings]


def _passed(findings, rows) -> float:
    return sum(r.weight for f, r in zip(findings, rows, strict=True) if f.passed)


def _diagnostic(finding: Finding) -> Finding:
    return Finding(
        DIAGNOSTIC + finding.what, finding.passed, finding.detail, finding.mistake, finding.kind
    )


def questions(notebook=None) -> list[str]:
    """The written questions still unanswered in ``notebook`` (default: the assignment's
    notebook in the working folder) as last saved, when it is there (it is not, on Colab); []
    without a catalog."""
    names = [q["id"] for q in catalog().get("questions", [])]
    path = Path(notebook or catalog().get("notebook", ""))
    if not names or not path.name or not path.exists():
        return []
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    unanswered = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        source = "".join(cell.get("source", ""))
        if meta.get("grade_id") in names and "YOUR ANSWER HERE" in source:
            unanswered.append(meta["grade_id"])
    return unanswered


__all__ = ["DIAGNOSTIC", "cell_name", "diagnose", "info", "location", "questions"]
