"""Task dropout_forward: inverted dropout, each unit kept with probability p (CS231n's
convention), scaled at training time; the identity at test time; the seed decides the mask.

Its output is random, so the checks bound statistics of it (``_law.py``), which every correct
dropout shares whatever its random calls, instead of comparing it with the reference's."""

from __future__ import annotations

import numpy as np

from .._draws import dims
from ..model import Bounds, Check, CheckKind, Mistake, Part, Probe, Task
from . import _law

FN = "dropout_forward"
DROP = "p is the probability of KEEPING a unit (CS231n's convention): yours drops with it"
NOT_INVERTED = (
    "your dropout is not inverted: scale the kept units by 1/p at training time (mask / p), "
    "so that test mode is the identity"
)
TEST_MASK = "test mode drops units: at test time dropout is the identity (out = x)"


def draw(rng):
    p = np.array(_law.keep_probability(rng))
    law_x = rng.uniform(1.0, 3.0, (dims(rng, 300, 400), dims(rng, 400, 500)))  # positive

    def normal(low, high, dtype=np.float64):
        shape = (dims(rng, low, high), dims(rng, low, high))
        return (rng.standard_normal(shape) + 2).astype(dtype)

    seed = np.array(rng.integers(0, 2**20))
    return {
        "law": {"x": law_x, "p": p},
        "test": {"x": normal(150, 200), "p": p},  # 22500 units at least: a mask shows
        "seed": {"x": normal(20, 30), "p": p, "seed": seed},  # 400 units: two masks differ
        "float32": {"x": normal(4, 9, np.float32), "p": p},
    }


def _dropped_ratio(i) -> float:
    """The mean ratio of a dropout that keeps with probability 1 - p and scales by 1/p."""
    return (1 - float(i["p"])) / float(i["p"])


def _units(i) -> int:
    return int(np.size(i["x"]))


TASK = Task(
    id="dropout_forward",
    function=FN,
    answer="dropout_forward_answer",
    points=4,
    parts=(
        Part("law", Probe("dropout_law", {"fn": FN})),
        Part("test", Probe("dropout_test", {"fn": FN})),
        Part("seed", Probe("dropout_seed", {"fn": FN})),
        Part(
            "float32",
            Probe("forward", {"fn": FN, "args": ("x",), "param": {"mode": "test", "p": "@p"}}),
        ),
    ),  # fmt: skip
    draw=draw,
    checks=(
        Check(
            "law",
            "kept_fraction",
            CheckKind.BOUND,
            3,
            "the fraction of units kept in train mode, for a keep probability p",
            bounds=lambda i: _law.fraction_bounds(float(i["p"]), _units(i)),
        ),
        Check(
            "law",
            "kept_scale",
            CheckKind.VALUE,
            2,
            "the scale of the kept units in train mode (1/p: inverted dropout)",
        ),
        Check(
            "law",
            "mean_ratio",
            CheckKind.BOUND,
            1,
            "the mean of the output over the mean of the input in train mode (kept at 1)",
            bounds=lambda i: _law.mean_ratio_bounds(i["x"], float(i["p"])),
        ),
        Check("test", "out", CheckKind.VALUE, 2, "test-mode out for x of shape {x} (the identity)"),
        Check(
            "test",
            "kept_fraction",
            CheckKind.BOUND,
            1,
            "the fraction of units test mode keeps",
            bounds=lambda i: Bounds(1.0, 1.0),
        ),
        Check(
            "seed",
            "same_seed",
            CheckKind.VALUE,
            1,
            "the same seed gives the same output",
            hint="the seed does not decide the mask: draw it with np.random, which the given "
            "line seeds (np.random.seed(dropout_param['seed']))",
        ),
        Check(
            "seed",
            "seeds_differ",
            CheckKind.VALUE,
            1,
            "two seeds give different outputs",
            hint="the mask does not change with the seed: draw it anew at every call",
        ),
        Check("float32", "out", CheckKind.VALUE32, 1, "test-mode out for float32 inputs"),
    ),  # fmt: skip
    mistakes=(
        Mistake(
            "kept_fraction",
            DROP,
            lambda i, r: _law.fraction_bounds(1 - float(i["p"]), _units(i)),
            part="law",
        ),
        Mistake("kept_scale", NOT_INVERTED, lambda i, r: np.array(1.0)),
        Mistake(
            "kept_scale",
            "the kept units are scaled by p: divide by p (mask / p)",
            lambda i, r: np.array(float(i["p"])),
        ),
        Mistake(
            "mean_ratio",
            DROP,
            lambda i, r: _law.mean_ratio_bounds(i["x"], float(i["p"]), _dropped_ratio(i)),
        ),
        Mistake(
            "mean_ratio",
            NOT_INVERTED,
            lambda i, r: _law.mean_ratio_bounds(i["x"], float(i["p"]), float(i["p"])),
        ),
        Mistake("kept_scale", DROP, lambda i, r: np.array(1 / (1 - float(i["p"]))), part="law"),
        Mistake("out", NOT_INVERTED, lambda i, r: i["x"] * float(i["p"])),
        Mistake(
            "kept_fraction",
            TEST_MASK,
            lambda i, r: _law.fraction_bounds(float(i["p"]), _units(i)),
            part="test",
        ),
    ),  # fmt: skip
    public=("seed", "float32"),  # the law's and test mode's inputs are large: the check cell
    # tests them itself (CS231n's statistics, with Hoeffding's bounds)
)
