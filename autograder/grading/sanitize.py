"""Put a submission's nbgrader metadata back as the release had it, before anything reads it.

Students change metadata by accident (copying a cell copies its grade_id) or on purpose
(points: 100). Stock nbgrader stops on such a notebook; here each cell with a grade_id the
assignment knows gets the release's metadata back (the last copy keeps it, as nbgrader's
DeduplicateIds does), a cell whose type was changed gets its type back, and metadata the
assignment does not know is dropped, so the cell counts as the student's own. The same repair
runs in the grader and as nbgrader's first sanitize step, so both see the same notebook.

Only a change that grading would read differently is a note (``GRADED_KEYS``: the points, whether
a cell is graded, an answer, locked, a task, its id). The rest of nbgrader's record (the
checksum and cell type ``generate_assignment`` adds, the schema version, JupyterLab's
``editable`` and ``deletable``) is restored without a word: the instructor's own source
notebook, which has none of the release's checksums, reads clean.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import nbformat

from ..layout import current

GRADED_KEYS = ("grade_id", "grade", "solution", "locked", "task", "points")
"""The keys of a cell's nbgrader metadata that grading reads: a change to one is a note."""


def _release_cells() -> dict[str, Any]:
    return _cells_of(current().release_notebook)


@functools.cache
def _cells_of(path) -> dict[str, Any]:
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def _instructor_sources() -> dict[str, set[str]]:
    """grade_id -> the sources the instructor gave a cell: the release's, and the source
    notebook's (``make release`` writes some cells anew, e.g. the helpers cell's digest)."""
    return _sources_of(current().release_notebook, current().source_notebook)


@functools.cache
def _sources_of(release, source) -> dict[str, set[str]]:
    found = {gid: {c.source} for gid, c in _cells_of(release).items()}
    for gid, cell in _cells_of(source).items():
        if gid in found:
            found[gid].add(cell.source)
    return found


def _grade_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
        return meta["grade_id"]
    return None


def repair(nb: Any) -> list[str]:
    """Repair ``nb`` in place; return what was repaired, in words for the student."""
    release = _release_cells()
    notes = []
    last = {}
    for index, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid in release:
            last[gid] = index
    for index, cell in enumerate(nb.cells):
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        gid = _grade_id(cell)
        if gid not in release:
            del cell.metadata["nbgrader"]
            notes.append(
                f"cell {index} had nbgrader metadata the assignment does not have: "
                "it counts as your own cell"
            )
            continue
        if last[gid] != index:
            del cell.metadata["nbgrader"]
            notes.append(
                f"cell {index} is a copy of the cell {gid}: the copy counts as your own "
                "cell (both run, in order)"
            )
            continue
        original = release[gid]
        if cell.cell_type != original.cell_type:
            notes.append(
                f"the cell {gid} was turned into {cell.cell_type}: changed back to "
                f"{original.cell_type}"
            )
            replacement = (
                nbformat.v4.new_code_cell
                if original.cell_type == "code"
                else nbformat.v4.new_markdown_cell
            )(cell.source)
            replacement["id"] = cell.get("id", replacement["id"])
            nb.cells[index] = cell = replacement
        meta = original.metadata["nbgrader"]
        if meta.get("locked") and cell.source not in _instructor_sources()[gid]:
            notes.append(
                f"the cell {gid} was edited: the instructor's cells are restored and "
                "check cells are not run at grading (hidden checks are)"
            )
        for key in ("nbgrader", "editable", "deletable"):
            if key in original.metadata and cell.metadata.get(key) != original.metadata[key]:
                if key == "nbgrader" and _graded_change(
                    cell.metadata.get(key), original.metadata[key]
                ):
                    notes.append(f"the nbgrader metadata of {gid} was changed: restored")
                cell.metadata[key] = copy.deepcopy(original.metadata[key])
    return notes


def _graded_change(mine: Any, release: dict) -> bool:
    """Whether ``mine`` differs from the release's metadata in a key grading reads (a missing
    ``points`` is 0 and a missing flag false, as nbgrader reads them)."""
    if not isinstance(mine, dict):
        return True
    for key in GRADED_KEYS:
        default = 0 if key == "points" else (None if key == "grade_id" else False)
        if mine.get(key, default) != release.get(key, default):
            return True
    return False
