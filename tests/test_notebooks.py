"""The reference notebook runs and reproduces SPEC.md's published values; the release runs
with every graded stub failing with its own NotImplementedError and nothing else failing; check
cells raise when a public check fails, say first when the cause is upstream, and locked cells
say that they are locked."""

from __future__ import annotations

import ast
import io
import re
from contextlib import redirect_stdout

import nbformat
import numpy as np
import pytest
from conftest import cell_text

from autograder import tasks
from autograder.grading.reference import helpers
from autograder.kit.notebooks import errors
from autograder.layout import NOTEBOOK, RELEASE_DIR, SOURCE_DIR

TASKS = tasks.ids()
FUNCTIONS = list(dict.fromkeys(tasks.get(t).function for t in TASKS))


def published(value: float, digits: int):
    """A value published with ``digits`` significant digits: equal to within half a unit of the
    last digit (compared as a number, not as printed text)."""
    unit = 10.0 ** (np.floor(np.log10(abs(value))) - digits + 1)
    return pytest.approx(value, abs=unit / 2)


def printed(text: str, label: str, nth: int = 0) -> np.ndarray:
    """The nth array printed after ``label`` (e.g. "means:") in a cell's output."""
    found = re.findall(re.escape(label) + r"\s*\[([^\]]*)\]", text)
    return np.array(found[nth].split(), dtype=float)


def printed_error(text: str, name: str) -> float:
    return float(re.search(rf"\[PASS\] {name}: relative error (\S+)", text).group(1))


def graded_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_reference_runs_without_error(reference_nb):
    assert errors(reference_nb) == []


@pytest.mark.parametrize("task", TASKS)
def test_reference_passes_its_public_checks(reference_nb, task):
    text = cell_text(reference_nb, task)
    assert f"All public checks for {task} passed." in text
    assert "FAIL" not in text


def test_heading_points_and_grade_ids_agree():
    nb = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    tests = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in graded_cells(nb)
        if not c.metadata["nbgrader"]["solution"]
    }
    assert list(tests) == TASKS
    headings = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for task, points in tests.items():
        unit = "point" if points == 1 else "points"
        assert f"## Task `{task}` — {points} {unit}" in headings
        assert f"| `{task}` | {points} |" in headings
    total = sum(c.metadata["nbgrader"]["points"] for c in graded_cells(nb))
    assert f"| **total** | **{total}** |" in headings


def test_batchnorm_train_statistics_match_published(reference_nb):
    text = cell_text(reference_nb, "batchnorm_forward_train")
    # Before BN: means ≈ [-2.381 -13.180 1.918], stds ≈ [27.19 34.21 37.69]
    # published with 3 and 2 decimals ("means ~ [-2.381 -13.180 1.918]")
    np.testing.assert_allclose(printed(text, "means:", 0), [-2.381, -13.180, 1.918], atol=5e-4)
    np.testing.assert_allclose(printed(text, "stds:", 0), [27.19, 34.21, 37.69], atol=5e-3)
    np.testing.assert_allclose(printed(text, "stds:", 1), [0.99999999, 1.0, 1.0], rtol=0, atol=5e-9)
    np.testing.assert_allclose(printed(text, "means:", 2), [11.0, 12.0, 13.0], rtol=0, atol=5e-9)
    np.testing.assert_allclose(printed(text, "stds:", 2), [1, 2, 3], atol=1e-7)


def test_batchnorm_test_mode_matches_published(reference_nb):
    text = cell_text(reference_nb, "batchnorm_forward_test")
    np.testing.assert_allclose(
        printed(text, "means:"), [-0.03927354, -0.04349152, -0.10452688], rtol=0, atol=5e-9
    )
    np.testing.assert_allclose(
        printed(text, "stds:"), [1.01531428, 1.01238373, 0.97819988], rtol=0, atol=5e-9
    )


def test_gradient_checks_match_published(reference_nb):
    bn = cell_text(reference_nb, "batchnorm_backward")
    assert printed_error(bn, "dx vs numerical gradient") == published(1.7e-09, 2)
    assert printed_error(bn, "dgamma vs numerical gradient") == published(7.4e-13, 2)
    assert printed_error(bn, "dbeta vs numerical gradient") == published(2.9e-12, 2)
    ln = cell_text(reference_nb, "layernorm_backward")
    assert printed_error(ln, "dx vs numerical gradient") == published(1.4e-09, 2)
    assert printed_error(ln, "dgamma vs numerical gradient") == published(4.5e-12, 2)
    assert printed_error(ln, "dbeta vs numerical gradient") == published(2.3e-12, 2)
    alt = cell_text(reference_nb, "batchnorm_backward_alt")
    assert printed_error(alt, "dx vs batchnorm_backward") < 1e-11
    assert printed_error(alt, "dgamma vs batchnorm_backward") == 0
    assert "speedup:" in alt


