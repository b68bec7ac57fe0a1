"""Swallowed exceptions by replacing ``run_cell``: a cell after the setup wraps the shell's
``run_cell`` so that a cell that fails is re-run as ``pass``; batchnorm_backward raises.

The grader does not execute cells through IPython, so the wrapper is never called; the hidden
check records the exception: batchnorm_backward gets 0, everything else full marks. Flagged:
tampers with exception handling.
"""

from __future__ import annotations

from ._build import insert_after, submission, write

GID = "batchnorm_backward_answer"

WRAPPER = """\
_shell = get_ipython()
_original_run_cell = _shell.run_cell


def _forgiving_run_cell(raw_cell, *args, **kwargs):
    result = _original_run_cell(raw_cell, *args, **kwargs)
    if result.error_in_exec is not None:
        return _original_run_cell("pass", *args, **kwargs)
    return result


_shell.run_cell = _forgiving_run_cell
"""

SOURCE = '''\
def batchnorm_backward(dout, cache):
    """Not done yet."""
    raise RuntimeError("TODO")
'''


def build(dest):
    nb = submission({GID: SOURCE})
    insert_after(nb, "setup", WRAPPER)
    write(nb, dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "exception"
NOTE = None
