"""Reading results.json: each entry checked for what the report needs, named when it is not.

Written answers are recognised by their feedback, ``graded by a TA``; a task's named mistakes
are its ``mistakes`` list or, when it has none, the ``likely mistake:`` lines of its feedback
(the words of ``cs231n.checking.format_report`` under a failed check).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

# What results.json says in the feedback of a part graded by hand (the written answers).
TA_FEEDBACK = "graded by a TA"
# A named mistake, as checking.format_report writes it under a failed check.
MISTAKE_LINE = re.compile(r"^\s*likely mistake: (.+?)\s*$", re.MULTILINE)


class ReportError(ValueError):
    """results.json is not what the grade command writes; says which student and key."""


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
