"""Task batchnorm_backward_alt: batch normalization's gradients from the simplified closed
form, from the cache batchnorm_forward makes."""

from __future__ import annotations

from . import _norm
from ._draws import dims, norm_inputs
from .model import Check, CheckKind, Dependency, Mistake, Part, Probe, Task


def draw(rng):
    return {"grads": norm_inputs(rng, dims(rng, 6, 14), dims(rng, 4, 9))}


TASK = Task(
    id="batchnorm_backward_alt",
    function="batchnorm_backward_alt",
    answer="batchnorm_backward_alt_answer",
    points=4,
    parts=(
        Part(
            "grads",
            Probe(
                "norm_backward",
                {
                    "forward": "batchnorm_forward",
                    "backward": "batchnorm_backward_alt",
                    "param": "train",
                },
            ),
        ),
    ),  # fmt: skip
    draw=draw,
    checks=(
        Check(
            "grads", "dx", CheckKind.VALUE, 4, "dx from batchnorm_forward's cache, x of shape {x}"
        ),  # fmt: skip
        Check("grads", "dgamma", CheckKind.VALUE, 1, "dgamma, shaped (D,)"),
        Check("grads", "dbeta", CheckKind.VALUE, 1, "dbeta, shaped (D,)"),
        Check("grads", "dx", CheckKind.NUMERIC, 1, "dx", "dx_num"),
        Check("grads", "dout_after", CheckKind.UNCHANGED, 1, "dout unchanged by the call", "dout"),
    ),
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
)
