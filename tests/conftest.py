"""Fixtures shared by the tests: the executed reference and release notebooks."""

from __future__ import annotations

import os

import pytest

from autograder.course import NOTEBOOK, RELEASE_DIR, SOURCE_DIR
from autograder.notebooks import execute

IN_CI = os.environ.get("CI", "").lower() == "true"


def cell_text(nb, grade_id: str) -> str:
    """All stdout a cell (found by its nbgrader grade_id) printed."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(
                o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream"
            )
    raise KeyError(grade_id)


@pytest.fixture(scope="session")
def reference_nb():
    """The source notebook, executed top to bottom on the embedded data."""
    return execute(SOURCE_DIR / NOTEBOOK)


@pytest.fixture(scope="session")
def release_nb():
    """The generated release, executed top to bottom; errors are recorded, not raised."""
    return execute(RELEASE_DIR / NOTEBOOK, allow_errors=True)
