"""Task batchnorm_backward: batch normalization's gradients, staged through its graph."""

from __future__ import annotations

from .._draws import dims, norm_inputs, quiet_feature
from ..model import Check, CheckKind, Dependency, Mistake, Part, Task
from . import _norm


def draw(rng):
    case = norm_inputs(rng, dims(rng, 4, 8), dims(rng, 3, 6))
    case["x"] = quiet_feature(rng, case["x"], spread=0.03)  # eps changes its std by 0.5%
    return {"grads": case}


TASK = Task(
    id="batchnorm_backward",
    function="batchnorm_backward",
    answer="batchnorm_backward_answer",
    points=6,
    parts=(
        Part(
            "grads",
            _norm.backward_probe("batchnorm_forward", "batchnorm_backward", {"mode": "train"}),
        ),
    ),
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
            "gamma is left out of the gradient through x-hat (dxhat = dout * gamma)",
            lambda i, r: _norm.bn_dx_without(i, "gamma"),
        ),
        Mistake(
            "dx",
            "the gradient through the mean is missing (x feeds the mean too: sum both paths)",
            lambda i, r: _norm.bn_dx_without(i, "mean"),
        ),
        Mistake(
            "dx",
            "the gradient through the variance is missing (x feeds the variance too: sum both "
            "paths)",
            lambda i, r: _norm.bn_dx_without(i, "var"),
        ),
        Mistake("d[gb]*", _norm.WRONG_AXIS, lambda i, r: _norm.sums_wrong_axis(i, axis=0)),
    ),
    depends_on=(
        Dependency(
            "batchnorm_forward_train", "is checked through the cache of your batchnorm_forward"
        ),
    ),
    rerun_with_reference=_norm.THROUGH_THE_CACHE,
    rerun_note=_norm.RERUN_NOTE,
    repair_cache=True,
)
