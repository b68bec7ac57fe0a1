"""The instructor's report: its numbers, its figures, its escaping and its stable bytes."""

from __future__ import annotations

import base64
import copy
import json
import statistics
import subprocess
from html.parser import HTMLParser

import nbformat
import pytest
from conftest import ENV, KIT, needs_bubblewrap
from support.corpus import release_nb, student_nb
from support.paths import NOTEBOOK

from autograder.course.export import summary_table
from autograder.course.report import ReportError, report_batch, write_report
from autograder.layout import ROOT

FIGURE = '<img src="data:image/png;base64,'
TA = "graded by a TA"
VARIANCE = "your variance uses N-1 (unbiased, ddof=1): batch norm uses the biased variance, 1/N"
RUNNING = "your running variance uses N-1 (unbiased): use the same biased variance"
ARGUABLE = "float32 out: relative error 1.2e-03 just above 1e-03"
HOSTILE_ID = "<script>alert(1)</script>"
HOSTILE_MISTAKE = "<b>bold</b> & 'quoted'"
POINTS = {"affine_forward": 2, "batchnorm_forward_train": 5, "batchnorm_forward_test": 5}


def feedback(task: str, mistakes: list[str]) -> str:
    """Feedback text in the words of checking.format_report, a named mistake under a FAIL."""
    lines = [f"Task {task}: hidden checks"]
    for m in mistakes:
        lines += [
            "  [FAIL] out: relative error 2.9e-01 (pass: < 1e-06)",
            f"         likely mistake: {m}",
        ]
    return "\n".join(lines)


def student(
    scores: dict, *, question=None, mistakes=None, legacy=None, arguable=(), **extra
) -> dict:
    """An entry of results.json. ``mistakes``: task -> named mistakes in the new ``mistakes``
    key; ``legacy``: task -> named mistakes only in the feedback text (results.json today)."""
    mistakes, legacy = mistakes or {}, legacy or {}
    tasks = {}
    for task, top in POINTS.items():
        tasks[task] = {
            "score": scores.get(task, top),
            "max_score": top,
            "feedback": feedback(task, legacy.get(task, [])),
        }
        if task in mistakes:
            tasks[task]["mistakes"] = mistakes[task]
            tasks[task]["arguable"] = list(arguable)
    tasks["inline_question_1"] = {"score": question, "max_score": 3, "feedback": TA}
    total = sum(t["score"] for t in tasks.values() if t["score"] is not None)
    entry = {"total": total, "max_total": 15, "flags": [], "notes": [], "tasks": tasks}
    return {"status": "graded", "isolation": "bubblewrap", **entry, **extra}


def synthetic() -> dict:
    zero = dict.fromkeys(POINTS, 0.0)
    return {
        "ann": student({}, question=3.0, seconds=1.0),
        "ben": student({}, seconds=1.5),
        "cat": student(zero, question=0.0, seconds=0.8),
        "dan": student(
            {"batchnorm_forward_train": 2.5},
            mistakes={"batchnorm_forward_train": [VARIANCE]},
            arguable=[ARGUABLE],
        ),
        "eve": student(
            {"batchnorm_forward_train": 2.5}, legacy={"batchnorm_forward_train": [VARIANCE]}
        ),
        # the mistakes key wins over the feedback's lines; a repeated mistake counts once
        "fay": student(
            {"batchnorm_forward_train": 2.5, "batchnorm_forward_test": 3.0},
            mistakes={
                "batchnorm_forward_train": [VARIANCE, VARIANCE],
                "batchnorm_forward_test": [],
            },
            legacy={
                "batchnorm_forward_train": [VARIANCE, VARIANCE],
                "batchnorm_forward_test": [RUNNING],
            },
            seconds=2.25,
        ),
        "gus": student(
            {"batchnorm_forward_test": 3.0},
            legacy={"batchnorm_forward_test": [RUNNING, RUNNING]},
            question=1.5,
            seconds=3.0,
        ),
        "hal": student(
            {"batchnorm_forward_test": 3.0},
            mistakes={"batchnorm_forward_test": [RUNNING]},
            isolation="none",
            seconds=0.5,
        ),
        "ivy": student(
            {"batchnorm_forward_train": 2.5, "affine_forward": 1.0},
            mistakes={"batchnorm_forward_train": [VARIANCE]},
            seconds=1.25,
        ),
        "jon": student(
            {},
            flags=["patched numpy or builtins at run time (numpy.allclose)"],
            question=2.0,
            seconds=0.75,
        ),
        HOSTILE_ID: student(
            {"affine_forward": 0.0},
            mistakes={"affine_forward": [HOSTILE_MISTAKE]},
            flags=["<img src=x onerror=alert(1)>"],
        ),
        "kim": {
            "status": "not graded",
            "reason": "the sandbox could not start: bwrap: No permissions",
            "isolation": "bubblewrap",
            "flags": [],
            "notes": [],
            "seconds": 0.1,
        },
    }


