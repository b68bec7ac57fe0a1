"""The runner on a small job, as the sandbox runs it but without the sandbox (the reference's
code: trusted): its progress records step by step, its part reports and arrays, what it skips;
and its helpers, imported as in the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from autograder import tasks
from autograder.grading.exchange import collect, read_progress, write_code, write_job
from autograder.grading.inputs import draw_inputs
from autograder.grading.model import Plan
from autograder.grading.plan import setup_python, task_step
from autograder.grading.reference import reference_answers
from autograder.sandboxed.contracts import (
    End,
    ErrorInfo,
    Finished,
    Scanned,
    Start,
    Step,
    StepKind,
    part_id,
)

TASK = "relu_forward"


@pytest.fixture(scope="module")
def code(tmp_path_factory):
    code_dir = tmp_path_factory.mktemp("code")
    write_code(code_dir)
    return code_dir


def run(code, workdir, steps: list[Step], skip=()):
    """The runner on these steps (and the task's hidden inputs): its progress records."""
    workdir.mkdir()
    write_job(workdir, Plan(steps), {TASK: draw_inputs(7)[TASK]}, list(skip))
    env = {**os.environ, "PYTHONPATH": str(code), "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(workdir / ".mpl")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, str(code / "runner.py"), str(workdir)],
        env=env, cwd=workdir, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return read_progress(workdir / "out" / "progress.jsonl")


def steps() -> list[Step]:
    return [
        Step("cell0", StepKind.SETUP, setup_python(), 0),
        Step("scan", StepKind.SCAN),
        Step("cell1", StepKind.CELL, reference_answers([TASK]), 1, label="your answer cell"),
        Step("cell2", StepKind.CELL, "import socket\n1 / 0", 2, label="your cell 2"),
        task_step(TASK),
    ]


def test_each_step_and_part_between_its_start_and_end(code, tmp_path):
    records = run(code, tmp_path / "work", steps())
    parts = [part_id(TASK, p) for p in tasks.get(TASK).part_names]
    started = [r.step for r in records if isinstance(r, Start)]
    assert started == ["cell0", "scan", "cell1", "cell2", f"task:{TASK}", *parts]
    assert [r for r in records if isinstance(r, Scanned)] == [
        Scanned("your answer cell", []),
        Scanned("your cell 2", ["uses the network (socket)"]),
    ]
    (raised,) = [r for r in records if isinstance(r, End) and r.error]
    assert raised == End(
        "cell2", ErrorInfo("ZeroDivisionError", "division by zero", "<cell 2> line 2")
    )
    assert records[-1] == Finished()
    found: dict = {}
    collect(tmp_path / "work" / "out", [TASK], found)
    assert set(found) == set(parts)
    for result in found.values():
        assert result.error is None and result.arrays
        assert all(kind.startswith("numpy.") for kind in result.types.values())


def test_what_the_job_skips_does_not_run(code, tmp_path):
    first = part_id(TASK, tasks.get(TASK).part_names[0])
    records = run(code, tmp_path / "work", steps(), skip=["cell2", "scan", first])
    started = {r.step for r in records if isinstance(r, Start)}
    assert not started & {"cell2", "scan", first}
    assert {"cell0", "cell1", f"task:{TASK}"} <= started
    assert not (tmp_path / "work" / "out" / f"{first}.json").exists()


def test_an_error_names_the_students_line(sandboxed):
    runner = sandboxed("runner")
    try:
        exec(compile("x = 1\nraise ValueError('y' * 1000)", "<cell 4>", "exec"), {})  # noqa: S102
    except ValueError as exc:
        described = runner._describe(exc)
    assert described.error == "ValueError" and described.where == "<cell 4> line 2"
    assert described.message == "y" * runner.MESSAGE_CHARS


def test_returned_values_become_plain_data(sandboxed):
    runner = sandboxed("runner")

    class Rigged(np.ndarray):
        pass

    array, kind = runner._plain(np.arange(3.0).view(Rigged))
    assert type(array) is np.ndarray and kind.endswith("Rigged")
    assert runner._plain(None) == (None, "None")
    assert runner._plain(["a", "b"]) == (["a", "b"], "builtins.list")
    with pytest.raises(TypeError, match="not a numeric array"):
        runner._plain({"a": 1})


def test_the_references_code_lends_its_names_while_the_block_runs(sandboxed):
    runner = sandboxed("runner")
    ns = {"f": "the student's", "g": "the student's too"}
    with runner.reference_code(ns, "def f():\n    return 'the reference'\n"):
        assert ns["f"]() == "the reference" and ns["g"] == "the student's too"
    assert ns == {"f": "the student's", "g": "the student's too"}
