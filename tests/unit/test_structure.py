"""The tree keeps its shape: the sandboxed package imports nothing from the trusted side, each
task is declared in one module and named nowhere else, no module grows past a few hundred lines,
and the generated table of tasks (docs/grading-policy.md) is current."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from autograder import tasks
from autograder.layout import PACKAGE, ROOT, assignments

SANDBOXED = PACKAGE / "sandboxed"
ALLOWED_IN_SANDBOX = {"numpy", "IPython", "matplotlib", "cs231n"}
"""What code in the sandbox may import besides the standard library and its own siblings."""
MAX_LINES = 360


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_the_sandboxed_package_imports_nothing_from_the_trusted_side():
    """Nor does an assignment's own call patterns (``tasks/<assignment>/_probes.py``), which
    run beside it in the sandbox as ``task_probes``."""
    siblings = {p.stem for p in SANDBOXED.glob("*.py")} | {"task_probes"}
    task_probes = sorted((PACKAGE / "tasks").glob("*/_probes.py"))
    for path in [*SANDBOXED.glob("*.py"), *task_probes]:
        for name in imports(path):
            top = name.split(".")[0]
            assert not name.startswith("."), f"{path.name} imports {name}: relative to the kit"
            assert top != "autograder", f"{path.name} imports {name}"
            allowed = top in sys.stdlib_module_names or top in siblings
            assert allowed or top in ALLOWED_IN_SANDBOX or name == "__future__", (path, name)


def test_the_contracts_import_the_standard_library_only():
    """Both sides import ``contracts.py``: the sandbox's runner as ``contracts`` (so it may not
    import the kit), the trusted side as ``autograder.sandboxed.contracts`` (so it needs nothing
    that only the sandbox has: not even numpy)."""
    for name in imports(SANDBOXED / "contracts.py"):
        assert name == "__future__" or name.split(".")[0] in sys.stdlib_module_names, name


def _literals(path: Path) -> list[str]:
    """The string literals of a module, but its docstrings and comments."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }  # fmt: skip
    return [
        node.value for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_what_crosses_the_sandbox_is_named_in_the_contracts_only():
    """Step and part ids, and the work folder's files, are built and named in ``contracts.py``:
    no other module rebuilds ``task:<task>`` or ``<task>.<part>`` with an f-string, or names
    ``progress.jsonl``."""
    wire = ("task:", "given:", "job.json", "inputs.npz", "progress.jsonl")
    for path in PACKAGE.rglob("*.py"):
        if path == SANDBOXED / "contracts.py":
            continue
        found = [s for s in _literals(path) if s.startswith(wire) or s.endswith(wire)]
        assert not found, f"{path.relative_to(ROOT)}: {found}"
        assert not re.search(r"\{task\}\.\{part\}", path.read_text()), path


def test_the_trusted_side_never_imports_the_runner():
    """The runner and the audit hook exist only inside the sandbox."""
    for path in PACKAGE.rglob("*.py"):
        if SANDBOXED in path.parents:
            continue
        for name in imports(path):
            assert not re.search(r"sandboxed\.(runner|audit)$", name), (path, name)


def _relative_imports(path: Path) -> set[str]:
    """What ``path`` imports from its own package: sibling modules, or names of its
    ``__init__``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return found


def test_no_package_is_an_import_cycle():
    """A module its package's ``__init__`` imports never imports a name of that ``__init__``
    back (a cycle, resolved only by the order of the imports): shared types live in a module of
    their own (``sandbox/model.py``)."""
    for init in PACKAGE.rglob("__init__.py"):
        folder = init.parent
        modules = {p.stem for p in folder.glob("*.py")} | {p.name for p in folder.iterdir()}
        for name in _relative_imports(init) & {p.stem for p in folder.glob("*.py")}:
            back = _relative_imports(folder / f"{name}.py") - modules
            assert not back, f"{folder.name}/{name}.py imports {back} from its package"


def test_one_atomic_write():
    """A file is replaced by a rename in ``access.atomic_file`` only: every other write of the
    kit's goes through it."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = ast.unparse(node.func)
                if name in ("os.replace", "os.rename"):
                    assert path == PACKAGE / "access.py", f"{path.relative_to(ROOT)}: {name}"


def _kit_modules() -> list[Path]:
    """The kit's own code (the given helpers of ``solutions/`` are the course's, shipped to
    students, and document the functions students write)."""
    return sorted(PACKAGE.rglob("*.py"))


def _named_by(registry: dict, task: str) -> set[str]:
    """The declarations that may name ``task`` besides its own: those that depend on it, and
    those whose probes call its function."""
    names = set()
    for other in registry.values():
        called = {
            v for part in other.parts for k, v in part.probe.args.items()
            if k in ("fn", "forward", "backward", "cls", "dropout")
        }  # fmt: skip
        depends = set(other.with_reference)
        if isinstance(other.depends_on, str):  # EARLIER_TASKS
            depends |= set(list(registry)[: list(registry).index(other.id)])
        else:
            depends |= {d.task for d in other.depends_on}
        if other.id != task and (task in depends or task in called):
            names.add(other.id)
    return names


TASKS = [(a, t) for a in assignments() for t in tasks.registry_of(a)]
"""(assignment, task id) of every task of the course."""


@pytest.mark.parametrize(("assignment", "task"), TASKS)
def test_each_task_id_is_written_in_one_module_only(assignment, task):
    """grep for a task id in the kit's code finds its declaration, and otherwise only the
    declarations of its assignment that depend on it or call its function (another assignment
    may have a task of the same name: its declarations are a namespace of their own)."""
    folder = assignments()[assignment].tasks_dir
    others = [d for d in (PACKAGE / "tasks").iterdir() if d.is_dir() and d != folder]
    word = re.compile(rf"\b{re.escape(task)}\b")
    holders = [p for p in _kit_modules() if p.parent not in others and word.search(p.read_text())]
    assert folder / f"{task}.py" in holders, task
    assert all(p.parent == folder for p in holders), (task, holders)
    assert {p.stem for p in holders} - {task} <= _named_by(tasks.registry_of(assignment), task)


def test_no_module_is_much_over_300_lines():
    for path in PACKAGE.rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_LINES, f"{path.relative_to(ROOT)}: {lines} lines"


@pytest.mark.parametrize("assignment", list(assignments()))
def test_the_table_of_tasks_is_current(assignment, monkeypatch):
    from autograder.kit.docs import TASKS_PAGE, shown, tasks_part

    monkeypatch.setenv("AUTOGRADER_ASSIGNMENT", assignment)
    table = shown(TASKS_PAGE.read_text(), tasks_part(assignment))
    assert table == tasks.markdown_table(), "run: python -m autograder tasks --write"


@pytest.mark.parametrize(("assignment", "task"), TASKS)
def test_the_notebook_agrees_with_each_declaration(assignment, task):
    import nbformat

    nb = nbformat.read(assignments()[assignment].source_notebook, as_version=4)
    meta = {
        c.metadata["nbgrader"]["grade_id"]: (c, c.metadata["nbgrader"])
        for c in nb.cells
        if "nbgrader" in c.metadata
    }
    declared = tasks.registry_of(assignment)[task]
    cell, check = meta[task]
    assert check["grade"] and not check["solution"] and check["points"] == declared.points
    answer_cell, answer = meta[declared.answer]
    assert answer["solution"] and not answer["grade"]
    assert re.search(rf"^(def|class) {declared.function}\b", answer_cell.source, re.M)
    unit = "point" if declared.points == 1 else "points"
    headings = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert f"## Task `{task}` — {declared.points:g} {unit}" in headings


def test_the_files_run_first_are_test_files_of_the_suite():
    from conftest import LONGEST_FIRST

    tests = ROOT / "tests"
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
    for name in LONGEST_FIRST:
        assert (tests / name).is_file() and Path(name).name.startswith("test_"), name
