"""Run a notebook's check cells as a student does, on the release's helpers, in this process:
what each check cell prints, the notebook run top to bottom in the release folder (the data
loading, the experiments and the summary cell left out)."""

from __future__ import annotations

import contextlib
import io
import sys

from paths import RELEASE_DIR

from autograder import tasks

SKIPPED = ("load_data", "experiment_", "summary")


def _gid(cell) -> str:
    return (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id", "")


def _release_helpers() -> None:
    """Forget a ``cs231n`` imported from elsewhere (the instructor's source, with no catalog
    to diagnose with): the notebook imports the release's, as a student's does."""
    here = str(RELEASE_DIR / "cs231n")
    module = sys.modules.get("cs231n")
    if module is not None and not str(getattr(module, "__file__", "")).startswith(here):
        for name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
            del sys.modules[name]


def check_outputs(nb, wanted=None) -> dict[str, str]:
    """task -> what its check cell printed (stdout and stderr); only the check cells of
    ``wanted`` run (default: every one)."""
    from IPython.core.inputtransformer2 import TransformerManager

    if str(RELEASE_DIR) not in sys.path:
        sys.path.insert(0, str(RELEASE_DIR))
    _release_helpers()
    from cs231n import checking

    checking._verdicts.clear()
    namespace = {"__name__": "__main__"}
    checks, found = set(tasks.ids()), {}
    for index, cell in enumerate(nb.cells):
        gid = _gid(cell)
        if cell.cell_type != "code" or gid.startswith(SKIPPED):
            continue
        if gid in checks and wanted is not None and gid not in wanted:
            continue
        printed = io.StringIO()
        source = TransformerManager().transform_cell(cell.source)
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
