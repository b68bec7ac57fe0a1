"""Regrades keep the TAs' work: an override of an autograded score, and a written answer's score
with its comment, set through nbgrader's own ``Gradebook`` (as the formgrader sets them),
survive ``grade --regrade``, ``merge`` (and a merge again) and ``export``.

ann and ben are graded in two shards. A TA overrides ann's ``affine_forward`` and scores her
first written answer with a comment in shard 1's gradebook, which is then graded again; the
shards are merged; a TA scores ben's answer in the merged gradebook, and the shards are merged
again; the merged OUT is exported. Submissions are the kit's honest ones, graded without the
sandbox: the gradebook is what is tested here.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT
from support.corpus import student_nb
from support.paths import ASSIGNMENT, NOTEBOOK, NOTEBOOK_ID

from autograder.layout import ROOT
from autograder.tasks import points as task_points

AUTOGRADED = sum(task_points().values())
TASK, OVERRIDE = "affine_forward", 0.5
ANSWER = "inline_question_1"
ANN_SCORE, ANN_COMMENT = 2.5, "Right about the narrow band of scales; say why BN widens it."
BEN_SCORE, BEN_COMMENT = 1.5, "Only half of it: what happens at test time?"
ANN_TOTAL = AUTOGRADED - task_points()[TASK] + OVERRIDE + ANN_SCORE
BEN_TOTAL = AUTOGRADED + BEN_SCORE


def kit(*args: str) -> None:
    done = subprocess.run(
        [*KIT, *args], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def gradebook(out: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{out / 'gradebook.db'}")


def held(out: Path, student: str) -> dict:
    """What OUT's gradebook holds of a student's overridden grades and comment."""
    with gradebook(out) as gb:
        task = gb.find_grade(TASK, NOTEBOOK_ID, ASSIGNMENT, student)
        answer = gb.find_grade(ANSWER, NOTEBOOK_ID, ASSIGNMENT, student)
        comment = gb.find_comment(ANSWER, NOTEBOOK_ID, ASSIGNMENT, student)
        return {
            "task": task.manual_score,
            "task_auto": task.auto_score,
            "answer": answer.manual_score,
            "comment": comment.manual_comment,
        }


def score(out: Path, student: str, *, task: float | None, answer: float, comment: str) -> None:
    """A TA's work, through nbgrader's API, committed (what the formgrader does)."""
    with gradebook(out) as gb:
        if task is not None:
            gb.find_grade(TASK, NOTEBOOK_ID, ASSIGNMENT, student).manual_score = task
        gb.find_grade(ANSWER, NOTEBOOK_ID, ASSIGNMENT, student).manual_score = answer
        gb.find_comment(ANSWER, NOTEBOOK_ID, ASSIGNMENT, student).manual_comment = comment
        gb.db.commit()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("overrides")
    subs, secret = root / "subs", root / "secret"
    secret.write_bytes(b"k" * 32)
    for student in ("ann", "ben"):
        (subs / student).mkdir(parents=True)
        nbformat.write(student_nb(), subs / student / NOTEBOOK)
    shards = [root / "shard1", root / "shard2"]
    common = ("--secret", str(secret), "--workers", "1", "--no-sandbox")
    for i, out in enumerate(shards, 1):
        kit("grade", str(subs), "--out", str(out), "--shard", f"{i}/2", *common)
    score(shards[0], "ann", task=OVERRIDE, answer=ANN_SCORE, comment=ANN_COMMENT)
    kit("grade", str(subs), "--out", str(shards[0]), "--shard", "1/2", "--regrade", *common)
    regraded = {"held": held(shards[0], "ann"), "rows": rows(shards[0])}
    merged = root / "merged"
    kit("merge", *map(str, shards), "--out", str(merged))
    first_merge = {"held": held(merged, "ann"), "rows": rows(merged)}
    score(merged, "ben", task=None, answer=BEN_SCORE, comment=BEN_COMMENT)
    kit("merge", *map(str, shards), "--out", str(merged))
    again = {"ann": held(merged, "ann"), "ben": held(merged, "ben")}
    (merged / "results.json").unlink()
    kit("export", str(merged))
    return {"regraded": regraded, "merged": first_merge, "again": again, "out": merged}


ANN_HELD = {"task": OVERRIDE, "answer": ANN_SCORE, "comment": ANN_COMMENT}


def test_a_regrade_keeps_the_overrides(course):
    regraded = course["regraded"]
    assert {k: regraded["held"][k] for k in ANN_HELD} == ANN_HELD
    assert regraded["held"]["task_auto"] == task_points()[TASK]  # the autograder's, under it
    ann = regraded["rows"]["ann"]
    assert float(ann[TASK]) == OVERRIDE and float(ann[ANSWER]) == ANN_SCORE
    assert float(ann["total"]) == ANN_TOTAL


def test_a_merge_keeps_them(course):
    merged = course["merged"]
    assert {k: merged["held"][k] for k in ANN_HELD} == ANN_HELD
    assert float(merged["rows"]["ann"]["total"]) == ANN_TOTAL
    assert float(merged["rows"]["ben"]["total"]) == AUTOGRADED


def test_a_merge_again_keeps_a_score_given_in_the_merged_gradebook(course):
    """ben's answer was scored in the merged gradebook, not in his shard's: merging the shards
    again does not put the shard's empty score back over it."""
    again = course["again"]
    assert {k: again["ann"][k] for k in ANN_HELD} == ANN_HELD
    assert (again["ben"]["answer"], again["ben"]["comment"]) == (BEN_SCORE, BEN_COMMENT)


def test_export_writes_them_everywhere(course):
    out = course["out"]
    grades = rows(out)
    assert float(grades["ann"][TASK]) == OVERRIDE and float(grades["ann"]["total"]) == ANN_TOTAL
    assert float(grades["ben"][ANSWER]) == BEN_SCORE and float(grades["ben"]["total"]) == BEN_TOTAL
    results = json.loads((out / "results.json").read_text())
    assert results["ann"]["total"] == ANN_TOTAL and results["ben"]["total"] == BEN_TOTAL
    assert results["ann"]["tasks"][TASK]["score"] == OVERRIDE
    assert results["ben"]["tasks"][ANSWER]["score"] == BEN_SCORE
    for student, comment in (("ann", ANN_COMMENT), ("ben", BEN_COMMENT)):
        page = (out / "feedback" / student / f"{NOTEBOOK_ID}.html").read_text()
        assert comment in page, student
