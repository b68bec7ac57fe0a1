"""Command line of the kit: ``python -m autograder COMMAND`` (or ``batchnorm-kit COMMAND``)."""

from __future__ import annotations

import contextlib
import os
import sys
import time

from .commandline import build_parser

PRIVATE_UMASK_COMMANDS = ("grade", "merge", "export", "report", "similarity", "gradescope")
"""Commands that write grades, feedback or the grading secret: they run with umask 0o077, so
that whatever they (or nbgrader) make is their user's only from the start (``access.py``)."""


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
    from .grading.supervise import time_factor
    from .sandbox import Isolation

    try:
        time_factor()  # a mistake in it refused before any student, not a fault of each one
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
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
    from .course.lms import LmsError, LmsRequest
    from .course.refresh import refresh

    lms = None
    try:
        if args.lms:
            lms = LmsRequest.read(args.lms, args.roster, args.mapping, args.column)
        elif args.roster or args.mapping or args.column:
            raise LmsError("--roster, --map and --column go with --lms")
    except LmsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with refusals():
        return refresh(args.out, db_url=args.db, group=args.group, private=args.private, lms=lms)


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


def similarity_command(args) -> int:
    from .access import Access, applied
    from .course.settings import recorded
    from .similarity.command import THRESHOLD, run

    with refusals():
        shared = Access.for_group(recorded(args.out.resolve()).get("group"))
    with applied(shared):  # what it writes gets OUT's modes
        return run(args.out, args.reference, args.threshold or THRESHOLD)


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

    return main(
        args.students, args.workers, with_stock=not args.no_stock, measurements=args.measurements
    )


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
    "similarity": similarity_command,
    "tasks": tasks_command,
    "doctor": doctor_command,
    "demo": demo_command,
    "bench": bench_command,
    "execute": execute_command,
}


HOST_COMMANDS = ("doctor", "bench")
"""Commands about the host, not one assignment: any assignment of the course serves."""


def choose_assignment(args) -> None:
    """The assignment this command works on: --assignment; else the one OUT (or the shards)
    was graded for, or the one the submissions' notebooks belong to; else the course's only
    one (``doctor`` and ``bench``, which check the host, take the course's first). Refused
    (exit 2), naming the choices, when it cannot be told."""
    from . import layout
    from .course.settings import recorded

    try:
        if args.assignment:
            layout.use(args.assignment)
            return
        if args.command in ("export", "report", "similarity"):
            outs = [args.out]
        else:
            outs = list(getattr(args, "shards", [])) if args.command == "merge" else []
        named = {str(recorded(out.resolve()).get("assignment")) for out in outs} - {"None"}
        if len(named) == 1:
            layout.use(named.pop())
        elif args.command in HOST_COMMANDS:
            layout.use(next(iter(layout.assignments())))
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
    from .layout import UnknownAssignment

    try:
        return COMMANDS[args.command](args)
    except UnknownAssignment as exc:  # a command that needs one, with several and none named
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
