"""A syntax error in one cell: relu_backward's ``def`` line lost its colon.

The cell does not compile, so relu_backward is never defined: 0 there. The network calls
relu_backward in every loss check, so it is re-checked with the reference layers: full marks.
Every other cell runs; the notes name the SyntaxError.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "relu_backward_answer"


def build(dest):
    source = edit(
        answer_source(GID), ("def relu_backward(dout, cache):", "def relu_backward(dout, cache)")
    )
    write(submission({GID: source}), dest)


EXPECTED = {"relu_backward": 0}
FLAG = None
NOTE = "syntaxerror"
