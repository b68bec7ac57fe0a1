"""``make bench-grading``: the kit against stock nbgrader on the same batch, in one run (a
measurement, not a test).

The batch is ``--students`` honest full submissions (the release with every answer written in).
The kit: ``grade`` into a fresh OUT whose nbgrader course is prepared beforehand (as stock's
``generate_assignment`` is, outside its timing). Stock nbgrader: the same source notebook in a
course with nbgrader's default configuration, one ``nbgrader autograde`` call for the batch: it
runs every notebook in a Jupyter kernel, experiments included.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STOCK_CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "stock"
"""


def _submissions(folder: Path, students: int) -> list[str]:
    import nbformat

    from ..layout import current
    from .examples import filled_release

    nb = filled_release()
    names = [f"student{i:03d}" for i in range(students)]
    for name in names:
        (folder / name).mkdir(parents=True)
        nbformat.write(nb, folder / name / current().notebook)
    return names


def kit(subs: Path, out: Path, workers: int) -> tuple[float, str]:
    """Wall seconds of the kit's grade command on ``subs`` (the course prepared first), and
    its line saying where a submission's time went."""
    from ..course.batch import run
    from ..course.out import Batch

    Batch(out).prepare()
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        code = run(subs, out, workers=workers)
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"the kit's grade command exited {code}:\n{printed.getvalue()}")
    return seconds, printed.getvalue().rstrip().splitlines()[-1]


def stock(subs: Path, course: Path, names: list[str]) -> float:
    """Wall seconds of one stock ``nbgrader autograde`` call for the batch."""
    from ..layout import current

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    shutil.copytree(
        current().source_dir,
        course / "source" / current().name,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
    subprocess.run(
        [nbgrader, "generate_assignment", current().name, "--create", "--force"],
        cwd=course, env=env, check=True, capture_output=True,
    )  # fmt: skip
    for name in names:
        shutil.copytree(subs / name, course / "submitted" / name / current().name)
    start = time.perf_counter()
    subprocess.run(
        [nbgrader, "autograde", current().name, "--create", "--force"],
        cwd=course, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main(students: int, workers: int, with_stock: bool = True) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        subs = Path(tmp, "subs")
        names = _submissions(subs, students)
        kit_seconds, stages = kit(subs, Path(tmp, "out"), workers)
        stock_seconds = stock(subs, Path(tmp, "stock"), names) if with_stock else None
    cores = os.cpu_count()
    print(
        f"bench: {students} full submissions on {cores} cores, {workers} workers\n"
        f"  kit:   {kit_seconds:7.1f} s, {kit_seconds / students:.2f} s per submission\n"
        f"         {stages}"
    )
    if stock_seconds is not None:
        print(
            f"  stock: {stock_seconds:7.1f} s, {stock_seconds / students:.2f} s per submission "
            f"(nbgrader autograde: every notebook run in a kernel)\n"
            f"  the kit is {stock_seconds / kit_seconds:.1f}x faster"
        )
    return 0
