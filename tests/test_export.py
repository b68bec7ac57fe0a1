"""Grades that include the TA's work: ``python -m autograder export OUT`` after a manual score.

A TA's score for a written answer is written through nbgrader's own API (``Gradebook``: the
answer's grade gets a ``manual_score``, committed), as the formgrader does; ``export`` then
writes grades.csv, results.json, the feedback pages and the report again from the gradebook.
The submissions are the kit's own honest ones, graded without the sandbox: the gradebook is
what is tested here.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ENV, KIT
from support.corpus import student_nb
from support.paths import ASSIGNMENT, NOTEBOOK, NOTEBOOK_ID

from autograder.layout import ROOT
from autograder.tasks import points as task_points

AUTOGRADED = sum(task_points().values())
ANSWER = "inline_question_1"
COMMENT = "Right about the narrow band of scales; say why BN widens it."


def kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, *args],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600,
    )  # fmt: skip


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """ann and ben graded; then a TA scores ann's first written answer 2.5 with a comment, and
    OUT is exported."""
    root = tmp_path_factory.mktemp("export")
    subs, out = root / "subs", root / "out"
    for student in ("ann", "ben"):
        (subs / student).mkdir(parents=True)
        nbformat.write(student_nb(), subs / student / NOTEBOOK)
    graded = kit("grade", str(subs), "--out", str(out), "--workers", "2", "--no-sandbox")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    before = rows(out)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "batchnorm-kit") as gb:
        grade = gb.find_grade(ANSWER, NOTEBOOK_ID, ASSIGNMENT, "ann")
        grade.manual_score = 2.5
        comment = gb.find_comment(ANSWER, NOTEBOOK_ID, ASSIGNMENT, "ann")
        comment.manual_comment = COMMENT
        gb.db.commit()
    (out / "report.html").unlink()
    run = kit("export", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    return {"out": out, "before": before, "run": run}


def test_before_the_ta_the_csv_holds_the_autograded_total(exported):
    ann = exported["before"]["ann"]
    assert ann[ANSWER] == "" and float(ann["total"]) == AUTOGRADED


def test_the_csv_holds_the_tas_score_and_the_new_total(exported):
    after = rows(exported["out"])
    assert after["ann"][ANSWER] == "2.5"
    assert float(after["ann"]["total"]) == AUTOGRADED + 2.5
    assert after["ben"] == exported["before"]["ben"]


def test_results_and_pages_hold_it_too(exported):
    out = exported["out"]
    ann = json.loads((out / "results.json").read_text())["ann"]
    assert ann["total"] == AUTOGRADED + 2.5
    assert ann["tasks"][ANSWER]["score"] == 2.5 and ann["tasks"][ANSWER]["graded_by"] == "TA"
    total = f"{AUTOGRADED + 2.5:g} / "
    assert total in (out / "feedback" / "ann.html").read_text()
    nbgrader_page = (out / "feedback" / "ann" / f"{NOTEBOOK_ID}.html").read_text()
    assert "2.5 / 3" in nbgrader_page  # nbgrader's own page, generated again
    assert (out / "report.html").exists()
    assert "ann" in exported["run"].stdout and f"{AUTOGRADED + 2.5:g}/" in exported["run"].stdout


def test_a_comment_shows_where_a_ta_wrote_one_and_nowhere_else(exported):
    """nbgrader's page shows the TA's comment under the answer it is about, and no other
    (nbgrader's automatic "No response." is no comment); the summaries hold the TA's score."""
    out = exported["out"]
    ann = BeautifulSoup(
        (out / "feedback" / "ann" / f"{NOTEBOOK_ID}.html").read_text(), "html.parser"
    )
    footers = ann.select(".panel-footer")
    assert len(footers) == 1
    assert footers[0].get_text(" ", strip=True) == f"TA's comment: {COMMENT}"
    answer = ann.find("a", attrs={"name": ANSWER}).find_parent("div", class_="cell")
    assert answer.select_one(".panel-footer") is footers[0]
    assert "Score: 2.5 / 3" in answer.select_one(".panel-heading").get_text()
    ben = (out / "feedback" / "ben" / f"{NOTEBOOK_ID}.html").read_text()
    assert "TA's comment" not in ben and "No response" not in ben
    for page in (ann, BeautifulSoup((out / "feedback" / "ann.html").read_text(), "html.parser")):
        row = page.select_one("section.kit-summary").find("code", string=ANSWER).find_parent("tr")
        assert row.select_one(".kit-score").get_text() == "2.5 / 3"


def test_export_refuses_another_gradebook(exported, tmp_path):
    run = kit("export", str(exported["out"]), "--db", f"sqlite:///{tmp_path / 'other.db'}")
    assert run.returncode == 2 and "was graded into the gradebook" in run.stderr, run.stderr
    assert not (tmp_path / "other.db").exists()
