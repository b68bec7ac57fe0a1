"""A segmentation fault inside relu_backward (``faulthandler._sigsegv()``, a real SIGSEGV).

The process is killed by signal 11 in each check that calls relu_backward: its own two, and the
network's three loss checks. Each crash is blamed on its check and the run resumes after it.
relu_backward gets 0; the network is re-checked with the reference layers: full marks. Every
other task full marks; the feedback names the signal.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "relu_backward_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            "    dx, x = None, cache\n",
            "    dx, x = None, cache\n    import faulthandler\n    faulthandler._sigsegv()\n",
        ),
    )
    write(submission({GID: source}), dest)


EXPECTED = {"relu_backward": 0}
FLAG = None
NOTE = "signal"
