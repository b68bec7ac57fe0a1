"""The hostile corpus (``tests/hostile/``) and honest submissions, graded in ONE batch.

Every honest submission keeps its full marks and is not flagged; every hostile or broken one
gets exactly the grade its module states (``EXPECTED``), its flag (``FLAG``) and its
explanation (``NOTE``); the batch completes and exits 0. Its wall time is printed, never asserted:
the host may be busy.
"""

from __future__ import annotations

import csv
import json
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ENV, KIT, needs_bubblewrap
from hostile import CASES, ISSUE, load
from hostile._honest import HONEST

from autograder.grading.supervise import TIME_FACTOR
from autograder.layout import ROOT
from autograder.tasks import points as task_points

WORKERS = 2
MAX_TOTAL = 55.0

pytestmark = needs_bubblewrap


def build_submissions(subs: Path, names) -> None:
    """One folder per student: honest ones and the named hostile cases."""
    subs.mkdir(parents=True, exist_ok=True)
    for name in names:
        dest = subs / name
        dest.mkdir()
        if name in HONEST:
            HONEST[name](dest)
        else:
            load(name).build(dest)


def grade_cli(
    subs: Path, out: Path, *extra: str, env=ENV
) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    run = subprocess.run(
        [*KIT, "grade", str(subs), "--out", str(out),
         "--workers", str(WORKERS), *extra],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=3600,
    )  # fmt: skip
    return run, time.monotonic() - start


def read_rows(out: Path) -> list[dict]:
    with open(out / "grades.csv") as f:
        return list(csv.DictReader(f))


def student_text(results: dict, student: str) -> str:
    """What the student reads about the grading (the notes and every task's feedback, as on
    the feedback page), lower-cased."""
    entry = results[student]
    parts = list(entry["notes"]) + [t["feedback"] for t in entry["tasks"].values()]
    return "\n".join(parts).lower()


def summary_line(stdout: str, student: str) -> str:
    lines = [ln for ln in stdout.splitlines() if ln.split()[:1] == [student]]
    return lines[-1] if lines else ""


def problems(name: str, rows: dict, results: dict, stdout: str) -> list[str]:
    """How the graded student ``name`` differs from what its case (or honesty) demands."""
    points = task_points()
    honest = name in HONEST
    module = None if honest else load(name)
    expected = {} if honest else module.EXPECTED
    flag = None if honest else module.FLAG
    note = None if honest else module.NOTE
    found = []
    if name not in rows or name not in results:
        return [f"{name} is missing from grades.csv or results.json"]
    row = rows[name]
    for task, full in points.items():
        cell_ = row.get(task, "")
        score = float(cell_) if cell_ != "" else None
        want = expected.get(task, "full")
        ok = score is not None and (
            (want == "full" and score == full)
            or (want == 0 and score == 0.0)
            or (want == "partial" and 0.0 < score < full)
        )
        if not ok:
            found.append(f"{task}: got {cell_ or 'blank'}, expected {want} (of {full:g})")
    if float(row["max_total"]) != MAX_TOTAL:
        found.append(f"max_total {row['max_total']}, expected {MAX_TOTAL:g}")
    flags = results[name]["flags"]
    if flag is None and flags:
        found.append(f"flagged but should not be: {flags}")
    if flag is not None:
        if not any(flag in f.lower() for f in flags):
            found.append(f"flag {flag!r} not in {flags}")
        line = summary_line(stdout, name)
        if "FLAGGED" not in line or flag not in line.lower():
            found.append(f"summary line does not show the flag {flag!r}: {line!r}")
    if note is not None and note not in student_text(results, name):
        found.append(
            f"note {note!r} not in the student's notes or feedback: {results[name]['notes']}"
        )
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """All cases and the honest submissions, graded in one run of the batch command."""
    root = tmp_path_factory.mktemp("hostile")
    subs, out = root / "submissions", root / "out"
    build_submissions(subs, [*HONEST, *CASES])
    # A quarter of the usual time limits: the endless loops and sleeps are stopped sooner. What
    # they show is what they cost and that the batch goes on, not how long a step may run
    # (tests/unit/grading/test_supervise.py); the honest submissions still need full marks.
    run, seconds = grade_cli(subs, out, env={**ENV, TIME_FACTOR: "0.25"})
    rows = read_rows(out) if (out / "grades.csv").exists() else []
    results = json.loads((out / "results.json").read_text()) if rows else {}
    print(f"hostile batch: {len(HONEST) + len(CASES)} submissions in {seconds:.1f} s")
    return {"run": run, "seconds": seconds, "out": out, "rows": rows, "results": results}


