"""Task batchnorm_forward_train: batch normalization's forward pass in train mode."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after
from .._draws import dims, norm_inputs, quiet_feature
from ..model import Check, CheckKind, Mistake, Part, Probe, Task
from . import _norm


def draw(rng):
    n, d = dims(rng, 6, 12), dims(rng, 3, 7)
    train = norm_inputs(rng, n, d)
    train["x"] = quiet_feature(rng, train["x"])
    eps = norm_inputs(rng, n, d)
    eps["x"] = eps["x"] * 0.2  # small variance, so a large eps changes the output
    eps["eps"] = np.array(rng.uniform(0.1, 0.5))
    return {"train": train, "eps": eps, "float32": norm_inputs(rng, n, d, np.float32)}


CALL = Probe("forward", {"fn": "batchnorm_forward", "args": ("x", "gamma", "beta"),
                         "param": _norm.TRAIN, "keep": _norm.RUNNING})  # fmt: skip

TASK = Task(
    id="batchnorm_forward_train",
    function="batchnorm_forward",
    answer="batchnorm_forward_answer",
    points=5,
    parts=(Part("train", CALL), Part("eps", CALL), Part("float32", CALL)),
    draw=draw,
    checks=(
        Check("train", "out", CheckKind.VALUE, 4, "train-mode out for x of shape {x}"),
        Check("train", after("x"), CheckKind.UNCHANGED, 1, "x unchanged by the call", "x"),
        Check("eps", "out", CheckKind.VALUE, 2, "train-mode out with bn_param['eps'] set"),
        Check("float32", "out", CheckKind.VALUE32, 2, "train-mode out for float32 inputs"),
    ),
    mistakes=(
        Mistake(
            "out",
            "your variance uses N-1 (unbiased, ddof=1): batch norm uses the biased variance, 1/N",
            lambda i, r: _norm.bn_train(i, eps=_norm.eps(i), ddof=1),
        ),
        Mistake(
            "out",
            "you divide by the variance (var + eps) instead of the standard deviation "
            "sqrt(var + eps)",
            lambda i, r: _norm.bn_train(i, eps=_norm.eps(i), root=False),
        ),
        Mistake(
            "out",
            "eps is added outside the square root: use sqrt(var + eps)",
            lambda i, r: _norm.bn_train(i, eps=_norm.eps(i), eps_inside=False),
        ),
        Mistake(
            "out",
            "gamma and beta are swapped",
            lambda i, r: _norm.bn_train(
                {**i, "gamma": i["beta"], "beta": i["gamma"]}, eps=_norm.eps(i)
            ),
        ),
        Mistake(
            "out",
            "bn_param['eps'] is ignored: read it with bn_param.get('eps', 1e-5)",
            lambda i, r: _norm.bn_train(i),
            part="eps",
        ),
        Mistake(
            "out",
            "you normalize each example over its features (that is layer norm): batch norm "
            "normalizes each feature over the batch (axis 0)",
            lambda i, r: _norm.ln(i),
        ),
    ),
)
