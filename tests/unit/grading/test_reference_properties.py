"""Properties of the reference layers (the source notebook's solutions) on inputs Hypothesis
draws: shapes, invariances, and gradients that agree with the numerical gradient."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.grading.reference import helpers, reference

SETTINGS = settings(max_examples=30, deadline=None)
values = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def batch(min_n=2, max_n=8, min_d=1, max_d=6):
    return st.tuples(st.integers(min_n, max_n), st.integers(min_d, max_d)).flatmap(
        lambda s: arrays(np.float64, s, elements=values)
    )


def spread(x):
    """Inputs whose features vary (normalization of a constant feature is all eps)."""
    return x + np.arange(x.size).reshape(x.shape) % 7 * 0.5


@SETTINGS
@given(batch(), st.integers(1, 5))
def test_affine_forward_flattens_and_keeps_shapes(x, m):
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((x.shape[1], m)), rng.standard_normal(m)
    out, _ = reference()["affine_forward"](x.reshape(x.shape[0], 1, -1), w, b)
    assert out.shape == (x.shape[0], m)
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(batch())
def test_relu_keeps_the_positive_part(x):
    out, _ = reference()["relu_forward"](x)
    assert np.all(out >= 0) and np.array_equal(out[x > 0], x[x > 0])


@SETTINGS
@given(batch(min_n=3))
def test_batchnorm_train_mode_centres_and_scales_each_feature(x):
    x = spread(x)
    d = x.shape[1]
    out, _ = reference()["batchnorm_forward"](x, np.ones(d), np.zeros(d), {"mode": "train"})
    var = x.var(axis=0)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(out.var(axis=0), var / (var + 1e-5), rtol=1e-9)


@SETTINGS
@given(batch(min_n=3))
def test_batchnorm_test_mode_is_a_fixed_affine_map(x):
    d = x.shape[1]
    param = {"mode": "train"}
    reference()["batchnorm_forward"](spread(x), np.full(d, 2.0), np.ones(d), param)
    param["mode"] = "test"
    f = lambda v: reference()["batchnorm_forward"](v, np.full(d, 2.0), np.ones(d), param)[0]  # noqa: E731
    zero = np.zeros_like(x)
    np.testing.assert_allclose(f(2 * x) - f(x), f(x) - f(zero), atol=1e-8)


@SETTINGS
@given(batch(min_d=2))
def test_layernorm_centres_each_example(x):
    x = spread(x)
    d = x.shape[1]
    out, _ = reference()["layernorm_forward"](x, np.ones(d), np.zeros(d), {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(batch(min_n=3, max_n=6, min_d=3, max_d=5), st.integers(0, 2**31))
def test_normalization_gradients_agree_with_the_numerical_gradient(x, seed):
    """(With two features, layer norm's output is +-gamma whatever x: its true gradient is ~0
    and a relative error means nothing, as for a bias feeding batch norm. The hidden inputs
    have at least four.)"""
    check = helpers().checking
    numgrad = helpers().gradient_check.eval_numerical_gradient_array
    rng = np.random.default_rng(seed)
    x = spread(x) * 3 + 5
    d = x.shape[1]
    gamma, beta, dout = rng.standard_normal(d), rng.standard_normal(d), rng.standard_normal(x.shape)
    ref = reference()
    for forward, backwards, param in (
        ("batchnorm_forward", ("batchnorm_backward", "batchnorm_backward_alt"), {"mode": "train"}),
        ("layernorm_forward", ("layernorm_backward",), {}),
    ):
        _, cache = ref[forward](x, gamma, beta, dict(param))

        def f(v, forward=forward, param=param):
            return ref[forward](v, gamma, beta, dict(param))[0]

        dx_num = numgrad(f, x.copy(), dout)
        for backward in backwards:
            dx, dgamma, dbeta = ref[backward](dout, cache)
            assert dgamma.shape == dbeta.shape == (d,)
            assert check.scaled_error(dx, dx_num) < check.CONSISTENCY_TOL, backward
