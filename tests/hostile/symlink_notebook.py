"""A symlink that points at instructor files: the submitted ``BatchNormalization.ipynb`` is a
symbolic link to the instructor's notebook on the grading machine.

Followed, it would grade the reference: full marks. The grader does not follow links in a
submission: nothing is graded, every autograded task gets 0. Flagged: symlink.
"""

from __future__ import annotations

from ._build import NOTEBOOK, SOURCE_NOTEBOOK
from .corrupt_notebook import EXPECTED as ALL_ZERO


def build(dest):
    (dest / NOTEBOOK).symlink_to(SOURCE_NOTEBOOK)


EXPECTED = dict(ALL_ZERO)
FLAG = "symlink"
NOTE = None
