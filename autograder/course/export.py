"""What a batch leaves for people: grades.csv, results.json, each student's feedback page, and
the summary table, from the gradebook and the saved results (and the roster, for later
exports)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from .. import tasks
from ..access import atomic_write
from ..deadlines.record import COLUMNS as LATE_COLUMNS
from ..deadlines.record import LateRecord, no_columns
from ..grading import SubmissionResult, empty_result
from ..grading.feedback import (
    NOT_GRADED_YET,
    answer_part,
    not_graded_html,
    report_html,
    task_text,
)
from ..layout import current
from .collect import Student
from .database import durable
from .gradebook import Recorded, gradebook_scores, manual_points
from .lateplugin import reapply
from .latework import late_records
from .out import Batch
from .report import REPORT, report_batch
from .roster import save as save_roster


def publish(
    batch: Batch, students: list[Student], *, batch_seconds: float | None = None
) -> list[dict]:
    """What a batch leaves for people: :func:`export`, the report, and the summary table printed.

    ``grade``, ``merge`` and ``export`` all end here. The late penalties are computed again
    first (``lateplugin.reapply``: a TA's score or a new extension may change one), and
    nbgrader's page of a student whose penalty changed is written again. The gradebook is
    synced before anything is written from it (``database.durable``). Returns the rows of
    :func:`export`.
    """
    changed = reapply(batch.db_url, _graded_ids(batch, students), batch.policy_file)
    # on disk before grades.csv says so: the penalties, and the grades merge just copied (a
    # WAL gradebook's commits do not wait for the disk)
    durable(batch.db_url)
    for student in changed:
        if (batch.course / "autograded" / student / current().name).is_dir():
            result = batch.api.generate_feedback(current().name, student, force=True)
            if not result["success"]:
                print(f"warning: {student}'s feedback page is not up to date", file=sys.stderr)
    rows = export(batch, students)
    report_batch(batch.out, batch_seconds=batch_seconds)
    print(summary_table(rows, report=batch.out / REPORT))
    return rows


def _graded_ids(batch: Batch, students: list[Student]) -> list[str]:
    return [s.id for s in students if batch.not_graded_reason(s.id) is None]


def export(batch: Batch, students: list[Student]) -> list[dict]:
    """grades.csv, results.json and feedback pages, from the gradebook and the saved results.

    A student who is not graded gets no score anywhere: ``status`` says "not graded" and why.
    """
    save_roster(batch.out, students)
    columns = list(tasks.points()) + sorted(manual_points())
    graded = _graded_ids(batch, students)
    scores = gradebook_scores(batch.db_url, graded)
    lates = late_records(batch.db_url, graded, batch.policy_file)
    rows, everything = [], {}
    for s in students:
        fault = batch.not_graded_reason(s.id)
        if fault is not None:
            row, entry = _not_graded(batch, s, fault, columns)
        else:
            staged = batch.submitted_path(s.id).exists()
            row, entry = _graded(batch, s, columns, scores[s.id], lates[s.id] if staged else None)
        rows.append(row)
        everything[s.id] = entry
    buffer = io.StringIO()
    fields = ["student_id", "status", "isolation", *columns, "total", "max_total", *LATE_COLUMNS]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(batch.out / "grades.csv", buffer.getvalue())
    atomic_write(batch.out / "results.json", json.dumps(everything, indent=1))
    return [
        {
            **r,
            "flags": everything[r["student_id"]]["flags"],
            "reason": everything[r["student_id"]].get("reason", ""),
            "arguable": everything[r["student_id"]].get("arguable", {}),
        }
        for r in rows
    ]


def _not_graded(batch: Batch, s: Student, fault: dict, columns: list[str]) -> tuple[dict, dict]:
    """A student the grader could not grade: no score anywhere, and why."""
    row = {"student_id": s.id, "status": "not graded", "isolation": ""}
    row.update({c: "" for c in columns}, total="", max_total="", **no_columns())
    entry = {
        "status": "not graded",
        "reason": fault["reason"],
        "sandbox_stderr": fault.get("stderr", ""),
        "flags": s.flags,
        "notes": s.notes,
    }
    atomic_write(batch.out / "feedback" / f"{s.id}.html", not_graded_html(s.id))
    return row, entry


def _saved(batch: Batch, s: Student) -> SubmissionResult | None:
    path = batch.results / f"{s.id}.json"
    if not path.exists() or s.notebook is None:
        return None
    return SubmissionResult.from_json(json.loads(path.read_text())["result"])


def _graded(
    batch: Batch,
    s: Student,
    columns: list[str],
    scores: dict[str, Recorded],
    late: LateRecord | None,
) -> tuple[dict, dict]:
    """A graded student's row of grades.csv and entry of results.json; their page written."""
    saved = _saved(batch, s)
    result = saved or empty_result("no notebook was graded")
    try:
        record = json.loads((batch.done / f"{s.id}.json").read_text())
    except (OSError, ValueError):
        record = {"notes": []}
    result.notes = list(dict.fromkeys(s.notes + record.get("notes", []) + result.notes))
    result.flags = list(dict.fromkeys(s.flags + result.flags + (late.flags() if late else [])))
    # the gradebook is the system of record for every score
    for task, task_result in result.tasks.items():
        recorded = scores[task].score if task in scores else None
        if recorded is not None:
            task_result.score = recorded
    manual = {n: scores.get(n, Recorded(None, p)) for n, p in sorted(manual_points().items())}
    penalty = late.penalty if late else 0.0
    if scores:
        total = sum(r.score for r in scores.values() if r.score is not None) - penalty
        max_total = sum(r.max_score for r in scores.values())
    else:
        total, max_total = result.total, result.max_total + sum(manual_points().values())
    total = max(0.0, total)
    isolation = result.isolation if saved else ""
    row = {"student_id": s.id, "status": "graded", "isolation": isolation}
    for c in columns:
        value = scores.get(c, Recorded(None, 0)).score
        row[c] = "" if value is None else f"{value:g}"
    row.update(total=f"{total:g}", max_total=f"{max_total:g}")
    row.update(late.columns() if late else no_columns())
    entry = {
        "status": "graded",
        "isolation": isolation,
        "seconds": round(result.seconds, 3) if saved else None,
        "total": total,
        "max_total": max_total,
        "late": late.as_json() if late else None,
        "flags": result.flags,
        "notes": result.notes,
        "arguable": {t: r.arguable for t, r in result.tasks.items() if r.arguable},
        "tasks": {**_task_entries(result), **_answer_entries(manual)},
    }
    _write_page(batch, s, result, manual, total, max_total, late)
    return row, entry


def _task_entries(result: SubmissionResult) -> dict:
    return {
        t: {
            "score": r.score,
            "max_score": r.max_score,
            "feedback": task_text(t, r),
            "mistakes": r.mistakes,
            "arguable": r.arguable,
        }
        for t, r in result.tasks.items()
    }


def _answer_entries(manual: dict[str, Recorded]) -> dict:
    return {
        n: {
            "score": v,
            "max_score": m,
            "graded_by": "TA",
            "feedback": "graded by a TA" if v is not None else NOT_GRADED_YET,
        }
        for n, (v, m, _) in manual.items()
    }


def _write_page(
    batch: Batch,
    s: Student,
    result: SubmissionResult,
    manual: dict[str, Recorded],
    total: float,
    max_total: float,
    late: LateRecord | None,
) -> None:
    """The kit's page of a graded student, linking nbgrader's (copied beside it)."""
    feedback_dir = batch.out / "feedback"
    page = _copy_nbgrader_feedback(batch, s.id, feedback_dir)
    answers = [
        answer_part(
            n, r.score, r.max_score, answered=not r.unanswered, href=f"{page}#{n}" if page else ""
        )
        for n, r in manual.items()
    ]
    late_penalty, words = (late.penalty, late.words()) if late else (0.0, "")
    atomic_write(
        feedback_dir / f"{s.id}.html",
        report_html(s.id, result, answers, page, total, max_total, late_penalty, words),
    )


def _copy_nbgrader_feedback(batch: Batch, student: str, feedback_dir: Path) -> str | None:
    page = batch.course / "feedback" / student / current().name / f"{current().notebook_id}.html"
    if not page.exists():
        return None
    atomic_write(feedback_dir / student / f"{current().notebook_id}.html", page.read_bytes())
    return f"{student}/{current().notebook_id}.html"


def summary_table(rows: list[dict], report: Path | None = None) -> str:
    points = tasks.points()
    width = max([len("student"), *(len(r["student_id"]) for r in rows)])
    lines = [
        f"{'student':<{width}}  {'total':>11}  {'isolation':<10}  "
        "autograded parts below full marks; flags"
    ]
    for r in rows:
        if r["status"] != "graded":
            lines.append(
                f"{r['student_id']:<{width}}  {'NOT GRADED':>11}  {'-':<10}  "
                f"{r.get('reason', '')[:240]}"
            )
            continue
        low = [t for t in points if r.get(t, "") != f"{points[t]:g}"]
        lost = "all" if len(low) == len(points) else ", ".join(low) or "-"
        flags = f"  FLAGGED: {'; '.join(r['flags'])}" if r["flags"] else ""
        arguable = r.get("arguable") or {}
        review = f"  ARGUABLE (for a TA): {', '.join(arguable)}" if arguable else ""
        total = f"{r['total']}/{r['max_total']}"
        isolation = r.get("isolation") or "-"
        penalty = r.get("late_penalty", "")
        late = f"  LATE {r['hours_late']} h: -{penalty}" if penalty not in ("", "0") else ""
        lines.append(
            f"{r['student_id']:<{width}}  {total:>11}  {isolation:<10}  {lost}{late}{flags}{review}"
        )
    return "\n".join(lines + ([f"report: {report}"] if report else []))
