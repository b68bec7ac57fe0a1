"""Run a notebook's check cells as a student does, on the release's helpers, in this process:
what each check cell prints, the notebook run top to bottom in the release folder (the data
loading, the experiments and the summary cell left out). A cell the assignment takes from
another (dropout's layers, ``GIVEN``) runs the reference's code, as at grading."""

from __future__ import annotations

import contextlib
import io
import os
import sys

from autograder import tasks
from autograder.grading.reference import given_sources
from autograder.layout import SELECTED, Assignment
from support.paths import BATCHNORM

SKIPPED = ("load_data", "experiment_", "summary")


def _gid(cell) -> str:
    return (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id", "")


def _release_helpers(release_dir) -> None:
    """Forget a ``cs231n`` imported from elsewhere (the instructor's source, with no catalog
    to diagnose with, or another assignment's release): the notebook imports its release's, as
    a student's does."""
    here = str(release_dir / "cs231n")
    module = sys.modules.get("cs231n")
    if module is not None and not str(getattr(module, "__file__", "")).startswith(here):
        for name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
            del sys.modules[name]


def check_outputs(nb, wanted=None, assignment: Assignment = BATCHNORM) -> dict[str, str]:
    """task -> what its check cell printed (stdout and stderr); only the check cells of
    ``wanted`` run (default: every one)."""
    from IPython.core.inputtransformer2 import TransformerManager

    release_dir = str(assignment.release_dir)
    sys.path[:] = [release_dir] + [p for p in sys.path if p != release_dir]
    _release_helpers(assignment.release_dir)
    from cs231n import checking

    before, os.environ[SELECTED] = os.environ.get(SELECTED), assignment.name
    try:
        checks, given = set(tasks.ids()), given_sources()
    finally:
        os.environ[SELECTED] = before or BATCHNORM.name
    checking._verdicts.clear()
    namespace = {"__name__": "__main__"}
    found = {}
    for index, cell in enumerate(nb.cells):
        gid = _gid(cell)
        if cell.cell_type != "code" or gid.startswith(SKIPPED):
            continue
        if gid in checks and wanted is not None and gid not in wanted:
            continue
        printed = io.StringIO()
        source = TransformerManager().transform_cell(given.get(gid, cell.source))
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                exec(compile(source, f"<cell {index}>", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # noqa: BLE001  (a student's own cell may raise)
            printed.write(f"\n{type(exc).__name__}: {exc}")
        if gid in checks:
            found[gid] = printed.getvalue()
    return found


def words(text: str) -> str:
    """``text`` with its line wrapping undone."""
    return " ".join(text.split())
