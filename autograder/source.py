"""The trusted side's view of ``solutions/``: the reference functions and the helpers.

Everything here is read from the source notebook and its helper package at
grading time: there is no second copy of the reference to drift.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import types

import nbformat
import numpy as np

from .course import NOTEBOOK, SOURCE_DIR

HELPERS = "_trusted_cs231n"
"""Module name under which the trusted copy of the helpers is imported."""


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str:
    return nbgrader_meta(cell).get("grade_id", "") or ""


@functools.cache
def source_notebook():
    return nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)


@functools.cache
def helpers() -> types.ModuleType:
    """The helper package of solutions/ (``cs231n``), imported under a private name."""
    package_dir = SOURCE_DIR / "cs231n"
    spec = importlib.util.spec_from_file_location(
        HELPERS, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[HELPERS] = module
    spec.loader.exec_module(module)
    for name in ("checking", "gradient_check", "losses"):
        importlib.import_module(f"{HELPERS}.{name}")
    return module


def answer_cells(nb) -> list:
    """The answer cells (grade_id ``<task>_answer``) of a notebook, in order."""
    return [c for c in nb.cells if c.cell_type == "code" and grade_id(c).endswith("_answer")]


def setup_source() -> str:
    """The source of the notebook's setup cell, as the instructor wrote it."""
    (cell,) = [c for c in source_notebook().cells if grade_id(c) == "setup"]
    return cell.source


@functools.cache
def reference() -> dict:
    """Namespace holding the reference functions, run from the source notebook's answer cells."""
    h = helpers()
    namespace = {
        "np": np,
        "softmax_loss": h.losses.softmax_loss,
        "__name__": "reference",
    }
    for cell in answer_cells(source_notebook()):
        exec(compile(cell.source, f"<reference {grade_id(cell)}>", "exec"), namespace)
    return namespace
