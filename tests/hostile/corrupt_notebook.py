"""A corrupt notebook file: the upload was cut off after 5000 bytes (invalid JSON).

There is nothing to run: every autograded task gets 0. The batch goes on, and the notes say
the file cannot be read as a notebook.
"""

from __future__ import annotations

from ._build import NOTEBOOK, SOURCE_NOTEBOOK


def build(dest):
    (dest / NOTEBOOK).write_bytes(SOURCE_NOTEBOOK.read_bytes()[:5000])


EXPECTED = {
    "affine_forward": 0,
    "affine_backward": 0,
    "relu_forward": 0,
    "relu_backward": 0,
    "batchnorm_forward_train": 0,
    "batchnorm_forward_test": 0,
    "batchnorm_backward": 0,
    "batchnorm_backward_alt": 0,
    "layernorm_forward": 0,
    "layernorm_backward": 0,
    "FullyConnectedNet": 0,
}
FLAG = None
NOTE = "cannot be read"
