"""Retyped cells: the answer cell of batchnorm_backward_alt was turned into Markdown and the
check cell of affine_forward into a raw cell (a stray key press in Jupyter).

The grader gives every cell the assignment knows its release type back, so both run as code:
nothing is lost, full marks. The notes say which cell was turned into what.
"""

from __future__ import annotations

import nbformat

from ._build import index_of, student_nb, write


def retype(nb, gid, make):
    at = index_of(nb, gid)
    old = nb.cells[at]
    new = make(old.source)
    new.metadata = old.metadata
    new.id = old.id
    nb.cells[at] = new


def build(dest):
    nb = student_nb()
    retype(nb, "batchnorm_backward_alt_answer", nbformat.v4.new_markdown_cell)
    retype(nb, "affine_forward", nbformat.v4.new_raw_cell)
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "turned into"
