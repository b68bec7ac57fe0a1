"""The command line's arguments: ``python -m autograder COMMAND --help`` (``__main__`` runs
them)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .gradescope import VISIBILITIES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="The kit's commands: python -m autograder COMMAND (or batchnorm-kit COMMAND).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="regenerate assignment/ from solutions/ (nbgrader)")
    execute = commands.add_parser(
        "execute", help="run a notebook top to bottom, print its time, optionally save HTML"
    )
    execute.add_argument("notebook", type=Path)
    execute.add_argument("--html", type=Path, help="write the executed notebook as HTML here")
    grade = commands.add_parser("grade", help="grade a batch of submissions through nbgrader")
    grade.add_argument("submissions", type=Path, help="one folder per student (or submitted/)")
    grade.add_argument("--out", type=Path, required=True, help="course, gradebook and reports")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    grade.add_argument("--regrade", action="store_true", help="redo students already graded")
    grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the students' code WITHOUT isolation (trusted notebooks only); by default "
        "grading refuses to run without a working bubblewrap",
    )
    add_gradebook_options(grade)
    add_access_options(grade)
    grade.add_argument(
        "--shard",
        type=shard_type,
        metavar="I/N",
        help="grade only the I-th of N slices of the class (by sorted student id); put the "
        "shards together with merge",
    )
    export = commands.add_parser(
        "export",
        help="write grades.csv, results.json, the feedback pages and the report of OUT again "
        "from its gradebook (after TAs graded the written answers)",
    )
    export.add_argument("out", type=Path, help="the grade command's --out folder")
    export.add_argument("--db", metavar="URL", help="the gradebook (default: the one OUT used)")
    add_lms_options(export)
    add_access_options(export)
    merge = commands.add_parser("merge", help="merge the outputs of grade --shard into one OUT")
    merge.add_argument("shards", type=Path, nargs="+", help="the shards' --out folders")
    merge.add_argument("--out", type=Path, required=True, help="the merged folder")
    add_gradebook_options(merge)
    add_access_options(merge)
    similarity = commands.add_parser(
        "similarity",
        help="compare the students' answer cells (copied code; winnowing, as MOSS): write "
        "OUT/similarity.json and the report's section on it; grades are left alone",
    )
    similarity.add_argument("out", type=Path, help="the grade command's --out folder")
    similarity.add_argument(
        "--reference",
        type=Path,
        metavar="DIR",
        help="known solutions (e.g. public repositories' code): .py files, and notebooks of the "
        "assignment (their answer cells); each student is compared with each",
    )
    similarity.add_argument(
        "--threshold",
        type=float,
        help="the score from which a pair is flagged (default: the measured one, see "
        "docs/similarity.md)",
    )
    report = commands.add_parser("report", help="write OUT/report.html from OUT/results.json")
    report.add_argument("out", type=Path, help="the grade command's --out folder")
    report.add_argument("--batch-seconds", type=float, help="wall time of the batch, to show")
    tasks = commands.add_parser("tasks", help="the table of tasks, from their declarations")
    tasks.add_argument(
        "--write",
        "--readme",
        dest="write",
        action="store_true",
        help="write it into docs/grading-policy.md",
    )
    doctor = commands.add_parser(
        "doctor", help="show what this host guarantees when it grades (exit 1 if one is missing)"
    )
    doctor.add_argument(
        "--out",
        type=Path,
        action="append",
        metavar="OUT",
        help="a grade command's --out folder whose files other users must not read (may be "
        "repeated; default: the grading folders found in the course's root)",
    )
    gradescope = commands.add_parser("gradescope", help="write the Gradescope autograder zip")
    gradescope.add_argument("--out", type=Path, required=True, help="the zip to write")
    gradescope.add_argument(
        "--secret", type=Path, help="grading secret (default: OUT with suffix .secret; made once)"
    )
    gradescope.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        help="when students see the tests (results.json's visibility; default: each test "
        "visible as soon as it ran)",
    )
    demo = commands.add_parser("demo", help="build example submissions and grade them")
    demo.add_argument("--out", type=Path, default=Path("demo-out"))
    add_bench_command(commands)
    for name, command in commands.choices.items():
        command.add_argument(
            "--assignment",
            metavar="NAME",
            help=ASSIGNMENT_HELP.get(name, "the course's assignment to work on"),
        )
    return parser


ASSIGNMENT_HELP = {
    "release": "regenerate this assignment's release only (default: every assignment's)",
    "grade": "the assignment graded (default: the one whose notebook the submissions hold)",
    "export": "(default: the assignment OUT was graded for)",
    "merge": "(default: the assignment the shards were graded for)",
    "report": "(default: the assignment OUT was graded for)",
    "similarity": "(default: the assignment OUT was graded for)",
    "demo": "grade this assignment's examples only (default: every assignment's)",
    "tasks": "the table of this assignment's tasks (default: every assignment's)",
}


def add_lms_options(export: argparse.ArgumentParser) -> None:
    """export's options for a file of grades for an LMS."""
    export.add_argument(
        "--lms",
        choices=("canvas", "plain"),
        help="also write the grades for an LMS: canvas (OUT/canvas.csv, Canvas's gradebook "
        "import; needs --roster) or plain (OUT/lms.csv, for Moodle and Blackboard); students "
        "in one list only go to OUT/lms_unmatched.csv and stderr",
    )
    export.add_argument(
        "--roster",
        type=Path,
        metavar="CSV",
        help="the LMS's students: the gradebook exported from Canvas (Grades > Export), or a "
        "CSV with a Username or login column",
    )
    export.add_argument(
        "--map",
        type=Path,
        metavar="CSV",
        dest="mapping",
        help="columns student_id,login: the LMS login (Canvas's SIS Login ID) of each student "
        "whose id is not their login",
    )
    export.add_argument(
        "--column",
        metavar="NAME",
        help="the scores' column: Canvas's, e.g. 'Batch Normalization (123456)' (default: the "
        "roster's column of this assignment, else a new assignment named after it); plain's "
        "(default: score)",
    )


def add_bench_command(commands) -> None:
    """``bench``: the kit against stock nbgrader on a batch of full submissions."""
    bench = commands.add_parser("bench", help="seconds per submission for a batch of full ones")
    bench.add_argument("--students", type=int, default=30)
    bench.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    bench.add_argument(
        "--no-stock", action="store_true", help="time the kit only, not stock nbgrader too"
    )
    bench.add_argument(
        "--measurements",
        type=Path,
        metavar="FILE",
        help="also write the numbers into FILE's bench-grading table (e.g. docs/measurements.md; "
        "made if missing), in this run's row",
    )


def add_gradebook_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--db",
        metavar="URL",
        help="the gradebook's database, e.g. postgresql://user@host/db (default: "
        "nbgrader_config.py's CourseDirectory.db_url, else sqlite:///OUT/gradebook.db)",
    )
    command.add_argument(
        "--secret",
        type=Path,
        metavar="FILE",
        help="the grading secret that seeds the hidden inputs (default: OUT/grading_secret, "
        "made once); shards and their merge need the same one",
    )


def add_access_options(command: argparse.ArgumentParser) -> None:
    who = command.add_mutually_exclusive_group()
    who.add_argument(
        "--group",
        metavar="NAME",
        help="share OUT with this group of staff (folders 2770, files 0660, the grading "
        "secret 0640); OUT remembers it. Default: what OUT was shared with, else nobody "
        "(folders 0700, files 0600)",
    )
    who.add_argument(
        "--private",
        action="store_true",
        help="OUT readable by its owner only again, after --group",
    )


def shard_type(text: str):
    from .course.shard import Shard

    return Shard.parse(text)
