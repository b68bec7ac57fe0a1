"""Task affine_backward: dx (x's original shape), dw and db of an affine layer."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after, numerical
from .._draws import dims
from ..model import Check, CheckKind, Dependency, ErrorHint, Mistake, Part, Probe, Task

RESHAPE = "dx must have x's original shape: reshape it back"


def draw(rng):
    def case():
        n, shape, m = dims(rng, 2, 5), tuple(dims(rng, 2, 3, size=2)), dims(rng, 2, 5)
        return {
            "x": rng.standard_normal((n, *shape)),
            "w": rng.standard_normal((int(np.prod(shape)), m)),
            "b": rng.standard_normal(m),
            "dout": rng.standard_normal((n, m)),
        }

    return {"given_cache": case(), "numeric": case()}


TASK = Task(
    id="affine_backward",
    function="affine_backward",
    answer="affine_backward_answer",
    points=3,
    parts=(
        Part(
            "given_cache",
            Probe(
                "given_cache",
                {"fn": "affine_backward", "cache": ("x", "w", "b"), "grads": ("dx", "dw", "db")},
            ),
        ),
        Part(
            "numeric",
            Probe(
                "backward",
                {
                    "forward": "affine_forward",
                    "backward": "affine_backward",
                    "args": ("x", "w", "b"),
                    "grads": ("dx", "dw", "db"),
                },
            ),
        ),
    ),
    draw=draw,
    checks=(
        Check("given_cache", "dx", CheckKind.VALUE, 3, "dx for x of shape {x}"),
        Check("given_cache", "dw", CheckKind.VALUE, 2, "dw", strict_shape=True),
        Check("given_cache", "db", CheckKind.VALUE, 2, "db", strict_shape=True),
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
        Check("numeric", "dw", CheckKind.NUMERIC, 1, "dw", numerical("dw")),
        Check("numeric", "db", CheckKind.NUMERIC, 1, "db", numerical("db")),
    ),
    mistakes=(
        Mistake("db", "db is not summed over the batch (axis 0)", lambda i, r: i["dout"]),
        Mistake(
            "db",
            "db is summed over the wrong axis: sum over the batch, axis 0",
            lambda i, r: i["dout"].sum(axis=1),
        ),
        Mistake(
            "dx",
            "dx keeps the flattened (N, D) shape: reshape it to x's shape",
            lambda i, r: i["dout"] @ i["w"].T,
        ),
    ),
    error_hints=(ErrorHint(("broadcast", "reshape"), RESHAPE),),
    shape_hints={"dx": RESHAPE},
    depends_on=(
        Dependency(
            "affine_forward", "is checked against the numerical gradient of your affine_forward"
        ),
    ),
)
