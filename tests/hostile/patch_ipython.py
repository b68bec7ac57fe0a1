"""Monkeypatched IPython: the cell of batchnorm_backward silences IPython's traceback display
(``InteractiveShell.showtraceback`` and the verbose traceback formatter) so that a failing
check cell would look clean, then defines a batchnorm_backward that raises.

The student's code does not run in an IPython kernel at grading; the hidden checks record the
exception whatever IPython would have shown. batchnorm_backward gets 0, everything else full
marks. Flagged: patches IPython.
"""

from __future__ import annotations

from ._build import submission, write

GID = "batchnorm_backward_answer"

SOURCE = '''\
import IPython
import IPython.core.ultratb

IPython.core.interactiveshell.InteractiveShell.showtraceback = lambda self, *a, **k: None
IPython.core.ultratb.VerboseTB.structured_traceback = lambda self, *a, **k: []


def batchnorm_backward(dout, cache):
    """Not done yet; the traceback will not show."""
    raise ValueError("shapes do not broadcast")
'''


def build(dest):
    write(submission({GID: SOURCE}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "ipython"
NOTE = None
