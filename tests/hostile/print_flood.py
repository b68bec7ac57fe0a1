"""Megabytes of printing: a debugging print of 10 MB in batchnorm_backward, and a cell that
prints 30 MB of progress lines at the end of the notebook.

Printing breaks nothing: the grader keeps a capped prefix of the output and discards the rest
without blocking, and every answer is right. Full marks; the notes say that much was printed
and the rest was discarded.
"""

from __future__ import annotations

from ._build import answer_source, append_cell, edit, submission, write

GID = "batchnorm_backward_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            "    return dx, dgamma, dbeta",
            '    print("dx", "#" * 10_000_000)\n    return dx, dgamma, dbeta',
        ),
    )
    nb = submission({GID: source})
    append_cell(nb, 'for i in range(300_000):\n    print(f"progress {i:>10}", "." * 80)\n')
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "printed"
