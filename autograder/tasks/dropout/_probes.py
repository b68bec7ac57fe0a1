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
    """The backward through the cache of the student's own forward (the seed fixed, and numpy's
    generator seeded with it before every call, so that even a forward that ignores the seed
    draws one mask): dx, the dx that forward's own mask gives (dout * out / x), the numerical
    gradient of that forward, the fraction of dropped units whose gradient is zero, and the
    scale of the kept units' gradient over the forward's own scale of them (1 when the backward
    scales as its forward does)."""
    x, dout = inp["x"].copy(), inp["dout"].copy()
    param = _param(inp, "train", inp["seed"])

    def fwd(v):
        np.random.seed(int(inp["seed"]))
        return _out(ns[forward](v, dict(param)), forward)

    out, cache = fwd(x.copy())
    dx = ns[backward](dout.copy(), cache)
    out, dx = np.asarray(out, dtype=np.float64), np.asarray(dx, dtype=np.float64)
    dropped, kept = out == 0, out != 0
    fits = dx.shape == dout.shape
    scale = np.median(dx[kept] / dout[kept]) if fits and kept.any() else 0.0
    own = np.median(out[kept] / x[kept]) if kept.any() else 1.0
    return {
        "dx": dx,
        "dx_own": dout * out / x,
        "dx_num": numgrad(lambda v: fwd(v)[0], x.copy(), dout.copy()),
        "dropped_zero": np.array(np.mean(dx[dropped] == 0) if fits and dropped.any() else 0.0),
        "scale_vs_forward": np.array(scale / own),
    }


def dropout_test_backward(ns, inp, forward, backward):
    """The backward in test mode: the gradient passes through unchanged."""
    x, dout = inp["x"].copy(), inp["dout"].copy()
    _, cache = _out(ns[forward](x, _param(inp, "test")), forward)
    return {"dx": ns[backward](dout.copy(), cache)}


def dropout_calls(ns, inp, cls, dropout):
    """How a net with dropout (keep ratio p, a seed) calls the dropout function: in a
    train-mode loss, the number of calls, the width of each input, the keep ratio and the seed
    each was given; in a test-mode loss, the calls that still asked for train mode."""
    model = ns[cls](
        [int(h) for h in inp["hidden_dims"]],
        input_dim=int(inp["X"].shape[1]),
        num_classes=int(inp["num_classes"]),
        weight_scale=float(inp["weight_scale"]),
        dtype=np.float64,
        dropout_keep_ratio=float(inp["p"]),
        seed=int(inp["seed"]),
    )
    calls = []
    given = ns[dropout]

    def counted(x, param):
        calls.append((np.shape(x), dict(param)))
        return given(x, param)

    owner = getattr(model.loss, "__globals__", ns)
    owner[dropout] = counted
    try:
        model.loss(inp["X"].copy(), inp["y"].copy())
        train, calls[:] = list(calls), []
        model.loss(inp["X"].copy())
        test = list(calls)
    finally:
        owner[dropout] = given
    train = [(shape, param) for shape, param in train if param.get("mode") == "train"]
    return {
        "train_calls": np.array(len(train)),
        "widths": np.array([shape[-1] if shape else 0 for shape, _ in train]),
        "keep_ratio": np.array([float(param.get("p", np.nan)) for _, param in train]),
        "seeded": np.array([int(param.get("seed") == int(inp["seed"])) for _, param in train]),
        "test_train_calls": np.array(sum(param.get("mode") == "train" for _, param in test)),
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
        "scale_vs_forward",
    },
    "dropout_test_backward": lambda forward, backward: {"dx"},
    "dropout_calls": lambda cls, dropout: {
        "train_calls",
        "widths",
        "keep_ratio",
        "seeded",
        "test_train_calls",
    },
}
"""Call pattern -> the outputs it returns (checked against the declarations when they load)."""
NEEDS_GRADIENT = {"dropout_grads"}
