"""``python -m autograder similarity OUT --reference DIR`` on a class graded into a real nbgrader
gradebook: ann wrote one correct implementation, ben handed in ann's disguised (renamed,
reordered, reformatted, commented), cal and dan wrote two others, and cal's is also in the
folder of known public solutions. The copy and cal's source are flagged; the three independent
implementations are not; no grade moves.
"""

from __future__ import annotations

import json
import stat
import subprocess

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import ENV, KIT, grade_class
from support import alternatives as alt
from support import copies
from support.paths import ASSIGNMENT

from autograder.layout import ROOT

SUBMISSIONS = {s.name: s for s in alt.CORRECT}
B = SUBMISSIONS["einsum_tuple_cache_layer_list_net"]
C = SUBMISSIONS["other_graphs_jacobians_dispatch_net"]
D = SUBMISSIONS["loops_and_prints"]
DISGUISED = alt.Submission("copy", copies.planted(B.answers, "all four at once"), B.extra)
INDEPENDENT = ("ann", "cal", "dan")


def kit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, *args], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600
    )


def scores(out) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "batchnorm-kit") as gb:
        return {s: gb.find_submission(ASSIGNMENT, s).score for s in ("ann", "ben", "cal", "dan")}


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity")
    out = grade_class(root, {"ann": B.notebook(), "ben": DISGUISED.notebook(),
                             "cal": C.notebook(), "dan": D.notebook()})  # fmt: skip
    public = root / "public"
    (public / "repo").mkdir(parents=True)
    (public / "repo" / "layers.py").write_text("\n\n".join(C.answers.values()))
    (public / "README.md").write_text("not code")
    nbformat.write(nbformat.v4.new_notebook(), public / "Other.ipynb")
    before = {f: (out / f).read_bytes() for f in ("grades.csv", "results.json")}
    graded = scores(out)
    run = kit("similarity", str(out), "--reference", str(public))
    assert run.returncode == 0, run.stdout + run.stderr
    record = json.loads((out / "similarity.json").read_text())
    return {"out": out, "run": run, "record": record, "before": before, "scores": graded}


def flagged(record) -> set[frozenset]:
    return {frozenset((p["a"], p["b"])) for p in record["pairs"] if p["flagged"]}


def test_the_planted_copy_is_flagged(compared):
    record = compared["record"]
    (pair,) = [p for p in record["pairs"] if {p["a"], p["b"]} == {"ann", "ben"}]
    assert pair["flagged"] and pair["score"] >= 0.9
    assert "FLAGGED ann / ben" in compared["run"].stdout
    cells = {s["cell"] for s in pair["a_spans"]} | {s["cell"] for s in pair["b_spans"]}
    assert {"batchnorm_forward_answer", "FullyConnectedNet_answer"} <= cells
    for span in pair["b_spans"]:
        first, last = span["lines"]
        assert 1 <= first <= last and span["code"] and span["start"] < span["end"]


def test_three_independent_implementations_are_not_flagged(compared):
    pairs = flagged(compared["record"])
    for i, a in enumerate(INDEPENDENT):
        for b in INDEPENDENT[i + 1 :]:
            assert frozenset((a, b)) not in pairs


def test_a_known_public_solution_is_a_reference(compared):
    record = compared["record"]
    assert record["references"] == ["reference:repo/layers.py"]
    assert flagged(record) == {
        frozenset(("ann", "ben")),
        frozenset(("cal", "reference:repo/layers.py")),
    }
    assert set(record["skipped"]) == {"reference:Other.ipynb"}  # not a notebook of batchnorm
    assert record["students"] == ["ann", "ben", "cal", "dan"] and record["compared"] == 10


def test_a_flagged_pair_changes_no_grade(compared):
    out = compared["out"]
    for name, data in compared["before"].items():
        assert (out / name).read_bytes() == data, name
    assert scores(out) == compared["scores"]
    results = json.loads((out / "results.json").read_text())
    assert not results["ben"]["flags"] and results["ben"]["total"] == results["ann"]["total"]


def test_export_after_it_keeps_the_grades_and_the_section(compared):
    out = compared["out"]
    run = kit("export", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "grades.csv").read_bytes() == compared["before"]["grades.csv"]
    assert scores(out) == compared["scores"]
    assert 'id="similarity"' in (out / "report.html").read_text()


def test_the_report_shows_the_copy_side_by_side(compared):
    page = BeautifulSoup((compared["out"] / "report.html").read_text(), "html.parser")
    assert page.find(id="similarity") is not None
    assert "changes no grade" in page.find(id="similarity-summary").get_text()
    rows = page.select("#similar-pairs tbody tr")
    assert [r.find_all("td")[4].get_text() for r in rows].count("flagged") == 2
    summaries = {d.summary.get_text().split(":")[0]: d for d in page.select("details.similar")}
    assert set(summaries) == {"ann and ben", "cal and reference"}
    cells = summaries["ann and ben"].select("table.side-by-side tbody tr")
    left, right = cells[0].find_all("td")[1:]
    assert "def affine_forward(x, w, b)" in left.get_text()
    assert "def affine_forward(my_x_0, my_w_1, my_b_2)" in right.get_text()


def test_what_it_writes_is_private(compared):
    out = compared["out"]
    for name in ("similarity.json", "report.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name


def test_it_refuses_a_folder_that_was_not_graded(tmp_path):
    run = kit("similarity", str(tmp_path), "--assignment", ASSIGNMENT)
    assert run.returncode == 1 and "students.json" in run.stderr
    assert not (tmp_path / "similarity.json").exists()
