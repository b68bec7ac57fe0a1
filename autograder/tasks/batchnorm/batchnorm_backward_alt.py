"""Task batchnorm_backward_alt: batch normalization's gradients from the simplified closed
form, from the cache batchnorm_forward makes."""

from __future__ import annotations

from .._draws import dims, norm_inputs, quiet_feature
from ..model import Check, CheckKind, Dependency, Mistake, Part, Task
from . import _norm


def draw(rng):
    case = norm_inputs(rng, dims(rng, 6, 14), dims(rng, 4, 9))
    case["x"] = quiet_feature(rng, case["x"], spread=0.03)  # eps changes its std by 0.5%
    return {"grads": case}


TASK = Task(
    id="batchnorm_backward_alt",
    function="batchnorm_backward_alt",
    answer="batchnorm_backward_alt_answer",
    points=4,
    parts=(
        Part(
            "grads",
            _norm.backward_probe("batchnorm_forward", "batchnorm_backward_alt", {"mode": "train"}),
        ),
    ),
    draw=draw,
    checks=(
        Check(
            "grads", "dx", CheckKind.VALUE, 4, "dx from batchnorm_forward's cache, x of shape {x}"
        ),
        Check("grads", "dgamma", CheckKind.VALUE, 1, "dgamma, shaped (D,)", strict_shape=True),
        Check("grads", "dbeta", CheckKind.VALUE, 1, "dbeta, shaped (D,)", strict_shape=True),
        *_norm.side_checks("grads"),
    ),
    consistency=_norm.CONSISTENCY,
    consistency_guard=("grads", "forward_out"),
    mistakes=(
        Mistake("d[gb]*", _norm.WRONG_AXIS, lambda i, r: _norm.sums_wrong_axis(i, axis=0)),
        Mistake(
            "dx",
            "the 1/N is missing: the closed form uses means over the batch, not sums",
            lambda i, r: _norm.bn_dx_without(i, "sums"),
        ),
        Mistake(
            "dx",
            "gamma is left out of the gradient through x-hat (dxhat = dout * gamma)",
            lambda i, r: _norm.bn_dx_without(i, "gamma"),
        ),
        Mistake(
            "dx",
            "the gradient through the mean is missing",
            lambda i, r: _norm.bn_dx_without(i, "mean"),
        ),
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
