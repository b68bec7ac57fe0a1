"""A loop that never ends, inside batchnorm_backward.

The student's staged backward starts with ``while True: pass`` (a convergence loop whose exit
condition never holds). The watchdog stops the hidden check of batchnorm_backward after its
few seconds; the run resumes after it. batchnorm_backward is used by no other task, so only it
is lost: 0 there, full marks elsewhere, and the feedback says the check ran too long.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "batchnorm_backward_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            "    xhat, gamma, std = cache\n",
            "    xhat, gamma, std = cache\n    while True:\n        pass\n",
        ),
    )
    write(submission({GID: source}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = None
NOTE = "too long"
