"""Swallowed exceptions with an input transformer: a cell after the setup appends to
``get_ipython().input_transformers_cleanup`` a transformer that wraps every later cell in
``try: ... except BaseException: pass``; batchnorm_backward raises.

In a Jupyter kernel no later cell could fail any more. The grader does not run cells through
IPython's transformers, and the hidden checks call the functions themselves:
batchnorm_backward gets 0, everything else full marks. Flagged: tampers with exception
handling.
"""

from __future__ import annotations

from ._build import insert_after, submission, write

GID = "batchnorm_backward_answer"

TRANSFORMER = """\
def _never_fail(lines):
    body = ["    " + line for line in lines] or ["    pass\\n"]
    return ["try:\\n", *body, "\\nexcept BaseException:\\n", "    pass\\n"]


get_ipython().input_transformers_cleanup.append(_never_fail)
"""

SOURCE = '''\
def batchnorm_backward(dout, cache):
    """Not done yet."""
    raise RuntimeError("TODO")
'''


def build(dest):
    nb = submission({GID: SOURCE})
    insert_after(nb, "setup", TRANSFORMER)
    write(nb, dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "exception"
NOTE = None
