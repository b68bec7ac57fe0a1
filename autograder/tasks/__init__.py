"""The tasks of each assignment: one declaration per task,
``autograder/tasks/<assignment>/<task>.py``.

Each declaration module defines ``TASK`` (a :class:`~autograder.tasks.model.Task`). Everything
else the kit knows about tasks derives from these: the grading plan, the probes, the comparison,
the mistakes, the grade columns, the docs' table of tasks, the tests' parametrisation. The order is
the source notebook's (its check cells, top to bottom), and a test holds the notebook's
headings, grade_ids and points to the declarations.

Every function here is about the current assignment (``layout.current()``). Declarations are
checked when they load against the outputs their probes declare (``probes.OUTPUTS``): a check or
a mistake that names an output its part never returns fails at once, not at grading.
``AUTOGRADER_TASKS`` names another folder of declarations (a course of its own, or a test's).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from pathlib import Path

from ..layout import current
from ..layout import get as get_assignment
from .model import Dependency, Task
from .validation import load_probes, validate

HERE = Path(__file__).resolve().parent


def tasks_dir() -> Path:
    return current().tasks_dir


def _load(path: Path, package: str):
    name = f"{package}.{path.stem}"
    if path.parent.parent == HERE:
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _declarations(folder: Path) -> list[Task]:
    package = f"{__name__}.{folder.name}" if folder.parent == HERE else __name__
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        task = getattr(_load(path, package), "TASK", None)
        if not isinstance(task, Task):
            raise TypeError(f"{path} declares no TASK")
        if task.id != path.stem:
            raise ValueError(f"{path} declares {task.id!r}: a declaration is named after its task")
        found.append(task)
    return found


def notebook_order(assignment: str) -> list[str]:
    """The grade_ids of an assignment's source notebook's autograded cells, top to bottom."""
    import nbformat

    nb = nbformat.read(get_assignment(assignment).source_notebook, as_version=4)
    order = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            order.append(meta["grade_id"])
    return order


def registry() -> dict[str, Task]:
    """task id -> declaration, in the notebook's order (declarations it lacks come last)."""
    return registry_of(current().name)


def registry_of(assignment: str) -> dict[str, Task]:
    """:func:`registry` of any assignment of the course."""
    return _registry(assignment, get_assignment(assignment).tasks_dir)


@functools.cache
def _registry(assignment: str, folder: Path) -> dict[str, Task]:
    load_probes(folder)
    declared = {t.id: t for t in _declarations(folder)}
    order = [t for t in notebook_order(assignment) if t in declared]
    order += sorted(set(declared) - set(order))
    found = {t: declared[t] for t in order}
    for task in found.values():
        validate(task)
    return found


def assignment_config():
    """The current assignment's ``_assignment.py`` (its ``EXAMPLES`` for the demo, its
    ``GIVEN`` cells), with empty defaults for what it leaves out."""
    return _assignment_config(tasks_dir())


@functools.cache
def _assignment_config(folder: Path):
    import types

    config = types.SimpleNamespace(EXAMPLES={}, GIVEN={})
    path = folder / "_assignment.py"
    if path.is_file():
        module = _load(path, f"{__name__}.{folder.name}" if folder.parent == HERE else __name__)
        config.__dict__.update({k: v for k, v in vars(module).items() if k.isupper()})
    return config


def probe_modules() -> list[Path]:
    """The current assignment's own call patterns (its ``_probes.py``), if it has any: the
    sandbox and the release carry them beside the standard ones."""
    path = tasks_dir() / "_probes.py"
    return [path] if path.is_file() else []


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
    """The docs' table of tasks (``python -m autograder tasks``)."""
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
