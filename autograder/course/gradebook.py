"""nbgrader's gradebook, the system of record for every score: what the kit writes into it
(a zero for a missing notebook), reads from it, and copies from one into another (merge)."""

from __future__ import annotations

from typing import NamedTuple

from ..grading.reference import grade_id, nbgrader_meta, source_notebook
from ..layout import current


def record_zero(db_url: str, student: str) -> None:
    """No notebook to grade: the gradebook records zero, as nbgrader does for a missing one (a
    TA's score stays, as nbgrader keeps it)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(current().name, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def last_error(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "").strip().splitlines()
    return text[-1][:300] if text else "unknown error"


def nbgrader_log(result: dict) -> str:
    """nbgrader's own log and error of a failed call (its traceback), as a not-graded record's
    stderr: the end of it, where the cause is."""
    parts = (result.get("log"), result.get("error"))
    return "\n".join(part.strip() for part in parts if part)[-4000:]


class Recorded(NamedTuple):
    """A grade as the gradebook holds it."""

    score: float | None  # None: not graded yet
    max_score: float
    unanswered: bool = False  # :func:`left_as_released`


def left_as_released(grade) -> bool:
    """Whether an nbgrader ``Grade`` of a written answer is nbgrader's zero for an answer cell
    left as released (its checksum unchanged at autograde; ``record_zero``'s for a missing
    notebook), which no TA has changed: that answer was not given."""
    return grade.manual_score is None and grade.auto_score == 0


def gradebook_scores(db_url: str, students: list[str]) -> dict[str, dict[str, Recorded]]:
    """student -> grade name -> its :class:`Recorded` grade, from nbgrader's gradebook (one
    session for the class); a student it does not know has no grades. ``unanswered`` is
    :func:`left_as_released` (meaningful for the written answers only)."""
    from nbgrader import api

    from .prefetch import through_submission

    scores: dict[str, dict[str, Recorded]] = {student: {} for student in students}
    with api.Gradebook(db_url) as gb:  # three queries for the class, not a few a grade
        submitted = dict(
            through_submission(gb.db.query(api.SubmittedNotebook.id, api.Student.id))
            .filter(api.Notebook.name == current().notebook_id)
            .filter(api.Assignment.name == current().name)
            .all()
        )
        names = dict(  # this notebook's cells, not every assignment's
            gb.db.query(api.BaseCell.id, api.BaseCell.name)
            .join(api.Notebook, api.Notebook.id == api.BaseCell.notebook_id)
            .join(api.Assignment, api.Assignment.id == api.Notebook.assignment_id)
            .filter(api.Notebook.name == current().notebook_id)
            .filter(api.Assignment.name == current().name)
            .all()
        )
        # The grades in the order the gradebook holds them, as nbgrader's ``notebook.grades``
        # reads them: the total below adds them up in that order, to the same last digit.
        rows = (
            gb.db.query(
                api.Grade.notebook_id,
                api.Grade.cell_id,
                api.Grade.auto_score,
                api.Grade.manual_score,
                api.Grade.score,
                api.Grade.max_score,
            )
            .filter(api.Grade.notebook_id.in_(list(submitted)))
            .all()
        )
    for row in rows:
        student = submitted[row.notebook_id]
        if student in scores:
            graded = row.auto_score is not None or row.manual_score is not None
            scores[student][names[row.cell_id]] = Recorded(
                row.score if graded else None, row.max_score, left_as_released(row)
            )
    return scores


def manual_points() -> dict[str, float]:
    """Points of each manually graded cell (the written answers), from the source notebook."""
    return {
        grade_id(c): float(nbgrader_meta(c)["points"])
        for c in source_notebook().cells
        if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")
    }


def copy_submission(source, dest, student: str) -> None:
    """A student's submission, every score and comment (a TA's too), from one open nbgrader
    ``Gradebook`` into another that knows the same assignment: what ``merge`` does when the
    shards had gradebooks of their own. A TA's score or comment already in ``dest`` and not in
    ``source`` stays (a merge again after a shard was graded again keeps the TAs' work in the
    merged gradebook), marked for review when the autograder's score under it changed."""
    from nbgrader.api import MissingEntry

    try:
        submitted = source.find_submission(current().name, student)
    except MissingEntry:
        return
    who = submitted.student
    dest.update_or_create_student(
        student,
        first_name=who.first_name,
        last_name=who.last_name,
        email=who.email,
        lms_user_id=who.lms_user_id,
    )
    copy = dest.update_or_create_submission(
        current().name, student, timestamp=submitted.timestamp, extension=submitted.extension
    )
    notebooks = {nb.name: nb for nb in copy.notebooks}
    for nb in submitted.notebooks:
        target = notebooks[nb.name]
        target.flagged = nb.flagged
        target.late_submission_penalty = nb.late_submission_penalty
        grades = {g.name: g for g in target.grades}
        for grade in nb.grades:
            _copy_grade(grade, grades[grade.name])
        comments = {c.name: c for c in target.comments}
        for comment in nb.comments:
            into = comments[comment.name]
            into.auto_comment = comment.auto_comment
            if comment.manual_comment is not None:
                into.manual_comment = comment.manual_comment
    dest.db.commit()


def _copy_grade(grade, into) -> None:
    """One grade, with the TA's score of ``into`` kept where ``grade`` has none (for review
    again when the autograder's score under it changed)."""
    if grade.manual_score is None and into.manual_score is not None:
        into.needs_manual_grade = into.needs_manual_grade or into.auto_score != grade.auto_score
        into.auto_score = grade.auto_score
        return
    into.auto_score = grade.auto_score
    into.manual_score = grade.manual_score
    into.extra_credit = grade.extra_credit
    into.needs_manual_grade = grade.needs_manual_grade
