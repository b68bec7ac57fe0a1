"""Reading the hidden checks and the reference from memory: batchnorm_backward walks up the
call stack (``sys._getframe``) and through every object of the process (``gc.get_objects``)
looking for an expected value or a reference implementation, and uses it if found; otherwise
it returns a wrong guess.

The expected values are computed outside the sandbox and never enter the student's process;
the reference functions are not there either. The guess is graded: batchnorm_backward gets 0
(had the search worked, it would get full marks). Flagged: inspects the grader's memory.
"""

from __future__ import annotations

from ._build import submission, write

GID = "batchnorm_backward_answer"

SOURCE = '''\
import gc
import sys


def _find_reference():
    """An expected dx, or another batchnorm_backward than mine, anywhere in the process."""
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if name in ("expected", "exp", "reference", "ref", "answer"):
                return value
        frame = frame.f_back
    for obj in gc.get_objects():
        if callable(obj) and getattr(obj, "__name__", "") == "batchnorm_backward":
            if obj is not batchnorm_backward:
                return obj
    return None


def batchnorm_backward(dout, cache):
    """Whatever the grader knows, else a guess."""
    found = _find_reference()
    if callable(found):
        return found(dout, cache)
    if isinstance(found, dict) and "dx" in found:
        return found["dx"], found["dgamma"], found["dbeta"]
    D = dout.shape[1]
    return dout.copy(), np.zeros(D), np.zeros(D)
'''


def build(dest):
    write(submission({GID: SOURCE}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "memory"
NOTE = None
