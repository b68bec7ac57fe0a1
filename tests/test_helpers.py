"""Tests of the given helpers in solutions/batchnorm/cs231n (not graded).

The folder is loaded as the package ``cs231n`` with importlib for the session,
without touching ``sys.path``, and unregistered again at the end.
"""

import importlib
import math
import pickle
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support.helpers_package import PKG_DIR, helpers_package


@pytest.fixture(scope="session")
def cs231n():
    """The helpers folder imported as the package ``cs231n``, for the session."""
    with helpers_package() as package:
        yield SimpleNamespace(
            package=package,
            **{
                name: importlib.import_module(f"cs231n.{name}")
                for name in ("gradient_check", "losses", "optim", "solver", "plotting")
            },
        )


@pytest.fixture
def gc(cs231n):
    return cs231n.gradient_check


@pytest.fixture
def optim(cs231n):
    return cs231n.optim


@pytest.fixture
def softmax_loss(cs231n):
    return cs231n.losses.softmax_loss


@pytest.fixture
def Solver(cs231n):
    return cs231n.solver.Solver


@pytest.fixture
def plotting(cs231n):
    return cs231n.plotting


def test_package_is_the_folder(cs231n):
    assert Path(cs231n.package.__file__) == PKG_DIR / "__init__.py"
    assert cs231n.package.__doc__ == (
        "Given helpers for the batch normalization assignment (not graded)."
    )
    assert Path(cs231n.solver.__file__).parent == PKG_DIR
    assert str(PKG_DIR) not in sys.path


# ---------------------------------------------------------------- rel_error


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ([1.0, 2.0], [1.0, 2.0], 0.0),  # equal
        ([1.0, 2.0], [1.0, 3.0], 0.2),  # |2 - 3| / (2 + 3)
        ([3.0], [-1.0], 1.0),  # |3 + 1| / (3 + 1): opposite signs give 1
        ([0.0, 0.0], [0.0, 0.0], 0.0),  # 0 / max(1e-8, 0)
        ([0.0], [1e-9], 0.1),  # 1e-9 / max(1e-8, 1e-9): the floor
        ([10.0, 1.0], [11.0, 1.5], 0.2),  # max(1/21, 0.5/2.5)
    ],
)
def test_rel_error_examples_by_hand(gc, x, y, expected):
    assert gc.rel_error(np.array(x), np.array(y)) == pytest.approx(expected, rel=1e-15, abs=0)


@settings(deadline=None, max_examples=50)
@given(
    hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e6, 1e6)),
    hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e6, 1e6)),
)
def test_rel_error_symmetric_and_at_most_one(cs231n, a, b):
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    err = cs231n.gradient_check.rel_error(a, b)
    assert err == cs231n.gradient_check.rel_error(b, a)
    assert 0.0 <= err <= 1.0
    assert cs231n.gradient_check.rel_error(a, a.copy()) == 0.0


# ---------------------------------------------------------------- numerical gradients


def test_eval_numerical_gradient_of_sum_of_cubes(gc):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
    x0 = x.copy()
    grad = gc.eval_numerical_gradient(lambda z: np.sum(z**3), x, verbose=False)
    assert grad.shape == x.shape
    assert gc.rel_error(grad, 3 * x0**2) < 1e-7
    np.testing.assert_array_equal(x, x0)  # every entry restored exactly


def test_eval_numerical_gradient_reads_x_through_a_closure(gc):
    # The CS231n idiom: f ignores its argument and reads the perturbed array.
    rng = np.random.default_rng(1)
    params = {"W": rng.standard_normal((2, 3))}
    target = rng.standard_normal((2, 3))

    def f(_):
        return 0.5 * np.sum((params["W"] - target) ** 2)

    grad = gc.eval_numerical_gradient(f, params["W"], verbose=False)
    assert gc.rel_error(grad, params["W"] - target) < 1e-8


