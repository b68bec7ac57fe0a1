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
    grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the students' code WITHOUT isolation (trusted notebooks only); by default "
        "grading refuses to run without a working bubblewrap",
    )
    commands.add_parser(
        "doctor", help="show what this host guarantees when it grades (exit 1 if one is missing)"
    )
    demo = commands.add_parser("demo", help="build example submissions and grade them")
    demo.add_argument("--out", type=Path, default=Path("demo-out"))
    bench = commands.add_parser("bench", help="seconds per submission for a batch of full ones")
    bench.add_argument("--students", type=int, default=30)
    bench.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    if args.command == "release":
        from .release import generate_release

        generate_release()
        print("assignment/ regenerated from solutions/")
    elif args.command == "grade":
        from .batch import run
        from .sandbox import Isolation

        isolation = Isolation.NONE if args.no_sandbox else Isolation.BUBBLEWRAP
        return run(
            args.submissions,
            args.out,
            workers=args.workers,
            regrade=args.regrade,
            isolation=isolation,
        )
    elif args.command == "demo":
        return demo_command(args.out)
    elif args.command == "doctor":
        from .doctor import main as doctor

        return doctor()
    elif args.command == "bench":
        return bench_command(args.students, args.workers)
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


def demo_command(out: Path) -> int:
    """The kit's main job on its embedded default: grade example submissions."""
    import shutil

    from .batch import run
    from .course import NOTEBOOK, SOURCE_DIR
    from .examples import build
    from .notebooks import execute, to_html

    shutil.rmtree(out / "submissions", ignore_errors=True)
    print("Running the reference notebook (its plots go into the example submission)...")
    start = time.perf_counter()
    reference = execute(SOURCE_DIR / NOTEBOOK)
    (out / "BatchNormalization.html").parent.mkdir(parents=True, exist_ok=True)
    (out / "BatchNormalization.html").write_text(to_html(reference))
    print(f"  executed in {time.perf_counter() - start:.1f} s: {out / 'BatchNormalization.html'}")
    students = build(out / "submissions", executed_reference=reference)
    isolation = _demo_isolation()
    print(f"Grading {len(students)} example submissions: {', '.join(students)}")
    code = run(
        out / "submissions",
        out / "grading",
        workers=os.cpu_count() or 1,
        regrade=True,
        isolation=isolation,
    )
    print(
        f"Feedback pages: {out / 'grading' / 'feedback'}/<student>.html; nbgrader course "
        f"(formgrader, export): cd {out / 'grading' / 'course'} && nbgrader formgrader"
    )
    return code


def _demo_isolation():
    """bubblewrap when it works; else, for the kit's own trusted examples only, none (said)."""
    from .sandbox import Isolation, bubblewrap_works

    ok, why = bubblewrap_works()
    if ok:
        return Isolation.BUBBLEWRAP
    print(
        f"NOTICE: bubblewrap is not available here ({why}). The demo grades the kit's own "
        "example notebooks, which are trusted, so it grades them WITHOUT a sandbox "
        "(--no-sandbox). Grading students' submissions refuses to do that: install bubblewrap "
        "(apt-get install bubblewrap)."
    )
    return Isolation.NONE


def bench_command(students: int, workers: int) -> int:
    """Seconds per submission for a batch of full submissions (not a test: a measurement)."""
    import tempfile

    import nbformat

    from .batch import run
    from .course import NOTEBOOK, SOURCE_DIR

    reference = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp, "submissions")
        for i in range(students):
            (subs / f"student{i:03d}").mkdir(parents=True)
            nbformat.write(reference, subs / f"student{i:03d}" / NOTEBOOK)
        Path(tmp, "out").mkdir()
        run(subs, Path(tmp, "out"), workers=workers)  # warm: the course's gradebook exists
        start = time.perf_counter()
        code = run(subs, Path(tmp, "out"), workers=workers, regrade=True)
        seconds = time.perf_counter() - start
    print(
        f"bench: {students} full submissions, {workers} workers, {os.cpu_count()} cores: "
        f"{seconds:.1f} s, {seconds / students:.2f} s per submission"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
