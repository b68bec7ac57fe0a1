"""The arithmetic of lateness (``autograder.deadlines.lateness``) and its words: each expected
penalty below is worked out by hand from the rules in the test, never by the code under test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autograder.deadlines import decide, parse
from autograder.deadlines.record import LateRecord

DUE = "2026-04-17T23:59:00Z"
DUE_AT = datetime(2026, 4, 17, 23, 59, tzinfo=UTC)
DROPOUT_DUE_AT = datetime(2026, 5, 1, 23, 59, tzinfo=UTC)


def policy(late: str = "", extra: str = ""):
    return parse(
        f"""
[late]
{late}
[assignments.batchnorm]
due = {DUE}
[assignments.dropout]
due = 2026-05-01T23:59:00Z
{extra}
"""
    )


def after(hours: float, due: datetime = DUE_AT) -> datetime:
    return due + timedelta(hours=hours)


def penalty(rules: str, hours: float, score: float = 43.0, extra: str = "") -> float:
    late = decide(policy(rules, extra), "ann", "batchnorm", {"batchnorm": after(hours)})
    return late.penalty(score)


@pytest.mark.parametrize(
    ("rules", "hours", "expected"),
    [
        # 1.5 days late, each started day 10%: 2 days, 20% of 43
        ("penalty_percent = 10", 36, 8.6),
        # prorated: 1.5 days at 10% a day is 15% of 43 = 6.45
        ('penalty_percent = 10\ncount = "prorated"', 36, 6.45),
        # one minute late is a started day
        ("penalty_percent = 10", 1 / 60, 4.3),
        # on time, or exactly at the due date: nothing
        ("penalty_percent = 10", 0, 0.0),
        ("penalty_percent = 10", -5, 0.0),
        # per hour, in points: 90 minutes is 2 started hours at 2 points
        ('penalty_points = 2\nper = "hour"', 1.5, 4.0),
        # capped: 5 started days at 10% would be 50%, at most 30% of 43 = 12.9
        ("penalty_percent = 10\nmax_penalty_percent = 30", 4.5 * 24, 12.9),
        ('penalty_points = 2\nper = "hour"\nmax_penalty_points = 3', 1.5, 3.0),
        # within the grace period: on time; beyond it, counted from the due date
        ("penalty_percent = 10\ngrace_minutes = 15", 10 / 60, 0.0),
        ("penalty_percent = 10\ngrace_minutes = 15", 20 / 60, 4.3),
        # later than zero_after_days: the whole score
        ("penalty_percent = 10\nzero_after_days = 5", 5.5 * 24, 43.0),
        ("penalty_percent = 10\nzero_after_days = 5", 4.5 * 24, 21.5),
        # no penalty configured: a due date alone takes nothing off
        ("", 36, 0.0),
    ],
)
def test_the_penalty_of_a_rule(rules, hours, expected):
    assert penalty(rules, hours) == pytest.approx(expected, abs=1e-9)


def test_the_penalty_rounds_half_up_to_hundredths():
    """10% of 20.25 is 2.025: 2.03 (a float's round() gives 2.02)."""
    assert penalty("penalty_percent = 10", 1, score=20.25) == 2.03


def test_the_penalty_is_never_more_than_the_score():
    assert penalty("penalty_points = 5", 36, score=3.0) == 3.0
    assert penalty("penalty_points = 5", 36, score=0.0) == 0.0


def test_an_extension_moves_the_due_date():
    extended = "[extensions.ann]\nbatchnorm = { days = 2 }"
    assert penalty("penalty_percent = 10", 36, extra=extended) == 0.0
    # 2 days and 1 hour after the assignment's due date: 1 hour past ann's, a started day
    assert penalty("penalty_percent = 10", 49, extra=extended) == 4.3
    late = decide(policy("penalty_percent = 10", extended), "ann", "batchnorm", {})
    assert late.due == datetime(2026, 4, 19, 23, 59, tzinfo=UTC) and late.extended
    other = decide(policy("penalty_percent = 10", extended), "ben", "batchnorm", {})
    assert other.due == DUE_AT and not other.extended


TOKENS = "[late_days]\nper_student = 3"


def test_late_days_are_shared_across_assignments_in_due_order():
    """3 late days; batch norm 1.5 days late spends 2 (no penalty), dropout 1.5 days late has
    1 left: 12 hours past it, a started day at 10%."""
    rules = policy("penalty_percent = 10", TOKENS)
    times = {"batchnorm": after(36), "dropout": after(36, DROPOUT_DUE_AT)}
    first = decide(rules, "ann", "batchnorm", times)
    assert (first.late_days_used, first.late_days_left, first.penalty(43)) == (2, 1, 0.0)
    second = decide(rules, "ann", "dropout", times)
    assert (second.late_days_used, second.late_days_left) == (1, 0)
    assert second.penalty(20) == 2.0
    # deciding again spends nothing twice: the same answer
    assert decide(rules, "ann", "dropout", times) == second


def test_late_days_not_spent_on_time_or_where_they_do_not_help():
    rules = policy("penalty_percent = 10\nmax_penalty_percent = 10", TOKENS)
    # batch norm on time: all 3 left for dropout, which is 3 days late: no penalty
    times = {"batchnorm": after(-1), "dropout": after(72, DROPOUT_DUE_AT)}
    assert decide(rules, "ann", "dropout", times).late_days_used == 3
    # 4 days late under a 10% cap: 3 days off still leaves a started day, at the same 10%
    times = {"batchnorm": after(-1), "dropout": after(96, DROPOUT_DUE_AT)}
    late = decide(rules, "ann", "dropout", times)
    assert (late.late_days_used, late.penalty(20)) == (0, 2.0)


def test_late_days_per_assignment_and_per_student():
    rules = policy(
        "penalty_percent = 10",
        "[late_days]\nper_student = 3\nmax_per_assignment = 1\nextra = { ben = 2 }",
    )
    times = {"batchnorm": after(36)}
    ann = decide(rules, "ann", "batchnorm", times)
    # one day off 1.5 days: 12 hours left, a started day
    assert (ann.late_days_used, ann.late_days_left, ann.penalty(43)) == (1, 2, 4.3)
    assert decide(rules, "ben", "batchnorm", times).late_days_left == 4


def test_an_earlier_assignment_without_a_record_is_named():
    rules = policy("penalty_percent = 10", TOKENS)
    late = decide(rules, "ann", "dropout", {"dropout": after(36, DROPOUT_DUE_AT)})
    assert late.unknown == ("batchnorm",)
    assert decide(rules, "ann", "batchnorm", {"batchnorm": after(1)}).unknown == ()


def test_no_time_or_no_due_date_is_never_late():
    rules = policy("penalty_percent = 10")
    assert decide(rules, "ann", "batchnorm", {"batchnorm": None}).status == "no submission time"
    assert decide(parse(""), "ann", "batchnorm", {"batchnorm": after(36)}).status == "no due date"


def test_the_words_say_when_how_late_and_the_penalty():
    rules = policy("penalty_percent = 10")
    late = decide(rules, "ann", "batchnorm", {"batchnorm": after(36)})
    record = LateRecord(late, 8.6, 43.0, rules)
    assert record.words() == (
        "Submitted 2026-04-19 11:59 UTC, 1 day 12 hours after the due date (due 2026-04-17 "
        "23:59 UTC). Late penalty: 20% of the score, 2 days late at 10% each: 8.6 points."
    )
    assert record.columns() == {
        "submitted_at": "2026-04-19T11:59:00Z",
        "due": "2026-04-17T23:59:00Z",
        "hours_late": "36",
        "late_days_used": "0",
        "late_penalty": "8.6",
    }


def test_the_words_of_late_days_and_of_an_extension():
    rules = policy("penalty_percent = 10", TOKENS + "\n[extensions.ben]\ndropout = { days = 1 }")
    times = {"batchnorm": after(36)}
    late = decide(rules, "ann", "batchnorm", times)
    assert (
        LateRecord(late, 0.0, 43.0, rules)
        .words()
        .endswith(
            "2 late days used (1 left for later assignments). No late penalty: your late days "
            "cover it."
        )
    )
    ben = decide(rules, "ben", "dropout", {"dropout": after(20, DROPOUT_DUE_AT)})
    assert LateRecord(ben, 0.0, 20.0, rules).words() == (
        "Submitted 2026-05-02 19:59 UTC, on time (due 2026-05-02 23:59 UTC, with your extension)."
    )
