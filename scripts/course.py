"""Set up a course that runs on nbgrader's exchange in a local folder: ``make course``.

    python scripts/course.py [DIR]        (default: course/)

DIR then holds

- ``nbgrader_config.py``: the instructor's configuration, i.e. the kit's ``nbgrader_config.py``
  with the exchange in ``DIR/exchange``, the committed release ``assignment/`` (every assignment
  of the course) as nbgrader's release folder, one gradebook ``DIR/gradebook.db`` for them all,
  collected submissions in ``DIR/submitted`` and, as the feedback to release, what
  ``python -m autograder grade DIR --out DIR/graded/<assignment>`` writes;
- ``exchange/``: nbgrader's exchange (on a shared machine, a folder every student can write to,
  like nbgrader's default ``/srv/nbgrader/exchange``);
- ``student/nbgrader_config.py``: what a student's Jupyter needs to find the course (exchange
  and course id); copy it to the students' Jupyter configuration, e.g.
  ``/etc/jupyter/nbgrader_config.py`` in their image or ``~/.jupyter/nbgrader_config.py``.

On a shared host students pass through DIR (mode 0711) to the exchange and read nothing else
of it: the instructor's configuration, ``submitted/`` and the course's gradebook are the
instructor's only (0600, 0700), and ``python -m autograder grade`` keeps ``graded/`` so
(docs/instructor-operations.md, "A shared grading host").

Then, from DIR, with the instructor's environment activated (nbgrader calls ``alembic``), for
each assignment (``batchnorm``, then ``dropout``):

    nbgrader release_assignment batchnorm
    # students: Assignments tab -> Fetch, work, Submit
    nbgrader collect batchnorm
    python -m autograder grade . --assignment batchnorm --out graded/batchnorm \
        --db sqlite:///$PWD/gradebook.db
    nbgrader release_feedback batchnorm
    # students: Assignments tab -> Fetch Feedback

Every assignment's grades go into the one gradebook, so ``nbgrader export`` from DIR lists them
all. A rerun of the grade command after TAs scored the written answers in the formgrader
(``cd graded/batchnorm/course && jupyter lab``, Formgrader) re-exports ``grades.csv``;
``(cd graded/batchnorm/course && nbgrader generate_feedback batchnorm --force)`` then
``nbgrader release_feedback batchnorm`` gives students the feedback with those scores.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from autograder.layout import assignments

ROOT = Path(__file__).resolve().parent.parent
COURSE_ID = "batchnorm-kit"
"""The kit's course id (``nbgrader_config.py``); the exchange files courses under it."""

INSTRUCTOR_CONFIG = """\
# The instructor's side of a course on nbgrader's exchange, written by `make course`.
# Run nbgrader's commands (release_assignment, collect, release_feedback) from this folder.
c = get_config()  # noqa: F821
load_subconfig({kit_config!r})  # noqa: F821  (the kit's own configuration)
c.CourseDirectory.root = {course!r}
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.release_directory = {release!r}
c.CourseDirectory.db_url = {db_url!r}
# What `python -m autograder grade . --out graded/<assignment>` writes is the feedback to release.
# Each assignment is graded into graded/<assignment>; ReleaseFeedback fills in {{assignment}}.
c.CourseDirectory.feedback_directory = "graded/{{assignment}}/course/feedback"
c.Exchange.root = {exchange!r}
# The kit writes feedback readable by the grader only: released, each page becomes readable by
# the student who knows its name, as stock nbgrader's pages are.
c.ExchangeFactory.release_feedback = "autograder.course.release.ReleaseFeedback"
"""

STUDENT_CONFIG = """\
# A student's nbgrader configuration for this course, written by `make course`: copy it into the
# students' Jupyter configuration (e.g. /etc/jupyter/nbgrader_config.py or
# ~/.jupyter/nbgrader_config.py). The Assignments tab then lists the course's assignments.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
"""


PASS_THROUGH = 0o711
"""The course folder: students pass through it to the exchange, and cannot list it."""
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
PUBLIC_DIR, PUBLIC_FILE = 0o755, 0o644


def setup(course: Path) -> None:
    """Write the course's folders and configurations (idempotent; the exchange is kept).

    On a shared host students reach the exchange through DIR, and must read nothing else in it:
    DIR is 0711 (passed through, not listed); the instructor's configuration, the collected
    submissions (``submitted/``, where ``nbgrader collect`` would copy each submission's 0777
    folder) and nbgrader's gradebook of the course (an empty SQLite file, which nbgrader fills)
    are made the instructor's only before nbgrader writes them; ``student/`` is for students.
    """
    course = course.resolve()
    exchange = course / "exchange"
    exchange.mkdir(parents=True, exist_ok=True)
    course.chmod(PASS_THROUGH)
    # Every student writes their submission into the exchange: rwx for all, as nbgrader sets it.
    exchange.chmod(stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
    (course / "student").mkdir(exist_ok=True)
    (course / "student").chmod(PUBLIC_DIR)
    (course / "submitted").mkdir(exist_ok=True)
    (course / "submitted").chmod(PRIVATE_DIR)
    gradebook = course / "gradebook.db"
    gradebook.touch(mode=PRIVATE_FILE)
    gradebook.chmod(PRIVATE_FILE)
    _write(
        course / "nbgrader_config.py",
        INSTRUCTOR_CONFIG.format(
            kit_config=str(ROOT / "nbgrader_config.py"),
            course=str(course),
            source=str(ROOT / "solutions"),
            release=str(ROOT / "assignment"),
            db_url=f"sqlite:///{course / 'gradebook.db'}",
            exchange=str(exchange),
        ),
    )
    _write(
        course / "student" / "nbgrader_config.py",
        STUDENT_CONFIG.format(course_id=COURSE_ID, exchange=str(exchange)),
        PUBLIC_FILE,
    )


def _write(path: Path, text: str, mode: int = PRIVATE_FILE) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring, or docs/instructor-operations.md, "
        "'The exchange workflow'.",
    )
    parser.add_argument("dir", nargs="?", type=Path, default=ROOT / "course")
    args = parser.parse_args(argv)
    setup(args.dir)
    course = args.dir.resolve()
    print(
        f"course set up in {course}\n"
        f"  students:   their Jupyter configuration gets {course / 'student/nbgrader_config.py'}\n"
        f"  instructor: cd {course}, then for each assignment A ({', '.join(assignments())}):\n"
        "    nbgrader release_assignment A; (students submit); nbgrader collect A\n"
        "    python -m autograder grade . --assignment A --out graded/A"
        f" --db sqlite:///{course / 'gradebook.db'}\n"
        "    nbgrader release_feedback A"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
