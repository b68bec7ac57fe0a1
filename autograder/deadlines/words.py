"""A submission's lateness in a student's words: when it came, how late, the late days it used
and what the penalty is, as the feedback pages and ``results.json`` say it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from .lateness import ZERO, Late
from .policy import Rules


def when(moment: datetime, zone: tzinfo = UTC) -> str:
    """A time as the pages show it, in the course's time zone: ``2026-04-17 23:59 PDT``."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z").strip()


def iso(moment: datetime | None) -> str:
    """A time as ``grades.csv`` and ``results.json`` hold it: ISO 8601 in UTC, ``...Z``."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def duration(span: timedelta) -> str:
    """``1 day 12 hours``, ``3 hours 5 minutes``, ``40 seconds``: the two largest units."""
    seconds = round(span.total_seconds())
    units = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
    parts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def _plural(count: float, word: str) -> str:
    shown = f"{count:g}" if count == int(count) else f"{count:.2f}"
    return f"{shown} {word}{'' if count == 1 else 's'}"


def explain(late: Late, penalty: float, rules: Rules | None = None, zone: tzinfo = UTC) -> str:
    """What the student is told about lateness ("" when the assignment has no due date).

    ``penalty`` is the one the gradebook holds; ``rules`` the policy's (None: the course has no
    deadlines file, and nbgrader's own due date was used).
    """
    if late.status == "no due date":
        return ""
    if late.status == "no submission time":
        return "No submission time was recorded, so no late penalty was applied."
    assert late.submitted is not None and late.due is not None and late.late_by is not None
    due = f"due {when(late.due, zone)}" + (", with your extension" if late.extended else "")
    if late.late_by <= ZERO:
        return f"Submitted {when(late.submitted, zone)}, on time ({due})."
    said = [f"Submitted {when(late.submitted, zone)}, {duration(late.late_by)} after the due "
            f"date ({due})."]  # fmt: skip
    if late.late_days_used:
        said.append(
            f"{_plural(late.late_days_used, 'late day')} used "
            f"({late.late_days_left} left for later assignments)."
        )
    said.append(_penalty(late, penalty, rules))
    return " ".join(said)


def _penalty(late: Late, penalty: float, rules: Rules | None) -> str:
    cut = late.deduction
    if rules is None:
        return f"Late penalty: {penalty:g} points." if penalty else "No late penalty."
    if cut.kind == "none":
        if late.late_days_used:
            return "No late penalty: your late days cover it."
        if rules.grace and late.late_by is not None and late.late_by <= rules.grace:
            return f"No late penalty: within the grace period of {duration(rules.grace)}."
        return "No late penalty."
    if cut.kind == "zero":
        assert rules.zero_after is not None
        return (
            f"Late penalty: the whole score ({penalty:g} points), more than "
            f"{duration(rules.zero_after)} late."
        )
    each = f"{rules.penalty:g}%" if cut.kind == "percent" else f"{rules.penalty:g} points"
    capped = rules.cap is not None and cut.amount >= rules.cap
    rate = f"at most {rules.cap:g}{'%' if cut.kind == 'percent' else ' points'}" if capped else ""
    counted = f"{_plural(cut.periods, rules.per)} late at {each} each" + (
        f", {rate}" if rate else ""
    )
    share = f"{cut.amount:g}% of the score, " if cut.kind == "percent" else ""
    return f"Late penalty: {share}{counted}: {penalty:g} points."
