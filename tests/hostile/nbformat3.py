"""The reference notebook saved in nbformat 3 (an old Jupyter).

The file converts to nbformat 4 with its cells and their nbgrader metadata, so it is graded
like any other: full marks. The notes say it was converted from nbformat 3.
"""

from __future__ import annotations

import nbformat

from ._build import NOTEBOOK, student_nb


def build(dest):
    old = nbformat.convert(student_nb(), 3)
    nbformat.write(old, dest / NOTEBOOK, version=3)


EXPECTED = {}
FLAG = None
NOTE = "nbformat"
