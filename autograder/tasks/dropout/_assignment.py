"""The dropout assignment as a whole: the cells it takes from batch norm, the example
submissions ``make demo`` grades."""

from __future__ import annotations

LAYERS = (
    "affine_forward_answer",
    "affine_backward_answer",
    "relu_forward_answer",
    "relu_backward_answer",
    "batchnorm_forward_answer",
    "batchnorm_backward_answer",
    "batchnorm_backward_alt_answer",
    "layernorm_forward_answer",
    "layernorm_backward_answer",
)
GIVEN = {"layers": ("batchnorm", LAYERS)}
"""Cell -> (assignment, its answer cells): the layers cell defines the student's own layers
from the batch-norm notebook; grading puts the reference's in its place, so a layer's mistake
costs points in batch norm only."""

EXAMPLES = {
    "cleo_keeps_with_the_drop_probability": (
        "dropout_forward_answer",
        "mask = (np.random.rand(*x.shape) < p) / p",
        "mask = (np.random.rand(*x.shape) >= p) / p",
    ),
    "dev_backward_without_the_mask": (
        "dropout_backward_answer",
        "dx = dout * mask",
        "dx = dout",
    ),
    "eve_net_ignores_its_seed": (
        "FullyConnectedNet_answer",
        'self.dropout_param["seed"] = seed',
        "pass",
    ),
}
"""student -> (answer cell, a line of the reference, the line a student writes instead)."""
