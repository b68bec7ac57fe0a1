"""Task affine_forward: out = x w + b, each example of x flattened to a row."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after
from .._draws import dims
from ..model import Check, CheckKind, ErrorHint, Mistake, Part, Probe, Task


def draw(rng):
    def case(shape, dtype=np.float64):
        n, m = dims(rng, 2, 5), dims(rng, 2, 6)
        return {
            "x": rng.standard_normal((n, *shape)).astype(dtype),
            "w": rng.standard_normal((int(np.prod(shape)), m)).astype(dtype),
            "b": rng.standard_normal(m).astype(dtype),
        }

    return {
        "nd": case(tuple(dims(rng, 2, 4, size=2))),
        "flat": case((int(dims(rng, 3, 8)),)),
        "float32": case(tuple(dims(rng, 2, 4, size=3)), np.float32),
    }


CALL = Probe("forward", {"fn": "affine_forward", "args": ("x", "w", "b")})

TASK = Task(
    id="affine_forward",
    function="affine_forward",
    answer="affine_forward_answer",
    points=2,
    parts=(Part("nd", CALL), Part("flat", CALL), Part("float32", CALL)),
    draw=draw,
    checks=(
        Check("nd", "out", CheckKind.VALUE, 3, "out for x of shape {x}"),
        Check("nd", after("x"), CheckKind.UNCHANGED, 1, "x unchanged by the call", "x"),
        Check("flat", "out", CheckKind.VALUE, 2, "out for x of shape {x}"),
        Check("float32", "out", CheckKind.VALUE32, 1, "out for float32 inputs"),
    ),
    mistakes=(
        Mistake(
            "out",
            "the bias b is not added",
            lambda i, r: i["x"].reshape(i["x"].shape[0], -1) @ i["w"],
        ),
    ),
    error_hints=(
        ErrorHint(
            ("align", "mismatch"),
            "x must be flattened to rows (N, D) before the product: x.reshape(N, -1)",
        ),
    ),
)
