"""Check a notebook before submitting: ``python -m cs231n.validate BatchNormalization.ipynb``.

Runs the notebook top to bottom in a fresh process, as the grader will: the setup, your answer
cells and your own cells in order, and every check cell, but not the experiments (their plots
are already in your notebook). Prints each task's public checks, in the words the grader's
feedback uses, and what would stop the grader: missing cells, errors, unanswered questions.
Exits 0 when every public check passes and every question has an answer.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

from .checking import PublicChecksFailed

SKIPPED = ("load_data", "experiment_")
"""Locked cells the grader does not run either: data loading and the experiments."""

UPSTREAM_NOTES = ("Cause upstream: ", "Note: ")
"""How the lines that ``checking.report`` prints before a report about its dependencies begin."""


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _transform(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


def _report(text: str, task: str) -> str:
    """The part of a check cell's output that is its report: the notes on the tasks it depends
    on, then the lines from ``Task <task>:`` on."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"Task {task}:")]
    if not starts:
        return ""
    first = starts[0]
    while first > 0 and lines[first - 1].startswith(UPSTREAM_NOTES):
        first -= 1
    return "\n".join(lines[first:])


class _Shell:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def validate(path: Path) -> int:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001  (any unreadable file)
        print(f"{path}: cannot be read as a notebook ({type(exc).__name__}: {exc})")
        return 1
    problems, passed, failed = [], [], []
    if path.name != "BatchNormalization.ipynb":
        problems.append(f"the file is named {path.name}: submit it as BatchNormalization.ipynb")
    shell = _Shell()
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell}
    ids = [_meta(c).get("grade_id") for c in nb.cells if _meta(c).get("grade_id")]
    for gid in sorted({g for g in ids if ids.count(g) > 1}):
        problems.append(f"the cell {gid} appears more than once: delete the copies")
    os.chdir(path.resolve().parent)
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        gid = meta.get("grade_id", "")
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            if "YOUR ANSWER HERE" in cell.source:
                problems.append(f"{gid} is not answered yet")
            continue
        if cell.cell_type != "code" or gid.startswith(SKIPPED):
            continue
        is_check = meta.get("grade") and not meta.get("solution")
        output = io.StringIO()
        checks_failed = False
        try:
            with contextlib.redirect_stdout(output):
                code = compile(_transform(cell.source), f"<cell {index}>", "exec")
                exec(code, namespace)  # noqa: S102  (your own notebook, as Run All runs it)
            error = None
        except PublicChecksFailed:
            error, checks_failed = "PublicChecksFailed", True  # the report says which
        except Exception as exc:  # noqa: BLE001  (report it, go on as Run All does)
            error = f"{type(exc).__name__}: {exc}"
        if is_check:
            report = _report(output.getvalue(), gid)
            if error and not checks_failed:
                print(f"Task {gid}: public checks\n  [FAIL] the check cell raised {error}\n")
                failed.append(gid)
            else:
                print(report.rstrip() + "\n")
                ok = not error and f"All public checks for {gid} passed." in report
                (passed if ok else failed).append(gid)
        elif error:
            problems.append(f"cell {index} ({gid or 'your own cell'}) raised {error}")
    print(
        f"{len(passed)} of {len(passed) + len(failed)} tasks pass their public checks; "
        "hidden checks run at grading."
    )
    for problem in problems:
        print(f"- {problem}")
    return 0 if not failed and not problems else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs231n.validate", description=__doc__)
    parser.add_argument("notebook", type=Path, nargs="?", default=Path("BatchNormalization.ipynb"))
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    return validate(args.notebook)


if __name__ == "__main__":
    sys.exit(main())
