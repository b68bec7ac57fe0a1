"""The trusted side's view of ``solutions/``: the helpers, the reference, its expected outputs.

Everything here is read from the source notebook and its helper package at grading time: there
is no second copy of the reference to drift.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import sys
import threading
import types

import nbformat
import numpy as np

from .. import tasks
from ..layout import current, get
from ..sandboxed import probes

HELPERS = "_trusted_cs231n"
"""Module name under which the trusted copy of the helpers is imported."""

TRUSTED = threading.RLock()
"""Held while the reference runs: it draws from numpy's global generator (seeded nets)."""


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str:
    return nbgrader_meta(cell).get("grade_id", "") or ""


def source_notebook():
    """The current assignment's source notebook (read once)."""
    return _source_notebook(current().name)


@functools.cache
def _source_notebook(assignment: str):
    return nbformat.read(get(assignment).source_notebook, as_version=4)


def helpers() -> types.ModuleType:
    """The helper package of solutions/ (``cs231n``), imported under a private name (once, even
    when threads ask at the same time: the import goes through sys.modules)."""
    with TRUSTED:
        return _helpers(current().name)


@functools.cache
def _helpers(assignment: str) -> types.ModuleType:
    package_dir = get(assignment).source_dir / "cs231n"
    name = f"{HELPERS}_{assignment}"
    spec = importlib.util.spec_from_file_location(
        name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None and spec.loader is not None, package_dir
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for part in ("checking", "gradient_check", "losses", "judging"):
        importlib.import_module(f"{name}.{part}")
    return module


def answer_cells(nb) -> list:
    """The answer cells (grade_id ``<task>_answer``) of a notebook, in order."""
    return [c for c in nb.cells if c.cell_type == "code" and grade_id(c).endswith("_answer")]


def setup_source() -> str:
    """The source of the notebook's setup cell, as the instructor wrote it."""
    (cell,) = [c for c in source_notebook().cells if grade_id(c) == "setup"]
    return cell.source


class Reference(dict):
    """The reference's namespace: name -> the instructor's function or class."""

    def private_random(self, name: str) -> type:
        """The class ``name`` run with a numpy whose ``np.random`` is a generator of its own.

        The reference net draws its initial weights from numpy's global random state. Where
        those draws are thrown away (a mistake's output gets the hidden inputs' parameters),
        taking them from the global state would shift the seeded draws another thread may be
        making at that moment (the expected initial weights of another submission).
        """
        return _private_random_class(id(self), name)


class _PrivateRandomNumpy(types.ModuleType):
    def __init__(self):
        super().__init__("numpy")
        self.random = np.random.RandomState(0)

    def __getattr__(self, name):
        return getattr(np, name)


@functools.cache
def _private_random_class(_ref: int, name: str) -> type:
    (cell,) = [
        c
        for c in answer_cells(source_notebook())
        if any(t.answer == grade_id(c) and t.function == name for t in tasks.registry().values())
    ]
    namespace = {**reference(), "np": _PrivateRandomNumpy(), "__name__": "reference"}
    exec(compile(cell.source, f"<reference {grade_id(cell)}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


def reference() -> Reference:
    """The reference functions, run from the source notebook's answer cells (once)."""
    with TRUSTED:
        return _reference(current().name)


@functools.cache
def _reference(assignment: str) -> Reference:
    h = helpers()
    namespace = Reference(np=np, softmax_loss=h.losses.softmax_loss, __name__="reference")
    for gid, source in given_sources().items():
        exec(compile(source, f"<reference {gid}>", "exec"), namespace)  # noqa: S102
    for cell in answer_cells(source_notebook()):
        exec(compile(cell.source, f"<reference {grade_id(cell)}>", "exec"), namespace)  # noqa: S102
    return namespace


def reference_answers(task_ids) -> str:
    """The reference's answer cells of these tasks, as one source (each cell once)."""
    wanted = {tasks.get(t).answer for t in task_ids}
    return "\n\n".join(c.source for c in answer_cells(source_notebook()) if grade_id(c) in wanted)


class _Record(ast.NodeTransformer):
    """``return v`` -> ``return __record__(locals(), v)`` in the functions named, not in the
    functions nested in them."""

    def __init__(self, names):
        self.names, self.inside = set(names), False

    def visit_FunctionDef(self, node):
        if self.inside or node.name not in self.names:
            return node
        self.inside = True
        self.generic_visit(node)
        self.inside = False
        return node

    def visit_Return(self, node):
        value = node.value or ast.Constant(None)
        call = ast.Call(
            ast.Name("__record__", ast.Load()),
            [ast.Call(ast.Name("locals", ast.Load()), [], []), value],
            [],
        )
        return ast.copy_location(ast.Return(call), node)


def given_sources() -> dict[str, str]:
    """Instructor cell -> the code that takes its place at grading: the reference's answer
    cells of another assignment (``GIVEN`` of the assignment's ``_assignment.py``; the dropout
    notebook's layers are the student's own from batch norm, and grading gives it the
    reference's instead, so a layer costs nothing here)."""
    return {
        gid: reference_answer_cells(assignment, answers)
        for gid, (assignment, answers) in tasks.assignment_config().GIVEN.items()
    }


def reference_answer_cells(assignment: str, answers) -> str:
    """The answer cells ``answers`` (grade_ids) of an assignment's source notebook, as one
    source: the reference's code for them."""
    wanted = set(answers)
    cells = answer_cells(_source_notebook(assignment))
    found = {grade_id(c) for c in cells} & wanted
    if found != wanted:
        raise KeyError(f"{assignment} has no answer cells {sorted(wanted - found)}")
    return "\n\n".join(c.source for c in cells if grade_id(c) in wanted)


def recorded_answers(task_ids, functions) -> str:
    """:func:`reference_answers` with each of ``functions`` recording its local variables
    when it returns (``sandboxed/repair.py``)."""
    tree = _Record(functions).visit(ast.parse(reference_answers(task_ids)))
    return ast.unparse(ast.fix_missing_locations(tree))


def expected_outputs(inputs: dict) -> dict:
    """The reference's outputs on the hidden inputs (one thread at a time: see TRUSTED)."""
    ref = reference()
    numgrad = helpers().gradient_check.eval_numerical_gradient_array
    with TRUSTED:
        return {
            task: {
                part: probes.run(
                    ref, inputs[task][part], tasks.get(task).probe(part).to_json(), numgrad
                )
                for part in tasks.get(task).part_names
            }
            for task in inputs
        }
