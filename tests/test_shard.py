"""Grading beyond one machine: ``grade --shard i/n`` on each, then ``merge``.

A class of 20 (honest submissions, the blank release and students' mistakes) is graded in one
run, and again as ``--shard 1/2`` and ``--shard 2/2`` (two processes at the same time, as two
machines would) merged into one folder, all with one grading secret: the merged grades.csv is
byte for byte the one run's. A merge refuses shards graded with another secret, or sharing a
student.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import kit, needs_bubblewrap
from support.corpus import release_nb, student_nb, with_answers
from support.mutants import MUTANTS
from support.paths import ASSIGNMENT, NOTEBOOK

from autograder.course.collect import Student
from autograder.course.shard import Shard


def finish(*runs: subprocess.Popen) -> list[str]:
    logs = [run.communicate(timeout=1200)[0] for run in runs]
    for run, log in zip(runs, logs, strict=True):
        assert run.returncode == 0, log
    return logs


def a_class() -> dict:
    """20 students: 10 honest, the blank release, 9 mistakes (every fourth mutant)."""
    students = {f"honest{i:02d}": student_nb() for i in range(1, 11)}
    students["blank"] = release_nb()
    for mutant in MUTANTS[::4][:9]:
        students[mutant.name] = with_answers(mutant.answers, extra=list(mutant.extra_cells))
    assert len(students) == 20
    return students


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    subs = root / "subs"
    for student, nb in a_class().items():
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / NOTEBOOK)
    secret = root / "course.secret"
    secret.write_bytes(os.urandom(32))
    one, shards, merged = root / "one", [root / "shard1", root / "shard2"], root / "merged"
    finish(kit("grade", str(subs), "--out", str(one), "--secret", str(secret), "--workers", "2"))
    finish(*(
        kit("grade", str(subs), "--out", str(out), "--secret", str(secret), "--shard", f"{i}/2",
            "--workers", "1")
        for i, out in enumerate(shards, start=1)
    ))  # fmt: skip
    (log,) = finish(kit("merge", *map(str, shards), "--out", str(merged)))
    return {"root": root, "one": one, "shards": shards, "merged": merged, "log": log}


def rows(out: Path) -> list[dict]:
    with open(out / "grades.csv") as f:
        return list(csv.DictReader(f))


@needs_bubblewrap
def test_shards_merged_give_the_one_runs_grades_csv(graded):
    one = (graded["one"] / "grades.csv").read_bytes()
    assert (graded["merged"] / "grades.csv").read_bytes() == one
    totals = {r["total"] for r in rows(graded["one"])}
    assert len(rows(graded["one"])) == 20 and len(totals) >= 3  # the batch tells students apart


@needs_bubblewrap
def test_each_shard_graded_half_the_class(graded):
    halves = [{r["student_id"] for r in rows(out)} for out in graded["shards"]]
    assert len(halves[0]) == len(halves[1]) == 10 and not halves[0] & halves[1]
    everyone = sorted(halves[0] | halves[1])
    assert sorted(halves[0]) == everyone[:10]  # slices of the class sorted by id


@needs_bubblewrap
def test_the_merge_is_one_gradebook_and_one_set_of_pages(graded):
    from nbgrader.api import Gradebook

    merged = graded["merged"]
    with Gradebook(f"sqlite:///{merged / 'gradebook.db'}", "batchnorm-kit") as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
    assert scores == pytest.approx(
        {r["student_id"]: float(r["total"]) for r in rows(graded["one"])}
    )
    results = json.loads((merged / "results.json").read_text())
    one = json.loads((graded["one"] / "results.json").read_text())
    assert {s: r["total"] for s, r in results.items()} == {s: r["total"] for s, r in one.items()}
    for student in scores:
        assert (merged / "feedback" / f"{student}.html").exists()
        assert (merged / "feedback" / student / "BatchNormalization.html").exists()
    assert (merged / "report.html").exists()


@needs_bubblewrap
def test_a_merge_refuses_another_secret_and_a_student_twice(graded, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(graded["shards"][1], other)
    settings = json.loads((other / "settings.json").read_text())
    settings["secret_sha256"] = "0" * 64
    (other / "settings.json").write_text(json.dumps(settings))
    first = str(graded["shards"][0])
    mixed = kit("merge", first, str(other), "--out", str(tmp_path / "m1"))
    log = mixed.communicate()[0]
    assert mixed.returncode == 2 and "another grading secret" in log, log
    assert not (tmp_path / "m1" / "grades.csv").exists()
    twice = kit("merge", first, str(graded["shards"][1]), str(graded["merged"]), "--out",
                str(tmp_path / "m2"))  # fmt: skip
    log = twice.communicate()[0]
    assert twice.returncode == 2 and "is in two shards" in log, log


def test_shards_are_sorted_slices_that_cover_the_class():
    students = [Student(name, None, []) for name in ["e", "a", "d", "c", "b", "g", "f"]]
    slices = [Shard(i, 3).select(students) for i in (1, 2, 3)]
    assert [[s.id for s in part] for part in slices] == [["a", "b"], ["c", "d"], ["e", "f", "g"]]
    assert Shard.parse("2/3") == Shard(2, 3)
    for bad in ("0/2", "3/2", "1", "a/b"):
        with pytest.raises(Exception, match="shard|i/n|between"):
            Shard.parse(bad)
