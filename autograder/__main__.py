"""Command line of the kit: ``python -m autograder COMMAND``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="regenerate assignment/ from solutions/ (nbgrader)")
    run = commands.add_parser(
        "execute", help="run a notebook top to bottom, print its time, optionally save HTML"
    )
    run.add_argument("notebook", type=Path)
    run.add_argument("--html", type=Path, help="write the executed notebook as HTML here")
    grade = commands.add_parser("grade", help="grade a batch of submissions through nbgrader")
    grade.add_argument("submissions", type=Path, help="one folder per student (or submitted/)")
    grade.add_argument("--out", type=Path, required=True, help="course, gradebook and reports")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    grade.add_argument("--regrade", action="store_true", help="redo students already graded")
    args = parser.parse_args(argv)

    if args.command == "release":
        from .release import generate_release

        generate_release()
        print("assignment/ regenerated from solutions/")
    elif args.command == "grade":
        from .batch import run

        return run(args.submissions, args.out, workers=args.workers, regrade=args.regrade)
    elif args.command == "execute":
        from .notebooks import errors, execute, to_html

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
