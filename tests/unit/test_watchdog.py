"""The grader's watchdog counts a step's own time, on a clock the test moves by hand."""

from __future__ import annotations

import json

import pytest

from autograder.grading import supervise
from autograder.grading.supervise import CELL_SECONDS, PART_SECONDS, Watchdog


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
