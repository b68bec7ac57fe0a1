"""Whether bubblewrap works here: a launch that failed is tried again with backoff, a host that
cannot run bubblewrap at all is not; the decision is the probe's typed result."""

from __future__ import annotations

import pytest

from autograder import sandbox
from autograder.sandbox import Probe


@pytest.fixture
def probes(monkeypatch):
    """The probe's results, in order, as each launch returns them; the launches made."""
    made: list[Probe] = []

    def use(*results: tuple[Probe, str]):
        queue = list(results)

        def once():
            made.append(queue[0][0])
            return queue.pop(0)

        monkeypatch.setattr(sandbox, "_probe_once", once)
        return made

    monkeypatch.setattr(sandbox, "_probe_ok", False)
    monkeypatch.setattr(sandbox, "PROBE_BACKOFF", 0.001)
    return use


def test_a_failed_launch_is_tried_again(probes):
    made = probes((Probe.FAILED, "EAGAIN"), (Probe.FAILED, "EAGAIN"), (Probe.WORKS, ""))
    assert sandbox.bubblewrap_works() == (True, "")
    assert made == [Probe.FAILED, Probe.FAILED, Probe.WORKS]
    assert sandbox.bubblewrap_works() == (True, "")  # remembered: no launch
    assert len(made) == 3


def test_a_host_that_cannot_run_it_is_not_tried_again(probes):
    made = probes((Probe.CANNOT, "bwrap was not found on PATH"), (Probe.WORKS, ""))
    assert sandbox.bubblewrap_works() == (False, "bwrap was not found on PATH")
    assert made == [Probe.CANNOT]


def test_it_gives_up_after_its_attempts_with_the_last_reason(probes):
    made = probes(*[(Probe.FAILED, f"try {n}") for n in range(5)])
    assert sandbox.bubblewrap_works(attempts=3) == (False, "try 2")
    assert len(made) == 3
