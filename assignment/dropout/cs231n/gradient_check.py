"""Numerical gradients, to check the analytic gradients of a backward pass.

Every routine here uses the centred difference

    df/dx[i] ~= (f(x + h e_i) - f(x - h e_i)) / (2 h),

where ``e_i`` is the unit array with a 1 at index ``i``. Its error is O(h**2), far
smaller than that of the one-sided difference (f(x + h e_i) - f(x)) / h.

The point ``x`` is perturbed *in place*, one entry at a time, and each entry is
restored to its exact old value right after, so ``f`` may ignore its argument and
read the same array through a closure (e.g. ``lambda _: model.loss(X, y)[0]`` with
``x = model.params["W1"]``).
"""

import random

import numpy as np


def rel_error(x, y):
    """Largest relative error between two arrays, elementwise.

        max_i |x[i] - y[i]| / max(1e-8, |x[i]| + |y[i]|)

    The floor 1e-8 keeps entries that are both (nearly) 0 from dividing by 0.

    Parameters
    ----------
    x, y : numpy.ndarray
        Arrays of the same shape (or broadcastable shapes), e.g. (N, D).

    Returns
    -------
    float
        The relative error; below about 1e-7 means two float64 gradients agree.
    """
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function ``f`` at the point ``x``.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a scalar (e.g. a loss).
    x : numpy.ndarray
        The point, of any shape, e.g. (N, D) or (D, M). Perturbed in place while
        this runs and left with its original values when it returns.
    verbose : bool
        If True, print each multi-index and its partial derivative.
    h : float
        Step of the centred difference.

    Returns
    -------
    grad : numpy.ndarray
        Same shape as ``x``: ``grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h)``.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)  # f(x + h e_i)
        x[ix] = oldval - h
        fxmh = f(x)  # f(x - h e_i)
        x[ix] = oldval  # restore

        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of ``sum(f(x) * df)`` for an array-valued ``f``.

    This is what a backward pass computes: given the upstream gradient ``df`` of
    the loss with respect to the output ``out = f(x)``, the gradient with respect
    to the input is

        dx[i] = sum_j df[j] * d out[j] / d x[i]
              ~= sum((f(x + h e_i) - f(x - h e_i)) * df) / (2 h).

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to an array shaped like ``df``,
        e.g. ``lambda x: affine_forward(x, w, b)[0]``.
    x : numpy.ndarray
        The input, of any shape, e.g. (N, D). Perturbed in place while this runs
        and left with its original values when it returns.
    df : numpy.ndarray
        Upstream gradient, the shape of ``f(x)``, e.g. (N, M).
    h : float
        Step of the centred difference.

    Returns
    -------
    grad : numpy.ndarray
        Same shape as ``x``, e.g. (N, D).
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()  # copy: f may return a buffer it reuses
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval  # restore

        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare an analytic gradient with numerical ones at a few random entries.

    Cheaper than :func:`eval_numerical_gradient` for a large ``x``: only
    ``num_checks`` random entries are differentiated numerically. For each one,
    prints ``numerical: ... analytic: ..., relative error: ...``, where the
    relative error is ``|num - ana| / max(1e-8, |num| + |ana|)``.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a scalar (e.g. a loss).
    x : numpy.ndarray
        The point, of any shape, e.g. (D, C). Perturbed in place while this runs
        and left with its original values when it returns.
    analytic_grad : numpy.ndarray
        The gradient to check, same shape as ``x``.
    num_checks : int
        How many random entries to check.
    h : float
        Step of the centred difference.
    seed : int or None
        If None, entries are drawn with Python's global ``random`` module (as in
        CS231n); else with a private ``random.Random(seed)``, so the same entries
        are checked every time without touching the global state.

    Returns
    -------
    None
        The results are printed.
    """
    rng = random if seed is None else random.Random(seed)
    for _ in range(num_checks):
        ix = tuple(rng.randrange(m) for m in x.shape)

        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)  # f(x + h e_i)
        x[ix] = oldval - h
        fxmh = f(x)  # f(x - h e_i)
        x[ix] = oldval  # restore

        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        error = abs(grad_numerical - grad_analytic) / max(
            1e-8, abs(grad_numerical) + abs(grad_analytic)
        )
        print(
            f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, relative error: {error:e}"
        )