def test_the_corpus_covers_the_issue():
    assert len(CASES) >= 32
    covered = [case for cases in ISSUE.values() for case in cases]
    assert sorted(covered) == CASES, "every case reproduces an item of the issue, once"
    for name in CASES:
        module = load(name)
        assert module.__doc__ and len(module.__doc__) > 80, name
        assert set(module.EXPECTED) <= set(task_points()), name
        assert all(v in (0, "partial") for v in module.EXPECTED.values()), name
        for word in (module.FLAG, module.NOTE):
            assert word is None or word == word.lower(), name


def test_the_batch_completes(batch):
    run = batch["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    graded = {r["student_id"] for r in batch["rows"] if r["status"] == "graded"}
    assert graded == {r["student_id"] for r in batch["rows"]}


def test_every_student_has_exactly_one_row(batch):
    ids = [r["student_id"] for r in batch["rows"]]
    assert sorted(ids) == sorted([*HONEST, *CASES])


@pytest.mark.parametrize("name", list(HONEST))
def test_honest_submission_keeps_full_marks(batch, name):
    rows = {r["student_id"]: r for r in batch["rows"]}
    assert problems(name, rows, batch["results"], batch["run"].stdout) == []


@pytest.mark.parametrize("name", CASES)
def test_hostile_submission_gets_what_it_deserves(batch, name):
    rows = {r["student_id"]: r for r in batch["rows"]}
    assert problems(name, rows, batch["results"], batch["run"].stdout) == []


def test_a_scan_that_cannot_run_is_a_staff_flag(tmp_path, monkeypatch):
    """The static scan runs in a child of the runner; when that fork fails (here: another
    holder of the sandbox's uid keeps it at its process limit, as another container's fork
    bomb did when every container's sandbox was uid 61000), the grade goes on and the flags
    say the scan could not run, instead of the scan's flags vanishing in silence."""
    import contextlib
    import os

    import nbformat
    from hostile._build import submission

    from autograder import grading, sandbox
    from autograder.sandbox import host, launch

    if os.geteuid() != 0:
        pytest.skip("needs root: the sandbox's uid is a real uid only as root")
    nb = submission({load("patch_numpy").GID: load("patch_numpy").PATCH + "x = 1\n"})
    nbformat.validate(nb)
    alone = grading.grade_notebook(nb, seed=7, label="scan-alone")

    uid = host.random_uid()
    held = sandbox.Limits().max_processes - 1  # the runner itself is the last one allowed
    holders = [
        subprocess.Popen(["sleep", "infinity"], user=uid, group=uid, extra_groups=[])
        for _ in range(held)
    ]
    monkeypatch.setattr(launch, "slot", lambda unique=False: contextlib.nullcontext(uid))
    try:
        starved = grading.grade_notebook(nb, seed=7, label="scan-starved")
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
    scan = {f for f in alone.flags if f.startswith("your batchnorm_backward_answer cell: ")}
    assert scan, alone.flags  # what the scan finds when it runs
    not_run = "the static scan could not run: its process could not be started ([Errno 11] "
    assert [f for f in starved.flags if f.startswith(not_run)], starved.flags
    assert set(starved.flags) == set(alone.flags) - scan | {
        f for f in starved.flags if f.startswith(not_run)
    }  # the run's own flags are all there; only the scan's are missing, and that is said
    assert starved.total == alone.total  # the grade went on