def test_eval_numerical_gradient_prints_each_index_when_verbose(gc, capsys):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    gc.eval_numerical_gradient(lambda z: np.sum(z**2), x)  # verbose=True by default
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(")")[0] + ")" for line in lines] == ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]
    values = [float(line.split(")")[1]) for line in lines]
    np.testing.assert_allclose(values, [2.0, 4.0, 6.0, 8.0], rtol=1e-8)

    gc.eval_numerical_gradient(lambda z: np.sum(z**2), x, verbose=False)
    assert capsys.readouterr().out == ""


def test_eval_numerical_gradient_step_size(gc):
    # For f = sum(x**3) the centred difference is 3 x**2 + h**2 exactly.
    x = np.array([1.0])
    grad = gc.eval_numerical_gradient(lambda z: np.sum(z**3), x, verbose=False, h=1e-2)
    assert grad[0] == pytest.approx(3.0 + 1e-4, rel=1e-10)


@settings(deadline=None, max_examples=30)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
        elements=st.floats(-3, 3),
    )
)
def test_eval_numerical_gradient_of_quadratic(cs231n, x):
    # f = 0.5 * sum(c * x**2) has gradient c * x; centred differences are exact
    # for quadratics up to rounding.
    gc = cs231n.gradient_check
    c = np.linspace(0.5, 2.0, x.size).reshape(x.shape)
    grad = gc.eval_numerical_gradient(lambda z: 0.5 * np.sum(c * z**2), x, verbose=False)
    np.testing.assert_allclose(grad, c * x, rtol=0, atol=1e-8)


def test_eval_numerical_gradient_array_of_matrix_product(gc):
    # out = x @ A, so with upstream gradient dout: dx = dout @ A.T.
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3))  # (N, D)
    A = rng.standard_normal((3, 5))  # (D, M)
    dout = rng.standard_normal((4, 5))  # (N, M)
    x0 = x.copy()
    dx = gc.eval_numerical_gradient_array(lambda z: z @ A, x, dout)
    assert dx.shape == (4, 3)
    assert gc.rel_error(dx, dout @ A.T) < 1e-8
    np.testing.assert_array_equal(x, x0)


def test_eval_numerical_gradient_array_elementwise_3d(gc):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 2))
    dout = rng.standard_normal((2, 3, 2))
    dx = gc.eval_numerical_gradient_array(np.sin, x, dout)
    assert gc.rel_error(dx, np.cos(x) * dout) < 1e-7


def test_eval_numerical_gradient_array_copies_a_reused_output_buffer(gc):
    # f writes into one buffer; without copies, f(x+h) - f(x-h) would be 0.
    buffer = np.empty(3)

    def f(z):
        np.multiply(z, 2.0, out=buffer)
        return buffer

    x = np.array([1.0, -2.0, 0.5])
    dout = np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(gc.eval_numerical_gradient_array(f, x, dout), 2.0 * dout, rtol=1e-9)


def _parse_sparse(out):
    pattern = re.compile(r"numerical: (\S+) analytic: (\S+), relative error: (\S+)")
    return [tuple(float(v) for v in pattern.fullmatch(line).groups()) for line in out.splitlines()]


def test_grad_check_sparse_accepts_right_and_flags_wrong_gradients(gc, capsys):
    rng = np.random.default_rng(4)
    W = rng.uniform(0.5, 1.5, size=(5, 4))

    def f(w):
        return np.sum(w**3) / 3.0

    W0 = W.copy()
    gc.grad_check_sparse(f, W, W**2, num_checks=7, seed=0)
    rows = _parse_sparse(capsys.readouterr().out)
    assert len(rows) == 7
    assert all(err < 1e-8 for _, _, err in rows)
    np.testing.assert_array_equal(W, W0)

    gc.grad_check_sparse(f, W, 2 * W**2, num_checks=5, seed=0)
    rows = _parse_sparse(capsys.readouterr().out)
    # |g - 2g| / (g + 2g) = 1/3 at every entry
    assert [err for _, _, err in rows] == pytest.approx([1 / 3] * 5, rel=1e-6)


