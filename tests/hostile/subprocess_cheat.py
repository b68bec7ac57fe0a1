"""Running programs: batchnorm_backward's cell runs ``cat`` on the instructor's notebook with
``subprocess`` and ``ls -R /work`` through ``os.system``, hoping to paste the reference out of the
output; it falls back to a wrong guess.

The programs run inside the sandbox, which does not hold the instructor's files: nothing is
found, the guess is graded, batchnorm_backward gets 0. Flagged: runs programs (subprocess).
"""

from __future__ import annotations

from ._build import SOURCE_NOTEBOOK, guess, submission, write

GID = "batchnorm_backward_answer"

RUN = """\
import os
import subprocess

_found = subprocess.run(["cat", {path!r}], capture_output=True, text=True).stdout
os.system("ls -R /work > found.txt 2>&1")

"""


def build(dest):
    source = RUN.format(path=str(SOURCE_NOTEBOOK)) + guess("batchnorm_backward")
    write(submission({GID: source}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "subprocess"
NOTE = None
