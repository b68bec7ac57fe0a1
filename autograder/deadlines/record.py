"""A student's lateness as it is reported: ``grades.csv``'s columns, ``results.json``'s
``late``, the words of the feedback pages and the flags for staff. The same on nbgrader
(``autograder/course/latework.py`` reads it from the gradebook) and on Gradescope
(``autograder/gradescope/late.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

from .lateness import Late
from .policy import Policy
from .words import explain, iso

COLUMNS = ("submitted_at", "due", "hours_late", "late_days_used", "late_penalty")
"""grades.csv's columns about late work, after ``max_total``."""


@dataclass(frozen=True)
class LateRecord:
    """A graded student's lateness: the policy's decision (or, without a deadlines file,
    nbgrader's own record) and the penalty (the one the gradebook holds, on nbgrader)."""

    late: Late
    penalty: float
    score: float  # before the penalty
    policy: Policy | None

    def words(self) -> str:
        """What the student's feedback says ("" when there is no due date)."""
        rules = self.policy.rules_of(self.late.assignment) if self.policy else None
        zone = self.policy.zone if self.policy else UTC
        return explain(self.late, self.penalty, rules, zone)

    def flags(self) -> list[str]:
        """What staff should look at: no submission time, late days not counted."""
        found = []
        if self.late.status == "no submission time":
            found.append(
                "no submission time (no timestamp.txt with the notebook, or no created_at on "
                "Gradescope): no late penalty was "
                "applied; check when it was submitted"
            )
        if self.late.unknown and self.late.status == "late":
            found.append(
                f"late days spent on {', '.join(self.late.unknown)} are not counted: not in "
                "this gradebook (grade the course's assignments into one gradebook: --db)"
            )
        return found

    @property
    def hours_late(self) -> float | None:
        late_by = self.late.late_by
        return None if late_by is None else round(late_by / timedelta(hours=1), 2)

    def columns(self) -> dict[str, str]:
        """grades.csv's :data:`COLUMNS` (a time in ISO 8601, UTC; hours to 2 decimals)."""
        hours = self.hours_late
        return {
            "submitted_at": iso(self.late.submitted),
            "due": iso(self.late.due),
            "hours_late": "" if hours is None else f"{hours:g}",
            "late_days_used": str(self.late.late_days_used),
            "late_penalty": f"{self.penalty:g}",
        }

    def as_json(self) -> dict:
        """results.json's ``late`` of a student."""
        return {
            "status": self.late.status,
            "submitted_at": iso(self.late.submitted) or None,
            "due": iso(self.late.due) or None,
            "extension": self.late.extended,
            "hours_late": self.hours_late,
            "late_days_used": self.late.late_days_used,
            "late_days_left": self.late.late_days_left if self.policy else None,
            "penalty": self.penalty,
            "score_before_penalty": self.score,
            "explanation": self.words(),
        }


def no_columns() -> dict[str, str]:
    """grades.csv's late columns of a student with no graded submission."""
    return dict.fromkeys(COLUMNS, "")
