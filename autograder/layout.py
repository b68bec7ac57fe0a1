"""Where the course lives: the kit's root and its assignments, each with its source, its
release and the declarations of its tasks.

A course holds one or more assignments. Each is a folder ``solutions/<assignment>/`` with one
notebook (nbgrader's source), its release ``assignment/<assignment>/`` and the declarations of
its tasks, ``autograder/tasks/<assignment>/``. Every command works on one assignment, the
*current* one: named by ``--assignment`` (``use``), by ``AUTOGRADER_ASSIGNMENT``, or the only
one there is. ``AUTOGRADER_COURSE_ROOT`` points the kit at another course laid out the same way
and ``AUTOGRADER_TASKS`` at another folder of declarations (a test course's).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("AUTOGRADER_COURSE_ROOT") or PACKAGE.parent).resolve()
"""The course's root: holds nbgrader_config.py, solutions/ and assignment/."""
SELECTED = "AUTOGRADER_ASSIGNMENT"
"""The environment variable that names the current assignment (inherited by subprocesses)."""


class UnknownAssignment(ValueError):
    """No assignment, or not one the course has: the message names the choices."""


@dataclass(frozen=True)
class Assignment:
    """One assignment of the course: its name (nbgrader's assignment id) and its notebook."""

    name: str
    notebook: str  # the notebook's file name, e.g. "BatchNormalization.ipynb"

    @property
    def notebook_id(self) -> str:
        return self.notebook.removesuffix(".ipynb")

    @property
    def source_dir(self) -> Path:
        return ROOT / "solutions" / self.name

    @property
    def release_dir(self) -> Path:
        return ROOT / "assignment" / self.name

    @property
    def source_notebook(self) -> Path:
        return self.source_dir / self.notebook

    @property
    def release_notebook(self) -> Path:
        return self.release_dir / self.notebook

    @property
    def tasks_dir(self) -> Path:
        configured = os.environ.get("AUTOGRADER_TASKS")
        return Path(configured) if configured else PACKAGE / "tasks" / self.name


@functools.cache
def _found(root: Path) -> dict[str, Assignment]:
    found = {}
    for folder in sorted((root / "solutions").iterdir()):
        notebooks = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
        if len(notebooks) == 1:
            found[folder.name] = Assignment(folder.name, notebooks[0])
    return found


def assignments() -> dict[str, Assignment]:
    """The course's assignments by name: each folder of ``solutions/`` with one notebook."""
    return _found(ROOT)


def _choices() -> str:
    return ", ".join(assignments()) or "none: no solutions/<assignment>/ holds one notebook"


def get(name: str) -> Assignment:
    try:
        return assignments()[name]
    except KeyError:
        raise UnknownAssignment(
            f"no assignment {name!r} in this course; the choices: {_choices()}"
        ) from None


def current() -> Assignment:
    """The assignment this process works on."""
    name = os.environ.get(SELECTED)
    if name:
        return get(name)
    if len(assignments()) == 1:
        return next(iter(assignments().values()))
    raise UnknownAssignment(
        f"which assignment? name it with --assignment; the choices: {_choices()}"
    )


def use(name: str) -> Assignment:
    """Make ``name`` the current assignment, for this process and the ones it starts."""
    chosen = get(name)
    os.environ[SELECTED] = chosen.name
    return chosen


@contextlib.contextmanager
def using(name: str) -> Iterator[Assignment]:
    """``name`` the current assignment inside the block, and the one before it again after:
    a loop over the course's assignments leaves the process as it found it."""
    before = os.environ.get(SELECTED)
    try:
        yield use(name)
    finally:
        if before is None:
            os.environ.pop(SELECTED, None)
        else:
            os.environ[SELECTED] = before


def infer(notebooks: Iterable[str]) -> Assignment:
    """The assignment whose notebook these are (the file names of submitted notebooks)."""
    names = set(notebooks)
    matching = [a for a in assignments().values() if a.notebook in names]
    if len(matching) == 1:
        return matching[0]
    seen = ", ".join(sorted(names)) or "no notebook"
    raise UnknownAssignment(
        f"cannot tell the assignment from the submissions ({seen}): name it with "
        f"--assignment; the choices: {_choices()}"
    )
