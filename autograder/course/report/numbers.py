"""What the instructor's report shows, computed from results.json's content."""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter

from .read import Entry, ReportError, Scores, TaskResult, number, read_entry

EXAMPLES = 3  # example students per mistake
FULL_MARKS_TOLERANCE = 1e-9


def _histogram(values: list[float], edges: list[float]) -> list[int]:
    """Counts per bin ``[edges[i], edges[i+1])``, the last bin closed (numpy's convention)."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        if edges[0] <= v <= edges[-1]:
            counts[min(bisect.bisect_right(edges, v) - 1, len(counts) - 1)] += 1
    return counts


def _score_edges(values: list[float], top: float) -> list[float]:
    """About 10 bins of a whole number of points, from 0 (or below) to the maximum."""
    lo = min([0.0, *(math.floor(v) for v in values)])
    hi = max([top, *values])
    width = max(1, math.ceil((hi - lo) / 10))
    bins = max(1, math.ceil((hi - lo) / width))
    return [lo + i * width for i in range(bins + 1)]


def _time_edges(values: list[float]) -> list[float]:
    hi = max(values) or 1.0
    bins = min(10, len(values))
    return [hi * i / bins for i in range(bins + 1)]


def summarize(results: dict, *, batch_seconds: float | None = None) -> dict:
    """The numbers the report shows, from results.json's content.

    Parameters
    ----------
    results : dict
        Student id -> entry (``status``, ``reason``, ``isolation``, ``seconds``, ``total``,
        ``max_total``, ``flags``, ``notes``, ``tasks``), as the grade command writes it.
        Students without ``status`` count as graded.
    batch_seconds : float, optional
        Wall time of the whole batch.

    Returns
    -------
    dict
        ``students``, ``graded``: counts. ``not_graded``: ``[{student, reason}]``.
        ``flagged``: ``[{student, flags}]``. ``autograded_totals``, ``totals``:
        ``{student: points}`` of graded students (autograded parts only; everything scored so
        far). ``distribution``: ``{"autograded"|"total": {n, maximum, mean, median, min, max,
        edges, counts}}``. ``tasks``: ``{task: {manual, max_score, scored, awaiting,
        full_marks, pass_rate, mean_score}}``, pass rate and mean over graded students with a
        score. ``mistakes``: ``[{task, mistake, count, students, examples}]``, most frequent
        first, counted once per student and task. ``arguable``: ``[{student, task,
        deduction}]``. ``time``: ``{batch_seconds, timed, median, max, total, edges,
        counts}``. ``isolation``: ``{counts, mixed, usual, per_student}``: submissions per
        kind, whether they differ, the most common kind and, when they differ, each student's.

    Raises
    ------
    ReportError
        When an entry lacks what the page needs (it names the student and the key).
    """
    if not isinstance(results, dict):
        raise ReportError("results: expected an object keyed by student id")
    if batch_seconds is not None:
        batch_seconds = number(batch_seconds, "batch_seconds")
    entries = [read_entry(sid, results[sid]) for sid in sorted(results)]
    graded = {e.student: e.scores for e in entries if e.scores is not None}
    return {
        "students": len(entries),
        "graded": len(graded),
        "not_graded": [
            {"student": e.student, "reason": e.reason} for e in entries if e.scores is None
        ],
        "flagged": [{"student": e.student, "flags": e.flags} for e in entries if e.flags],
        "autograded_totals": {sid: scores.autograded for sid, scores in graded.items()},
        "totals": {sid: scores.total for sid, scores in graded.items()},
        "distribution": {
            "autograded": _distribution(
                [g.autograded for g in graded.values()],
                max((g.autograded_max for g in graded.values()), default=0.0),
            ),
            "total": _distribution(
                [g.total for g in graded.values()],
                max((g.max_total for g in graded.values()), default=0.0),
            ),
        },
        "tasks": _task_table(graded),
        "mistakes": _mistakes(graded),
        "arguable": [
            {"student": sid, "task": task, "deduction": deduction}
            for sid, scores in graded.items()
            for task, r in scores.tasks.items()
            for deduction in r.arguable
        ],
        "time": _time(entries, batch_seconds),
        "isolation": _isolation(entries),
    }


def _distribution(values: list[float], maximum: float) -> dict:
    """Scores out of ``maximum``: their statistics and histogram."""
    edges = _score_edges(values, maximum)
    return {
        "n": len(values),
        "maximum": maximum,
        "mean": statistics.fmean(values) if values else None,
        "median": statistics.median(values) if values else None,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
        "edges": edges,
        "counts": _histogram(values, edges),
    }


def _task_table(graded: dict[str, Scores]) -> dict[str, dict]:
    """Each task's row, tasks in the order first met."""
    by_task: dict[str, list[TaskResult]] = {}
    for scores in graded.values():
        for task, r in scores.tasks.items():
            by_task.setdefault(task, []).append(r)
    return {task: _task_row(results, len(graded)) for task, results in by_task.items()}


def _task_row(results: list[TaskResult], graded: int) -> dict:
    """A task's row from its results, one per graded student who has it: the largest of their
    points, the pass rate and mean over the students with a score."""
    top = max(r.max_score for r in results)
    scored = [r.score for r in results if r.score is not None]
    full = sum(s >= top - FULL_MARKS_TOLERANCE for s in scored)
    return {
        "manual": any(r.manual for r in results),
        "max_score": top,
        "scored": len(scored),
        "awaiting": graded - len(scored),
        "full_marks": full,
        "pass_rate": full / len(scored) if scored else None,
        "mean_score": statistics.fmean(scored) if scored else None,
    }


def _mistakes(graded: dict[str, Scores]) -> list[dict]:
    """Each named mistake with the students who made it, most frequent first."""
    who: dict[tuple[str, str], list[str]] = {}
    for sid, scores in graded.items():
        for task, r in scores.tasks.items():
            for words in r.mistakes:
                who.setdefault((task, words), []).append(sid)
    mistakes = [
        {
            "task": task,
            "mistake": words,
            "count": len(students),
            "students": students,
            "examples": students[:EXAMPLES],
        }
        for (task, words), students in who.items()
    ]
    return sorted(mistakes, key=lambda m: (-m["count"], m["task"], m["mistake"]))


def _time(entries: list[Entry], batch_seconds: float | None) -> dict:
    """The grading times of the submissions that have one, and the batch's wall time."""
    times = [e.seconds for e in entries if e.seconds is not None]
    edges = _time_edges(times) if times else []
    return {
        "batch_seconds": batch_seconds,
        "timed": len(times),
        "median": statistics.median(times) if times else None,
        "max": max(times) if times else None,
        "total": math.fsum(times) if times else None,
        "edges": edges,
        "counts": _histogram(times, edges) if times else [],
    }


def _isolation(entries: list[Entry]) -> dict:
    """Submissions per isolation; each student's only when they differ."""
    per_student = {e.student: e.isolation or "not recorded" for e in entries}
    kinds = Counter(per_student.values())
    mixed = len(kinds) > 1
    return {
        "counts": dict(sorted(kinds.items())),
        "mixed": mixed,
        "usual": min(kinds, key=lambda k: (-kinds[k], k)) if kinds else None,
        "per_student": per_student if mixed else {},
    }
