"""What the tests of nbgrader's feedback pages share: the stylesheet's folder and an image."""

from __future__ import annotations

import base64
from pathlib import Path

import nbgrader

BOOTSTRAP_CSS = str(
    Path(nbgrader.__file__).parent
    / "server_extensions/formgrader/static/node_modules/bootstrap/dist/css"
)
"""Where nbgrader's GenerateFeedback finds the feedback page's stylesheet."""
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()
"""A 1x1 PNG, base64 as in a notebook's output."""
