"""The reference notebook runs and reproduces SPEC.md's published values; the release runs
with every graded stub failing with its own NotImplementedError and nothing else failing."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from conftest import cell_text

from autograder.kit.notebooks import errors
from autograder.layout import NOTEBOOK, RELEASE_DIR, SOURCE_DIR

TASKS = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "batchnorm_forward_train",
    "batchnorm_forward_test",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "layernorm_forward",
    "layernorm_backward",
    "FullyConnectedNet",
]
FUNCTIONS = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "layernorm_forward",
    "layernorm_backward",
    "FullyConnectedNet",
]


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
    np.testing.assert_array_equal(printed(text, "means:", 0).round(3), [-2.381, -13.180, 1.918])
    np.testing.assert_array_equal(printed(text, "stds:", 0).round(2), [27.19, 34.21, 37.69])
    np.testing.assert_array_equal(printed(text, "stds:", 1), [0.99999999, 1.0, 1.0])
    np.testing.assert_array_equal(printed(text, "means:", 2), [11.0, 12.0, 13.0])
    np.testing.assert_allclose(printed(text, "stds:", 2), [1, 2, 3], atol=1e-7)


def test_batchnorm_test_mode_matches_published(reference_nb):
    text = cell_text(reference_nb, "batchnorm_forward_test")
    np.testing.assert_array_equal(printed(text, "means:"), [-0.03927354, -0.04349152, -0.10452688])
    np.testing.assert_array_equal(printed(text, "stds:"), [1.01531428, 1.01238373, 0.97819988])


def test_gradient_checks_match_published(reference_nb):
    bn = cell_text(reference_nb, "batchnorm_backward")
    assert f"{printed_error(bn, 'dx vs numerical gradient'):.1e}" == "1.7e-09"
    assert f"{printed_error(bn, 'dgamma vs numerical gradient'):.1e}" == "7.4e-13"
    assert f"{printed_error(bn, 'dbeta vs numerical gradient'):.1e}" == "2.9e-12"
    ln = cell_text(reference_nb, "layernorm_backward")
    assert f"{printed_error(ln, 'dx vs numerical gradient'):.1e}" == "1.4e-09"
    assert f"{printed_error(ln, 'dgamma vs numerical gradient'):.1e}" == "4.5e-12"
    assert f"{printed_error(ln, 'dbeta vs numerical gradient'):.1e}" == "2.3e-12"
    alt = cell_text(reference_nb, "batchnorm_backward_alt")
    assert printed_error(alt, "dx vs batchnorm_backward") < 1e-11
    assert printed_error(alt, "dgamma vs batchnorm_backward") == 0
    assert "speedup:" in alt


def test_layernorm_statistics_match_published(reference_nb):
    text = cell_text(reference_nb, "layernorm_forward")
    np.testing.assert_array_equal(
        printed(text, "stds:", 1), [0.99999995, 0.99999999, 1.0, 0.99999969]
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