def test_grad_check_sparse_seed_repeats_entries_and_spares_global_random(gc, capsys):
    import random

    W = np.arange(1.0, 21.0).reshape(4, 5)
    state = random.getstate()
    gc.grad_check_sparse(lambda w: np.sum(w**2), W, 2 * W, num_checks=6, seed=123)
    first = capsys.readouterr().out
    assert random.getstate() == state
    gc.grad_check_sparse(lambda w: np.sum(w**2), W, 2 * W, num_checks=6, seed=123)
    assert capsys.readouterr().out == first
    analytic = [a for _, a, _ in _parse_sparse(first)]
    assert set(analytic) <= set((2 * W).ravel())


def test_grad_check_sparse_zero_gradient_does_not_divide_by_zero(gc, capsys):
    W = np.ones((2, 2))
    gc.grad_check_sparse(lambda w: 0.0, W, np.zeros_like(W), num_checks=3, seed=1)
    assert [err for _, _, err in _parse_sparse(capsys.readouterr().out)] == [0.0] * 3


# ---------------------------------------------------------------- softmax_loss


@pytest.mark.parametrize("C", [2, 3, 10])
def test_softmax_loss_of_zero_scores_is_log_C(softmax_loss, C):
    N = 4
    y = np.arange(N) % C
    loss, dx = softmax_loss(np.zeros((N, C)), y)
    assert loss == pytest.approx(math.log(C), rel=1e-15)
    expected = np.full((N, C), 1.0 / C)
    expected[np.arange(N), y] -= 1.0
    np.testing.assert_allclose(dx, expected / N, rtol=1e-15, atol=1e-17)


def test_softmax_loss_value_by_hand(softmax_loss):
    # p(class 2) = e^3 / (e + e^2 + e^3), so loss = log(1 + e^-1 + e^-2).
    loss, _ = softmax_loss(np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    assert loss == pytest.approx(math.log(1 + math.exp(-1) + math.exp(-2)), rel=1e-14)
    # Two samples: the mean of -log p. Row 2: p(class 0) = 1/2.
    loss, _ = softmax_loss(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, -math.inf]]), np.array([2, 0]))
    expected = (math.log(1 + math.exp(-1) + math.exp(-2)) + math.log(2)) / 2
    assert loss == pytest.approx(expected, rel=1e-14)


def test_softmax_loss_gradient_matches_numerical(gc, softmax_loss):
    rng = np.random.default_rng(5)
    N, C = 6, 4
    x = 2.0 * rng.standard_normal((N, C))
    y = rng.integers(C, size=N)
    loss, dx = softmax_loss(x, y)
    assert dx.shape == (N, C)
    dx_num = gc.eval_numerical_gradient(lambda z: softmax_loss(z, y)[0], x, verbose=False)
    assert gc.rel_error(dx, dx_num) < 1e-7
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-16)  # probabilities sum to 1


def test_softmax_loss_is_stable_for_huge_scores(softmax_loss):
    x = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, dx = softmax_loss(x, np.array([0, 0]))
    assert loss == pytest.approx(500.0, rel=1e-12)  # (0 + 1000) / 2
    np.testing.assert_allclose(dx, [[0.0, 0.0], [-0.5, 0.5]], atol=1e-15)


@settings(deadline=None, max_examples=60)
@given(
    N=st.integers(1, 5),
    C=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
    shift=st.floats(-1e3, 1e3),
)
def test_softmax_loss_is_invariant_to_row_shifts(cs231n, N, C, seed, shift):
    softmax_loss = cs231n.losses.softmax_loss
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal((N, C))
    y = rng.integers(C, size=N)
    shifts = shift * rng.uniform(-1, 1, size=(N, 1))  # (N, 1): one shift per row
    loss, dx = softmax_loss(x, y)
    loss_shifted, dx_shifted = softmax_loss(x + shifts, y)
    assert loss_shifted == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(dx_shifted, dx, atol=1e-9)


# ---------------------------------------------------------------- optim


@pytest.fixture
def w_dw():
    rng = np.random.default_rng(6)
    return rng.standard_normal((3, 4)), rng.standard_normal((3, 4))


