"""The binomial arithmetic of the dropout checks: where a correct dropout's statistics lie.

Every bound holds with probability at least ``1 - DELTA`` for a correct function, by
Hoeffding's inequality (no normal approximation): for ``n`` independent units kept with
probability ``p``, ``P(|kept/n - p| >= t) <= 2 exp(-2 n t^2)``, so ``t = sqrt(ln(2/DELTA) /
(2n))``. The hidden inputs keep ``p`` away from 0.5 (in [0.25, 0.4] or [0.6, 0.75]), so a drop
probability taken for a keep probability (``1 - p``) lies far outside, as does a mean scaled
by ``p`` instead of kept at 1.
"""

from __future__ import annotations

import math

import numpy as np

from ..model import Bounds

DELTA = 1e-10
"""The largest chance that a correct dropout fails one bound on one draw. A submission's hidden
checks hold two such bounds (the kept fraction and the mean in train mode; every other check of
a correct dropout holds exactly), so a correct submission fails with probability below
``2 * DELTA`` = 2e-10 < 1e-9 (the union bound)."""


def fraction_bounds(p: float, n: int) -> Bounds:
    """Where the fraction of ``n`` units kept with probability ``p`` lies."""
    return Bounds.around(p, math.sqrt(math.log(2 / DELTA) / (2 * n)))


def mean_ratio_bounds(x: np.ndarray, p: float, centre: float = 1.0) -> Bounds:
    """Where ``mean(mask * x / p) / mean(x)`` lies for a positive ``x`` (``centre`` 1: the
    expectation kept): each unit adds between 0 and ``x_i / p`` to the sum, so Hoeffding's
    bound on the sum is ``sqrt(ln(2/DELTA) * sum((x_i/p)^2) / 2)``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    spread = math.sqrt(math.log(2 / DELTA) * float(np.sum((x / p) ** 2)) / 2)
    return Bounds.around(centre, spread / float(np.sum(x)))


def keep_probability(rng) -> float:
    """A keep probability far from 0.5: keep and drop cannot be told apart at 0.5."""
    low = rng.uniform(0.25, 0.4)
    return float(low if rng.random() < 0.5 else 1 - low)
