"""One mistake costs once, through the real grader (the sandbox, and the reruns with the
reference's code that the in-process tests of tests/unit/test_fairness.py cannot make).

An unbiased variance (``ddof=1``) in ``batchnorm_forward`` is one mistake. It costs points in
the forward's two tasks only, whether the backward is the reference's own code (the demo's
``dana_unbiased_variance``: checked again through the reference's forward) or was derived for
the unbiased forward (a self-consistent pair: right against the numerical gradient of the
student's own forward). The net, which uses both, is checked again with the reference layers.
"""

from __future__ import annotations

import pytest
from conftest import needs_bubblewrap
from corpus import answer_source, edit, grade, with_answers

from autograder import tasks

BN = "batchnorm_forward_answer"
ALT = "batchnorm_backward_alt_answer"
UNBIASED = edit(
    answer_source(BN), ("var = np.mean(xc**2, axis=0)", "var = np.var(x, axis=0, ddof=1)")
)
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
}
FORWARD = {t for t in tasks.ids() if tasks.get(t).answer == BN}


@needs_bubblewrap
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("case", CASES)
def test_an_unbiased_forward_costs_points_in_the_forward_only(case, seed):
    result = grade(with_answers(CASES[case]), seed)
    lost = {t for t, r in result.tasks.items() if r.score < r.max_score}
    assert lost == FORWARD, {t: (r.score, r.max_score) for t, r in result.tasks.items()}
    if case == "reference backward":
        for task in ("batchnorm_backward", "batchnorm_backward_alt"):
            notes = result.tasks[task].notes
            assert any("reference's forward in place of yours" in n for n in notes), notes
