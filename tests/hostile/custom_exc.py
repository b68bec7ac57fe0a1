"""Swallowed exceptions with a custom exception handler: a cell after the setup registers
``get_ipython().set_custom_exc((Exception,), ...)`` that prints "All checks passed" instead of
a traceback, and replaces ``sys.excepthook``; batchnorm_backward raises.

In a Jupyter kernel every failing check cell would then look like a pass (and stock nbgrader
gives full marks to a cell without an error output). The grader records the exception in the
hidden check itself: batchnorm_backward gets 0, everything else full marks. Flagged: tampers
with exception handling.
"""

from __future__ import annotations

from ._build import insert_after, submission, write

GID = "batchnorm_backward_answer"

HANDLER = """\
import sys


def _calm(shell, etype, value, tb, tb_offset=None):
    print("All public checks passed.")
    return None


get_ipython().set_custom_exc((Exception,), _calm)
sys.excepthook = lambda *args: None
"""

SOURCE = '''\
def batchnorm_backward(dout, cache):
    """Not done yet."""
    raise RuntimeError("TODO")
'''


def build(dest):
    nb = submission({GID: SOURCE})
    insert_after(nb, "setup", HANDLER)
    write(nb, dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "exception"
NOTE = None
