"""The supervisor of a submission's launches: the watchdog counts a step's own time (on a
clock the test moves by hand); a launch the host failed is launched again with backoff, a step
that ran out of time is retried alone, one that crashes or hangs again is blamed and skipped
(on a runner the test scripts, without a sandbox)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autograder import sandbox, tasks
from autograder.grading import supervise
from autograder.grading.model import GraderFault, Plan, RunOptions
from autograder.grading.supervise import (
    CELL_SECONDS,
    LAUNCH_ATTEMPTS,
    LAUNCH_BACKOFF,
    PART_SECONDS,
    Watchdog,
    run_student,
)
from autograder.sandbox import Isolation, RunResult
from autograder.sandboxed.contracts import (
    End,
    ErrorInfo,
    Finished,
    PartReport,
    Start,
    Step,
    StepKind,
    encode_record,
    part_files,
    part_id,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(supervise.time, "monotonic", fake)
    return fake


def start(progress, step: str) -> None:
    with progress.open("a") as f:
        f.write(json.dumps({"start": step}) + "\n")


def test_waiting_for_the_host_before_the_launch_is_nobodys_step(tmp_path, clock):
    """Built before the launch waits for the host lock and a slot; that wait is not counted."""
    watchdog = Watchdog(tmp_path / "progress.jsonl", set(), scale=1.0, generous=None)
    clock.now += 50 * CELL_SECONDS  # another batch's sandbox ran alone meanwhile
    assert not watchdog()  # the sandboxed process has just started
    clock.now += CELL_SECONDS / 2
    assert not watchdog()
    clock.now += CELL_SECONDS
    assert watchdog()  # before any step: the setup itself hangs


def test_each_step_gets_its_own_limit_and_a_retried_step_twice_that(tmp_path, clock):
    progress = tmp_path / "progress.jsonl"
    watchdog = Watchdog(progress, {"part:a"}, scale=2.0, generous="cell:2")
    assert not watchdog()
    start(progress, "cell:1")
    clock.now += 1.5 * CELL_SECONDS
    assert not watchdog()  # the step began at this call: its clock starts now
    clock.now += 1.5 * CELL_SECONDS
    assert not watchdog()  # 1.5 × CELL_SECONDS of the step: within 2 (the scale) × CELL_SECONDS
    clock.now += CELL_SECONDS
    assert watchdog()

    retried = Watchdog(progress, {"part:a"}, scale=2.0, generous="cell:1")
    assert not retried()
    clock.now += 3.5 * CELL_SECONDS
    assert not retried()  # the retried step gets 2 × 2 × CELL_SECONDS
    clock.now += CELL_SECONDS
    assert retried()

    start(progress, "part:a")
    probe = Watchdog(progress, {"part:a"}, scale=1.0, generous=None)
    assert not probe()
    clock.now += PART_SECONDS + 0.1
    assert probe()


# ---------------------------------------------------------------- the launches of a submission

TASK = "relu_forward"
PARTS = [part_id(TASK, p) for p in tasks.get(TASK).part_names]
PLAN = Plan([
    Step("cell0", StepKind.SETUP, "pass", 0),
    Step("scan", StepKind.SCAN),
    Step("cell1", StepKind.CELL, "pass", 1, label="your relu_forward_answer cell"),
    Step(f"task:{TASK}", StepKind.TASK, task=TASK),
])  # fmt: skip
HOST_FAULT = "host fault"
"""A launch whose sandbox never started the runner."""


class Runner:
    """Stands in for the sandbox and the runner in it: each launch plays the next scene, a
    list of what the runner gets through (step ids, ``"finished"``), or ``HOST_FAULT``; the
    step it stops in is left open, as a hang (the watchdog) or a crash (``crash``)."""

    def __init__(self, *scenes, crash: bool = False, truncated: bool = False):
        self.scenes = list(scenes)
        self.crash = crash
        self.truncated = truncated
        self.launches: list[dict] = []  # what each launch was asked: skip, alone

    def __call__(self, argv, *, workdir, watchdog, alone, **_) -> RunResult:
        job = json.loads((workdir / "job.json").read_text())
        self.launches.append({"skip": job["skip"], "alone": alone, "generous": watchdog.generous})
        scene = self.scenes.pop(0)
        if scene == HOST_FAULT:
            return RunResult(None, False, None, "", "bwrap: EAGAIN", False, 0.1, "none",
                             launch_error="the sandbox did not start: bwrap: EAGAIN")  # fmt: skip
        out = workdir / "out"
        out.mkdir()
        with (out / "progress.jsonl").open("w") as progress:
            for step in scene:
                self.play(progress, out, step, job["skip"])
        if "finished" in scene:
            return RunResult(0, False, None, "", "", self.truncated, 0.1, "none")
        if self.crash:
            return RunResult(-11, False, 11, "", "", self.truncated, 0.1, "none")
        return RunResult(None, False, 9, "", "", self.truncated, 0.1, "none", watchdog_fired=True)

    @staticmethod
    def play(progress, out, step: str, skip: list[str]) -> None:
        if step == "finished":
            progress.write(encode_record(Finished()) + "\n")
            return
        stops, step = step.endswith("!"), step.removesuffix("!")
        assert step not in skip, step
        progress.write(encode_record(Start(step)) + "\n")
        if stops:
            return
        if step in PARTS:
            task, part = step.split(".")
            report, arrays = part_files(step)
            (out / report).write_text(json.dumps(PartReport(task, part).to_json()))
            np.savez(out / arrays, out=np.zeros(2))
        progress.write(encode_record(End(step)) + "\n")


ALL = ["cell0", "scan", "cell1", f"task:{TASK}", *PARTS]


@pytest.fixture
def launch(monkeypatch):
    """Run the plan on a :class:`Runner` (no sandbox, no sleeping): (the outcome, the runner,
    the backoff's sleeps)."""
    sleeps: list[float] = []
    monkeypatch.setattr(supervise.time, "sleep", sleeps.append)
    monkeypatch.setattr(supervise, "write_matplotlib_config", lambda workdir: workdir)

    def run(runner: Runner):
        monkeypatch.setattr(sandbox, "run_sandboxed", runner)
        outcome = run_student(PLAN, {TASK: {}}, RunOptions(Isolation.NONE))
        return outcome, runner, sleeps

    return run


def stopped(steps: list[str], at: str) -> list[str]:
    """The steps up to ``at``, which starts and never ends."""
    return [*steps[: steps.index(at)], at + "!"]


def test_a_clean_run_is_one_launch(launch):
    outcome, runner, sleeps = launch(Runner([*ALL, "finished"]))
    assert len(runner.launches) == 1 and not sleeps
    assert set(outcome.parts) == set(PARTS)
    assert all(p.missing is None and "out" in p.arrays for p in outcome.parts.values())
    assert outcome.notes == [] and outcome.cell_errors == {}


def test_the_hosts_faults_are_launched_again_with_backoff(launch):
    outcome, runner, sleeps = launch(Runner(HOST_FAULT, HOST_FAULT, [*ALL, "finished"]))
    assert sleeps == [LAUNCH_BACKOFF, 2 * LAUNCH_BACKOFF]
    assert set(outcome.parts) == set(PARTS) and outcome.notes == []


def test_a_host_that_never_starts_the_runner_is_a_grader_fault(launch):
    with pytest.raises(GraderFault, match="the sandbox failed 5 times") as fault:
        launch(Runner(*[HOST_FAULT] * LAUNCH_ATTEMPTS))
    assert fault.value.stderr == "bwrap: EAGAIN"


def test_a_runner_that_stops_before_the_students_code_is_the_hosts_fault_too(launch):
    outcome, runner, sleeps = launch(Runner(["cell0"], [*ALL, "finished"]))
    assert sleeps == [LAUNCH_BACKOFF] and outcome.notes == []


def test_a_cell_that_hangs_is_retried_alone_then_blamed_and_skipped(launch):
    hang = stopped(ALL, "cell1")
    outcome, runner, _ = launch(Runner(hang, hang, [*ALL[:2], *ALL[3:], "finished"]))
    assert [(n["alone"], n["generous"]) for n in runner.launches] == [
        (False, None), (True, "cell1"), (False, None)
    ]  # fmt: skip
    assert "cell1" in runner.launches[2]["skip"]
    assert outcome.cell_errors == {
        "cell1": ErrorInfo(
            "stopped", "it ran too long and was stopped (an endless loop or a sleep?)"
        )
    }
    assert set(outcome.parts) == set(PARTS)


def test_a_crash_is_blamed_at_once_and_the_tasks_other_checks_still_run(launch):
    first, *others = PARTS
    crash = stopped(ALL, first)
    outcome, runner, _ = launch(
        Runner(crash, [*[s for s in ALL if s != first], "finished"], crash=True)
    )
    assert len(runner.launches) == 2 and first in runner.launches[1]["skip"]
    assert outcome.parts[first].missing == "the process was killed by signal 11 (a crash?)"
    assert all(outcome.parts[p].missing is None for p in others)


def test_a_check_that_hangs_again_stops_its_tasks_other_checks(launch):
    first, *others = PARTS
    hang = stopped(ALL, first)
    outcome, runner, _ = launch(Runner(hang, hang, [*ALL[:4], "finished"]))
    assert outcome.parts[first].missing.startswith("it ran too long")
    for part in others:
        assert outcome.parts[part].missing == "not run: an earlier check of this task ran too long"


def test_a_run_that_stops_between_steps_says_so(launch):
    outcome, _, _ = launch(Runner(ALL[:3], crash=True))
    assert outcome.notes == [
        "the grading process stopped between two steps: the process was killed by signal 11 "
        "(a crash?)"
    ]
    assert {p.missing for p in outcome.parts.values()} == {"it did not run"}


def test_output_cut_is_said_once(launch):
    hang = stopped(ALL, "cell1")
    outcome, _, _ = launch(Runner(hang, [*ALL, "finished"], truncated=True))
    assert outcome.notes == [
        "your code printed more than 1 MB while it was graded: the rest was discarded"
    ]


def test_too_many_faults_stop_the_grading(launch, monkeypatch):
    monkeypatch.setattr(supervise, "MAX_LAUNCHES", 2)
    first, second, *_ = PARTS
    runner = Runner(stopped(ALL, first), stopped(ALL, second)[:-2] + [second + "!"], crash=True)
    outcome, runner, _ = launch(runner)
    assert len(runner.launches) == 2
    assert outcome.notes == ["grading stopped after too many faults"]


@pytest.mark.parametrize(("text", "factor"), [(None, 1.0), ("", 1.0), ("3", 3.0), (" 0.25 ", 0.25)])
def test_the_course_s_time_factor(monkeypatch, text, factor):
    if text is None:
        monkeypatch.delenv(supervise.TIME_FACTOR, raising=False)
    else:
        monkeypatch.setenv(supervise.TIME_FACTOR, text)
    assert supervise.time_factor() == factor


@pytest.mark.parametrize("text", ["0", "-1", "fast", "nan", "inf"])
def test_a_time_factor_that_is_no_positive_number_is_refused_by_name(monkeypatch, text):
    monkeypatch.setenv(supervise.TIME_FACTOR, text)
    with pytest.raises(ValueError, match=supervise.TIME_FACTOR):
        supervise.time_factor()
