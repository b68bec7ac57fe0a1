"""Dropout submissions for the tests: correct implementations that draw their masks in other
ways or keep other caches, and the mistakes students make, each with the task it must cost and
the words its feedback must say.

Each is a full submission (``corpus.student_nb``: the release with the reference's answers)
with answer cells edited, written as a student would write the lines.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from autograder.layout import get
from support.corpus import cell, edit, student_nb

DROPOUT = get("dropout")


def _lines(indent: int, *lines: str) -> str:
    return "\n".join(" " * indent + line for line in lines)


FORWARD_TRAIN = _lines(8, "mask = (np.random.rand(*x.shape) < p) / p", "out = x * mask")
FORWARD_TEST = _lines(8, "# Test mode: dropout does nothing.", "out = x")
BACKWARD_TRAIN = _lines(8, "dx = dout * mask")
SCORES = _lines(
    8, 'scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])'
)
RELU = _lines(12, "h, relu_cache = relu_forward(h)")
DROP = _lines(12, "dropout_cache = None", "if self.use_dropout:",
              "    h, dropout_cache = dropout_forward(h, self.dropout_param)")  # fmt: skip
BACK_DROP = _lines(12, "if self.use_dropout:", "    dh = dropout_backward(dh, dropout_cache)")
BACK_RELU = _lines(12, "dh = relu_backward(dh, relu_cache)")


@dataclass(frozen=True)
class Variant:
    name: str
    answers: dict[str, list[tuple[str, str]]]  # answer cell -> (old, new) edits
    task: str = ""  # a mistake: the task that loses points
    words: str = ""  # what its feedback says
    also: tuple[str, ...] = field(default=())  # other tasks it may cost (it calls the function)


def _forward(*train: str, test: str | None = None) -> dict:
    edits = [(FORWARD_TRAIN, _lines(8, *train))] if train else []
    if test is not None:
        edits.append((FORWARD_TEST, _lines(8, test)))
    return {"dropout_forward_answer": edits}


def _backward(*train: str) -> dict:
    return {"dropout_backward_answer": [(BACKWARD_TRAIN, _lines(8, *train))]}


def _net(old: str, new: str) -> dict:
    return {"FullyConnectedNet_answer": [(old, new)]}


BOOLEAN_MASK = ("mask = np.random.rand(*x.shape) < p", "out = x * mask / p")

CORRECT = (
    Variant("binomial", _forward("mask = np.random.binomial(1, p, size=x.shape) / p",
                                 "out = x * mask")),
    Variant("uniform_astype", _forward(
        "mask = (np.random.uniform(0, 1, x.shape) < p).astype(x.dtype) / p", "out = x * mask")),
    Variant("random_state", _forward("rng = np.random.RandomState(dropout_param.get('seed'))",
                                     "mask = (rng.rand(*x.shape) < p) / p", "out = x * mask")),
    Variant("default_rng", _forward("rng = np.random.default_rng(dropout_param.get('seed'))",
                                    "mask = (rng.random(x.shape) < p) / p", "out = x * mask")),
    Variant("boolean_mask_in_cache", {
        **_forward(*BOOLEAN_MASK),
        **_backward("dx = np.where(mask, dout / dropout_param['p'], 0.0)"),
    }),
    Variant("net_drops_before_relu", {"FullyConnectedNet_answer": [
        (f"{RELU}\n{DROP}", f"{DROP}\n{RELU}"),
        (f"{BACK_DROP}\n{BACK_RELU}", f"{BACK_RELU}\n{BACK_DROP}"),
    ]}),
)  # fmt: skip
"""Correct dropouts: full marks in every task."""

KEEP = "p is the probability of KEEPING a unit"
MISTAKES = (
    Variant("keep_is_drop", _forward("mask = (np.random.rand(*x.shape) >= p) / p",
                                     "out = x * mask"), "dropout_forward", KEEP),
    Variant("pytorch_convention", _forward("mask = (np.random.rand(*x.shape) > p) / (1 - p)",
                                           "out = x * mask"), "dropout_forward", KEEP),
    Variant("not_inverted", _forward("mask = np.random.rand(*x.shape) < p", "out = x * mask",
                                     test="out = x * p"),
            "dropout_forward", "your dropout is not inverted"),
    Variant("mask_in_test_mode", _forward(test="out = x * (np.random.rand(*x.shape) < p) / p"),
            "dropout_forward", "test mode drops units"),
    Variant("seed_ignored", _forward("mask = (np.random.default_rng().random(x.shape) < p) / p",
                                     "out = x * mask"),
            "dropout_forward", "the seed does not decide the mask"),
    Variant("backward_without_mask", _backward("dx = dout"),
            "dropout_backward", "dx ignores the mask"),
    Variant("backward_new_mask", _backward(
        "p = dropout_param['p']", "dx = dout * (np.random.rand(*dout.shape) < p) / p"),
            "dropout_backward", "the backward draws a mask of its own"),
    Variant("backward_without_1_over_p",
            {**_forward(*BOOLEAN_MASK), **_backward("dx = dout * mask")},
            "dropout_backward", "the gradient is not scaled by 1/p"),
    Variant("dropout_on_the_scores", _net(SCORES, SCORES + "\n" + _lines(
        8, "if self.use_dropout:", "    scores, _ = dropout_forward(scores, self.dropout_param)")),
            "FullyConnectedNet", "dropout on the scores"),
    Variant("net_passes_the_drop_probability",
            _net('"p": dropout_keep_ratio', '"p": 1 - dropout_keep_ratio'),
            "FullyConnectedNet", "dropout is given the probability of dropping"),
    Variant("net_ignores_its_seed", _net('self.dropout_param["seed"] = seed', "pass"),
            "FullyConnectedNet", "the net's seed does not reach dropout"),
    Variant("net_drops_at_test_time",
            _net('self.dropout_param["mode"] = mode', 'self.dropout_param["mode"] = "train"'),
            "FullyConnectedNet", "test mode (loss(X) without y) still drops units"),
)  # fmt: skip
"""Mistakes: each loses points in its own task, named there, and costs no other task."""


def notebook(variant: Variant):
    """The submission of ``variant``."""
    nb = student_nb(DROPOUT)
    for gid, edits in variant.answers.items():
        cell(nb, gid).source = edit(cell(nb, gid).source, *edits)
    return copy.deepcopy(nb)
