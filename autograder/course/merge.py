"""``python -m autograder merge OUT1 OUT2 ... --out OUT``: shards of ``grade --shard``, one OUT.

Each shard graded a disjoint slice of the class, with the same grader and the same grading secret
(both are checked: otherwise one class would be graded on two sets of hidden inputs). The merge
copies every student's files (the staged, autograded and feedback notebooks, the saved result,
the done or not-graded marker) into OUT, and their submissions, every score and comment, through
nbgrader's ``Gradebook`` into OUT's gradebook, unless a shard already wrote into that very
database (a shared PostgreSQL gradebook, which is then OUT's unless ``--db`` names another).
Then it exports as ``grade`` does: one gradebook, ``grades.csv``, ``results.json``, the feedback
pages and the report. Nothing is graded again, and merging again (after a shard was re-run)
gives the same OUT.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

from ..access import make_dirs
from .batch import EXIT_NOT_GRADED
from .collect import Student
from .database import shown
from .export import publish
from .gradebook import copy_submission
from .out import Batch, assignment_ready
from .roster import load
from .settings import Settings, SettingsError, fingerprint, of_record, recorded

STUDENT_FOLDERS = ("course/submitted", "course/autograded", "course/feedback")
STUDENT_FILES = ("results", "done", "not-graded")


def merge(
    shards: list[Path],
    out: Path,
    *,
    db_url: str | None = None,
    secret_file: Path | None = None,
    group: str | None = None,
    private: bool = False,
) -> int:
    """Merge the shards' outputs into OUT; 3 when some students are not graded (as grade).

    Raises
    ------
    SettingsError
        A shard that is not a grade output, graded by another grader or with another secret,
        shards sharing a student, or OUT among the shards.
    """
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy 2.1 notes in nbgrader
    out = out.resolve()
    folders = [s.resolve() for s in shards]
    if out in folders or len(set(folders)) < len(folders):
        raise SettingsError("each shard once, and OUT a folder of its own")
    settings = [of_record(f) for f in folders]
    rosters = [_roster(f) for f in folders]
    for folder in folders:
        if not assignment_ready(folder):
            raise SettingsError(f"{folder} was graded by another version of the grader: regrade it")
    owner: dict[str, Path] = {}
    for folder, roster in zip(folders, rosters, strict=True):
        for s in roster:
            if s.id in owner:
                raise SettingsError(f"{s.id} is in two shards: {owner[s.id]} and {folder}")
            owner[s.id] = folder

    # the shards' secret, unless another is named (and then it must be the same); the shards'
    # gradebook when they shared one
    shared = {s.db_url for s in settings}
    if db_url is None and len(shared) == 1 and not settings[0].default_db:
        db_url = settings[0].db_url
    batch = Batch(
        out,
        db_url=db_url,
        secret_file=secret_file or settings[0].secret_file,
        group=group,
        private=private,
    )
    expected = fingerprint(batch.secret)
    for folder in folders:
        if recorded(folder).get("secret_sha256") != expected:
            raise SettingsError(
                f"{folder} was graded with another grading secret than {batch.settings.secret_file}"
                ": every shard and the merge need the same one (grade --secret FILE)"
            )
    with batch.claimed():
        return _merge(batch, folders, settings, rosters)


def _merge(
    batch: Batch, folders: list[Path], settings: list[Settings], rosters: list[list[Student]]
) -> int:
    """:func:`merge` once OUT is claimed: its course, the students' files and grades, then the
    exports."""
    out = batch.out
    batch.prepare()

    for folder, setting, roster in zip(folders, settings, rosters, strict=True):
        for s in roster:
            _copy_files(folder, out, s.id)
        if setting.db_url != batch.db_url:
            _copy_grades(setting.db_url, batch, [s.id for s in roster])
    students = sorted((s for roster in rosters for s in roster), key=lambda s: s.id)
    rows = publish(batch, students)
    not_graded = [r["student_id"] for r in rows if r["status"] != "graded"]
    print(
        f"merged {len(folders)} shard(s), {len(students)} student(s), into {out} "
        f"(gradebook {shown(batch.db_url)})"
    )
    if not_graded:
        print(
            f"{len(not_graded)} student(s) NOT GRADED in their shard ({', '.join(not_graded)}): "
            "run that shard's grade command again, then merge again",
            file=sys.stderr,
        )
        return EXIT_NOT_GRADED
    return 0


def _roster(folder: Path) -> list[Student]:
    try:
        return load(folder)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _copy_files(shard: Path, out: Path, student: str) -> None:
    """The student's folders and files in the shard replace any in OUT (copied with the shard's
    modes; the command's end gives them OUT's)."""
    for name in STUDENT_FOLDERS:
        source, dest = shard / name / student, out / name / student
        if dest.exists():
            shutil.rmtree(dest)
        if source.exists():
            make_dirs(dest.parent)
            shutil.copytree(source, dest, symlinks=True)
    for name in STUDENT_FILES:
        source, dest = shard / name / f"{student}.json", out / name / f"{student}.json"
        if source.exists():
            make_dirs(dest.parent)
            shutil.copy2(source, dest)
        else:
            dest.unlink(missing_ok=True)


def _copy_grades(db_url: str, batch: Batch, students: list[str]) -> None:
    from nbgrader.api import Gradebook

    course_id = batch.config.CourseDirectory.get("course_id") or "default_course"
    with Gradebook(db_url, course_id) as source, Gradebook(batch.db_url, course_id) as dest:
        for student in students:
            copy_submission(source, dest, student)
