"""Check a notebook before submitting: ``python -m cs231n.validate BatchNormalization.ipynb``.

Runs the notebook in a fresh process as the grader does: the setup, your answer cells and your
own cells in order, and every check cell; not the data loading nor the experiments (their plots
are already in your notebook, and the grader does not rerun them either). Prints first a
summary, as nbgrader's Validate shows it (how many tasks pass their public checks; each failing
task with its first failing check and the mistake it likely is; the unanswered questions),
then the full report of each failing task (``--all``: of every task), then what would stop the
grader (errors, copied cells, the file's name). Exits 0 when every public check passes and
every question has an answer, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

SKIPPED = ("load_data", "experiment_", "summary", "submit")
"""Locked cells not run here: data loading and the experiments (the grader does not run them
either), the summary cell (this command prints the summary itself) and the hand-in."""


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _transform(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


class _Shell:
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def run(nb) -> tuple[dict[str, str], list[str]]:
    """Run the notebook's cells here: (task -> its check cell's output, problems)."""
    problems, reports = [], {}
    shell = _Shell()
    namespace = {"__name__": "__main__", "get_ipython": lambda: shell}
    ids = [_meta(c).get("grade_id") for c in nb.cells if _meta(c).get("grade_id")]
    for gid in sorted({g for g in ids if ids.count(g) > 1}):
        problems.append(f"the cell {gid} appears more than once: delete the copies")
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        gid = meta.get("grade_id", "")
        if cell.cell_type != "code" or gid.startswith(SKIPPED):
            continue
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                code = compile(_transform(cell.source), f"<cell {index}>", "exec")
                exec(code, namespace)  # noqa: S102  (your own notebook, as Run All runs it)
        except Exception as exc:  # noqa: BLE001  (report it, go on as Run All does)
            problems.append(f"cell {index} ({gid or 'your own cell'}) raised "
                            f"{type(exc).__name__}: {exc}")  # fmt: skip
        if meta.get("grade") and not meta.get("solution"):
            reports[gid] = output.getvalue()
    return reports, problems


def validate(path: Path, everything: bool = False) -> int:
    import nbformat

    from . import checking

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001  (any unreadable file)
        print(f"{path}: cannot be read as a notebook ({type(exc).__name__}: {exc})")
        return 1
    os.environ["CS231N_VALIDATE"] = "1"
    checking._verdicts.clear()
    path = path.resolve()
    os.chdir(path.parent)
    reports, problems = run(nb)
    expected_name = checking.notebook_name()
    if expected_name and path.name != expected_name:
        problems.insert(0, f"the file is named {path.name}: submit it as {expected_name}")
    lines, ready = checking.summary_lines(path)
    print("\n".join(lines))
    shown = [t for t in reports if everything or not checking.verdict(t)]
    for task in shown:
        print(f"\n{reports[task].rstrip()}")
    if problems:
        print("\nWhat would cost you points at grading:")
        for problem in problems:
            print(f"- {problem}")
    return 0 if ready and not problems else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs231n.validate", description=__doc__)
    parser.add_argument("notebook", type=Path, nargs="?", default=Path("BatchNormalization.ipynb"))
    parser.add_argument("--all", action="store_true", help="print every task's report")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    return validate(args.notebook, everything=args.all)


if __name__ == "__main__":
    sys.exit(main())
