"""Reading results.json: each entry checked for what the report needs, named when it is not,
and read into an :class:`Entry`.

Written answers are recognised by their feedback, ``graded by a TA``; a task's named mistakes
are its ``mistakes`` list or, when it has none, the ``likely mistake:`` lines of its feedback
(the words of ``cs231n.checking.format_report`` under a failed check).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

# What results.json says in the feedback of a part graded by hand (the written answers).
TA_FEEDBACK = "graded by a TA"
# A named mistake, as checking.format_report writes it under a failed check.
MISTAKE_LINE = re.compile(r"^\s*likely mistake: (.+?)\s*$", re.MULTILINE)


class ReportError(ValueError):
    """results.json is not what the grade command writes; says which student and key."""


@dataclass(frozen=True)
class TaskResult:
    """One task of a graded entry: its score (None while a TA has not scored it), its points,
    whether a TA grades it, its named mistakes and the deductions a TA should review."""

    score: float | None
    max_score: float
    manual: bool
    mistakes: list[str]
    arguable: list[str]


@dataclass(frozen=True)
class Scores:
    """What a graded entry scored: its total so far, out of ``max_total``, and each task's."""

    total: float
    max_total: float
    tasks: dict[str, TaskResult]

    @property
    def autograded(self) -> float:
        """The points of the autograded tasks (a task not scored yet counts 0)."""
        points = 0.0
        for r in self.tasks.values():
            if not r.manual:
                points += r.score or 0.0
        return points

    @property
    def autograded_max(self) -> float:
        """The points the autograded tasks are worth."""
        points = 0.0
        for r in self.tasks.values():
            if not r.manual:
                points += r.max_score
        return points


@dataclass(frozen=True)
class Entry:
    """One student's entry of results.json, as the report reads it. A submission that was not
    graded has a ``reason`` and no ``scores``."""

    student: str
    flags: list[str]
    seconds: float | None
    isolation: str | None
    reason: str | None
    scores: Scores | None


def load_results(path: Path) -> dict:
    """Read a results.json file.

    Parameters
    ----------
    path : Path
        ``OUT/results.json``.

    Returns
    -------
    dict
        Student id -> entry, as written by the grade command.

    Raises
    ------
    ReportError
        When the file is missing or is not a JSON object.
    """
    try:
        results = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(
            f"{path}: no such file (run `python -m autograder grade` first)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read it as JSON: {exc}") from None
    if not isinstance(results, dict):
        raise ReportError(f"{path}: expected an object keyed by student id")
    return results


def optional_number(value, where: str) -> float | None:
    """A finite number (not a bool) as a float, or None when it is missing."""
    return None if value is None else number(value, where)


def number(value, where: str) -> float:
    """A finite number (not a bool) as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ReportError(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def texts(value, where: str) -> list[str]:
    """A list of texts; items that are not strings are shown as their JSON."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportError(f"{where}: expected a list, got {type(value).__name__}")
    return [v if isinstance(v, str) else json.dumps(v, sort_keys=True) for v in value]


def is_manual(task: dict) -> bool:
    """Whether a task's result is a part graded by a TA (a written answer)."""
    return task.get("graded_by") == "TA" or str(task.get("feedback", "")).strip() == TA_FEEDBACK


def named_mistakes(task: dict, where: str) -> list[str]:
    """The task's named mistakes, each once: the ``mistakes`` key, else the feedback's lines."""
    if "mistakes" in task:
        found = texts(task["mistakes"], f"{where}: mistakes")
    else:
        found = MISTAKE_LINE.findall(str(task.get("feedback", "")))
    return list(dict.fromkeys(m.strip() for m in found if m.strip()))


def read_entry(student: str, entry) -> Entry:
    """A student's entry of results.json, checked (students without ``status`` are graded).

    Raises
    ------
    ReportError
        When the entry lacks what the report needs (it names the student and the key).
    """
    where = f"results[{student!r}]"
    if not isinstance(entry, dict):
        raise ReportError(f"{where}: expected an object")
    flags = texts(entry.get("flags"), f"{where}: flags")
    seconds = optional_number(entry.get("seconds"), f"{where}: seconds")
    kind = entry.get("isolation")
    isolation = None if kind is None else str(kind)
    status = entry.get("status", "graded")
    if status == "not graded":
        reason = str(entry["reason"]) if entry.get("reason") else "no reason given"
        return Entry(student, flags, seconds, isolation, reason, None)
    if status != "graded":
        raise ReportError(f"{where}: status: expected 'graded' or 'not graded', got {status!r}")
    return Entry(student, flags, seconds, isolation, None, _scores(entry, where))


def _scores(entry: dict, where: str) -> Scores:
    tasks = entry.get("tasks")
    if not isinstance(tasks, dict):
        raise ReportError(f"{where}: tasks: expected an object of task id -> result")
    total = number(entry.get("total"), f"{where}: total")
    max_total = number(entry.get("max_total"), f"{where}: max_total")
    return Scores(
        total, max_total, {task: _task(r, f"{where}: tasks[{task!r}]") for task, r in tasks.items()}
    )


def _task(result, where: str) -> TaskResult:
    if not isinstance(result, dict):
        raise ReportError(f"{where}: expected an object")
    return TaskResult(
        score=optional_number(result.get("score"), f"{where}: score"),
        max_score=number(result.get("max_score"), f"{where}: max_score"),
        manual=is_manual(result),
        mistakes=named_mistakes(result, where),
        arguable=texts(result.get("arguable"), f"{where}: arguable"),
    )