class Tables(HTMLParser):
    """Each ``<table id=...>``: its body rows, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = self.row = self.cell = None
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(page: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


def figures(page: str) -> list[bytes]:
    pngs = []
    for chunk in page.split(FIGURE)[1:]:
        pngs.append(base64.b64decode(chunk.split('"', 1)[0], validate=True))
    return pngs


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    numbers = write_report(synthetic(), out, batch_seconds=12.5)
    return numbers, out.read_text()


def expected_tasks(results: dict) -> dict[str, tuple[int, int, float | None, float | None]]:
    """task -> (scored, full marks, pass rate, mean score) over graded students, by hand."""
    graded = [e for e in results.values() if e.get("status", "graded") == "graded"]
    out = {}
    for task in graded[0]["tasks"]:
        scores = [e["tasks"][task]["score"] for e in graded]
        top = graded[0]["tasks"][task]["max_score"]
        scored = [s for s in scores if s is not None]
        full = [s for s in scored if s == top]
        out[task] = (
            len(scored),
            len(full),
            len(full) / len(scored) if scored else None,
            sum(scored) / len(scored) if scored else None,
        )
    return out


def test_page_is_self_contained_with_at_least_three_figures(report):
    _, page = report
    pngs = figures(page)
    assert len(pngs) >= 5  # two score histograms, pass rates, mistakes, grading time
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert b"Software" not in b"".join(pngs)  # no matplotlib version stamp
    for outside in ("http:", "https:", "<link", "<script", 'src="/', "url("):
        assert outside not in page, outside


def test_counts_and_not_graded_list(report):
    numbers, page = report
    results = synthetic()
    graded = sorted(s for s, e in results.items() if e["status"] == "graded")
    assert numbers["students"] == 12 and numbers["graded"] == len(graded) == 11
    assert numbers["not_graded"] == [
        {"student": "kim", "reason": "the sandbox could not start: bwrap: No permissions"}
    ]
    assert tables(page)["not-graded"] == [["kim", results["kim"]["reason"]]]
    assert "12 submissions: 11 graded, 1 not graded, 2 flagged" in page
    flagged = {s: e["flags"] for s, e in results.items() if e["flags"]}
    assert {f["student"]: f["flags"] for f in numbers["flagged"]} == flagged
    assert {r[0] for r in tables(page)["flagged"]} == set(flagged)


def test_score_distribution_matches_the_entries(report):
    import numpy as np

    numbers, page = report
    results = synthetic()
    graded = {s: e for s, e in results.items() if e["status"] == "graded"}
    auto = {s: sum(e["tasks"][t]["score"] for t in POINTS) for s, e in graded.items()}
    assert numbers["autograded_totals"] == auto
    assert auto["ann"] == 12 and auto["cat"] == 0 and auto["ivy"] == 8.5
    assert numbers["totals"] == {s: e["total"] for s, e in graded.items()}
    assert numbers["totals"]["ann"] == 15  # the TA's 3 points count in the total
    for key, values, top in (
        ("autograded", list(auto.values()), 12),
        ("total", [e["total"] for e in graded.values()], 15),
    ):
        dist = numbers["distribution"][key]
        assert dist["maximum"] == top
        assert dist["edges"][0] <= 0 and dist["edges"][-1] >= top
        counts, _ = np.histogram(values, bins=dist["edges"])
        assert dist["counts"] == counts.tolist()
        assert sum(dist["counts"]) == 11
        assert dist["mean"] == pytest.approx(statistics.mean(values))
        assert dist["median"] == statistics.median(values)
        rows = tables(page)["autograded" if key == "autograded" else "totals"]
        assert [int(r[1]) for r in rows] == counts.tolist()
        assert f"median {statistics.median(values):g}" in page


def test_pass_rates_and_means_match_the_entries(report):
    numbers, page = report
    expected = expected_tasks(synthetic())
    rows = {r[0]: r for r in tables(page)["tasks"]}
    assert list(numbers["tasks"]) == [*POINTS, "inline_question_1"]
    for task, (scored, full, rate, mean) in expected.items():
        got = numbers["tasks"][task]
        assert (got["scored"], got["full_marks"]) == (scored, full), task
        assert got["pass_rate"] == pytest.approx(rate) and got["mean_score"] == pytest.approx(mean)
        assert rows[task][3:] == [
            str(scored),
            str(11 - scored),
            str(full),
            f"{rate:.1%}",
            f"{mean:.2f}",
        ]
    assert numbers["tasks"]["affine_forward"]["full_marks"] == 8  # not cat, ivy, the hostile id
    # the written answer: only the 4 students a TA scored count, and it is not autograded
    assert expected["inline_question_1"][:2] == (4, 1)
    assert rows["inline_question_1"][1] == "TA" and numbers["tasks"]["inline_question_1"]["manual"]


def test_named_mistakes_counted_once_per_student_with_examples(report):
    numbers, page = report
    results = synthetic()
    # by hand: who has which mistake, from the mistakes key, else the feedback's lines
    expected = {}
    for sid, e in sorted(results.items()):
        for task, r in e.get("tasks", {}).items():
            if "mistakes" in r:
                words = set(r["mistakes"])
            else:
                words = {
                    line.split("likely mistake: ", 1)[1]
                    for line in r["feedback"].splitlines()
                    if "likely mistake: " in line
                }
            for w in words:
                expected.setdefault((task, w), []).append(sid)
    assert len(expected[("batchnorm_forward_train", VARIANCE)]) == 4
    assert expected[("batchnorm_forward_test", RUNNING)] == ["gus", "hal"]  # not fay
    got = {(m["task"], m["mistake"]): m for m in numbers["mistakes"]}
    assert {k: m["students"] for k, m in got.items()} == expected
    assert [m["count"] for m in numbers["mistakes"]] == [4, 2, 1]  # most frequent first
    top = numbers["mistakes"][0]
    assert top["examples"] == ["dan", "eve", "fay"]
    row = tables(page)["mistakes"][0]
    assert row == ["#1", "batchnorm_forward_train", VARIANCE, "4", "dan, eve, fay"]
    assert tables(page)["mistakes"][2][2] == HOSTILE_MISTAKE  # shown as text, not markup


def test_deductions_to_review(report):
    numbers, page = report
    assert numbers["arguable"] == [
        {"student": "dan", "task": "batchnorm_forward_train", "deduction": ARGUABLE}
    ]
    assert tables(page)["arguable"] == [["dan", "batchnorm_forward_train", ARGUABLE]]


def test_grading_time_and_isolation(report):
    numbers, page = report
    results = synthetic()
    seconds = [e["seconds"] for e in results.values() if "seconds" in e]
    time = numbers["time"]
    assert time["timed"] == len(seconds) == 9
    assert time["median"] == statistics.median(seconds) == 1.0
    assert time["max"] == max(seconds) == 3.0
    assert time["batch_seconds"] == 12.5
    assert sum(time["counts"]) == 9
    rows = dict((r[0], r[1]) for r in tables(page)["time"])
    assert rows["batch (wall time)"] == "12.50 s"
    assert rows["median per submission"] == "1.00 s" and rows["slowest submission"] == "3.00 s"
    assert numbers["isolation"]["mixed"]
    assert numbers["isolation"]["counts"] == {"bubblewrap": 11, "none": 1}
    assert numbers["isolation"]["per_student"] == {
        s: e["isolation"] for s, e in sorted(results.items())
    }
    assert tables(page)["isolation"] == [["hal", "none"]]  # the others: bubblewrap


def test_untrusted_text_is_escaped(report):
    _, page = report
    assert HOSTILE_ID not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE_ID in {r[0] for r in tables(page)["flagged"]}  # the text survives, inert


def test_same_input_same_bytes(tmp_path):
    results = synthetic()
    first = write_report(results, tmp_path / "a.html", batch_seconds=12.5)
    reordered = dict(reversed(list(copy.deepcopy(results).items())))
    second = write_report(reordered, tmp_path / "b.html", batch_seconds=12.5)
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert first == second


def test_one_isolation_and_no_times_no_mistakes(tmp_path):
    results = {s: student({}) for s in ("a", "b", "c")}
    numbers = write_report(results, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    assert not numbers["isolation"]["mixed"] and "Every submission: bubblewrap." in page
    assert numbers["time"]["timed"] == 0 and numbers["mistakes"] == []
    assert "No named mistake was recognised." in page
    assert len(figures(page)) == 3  # the two score histograms and the pass rates


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda r: r["ann"]["tasks"]["affine_forward"].update(score="2"), "'ann'"),
        (lambda r: r["ben"].pop("tasks"), "'ben'"),
        (lambda r: r["cat"].update(status="pending"), "status"),
        (lambda r: r["dan"].update(total=float("nan")), "total"),
    ],
)
def test_bad_entries_are_named_and_nothing_is_written(tmp_path, damage, words):
    results = synthetic()
    damage(results)
    with pytest.raises(ReportError, match=words):
        write_report(results, tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()


def test_command_reports_a_missing_results_file(tmp_path):
    run = subprocess.run(
        [*KIT, "report", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert "results.json: no such file" in run.stderr
    assert not (tmp_path / "report.html").exists()


@pytest.fixture(scope="module")
def graded_pair(tmp_path_factory):
    """``python -m autograder grade`` on a full submission and the blank release: its OUT, its
    output and its own report page (the report command rewrites it)."""
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    for sid, nb in {"full": student_nb(), "blank": release_nb()}.items():
        (subs / sid).mkdir()
        nbformat.write(nb, subs / sid / NOTEBOOK)
    run = subprocess.run(
        [*KIT, "grade", str(subs), "--out", str(out)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out, run.stdout, (out / "report.html").read_text()


@needs_bubblewrap
def test_report_of_a_real_results_json(graded_pair):
    from autograder.tasks import points as task_points

    out, _, _ = graded_pair
    results = json.loads((out / "results.json").read_text())
    run = subprocess.run(
        [*KIT, "report", str(out)],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    page = (out / "report.html").read_text()
    assert len(figures(page)) >= 3
    numbers = write_report(results, out / "again.html")
    assert (out / "again.html").read_text() == page
    points = task_points()
    assert numbers["graded"] == 2 and numbers["not_graded"] == []
    assert numbers["autograded_totals"] == {"blank": 0, "full": sum(points.values())}
    assert numbers["totals"] == {s: e["total"] for s, e in results.items()}
    rows = {r[0]: r for r in tables(page)["tasks"]}
    for task, (scored, full, rate, mean) in expected_tasks(results).items():
        assert numbers["tasks"][task]["full_marks"] == full, task
        if task in points:  # autograded: the full submission passes, the blank one does not
            assert (scored, full) == (2, 1), task
        assert rows[task][5] == str(full)
        assert rows[task][6:] == ([f"{rate:.1%}", f"{mean:.2f}"] if scored else ["–", "–"])
    assert f"max {sum(points.values()):g}" in page


@needs_bubblewrap
def test_the_grade_command_writes_the_report_and_links_it(graded_pair):
    out, stdout, page = graded_pair
    results = json.loads((out / "results.json").read_text())
    table = stdout.split("graded 2 of 2")[0].rstrip().splitlines()
    assert table[-1] == f"report: {out / 'report.html'}"
    assert len(figures(page)) >= 3
    # the same page as the report of results.json, but for the batch's wall time
    wall = dict((r[0], r[1]) for r in tables(page)["time"])["batch (wall time)"]
    assert wall.endswith(" s") and float(wall[:-2]) > 0
    numbers = write_report(results, out / "check.html", batch_seconds=float(wall[:-2]))
    assert numbers["graded"] == 2
    again = (out / "check.html").read_text()
    assert tables(again) == tables(page)


@needs_bubblewrap
def test_the_grade_command_says_where_a_submissions_time_went(graded_pair):
    _, stdout, _ = graded_pair
    line = stdout.rstrip().splitlines()[-1]
    assert line.startswith("per submission, in each of ")
    stages = dict(part.rsplit(" ", 2)[:2] for part in line.split(": ", 1)[1].split(", "))
    assert list(stages) == ["hidden checks", "waiting to write", "autograde", "feedback"]
    assert all(float(stages[stage]) > 0 for stage in ("hidden checks", "autograde", "feedback"))


def test_summary_table_ends_with_the_report_only_when_given(tmp_path):
    row = {"student_id": "bo", "status": "not graded", "reason": "the sandbox failed", "flags": []}
    page = tmp_path / "report.html"
    assert summary_table([row], report=page).splitlines()[-1] == f"report: {page}"
    assert "report:" not in summary_table([row])


def test_a_stale_report_is_removed_when_the_new_one_cannot_be_written(tmp_path):
    results = synthetic()
    results["ann"].pop("tasks")
    (tmp_path / "results.json").write_text(json.dumps(results))
    (tmp_path / "report.html").write_text("the report of an earlier run")
    with pytest.raises(ReportError, match="'ann'"):
        report_batch(tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_a_report_is_kept_when_there_is_no_results_file(tmp_path):
    (tmp_path / "report.html").write_text("the report of an earlier run")
    with pytest.raises(ReportError, match="no such file"):
        report_batch(tmp_path)
    assert (tmp_path / "report.html").read_text() == "the report of an earlier run"
