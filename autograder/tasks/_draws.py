"""Drawing hidden inputs: shapes and values the student has never seen, shared by the tasks.

Every part gets non-zero-mean x, random gamma and dout (a uniform dout makes BN's dx ~ 0 and
the check meaningless), and shapes drawn from ranges, so no two features or examples agree.
The generator is seeded per submission (``grading.inputs.case_seed``), so a re-run of the same
submission draws the same inputs and gives the same grade.
"""

from __future__ import annotations

import numpy as np


def dims(rng, low, high, size=None):
    return rng.integers(low, high + 1, size=size)


def norm_inputs(rng, n, d, dtype=np.float64):
    return {
        "x": (rng.uniform(2, 6) * rng.standard_normal((n, d)) + rng.uniform(-8, 8, d)).astype(
            dtype
        ),
        "gamma": (rng.uniform(0.5, 2.0, d) * rng.choice([-1, 1], d)).astype(dtype),
        "beta": rng.standard_normal(d).astype(dtype),
        "dout": rng.standard_normal((n, d)).astype(dtype),
    }


def quiet_feature(rng, x, spread=1e-3, axis=0):
    """``x`` with one feature (``axis=0``: a column) or one example (``axis=1``: a row) whose
    values barely vary (variance ``spread**2``): there eps is as large as the variance, so
    every mistake about eps (missing, outside the square root, added twice, folded into
    running_var) changes the output, on every draw."""
    x = x.copy()
    if axis == 0:
        j = rng.integers(x.shape[1])
        x[:, j] = x[:, j].mean() + spread * rng.standard_normal(x.shape[0])
    else:
        i = rng.integers(x.shape[0])
        x[i] = x[i].mean() + spread * rng.standard_normal(x.shape[1])
    return x


def with_zeros(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[rng.choice(x.size, size=max(1, x.size // 8), replace=False)] = 0.0
    return x
