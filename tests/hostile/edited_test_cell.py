"""An edited test cell, with a genuine mistake in the function it checks.

batchnorm_backward_alt forgets the mean of the upstream gradient (``g - g.mean(axis=0)``
became ``g``): dx is wrong, dgamma and dbeta are right, so the task earns part of its points.
While debugging, the student rewrote the check cell below it (own inputs, prints, and the
hidden-test region deleted). The grader never runs check cells: their hidden checks run from
the grader's side at the cell's position, so the edit neither helps nor hurts. The network
uses batchnorm_backward_alt and is re-checked with the reference layers: full marks. The
notes say the check cell was edited.
"""

from __future__ import annotations

from ._build import answer_source, cell, edit, submission, write

GID = "batchnorm_backward_alt_answer"

EDITED_CHECK = """\
# my own check: does dx look sane?
np.random.seed(0)
x = np.random.randn(4, 5)
_, cache = batchnorm_forward(x, np.ones(5), np.zeros(5), {"mode": "train"})
dx, dgamma, dbeta = batchnorm_backward_alt(np.ones((4, 5)), cache)
print("dx", dx)
print("All public checks for batchnorm_backward_alt passed.")
"""


def build(dest):
    source = edit(answer_source(GID), ("(g - g.mean(axis=0) - xhat", "(g - xhat"))
    nb = submission({GID: source})
    cell(nb, "batchnorm_backward_alt").source = EDITED_CHECK
    write(nb, dest)


EXPECTED = {"batchnorm_backward_alt": "partial"}
FLAG = None
NOTE = "edited"
