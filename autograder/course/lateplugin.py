"""The course's deadlines (``autograder.deadlines``, the one home of the policy) in nbgrader:
its due dates, extensions and late penalties, where nbgrader keeps them, so that nbgrader's
totals are the kit's. Nothing of the policy is decided here.

- The deadlines file is ``c.CourseLatePolicy.policy_file`` (``deadlines.course``).
- The due date is the assignment's ``duedate`` (``Gradebook.update_or_create_assignment``); an
  extension is the student's submission's ``extension`` (what ``Gradebook.grant_extension``
  sets), so nbgrader's ``total_seconds_late`` counts from the student's own due date.
- :class:`RecordDeadline`, an autograde step before nbgrader's ``AssignLatePenalties``, writes
  both for the student being graded; :class:`CourseLatePolicy` is ``AssignLatePenalties``'s
  plugin: the policy's penalty, with the late days of the student's earlier assignments, read
  from the same gradebook. So ``nbgrader autograde`` alone applies the same policy.
- :func:`reapply` computes every penalty again (``grade``, ``merge`` and ``export`` call it
  before they export): a penalty that is a share of the score changes when a TA grades a
  written answer, and an extension may be granted after grading. Late days are never stored
  and spent: each use is derived from the submission times, so a regrade spends none twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Unicode

from ..deadlines import Late, Policy, decide
from ..deadlines.course import DEFAULT_FILE, course_policy
from ..deadlines.words import explain
from ..layout import current


def naive_utc(moment: datetime | None) -> datetime | None:
    """A time as nbgrader stores it: naive, in UTC."""
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None)


def aware(moment: datetime | None) -> datetime | None:
    """A time nbgrader stored (naive, UTC) as an aware one."""
    return None if moment is None else moment.replace(tzinfo=UTC)


def submission_times(gb: Gradebook, policy: Policy, student: str) -> dict[str, datetime | None]:
    """The student's submission time of every assignment of the policy that this gradebook
    knows (None: not submitted, or no time recorded); one it does not know is left out."""
    times: dict[str, datetime | None] = {}
    for name in policy.due:
        try:
            gb.find_assignment(name)
        except MissingEntry:
            continue
        try:
            times[name] = aware(gb.find_submission(name, student).timestamp)
        except MissingEntry:
            times[name] = None
    return times


def decided(gb: Gradebook, policy: Policy, assignment: str, student: str) -> Late:
    return decide(policy, student, assignment, submission_times(gb, policy, student))


def record(gb: Gradebook, policy: Policy, assignment: str, student: str) -> None:
    """The policy's due date of ``assignment`` (through nbgrader's
    ``update_or_create_assignment``) and ``student``'s extension (the submission's
    ``extension``, as ``grant_extension`` sets it) in nbgrader's gradebook, where they differ."""
    due = policy.due.get(assignment)
    if gb.find_assignment(assignment).duedate != naive_utc(due):
        gb.update_or_create_assignment(assignment, duedate=naive_utc(due))
    own = policy.extensions.get((student, assignment))
    extension = own - due if own is not None and due is not None and own != due else None
    submission = gb.find_submission(assignment, student)
    if submission.extension != extension:
        submission.extension = extension


def tell_due_date(db_url: str, configured: str = "") -> None:
    """The current assignment's due date, from the policy, in nbgrader's gradebook (nothing
    without a deadlines file)."""
    policy = course_policy(configured)
    if policy is None:
        return
    due = naive_utc(policy.due.get(current().name))
    with Gradebook(db_url) as gb:
        if gb.find_assignment(current().name).duedate != due:
            gb.update_or_create_assignment(current().name, duedate=due)


class CourseLatePolicy(LateSubmissionPlugin):
    """nbgrader's late-submission plugin (``AssignLatePenalties.plugin_class``): the penalty of
    the course's ``deadlines.toml``. Without that file, nbgrader's own choice
    (``penalty_method``, by default none)."""

    policy_file = Unicode(
        DEFAULT_FILE,
        help="The course's deadlines file (relative to the course's root); "
        "AUTOGRADER_DEADLINES names another.",
    ).tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        policy = course_policy(self.policy_file)
        if policy is None:
            return super().late_submission_penalty(student_id, score, total_seconds_late)
        assignment = self.parent.assignment_id
        late = decided(self.parent.gradebook, policy, assignment, student_id)
        penalty = late.penalty(score)
        words = explain(late, penalty, policy.rules_of(assignment), policy.zone)
        self.log.info("%s, %s: %s", assignment, student_id, words)
        return penalty


class RecordDeadline(NbGraderPreprocessor):
    """Autograde, before ``AssignLatePenalties``: the policy's due date and the student's
    extension into the gradebook (:func:`record`), so that nbgrader counts lateness from them;
    a submission with no ``timestamp.txt`` has no time recorded, not a former one's."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        policy = course_policy(CourseLatePolicy(config=self.config).policy_file)
        with Gradebook(info["db_url"]) as gb:
            if policy is not None:
                record(gb, policy, info["assignment"], info["student"])
            if not self._timestamped(info):
                gb.find_submission(info["assignment"], info["student"]).timestamp = None
            gb.db.commit()
        return nb, resources

    def _timestamped(self, info) -> bool:
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(
            coursedir.submitted_directory, info["student"], info["assignment"]
        )
        return (Path(folder) / "timestamp.txt").is_file()


def reapply(db_url: str, students: list[str], configured: str = "") -> list[str]:
    """Every student's penalty computed again from the gradebook and the policy (the due date
    and extensions written again too); the students whose penalty changed."""
    from .database import patient_sqlite, writing

    policy = course_policy(configured)
    if policy is None:
        return []
    patient_sqlite()
    changed = []
    with writing(db_url), Gradebook(db_url) as gb:
        for student in students:
            if _reapplied(gb, policy, student):
                changed.append(student)
        gb.db.commit()
    return changed


def _reapplied(gb: Gradebook, policy: Policy, student: str) -> bool:
    name = current().name
    try:
        record(gb, policy, name, student)
        notebook = gb.find_submission_notebook(current().notebook_id, name, student)
    except MissingEntry:
        return False
    late = decided(gb, policy, name, student)
    penalty = late.penalty(notebook.score) if late.status == "late" else None
    if notebook.late_submission_penalty == penalty:
        return False
    notebook.late_submission_penalty = penalty
    return True
