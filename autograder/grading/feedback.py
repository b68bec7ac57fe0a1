"""What a student reads: the text of each task's verdict, the summary of a submission (the
start of nbgrader's feedback page and of the kit's own page), and the kit's page."""

from __future__ import annotations

import dataclasses
import enum
import functools
import html
import textwrap
from pathlib import Path

import jinja2
from markupsafe import Markup

from .model import Verdict
from .reference import helpers
from .scoring import CONVENTION_COST, SHAPE_CREDIT, SIDE_EFFECT_CAP

NOT_GRADED_YET = "not graded yet: a TA grades it"
NOT_ANSWERED = "not answered"
TEMPLATES = Path(__file__).resolve().parents[1] / "course" / "templates" / "feedback"
"""Every template of the feedback pages, in one folder: nbgrader's page (``index.html.j2``,
found by nbconvert) and the kit's summary and page (rendered here)."""
SUMMARY_TEMPLATE = "summary.html.j2"
REPORT_TEMPLATE = "report.html.j2"
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


class State(enum.StrEnum):
    """Where a graded part stands."""

    SCORED = "scored"  # it has a score: the hidden checks', or a TA's
    WAITING = "waiting"  # a written answer no TA has graded yet
    NOT_ANSWERED = "not answered"  # a written answer left as released (nbgrader's 0)


@dataclasses.dataclass(frozen=True)
class Part:
    """One graded part of a submission (a task or a written answer), as the summary shows it."""

    name: str
    score: float | None  # None unless SCORED
    max_score: float
    state: State = State.SCORED
    mistakes: tuple[str, ...] = ()  # named mistakes, in a student's words
    arguable: tuple[str, ...] = ()  # deductions a TA may review
    credit: str = ""  # why it kept part of its points (:func:`credit_sentence`)
    href: str = ""  # where the page shows its details


def task_part(name: str, score: float, max_score: float, result=None, href: str = "") -> Part:
    """A task's part: its score (the gradebook's) and, from its hidden checks' ``result``
    (a TaskResult, when there is one), its named mistakes and its partial credit."""
    findings = result.findings if result is not None else []
    return Part(
        name,
        score,
        max_score,
        mistakes=tuple(result.mistakes) if result is not None else (),
        arguable=tuple(result.arguable) if result is not None else (),
        credit=credit_sentence(score, max_score, findings),
        href=href,
    )


def answer_part(
    name: str, score: float | None, max_score: float, *, answered: bool, href: str = ""
) -> Part:
    """A written answer's part: scored by a TA, waiting for one (``score`` None), or not
    answered (nbgrader's zero for an answer cell left as released, which no TA changed)."""
    if not answered:
        return Part(name, None, max_score, State.NOT_ANSWERED, href=href)
    if score is None:
        return Part(name, None, max_score, State.WAITING, href=href)
    return Part(name, score, max_score, href=href)


def credit_sentence(score: float, max_score: float, findings) -> str:
    """Why a task kept some of its points but not all, in one sentence (``scoring.py``'s rules);
    empty when it kept all of them, or none and no check passed."""
    if score >= max_score or not findings:
        return ""
    if score <= 0:
        if not any(f.passed for f in findings):
            return ""
        return (
            "No points although some checks passed: a task earns nothing unless one of its "
            "value checks (the values your code returns) passed."
        )
    kinds = {f.kind for f in findings if not f.passed}
    rules = [
        f"a convention the course does not use costs {CONVENTION_COST:.0%} of the task"
        if Verdict.CONVENTION.value in kinds
        else "",
        f"a shape that broadcasts to the right values keeps {SHAPE_CREDIT:.0%} of its checks"
        if Verdict.SHAPE.value in kinds
        else "",
        f"a change made in place costs at most {SIDE_EFFECT_CAP:.0%} of the task"
        if Verdict.SIDE_EFFECT.value in kinds
        else "",
    ]
    also = "".join(f"; {rule}" for rule in rules if rule)
    return (
        f"Partial credit, {score:g} of {max_score:g} points: a task earns its points in "
        f"proportion to the weight of the checks that passed{also}."
    )


def summary_html(
    parts: list[Part],
    total: float,
    max_total: float,
    notes: list[str],
    late_penalty: float = 0.0,
    late: str = "",
) -> Markup:
    """The summary of a submission, an HTML fragment: the total, when it was submitted and the
    late penalty (``late``: the words of ``deadlines.words.explain``), each part's score (parts
    worth no points are left out), the named mistakes, partial credit, what a TA may review,
    the notes about the notebook and the points still waiting for a TA. nbgrader's feedback
    page starts with it, and so does the kit's page."""
    shown = [p for p in parts if p.max_score]
    waiting = sum(p.max_score for p in shown if p.state is State.WAITING)
    template = _templates().get_template(SUMMARY_TEMPLATE)
    html_ = template.render(
        parts=shown,
        total=total,
        max_total=max_total,
        waiting=waiting,
        notes=notes,
        late_penalty=late_penalty,
        late=late,
        arguable=[(p.name, words) for p in shown for words in p.arguable],
        State=State,
    )
    return Markup(html_)  # rendered with autoescape: placed in a page as it is


@functools.cache
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["points"] = _points
    return environment


def _points(value: float) -> str:
    """A score as every page writes it: 2.35, 5, 0.5."""
    return f"{value:g}"


def report_html(
    student: str,
    result,
    answers: list[Part],
    notebook_page: str | None,
    total: float,
    max_total: float,
    late_penalty: float = 0.0,
    late: str = "",
) -> str:
    """The kit's page of a student: the summary nbgrader's page starts with (the same
    :func:`summary_html`), then each task's whole verdict, the flags, and a link to nbgrader's
    page. ``answers`` are the written answers (:func:`answer_part`); the total is the
    gradebook's (after the late penalty), as grades.csv and nbgrader's page show it."""
    parts = [task_part(t, r.score, r.max_score, r, href=f"#{t}") for t, r in result.tasks.items()]
    template = _templates().get_template(REPORT_TEMPLATE)
    return template.render(
        student=student,
        summary=summary_html(
            [*parts, *answers], total, max_total, result.notes, late_penalty, late
        ),
        sections=[(t, task_text(t, r)) for t, r in result.tasks.items()],
        flags=result.flags,
        notebook_page=notebook_page,
    )


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
