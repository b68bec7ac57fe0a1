"""One mistake costs once, through the real grader (the sandbox, and the reruns with the
reference's code that the in-process tests of tests/unit/test_fairness.py cannot make).

An unbiased variance (``ddof=1``) in ``batchnorm_forward`` is one mistake. It costs points in
``batchnorm_forward_train`` and at most a quarter of a task's points anywhere else, whether
the backward is the reference's own code (the demo's ``dana_unbiased_variance``), was derived
for the unbiased forward (a self-consistent pair: right against the numerical gradient of the
student's own forward), or reads a cache laid out the student's own way, as most students'
caches are (checked again through the student's own forward, its cache's values corrected).
Test mode is judged by its consistency with the student's own train mode; the net, which uses
every layer, is checked again with the reference layers.
"""

from __future__ import annotations

import pytest
from conftest import needs_bubblewrap
from support.corpus import answer_source, edit, grade, with_answers

BN = "batchnorm_forward_answer"
ALT = "batchnorm_backward_alt_answer"
UNBIASED = edit(
    answer_source(BN), ("var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)")
)
OWN_FORWARD = """\
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        mu = np.mean(x, axis=0)
        xmu = x - mu
        var = np.var(x, axis=0, ddof=1)
        sqrtvar = np.sqrt(var + eps)
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        out = gamma * xhat + beta
        cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * xhat + beta
    else:
        raise ValueError("Invalid forward batchnorm mode %s" % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
"""
OWN_BACKWARD = """\
def batchnorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    return dx1 + dx2, dgamma, dbeta
"""
OWN_ALT = """\
def batchnorm_backward_alt(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = ivar / N * (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, dgamma, dbeta
"""
PAIR_ALT = edit(
    answer_source(ALT),
    ("xhat * np.mean(g * xhat, axis=0)", "xhat * np.sum(g * xhat, axis=0) / (len(g) - 1)"),
)
CASES = {
    "reference backward": {BN: UNBIASED},
    "self-consistent pair": {
        BN: UNBIASED,
        ALT: PAIR_ALT,
        "batchnorm_backward_answer": PAIR_ALT.replace(
            "def batchnorm_backward_alt(", "def batchnorm_backward("
        ),
    },
    "own cache layout": {BN: OWN_FORWARD, ALT: OWN_ALT, "batchnorm_backward_answer": OWN_BACKWARD},
}
ELSEWHERE = 1.25
"""Points the mistake may cost outside its own task, all tasks together."""


def test_the_own_cache_layout_is_right_without_the_mistake():
    """The own-layout functions are a correct solution: the rest of this file tests the
    mistake, not the layout."""
    fixed = {k: v.replace("ddof=1", "ddof=0") for k, v in CASES["own cache layout"].items()}
    result = grade(with_answers(fixed), 1)
    assert result.total == sum(r.max_score for r in result.tasks.values())


@needs_bubblewrap
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("case", CASES)
def test_an_unbiased_forward_costs_points_in_the_forward_only(case, seed):
    result = grade(with_answers(CASES[case]), seed)
    lost = {t: r.max_score - r.score for t, r in result.tasks.items() if r.score < r.max_score}
    assert lost.pop("batchnorm_forward_train", 0) > 0, lost
    assert sum(lost.values()) <= ELSEWHERE, lost
    dependents = ("batchnorm_forward_test", "batchnorm_backward", "batchnorm_backward_alt")
    for task in dependents:
        notes = result.tasks[task].notes
        assert any(n.startswith("Cause upstream:") for n in notes), (task, notes)
