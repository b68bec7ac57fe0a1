"""What a batch leaves for people: grades.csv, results.json, each student's feedback page, and
the summary table, from the gradebook and the saved results (and the roster, for later
exports)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .. import tasks
from ..access import atomic_write
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
from .gradebook import Recorded, gradebook_scores, manual_points
from .out import Batch
from .report import REPORT, report_batch
from .roster import save as save_roster


def publish(
    batch: Batch, students: list[Student], *, batch_seconds: float | None = None
) -> list[dict]:
    """What a batch leaves for people: :func:`export`, the report, and the summary table printed.

    ``grade``, ``merge`` and ``export`` all end here. Returns the rows of :func:`export`.
    """
    rows = export(batch, students)
    report_batch(batch.out, batch_seconds=batch_seconds)
    print(summary_table(rows, report=batch.out / REPORT))
    return rows


def export(batch: Batch, students: list[Student]) -> list[dict]:
    """grades.csv, results.json and feedback pages, from the gradebook and the saved results.

    A student who is not graded gets no score anywhere: ``status`` says "not graded" and why.
    """
    save_roster(batch.out, students)
    points = tasks.points()
    manual_names = sorted(n for n in manual_points())
    columns = list(points) + manual_names
    rows, everything = [], {}
    feedback_dir = batch.out / "feedback"
    faults = {s.id: batch.not_graded_reason(s.id) for s in students}
    recorded_scores = gradebook_scores(
        batch.db_url, [s.id for s in students if faults[s.id] is None]
    )
    for s in students:
        fault = faults[s.id]
        if fault is not None:
            row = {"student_id": s.id, "status": "not graded", "isolation": ""}
            row.update({c: "" for c in columns}, total="", max_total="")
            rows.append(row)
            everything[s.id] = {
                "status": "not graded",
                "reason": fault["reason"],
                "sandbox_stderr": fault.get("stderr", ""),
                "flags": s.flags,
                "notes": s.notes,
            }
            atomic_write(feedback_dir / f"{s.id}.html", not_graded_html(s.id))
            continue
        scores = recorded_scores[s.id]
        saved = (
            SubmissionResult.from_json(
                json.loads((batch.results / f"{s.id}.json").read_text())["result"]
            )
            if (batch.results / f"{s.id}.json").exists() and s.notebook is not None
            else None
        )
        result = saved or empty_result("no notebook was graded")
        try:
            record = json.loads((batch.done / f"{s.id}.json").read_text())
        except (OSError, ValueError):
            record = {"notes": []}
        result.notes = list(dict.fromkeys(s.notes + record.get("notes", []) + result.notes))
        result.flags = list(dict.fromkeys(s.flags + result.flags))
        # the gradebook is the system of record for every score
        for task, task_result in result.tasks.items():
            recorded = scores[task].score if task in scores else None
            if recorded is not None:
                task_result.score = recorded
        manual = {n: scores.get(n, Recorded(None, manual_points()[n])) for n in manual_names}
        total = (
            sum(r.score for r in scores.values() if r.score is not None) if scores else result.total
        )
        max_total = (
            sum(r.max_score for r in scores.values())
            if scores
            else (result.max_total + sum(manual_points().values()))
        )
        isolation = result.isolation if saved else ""
        row = {"student_id": s.id, "status": "graded", "isolation": isolation}
        for c in columns:
            value = scores.get(c, Recorded(None, 0)).score
            row[c] = "" if value is None else f"{value:g}"
        row.update(total=f"{total:g}", max_total=f"{max_total:g}")
        rows.append(row)
        everything[s.id] = {
            "status": "graded",
            "isolation": isolation,
            "seconds": round(result.seconds, 3) if saved else None,
            "total": total,
            "max_total": max_total,
            "flags": result.flags,
            "notes": result.notes,
            "arguable": {t: r.arguable for t, r in result.tasks.items() if r.arguable},
            "tasks": {
                **{
                    t: {
                        "score": r.score,
                        "max_score": r.max_score,
                        "feedback": task_text(t, r),
                        "mistakes": r.mistakes,
                        "arguable": r.arguable,
                    }
                    for t, r in result.tasks.items()
                },
                **{
                    n: {
                        "score": v,
                        "max_score": m,
                        "graded_by": "TA",
                        "feedback": "graded by a TA" if v is not None else NOT_GRADED_YET,
                    }
                    for n, (v, m, _) in manual.items()
                },
            },
        }
        page = _copy_nbgrader_feedback(batch, s.id, feedback_dir)
        answers = [
            answer_part(
                n,
                r.score,
                r.max_score,
                answered=not r.unanswered,
                href=f"{page}#{n}" if page else "",
            )
            for n, r in manual.items()
        ]
        atomic_write(
            feedback_dir / f"{s.id}.html",
            report_html(s.id, result, answers, page, total, max_total),
        )
    buffer = io.StringIO()
    fields = ["student_id", "status", "isolation", *columns, "total", "max_total"]
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
        lines.append(
            f"{r['student_id']:<{width}}  {total:>11}  {isolation:<10}  {lost}{flags}{review}"
        )
    return "\n".join(lines + ([f"report: {report}"] if report else []))
