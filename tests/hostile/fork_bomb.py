"""A fork bomb inside batchnorm_backward: it forks until the process limit refuses, and every
child sleeps; then it waits for them.

The sandbox caps the number of processes and the watchdog stops the check after its few
seconds, killing every process of the sandbox with it. batchnorm_backward gets 0 (it never
returns), every other task full marks; and the students graded at the same time in other
sandboxes are not affected. Flagged: runs programs (fork).
"""

from __future__ import annotations

from ._build import submission, write

GID = "batchnorm_backward_answer"

SOURCE = '''\
import os
import time


def batchnorm_backward(dout, cache):
    """Parallel backward."""
    children = []
    for _ in range(10_000):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(600)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    D = dout.shape[1]
    return dout.copy(), np.zeros(D), np.zeros(D)
'''


def build(dest):
    write(submission({GID: SOURCE}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "fork"
NOTE = "too long"