def test_sgd_one_step(optim, w_dw):
    w, dw = w_dw
    expected = w - 0.1 * dw
    next_w, config = optim.sgd(w.copy(), dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, expected, rtol=1e-15)
    assert config == {"learning_rate": 0.1}

    next_w, config = optim.sgd(w.copy(), dw)  # default learning rate 1e-2
    np.testing.assert_allclose(next_w, w - 1e-2 * dw, rtol=1e-15)
    assert config == {"learning_rate": 1e-2}


def test_sgd_momentum_two_steps(optim, w_dw):
    w, dw1 = w_dw
    dw2 = -0.5 * dw1 + 1.0
    lr, mu = 0.05, 0.9
    # Step 1 starts from zero velocity: v1 = -lr dw1.
    v1 = -lr * dw1
    w1 = w + v1
    # Step 2: v2 = mu v1 - lr dw2.
    v2 = mu * v1 - lr * dw2
    w2 = w1 + v2

    next_w, config = optim.sgd_momentum(w, dw1, {"learning_rate": lr})
    assert config["momentum"] == 0.9  # default
    np.testing.assert_allclose(next_w, w1, rtol=1e-14)
    np.testing.assert_allclose(config["velocity"], v1, rtol=1e-14)
    next_w, config = optim.sgd_momentum(next_w, dw2, config)
    np.testing.assert_allclose(next_w, w2, rtol=1e-13)
    np.testing.assert_allclose(config["velocity"], v2, rtol=1e-13)


def test_sgd_momentum_cs231n_reference_row(optim):
    # First row of the expected values in CS231n's FullyConnectedNets notebook.
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    v = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    next_w, _ = optim.sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    expected_row = [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789]
    np.testing.assert_allclose(next_w[0], expected_row, rtol=1e-7)


def test_rmsprop_one_step_and_defaults(optim, w_dw):
    w, dw = w_dw
    cache = 0.01 * dw**2  # (1 - 0.99) * dw**2 from a zero cache
    expected = w - 1e-2 * dw / (np.sqrt(cache) + 1e-8)
    next_w, config = optim.rmsprop(w, dw)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)
    np.testing.assert_allclose(config["cache"], cache, rtol=1e-14)
    np.testing.assert_allclose(next_w, expected, rtol=1e-14)
    # From a zero cache the first step has size about lr / sqrt(0.01) = 10 lr per
    # entry (a bit less where |dw| is small enough for epsilon to count).
    step = np.abs(next_w - w)
    assert np.all(step <= 0.1)
    np.testing.assert_allclose(step, 0.1, rtol=1e-5)


def test_adam_first_step_is_lr_times_sign(optim, w_dw):
    # With t incremented before the bias correction, m_hat = dw and
    # v_hat = dw**2 at t = 1, so the first step is lr * dw / (|dw| + eps).
    w, dw = w_dw
    next_w, config = optim.adam(w, dw)
    assert config["t"] == 1
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]) == (
        1e-3,
        0.9,
        0.999,
        1e-8,
    )
    np.testing.assert_allclose(next_w, w - 1e-3 * np.sign(dw), rtol=1e-7)
    np.testing.assert_allclose(config["m"], 0.1 * dw, rtol=1e-14)
    np.testing.assert_allclose(config["v"], 0.001 * dw**2, rtol=1e-12)


def test_adam_two_steps_by_hand(optim, w_dw):
    w, dw1 = w_dw
    dw2 = np.cos(dw1) - 0.5
    lr, b1, b2, eps = 1e-2, 0.8, 0.99, 1e-8
    m1, v1 = (1 - b1) * dw1, (1 - b2) * dw1**2
    w1 = w - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2 = b1 * m1 + (1 - b1) * dw2
    v2 = b2 * v1 + (1 - b2) * dw2**2
    w2 = w1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)

    config = {"learning_rate": lr, "beta1": b1, "beta2": b2}
    next_w, config = optim.adam(w, dw1, config)
    np.testing.assert_allclose(next_w, w1, rtol=1e-12)
    next_w, config = optim.adam(next_w, dw2, config)
    assert config["t"] == 2
    np.testing.assert_allclose(config["m"], m2, rtol=1e-12)
    np.testing.assert_allclose(config["v"], v2, rtol=1e-12)
    np.testing.assert_allclose(next_w, w2, rtol=1e-12)


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_every_rule_descends_a_bowl(optim, rule):
    # Minimize 0.5 * |w - 3|**2 (gradient w - 3) from w = 0.
    update = getattr(optim, rule)
    w, config = np.zeros(4), {"learning_rate": 0.05}
    for _ in range(400):
        w, config = update(w, w - 3.0, config)
    np.testing.assert_allclose(w, 3.0, atol=0.1)


