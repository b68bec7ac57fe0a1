"""Command line of the kit: ``python -m autograder COMMAND`` (or ``batchnorm-kit COMMAND``)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

from .gradescope import VISIBILITIES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
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
    add_access_options(export)
    merge = commands.add_parser("merge", help="merge the outputs of grade --shard into one OUT")
    merge.add_argument("shards", type=Path, nargs="+", help="the shards' --out folders")
    merge.add_argument("--out", type=Path, required=True, help="the merged folder")
    add_gradebook_options(merge)
    add_access_options(merge)
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
    bench = commands.add_parser("bench", help="seconds per submission for a batch of full ones")
    bench.add_argument("--students", type=int, default=30)
    bench.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    bench.add_argument(
        "--no-stock", action="store_true", help="time the kit only, not stock nbgrader too"
    )
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
    "demo": "grade this assignment's examples only (default: every assignment's)",
    "tasks": "the table of this assignment's tasks (default: every assignment's)",
}


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


PRIVATE_UMASK_COMMANDS = ("grade", "merge", "export", "report", "gradescope")
"""Commands that write grades, feedback or the grading secret: they run with umask 0o077, so
that whatever they (or nbgrader) make is their user's only from the start (``access.py``)."""


def shard_type(text: str):
    from .course.shard import Shard

    return Shard.parse(text)


def release_command(args) -> int:
    from .kit.release import generate_all, generate_release
    from .layout import current

    names = [current().name] if args.assignment else None
    if names:
        generate_release()
    else:
        names = generate_all()
    print(f"assignment/ regenerated from solutions/: {', '.join(names)}")
    return 0


def grade_command(args) -> int:
    from .course.batch import run
    from .sandbox import Isolation

    isolation = Isolation.NONE if args.no_sandbox else Isolation.BUBBLEWRAP
    with refusals():
        return run(
            args.submissions,
            args.out,
            workers=args.workers,
            regrade=args.regrade,
            isolation=isolation,
            db_url=args.db,
            secret_file=args.secret,
            shard=args.shard,
            group=args.group,
            private=args.private,
        )


def export_command(args) -> int:
    from .course.refresh import refresh

    with refusals():
        return refresh(args.out, db_url=args.db, group=args.group, private=args.private)


def merge_command(args) -> int:
    from .course.merge import merge

    with refusals():
        return merge(
            args.shards,
            args.out,
            db_url=args.db,
            secret_file=args.secret,
            group=args.group,
            private=args.private,
        )


@contextlib.contextmanager
def refusals():
    """A gradebook or secret OUT was not graded with, or one out of reach, a group that cannot
    be used, or a deadlines file that is not valid: exit 2, saying why."""
    from .access import AccessError
    from .course.database import GradebookUnreachable
    from .course.settings import SettingsError
    from .deadlines import PolicyError

    try:
        yield
    except (SettingsError, GradebookUnreachable, AccessError, PolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def gradescope_command(args) -> int:
    from .gradescope.build import main

    with refusals():  # a deadlines file that is not valid, or one a zip cannot apply
        return main(args.out, args.secret, args.visibility)


def report_command(args) -> int:
    from .access import Access, applied
    from .course.report import REPORT, ReportError, report_batch
    from .course.settings import recorded

    try:
        with refusals():
            shared = Access.for_group(recorded(args.out.resolve()).get("group"))
        with applied(shared):  # the page is written with OUT's modes
            numbers = report_batch(args.out, batch_seconds=args.batch_seconds)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out / REPORT}: {numbers['graded']} graded, "
        f"{len(numbers['not_graded'])} not graded, {len(numbers['flagged'])} flagged"
    )
    return 0


def tasks_command(args) -> int:
    from .kit.docs import print_or_write_tasks

    return print_or_write_tasks(args.write, every=not args.assignment)


def doctor_command(args) -> int:
    from .kit.doctor import main

    return main(args.out)


def demo_command(args) -> int:
    from .kit.demo import main

    return main(args.out, every=not args.assignment)


def bench_command(args) -> int:
    from .kit.bench import main

    return main(args.students, args.workers, with_stock=not args.no_stock)


def execute_command(args) -> int:
    from .kit.notebooks import errors, execute, to_html

    start = time.perf_counter()
    nb = execute(args.notebook, allow_errors=True)
    seconds = time.perf_counter() - start
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(to_html(nb))
        print(f"wrote {args.html}")
    for index, name, message in errors(nb):
        print(f"cell {index}: {name}: {message}")
    print(f"{args.notebook}: executed in {seconds:.1f} s")
    return 1 if errors(nb) else 0


COMMANDS = {
    "release": release_command,
    "grade": grade_command,
    "export": export_command,
    "merge": merge_command,
    "gradescope": gradescope_command,
    "report": report_command,
    "tasks": tasks_command,
    "doctor": doctor_command,
    "demo": demo_command,
    "bench": bench_command,
    "execute": execute_command,
}


def choose_assignment(args) -> None:
    """The assignment this command works on: --assignment; else the one OUT (or the shards)
    was graded for, or the one the submissions' notebooks belong to; else the course's only
    one. Refused (exit 2), naming the choices, when it cannot be told."""
    from . import layout
    from .course.settings import recorded

    try:
        if args.assignment:
            layout.use(args.assignment)
            return
        outs = {"export": [args.out] if args.command == "export" else [],
                "report": [args.out] if args.command == "report" else [],
                "merge": list(getattr(args, "shards", []))}.get(args.command, [])  # fmt: skip
        named = {str(recorded(out.resolve()).get("assignment")) for out in outs} - {"None"}
        if len(named) == 1:
            layout.use(named.pop())
        elif args.command == "grade" and len(layout.assignments()) > 1:
            from .course.collect import submitted_notebooks

            layout.use(layout.infer(submitted_notebooks(args.submissions)).name)
    except layout.UnknownAssignment as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in PRIVATE_UMASK_COMMANDS:
        os.umask(0o077)
    choose_assignment(args)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
