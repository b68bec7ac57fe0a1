"""A deleted cell: the answer cell of layernorm_forward is gone from the notebook.

layernorm_forward is not defined: 0. layernorm_backward's hidden check builds its cache with
layernorm_forward, so it fails too, and is checked again with the reference's layernorm_forward
in its place: full marks (the mistake costs once). The network's layer-norm check fails the same
way and the network is re-checked with the reference layers: full marks. The feedback says the
answer cell is missing.
"""

from __future__ import annotations

from ._build import index_of, student_nb, write


def build(dest):
    nb = student_nb()
    del nb.cells[index_of(nb, "layernorm_forward_answer")]
    write(nb, dest)


EXPECTED = {"layernorm_forward": 0}
FLAG = None
NOTE = "missing"
