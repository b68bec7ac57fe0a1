"""The report's *Similar code* section, from ``OUT/similarity.json``
(``autograder.similarity.record``): every listed pair with its score, and each flagged pair's
matched code side by side, cell by cell. The page has no such section until
``python -m autograder similarity OUT`` has run; the section says when the students it compared
are no longer the ones results.json holds."""

from __future__ import annotations

from markupsafe import Markup

from ...similarity.record import SHOWN, Pair, Record, Span
from .templating import environment

SHOWN_PAIRS = 50
"""Rows of the table of pairs (similarity.json lists them all)."""


def rows(pair: Pair) -> list[tuple[str, list[Span], list[Span]]]:
    """The cells either side's matched code lies in (in the order first met), each with the
    spans of ``a`` and of ``b`` in it."""
    cells = list(dict.fromkeys(s.cell for s in [*pair.a_spans, *pair.b_spans]))
    return [
        (
            cell,
            [s for s in pair.a_spans if s.cell == cell],
            [s for s in pair.b_spans if s.cell == cell],
        )
        for cell in cells
    ]


def shown(record: Record) -> list[Pair]:
    """The pairs of the table, best first: every flagged one, then the others up to
    :data:`SHOWN_PAIRS` rows."""
    flagged = record.flagged
    others = [p for p in record.pairs if not p.flagged][: max(0, SHOWN_PAIRS - len(flagged))]
    return sorted([*flagged, *others], key=lambda p: (-p.score, p.a, p.b))


def stale(record: Record, results: dict) -> str:
    """What differs between the students compared and those of results.json, in words, or ""."""
    compared = set(record.students) | set(record.skipped)
    graded = {s for s, entry in results.items() if isinstance(entry, dict)}
    news, gone = sorted(graded - compared), sorted(set(record.students) - graded)
    words = []
    if news:
        words.append(f"not compared: {', '.join(news)}.")
    if gone:
        words.append(f"compared, but no longer in results.json: {', '.join(gone)}.")
    return " ".join(words)


def section(record: Record | None, results: dict) -> Markup:
    """The section's HTML (empty without a record)."""
    if record is None:
        return Markup("")
    template = environment().get_template("similarity.html.j2")
    return Markup(
        template.render(
            record=record,
            stale=stale(record, results),
            pairs=list(enumerate(shown(record), start=1)),
            listed=min(SHOWN, record.threshold),
            rows=rows,
        )
    )
