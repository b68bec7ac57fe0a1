"""An empty notebook file (0 bytes: the editor crashed while saving).

Nothing to run: every autograded task gets 0; the notes say the file is empty.
"""

from __future__ import annotations

from ._build import NOTEBOOK
from .corrupt_notebook import EXPECTED as ALL_ZERO


def build(dest):
    (dest / NOTEBOOK).write_bytes(b"")


EXPECTED = dict(ALL_ZERO)
FLAG = None
NOTE = "empty"
