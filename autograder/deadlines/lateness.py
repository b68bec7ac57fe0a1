"""How late a submission is, the late days it spends and the penalty it gets: pure arithmetic
on a :class:`~autograder.deadlines.policy.Policy` and submission times (the order is this
package's docstring). No gradebook here: ``autograder/course/lateplugin.py`` reads the times
from nbgrader's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .policy import Policy, Rules

DAY = timedelta(days=1)
"""What one late day (token) waives."""
ZERO = timedelta(0)


@dataclass(frozen=True)
class Deduction:
    """What lateness costs, whatever the score: ``kind`` "none", "percent" (of the score),
    "points", or "zero" (the whole score); ``amount`` in the kind's unit; ``periods`` the days
    (or hours) counted."""

    kind: str = "none"
    amount: float = 0.0
    periods: float = 0.0

    @property
    def rank(self) -> tuple[bool, float]:
        """Orders the deductions of one rule set: a zero is worse than any penalty."""
        return (self.kind == "zero", self.amount)

    def points(self, score: float) -> float:
        """The penalty on ``score``: rounded half up to 2 decimals, from 0 to the score."""
        score = max(0.0, score)
        raw = {"zero": score, "percent": score * self.amount / 100, "points": self.amount}
        points = float(
            Decimal(repr(raw.get(self.kind, 0.0))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        )
        return min(max(points, 0.0), score)


NONE = Deduction()


def deduction(rules: Rules, late: timedelta) -> Deduction:
    """The deduction for being ``late`` (after extensions and late days) under ``rules``."""
    if late <= ZERO or late <= rules.grace:
        return NONE
    if rules.count == "started":
        periods = float(-((-late) // rules.period))  # every started period counts in full
    else:
        periods = late / rules.period
    if rules.zero_after is not None and late > rules.zero_after:
        return Deduction("zero", 100.0, periods)
    amount = periods * rules.penalty
    if rules.cap is not None:
        amount = min(amount, rules.cap)
    return Deduction(rules.unit, amount, periods) if amount > 0 else Deduction("none", 0.0, periods)


def late_days_to_spend(rules: Rules, late: timedelta, available: int) -> int:
    """The fewest late days (at most ``available``) that give the lowest deduction; 0 when no
    number of them lowers it."""
    if available <= 0 or late <= ZERO:
        return 0
    most = min(available, -((-late) // DAY))  # more than that waives nothing more
    best = deduction(rules, late - most * DAY).rank
    if best >= deduction(rules, late).rank:
        return 0
    return next(k for k in range(1, most + 1) if deduction(rules, late - k * DAY).rank == best)


@dataclass(frozen=True)
class Late:
    """One student's lateness on one assignment, as the policy decides it.

    ``submitted`` and ``due`` are aware UTC times (``due`` the student's, with an extension);
    ``late_by`` is the time past ``due`` (``ZERO`` when on time, None when unknown: no due date
    or no submission time); ``late_days_left`` is what remains for later assignments;
    ``unknown`` names earlier assignments whose late days could not be counted (no record of
    them).
    """

    assignment: str
    student: str
    submitted: datetime | None = None
    due: datetime | None = None
    extended: bool = False
    late_by: timedelta | None = None
    late_days_used: int = 0
    late_days_left: int = 0
    deduction: Deduction = NONE
    unknown: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """One of: no due date, no submission time, on time, late."""
        if self.due is None:
            return "no due date"
        if self.late_by is None:
            return "no submission time"
        return "late" if self.late_by > ZERO else "on time"

    def penalty(self, score: float) -> float:
        return self.deduction.points(score)


Times = Mapping[str, datetime | None]
"""Assignment -> the student's submission time (None: no time recorded, or no submission).
An assignment missing from it is unknown (its record is not at hand)."""


def decide(policy: Policy, student: str, assignment: str, times: Times) -> Late:
    """The student's :class:`Late` on ``assignment``: the late days of every earlier assignment
    (in due-date order) are spent first, from ``times``."""
    left, unknown = policy.late_days_of(student), []
    for earlier in policy.in_due_order():
        if earlier == assignment:
            break
        if earlier not in times:
            unknown.append(earlier)
            continue
        left -= _spent(policy, student, earlier, times[earlier], left)
    return _late(policy, student, assignment, times.get(assignment), left, tuple(unknown))


def _available(policy: Policy, left: int) -> int:
    return left if policy.late_days_max is None else min(left, policy.late_days_max)


def _spent(policy: Policy, student: str, assignment: str, at: datetime | None, left: int) -> int:
    due = policy.due_of(assignment, student)
    if at is None or due is None:
        return 0
    return late_days_to_spend(policy.rules_of(assignment), at - due, _available(policy, left))


def _late(
    policy: Policy,
    student: str,
    assignment: str,
    at: datetime | None,
    left: int,
    unknown: tuple[str, ...],
) -> Late:
    due = policy.due_of(assignment, student)
    base = Late(
        assignment,
        student,
        submitted=at,
        due=due,
        extended=(student, assignment) in policy.extensions,
        late_days_left=left,
        unknown=unknown,
    )
    if at is None or due is None:
        return base
    late = max(at - due, ZERO)
    rules = policy.rules_of(assignment)
    used = late_days_to_spend(rules, late, _available(policy, left))
    return replace(
        base,
        late_by=late,
        late_days_used=used,
        late_days_left=left - used,
        deduction=deduction(rules, late - used * DAY),
    )
