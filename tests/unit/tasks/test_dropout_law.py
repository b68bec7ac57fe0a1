"""The dropout checks' bounds: Hoeffding's, wide enough for a correct dropout and narrow enough
for the mistakes they must tell apart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.tasks.dropout import _law


def test_fraction_bound_is_hoeffdings():
    n, p = 10_000, 0.3
    bounds = _law.fraction_bounds(p, n)
    width = math.sqrt(math.log(2 / _law.DELTA) / (2 * n))  # 2 exp(-2 n t^2) = DELTA
    assert bounds.low == pytest.approx(p - width)
    assert bounds.high == pytest.approx(p + width)
    assert 2 * math.exp(-2 * n * width**2) == pytest.approx(_law.DELTA)


def test_a_submission_fails_a_correct_dropout_below_one_in_a_billion():
    assert 2 * _law.DELTA < 1e-9  # two bounds per submission (kept fraction, mean)


@pytest.mark.parametrize("delta", [0.2, 0.05])
def test_bounds_hold_for_a_correct_mask_at_least_as_often_as_stated(monkeypatch, delta):
    """At a loose DELTA (so that failures are seen at all), a correct inverted dropout leaves
    both bounds no more often than DELTA says, on 4000 seeded draws of 60 units."""
    monkeypatch.setattr(_law, "DELTA", delta)
    rng = np.random.default_rng(20261206)
    x = rng.uniform(1.0, 3.0, 60)
    misses = {"fraction": 0, "mean": 0}
    trials = 4000
    for _ in range(trials):
        p = _law.keep_probability(rng)
        mask = rng.random(x.shape) < p
        out = x * mask / p
        fraction, mean = _law.fraction_bounds(p, x.size), _law.mean_ratio_bounds(x, p)
        misses["fraction"] += not fraction.low <= mask.mean() <= fraction.high
        misses["mean"] += not mean.low <= out.mean() / x.mean() <= mean.high
    for name, count in misses.items():
        assert count / trials <= delta, (name, count)


@pytest.mark.parametrize("p", [0.25, 0.32, 0.4, 0.6, 0.68, 0.75])
def test_the_mistakes_fall_outside_at_the_hidden_sizes(p):
    """On the smallest hidden input (300 x 400 units), a drop probability taken for a keep
    probability, and a mean scaled by p, are far outside the bounds of a correct dropout."""
    n = 300 * 400
    correct, swapped = _law.fraction_bounds(p, n), _law.fraction_bounds(1 - p, n)
    assert correct.high < swapped.low or swapped.high < correct.low
    x = np.full(n, 1.0)
    mean, not_inverted = _law.mean_ratio_bounds(x, p), _law.mean_ratio_bounds(x, p, p)
    assert not_inverted.high < mean.low


def test_keep_probabilities_stay_away_from_one_half():
    rng = np.random.default_rng(0)
    drawn = [_law.keep_probability(rng) for _ in range(2000)]
    assert all(0.25 <= p <= 0.4 or 0.6 <= p <= 0.75 for p in drawn)
    assert min(drawn) < 0.3 and max(drawn) > 0.7  # both sides drawn
