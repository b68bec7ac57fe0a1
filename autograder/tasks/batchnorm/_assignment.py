"""The batch-norm assignment as a whole: the example submissions ``make demo`` grades."""

from __future__ import annotations

EXAMPLES = {
    "dana_unbiased_variance": (
        "batchnorm_forward_answer",
        "var = np.mean(xc**2, axis=0)",
        "var = np.var(x, axis=0, ddof=1)",
    ),
    "eli_test_uses_batch_stats": (
        "batchnorm_forward_answer",
        "scale = gamma / np.sqrt(running_var + eps)\n"
        "        out = (x - running_mean) * scale + beta",
        "out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta",
    ),
    "finn_relu_mask_from_dout": (
        "relu_backward_answer",
        "dx = np.where(x > 0, dout, 0.0)",
        "dx = np.where(dout > 0, dout, 0.0)",
    ),
    "gia_l2_without_half": (
        "FullyConnectedNet_answer",
        "loss = data_loss + 0.5 * self.reg * sum(",
        "loss = data_loss + self.reg * sum(",
    ),
    "hugo_momentum_reversed": (
        "batchnorm_forward_answer",
        "running_mean = momentum * running_mean + (1 - momentum) * mu",
        "running_mean = (1 - momentum) * running_mean + momentum * mu",
    ),
}
"""student -> (answer cell, a line of the reference, the line a student writes instead)."""
