"""A missing notebook: the folder holds only the student's exported answers as a ``.py``.

Nothing is graded: every autograded task gets 0, and the notes say there is no
BatchNormalization.ipynb in the submission.
"""

from __future__ import annotations

from ._build import answer_source
from .corrupt_notebook import EXPECTED as ALL_ZERO


def build(dest):
    (dest / "batchnorm_answers.py").write_text(answer_source("affine_forward_answer"))


EXPECTED = dict(ALL_ZERO)
FLAG = None
NOTE = "no batchnormalization.ipynb"
