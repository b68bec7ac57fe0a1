"""The right notebook under the wrong file name (``batchnorm.ipynb``).

It is the only notebook in the folder, so it is graded: full marks, and the notes say it
should be named as in the release.
"""

from __future__ import annotations

from ._build import student_nb, write


def build(dest):
    write(student_nb(), dest, "batchnorm.ipynb")


EXPECTED = {}
FLAG = None
NOTE = "named"
