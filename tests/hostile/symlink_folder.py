"""A symlinked submission folder: the student's folder is itself a symbolic link to the
instructor's ``solutions/`` folder, which holds ``batchnorm/BatchNormalization.ipynb`` exactly
where an nbgrader-style submission keeps its notebook.

Followed, it would grade the reference: full marks. The grader does not follow links in a
submission: nothing is graded, every autograded task gets 0. Flagged: symlink.
"""

from __future__ import annotations

from ._build import SOURCE_NOTEBOOK
from .corrupt_notebook import EXPECTED as ALL_ZERO


def build(dest):
    dest.rmdir()
    dest.symlink_to(SOURCE_NOTEBOOK.parent.parent, target_is_directory=True)


EXPECTED = dict(ALL_ZERO)
FLAG = "symlink"
NOTE = None
