"""Grading on a busy or faulty host: batches of honest submissions graded beside hostile ones,
beside busy loops, or with a bubblewrap that fails now and then.

Used by ``tests/test_load.py`` (class-section sizes) and by ``make stress`` (``scripts/stress.py``,
class size). Each scenario reports, over the honest students: graded / not graded / wrong, where
"wrong" is a graded honest student without full marks.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from conftest import ENV, kit
from hostile import load

from autograder.grading.supervise import TIME_FACTOR
from autograder.tasks import points as task_points
from support.corpus import student_nb
from support.paths import NOTEBOOK

FULL = sum(task_points().values())
BOMBS = ["fork_bomb", "memory_bomb", "hang_loop"]
"""The hostile batch beside the honest ones: it holds every process, all the memory and the
time its limits allow."""


@dataclass
class Outcome:
    graded: int
    not_graded: int
    wrong: int
    seconds: float
    exit_code: int
    output: str = ""

    def line(self) -> str:
        return f"{self.graded} / {self.not_graded} / {self.wrong}"


def honest(folder: Path, prefix: str, n: int) -> list[str]:
    """``n`` honest full submissions (the release with the reference's answers)."""
    nb = student_nb()
    names = [f"{prefix}{i:03d}" for i in range(n)]
    for name in names:
        (folder / name).mkdir(parents=True)
        nbformat.write(nb, folder / name / NOTEBOOK)
    return names


def hostile(folder: Path, names=BOMBS) -> list[str]:
    for name in names:
        (folder / name).mkdir(parents=True)
        load(name).build(folder / name)
    return list(names)


def start_grading(subs: Path, out: Path, env=None, workers: int = 2) -> subprocess.Popen:
    return kit("grade", str(subs), "--out", str(out), "--workers", str(workers), env=env)


def outcome(out: Path, names: list[str], proc: subprocess.Popen, seconds: float) -> Outcome:
    text = proc.communicate(timeout=7200)[0]
    rows = {}
    if (out / "grades.csv").exists():
        with open(out / "grades.csv") as f:
            rows = {r["student_id"]: r for r in csv.DictReader(f)}
    graded = [n for n in names if rows.get(n, {}).get("status") == "graded"]
    wrong = [n for n in graded if float(rows[n]["total"] or 0) != FULL]
    return Outcome(
        len(graded), len(names) - len(graded), len(wrong), seconds, proc.returncode, text
    )


def grade(subs: Path, out: Path, names: list[str], env=None) -> Outcome:
    start = time.monotonic()
    proc = start_grading(subs, out, env)
    proc.wait(timeout=7200)
    return outcome(out, names, proc, time.monotonic() - start)


@contextmanager
def busy_loops(count: int | None = None):
    """A busy loop on every core (or ``count``), for as long as the block runs."""
    loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(count or os.cpu_count() or 1)
    ]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def concurrent_batches(root: Path, per_batch: int) -> tuple[Outcome, Outcome, Outcome]:
    """Two honest batches and a hostile one (the bombs), graded at the same time."""
    batches = []
    for name in ("first", "second"):
        subs = root / name / "subs"
        batches.append((subs, root / name / "out", honest(subs, f"{name}-", per_batch)))
    bombs = root / "bombs" / "subs"
    batches.append((bombs, root / "bombs" / "out", hostile(bombs)))
    # The bombs hold what they hold for a quarter of the usual time limits: what this shows is
    # the honest batches beside them, not how long a bomb may run (test_hostile's).
    envs = [None, None, {**ENV, TIME_FACTOR: "0.25"}]
    start = time.monotonic()
    procs = [
        start_grading(subs, out, env) for (subs, out, _), env in zip(batches, envs, strict=True)
    ]
    for proc in procs:
        proc.wait(timeout=7200)
    seconds = time.monotonic() - start
    first, second, bomb = (
        outcome(out, names, proc, seconds)
        for (_, out, names), proc in zip(batches, procs, strict=True)
    )
    return first, second, bomb


def overloaded(root: Path, n: int) -> Outcome:
    subs = root / "subs"
    names = honest(subs, "busy-", n)
    with busy_loops():
        return grade(subs, root / "out", names)
