"""How findings become points: the product's scoring rules, in one place.

- A task's score is its points times the weight of the checks that passed over the weight of
  all its checks, rounded to hundredths.
- No credit without a correct value: side checks (inputs unchanged, parameters initialised,
  consistency with the student's own forward) earn nothing unless a value check passed.
- What a submission reports about itself is not credited once it rewrote the grader's result
  files: its side checks count as failed, its value checks still count.
"""

from __future__ import annotations

from .model import Graded
from .reference import helpers

TAMPERED = "not credited: your code rewrote the grader's result files"


def score(points: float, graded: list[Graded]) -> float:
    if not any(g.finding.passed for g in graded if g.primary):
        return 0.0
    total = sum(g.weight for g in graded)
    passed = sum(g.weight for g in graded if g.finding.passed)
    return round(points * passed / total, 2) if total else 0.0


def uncredited(graded: Graded) -> Graded:
    """A side check of a submission that rewrote its own results: not credited."""
    if graded.primary or not graded.finding.passed:
        return graded
    Finding = helpers().checking.Finding
    finding = Finding(graded.finding.what, False, TAMPERED)
    return Graded(finding, graded.weight, graded.primary, graded.part)
