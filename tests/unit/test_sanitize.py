"""The submission's metadata put back as the release had it."""

from __future__ import annotations

import copy

import nbformat
from paths import RELEASE_NOTEBOOK

from autograder.grading.sanitize import repair


def release():
    return nbformat.read(RELEASE_NOTEBOOK, as_version=4)


def test_the_release_itself_needs_no_repair():
    assert repair(release()) == []


def test_a_copied_graded_cell_counts_as_the_students_own():
    nb = release()
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells.insert(0, copy.deepcopy(answer))
    notes = repair(nb)
    assert any("is a copy of the cell" in n for n in notes)
    assert "nbgrader" not in nb.cells[0].metadata


def test_changed_points_are_put_back():
    nb = release()
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("points"))
    original = cell.metadata["nbgrader"]["points"]
    cell.metadata["nbgrader"]["points"] = 100
    notes = repair(nb)
    assert cell.metadata["nbgrader"]["points"] == original
    assert any("was changed: restored" in n for n in notes)
