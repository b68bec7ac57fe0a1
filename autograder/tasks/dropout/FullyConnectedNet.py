"""Task FullyConnectedNet (dropout): {affine - relu - dropout} x (L - 1) - affine - softmax,
dropout in train mode only, its mask decided by the net's seed.

A net that calls a random function can be compared with the reference's values only where both
draw alike, so its probes run with the reference's dropout in place of the student's
(``with_reference``): the net's loss, gradients and scores are then exact, and the student's
dropout is graded in its own tasks. How the net calls dropout is recorded on the side."""

from __future__ import annotations

import numpy as np

from .._draws import dims
from ..model import Check, CheckKind, Mistake, Part, Probe, Task
from . import _law

CLASS = "FullyConnectedNet"
DROPOUT = "dropout_forward"


def draw(rng):
    d, c = dims(rng, 5, 9), dims(rng, 3, 6)
    hidden = np.array([dims(rng, 10, 14), dims(rng, 15, 20)])  # different sizes, not c
    n = dims(rng, 6, 10)
    sizes = [d, *hidden, c]
    case = {
        "hidden_dims": hidden,
        "num_classes": np.array(c),
        "reg": np.array(rng.uniform(0.1, 1.0)),
        "weight_scale": np.array(0.1),
        "train_steps": np.array(2),
        "p": np.array(_law.keep_probability(rng)),
        "seed": np.array(rng.integers(0, 2**20)),
        "X": rng.standard_normal((n, d)) * 2 + 1,
        "y": rng.integers(0, c, n),
        "X_test": rng.standard_normal((n - 2, d)) * 2 + 1,
    }
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
        case[f"param_W{layer}"] = rng.standard_normal((fan_in, fan_out)) * 0.3
        case[f"param_b{layer}"] = rng.standard_normal(fan_out) * 0.1
    return {"calls": dict(case), "dropout": dict(case)}


def _hidden(inp) -> int:
    return len(inp["hidden_dims"])


TASK = Task(
    id="FullyConnectedNet",
    function=CLASS,
    answer="FullyConnectedNet_answer",
    points=4,
    parts=(
        Part("calls", Probe("dropout_calls", {"cls": CLASS, "dropout": DROPOUT})),
        Part(
            "dropout",
            Probe(
                "net_loss",
                {
                    "cls": CLASS,
                    "kwargs": {"normalization": None, "dropout_keep_ratio": "@p", "seed": "@seed"},
                },
            ),
        ),
    ),  # fmt: skip
    draw=draw,
    checks=(
        Check(
            "calls",
            "train_calls",
            CheckKind.VALUE,
            1,
            "dropout calls in a train-mode loss (one per hidden layer)",
        ),
        Check(
            "calls",
            "widths",
            CheckKind.VALUE,
            1,
            "what dropout is applied to (each hidden layer's ReLU output)",
        ),
        Check(
            "calls",
            "keep_ratio",
            CheckKind.VALUE,
            1,
            "the keep ratio dropout is given",
            hint="pass the net's dropout_keep_ratio as dropout_param['p']",
        ),
        Check(
            "calls",
            "seeded",
            CheckKind.VALUE,
            1,
            "the seed dropout is given",
            hint="the net's seed does not reach dropout: put it in dropout_param['seed']",
        ),
        Check(
            "calls",
            "test_train_calls",
            CheckKind.VALUE,
            1,
            "train-mode dropout calls in a test-mode loss (none)",
            hint="test mode (loss(X) without y) still drops units: set "
            "dropout_param['mode'] to 'test' before the forward pass",
        ),
        Check("dropout", "loss", CheckKind.VALUE, 1, "loss with dropout (the seed fixed)"),
        Check(
            "dropout",
            "grad_*",
            CheckKind.VALUE,
            2,
            "gradients with dropout (the seed fixed)",
            hint="where the loss is right and these are not, check the backward pass of each "
            "hidden layer, last to first: dropout_backward with that layer's cache, then "
            "relu_backward, then the affine's",
        ),
        Check("dropout", "scores", CheckKind.VALUE, 1, "test-mode scores (no dropout)"),
    ),  # fmt: skip
    mistakes=(
        Mistake(
            "widths",
            "dropout on the scores: apply it after each hidden ReLU only, not after the last "
            "affine",
            lambda i, r: np.array([*(int(h) for h in i["hidden_dims"]), int(i["num_classes"])]),
        ),
        Mistake(
            "train_calls",
            "dropout on the scores: apply it after each hidden ReLU only, not after the last "
            "affine",
            lambda i, r: np.array(_hidden(i) + 1),
        ),
        Mistake(
            "train_calls",
            "the net never calls dropout_forward in train mode",
            lambda i, r: np.array(0),
        ),
        Mistake(
            "keep_ratio",
            "dropout is given the probability of dropping: dropout_keep_ratio is already the "
            "probability of keeping (p)",
            lambda i, r: np.full(_hidden(i), 1 - float(i["p"])),
        ),
    ),  # fmt: skip
    with_reference=("dropout_forward", "dropout_backward"),
    public=("calls",),  # the net's values hold only with the reference's dropout in place
)
