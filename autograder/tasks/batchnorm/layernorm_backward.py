"""Task layernorm_backward: layer normalization's gradients."""

from __future__ import annotations

import numpy as np

from .._draws import dims, norm_inputs, quiet_feature
from ..model import Check, CheckKind, Dependency, Mistake, Part, Task
from . import _norm


def draw(rng):
    case = norm_inputs(rng, dims(rng, 3, 6), dims(rng, 4, 7))
    case["x"] = case["x"] + rng.uniform(-5, 5, (case["x"].shape[0], 1))
    case["x"] = quiet_feature(rng, case["x"], spread=0.03, axis=1)  # eps: 0.5% of its std
    return {"grads": case}


def _dx_batch_means(inp):
    """Layer norm's dx from batch norm's closed form: means over the batch (axis 0)."""
    x, gamma, dout = inp["x"], inp["gamma"], inp["dout"]
    std = np.sqrt(x.var(axis=1, keepdims=True) + _norm.eps(inp))
    xhat = (x - x.mean(axis=1, keepdims=True)) / std
    g = gamma * dout
    return (g - g.mean(axis=0) - xhat * np.mean(g * xhat, axis=0)) / std


TASK = Task(
    id="layernorm_backward",
    function="layernorm_backward",
    answer="layernorm_backward_answer",
    points=4,
    parts=(Part("grads", _norm.backward_probe("layernorm_forward", "layernorm_backward", {})),),
    draw=draw,
    checks=(
        Check("grads", "dx", CheckKind.VALUE, 4, "dx for x of shape {x}"),
        Check("grads", "dgamma", CheckKind.VALUE, 2, "dgamma, shaped (D,)", strict_shape=True),
        Check("grads", "dbeta", CheckKind.VALUE, 2, "dbeta, shaped (D,)", strict_shape=True),
        *_norm.side_checks("grads"),
    ),
    consistency=_norm.CONSISTENCY,
    consistency_guard=("grads", "forward_out"),
    mistakes=(
        Mistake(
            "dx",
            "your dx takes means over the batch (axis 0), as batch norm's does: layer norm's "
            "statistics are per example, so take the means over the features (axis 1)",
            lambda i, r: _dx_batch_means(i),
        ),
        Mistake("d[gb]*", _norm.WRONG_AXIS, lambda i, r: _norm.sums_wrong_axis(i, axis=1)),
    ),
    depends_on=(
        Dependency("layernorm_forward", "is checked through the cache of your layernorm_forward"),
    ),
    rerun_with_reference=_norm.THROUGH_THE_CACHE,
    rerun_note=_norm.RERUN_NOTE,
    repair_cache=True,
)
