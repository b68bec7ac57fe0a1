"""Task batchnorm_forward_test: running statistics stored in the caller's bn_param over train
steps, and test mode normalizing with them."""

from __future__ import annotations

import numpy as np

from .._draws import dims, norm_inputs
from ..model import Check, CheckKind, Dependency, Mistake, Part, Probe, Task
from . import _norm

FN = "batchnorm_forward"
UPDATES = (
    "test mode updates the running statistics: only train mode updates them, test mode only "
    "reads them"
)
REVERSED = "momentum is reversed: running = momentum * running + (1 - momentum) * batch"
BATCH_STATS = "test mode is using the batch's statistics: it must use the running statistics"


def draw(rng):
    def running(momentum=None, dtype=np.float64):
        n, d, steps = dims(rng, 5, 10), dims(rng, 3, 6), dims(rng, 3, 6)
        base = norm_inputs(rng, n, d, dtype)
        xs = np.stack(
            [norm_inputs(rng, n, d, dtype)["x"] + base["x"].mean(0) for _ in range(steps)]
        )
        x_test = norm_inputs(rng, n, d, dtype)["x"]
        if dtype == np.float64:  # (float32 cannot hold a variance of 1e-6 around 5)
            j = rng.integers(d)
            centre = rng.uniform(-5, 5)
            xs[:, :, j] = centre + 1e-3 * rng.standard_normal((steps, n))
            x_test[:, j] = centre + 1e-3 * rng.standard_normal(n)
        case = {"gamma": base["gamma"], "beta": base["beta"], "xs": xs, "x_test": x_test}
        if momentum is not None:
            case["momentum"] = np.array(momentum)
        return case

    d = dims(rng, 3, 6)
    given = norm_inputs(rng, 5, d)
    given["running_mean"] = rng.standard_normal(d) * 3
    given["running_var"] = rng.uniform(0.5, 4.0, d)
    quiet = rng.integers(d)  # a running variance as small as eps
    given["running_var"][quiet] = 1e-6
    given["x"][:, quiet] = given["running_mean"][quiet] + 1e-3 * rng.standard_normal(5)
    return {
        "running": running(),
        "momentum": running(rng.uniform(0.3, 0.7)),
        "given_stats": given,
        "float32": running(dtype=np.float32),
        "bad_mode": norm_inputs(rng, 4, d),
    }


def _momentum(inp):
    return float(inp["momentum"]) if "momentum" in inp else 0.9


def _running(inp, ddof=0, reverse=False, first_batch=False, momentum=None, std=False):
    m = momentum if momentum is not None else _momentum(inp)
    d = inp["xs"].shape[-1]
    rm, rv = np.zeros(d), np.zeros(d)
    for step, x in enumerate(inp["xs"]):
        mean, var = _norm.stats(x, ddof)
        if std:
            var = np.sqrt(var + 1e-5)
        if first_batch and step == 0:
            rm, rv = mean, var
        elif reverse:
            rm, rv = (1 - m) * rm + m * mean, (1 - m) * rv + m * var
        else:
            rm, rv = m * rm + (1 - m) * mean, m * rv + (1 - m) * var
    return rm, rv


def _test_updates(inp):
    """Running statistics after the test-mode call on x_test also updated them."""
    m = _momentum(inp)
    rm, rv = _running(inp)
    mean, var = _norm.stats(inp["x_test"])
    return m * rm + (1 - m) * mean, m * rv + (1 - m) * var


def _own_running(inputs, got):
    """What each output takes if it is consistent with the student's own train mode: the
    running statistics averaged from the batch statistics the student's train-mode outputs
    imply, and test mode normalizing with the student's own running statistics. A train mode
    with a mistake (the unbiased variance) then costs points in its own task only."""
    derived = {}
    for part in ("running", "momentum", "float32"):
        inp, out = inputs[part], got[part]
        m, eps = _momentum(inp), 1e-5
        gamma, beta = inp["gamma"].astype(np.float64), inp["beta"].astype(np.float64)
        rm = rv = np.zeros(inp["xs"].shape[-1])
        for x, y in zip(inp["xs"].astype(np.float64), out["steps_outs"], strict=True):
            xhat = (np.asarray(y, dtype=np.float64) - beta) / gamma
            xc, hc = x - x.mean(axis=0), xhat - xhat.mean(axis=0)
            std = np.sum(xc * hc, axis=0) / np.sum(hc * hc, axis=0)  # x = std * xhat + mean
            mean = x.mean(axis=0) - std * xhat.mean(axis=0)
            rm, rv = m * rm + (1 - m) * mean, m * rv + (1 - m) * (std**2 - eps)
        own_mean, own_var = out["steps_running_mean"], out["steps_running_var"]
        x_test = inp["x_test"].astype(np.float64)
        test = _norm.bn(x_test, gamma, beta, own_mean, own_var)
        derived[part] = {
            "steps_running_mean": rm,
            "steps_running_var": rv,
            "out": test,
            "out_one_row": test[:1],
            "running_mean_after": own_mean,
            "running_var_after": own_var,
        }
    return derived


RUNNING = Probe("stateful", {"fn": FN, "param": _norm.TRAIN, "then": {"mode": "test"},
                            "keep": _norm.RUNNING})  # fmt: skip
