"""A deleted test cell: the check cell of layernorm_backward is gone; the answer is right.

The hidden checks do not live in the student's notebook, so they still run (at the end of the
run, where the missing cell's task is checked): full marks. The notes say the check cell is
missing.
"""

from __future__ import annotations

from ._build import index_of, student_nb, write


def build(dest):
    nb = student_nb()
    del nb.cells[index_of(nb, "layernorm_backward")]
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "missing"
