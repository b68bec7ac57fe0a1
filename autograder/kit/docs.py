"""The docs' generated parts. Each lies between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``
and is written by the code that knows it: each assignment's table of tasks (here, from the
declarations) in ``docs/grading-policy.md``; the hostile submissions graded by the kit and by
stock nbgrader (``scripts/compare_stock.py``, which grades them) and the grading bench's times
(``python -m autograder bench --measurements``, ``kit/bench.py``) in ``docs/measurements.md``."""

from __future__ import annotations

from pathlib import Path

from .. import tasks
from ..layout import ROOT, assignments, current, using

DOCS = ROOT / "docs"
TASKS_PAGE = DOCS / "grading-policy.md"
"""Where the tables of tasks are."""
MEASUREMENTS_PAGE = DOCS / "measurements.md"
"""Where the measured tables are."""
STOCK_COMPARISON = "stock-comparison"
"""The part of ``MEASUREMENTS_PAGE`` that ``scripts/compare_stock.py`` writes."""
BENCH_GRADING = "bench-grading"
"""The part of ``MEASUREMENTS_PAGE`` that ``bench --measurements`` writes (``kit/bench.py``)."""


def markers(name: str) -> tuple[str, str]:
    """The two lines a generated part ``name`` lies between."""
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def tasks_part(assignment: str) -> str:
    """The name of an assignment's table of tasks."""
    return f"tasks:{assignment}"


def shown(text: str, name: str) -> str:
    """What ``text`` holds between the markers of ``name``, stripped."""
    _check(text, name)
    begin, end = markers(name)
    return text.split(begin)[1].split(end)[0].strip()


def replaced(text: str, name: str, body: str) -> str:
    """``text`` with ``body`` between the markers of ``name``."""
    _check(text, name)
    begin, end = markers(name)
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def write_part(page: Path, name: str, body: str) -> None:
    """Write ``body`` between the markers of ``name`` in ``page``; the rest stays as it is."""
    page.write_text(replaced(page.read_text(), name, body))


def _check(text: str, name: str) -> None:
    begin, end = markers(name)
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"want one {begin} ... {end}, in that order, where the part goes")


def print_or_write_tasks(write: bool, every: bool = True) -> int:
    """Print each assignment's table of tasks, or write it into ``TASKS_PAGE``."""
    names = list(assignments()) if every else [current().name]
    for name in names:
        with using(name):
            table = tasks.markdown_table()
        if not write:
            print(f"{name}:\n{table}\n")
            continue
        try:
            write_part(TASKS_PAGE, tasks_part(name), table)
        except ValueError as exc:
            raise SystemExit(f"{TASKS_PAGE}: {exc}") from None
    if write:
        print(f"wrote the tables of tasks into {TASKS_PAGE}: {', '.join(names)}")
    return 0
