"""A duplicated grade_id: the student copied the check cell of affine_forward (with its
nbgrader metadata) below relu_forward's to run it again, and copied relu_backward's answer
cell above the real one to try a wrong variant first.

Stock nbgrader stops on a notebook with a duplicated grade_id. Here the last copy of each
grade_id is the graded one and earlier copies count as the student's own cells, run in order:
the real relu_backward (after the wrong try) is the one checked. Full marks; the notes say
which cells are copies.
"""

from __future__ import annotations

import copy

from ._build import cell, edit, index_of, student_nb, write


def build(dest):
    nb = student_nb()
    check = copy.deepcopy(cell(nb, "affine_forward"))
    check.id = "affine-forward-check-again"
    nb.cells.insert(index_of(nb, "relu_forward") + 1, check)
    answer = cell(nb, "relu_backward_answer")
    wrong = copy.deepcopy(answer)
    wrong.id = "relu-backward-first-try"
    wrong.source = edit(
        wrong.source, ("np.where(x > 0, dout, 0.0)", "np.where(dout > 0, dout, 0.0)")
    )
    nb.cells.insert(index_of(nb, "relu_backward_answer"), wrong)
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "copy"