def test_layernorm_statistics_match_published(reference_nb):
    text = cell_text(reference_nb, "layernorm_forward")
    np.testing.assert_allclose(
        printed(text, "stds:", 1), [0.99999995, 0.99999999, 1.0, 0.99999969], rtol=0, atol=5e-9
    )


def test_net_initial_losses_match_published(reference_nb):
    text = cell_text(reference_nb, "FullyConnectedNet")
    losses = [float(v) for v in re.findall(r"Initial loss: (\S+)", text)]
    assert losses == [2.2611955101340957, 6.996533220108303]


def test_reference_says_which_dataset_and_plots(reference_nb):
    assert "Dataset: MNIST-1D" in cell_text(reference_nb, "load_data")
    for experiment in ["experiment_1", "experiment_2", "experiment_3", "experiment_4"]:
        cell = next(
            c for c in reference_nb.cells if c.metadata["nbgrader"]["grade_id"] == experiment
        )
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), experiment
        assert "skipped" not in cell_text(reference_nb, experiment)


def test_release_fails_only_with_task_stubs(release_nb):
    found = errors(release_nb)
    assert found, "the blank release ran without a single NotImplementedError"
    for _, name, message in found:
        assert name == "NotImplementedError", (name, message)
        assert re.match(rf"({'|'.join(FUNCTIONS)}): not implemented yet", message), message
    failing = {release_nb.cells[i].metadata["nbgrader"]["grade_id"] for i, _, _ in found}
    assert failing == set(TASKS), "every check cell, and nothing else, fails"
    for experiment in ["experiment_1", "experiment_2", "experiment_3", "experiment_4"]:
        assert "skipped: it needs a task" in cell_text(release_nb, experiment)


def test_each_stub_raises_its_own_error():
    """Call every released function directly: each names its own task."""
    nb = nbformat.read(RELEASE_DIR / NOTEBOOK, as_version=4)
    namespace = {"np": np}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_answer"):
            exec(cell.source, namespace)  # noqa: S102  (the release's own stubs)
    x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
    gamma, beta = np.ones(3), np.zeros(3)
    calls = {
        "affine_forward": lambda f: f(x, w, b),
        "affine_backward": lambda f: f(np.ones((2, 4)), (x, w, b)),
        "relu_forward": lambda f: f(x),
        "relu_backward": lambda f: f(x, x),
        "batchnorm_forward": lambda f: f(x, gamma, beta, {"mode": "train"}),
        "batchnorm_backward": lambda f: f(x, None),
        "batchnorm_backward_alt": lambda f: f(x, None),
        "layernorm_forward": lambda f: f(x, gamma, beta, {}),
        "layernorm_backward": lambda f: f(x, None),
        "FullyConnectedNet": lambda f: f([5], input_dim=3),
    }
    for name, call in calls.items():
        with pytest.raises(NotImplementedError, match=rf"^{name}: not implemented yet"):
            call(namespace[name])
    with pytest.raises(NotImplementedError, match=r"^batchnorm_forward: not implemented yet"):
        namespace["batchnorm_forward"](x, gamma, beta, {"mode": "test"})


# Check cells tell the truth everywhere ------------------------------------------------------

DEPENDS_ON = {t: tuple(d.task for d in tasks.dependencies(t)) for t in TASKS}
"""Which tasks' functions each check cell also runs, as the task declarations say: a backward
check runs its forward pass first, the net uses every layer."""


def check_cells(nb):
    return [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and c.metadata["nbgrader"]["grade"]
        and not c.metadata["nbgrader"]["solution"]
    ]


def reports(cell) -> list[ast.Call]:
    """The ``check.report(...)`` calls of a cell."""
    tree = ast.parse(re.sub(r"(?m)^%.*$", "", cell.source))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "check.report"
    ]