# ---------------------------------------------------------------- Solver


class TwoLayerNet:
    """affine - relu - affine - softmax, for the Solver tests.

    Takes (N, D) inputs, has hidden size H and C classes.
    """

    def __init__(self, loss_fn, D, H, C, weight_scale=1e-2, seed=0):
        rng = np.random.default_rng(seed)
        self.loss_fn = loss_fn
        self.params = {
            "W1": weight_scale * rng.standard_normal((D, H)),
            "b1": np.zeros(H),
            "W2": weight_scale * rng.standard_normal((H, C)),
            "b2": np.zeros(C),
        }

    def loss(self, X, y=None):
        p = self.params
        a = X @ p["W1"] + p["b1"]  # (N, H)
        h = np.maximum(0, a)
        scores = h @ p["W2"] + p["b2"]  # (N, C)
        if y is None:
            return scores
        loss, dscores = self.loss_fn(scores, y)
        dh = dscores @ p["W2"].T
        da = dh * (a > 0)
        grads = {
            "W1": X.T @ da,
            "b1": da.sum(axis=0),
            "W2": h.T @ dscores,
            "b2": dscores.sum(axis=0),
        }
        return loss, grads


def make_blobs(seed, n_train=300, n_val=90, D=4, C=3, spread=3.0):
    """Gaussian blobs, one per class: X (N, D) floats, y (N,) ints."""
    rng = np.random.default_rng(seed)
    centers = spread * rng.standard_normal((C, D))

    def split(n):
        y = rng.integers(C, size=n)
        return centers[y] + rng.standard_normal((n, D)), y

    X_train, y_train = split(n_train)
    X_val, y_val = split(n_val)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


@pytest.fixture
def blobs():
    return make_blobs(7)


def test_two_layer_net_gradients_are_right(gc, softmax_loss, blobs):
    # The test model itself must be right for the Solver tests to mean anything.
    model = TwoLayerNet(softmax_loss, D=4, H=6, C=3, weight_scale=0.5)
    X, y = blobs["X_train"][:8], blobs["y_train"][:8]
    _, grads = model.loss(X, y)
    for name, param in model.params.items():
        num = gc.eval_numerical_gradient(lambda _: model.loss(X, y)[0], param, verbose=False)
        assert gc.rel_error(grads[name], num) < 1e-6, name


def test_solver_training_reduces_loss_and_fills_histories(Solver, softmax_loss, blobs, capsys):
    model = TwoLayerNet(softmax_loss, D=4, H=10, C=3)
    initial_loss = model.loss(blobs["X_train"], blobs["y_train"])[0]
    assert initial_loss == pytest.approx(math.log(3), rel=0.01)

    np.random.seed(0)
    solver = Solver(
        model,
        blobs,
        update_rule="adam",
        optim_config={"learning_rate": 5e-2},
        batch_size=50,
        num_epochs=4,
        verbose=False,
    )
    solver.train()
    assert capsys.readouterr().out == ""

    iterations_per_epoch = 300 // 50
    assert len(solver.loss_history) == 4 * iterations_per_epoch
    assert len(solver.train_acc_history) == 4 + 1
    assert len(solver.val_acc_history) == 4 + 1
    assert solver.epoch == 4

    final_loss = model.loss(blobs["X_train"], blobs["y_train"])[0]
    assert final_loss < 0.5 * initial_loss
    assert np.mean(solver.loss_history[-6:]) < 0.5 * np.mean(solver.loss_history[:3])
    assert solver.val_acc_history[-1] > 0.8
    assert solver.best_val_acc == max(solver.val_acc_history)
    # Each parameter has its own Adam state, advanced once per iteration.
    assert set(solver.optim_configs) == set(model.params)
    assert all(c["t"] == 4 * iterations_per_epoch for c in solver.optim_configs.values())


