"""Writes outside the student's scratch space, to forge results: batchnorm_backward is right
but changes the caller's ``dout`` in place (``dout *= gamma``), which the hidden checks notice
(1 point of 10 lost: partial credit). A cell after the check then tries to cover it up: it
tries to append to the instructor's checker ``cs231n/checking.py`` (on this machine, and the
grader's read-only copy), and looks for the grader's saved result of batchnorm_backward's check
to put the original ``dout`` back into it, from the hidden inputs it finds beside it.

The sandbox's only writable folder is the student's own; what the grader reads back is out
of the student's reach, or checked against what the grader gave. batchnorm_backward keeps
its partial credit (a forgery that worked would show as full marks). Flagged: writes outside
its scratch folder.
"""

from __future__ import annotations

from ._build import SOURCE_NOTEBOOK, insert_after, submission, write

GID = "batchnorm_backward_answer"

IN_PLACE = '''\
def batchnorm_backward(dout, cache):
    """Right, but scales the caller's dout in place."""
    xhat, gamma, std = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dout *= gamma  # saves a copy
    dx = (dout - dout.mean(axis=0) - xhat * np.mean(dout * xhat, axis=0)) / std
    return dx, dgamma, dbeta
'''

FORGE = """\
import os

import cs231n.checking

for _target in ({checking!r}, cs231n.checking.__file__):
    try:
        with open(_target, "a") as _file:
            _file.write("\\n# every check passes now\\n")
    except OSError:
        pass

# Put the original dout back into the saved result of the hidden check.
_inputs = {{}}
for _root, _dirs, _files in os.walk(os.getcwd()):
    for _name in _files:
        _path = os.path.join(_root, _name)
        if _name.endswith(".npz"):
            try:
                with np.load(_path) as _data:
                    _arrays = dict(_data)
            except Exception:
                continue
            for _key, _value in _arrays.items():
                if _key.startswith("batchnorm_backward/") and _key.endswith("/dout"):
                    _inputs[_key.split("/")[1]] = _value
for _root, _dirs, _files in os.walk(os.getcwd()):
    for _name in _files:
        if _name.startswith("batchnorm_backward.") and _name.endswith(".npz"):
            _part = _name.split(".")[1]
            _path = os.path.join(_root, _name)
            try:
                with np.load(_path) as _data:
                    _arrays = dict(_data)
                if _part in _inputs and "dout_after" in _arrays:
                    _arrays["dout_after"] = _inputs[_part]
                    np.savez(_path, **_arrays)
            except Exception:
                pass
"""


def build(dest):
    nb = submission({GID: IN_PLACE})
    checking = SOURCE_NOTEBOOK.parent / "cs231n" / "checking.py"
    insert_after(nb, "batchnorm_backward", FORGE.format(checking=str(checking)))
    write(nb, dest)


EXPECTED = {"batchnorm_backward": "partial"}
FLAG = "write"
NOTE = None
