"""``os._exit(3)`` inside batchnorm_backward: the process ends with no exception to catch.

The grader sees the process die during batchnorm_backward's hidden check, blames that check,
and relaunches after it. batchnorm_backward gets 0 (no other task uses it), every other task
full marks; the feedback gives the exit code.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "batchnorm_backward_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            "    xhat, gamma, std = cache\n",
            "    xhat, gamma, std = cache\n    import os\n    os._exit(3)\n",
        ),
    )
    write(submission({GID: source}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = None
NOTE = "code 3"
