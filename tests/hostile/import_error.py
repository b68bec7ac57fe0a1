"""An exception at import time: layernorm_backward's cell starts with ``import`` of a module
that exists only on the student's laptop.

The cell raises ModuleNotFoundError on its first line, so the function below it is never
defined: layernorm_backward gets 0 (NameError at its check). The network calls
layernorm_backward, so it is re-checked with the reference layers: full marks. The notes
name the ModuleNotFoundError of that cell.
"""

from __future__ import annotations

from ._build import answer_source, submission, write

GID = "layernorm_backward_answer"


def build(dest):
    source = "from my_laptop_helpers import fast_layernorm  # noqa\n\n" + answer_source(GID)
    write(submission({GID: source}), dest)


EXPECTED = {"layernorm_backward": 0}
FLAG = None
NOTE = "modulenotfounderror"
