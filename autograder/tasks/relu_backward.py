"""Task relu_backward: the upstream gradient where x > 0, and 0 elsewhere."""

from __future__ import annotations

import numpy as np

from ._draws import dims, with_zeros
from .model import Check, CheckKind, Mistake, Part, Probe, Task


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
            Probe(
                "backward_given_cache", {"fn": "relu_backward", "cache": ("x",), "grads": ("dx",)}
            ),
        ),  # fmt: skip
        Part(
            "numeric",
            Probe(
                "backward_numeric",
                {
                    "forward": "relu_forward",
                    "backward": "relu_backward",
                    "args": ("x",),
                    "grads": ("dx",),
                },
            ),  # fmt: skip
        ),
    ),
    draw=draw,
    checks=(
        Check("given_cache", "dx", CheckKind.VALUE, 3, "dx (x has some exact zeros)"),
        Check(
            "given_cache",
            "dout_after",
            CheckKind.UNCHANGED,
            1,
            "dout unchanged by the call",
            "dout",
        ),  # fmt: skip
        Check("numeric", "dx", CheckKind.NUMERIC, 1, "dx", "dx_num"),
    ),
    mistakes=(
        Mistake(
            "dx",
            "the ReLU mask is taken from dout instead of x",
            lambda i, r: i["dout"] * (i["dout"] > 0),
        ),
        Mistake(
            "dx",
            "the gradient passes where x == 0: use x > 0, not x >= 0",
            lambda i, r: i["dout"] * (i["x"] >= 0),
        ),
        Mistake(
            "dx",
            "dx is the mask alone: multiply the mask by dout",
            lambda i, r: (i["x"] > 0).astype(float),
        ),
    ),
)