def test_solver_restores_best_params(Solver, softmax_loss):
    # Phase 1 fits the flipped labels, which phase 2 validates on while training
    # on the true ones, so phase 2's validation accuracy is best at the start.
    data = make_blobs(8, n_train=200, n_val=100, C=2, spread=4.0)
    flipped = dict(data, y_train=1 - data["y_train"], y_val=1 - data["y_val"])
    model = TwoLayerNet(softmax_loss, D=4, H=8, C=2, weight_scale=0.1)

    np.random.seed(1)
    # Phase 1: learn the flipped labelling (the validation one of phase 2).
    Solver(
        model,
        flipped,
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        batch_size=50,
        num_epochs=5,
        verbose=False,
    ).train()
    # Phase 2: plain sgd, which updates the weights in place, so the best
    # params survive only if the Solver copied them.
    phase2_data = dict(data, y_val=1 - data["y_val"])
    solver = Solver(
        model,
        phase2_data,
        update_rule="sgd",
        optim_config={"learning_rate": 0.03},
        batch_size=50,
        num_epochs=8,
        verbose=False,
    )
    solver.train()

    assert solver.best_val_acc == max(solver.val_acc_history) > 0.9
    assert solver.val_acc_history[-1] < 0.6
    assert model.params is solver.best_params
    # The restored params are the early ones: right on the validation labels...
    assert solver.check_accuracy(phase2_data["X_val"], phase2_data["y_val"]) == solver.best_val_acc
    # ...and much worse on the training labels than the last iterations were.
    restored_loss = model.loss(data["X_train"], data["y_train"])[0]
    assert restored_loss > 1.5 * np.mean(solver.loss_history[-4:])


def test_solver_is_reproducible_with_np_random_seed(Solver, softmax_loss, blobs):
    def run():
        np.random.seed(42)
        model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
        solver = Solver(
            model,
            blobs,
            update_rule="sgd_momentum",
            num_epochs=2,
            batch_size=25,
            num_train_samples=50,
            verbose=False,
        )
        solver.train()
        return solver

    a, b = run(), run()
    assert a.loss_history == b.loss_history
    assert a.train_acc_history == b.train_acc_history


def test_solver_lr_decay_per_epoch(Solver, softmax_loss, blobs):
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
    np.random.seed(3)
    solver = Solver(
        model,
        blobs,
        update_rule="sgd_momentum",
        optim_config={"learning_rate": 1e-2, "momentum": 0.5},
        lr_decay=0.5,
        num_epochs=3,
        batch_size=100,
        verbose=False,
    )
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(1e-2 * 0.5**3)
        assert config["momentum"] == 0.5
        assert "velocity" in config
    assert solver.optim_config == {"learning_rate": 1e-2, "momentum": 0.5}  # not mutated


def test_solver_verbose_output_matches_cs231n(Solver, softmax_loss, blobs, capsys):
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
    np.random.seed(4)
    Solver(model, blobs, num_epochs=1, batch_size=100, print_every=2).train()
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"\(Iteration 1 / 3\) loss: \d+\.\d{6}", lines[0])
    assert re.fullmatch(r"\(Epoch 0 / 1\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}", lines[1])
    assert re.fullmatch(r"\(Iteration 3 / 3\) loss: \d+\.\d{6}", lines[2])
    assert re.fullmatch(r"\(Epoch 1 / 1\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}", lines[3])
    assert len(lines) == 4