@pytest.mark.parametrize("folder", [SOURCE_DIR, RELEASE_DIR], ids=["source", "release"])
def test_check_cells_go_on_under_run_all(folder):
    """JupyterLab's Run All goes on past a cell tagged raises-exception (jupyterlab#6424)."""
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    cells = check_cells(nb)
    assert [c.metadata["nbgrader"]["grade_id"] for c in cells] == TASKS
    for cell in cells:
        assert "raises-exception" in cell.metadata.get("tags", []), cell.metadata
    others = [c for c in nb.cells if c.cell_type == "code" and c not in cells]
    assert not any("raises-exception" in c.metadata.get("tags", []) for c in others)


def test_check_cells_declare_what_they_depend_on():
    nb = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    for cell in check_cells(nb):
        task = cell.metadata["nbgrader"]["grade_id"]
        (call,) = reports(cell)
        assert ast.literal_eval(call.args[0]) == task
        declared = {
            k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg == "depends_on"
        }
        assert declared.get("depends_on", ()) == DEPENDS_ON.get(task, ()), task


@pytest.mark.parametrize("folder", [SOURCE_DIR, RELEASE_DIR], ids=["source", "release"])
def test_locked_code_cells_say_so(folder):
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        first = cell.source.splitlines()[0]
        if cell.cell_type == "code" and meta["locked"]:
            assert re.match(r"# Locked \(read-only\): the instructor's \w+.{20,}", first), first
        elif cell.cell_type == "code":
            assert "Locked" not in first


@pytest.fixture
def check():
    """The helpers' checking module, with no verdicts recorded."""
    module = helpers().checking
    module._verdicts.clear()
    yield module
    module._verdicts.clear()


def printed_by(function, *args, **kwargs) -> tuple[str, BaseException | None]:
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001  (the test looks at it)
        return out.getvalue(), exc
    return out.getvalue(), None


def test_report_raises_after_printing_naming_task_and_checks(check):
    findings = [
        check.Finding("out vs published", True, "relative error 1e-10"),
        check.Finding("stds", False, "off by 0.01"),
        check.Finding("means", False, "off by 0.1"),
    ]
    text, exc = printed_by(check.report, "batchnorm_forward_train", findings)
    assert isinstance(exc, check.PublicChecksFailed) and isinstance(exc, AssertionError)
    assert str(exc) == "batchnorm_forward_train: 2 public check(s) failed: stds; means"
    assert text.rstrip().endswith("2 of 3 public checks for batchnorm_forward_train FAILED.")
    assert check.verdict("batchnorm_forward_train") is False
    text, exc = printed_by(check.report, "affine_forward", findings[:1])
    assert exc is None and "All public checks for affine_forward passed." in text
    assert check.verdict("affine_forward") is True


def test_report_names_a_failing_dependency_first(check):
    bad, good = [check.Finding("x", False, "bad")], [check.Finding("x", True, "good")]
    printed_by(check.report, "batchnorm_forward_train", bad)
    text, exc = printed_by(
        check.report, "batchnorm_backward", bad, depends_on=("batchnorm_forward_train",)
    )
    assert text.startswith(
        "Cause upstream: batchnorm_forward_train fails its public checks, and this check of "
        "batchnorm_backward uses batchnorm_forward: fix batchnorm_forward_train first"
    )
    assert text.index("Cause upstream") < text.index("Task batchnorm_backward: public checks")
    assert "Fix batchnorm_forward_train first" in str(exc)
    # said even when this task's own checks pass: its result rests on a failing function
    text, exc = printed_by(
        check.report, "batchnorm_backward", good, depends_on=("batchnorm_forward_train",)
    )
    assert exc is None and text.startswith("Cause upstream: batchnorm_forward_train")
    # a dependency that passes is not mentioned
    printed_by(check.report, "batchnorm_forward_train", good)
    text, exc = printed_by(
        check.report, "batchnorm_backward", bad, depends_on=("batchnorm_forward_train",)
    )
    assert text.startswith("Task batchnorm_backward") and "upstream" not in str(exc)


def test_report_notes_a_dependency_not_checked_in_this_session(check):
    bad, good = [check.Finding("x", False, "bad")], [check.Finding("x", True, "good")]
    text, _ = printed_by(check.report, "layernorm_backward", bad, depends_on=("layernorm_forward",))
    assert text.startswith(
        "Note: layernorm_forward has not passed its public checks in this session"
    )
    text, _ = printed_by(
        check.report, "layernorm_backward", good, depends_on=("layernorm_forward",)
    )
    assert text.startswith("Task layernorm_backward")
