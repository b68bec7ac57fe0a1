"""Reordered cells: FullyConnectedNet's class moved to the top, layer norm's two answer cells
moved before batch norm's, and relu_forward's answer cell moved below its own check cell.

A class or function may be defined before what it calls, so the first two moves break
nothing. Run top to bottom, relu_forward is not defined yet when its check runs: relu_forward
gets 0 (NameError, explained as cells run out of order). relu_backward's check runs after the
definition, so it keeps its marks, as does every other task.
"""

from __future__ import annotations

from ._build import index_of, student_nb, write


def move(nb, gid, before_gid=None, after_gid=None):
    moved = nb.cells.pop(index_of(nb, gid))
    if before_gid is not None:
        nb.cells.insert(index_of(nb, before_gid), moved)
    else:
        nb.cells.insert(index_of(nb, after_gid) + 1, moved)


def build(dest):
    nb = student_nb()
    move(nb, "FullyConnectedNet_answer", after_gid="setup")
    move(nb, "layernorm_forward_answer", before_gid="batchnorm_intro")
    move(nb, "layernorm_backward_answer", before_gid="batchnorm_intro")
    move(nb, "relu_forward_answer", after_gid="relu_forward")
    write(nb, dest)


EXPECTED = {"relu_forward": 0}
FLAG = None
NOTE = "not defined"
