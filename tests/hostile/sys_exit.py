"""``sys.exit()`` inside layernorm_forward (a debugging stop left in).

SystemExit is raised in the student's function and recorded as its error; the process lives
on. layernorm_forward gets 0. layernorm_backward's hidden check builds its cache with the
student's layernorm_forward, so it fails too, and is checked again with the reference's
layernorm_forward in its place: full marks. The network is re-checked with the reference
layers (its layer-norm check failed for the same reason): full marks. The feedback names
SystemExit.
"""

from __future__ import annotations

from ._build import answer_source, edit, submission, write

GID = "layernorm_forward_answer"


def build(dest):
    source = edit(
        answer_source(GID),
        (
            '    eps = ln_param.get("eps", 1e-5)\n',
            '    eps = ln_param.get("eps", 1e-5)\n    import sys\n    sys.exit("stop here")\n',
        ),
    )
    write(submission({GID: source}), dest)


EXPECTED = {"layernorm_forward": 0}
FLAG = None
NOTE = "systemexit"
