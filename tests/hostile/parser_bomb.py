"""A parser bomb: relu_backward's cell starts with an expression nested a hundred thousand
deep, then defines the right relu_backward.

Neither the kernel nor the grader's static scan can build a tree from it: the kernel reports
the error and never runs the cell, so relu_backward is undefined (0; the network is re-checked
with the reference layers, full marks). The scan must not crash the grader on it either: it
flags the code for review instead.
"""

from __future__ import annotations

from ._build import answer_source, submission, write

GID = "relu_backward_answer"
BOMB = "_ = " + "-" * 100_000 + "1\n\n"


def build(dest):
    write(submission({GID: BOMB + answer_source(GID)}), dest)


EXPECTED = {"relu_backward": 0}
FLAG = "nested"
NOTE = "memoryerror"