def test_solver_checkpoints(Solver, cs231n, softmax_loss, blobs, tmp_path):
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
    np.random.seed(5)
    solver = Solver(
        model,
        blobs,
        num_epochs=2,
        batch_size=100,
        verbose=False,
        checkpoint_name=str(tmp_path / "run"),
    )
    solver.train()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "run_epoch_0.pkl",
        "run_epoch_1.pkl",
        "run_epoch_2.pkl",
    ]
    with open(tmp_path / "run_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2
    assert checkpoint["update_rule"] is cs231n.optim.sgd
    assert checkpoint["loss_history"] == solver.loss_history
    assert checkpoint["val_acc_history"] == solver.val_acc_history
    assert set(checkpoint["model"].params) == set(model.params)


def test_check_accuracy_batches_and_subsamples(Solver, softmax_loss):
    rng = np.random.default_rng(9)
    X = rng.standard_normal((250, 4))  # 250 is not a multiple of the batch size
    y = rng.integers(3, size=250)
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3, weight_scale=1.0)
    solver = Solver(model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    expected = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert solver.check_accuracy(X, y) == expected
    assert solver.check_accuracy(X, y, batch_size=7) == expected

    np.random.seed(6)
    subsampled = solver.check_accuracy(X, y, num_samples=40)
    np.random.seed(6)
    mask = np.random.choice(250, 40)
    assert subsampled == np.mean(np.argmax(model.loss(X[mask]), axis=1) == y[mask])


def test_solver_rejects_unknown_kwargs(Solver, softmax_loss, blobs):
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
    with pytest.raises(ValueError, match=r'Unrecognized arguments "learning_rate", "epochs"'):
        Solver(model, blobs, learning_rate=1e-3, epochs=3)


def test_solver_rejects_unknown_update_rule(Solver, softmax_loss, blobs):
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
    with pytest.raises(ValueError, match='Invalid update_rule "nesterov"'):
        Solver(model, blobs, update_rule="nesterov")


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_solver_looks_up_rules_by_name(Solver, cs231n, softmax_loss, blobs, rule):
    model = TwoLayerNet(softmax_loss, D=4, H=5, C=3)
    solver = Solver(model, blobs, update_rule=rule)
    assert solver.update_rule is getattr(cs231n.optim, rule)


# ---------------------------------------------------------------- plotting


def fake_solver(loss, train_acc, val_acc):
    return SimpleNamespace(loss_history=loss, train_acc_history=train_acc, val_acc_history=val_acc)


@pytest.fixture
def two_solvers():
    return {
        "baseline": fake_solver([2.3, 2.0, 1.8, 1.7], [0.1, 0.3, 0.4], [0.1, 0.25, 0.3]),
        "batchnorm": fake_solver([2.3, 1.5, 1.1, 0.9], [0.1, 0.5, 0.7], [0.1, 0.4, 0.5]),
    }


def _line_labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_training_histories(plotting, two_solvers):
    fig = plotting.plot_training_histories(two_solvers, title="Baseline vs batchnorm")
    try:
        assert len(fig.axes) == 3
        for ax in fig.axes:
            assert _line_labels(ax) == ["baseline", "batchnorm"]
            assert _legend_labels(ax) == ["baseline", "batchnorm"]
            assert ax.get_xlabel() and ax.get_ylabel()
            assert all(line.get_marker() not in (None, "None", "") for line in ax.get_lines())
        loss_ax, train_ax, val_ax = fig.axes
        assert loss_ax.get_xlabel() == "Iteration"
        assert train_ax.get_xlabel() == val_ax.get_xlabel() == "Epoch"
        np.testing.assert_array_equal(loss_ax.get_lines()[1].get_ydata(), [2.3, 1.5, 1.1, 0.9])
        np.testing.assert_array_equal(train_ax.get_lines()[0].get_xdata(), [0, 1, 2])
        np.testing.assert_array_equal(val_ax.get_lines()[1].get_ydata(), [0.1, 0.4, 0.5])
        assert fig.get_suptitle() == "Baseline vs batchnorm"
    finally:
        plt.close(fig)


def test_plot_training_histories_with_real_solver(plotting, Solver, softmax_loss, blobs):
    np.random.seed(7)
    solver = Solver(
        TwoLayerNet(softmax_loss, D=4, H=5, C=3), blobs, num_epochs=1, batch_size=100, verbose=False
    )
    solver.train()
    fig = plotting.plot_training_histories({"sgd": solver})
    try:
        assert len(fig.axes) == 3
        assert len(fig.axes[0].get_lines()[0].get_ydata()) == len(solver.loss_history)
    finally:
        plt.close(fig)


def test_plot_weight_scale_sweep(plotting):
    scales = [1e-4, 1e-3, 1e-2, 1e-1]
    results = {
        "baseline": {
            "best_val_acc": [0.1, 0.2, 0.4, 0.3],
            "best_train_acc": [0.1, 0.3, 0.6, 0.4],
            "final_loss": [2.3, 2.2, 1.5, 1.9],
        },
        "batchnorm": {
            "best_val_acc": [0.3, 0.4, 0.45, 0.4],
            "best_train_acc": [0.5, 0.6, 0.7, 0.6],
            "final_loss": [1.6, 1.4, 1.2, 1.3],
        },
    }
    fig = plotting.plot_weight_scale_sweep(scales, results)
    try:
        assert len(fig.axes) == 3
        assert [ax.get_title() for ax in fig.axes] == [
            "Best val accuracy vs weight initialization scale",
            "Best train accuracy vs weight initialization scale",
            "Final training loss vs weight initialization scale",
        ]
        for ax, key in zip(fig.axes, ["best_val_acc", "best_train_acc", "final_loss"], strict=True):
            assert ax.get_xscale() == "log"
            assert _line_labels(ax) == _legend_labels(ax) == ["baseline", "batchnorm"]
            np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), scales)
            np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), results["batchnorm"][key])
            assert ax.get_xlabel() == "Weight initialization scale"
    finally:
        plt.close(fig)


