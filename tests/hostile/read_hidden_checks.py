"""Reading the hidden checks from disk: batchnorm_backward's cell opens every file it finds in
its working folder and next to the grader's code (the job description, the hidden inputs, the
probes' source) looking for expected outputs, and uses them if found; otherwise it returns a
wrong guess.

The sandbox holds the hidden inputs (the student's code must run on them) but never the
expected outputs, which are computed and compared outside it: nothing is found, the guess is
graded, batchnorm_backward gets 0. Flagged: reads the grader's files.
"""

from __future__ import annotations

from ._build import submission, write

GID = "batchnorm_backward_answer"

SOURCE = '''\
import glob
import os
import sys


def _look_for_answers():
    """Any array called like an expected dx, in any file the grader left around."""
    found = {}
    places = [os.getcwd(), *[p for p in sys.path if p and os.path.isdir(p)][:3]]
    for place in places:
        for path in glob.glob(os.path.join(place, "**", "*"), recursive=True)[:200]:
            if path.endswith(".npz"):
                try:
                    with np.load(path) as data:
                        found.update({k: data[k] for k in data.files if "expected" in k})
                except Exception:
                    pass
            elif path.endswith((".json", ".py")):
                try:
                    with open(path) as file:
                        file.read()
                except OSError:
                    pass
    return found


_answers = _look_for_answers()


def batchnorm_backward(dout, cache):
    """The expected outputs if the grader left them around, else a guess."""
    for key, value in _answers.items():
        if key.endswith("expected/dx") and value.shape == dout.shape:
            D = dout.shape[1]
            return value, np.zeros(D), np.zeros(D)
    D = dout.shape[1]
    return dout.copy(), np.zeros(D), np.zeros(D)
'''


def build(dest):
    write(submission({GID: SOURCE}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "read"
NOTE = None
