"""A memory bomb in batchnorm_backward_alt: it hoards 80 MB arrays until memory runs out.

The sandbox's address-space limit turns the bomb into a MemoryError raised in the student's
code, at once, instead of a machine brought down. batchnorm_backward_alt gets 0 and its
feedback names the MemoryError. The network's batch-norm check calls batchnorm_backward_alt
and fails the same way, so the network is re-checked with the reference layers: full marks.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "batchnorm_backward_alt_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            "    xhat, gamma, std = cache\n",
            "    xhat, gamma, std = cache\n"
            "    hoard = []  # 'cache every intermediate, just in case'\n"
            "    while True:\n"
            "        hoard.append(np.empty(10**7))\n",
        ),
    )
    write(submission({GID: source}), dest)


EXPECTED = {"batchnorm_backward_alt": 0}
FLAG = None
NOTE = "memoryerror"
