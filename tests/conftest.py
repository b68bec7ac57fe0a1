"""Fixtures shared by the tests: the executed reference and release notebooks."""

from __future__ import annotations

import os

# The course's first assignment, unless a test names another (``layout.use``); set before the
# kit's modules read it.
os.environ.setdefault("AUTOGRADER_ASSIGNMENT", "batchnorm")
import support.hosts  # noqa: F401  (each pytest process a host of its own; before the kit's modules)

# isort: split
import functools
import importlib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.kit.notebooks import execute
from autograder.layout import PACKAGE, ROOT, get

IN_CI = os.environ.get("CI", "").lower() == "true"
BIN = Path(sys.executable).parent
"""The test environment's scripts (nbgrader, jupyter): first on PATH for the kit's commands."""
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
KIT = (sys.executable, "-m", "autograder")
"""The kit's command line, as an instructor runs it."""


def free_port() -> int:
    """A TCP port free now on 127.0.0.1 (a server started on it retries when it was taken)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kit(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    """``python -m autograder ARGS`` started from the project's root (in ``env``, by default
    :data:`ENV`); its output in ``stdout``."""
    return subprocess.Popen(
        [*KIT, *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env or ENV, cwd=ROOT,
        **popen,
    )  # fmt: skip


def pytest_configure(config):
    """One marker per task id: ``pytest -m batchnorm_forward_train`` runs that task's tests."""
    from autograder import tasks

    for task in [*tasks.ids(), "sigmoid_forward"]:
        config.addinivalue_line("markers", f"{task}: the tests of task {task}")


LONGEST_FIRST = [
    "test_load.py", "browser/test_student_lab.py", "test_validate.py", "test_resume.py",
    "test_hostile.py", "browser/test_exchange.py", "test_gradescope.py", "test_shard.py",
    "browser/test_notebook7.py", "test_notebooks.py", "test_public_diagnosis.py",
]  # fmt: skip
"""The files that take a minute or more in CI (its JUnit times), run first and in this order: under
pytest -n, a process that is done takes the next file, so a long file started last would keep
the run waiting for it alone."""


def pytest_collection_modifyitems(items):
    """A test parametrized by a task (or by something of a task: a mutant) is marked with it;
    the files of :data:`LONGEST_FIRST` go first, each file's tests kept together and in order."""
    from autograder import tasks

    known = set(tasks.ids())
    for item in items:
        for value in getattr(getattr(item, "callspec", None), "params", {}).values():
            task = value if isinstance(value, str) else getattr(value, "task", None)
            if task in known:
                item.add_marker(getattr(pytest.mark, task))
    tests = Path(__file__).parent
    rank = {str(tests / name): i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(str(item.path), len(rank)))


def grade_class(root: Path, notebooks: dict) -> Path:
    """``python -m autograder grade`` of one notebook per student (``{id: nb}``, written into
    ``root/subs``) into ``root/out``, without the sandbox (the notebooks are the tests' own);
    OUT, with its nbgrader gradebook."""
    import nbformat

    from autograder.layout import current

    subs, out = root / "subs", root / "out"
    for student, nb in notebooks.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / current().notebook)
    run = subprocess.run(
        [*KIT, "grade", str(subs), "--out", str(out), "--workers", "2", "--no-sandbox"],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return out


@pytest.fixture(scope="session")
def bubblewrap():
    """A working bubblewrap: skipped without one on a laptop, a failure in CI."""
    ok, why = sandbox.bubblewrap_works()
    if not ok:
        message = f"bubblewrap is needed and does not work here: {why}"
        if IN_CI:
            pytest.fail(message + " (CI must exercise the sandbox)")
        pytest.skip(message)


needs_bubblewrap = pytest.mark.usefixtures("bubblewrap")


@pytest.fixture(scope="session")
def root():
    """Running as root (the sandbox drops to per-sandbox uids): skipped otherwise on a laptop,
    a failure in CI (CI runs as root)."""
    if os.geteuid() != 0:
        message = "these tests drop to per-sandbox uids, which needs root"
        if IN_CI:
            pytest.fail(message + " (CI runs as root)")
        pytest.skip(message)


def cell_text(nb, grade_id: str) -> str:
    """All stdout a cell (found by its nbgrader grade_id) printed."""
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return "".join(
                o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream"
            )
    raise KeyError(grade_id)


@functools.cache
def executed_reference(assignment: str):
    """An assignment's source notebook, executed top to bottom on the embedded data (once)."""
    return execute(get(assignment).source_notebook)


@functools.cache
def executed_release(assignment: str):
    """An assignment's release, executed top to bottom; errors are recorded, not raised."""
    return execute(get(assignment).release_notebook, allow_errors=True)


@pytest.fixture(scope="session")
def reference_nb():
    """Batch norm's source notebook, executed top to bottom on the embedded data."""
    return executed_reference("batchnorm")


@pytest.fixture(scope="session")
def release_nb():
    """Batch norm's release, executed top to bottom; errors are recorded, not raised."""
    return executed_release("batchnorm")


# The sandboxed package as the sandbox sees it: its modules side by side, imported by their
# plain names (``import contracts``), as ``runner.py`` imports them.
SANDBOXED = PACKAGE / "sandboxed"


@pytest.fixture
def sandboxed(monkeypatch):
    """``sandboxed("audit")``: that module, imported as in the sandbox; this test's own copy,
    gone with the modules it brought in once the test ends."""
    monkeypatch.syspath_prepend(str(SANDBOXED))
    before = set(sys.modules)
    yield importlib.import_module
    for name in set(sys.modules) - before:
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(SANDBOXED)):
            del sys.modules[name]
