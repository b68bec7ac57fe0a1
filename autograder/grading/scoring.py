"""How findings become points: the product's scoring rules, in one place.

- A task's score is its points times the weight of the checks that passed over the weight of
  all its checks, rounded to hundredths.
- No credit without a correct value: side checks (inputs unchanged, parameters initialised,
  consistency with the student's own forward) earn nothing unless a value check passed.
- A convention the mathematics leaves open (ReLU's gradient at exactly 0) costs little: its
  checks count as passed, and the task keeps ``1 - CONVENTION_COST`` of its score.
- A side effect (an input, the cache or dout changed in place) is charged once, to the
  function that made it (every other function gets fresh copies), and costs at most
  ``SIDE_EFFECT_CAP`` of the task.
- A shape that broadcasts to the right values ((1, D) running statistics) keeps
  ``SHAPE_CREDIT`` of its checks; a gradient the Solver updates in place may not broadcast and
  fails its check.
- What a submission reports about itself is not credited once it rewrote the grader's result
  files: its side checks count as failed, its value checks still count.
- A backward judged on two bases (values against the reference, consistency with the student's
  own forward) keeps the better (``compare.check_task``).
"""

from __future__ import annotations

from .model import Graded, Verdict
from .reference import helpers

CONVENTION_COST = 0.25
SIDE_EFFECT_CAP = 0.25
SHAPE_CREDIT = 0.5
TAMPERED = "not credited: your code rewrote the grader's result files"
CREDIT = {
    Verdict.PASSED: 1.0,
    Verdict.CONVENTION: 1.0,
    Verdict.SHAPE: SHAPE_CREDIT,
    Verdict.FAILED: 0.0,
    Verdict.SIDE_EFFECT: 0.0,
}


def score(points: float, graded: list[Graded]) -> float:
    right = (Verdict.PASSED, Verdict.CONVENTION, Verdict.SHAPE)
    if not any(g.counts_as in right for g in graded if g.primary):
        return 0.0
    total = sum(g.weight for g in graded)
    if not total:
        return 0.0
    credit = sum(g.weight * CREDIT[g.counts_as] for g in graded)
    side = sum(g.weight for g in graded if g.counts_as is Verdict.SIDE_EFFECT)
    credit += side - min(side, SIDE_EFFECT_CAP * total)
    share = credit / total
    if any(g.counts_as is Verdict.CONVENTION for g in graded):
        share *= 1 - CONVENTION_COST
    return round(points * share, 2)


def uncredited(graded: Graded) -> Graded:
    """A side check of a submission that rewrote its own results: not credited."""
    if graded.primary or not graded.finding.passed:
        return graded
    Finding = helpers().checking.Finding
    finding = Finding(graded.finding.what, False, TAMPERED)
    return Graded(finding, graded.weight, graded.primary, graded.part, Verdict.FAILED)
