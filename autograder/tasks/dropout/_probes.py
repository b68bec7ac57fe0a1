"""The dropout assignment's own call patterns: statistics of a random function's outputs.

A student's mask cannot be expected to equal the reference's (``rand() < p``, ``binomial`` and
``uniform`` draw differently), so these return what every correct dropout shares: the fraction
of units kept, the scale of the kept ones, whether the seed decides the mask, whether the
backward uses the forward's own mask. The checks bound them (``CheckKind.BOUND``).

This module runs in the sandbox beside the standard call patterns and ships with the release
(the check cells' diagnosis): numpy only, no task named, nothing of the grader imported.
"""

from __future__ import annotations

import numpy as np


def _param(inp, mode, seed=None):
    param = {"mode": mode, "p": float(inp["p"])}
    if seed is not None:
        param["seed"] = int(seed)
    return param


def _out(result, fn):
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{fn} must return a tuple (out, cache), got {type(result).__name__}")
    return result


def dropout_law(ns, inp, fn):
    """Train mode on a large positive input: the fraction of units kept, the scale of those
    kept (median of out / x), and the mean of out over the mean of x."""
    x = inp["x"].copy()
    out, _ = _out(ns[fn](x.copy(), _param(inp, "train")), fn)
    out = np.asarray(out, dtype=np.float64)
    kept = out != 0
    return {
        "kept_fraction": np.array(kept.mean()),
        "kept_scale": np.array(np.median(out[kept] / x[kept]) if kept.any() else 0.0),
        "mean_ratio": np.array(out.mean() / x.mean()),
    }


def dropout_test(ns, inp, fn):
    """Test mode: the output, and the fraction of units it keeps."""
    x = inp["x"].copy()
    out, _ = _out(ns[fn](x.copy(), _param(inp, "test")), fn)
    return {"out": out, "kept_fraction": np.array(np.mean(np.asarray(out) != 0))}


def dropout_seed(ns, inp, fn):
    """The seed decides the mask: the same seed twice gives the same output (1), two seeds
    give different ones (1)."""
    x, seed = inp["x"], int(inp["seed"])
    first, _ = _out(ns[fn](x.copy(), _param(inp, "train", seed)), fn)
    again, _ = _out(ns[fn](x.copy(), _param(inp, "train", seed)), fn)
    other, _ = _out(ns[fn](x.copy(), _param(inp, "train", seed + 1)), fn)
    return {
        "same_seed": np.array(int(np.array_equal(first, again))),
        "seeds_differ": np.array(int(not np.array_equal(first, other))),
    }


def dropout_grads(ns, inp, forward, backward, numgrad):
    """The backward through the cache of the student's own forward (the seed fixed): dx, the
    dx the forward's own mask gives (dout * out / x), the numerical gradient of that forward,
    the fraction of dropped units whose gradient is zero, and the scale of the kept ones."""
    x, dout = inp["x"].copy(), inp["dout"].copy()
    param = _param(inp, "train", inp["seed"])
    out, cache = _out(ns[forward](x.copy(), dict(param)), forward)
    dx = ns[backward](dout.copy(), cache)
    out, dx = np.asarray(out, dtype=np.float64), np.asarray(dx, dtype=np.float64)
    dropped, kept = out == 0, out != 0
    ratio = dx[kept] / dout[kept] if dx.shape == dout.shape and kept.any() else np.zeros(1)
    zeroed = np.mean(dx[dropped] == 0) if dx.shape == dout.shape and dropped.any() else 0.0
    return {
        "dx": dx,
        "dx_own": dout * out / x,
        "dx_num": numgrad(lambda v: ns[forward](v, dict(param))[0], x.copy(), dout.copy()),
        "dropped_zero": np.array(zeroed),
        "kept_scale": np.array(np.median(ratio)),
    }


def dropout_test_backward(ns, inp, forward, backward):
    """The backward in test mode: the gradient passes through unchanged."""
    x, dout = inp["x"].copy(), inp["dout"].copy()
    _, cache = _out(ns[forward](x, _param(inp, "test")), forward)
    return {"dx": ns[backward](dout.copy(), cache)}


def _net(ns, inp, cls):
    return ns[cls](
        [int(h) for h in inp["hidden_dims"]],
        input_dim=int(inp["X"].shape[1]),
        num_classes=int(inp["num_classes"]),
        weight_scale=float(inp["weight_scale"]),
        dtype=np.float64,
        dropout_keep_ratio=float(inp["p"]),
        seed=int(inp["seed"]),
    )


def net_dropout(ns, inp, cls, dropout, numgrad):
    """A net with dropout (its seed fixed): how many times a train-mode loss calls the dropout
    function, the test-mode scores with given parameters, and how far its gradients are from
    the numerical gradients of its own loss (the largest error relative to the largest entry)."""
    model = _net(ns, inp, cls)
    for key in inp:
        if key.startswith("param_"):
            model.params[key.removeprefix("param_")] = inp[key].copy()
    calls = []
    given = ns[dropout]

    def counted(x, param):
        if param.get("mode") == "train":
            calls.append(x.shape)
        return given(x, param)

    owner = getattr(model.loss, "__globals__", {})
    owner[dropout] = counted
    try:
        loss, grads = model.loss(inp["X"].copy(), inp["y"].copy())
    finally:
        owner[dropout] = given
    worst = 0.0
    for name in sorted(grads):
        numeric = numgrad(
            lambda _: np.asarray(model.loss(inp["X"].copy(), inp["y"].copy())[0]),
            model.params[name],
            np.ones(()),
        )
        analytic = np.asarray(grads[name], dtype=np.float64)
        scale = max(1e-8, float(np.max(np.abs(analytic)) + np.max(np.abs(numeric))))
        worst = max(worst, float(np.max(np.abs(analytic - numeric))) / scale)
    return {
        "dropout_calls": np.array(len(calls)),
        "scores": model.loss(inp["X_test"].copy()),
        "grad_error": np.array(worst),
    }


OUTPUTS = {
    "dropout_law": lambda fn: {"kept_fraction", "kept_scale", "mean_ratio"},
    "dropout_test": lambda fn: {"out", "kept_fraction"},
    "dropout_seed": lambda fn: {"same_seed", "seeds_differ"},
    "dropout_grads": lambda forward, backward: {
        "dx",
        "dx_own",
        "dx_num",
        "dropped_zero",
        "kept_scale",
    },
    "dropout_test_backward": lambda forward, backward: {"dx"},
    "net_dropout": lambda cls, dropout: {"dropout_calls", "scores", "grad_error"},
}
"""Call pattern -> the outputs it returns (checked against the declarations when they load)."""
NEEDS_GRADIENT = {"dropout_grads", "net_dropout"}
