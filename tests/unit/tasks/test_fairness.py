"""The grading rules on real students' code patterns, each shown on a variant of the reference
graded in this process (tests/support/inprocess.py): a convention costs little and is named, a
side effect is charged once to the function that made it, a shape that broadcasts keeps half,
one mistake costs once, and every eps mistake shows on every draw."""

from __future__ import annotations

import pytest
from support.inprocess import edit, grade, source

from autograder import tasks

SEEDS = range(20)
BN = "batchnorm_forward_answer"


def by_function(name: str) -> str:
    """The task id of the (first) task grading this function."""
    return next(t.id for t in tasks.registry().values() if t.function == name)


def test_relu_at_zero_is_a_convention_that_keeps_three_quarters():
    task = by_function("relu_backward")
    answer = edit(source("relu_backward_answer"),
                  ("np.where(x > 0, dout, 0.0)", "np.where(x >= 0, dout, 0.0)"))  # fmt: skip
    for seed in (1, 2, 3):
        result, _ = grade({"relu_backward_answer": answer}, seed, [task])[task]
        assert result.score == 0.75 * result.max_score, result
        assert any("convention the mathematics leaves open" in a for a in result.arguable)
        assert not result.mistakes


def test_running_statistics_shaped_1_by_d_keep_at_least_half_and_are_named():
    task = tasks.get(by_function("batchnorm_forward")).id
    test_task = next(t for t in tasks.ids() if t != task and tasks.get(t).answer == BN)
    keepdims = edit(
        source(BN),
        ("mu = x.mean(axis=0)", "mu = x.mean(axis=0, keepdims=True)"),
        ("var = np.mean(xc**2, axis=0)", "var = np.mean(xc**2, axis=0, keepdims=True)"),
    )
    for seed in (1, 2):
        graded = grade({BN: keepdims}, seed)
        result, _ = graded[test_task]
        assert 0.5 * result.max_score <= result.score < result.max_score, result
        assert any("its values are right" in a for a in result.arguable), result.findings
        for other, (res, _) in graded.items():
            if other != test_task:
                assert res.score == res.max_score, (other, res)


def test_an_in_place_forward_is_charged_to_itself_once():
    forward = by_function("relu_forward")
    backward = by_function("relu_backward")
    answer = edit(source("relu_forward_answer"), ("out = np.maximum(x, 0)",
                                                  "x[x < 0] = 0\n    out = x"))  # fmt: skip
    graded = grade({"relu_forward_answer": answer}, 1, [forward, backward])
    fwd, _ = graded[forward]
    assert 0.75 * fwd.max_score <= fwd.score < fwd.max_score
    assert any("your relu_forward changes x in place" in m for m in fwd.mistakes)
    bwd, _ = graded[backward]
    assert bwd.score == bwd.max_score, bwd.findings  # not blamed for the forward's edit


def test_a_backward_that_overwrites_its_cache_is_told_so():
    task = by_function("relu_backward")
    overwrite = "x[x <= 0] = 0\n    dx = dout * (x > 0)"
    answer = edit(source("relu_backward_answer"), ("dx = np.where(x > 0, dout, 0.0)", overwrite))
    result, _ = grade({"relu_backward_answer": answer}, 1, [task])[task]
    assert any("changes x in place" in m for m in result.mistakes), result.findings
    assert result.score >= 0.75 * result.max_score
    numeric = [f for f in result.findings if "numerical gradient" in f.what]
    assert numeric and all(f.passed for f in numeric)


def test_a_self_consistent_unbiased_pair_loses_only_in_the_forward():
    unbiased = edit(source(BN), ("var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)"))
    backward = edit(
        source("batchnorm_backward_alt_answer"),
        ("xhat * np.mean(g * xhat, axis=0)", "xhat * np.sum(g * xhat, axis=0) / (len(g) - 1)"),
    )
    staged = (
        "def batchnorm_backward(dout, cache):\n    return batchnorm_backward_alt(dout, cache)\n"
    )
    answers = {BN: unbiased, "batchnorm_backward_alt_answer": backward,
               "batchnorm_backward_answer": staged}  # fmt: skip
    graded = grade(answers, 4)
    lost = {t for t, (r, _) in graded.items() if r.score < r.max_score}
    # train mode has the mistake; test mode is judged by its consistency with the student's
    # own train mode, the backward passes by their consistency with the student's own forward
    train = {"batchnorm_forward_train"}
    # in this process the net is not re-checked with the reference layers: the real grader's
    # rerun keeps it whole (tests/test_one_mistake.py)
    net = {t for t in tasks.ids() if tasks.get(t).function == "FullyConnectedNet"}
    assert train <= lost <= train | net, lost
    for t in ("batchnorm_backward", "batchnorm_backward_alt"):
        _, notes = graded[t]
        assert any("consistency with your own forward" in n for n in notes), t
    _, notes = graded["batchnorm_forward_test"]
    assert any("consistency with your own train mode" in n for n in notes), notes


def test_a_gradient_shaped_1_by_d_fails_its_check():
    task = by_function("batchnorm_backward_alt")
    answer = edit(source("batchnorm_backward_alt_answer"),
                  ('np.einsum("nd->d", dout)', "dout.sum(axis=0, keepdims=True)"))  # fmt: skip
    result, _ = grade({"batchnorm_backward_alt_answer": answer}, 1, [task])[task]
    assert result.score < result.max_score
    assert any("Solver's update" in (f.mistake or "") for f in result.findings if not f.passed)
    assert not result.arguable


EPS_MISTAKES = {
    "eps missing": ("std = np.sqrt(var + eps)", "std = np.sqrt(var)"),
    "eps outside the square root": ("std = np.sqrt(var + eps)", "std = np.sqrt(var) + eps"),
    "eps added twice": ("std = np.sqrt(var + eps)", "std = np.sqrt(var + 2 * eps)"),
    "eps folded into running_var": (
        "running_var = momentum * running_var + (1 - momentum) * var",
        "running_var = momentum * running_var + (1 - momentum) * (var + eps)",
    ),
    "test mode: eps outside the square root": (
        "scale = gamma / np.sqrt(running_var + eps)",
        "scale = gamma / (np.sqrt(running_var) + eps)",
    ),
    "test mode: eps missing": (
        "scale = gamma / np.sqrt(running_var + eps)",
        "scale = gamma / np.sqrt(running_var)",
    ),
}


LN = "layernorm_forward_answer"
LN_EPS_MISTAKES = {
    "layer norm: eps missing": (
        "row_std = np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "row_std = np.sqrt(x.var(axis=1, keepdims=True))",
    ),
    "layer norm: eps outside the square root": (
        "row_std = np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "row_std = np.sqrt(x.var(axis=1, keepdims=True)) + eps",
    ),
    "layer norm: eps added twice": (
        "row_std = np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "row_std = np.sqrt(x.var(axis=1, keepdims=True) + 2 * eps)",
    ),
}
CELLS = {**dict.fromkeys(EPS_MISTAKES, BN), **dict.fromkeys(LN_EPS_MISTAKES, LN)}


@pytest.mark.parametrize("mistake", list(CELLS))
def test_every_eps_mistake_shows_on_every_draw(mistake):
    cell = CELLS[mistake]
    answer = edit(source(cell), {**EPS_MISTAKES, **LN_EPS_MISTAKES}[mistake])
    forward_tasks = [t for t in tasks.ids() if tasks.get(t).answer == cell]
    for seed in SEEDS:
        graded = grade({cell: answer}, 1000 + seed, forward_tasks)
        assert any(r.score < r.max_score for r, _ in graded.values()), (mistake, seed)
