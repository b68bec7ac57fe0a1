"""Task dropout_backward: the upstream gradient through the forward's own mask, scaled by 1/p
like the kept units; unchanged in test mode.

The mask is the student's own (the forward's cache), so the backward is judged against what
that mask gives (dout * out / x) and against the numerical gradient of the forward with its
seed fixed, not against the reference's mask."""

from __future__ import annotations

import numpy as np

from .._draws import dims
from ..model import Bounds, Check, CheckKind, Dependency, Mistake, Part, Probe, Task
from . import _law

FN, FORWARD = "dropout_backward", "dropout_forward"


def draw(rng):
    p = np.array(_law.keep_probability(rng))
    shape = (dims(rng, 20, 30), dims(rng, 20, 30))  # 400 units at least
    return {
        "grads": {
            "x": rng.uniform(1.0, 3.0, shape) * rng.choice([-1, 1], shape),  # no zero
            "dout": rng.standard_normal(shape),
            "p": p,
            "seed": np.array(rng.integers(0, 2**20)),
        },
        "test": {"x": rng.standard_normal(shape), "dout": rng.standard_normal(shape), "p": p},
    }


def _dropped(i) -> int:
    """Units a mask drops at the least, with all but DELTA's chance: the bound on a new mask's
    zeros needs as many."""
    return max(1, int(np.size(i["x"]) * (1 - float(i["p"])) / 2))


TASK = Task(
    id="dropout_backward",
    function=FN,
    answer="dropout_backward_answer",
    points=3,
    parts=(
        Part("grads", Probe("dropout_grads", {"forward": FORWARD, "backward": FN})),
        Part("test", Probe("dropout_test_backward", {"forward": FORWARD, "backward": FN})),
    ),
    draw=draw,
    checks=(
        Check(
            "grads",
            "dx",
            CheckKind.NUMERIC,
            3,
            "dx through your forward's own mask (dout * mask / p)",
            "dx_own",
            primary=True,
        ),
        Check("grads", "dx", CheckKind.NUMERIC, 1, "dx (the seed fixed)", "dx_num"),
        Check(
            "grads",
            "dropped_zero",
            CheckKind.BOUND,
            1,
            "the fraction of dropped units whose gradient is 0",
            bounds=lambda i: Bounds(1.0, 1.0),
        ),
        Check(
            "grads",
            "scale_vs_forward",
            CheckKind.VALUE,
            1,
            "the scale of the kept units' gradient over your forward's scale of them (1)",
        ),
        Check(
            "test", "dx", CheckKind.VALUE, 1, "test-mode dx (dout, unchanged)", primary=False
        ),  # the release gives this line: it earns nothing alone
    ),  # fmt: skip
    mistakes=(
        Mistake(
            "dx",
            "dx ignores the mask: multiply dout by the forward's mask (in the cache)",
            lambda i, r: i["dout"],
            part="grads",
        ),
        Mistake(
            "dropped_zero",
            "the backward draws a mask of its own: use the forward's, kept in the cache",
            lambda i, r: _law.fraction_bounds(1 - float(i["p"]), _dropped(i)),
        ),
        Mistake(
            "scale_vs_forward",
            "the gradient is not scaled by 1/p as the forward's kept units are: keep mask / p "
            "in the cache, or divide by p",
            lambda i, r: np.array(float(i["p"])),
        ),
    ),  # fmt: skip
    depends_on=(
        Dependency("dropout_forward", "is checked through the cache of your dropout_forward"),
    ),  # fmt: skip
    rerun_with_reference=("grads", "test"),
    rerun_note="Cause upstream: {failed} did not get full marks, so your backward was checked "
    "again with the reference's dropout_forward in place of yours: a mistake there costs points "
    "only there",
)
