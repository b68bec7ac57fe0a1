"""Each graded student's :class:`~autograder.deadlines.record.LateRecord` (what ``grades.csv``,
``results.json`` and the feedback pages say about late work), from nbgrader's gradebook: the
submission time, the student's due date and the penalty it records, with the course policy's
decision (the late days used, the words)."""

from __future__ import annotations

from datetime import timedelta

from nbgrader.api import Gradebook, MissingEntry

from ..deadlines import Late, Policy
from ..deadlines.course import course_policy
from ..deadlines.record import LateRecord
from ..layout import current
from .lateplugin import aware, decided


def late_record(
    gb: Gradebook, policy: Policy | None, student: str, where: tuple[str, str] | None = None
) -> LateRecord | None:
    """``student``'s :class:`LateRecord` on an assignment and its notebook (``where``; default:
    the current assignment's); None when there is no submission."""
    name, notebook_id = where or (current().name, current().notebook_id)
    try:
        submission = gb.find_submission(name, student)
        notebook = gb.find_submission_notebook(notebook_id, name, student)
    except MissingEntry:
        return None
    if policy is not None:
        late = decided(gb, policy, name, student)
    else:
        late = _nbgraders(submission, name, student)
    penalty = notebook.late_submission_penalty or 0.0
    return LateRecord(late, penalty, notebook.score, policy)


def _nbgraders(submission, name: str, student: str) -> Late:
    """Lateness as nbgrader alone records it (a course without a deadlines file)."""
    due, at = aware(submission.duedate), aware(submission.timestamp)
    late_by = None if due is None or at is None else max(at - due, timedelta(0))
    return Late(name, student, at, due, submission.extension is not None, late_by)


def late_records(db_url: str, students: list[str], configured: str = "") -> dict:
    """student -> :class:`LateRecord` (None: no submission), in one gradebook session."""
    policy = course_policy(configured)
    with Gradebook(db_url) as gb:
        return {s: late_record(gb, policy, s) for s in students}


def late_words(info: dict, configured: str = "") -> str:
    """What a student's feedback says about lateness: nbgrader's page (``GetGradesTold``, whose
    resources ``info`` name the gradebook, student, assignment and notebook)."""
    with Gradebook(info["db_url"]) as gb:
        where = (info["assignment"], info["notebook"])
        found = late_record(gb, course_policy(configured), info["student"], where)
    return found.words() if found is not None else ""
