"""The instructor's report: one self-contained HTML page on what a graded class got right and wrong.

``python -m autograder grade`` writes ``OUT/report.html`` after ``OUT/results.json``, and
``python -m autograder report OUT`` writes it again from ``OUT/results.json``: the score
distribution, each task's pass rate and mean score, the most frequent named mistakes with example
students, flagged and not-graded submissions, grading time and, when it differs between students,
the isolation each submission was graded under; once ``python -m autograder similarity OUT``
has run, the pairs of students whose code is alike (``OUT/similarity.json``). Every figure is
a matplotlib PNG embedded as a ``data:`` URI, with its numbers in a table beside it; the page
loads nothing else.

The same input gives the same bytes: no timestamps, students in sorted order, PNGs without
matplotlib's version stamp, drawn with matplotlib's default style whatever the local
``matplotlibrc`` says.

- ``read``: results.json, each entry checked (``ReportError`` names the student and the key)
  and read into an ``Entry``;
- ``numbers``: what the page shows (``summarize``);
- ``figures``: the matplotlib figures;
- ``page``: the HTML (``render``), from the template ``templates/report/page.html.j2``;
- ``similar``: the section on similar code (``templates/report/similarity.html.j2``);
- ``templating``: the Jinja environment both templates are rendered in.
"""

from __future__ import annotations

from pathlib import Path

from ...access import atomic_write
from ...similarity.record import Record
from ...similarity.record import load as load_similarity
from .numbers import summarize
from .page import render
from .read import ReportError, load_results
from .similar import section

__all__ = ["REPORT", "ReportError", "load_results", "report_batch", "summarize", "write_report"]

REPORT = "report.html"
"""The page's name in the grade command's OUT folder."""


def write_report(
    results: dict,
    out_html: Path,
    *,
    batch_seconds: float | None = None,
    similarity: Record | None = None,
) -> dict:
    """Write the instructor's report page.

    Parameters
    ----------
    results : dict
        results.json's content: student id -> entry.
    out_html : Path
        Where the page goes (written to a temporary name, then renamed; private to its owner,
        or its owner's and a group's: ``autograder.access``).
    batch_seconds : float, optional
        Wall time of the whole batch, shown with the per-submission times.
    similarity : Record, optional
        similarity.json's content, for the section on similar code (none without it).

    Returns
    -------
    dict
        The numbers the page shows (see :func:`summarize`).

    Raises
    ------
    ReportError
        When an entry lacks what the page needs; nothing is written then.
    """
    import matplotlib.style

    numbers = summarize(results, batch_seconds=batch_seconds)
    with matplotlib.style.context("default"):
        page = render(numbers, section(similarity, results))
    atomic_write(Path(out_html), page)
    return numbers


def report_batch(out: Path, *, batch_seconds: float | None = None) -> dict:
    """``OUT/report.html`` from ``OUT/results.json``.

    Once results.json is read, a page left by an earlier run is removed: the folder never holds
    the report of other results than its results.json, even when this one cannot be written.

    Parameters
    ----------
    out : Path
        The grade command's ``--out`` folder.
    batch_seconds : float, optional
        Wall time of the batch, to show.

    Returns
    -------
    dict
        The numbers the page shows (see :func:`summarize`).

    Raises
    ------
    ReportError
        When results.json is missing, not JSON, or lacks what the page needs, or
        similarity.json is there and is not what ``similarity`` writes.
    """
    out = Path(out)
    results = load_results(out / "results.json")
    (out / REPORT).unlink(missing_ok=True)
    try:
        similarity = load_similarity(out)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    return write_report(results, out / REPORT, batch_seconds=batch_seconds, similarity=similarity)
