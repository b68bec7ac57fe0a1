"""Task relu_forward: max(0, x), elementwise, any shape, x left alone."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after
from .._draws import dims, with_zeros
from ..model import Check, CheckKind, Part, Probe, Task


def draw(rng):
    shape = tuple(dims(rng, 2, 5, size=3))
    return {
        "nd": {"x": with_zeros(rng, shape)},
        "float32": {"x": rng.standard_normal((4, 7)).astype(np.float32)},
    }


CALL = Probe("forward", {"fn": "relu_forward", "args": ("x",)})

TASK = Task(
    id="relu_forward",
    function="relu_forward",
    answer="relu_forward_answer",
    points=1,
    parts=(Part("nd", CALL), Part("float32", CALL)),
    draw=draw,
    checks=(
        Check("nd", "out", CheckKind.VALUE, 3, "out for x of shape {x} (with some zeros)"),
        Check("nd", after("x"), CheckKind.UNCHANGED, 2, "x unchanged by the call", "x"),
        Check("float32", "out", CheckKind.VALUE32, 1, "out for float32 inputs"),
    ),
)
