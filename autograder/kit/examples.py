"""Example submissions, built from the source so they never drift: what ``make demo`` grades.

Each mistake is a one-line edit of the reference answer, the way students make it; each
assignment lists its own (``EXAMPLES`` of ``autograder/tasks/<assignment>/_assignment.py``).
"""

from __future__ import annotations

import copy
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from .. import tasks
from ..grading.reference import grade_id, nbgrader_meta
from ..layout import Assignment, current, get

_MARKERS = re.compile(r"[ \t]*### (BEGIN|END) SOLUTION\n")


def release_notebook(assignment: Assignment | None = None):
    """The blank release, as a student who did nothing submits it."""
    return nbformat.read((assignment or current()).release_notebook, as_version=4)


def filled_release(assignment: Assignment | None = None):
    """The release with every answer (code and written) taken from the source's solutions: a
    full submission as a student's notebook looks, with the release's metadata."""
    assignment = assignment or current()
    nb = release_notebook(assignment)
    solutions = {
        grade_id(c): _MARKERS.sub("", c.source)
        for c in nbformat.read(assignment.source_notebook, as_version=4).cells
        if nbgrader_meta(c).get("solution")
    }
    for cell in nb.cells:
        if grade_id(cell) in solutions:
            cell.source = solutions[grade_id(cell)]
    return nb


def with_cell_source(nb, gid: str, source: str):
    """A copy of ``nb`` whose cell ``gid`` holds ``source``."""
    nb = copy.deepcopy(nb)
    (cell,) = [c for c in nb.cells if grade_id(c) == gid]
    cell.source = source
    return nb


def with_edit(nb, answer: str, old: str, new: str):
    nb = copy.deepcopy(nb)
    (cell,) = [c for c in nb.cells if grade_id(c) == answer]
    if old not in cell.source:
        raise ValueError(f"example edit no longer applies to {answer}: {old!r}")
    cell.source = cell.source.replace(old, new)
    return nb


def examples() -> dict:
    """student -> notebook, made as students make them: from the release, each answer written
    in, the mistake example's one line changed."""
    found = {"ada_reference": filled_release(), "bo_blank_release": release_notebook()}
    for student, (answer, old, new) in tasks.assignment_config().EXAMPLES.items():
        found[student] = with_edit(filled_release(), answer, old, new)
    return found


def _executed(nb):
    """A student's notebook after Restart & Run All in a copy of the release folder, beside
    the notebooks of theirs it takes cells from (dropout's layers: their solved batch norm):
    their own outputs and plots (a check cell of a wrong answer raises, as in JupyterLab)."""
    import shutil
    import tempfile

    from .notebooks import execute_in

    with tempfile.TemporaryDirectory(prefix="example-") as tmp:
        folder = Path(tmp) / current().name
        shutil.copytree(current().release_dir, folder)
        for name in {a for a, _ in tasks.assignment_config().GIVEN.values()}:
            given = get(name)
            (Path(tmp) / name).mkdir()
            nbformat.write(filled_release(given), Path(tmp) / name / given.notebook)
        return execute_in(nb, folder, allow_errors=True)


def build(dest: Path, execute: bool = True, workers: int = 2) -> list[str]:
    """Write one folder per example student under ``dest``; return their ids. With
    ``execute``, each notebook is run first, as its student would before submitting."""
    made = examples()
    if execute:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            made = dict(zip(made, pool.map(_executed, made.values()), strict=True))
    for student, nb in made.items():
        (dest / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest / student / current().notebook)
    return list(made)
