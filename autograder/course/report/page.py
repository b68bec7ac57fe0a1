"""The report's page: one self-contained HTML document, every untrusted text escaped."""

from __future__ import annotations

import html

from .figures import histogram_figure, mistakes_figure, tasks_figure, time_figure

TOP_MISTAKES = 20  # rows of the mistakes table (the figure shows the first 10)
esc = html.escape


def _g(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"


def _mean(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _rate(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def _seconds(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s"


def _table(table_id: str, header: list[str], rows: list[list[str]]) -> str:
    """A table; ``rows`` hold HTML already escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pair(src: str, alt: str, table: str) -> str:
    return (
        f'<div class="pair"><img src="{src}" alt="{esc(alt)}">'
        f'<div class="numbers">{table}</div></div>'
    )


def _bins_rows(edges: list[float], counts: list[int], fmt) -> list[list[str]]:
    rows = []
    for i, count in enumerate(counts):
        close = "]" if i == len(counts) - 1 else ")"
        rows.append([esc(f"[{fmt(edges[i])}, {fmt(edges[i + 1])}{close}"), str(count)])
    return rows


def _distribution_section(dist: dict, table_id: str, title: str, color: str) -> str:
    stats = (
        f"<p>{dist['n']} graded students, out of {_g(dist['maximum'])} points: "
        f"mean {_mean(dist['mean'])}, median {_g(dist['median'])}, "
        f"min {_g(dist['min'])}, max {_g(dist['max'])}.</p>"
    )
    table = _table(table_id, ["points", "students"], _bins_rows(dist["edges"], dist["counts"], _g))
    return f"<h3>{esc(title)}</h3>{stats}" + _pair(
        histogram_figure(dist, "points", color), f"histogram: {title}", table
    )


def _code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def render(numbers: dict, similar: str = "") -> str:
    """The page, from :func:`summarize`'s numbers; ``similar`` is the section on similar code
    (HTML, ``similar.section``), after the flagged submissions."""
    dist = numbers["distribution"]
    parts = [
        "<h1>Batch normalization: the class at a glance</h1>",
        f"<p id='summary'>{numbers['students']} submissions: {numbers['graded']} graded, "
        f"{len(numbers['not_graded'])} not graded, {len(numbers['flagged'])} flagged for "
        "review. Scores and pass rates count graded submissions only.</p>",
        "<h2>Score distribution</h2>",
        _distribution_section(
            dist["autograded"], "autograded", "Autograded total (hidden checks)", "#4e79a7"
        ),
        _distribution_section(
            dist["total"], "totals", "Total (autograded and TA-graded so far)", "#f28e2b"
        ),
    ]

    task_rows = [
        [
            _code(task),
            "TA" if t["manual"] else "autograder",
            _g(t["max_score"]),
            str(t["scored"]),
            str(t["awaiting"]),
            str(t["full_marks"]),
            _rate(t["pass_rate"]),
            _mean(t["mean_score"]),
        ]
        for task, t in numbers["tasks"].items()
    ]
    parts += [
        "<h2>Tasks</h2>",
        "<p>Pass rate: the share of scored students with full marks on the task. Parts graded "
        "by a TA count only the students a TA has scored so far.</p>",
        _pair(
            tasks_figure(numbers["tasks"]),
            "pass rate per task",
            _table(
                "tasks",
                [
                    "task",
                    "graded by",
                    "points",
                    "scored",
                    "awaiting",
                    "full marks",
                    "pass rate",
                    "mean score",
                ],
                task_rows,
            ),
        ),
    ]

    mistakes = numbers["mistakes"]
    parts.append("<h2>Most frequent named mistakes</h2>")
    if mistakes:
        shown = mistakes[:TOP_MISTAKES]
        rows = [
            [
                f"#{i + 1}",
                _code(m["task"]),
                esc(m["mistake"]),
                str(m["count"]),
                ", ".join(_code(s) for s in m["examples"]),
            ]
            for i, m in enumerate(shown)
        ]
        more = len(mistakes) - len(shown)
        parts += [
            "<p>Counted once per student and task: the mistakes the hidden checks recognised "
            "by their output.</p>",
            _pair(
                mistakes_figure(mistakes),
                "most frequent named mistakes",
                _table("mistakes", ["rank", "task", "mistake", "students", "for example"], rows)
                + (f"<p>and {more} more.</p>" if more > 0 else ""),
            ),
        ]
    else:
        parts.append("<p id='mistakes'>No named mistake was recognised.</p>")

    parts.append("<h2>Flagged for review</h2>")
    if numbers["flagged"]:
        parts += [
            "<p>A flag marks a submission for a human to look at; it does not change a score.</p>",
            _table(
                "flagged",
                ["student", "flags"],
                [[_code(f["student"]), _list(f["flags"])] for f in numbers["flagged"]],
            ),
        ]
    else:
        parts.append("<p id='flagged'>No submission was flagged.</p>")
    if numbers["arguable"]:
        parts += [
            "<h3>Deductions a TA should review</h3>",
            _table(
                "arguable",
                ["student", "task", "deduction"],
                [
                    [_code(a["student"]), _code(a["task"]), esc(a["deduction"])]
                    for a in numbers["arguable"]
                ],
            ),
        ]

    parts.append(similar)
    parts.append("<h2>Not graded</h2>")
    if numbers["not_graded"]:
        parts.append(
            _table(
                "not-graded",
                ["student", "reason"],
                [[_code(n["student"]), esc(n["reason"])] for n in numbers["not_graded"]],
            )
        )
    else:
        parts.append("<p id='not-graded'>Every submission was graded.</p>")

    time = numbers["time"]
    parts.append("<h2>Grading time</h2>")
    time_rows = [
        ["batch (wall time)", _seconds(time["batch_seconds"])],
        ["submissions timed", str(time["timed"])],
        ["median per submission", _seconds(time["median"])],
        ["slowest submission", _seconds(time["max"])],
        ["sum over submissions", _seconds(time["total"])],
    ]
    summary = _table("time", ["what", "measured"], time_rows)
    if time["timed"]:
        bins = _table(
            "time-bins",
            ["seconds", "submissions"],
            _bins_rows(time["edges"], time["counts"], lambda x: f"{x:.2f}"),
        )
        parts.append(_pair(time_figure(time), "grading time per submission", summary + bins))
    else:
        parts.append(summary)

    iso = numbers["isolation"]
    parts.append("<h2>Isolation</h2>")
    if iso["mixed"]:
        usual = iso["usual"]
        others = [[_code(s), esc(k)] for s, k in iso["per_student"].items() if k != usual]
        parts += [
            "<p>Not every submission was graded under the same isolation. The submissions not "
            f"graded under the most common one, {esc(usual)}:</p>",
            _table(
                "isolation-counts",
                ["isolation", "submissions"],
                [[esc(k), str(v)] for k, v in iso["counts"].items()],
            ),
            _table(
                "isolation",
                ["student", "isolation"],
                others,
            ),
        ]
    else:
        (kind,) = iso["counts"] or {"not recorded": 0}
        parts.append(f"<p id='isolation'>Every submission: {esc(kind)}.</p>")

    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Batch normalization: instructor's report</title>
<style>
body{{font-family:sans-serif;max-width:80em;margin:2em auto;padding:0 1em}}
.pair{{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}}
.pair img{{max-width:100%}}
table{{border-collapse:collapse;margin:.5em 0}}
th,td{{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
td ul{{margin:0;padding-left:1.2em}}
pre{{margin:.2em 0 .6em;font-size:90%;overflow-x:auto}}
.side-by-side{{table-layout:fixed;width:100%}}.side-by-side th:first-child{{width:14em}}
.side-by-side td:first-child{{overflow-wrap:anywhere}}.lines{{color:#666;font-size:85%}}
</style></head><body>
{"".join(parts)}
</body></html>
"""
