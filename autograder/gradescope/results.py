"""``/autograder/results/results.json``, in Gradescope's format (``docs/specs.md``).

A top-level ``score``, one test per autograded task (name = the task id, ``score``,
``max_score``, ``status``, ``output`` = the task's named-mistake feedback, as ``grade`` writes
it), and a top-level ``output`` with the notes about the notebook. Flags and the isolation go
where students do not look: ``extra_data`` and the run's stdout (shown to instructors only;
``stdout_visibility`` is ``hidden``). Not a hidden test: the spec says hidden tests keep students
from seeing their total. The written answers are Gradescope manual questions, not in it.
"""

from __future__ import annotations

import json

from ..access import atomic_write
from ..deadlines.record import LateRecord
from ..grading import SubmissionResult
from ..grading.feedback import task_text
from .folders import Folders, Found


def results_json(
    result: SubmissionResult,
    found: Found,
    student: str,
    seconds: float,
    visibility: str | None = None,
    late: LateRecord | None = None,
) -> dict:
    """Gradescope's results.json for a graded student; ``visibility`` (one of
    ``VISIBILITIES``) says when students see the tests, at the top and on each test (default:
    each test ``visible``, nothing at the top). ``late`` (the zip's deadlines file, ``late.py``):
    the top-level score is after its penalty, the output says it, ``extra_data.late`` holds it."""
    notes = list(dict.fromkeys(found.notes + result.notes))
    lines = [
        f"Autograded: {result.total:g} / {result.max_total:g} points. The written answers are "
        "graded by the course staff.",
        "Each task below was checked on inputs you have not seen, against the reference solution."
        + (
            " Your code ran as an unprivileged user, without access to the grader's files."
            if result.isolation
            else ""
        ),
    ]
    if late is not None and late.words():
        left = max(0.0, result.total - late.penalty)
        after = (
            f" Autograded score after it: {left:g} / {result.max_total:g}." if late.penalty else ""
        )
        lines += ["", late.words() + after]
    if notes:
        lines += ["", "About your notebook:", *(f"- {n}" for n in notes)]
    tests = [
        {
            "name": task,
            "number": str(number),
            "score": r.score,
            "max_score": r.max_score,
            "status": "passed" if r.score >= r.max_score else "failed",
            "output": task_text(task, r),
            "output_format": "text",
            "visibility": visibility or "visible",
        }
        for number, (task, r) in enumerate(result.tasks.items(), 1)
    ]
    chosen = {"visibility": visibility} if visibility else {}
    return {
        **chosen,
        "score": max(0.0, result.total - late.penalty) if late else result.total,
        "execution_time": round(seconds),
        "output": "\n".join(lines),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "student": student,
            "notebook": found.notebook.name if found.notebook else None,
            "isolation": result.isolation,
            "flags": list(dict.fromkeys(found.flags + result.flags)),
            "notes": notes,
            **({"late": late.as_json()} if late else {}),
        },
    }


def not_graded_json(reason: str) -> dict:
    """results.json of a student who was not graded: an explanation, and no score at all.

    Without ``score`` or ``tests`` the results are incomplete by the spec, so Gradescope shows
    a failed run (staff rerun it), never a grade.
    """
    return {
        "output": (
            "The autograder failed on this submission for a reason of its own, not yours, so "
            "it was NOT graded: no score was recorded. Course staff: rerun the autograder on "
            f"this submission. Reason: {reason}"
        ),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "extra_data": {"not_graded": True, "reason": reason},
    }


def write_results(folders: Folders, data: dict) -> None:
    """results.json, written atomically by root (a reader never sees half of it)."""
    # 0644: Gradescope's harness reads it (the folder is 0755, root's; see folders.py)
    atomic_write(folders.results / "results.json", json.dumps(data, indent=1), mode=0o644)
