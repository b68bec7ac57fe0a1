"""Task relu_backward: the upstream gradient where x > 0, and 0 elsewhere."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after, numerical
from .._draws import dims, with_zeros
from ..model import Check, CheckKind, Convention, Dependency, Mistake, Part, Probe, Task

AT_ZERO = (
    "ReLU's gradient at exactly x == 0 is a convention the mathematics leaves open: this "
    "course uses 0 there (the mask x > 0), yours passes dout there (x >= 0). It costs a "
    "quarter of this task"
)


def draw(rng):
    shape = tuple(dims(rng, 3, 6, size=2))
    x = with_zeros(rng, shape)
    # finite differences are wrong at a kink: the numeric part keeps away from 0
    x_smooth = rng.standard_normal(shape)
    x_smooth[np.abs(x_smooth) < 0.05] = 0.5
    return {
        "given_cache": {"x": x, "dout": rng.standard_normal(shape)},
        "numeric": {"x": x_smooth, "dout": rng.standard_normal(shape)},
    }


TASK = Task(
    id="relu_backward",
    function="relu_backward",
    answer="relu_backward_answer",
    points=2,
    parts=(
        Part(
            "given_cache",
            Probe("given_cache", {"fn": "relu_backward", "cache": ("x",), "grads": ("dx",)}),
        ),
        Part(
            "numeric",
            Probe(
                "backward",
                {
                    "forward": "relu_forward",
                    "backward": "relu_backward",
                    "args": ("x",),
                    "grads": ("dx",),
                },
            ),
        ),
    ),
    draw=draw,
    checks=(
        Check("given_cache", "dx", CheckKind.VALUE, 3, "dx (x has some exact zeros)"),
        Check(
            "given_cache",
            after("dout"),
            CheckKind.UNCHANGED,
            1,
            "dout unchanged by the call",
            "dout",
        ),
        Check(
            "given_cache",
            after("cache_x"),
            CheckKind.UNCHANGED,
            1,
            "the cache (x) unchanged by the call",
            "x",
        ),
        Check("numeric", "dx", CheckKind.NUMERIC, 1, "dx", numerical("dx")),
    ),
    mistakes=(
        Mistake(
            "dx",
            "the ReLU mask is taken from dout instead of x",
            lambda i, r: i["dout"] * (i["dout"] > 0),
        ),
        Mistake(
            "dx",
            "dx is the mask alone: multiply the mask by dout",
            lambda i, r: (i["x"] > 0).astype(float),
        ),
    ),
    conventions=(Convention("dx", AT_ZERO, lambda i, r: i["dout"] * (i["x"] >= 0)),),
    depends_on=(
        Dependency(
            "relu_forward", "is checked against the numerical gradient of your relu_forward"
        ),
    ),
)
