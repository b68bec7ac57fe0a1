"""``time.sleep(3600)`` inside layernorm_backward.

The hidden check of layernorm_backward is stopped by the watchdog: 0 there. The network's
layer-norm check calls layernorm_backward too and is stopped the same way, so the network is
re-checked with the reference layers in place of the student's and keeps its full marks. Every
other task is untouched; the feedback says the check ran too long.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "layernorm_backward_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            "    xhat, gamma, row_std = cache\n",
            "    xhat, gamma, row_std = cache\n    time.sleep(3600)\n",
        ),
    )
    write(submission({GID: source}), dest)


EXPECTED = {"layernorm_backward": 0}
FLAG = None
NOTE = "too long"
