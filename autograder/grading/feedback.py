"""What a student reads: the text of each task's verdict, and the report page of a submission."""

from __future__ import annotations

import dataclasses
import html
import textwrap

from .reference import helpers

NOT_GRADED_YET = "not graded yet: a TA grades it"
WIDTH = 100
"""Columns of a check cell's output in the TA's formgrader page: the text wraps, so it reads
without scrolling sideways."""


def task_text(task: str, result, score: bool = True, width: int | None = None) -> str:
    """A task's hidden-check verdict, one line per check; repeated failures said once.

    ``score`` ends it with the score (a check cell shows the score as its result instead);
    ``width`` wraps long lines, keeping their indent.
    """
    check = helpers().checking
    findings: list = []
    previous = None
    repeats = 0
    for f in result.findings:
        if (
            previous is not None
            and not f.passed
            and not previous.passed
            and f.detail == previous.detail
            and f.kind == previous.kind
        ):
            repeats += 1
            continue
        if repeats:
            findings[-1] = _with_repeats(findings[-1], repeats)
            repeats = 0
        findings.append(f)
        previous = f
    if repeats:
        findings[-1] = _with_repeats(findings[-1], repeats)
    lines = check.format_report(task, findings, public=False).splitlines()
    lines += [f"Note: {note}" for note in result.notes]
    if score:
        lines.append(f"Score: {result.score:g} / {result.max_score:g}")
    if width:
        lines = [wrapped for line in lines for wrapped in _wrap(line, width)]
    return "\n".join(lines)


def _wrap(line: str, width: int) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip()))
    return textwrap.wrap(line, width, subsequent_indent=indent + "  ") or [line]


def _with_repeats(finding, repeats):
    what = f"{finding.what} (and {repeats} more check{'s' if repeats > 1 else ''})"
    return dataclasses.replace(finding, what=what)


def report_html(
    student: str,
    result,
    manual: dict[str, tuple[float | None, float]],
    notebook_page: str | None,
    total: float,
    max_total: float,
) -> str:
    """One page per student: the total (the gradebook's, as grades.csv and nbgrader's page
    show it), the table of scores, each task's verdict, what a TA may review, notes, flags."""
    esc = html.escape
    rows = []
    for task, r in result.tasks.items():
        mark = "ok" if r.score == r.max_score else "fail"
        rows.append(
            f"<tr class='{mark}'><td><code>{esc(task)}</code></td>"
            f"<td>{r.score:g} / {r.max_score:g}</td></tr>"
        )
    waiting = 0.0
    for name, (points, max_score) in manual.items():
        if points is None:
            waiting += max_score
        shown = (
            f"{NOT_GRADED_YET} ({max_score:g} points)"
            if points is None
            else (f"{points:g} / {max_score:g}")
        )
        rows.append(f"<tr><td><code>{esc(name)}</code></td><td>{shown}</td></tr>")
    arguable = "".join(
        f"<li><code>{esc(task)}</code>: {esc(words)}</li>"
        for task, r in result.tasks.items()
        for words in r.arguable
    )
    sections = "".join(
        f"<h3><code>{esc(task)}</code></h3><pre>{esc(task_text(task, r))}</pre>"
        for task, r in result.tasks.items()
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in result.notes)
    flags = "".join(f"<li>{esc(n)}</li>" for n in result.flags)
    link = (
        f"<p>Your notebook as graded, with the check outputs: "
        f"<a href='{esc(notebook_page)}'>{esc(notebook_page)}</a></p>"
        if notebook_page
        else ""
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Feedback for {esc(student)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
td{{padding:.2em 1em}} tr.fail td{{color:#a00}} pre{{background:#f6f6f6;padding:.8em;
white-space:pre-wrap}}</style></head><body>
<h1>Batch normalization: feedback for {esc(student)}</h1>
<p><b>Total: {total:g} / {max_total:g}</b>{
        f" ({waiting:g} points of written answers not graded yet)" if waiting else ""
    }</p>
<table>{"".join(rows)}</table>
{f"<h2>For a TA to review</h2><ul>{arguable}</ul>" if arguable else ""}
{f"<h2>About your notebook</h2><ul>{notes}</ul>" if notes else ""}
{f"<h2>Flagged for review</h2><ul>{flags}</ul>" if flags else ""}
<h2>What the hidden checks found</h2>
<p>Each task was checked on inputs you have not seen, against the reference solution.</p>
{sections}{link}</body></html>
"""


def not_graded_html(student: str) -> str:
    """The page of a student the grader could not grade (its own fault): no score, no guess."""
    esc = html.escape
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Feedback for {esc(student)}</title></head>
<body style="font-family:sans-serif;max-width:60em;margin:2em auto">
<h1>Batch normalization: feedback for {esc(student)}</h1>
<p><b>Not graded yet.</b> The grading system had a problem of its own while it graded your
notebook; nothing you did caused it, and no score was recorded. Your notebook will be graded
again; you do not need to do anything.</p></body></html>
"""