"""Train steps from an empty bn_param, then test mode on a batch and on one row."""
GIVEN = {"mode": "test", "running_mean": "@running_mean", "running_var": "@running_var"}

TASK = Task(
    id="batchnorm_forward_test",
    function=FN,
    answer="batchnorm_forward_answer",
    points=5,
    parts=(
        Part("running", RUNNING),
        Part("momentum", RUNNING),
        Part(
            "given_stats",
            Probe(
                "forward",
                {"fn": FN, "args": ("x", "gamma", "beta"), "param": GIVEN, "keep": _norm.RUNNING},
            ),
        ),
        Part("float32", RUNNING),
        Part(
            "bad_mode",
            Probe("raises", {"fn": FN, "args": ("x", "gamma", "beta"), "param": {"mode": "eval"}}),
        ),
    ),  # fmt: skip
    draw=draw,
    checks=(
        Check(
            "running",
            "steps_running_mean",
            CheckKind.VALUE,
            2,
            "running_mean in the caller's bn_param after several train steps",
        ),
        Check(
            "running",
            "steps_running_var",
            CheckKind.VALUE,
            2,
            "running_var in the caller's bn_param after several train steps",
        ),
        Check("running", "out", CheckKind.VALUE, 3, "test-mode out after those train steps"),
        Check(
            "running", "out_one_row", CheckKind.VALUE, 1, "test-mode out for a batch of one example"
        ),
        Check(
            "running",
            "running_mean_after",
            CheckKind.VALUE,
            1,
            "running_mean left unchanged by test mode",
        ),
        Check(
            "running",
            "running_var_after",
            CheckKind.VALUE,
            1,
            "running_var left unchanged by test mode",
        ),
        Check(
            "momentum",
            "steps_running_mean",
            CheckKind.VALUE,
            1,
            "running_mean with bn_param['momentum'] set",
        ),
        Check(
            "momentum",
            "steps_running_var",
            CheckKind.VALUE,
            1,
            "running_var with bn_param['momentum'] set",
        ),
        Check(
            "given_stats",
            "out",
            CheckKind.VALUE,
            2,
            "test-mode out with running statistics you were given",
        ),
        Check("float32", "out", CheckKind.VALUE32, 1, "test-mode out for float32 inputs"),
        Check(
            "float32", "steps_running_mean", CheckKind.VALUE32, 1, "running_mean for float32 inputs"
        ),
        Check(
            "bad_mode",
            "raised",
            CheckKind.RAISES,
            1,
            "an unknown mode ('eval') raises an error",
            hint="an unknown mode must raise an error (ValueError), not run train or test mode",
        ),
    ),
    mistakes=(
        Mistake("steps_running_mean", REVERSED, lambda i, r: _running(i, reverse=True)[0]),
        Mistake("steps_running_var", REVERSED, lambda i, r: _running(i, reverse=True)[1]),
        Mistake(
            "steps_running_var",
            "your running variance uses N-1 (unbiased): use the same biased variance as the "
            "normalization",
            lambda i, r: _running(i, ddof=1)[1],
        ),
        Mistake(
            "steps_running_var",
            "your running variance averages the standard deviation sqrt(var + eps): average "
            "the batch variance",
            lambda i, r: _running(i, std=True)[1],
        ),
        Mistake("running_mean_after", UPDATES, lambda i, r: _test_updates(i)[0]),
        Mistake("running_var_after", UPDATES, lambda i, r: _test_updates(i)[1]),
        Mistake(
            "out_one_row",
            UPDATES,
            lambda i, r: _norm.bn(i["x_test"][:1], i["gamma"], i["beta"], *_test_updates(i)),
        ),
        Mistake(
            "steps_running_mean",
            "the running statistics start from the first batch: they start from zeros",
            lambda i, r: _running(i, first_batch=True)[0],
        ),
        Mistake(
            "steps_running_mean",
            "bn_param['momentum'] is ignored: read it with bn_param.get('momentum', 0.9)",
            lambda i, r: _running(i, momentum=0.9)[0],
            part="momentum",
        ),
        Mistake(
            "out",
            BATCH_STATS,
            lambda i, r: _norm.bn(i["x_test"], i["gamma"], i["beta"], *_norm.stats(i["x_test"])),
        ),
        Mistake(
            "out",
            BATCH_STATS,
            lambda i, r: _norm.bn(i["x"], i["gamma"], i["beta"], *_norm.stats(i["x"])),
            part="given_stats",
        ),
        Mistake(
            "out",
            "test mode normalizes with zeros: the running statistics never reach the caller's "
            "bn_param",
            lambda i, r: _norm.bn(i["x_test"], i["gamma"], i["beta"], 0.0, 0.0),
        ),
    ),
    missing_hints={
        "steps_running*": "the running statistics never reach the caller: store them in bn_param"
    },
    depends_on=(
        Dependency("batchnorm_forward_train", "is checked after steps of your train mode"),
    ),
    own_basis=_own_running,
    own_basis_guard=("running", "steps_outs"),
    own_basis_note=(
        "Cause upstream: your train mode failed its own checks (batchnorm_forward_train), so "
        "{task} was judged by its consistency with your own train mode (running statistics "
        "averaged from your batch statistics, test mode with your running statistics): the "
        "mistake costs points only there"
    ),
)
