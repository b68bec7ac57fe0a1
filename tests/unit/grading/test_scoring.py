"""The scoring rules, stated once in grading/scoring.py, each shown."""

from __future__ import annotations

from autograder.grading.model import Graded
from autograder.grading.reference import helpers
from autograder.grading.scoring import TAMPERED, score, uncredited

Finding = helpers().checking.Finding


def graded(passed: bool, weight: float, primary: bool) -> Graded:
    return Graded(Finding("a check", passed, "detail"), weight, primary, "part")


def test_points_follow_the_weight_of_the_checks_passed():
    found = [graded(True, 3, True), graded(False, 1, True), graded(True, 1, False)]
    assert score(5, found) == round(5 * 4 / 5, 2)


def test_no_credit_without_a_correct_value():
    """Side checks alone (inputs unchanged, consistency) earn nothing."""
    found = [graded(False, 3, True), graded(True, 1, False), graded(True, 1, False)]
    assert score(5, found) == 0.0


def test_full_marks_need_every_check():
    assert score(2, [graded(True, 3, True), graded(True, 1, False)]) == 2.0
    assert score(2, [graded(True, 3, True), graded(False, 1, False)]) < 2.0


def test_a_submission_that_rewrote_its_results_keeps_only_its_values():
    side, value = graded(True, 1, False), graded(True, 3, True)
    assert uncredited(value) is value
    lost = uncredited(side)
    assert not lost.finding.passed and lost.finding.detail == TAMPERED
    assert score(4, [value, lost]) == 3.0
