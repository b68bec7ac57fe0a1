"""``python -m autograder export OUT``: what a batch leaves for people, again, from the gradebook.

After TAs score the written answers in the formgrader, the gradebook holds every score, but
``grades.csv``, ``results.json`` and the pages still show what ``grade`` wrote. This writes them
again from the gradebook: the late penalties (a share of the score changes with a TA's
score; a new extension or late-policy change applies), nbgrader's feedback page of every graded
student (``generate_feedback``), then ``grades.csv``, ``results.json``, each student's page and the
report, for the students ``grade`` exported (``OUT/students.json``). Nothing is graded again.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from ..layout import current
from .collect import Student
from .database import shown
from .export import publish
from .gradebook import last_error
from .lateplugin import reapply
from .lms import LmsRequest, write_lms
from .out import Batch
from .progress import Progress
from .report import REPORT
from .roster import load
from .settings import recorded


def refresh(
    out: Path,
    *,
    db_url: str | None = None,
    group: str | None = None,
    private: bool = False,
    lms: LmsRequest | None = None,
) -> int:
    """Write OUT's exports again from its gradebook, and the LMS's file of ``lms``; 1 when a
    feedback page could not be made."""
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy 2.1 notes in nbgrader
    batch = Batch(out, db_url=db_url, group=group, private=private)
    try:
        students = load(batch.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with batch.claimed():
        return _refresh(batch, students, lms)


def _refresh(batch: Batch, students: list[Student], lms: LmsRequest | None) -> int:
    if batch.settings.group != recorded(batch.out).get("group"):
        batch.settings.record()  # --group or --private changed who may read OUT
    graded = [
        s
        for s in students
        if batch.not_graded_reason(s.id) is None
        and (batch.course / "autograded" / s.id / current().name).is_dir()
    ]
    # the late penalties again first (a TA's score may change one), for the pages to show
    reapply(batch.db_url, [s.id for s in graded], batch.policy_file)
    failed = {}
    for s in Progress(len(graded), "feedback").each(graded, lambda s: s.id):
        result = batch.api.generate_feedback(current().name, s.id, force=True)
        if not result["success"]:
            failed[s.id] = last_error(result)
    publish(batch, students)
    print(
        f"exported {len(students)} student(s) from the gradebook {shown(batch.db_url)}: "
        f"wrote {batch.out / 'grades.csv'}, {batch.out / 'results.json'}, "
        f"{batch.out / 'feedback'}/, {batch.out / REPORT}"
    )
    for student, reason in sorted(failed.items()):
        print(
            f"error: nbgrader could not write {student}'s feedback page: {reason}", file=sys.stderr
        )
    if lms is not None:
        write_lms(batch.out, lms)
    return 1 if failed else 0
