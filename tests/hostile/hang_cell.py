"""A student's own cell at the end of the notebook that loops for ever (top level).

Every answer is the reference and every check cell comes before the endless cell, so nothing
the grader checks depends on it: the cell is stopped by the watchdog and the run goes on. Full
marks, and the notes say that the cell ran too long.
"""

from __future__ import annotations

from ._build import append_cell, student_nb, write


def build(dest):
    nb = student_nb()
    append_cell(nb, "# wait for the plots to settle\nstep = 0\nwhile True:\n    step += 1\n")
    write(nb, dest)


EXPECTED = {}
FLAG = None
NOTE = "too long"
