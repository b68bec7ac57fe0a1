"""Monkeypatched numpy: the cell of batchnorm_backward replaces ``np.allclose``,
``np.isclose``, ``np.testing.assert_allclose`` and ``np.linalg.norm`` with functions that
always report a match, then defines a wrong batchnorm_backward.

The student's numpy lives in the sandbox; the comparison uses the grader's own numpy outside
it. batchnorm_backward gets 0 (no other task uses it), everything else full marks. Flagged:
patches numpy.
"""

from __future__ import annotations

from ._build import guess, submission, write

GID = "batchnorm_backward_answer"

PATCH = """\
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *args, **kwargs: None
np.linalg.norm = lambda *args, **kwargs: 0.0


"""


def build(dest):
    write(submission({GID: PATCH + guess("batchnorm_backward")}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "numpy"
NOTE = None
