"""Reading the reference from disk: batchnorm_backward's cell looks for the instructor's
notebook (the real path on the grading machine, and guesses relative to the working folder),
and if it finds it, executes the reference batchnorm_backward from it; otherwise it falls back
to a wrong guess.

The sandbox shows the student's code only its own folder, the given helpers and the Python
installation: no file is found, the guess is graded, batchnorm_backward gets 0 (had the read
worked, it would get full marks). Flagged: reads files outside its folder.
"""

from __future__ import annotations

from ._build import SOURCE_NOTEBOOK, guess, submission, write

GID = "batchnorm_backward_answer"

STEAL = """\
import json
import os

_candidates = [
    {path!r},
    os.path.expanduser("~/../solutions/batchnorm/BatchNormalization.ipynb"),
    "../../solutions/batchnorm/BatchNormalization.ipynb",
    "/work/main/solutions/batchnorm/BatchNormalization.ipynb",
]
_stolen = None
for _path in _candidates:
    try:
        with open(_path) as _file:
            _nb = json.load(_file)
    except (OSError, ValueError):
        continue
    for _cell in _nb["cells"]:
        if _cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "{gid}":
            _stolen = "".join(_cell["source"])
    break

"""


def build(dest):
    source = (
        STEAL.format(path=str(SOURCE_NOTEBOOK), gid=GID)
        + guess("batchnorm_backward")
        + "\n\nif _stolen:\n    exec(_stolen)\n"
    )
    write(submission({GID: source}), dest)


EXPECTED = {"batchnorm_backward": 0}
FLAG = "read"
NOTE = None
