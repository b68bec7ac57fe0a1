"""Changed nbgrader metadata: the network's check cell claims 80 points, affine_forward's
check cell says it is not graded, relu_forward's answer cell is marked locked and not a
solution, and the first inline question's answer is worth 30 points.

The grader puts the release's metadata back on every cell the assignment knows, so points and
roles are the instructor's: full marks, and a maximum of 55 like everyone else. The notes say
the metadata was changed and restored.
"""

from __future__ import annotations

from ._build import cell, student_nb, write


def build(dest):
    nb = student_nb()
    cell(nb, "FullyConnectedNet").metadata["nbgrader"]["points"] = 80
    cell(nb, "affine_forward").metadata["nbgrader"]["grade"] = False
    meta = cell(nb, "relu_forward_answer").metadata["nbgrader"]
    meta.update(locked=True, solution=False)
    cell(nb, "inline_question_1").metadata["nbgrader"]["points"] = 30
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "metadata"
