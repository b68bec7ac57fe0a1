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
import textwrap
import time
from pathlib import Path

from .docs import BENCH_GRADING, markers, replaced, shown

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


def main(
    students: int, workers: int, with_stock: bool = True, measurements: Path | None = None
) -> int:
    if measurements is not None:
        _table_page(measurements)  # a page whose markers are wrong: said before the run
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        subs = Path(tmp, "subs")
        names = _submissions(subs, students)
        load_before = os.getloadavg()
        kit_seconds, stages = kit(subs, Path(tmp, "out"), workers)
        stock_seconds = stock(subs, Path(tmp, "stock"), names) if with_stock else None
        load_after = os.getloadavg()
    cores = os.cpu_count()
    loads = f"load average {_load(load_before)} before, {_load(load_after)} after"
    print(
        f"bench: {students} full submissions on {cores} cores, {workers} workers ({loads})\n"
        f"  kit:   {kit_seconds:7.1f} s, {kit_seconds / students:.2f} s per submission\n"
        f"         {stages}"
    )
    if stock_seconds is not None:
        print(
            f"  stock: {stock_seconds:7.1f} s, {stock_seconds / students:.2f} s per submission "
            f"(nbgrader autograde: every notebook run in a kernel)\n"
            f"  the kit is {stock_seconds / kit_seconds:.1f}x faster"
        )
    if measurements is not None:
        row = {
            "run": f"{students} full submissions, {workers} workers, {cores} cores",
            "when": time.strftime("%Y-%m-%d %H:%M"),
            "load average (1, 5, 15 min) before / after": (
                f"{_load(load_before)} / {_load(load_after)}"
            ),
            **_times(students, kit_seconds, stock_seconds),
            "where a submission's time went": stages,
        }
        record(measurements, row, stock=stock_seconds is not None)
        print(f"  written into {measurements}")
    return 0


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


def _times(students: int, kit_seconds: float, stock_seconds: float | None) -> dict[str, str]:
    """The table's cells of the kit's and stock nbgrader's times."""
    if stock_seconds is None:
        stock, ratio = "not run", ""
    else:
        stock = f"{stock_seconds:.1f} s, {stock_seconds / students:.2f} s per submission"
        ratio = f"{stock_seconds / kit_seconds:.1f}x"
    return {
        "kit": f"{kit_seconds:.1f} s, {kit_seconds / students:.2f} s per submission",
        "stock nbgrader": stock,
        "kit vs stock": ratio,
    }


TABLE_INTRO = (
    "Written by `python -m autograder bench --measurements FILE` (`make bench-grading`): the "
    "kit's grade command against stock `nbgrader autograde` on the same full submissions, side "
    "by side, and the kit alone on a class; one row per kind of run, the latest of each."
)


def _table_page(path: Path) -> str:
    """The text of ``path`` with the bench-grading part's markers: added at its end when it has
    neither (the file made when missing). ValueError (SystemExit here) when they are wrong."""
    text = path.read_text() if path.exists() else ""
    begin, end = markers(BENCH_GRADING)
    if begin not in text and end not in text:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + f"{begin}\n{end}\n"
    try:
        shown(text, BENCH_GRADING)
    except ValueError as exc:
        raise SystemExit(f"{path}: {exc}") from None
    return text


def record(path: Path, row: dict[str, str], *, stock: bool) -> None:
    """``row`` into the bench-grading table of ``path`` (``docs.BENCH_GRADING``, between its
    markers; the file is made with just that part if missing, the part added at the end of a
    file without it), in place of the row of the same run. The rest of the file stays."""
    text = _table_page(path)
    rows = [
        line
        for line in shown(text, BENCH_GRADING).splitlines()
        if line.startswith("| ") and not line.startswith("| run |")
    ]
    key = f"| {row['run']}{' (with stock)' if stock else ''} |"
    line = f"{key} " + " | ".join(cell.replace("|", "/") for cell in list(row.values())[1:])
    line += " |"
    at = next((i for i, old in enumerate(rows) if old.startswith(key)), len(rows))
    rows[at : at + 1] = [line]
    columns = list(row)
    table = [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
        *rows,
    ]
    body = "\n".join([*textwrap.wrap(TABLE_INTRO, 96), "", *table, ""])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replaced(text, BENCH_GRADING, body))
