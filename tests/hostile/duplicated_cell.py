"""A duplicated cell: the answer cell of affine_backward appears twice in a row (copy-paste,
same grade_id and metadata).

Run top to bottom, the second copy defines the same function again: nothing breaks, full
marks. The notes say that one cell is a copy.
"""

from __future__ import annotations

import copy

from ._build import index_of, student_nb, write


def build(dest):
    nb = student_nb()
    at = index_of(nb, "affine_backward_answer")
    twin = copy.deepcopy(nb.cells[at])
    twin.id = "copy-of-affine-backward"
    nb.cells.insert(at + 1, twin)
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "copy"