def test_plot_weight_scale_sweep_rejects_misaligned_results(plotting):
    open_before = plt.get_fignums()
    good = {"best_val_acc": [0.1, 0.2], "best_train_acc": [0.1, 0.2], "final_loss": [2.0, 1.0]}
    with pytest.raises(ValueError, match="final_loss"):
        plotting.plot_weight_scale_sweep([1e-3, 1e-2], {"a": dict(good, final_loss=[2.0])})
    with pytest.raises(ValueError, match="best_train_acc"):
        plotting.plot_weight_scale_sweep([1e-3, 1e-2], {"a": {"best_val_acc": [0.1, 0.2]}})
    assert plt.get_fignums() == open_before  # nothing drawn before the check


def test_plot_batch_size_experiment(plotting, two_solvers):
    fig = plotting.plot_batch_size_experiment(two_solvers, "Batch size 5 vs 50")
    try:
        assert len(fig.axes) == 2
        for ax in fig.axes:
            assert ax.get_xlabel() == "Epoch"
            assert _line_labels(ax) == _legend_labels(ax) == ["baseline", "batchnorm"]
        np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_ydata(), [0.1, 0.3, 0.4])
        np.testing.assert_array_equal(fig.axes[1].get_lines()[0].get_ydata(), [0.1, 0.25, 0.3])
        assert fig.get_suptitle() == "Batch size 5 vs 50"
    finally:
        plt.close(fig)


def test_plot_helpers_reject_empty_input(plotting):
    with pytest.raises(ValueError):
        plotting.plot_training_histories({})
    with pytest.raises(ValueError):
        plotting.plot_batch_size_experiment({}, "t")
    with pytest.raises(ValueError):
        plotting.plot_weight_scale_sweep([1.0], {})


def test_plot_helpers_do_not_show(plotting, two_solvers, monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show called inside a helper")

    monkeypatch.setattr(plt, "show", no_show)
    for fig in (
        plotting.plot_training_histories(two_solvers),
        plotting.plot_batch_size_experiment(two_solvers, "t"),
    ):
        plt.close(fig)


def test_print_mean_std_format(plotting, capsys):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    plotting.print_mean_std(x)
    assert capsys.readouterr().out == "  means: [2. 3.]\n  stds:  [1. 1.]\n\n"
    plotting.print_mean_std(x, axis=1)
    assert capsys.readouterr().out == "  means: [1.5 3.5]\n  stds:  [0.5 0.5]\n\n"
