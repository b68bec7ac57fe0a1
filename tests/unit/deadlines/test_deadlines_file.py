"""The deadlines file (``autograder.deadlines.policy``, ``.course``): what it sets, and one clear
line naming the file and the field for every mistake in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autograder.deadlines import PolicyError, parse
from autograder.deadlines.course import POLICY_ENV, course_policy, policy_path
from autograder.layout import ROOT

COURSE = ["batchnorm", "dropout"]


def test_the_fields_of_a_file():
    policy = parse(
        """
timezone = "America/Los_Angeles"
[late]
grace_minutes = 15
penalty_percent = 10
max_penalty_percent = 30
zero_after_days = 5
[late_days]
per_student = 3
max_per_assignment = 2
extra = { ben = 1 }
[assignments.batchnorm]
due = 2026-04-17T23:59:00
[assignments.dropout]
due = "2026-05-01T23:59:00-07:00"
late = { penalty_points = 2, per = "hour" }
[extensions.ann]
batchnorm = { days = 2 }
dropout = 2026-05-03T12:00:00
""",
        assignments=COURSE,
    )
    # 23:59 in Los Angeles in April (PDT, UTC-7) is 06:59 UTC the next day
    assert policy.due["batchnorm"] == datetime(2026, 4, 18, 6, 59, tzinfo=UTC)
    assert policy.due["dropout"] == datetime(2026, 5, 2, 6, 59, tzinfo=UTC)
    assert policy.extensions[("ann", "batchnorm")] == datetime(2026, 4, 20, 6, 59, tzinfo=UTC)
    assert policy.extensions[("ann", "dropout")] == datetime(2026, 5, 3, 19, 0, tzinfo=UTC)
    batchnorm = policy.rules_of("batchnorm")
    assert (batchnorm.unit, batchnorm.penalty, batchnorm.cap) == ("percent", 10, 30)
    assert batchnorm.grace == timedelta(minutes=15) and batchnorm.zero_after == timedelta(days=5)
    # dropout's own rules: its penalty in points, the base's percent cap dropped, the rest kept
    dropout = policy.rules_of("dropout")
    assert (dropout.unit, dropout.penalty, dropout.per, dropout.cap) == ("points", 2, "hour", None)
    assert dropout.grace == timedelta(minutes=15)
    assert (policy.late_days_of("ann"), policy.late_days_of("ben")) == (3, 4)
    assert policy.late_days_max == 2
    assert policy.in_due_order() == ["batchnorm", "dropout"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[late]\npenalty_percent = 'ten'", "late.penalty_percent: expected a number, got 'ten'"),
        ("[late]\npenalty_percent = 150", "late.penalty_percent: expected a number from 0 to 100"),
        ("[late]\npenalty_percent = -1", "late.penalty_percent: expected a number from 0 to 100"),
        ("[late]\npenalty = 10", "late.penalty: unknown field (known here: grace_minutes,"),
        ("[late]\nper = 'week'", "late.per: expected one of day, hour, got 'week'"),
        (
            "[late]\npenalty_percent = 10\npenalty_points = 1",
            "late.penalty_points: give penalty_percent or penalty_points, not both",
        ),
        (
            "[late]\npenalty_points = 1\nmax_penalty_percent = 30",
            "late.max_penalty_percent: the penalty counts points: give the cap as "
            "max_penalty_points",
        ),
        ("[late_days]\nper_student = 1.5", "late_days.per_student: expected a whole number"),
        ("deadline = 2026-04-17T23:59:00Z", "deadline: unknown field"),
        ("[assignments.batchnorm]\ndue = 2026-04-17", "has no time of day: write one"),
        (
            "[assignments.batchnorm]\ndue = 2026-04-17T23:59:00",
            "assignments.batchnorm.due: 2026-04-17T23:59:00 has no UTC offset",
        ),
        ("[assignments.batchnorm]\ndue = 'friday'", "not an ISO 8601 date and time: 'friday'"),
        ("[assignments.pca]\ndue = 2026-04-17T23:59:00Z", "assignments.pca: no such assignment"),
        ("timezone = 'Mars/Olympus'", "timezone: unknown time zone 'Mars/Olympus'"),
        (
            "[extensions.ann]\nbatchnorm = { days = 2 }",
            "extensions.ann.batchnorm: days or hours more need the assignment's due date",
        ),
        (
            "[assignments.batchnorm]\ndue = 2026-04-17T23:59:00Z\n"
            "[extensions.ann]\nbatchnorm = 2026-04-16T23:59:00Z",
            "extensions.ann.batchnorm: 2026-04-16T23:59:00+00:00 is before the assignment's due",
        ),
        ("[late\npenalty_percent = 10", "not valid TOML"),
    ],
)
def test_a_mistake_is_named_in_one_line(text, message):
    with pytest.raises(PolicyError) as caught:
        parse(text, "course/deadlines.toml", COURSE)
    said = str(caught.value)
    assert said.startswith("course/deadlines.toml: ") and message in said, said
    assert "\n" not in said


def test_the_file_is_found_where_the_course_says(tmp_path, monkeypatch):
    monkeypatch.delenv(POLICY_ENV, raising=False)
    assert policy_path() == ROOT / "deadlines.toml"
    assert policy_path("term/late.toml") == ROOT / "term" / "late.toml"
    monkeypatch.setenv(POLICY_ENV, str(tmp_path / "other.toml"))
    assert policy_path("term/late.toml") == tmp_path / "other.toml"
    assert course_policy() is None  # no such file: no deadlines
    (tmp_path / "other.toml").write_text("[assignments.batchnorm]\ndue = 2026-04-17T23:59:00Z\n")
    assert course_policy().due == {"batchnorm": datetime(2026, 4, 17, 23, 59, tzinfo=UTC)}
    (tmp_path / "other.toml").write_text("[assignments.pca]\ndue = 2026-04-17T23:59:00Z\n")
    with pytest.raises(PolicyError, match="no such assignment"):
        course_policy()  # read again: the file changed
