"""What the instructor's report shows, computed from results.json's content."""

from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter

from .read import ReportError, is_manual, named_mistakes, number, optional_number, texts

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


def _distribution(values: list[float], edges: list[float], maximum: float) -> dict:
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
    students = sorted(results)
    not_graded, flagged, arguable = [], [], []
    autograded_totals, totals, auto_max, max_totals = {}, {}, {}, {}
    task_order: dict[str, None] = {}
    task_scores: dict[str, list[float | None]] = {}
    task_max: dict[str, float] = {}
    task_manual: dict[str, bool] = {}
    mistake_students: dict[tuple[str, str], list[str]] = {}
    seconds: dict[str, float] = {}
    isolation: dict[str, str | None] = {}

    for sid in students:
        entry = results[sid]
        where = f"results[{sid!r}]"
        if not isinstance(entry, dict):
            raise ReportError(f"{where}: expected an object")
        flags = texts(entry.get("flags"), f"{where}: flags")
        if flags:
            flagged.append({"student": sid, "flags": flags})
        if entry.get("seconds") is not None:
            seconds[sid] = number(entry["seconds"], f"{where}: seconds")
        kind = entry.get("isolation")
        isolation[sid] = None if kind is None else str(kind)
        status = entry.get("status", "graded")
        if status == "not graded":
            reason = entry.get("reason")
            not_graded.append(
                {"student": sid, "reason": str(reason) if reason else "no reason given"}
            )
            continue
        if status != "graded":
            raise ReportError(f"{where}: status: expected 'graded' or 'not graded', got {status!r}")
        tasks = entry.get("tasks")
        if not isinstance(tasks, dict):
            raise ReportError(f"{where}: tasks: expected an object of task id -> result")
        totals[sid] = number(entry.get("total"), f"{where}: total")
        max_totals[sid] = number(entry.get("max_total"), f"{where}: max_total")
        auto, auto_top = 0.0, 0.0
        for task, r in tasks.items():
            at = f"{where}: tasks[{task!r}]"
            if not isinstance(r, dict):
                raise ReportError(f"{at}: expected an object")
            score = optional_number(r.get("score"), f"{at}: score")
            top = number(r.get("max_score"), f"{at}: max_score")
            manual = is_manual(r)
            task_order.setdefault(task)
            task_scores.setdefault(task, []).append(score)
            task_max[task] = max(task_max.get(task, top), top)
            task_manual[task] = task_manual.get(task, False) or manual
            if not manual:
                auto += score or 0.0
                auto_top += top
            for words in named_mistakes(r, at):
                mistake_students.setdefault((task, words), []).append(sid)
            for deduction in texts(r.get("arguable"), f"{at}: arguable"):
                arguable.append({"student": sid, "task": task, "deduction": deduction})
        autograded_totals[sid] = auto
        auto_max[sid] = auto_top

    graded = list(totals)
    task_table = {}
    for task in task_order:
        scored = [s for s in task_scores[task] if s is not None]
        full = sum(s >= task_max[task] - FULL_MARKS_TOLERANCE for s in scored)
        task_table[task] = {
            "manual": task_manual[task],
            "max_score": task_max[task],
            "scored": len(scored),
            "awaiting": len(graded) - len(scored),
            "full_marks": full,
            "pass_rate": full / len(scored) if scored else None,
            "mean_score": statistics.fmean(scored) if scored else None,
        }

    mistakes: list[dict] = [
        {
            "task": task,
            "mistake": words,
            "count": len(who),
            "students": who,
            "examples": who[:EXAMPLES],
        }
        for (task, words), who in mistake_students.items()
    ]
    mistakes.sort(key=lambda m: (-m["count"], m["task"], m["mistake"]))

    auto_values = list(autograded_totals.values())
    total_values = list(totals.values())
    auto_top = max(auto_max.values(), default=0.0)
    total_top = max(max_totals.values(), default=0.0)
    times = list(seconds.values())
    time_edges = _time_edges(times) if times else []
    kinds = Counter("not recorded" if v is None else v for v in isolation.values())
    mixed = len(kinds) > 1
    return {
        "students": len(students),
        "graded": len(graded),
        "not_graded": not_graded,
        "flagged": flagged,
        "autograded_totals": autograded_totals,
        "totals": totals,
        "distribution": {
            "autograded": _distribution(auto_values, _score_edges(auto_values, auto_top), auto_top),
            "total": _distribution(total_values, _score_edges(total_values, total_top), total_top),
        },
        "tasks": task_table,
        "mistakes": mistakes,
        "arguable": arguable,
        "time": {
            "batch_seconds": batch_seconds,
            "timed": len(times),
            "median": statistics.median(times) if times else None,
            "max": max(times) if times else None,
            "total": math.fsum(times) if times else None,
            "edges": time_edges,
            "counts": _histogram(times, time_edges) if times else [],
        },
        "isolation": {
            "counts": dict(sorted(kinds.items())),
            "mixed": mixed,
            "usual": min(kinds, key=lambda k: (-kinds[k], k)) if kinds else None,
            "per_student": (
                {s: ("not recorded" if v is None else v) for s, v in isolation.items()}
                if mixed
                else {}
            ),
        },
    }
