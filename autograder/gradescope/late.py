"""Late work on Gradescope: the course's deadlines file, carried in the zip, applied to
Gradescope's own submission time (``created_at`` in ``submission_metadata.json``).

Why the zip applies the policy rather than leaving it to Gradescope's settings: Gradescope's
late settings (a late due date, extensions per student) decide whether a late submission is
accepted and label it late, but take nothing off an autograder's score; a penalty would be a
TA's adjustment, by hand, on each late submission. The file nbgrader's plugin reads gives the
same penalty here, computed the same way (``autograder.deadlines``).

What a Gradescope run cannot do, so the build refuses it: spend late days. They are shared
across the course's assignments, and a run sees one submission of one assignment, with no
record of the others. What differs, and the README says:

- Gradescope names the student: an extension applies when its key is the student's Gradescope
  user id or email (the latest one of a group's members).
- The autograder's score is the autograded points only (the written answers are Gradescope
  questions graded by hand): a percent penalty counts those points.
- Gradescope's own due date (or an extension set there) decides only whether Gradescope accepts
  the submission; when it is not the file's, the run says so to staff (its stdout).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..deadlines import Policy, PolicyError, decide, load
from ..deadlines.record import LateRecord
from ..layout import current

IN_ZIP = "deadlines.toml"
"""The course's deadlines file in the zip (so in ``/autograder/source``)."""


def zip_member(configured: str = "") -> dict[str, tuple[bytes, int]]:
    """The course's deadlines file as a member of the zip ({} when the course has none).

    PolicyError when it is not valid, or when it grants late days (which a run cannot spend).
    """
    from ..deadlines.course import course_policy, policy_path

    policy = course_policy(configured)
    if policy is None:
        return {}
    if policy.late_days or any(policy.late_days_extra.values()):
        raise PolicyError(
            f"{policy.source}: late_days: a Gradescope autograder sees one submission of one "
            "assignment, so late days shared across assignments cannot be spent there; grade "
            "them through nbgrader (python -m autograder grade), or build the zip with a "
            f"deadlines file without [late_days] (AUTOGRADER_DEADLINES=FILE)"
        )
    return {IN_ZIP: (policy_path(configured).read_bytes(), 0o644)}


def late_work(source: Path, metadata: Path, student: str, score: float) -> LateRecord | None:
    """The submission's lateness under the zip's deadlines file (None: the zip has none), and
    ``score``'s penalty. PolicyError when the file is not valid."""
    policy = load(source / IN_ZIP)  # checked against the course's assignments at build
    if policy is None:
        return None
    data = _metadata(metadata)
    name = current().name
    key = _whose_extension(policy, name, _names(data, student))
    late = decide(policy, key, name, {name: _created_at(data)})
    return LateRecord(late, late.penalty(score), score, policy)


def staff_notes(source: Path, metadata: Path) -> list[str]:
    """What staff should know: Gradescope's due date is not the deadlines file's."""
    policy = load(source / IN_ZIP)
    due = policy.due.get(current().name) if policy else None
    theirs = _time(_metadata(metadata).get("assignment", {}).get("due_date"))
    if due is None or theirs is None or theirs == due:
        return []
    return [
        f"Gradescope's due date ({theirs.isoformat()}) is not the deadlines file's "
        f"({due.isoformat()}): the penalty counts from the file's"
    ]


def _metadata(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _time(value) -> datetime | None:
    """An ISO 8601 time with its offset, as Gradescope writes them (None: none, or no offset)."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def _created_at(data: dict) -> datetime | None:
    return _time(data.get("created_at"))


def _names(data: dict, student: str) -> list[str]:
    """Every name the policy may know the student by: the kit's id (a group's user ids joined),
    then each member's Gradescope user id and email."""
    names = [student]
    users = data.get("users")
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict):
            names += [str(user[k]) for k in ("id", "email") if user.get(k) is not None]
    return names


def _whose_extension(policy: Policy, assignment: str, names: list[str]) -> str:
    """The name with the latest extension of ``assignment`` (the first name without one)."""
    extended = [n for n in names if (n, assignment) in policy.extensions]
    if not extended:
        return names[0]
    return max(extended, key=lambda n: policy.extensions[(n, assignment)])
