"""The submission's metadata put back as the release had it."""

from __future__ import annotations

import copy

import nbformat
import pytest
from support.paths import RELEASE_NOTEBOOK, SOURCE_NOTEBOOK

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


def test_the_instructors_source_reads_clean_and_gets_the_releases_metadata():
    """The source notebook has none of the checksums and cell types generate_assignment adds,
    nor the release's editable/deletable: restored, without a note (Gradescope's Test
    Autograder on the source reads clean)."""
    nb = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    differ = [
        c for c in nb.cells
        if "nbgrader" in c.metadata and "checksum" not in c.metadata["nbgrader"]
    ]  # fmt: skip
    assert len(differ) > 40  # what there is to restore
    assert repair(nb) == []
    released = {c.metadata["nbgrader"]["grade_id"]: c for c in release().cells
                if "nbgrader" in c.metadata}  # fmt: skip
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            original = released[cell.metadata["nbgrader"]["grade_id"]].metadata
            assert cell.metadata["nbgrader"] == original["nbgrader"]
            for key in ("editable", "deletable"):
                assert cell.metadata.get(key) == original.get(key)


@pytest.mark.parametrize(
    ("key", "value"),
    [("checksum", "0" * 32), ("cell_type", "raw"), ("schema_version", 1)],
)
def test_what_grading_does_not_read_is_restored_without_a_note(key, value):
    nb = release()
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("checksum"))
    original = copy.deepcopy(cell.metadata["nbgrader"])
    cell.metadata["nbgrader"][key] = value
    assert repair(nb) == []
    assert cell.metadata["nbgrader"] == original


@pytest.mark.parametrize(
    ("key", "value"),
    [("points", 100), ("grade", False), ("solution", False), ("locked", True), ("task", True)],
)
def test_a_change_grading_reads_is_a_note(key, value):
    nb = release()
    cell = next(
        c for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")
    )  # fmt: skip
    gid = cell.metadata["nbgrader"]["grade_id"]
    original = copy.deepcopy(cell.metadata["nbgrader"])
    cell.metadata["nbgrader"][key] = value
    assert repair(nb) == [f"the nbgrader metadata of {gid} was changed: restored"]
    assert cell.metadata["nbgrader"] == original


def test_a_retyped_graded_cell_gets_its_type_and_metadata_back():
    nb = release()
    index, cell = next(
        (i, c) for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    )  # fmt: skip
    gid = cell.metadata["nbgrader"]["grade_id"]
    original = copy.deepcopy(cell.metadata["nbgrader"])
    nb.cells[index] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    notes = repair(nb)
    assert any(f"the cell {gid} was turned into markdown" in n for n in notes), notes
    assert nb.cells[index].cell_type == "code"
    assert nb.cells[index].metadata["nbgrader"] == original
