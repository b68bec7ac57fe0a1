"""The tasks of the assignment: one declaration per task, ``autograder/tasks/<task>.py``.

Each declaration module defines ``TASK`` (a :class:`~autograder.tasks.model.Task`). Everything
else the kit knows about tasks derives from these: the grading plan, the probes, the comparison,
the mistakes, the grade columns, the README's table, the tests' parametrisation. The order is
the source notebook's (its check cells, top to bottom), and a test holds the notebook's
headings, grade_ids and points to the declarations.

``AUTOGRADER_TASKS`` names another folder of declarations (a course of its own, or a test's).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from pathlib import Path

from ..layout import SOURCE_NOTEBOOK
from .model import Dependency, Task

HERE = Path(__file__).resolve().parent
NOT_TASKS = {"__init__", "model"}


def tasks_dir() -> Path:
    return Path(os.environ.get("AUTOGRADER_TASKS", HERE))


def _declarations() -> list[Task]:
    found = []
    for path in sorted(tasks_dir().glob("*.py")):
        if path.stem in NOT_TASKS or path.stem.startswith("_"):
            continue
        name = f"{__name__}.{path.stem}"
        if path.parent == HERE:
            module = importlib.import_module(name)
        else:
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None, path
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        task = getattr(module, "TASK", None)
        if not isinstance(task, Task):
            raise TypeError(f"{path} declares no TASK")
        if task.id != path.stem:
            raise ValueError(f"{path} declares {task.id!r}: a declaration is named after its task")
        found.append(task)
    return found


def notebook_order() -> list[str]:
    """The grade_ids of the source notebook's autograded cells, top to bottom."""
    import nbformat

    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    order = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            order.append(meta["grade_id"])
    return order


@functools.cache
def registry() -> dict[str, Task]:
    """task id -> declaration, in the notebook's order (declarations it lacks come last)."""
    declared = {t.id: t for t in _declarations()}
    order = [t for t in notebook_order() if t in declared]
    order += sorted(set(declared) - set(order))
    return {t: declared[t] for t in order}


def ids() -> list[str]:
    return list(registry())


def get(task: str) -> Task:
    return registry()[task]


def points() -> dict[str, float]:
    return {t.id: float(t.points) for t in registry().values()}


def answer_tasks() -> dict[str, list[str]]:
    """answer cell grade_id -> the tasks it defines the function of."""
    found: dict[str, list[str]] = {}
    for t in registry().values():
        found.setdefault(t.answer, []).append(t.id)
    return found


def dependencies(task: str) -> list[Dependency]:
    """What ``task`` depends on, with ``EARLIER_TASKS`` spelled out."""
    declared = get(task).depends_on
    if isinstance(declared, str):  # EARLIER_TASKS
        earlier = ids()[: ids().index(task)]
        return [Dependency(t, "uses it") for t in earlier]
    return list(declared)


def markdown_table() -> str:
    """The README's table of tasks (``python -m autograder tasks``)."""
    lines = [
        "| task id (heading, grade_id, grade column) | function | points | depends on |",
        "|---|---|---|---|",
    ]
    for t in registry().values():
        deps = t.depends_on
        if isinstance(deps, str):
            shown = "every task above"
        else:
            shown = ", ".join(f"`{d.task}`" for d in deps) or "-"
        lines.append(f"| `{t.id}` | `{t.function}` | {t.points:g} | {shown} |")
    return "\n".join(lines)


__all__ = ["Task", "answer_tasks", "dependencies", "get", "ids", "points", "registry"]
