"""A task the kit has never seen, end to end: released, graded, fed back and exported.

The course in ``tests/fixtures/sigmoid_course`` is one declaration (``tasks/sigmoid_forward.py``)
and one small notebook; the kit's own helpers and nbgrader configuration are copied beside them,
and no module of the kit is edited. The kit is pointed at it with ``AUTOGRADER_COURSE_ROOT`` and
``AUTOGRADER_TASKS``.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import BIN, ENV, KIT, needs_bubblewrap

from autograder.layout import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "sigmoid_course"

pytestmark = [needs_bubblewrap, pytest.mark.sigmoid_forward]


def kit(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **ENV,
        "AUTOGRADER_COURSE_ROOT": str(course),
        "AUTOGRADER_TASKS": str(course / "tasks"),
    }
    return subprocess.run(
        [*KIT, *args],
        capture_output=True, text=True, env=env, cwd=course, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sigmoid")
    shutil.copytree(FIXTURE / "solutions", root / "solutions")
    shutil.copytree(FIXTURE / "tasks", root / "tasks")
    shutil.copytree(
        ROOT / "solutions" / "batchnorm" / "cs231n",
        root / "solutions" / "batchnorm" / "cs231n",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "nbgrader_config.py", root)
    run = kit(root, "release")
    assert run.returncode == 0, run.stdout + run.stderr
    return root


def test_it_is_released_with_a_stub_naming_it(course):
    release = nbformat.read(course / "assignment" / "batchnorm" / "BatchNormalization.ipynb", 4)
    (answer,) = [c for c in release.cells if "def sigmoid_forward" in c.source]
    assert 'NotImplementedError("sigmoid_forward: not implemented yet' in answer.source
    assert "1 / (1 + np.exp(-x))" not in answer.source


def test_it_is_graded_fed_back_and_exported(course, tmp_path):
    release = nbformat.read(course / "assignment" / "batchnorm" / "BatchNormalization.ipynb", 4)
    answers = {
        "ada": "def sigmoid_forward(x):\n    return 1 / (1 + np.exp(-x)), x\n",
        "bo": "def sigmoid_forward(x):\n    return np.tanh(x), x\n",
        "cy": None,  # the blank release
    }
    subs = tmp_path / "subs"
    for student, source in answers.items():
        nb = nbformat.reads(nbformat.writes(release), as_version=4)
        for cell in nb.cells:
            if source and "def sigmoid_forward" in cell.source:
                cell.source = source
        (subs / student).mkdir(parents=True)
        nbformat.write(nb, subs / student / "BatchNormalization.ipynb")
    out = tmp_path / "out"
    run = kit(course, "grade", str(subs), "--out", str(out), "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out / "grades.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    late = ["submitted_at", "due", "hours_late", "late_days_used", "late_penalty"]
    assert list(rows["ada"])[3:] == ["sigmoid_forward", "total", "max_total", *late]
    assert float(rows["ada"]["sigmoid_forward"]) == 2.0
    assert 0 < float(rows["bo"]["sigmoid_forward"]) < 2.0 or rows["bo"]["sigmoid_forward"] == "0"
    assert float(rows["cy"]["sigmoid_forward"]) == 0.0
    results = json.loads((out / "results.json").read_text())
    assert "you compute tanh" in results["bo"]["tasks"]["sigmoid_forward"]["feedback"]
    assert (
        "sigmoid_forward: not implemented yet"
        in results["cy"]["tasks"]["sigmoid_forward"]["feedback"]
    )
    page = (out / "feedback" / "bo.html").read_text()
    assert "you compute tanh" in page
    nbgrader_page = (out / "feedback" / "bo" / "BatchNormalization.html").read_text()
    assert re.search(r"you compute tanh", nbgrader_page)
    export = subprocess.run(
        [str(BIN / "nbgrader"), "export", "--to", str(tmp_path / "export.csv")],
        cwd=out / "course", capture_output=True, text=True, timeout=300,
        env=ENV,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    with open(tmp_path / "export.csv") as f:
        exported = {r["student_id"]: r for r in csv.DictReader(f)}
    assert float(exported["ada"]["raw_score"]) == 2.0
    assert float(exported["cy"]["raw_score"]) == 0.0
