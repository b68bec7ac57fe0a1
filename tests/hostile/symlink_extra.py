"""Symlinks beside the notebook: the student's own notebook (a wrong guess for
batchnorm_backward) comes with ``reference.ipynb`` and ``cs231n`` linking to the instructor's
notebook and helper folder, hoping the grader copies the folder and the code can read them.

Only the notebook itself is graded: batchnorm_backward gets 0, every other task full marks.
Flagged: the submission holds symlinks to files outside it.
"""

from __future__ import annotations

from ._build import SOURCE_NOTEBOOK, guess, submission, write

GID = "batchnorm_backward_answer"


def build(dest):
    write(submission({GID: guess("batchnorm_backward")}), dest)
    (dest / "reference.ipynb").symlink_to(SOURCE_NOTEBOOK)
    (dest / "cs231n").symlink_to(SOURCE_NOTEBOOK.parent / "cs231n", target_is_directory=True)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "symlink"
NOTE = None
