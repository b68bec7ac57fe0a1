"""Task layernorm_forward: each example normalized over its own features; ln_param holds only
eps, and any other key is ignored."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after
from .._draws import dims, norm_inputs, quiet_feature
from ..model import Check, CheckKind, Mistake, Part, Probe, Task
from . import _norm


def draw(rng):
    n, d = dims(rng, 3, 8), dims(rng, 4, 9)
    extra = norm_inputs(rng, n, d)
    extra["eps"] = np.array(rng.uniform(0.1, 0.5))
    extra["x"] = extra["x"] * 0.2
    # layer norm statistics run over features: give each row its own offset
    train = norm_inputs(rng, n, d)
    train["x"] = quiet_feature(rng, train["x"] + rng.uniform(-5, 5, (n, 1)), axis=1)
    return {"train": train, "extra_keys": extra, "float32": norm_inputs(rng, n, d, np.float32)}


LN_PARAM = {"eps": "@eps?"}
CALL = Probe("forward", {"fn": "layernorm_forward", "args": ("x", "gamma", "beta"),
                         "param": LN_PARAM})  # fmt: skip
EXTRA_KEYS = Probe("forward", {"fn": "layernorm_forward", "args": ("x", "gamma", "beta"),
                               "param": {**LN_PARAM, "mode": "test", "momentum": 0.5}})  # fmt: skip
"""ln_param with keys layer norm must ignore (a mode, a momentum), as a net passes it."""

TASK = Task(
    id="layernorm_forward",
    function="layernorm_forward",
    answer="layernorm_forward_answer",
    points=3,
    parts=(Part("train", CALL), Part("extra_keys", EXTRA_KEYS), Part("float32", CALL)),
    draw=draw,
    checks=(
        Check("train", "out", CheckKind.VALUE, 4, "out for x of shape {x}"),
        Check("train", after("x"), CheckKind.UNCHANGED, 1, "x unchanged by the call", "x"),
        Check(
            "extra_keys",
            "out",
            CheckKind.VALUE,
            2,
            "out with eps and extra keys (mode, momentum) in ln_param",
        ),
        Check("float32", "out", CheckKind.VALUE32, 1, "out for float32 inputs"),
    ),
    mistakes=(
        Mistake(
            "out",
            "you normalize over the batch (axis 0): layer norm normalizes each example over its "
            "features (axis 1)",
            lambda i, r: _norm.bn_train(i, eps=_norm.eps(i)),
        ),
        Mistake(
            "out",
            "your variance uses N-1 (unbiased): use the biased variance, 1/D",
            lambda i, r: _norm.ln(i, ddof=1),
        ),
        Mistake(
            "out",
            "ln_param['eps'] is ignored",
            lambda i, r: _norm.ln({k: v for k, v in i.items() if k != "eps"}),
            part="extra_keys",
        ),
        Mistake(
            "out",
            "your layer norm follows ln_param['mode'] (with 'test' it normalizes with running "
            "statistics, as batch norm does): layer norm ignores mode and always normalizes each "
            "example with its own mean and variance",
            lambda i, r: i["gamma"] * i["x"] / np.sqrt(_norm.eps(i)) + i["beta"],
            part="extra_keys",
        ),
    ),
)
