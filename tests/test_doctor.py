"""``python -m autograder doctor`` shows each guarantee by trying it, and says when one is
missing."""

from __future__ import annotations

import os
import subprocess

from conftest import ENV, KIT, needs_bubblewrap
from test_faults import fake_bwrap

from autograder.layout import ROOT


def doctor(path: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KIT, "doctor"],
        capture_output=True, text=True, cwd=ROOT, timeout=900,
        env={**os.environ, "PATH": path},
    )  # fmt: skip


@needs_bubblewrap
def test_every_guarantee_holds_here():
    run = doctor(ENV["PATH"])
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "All guarantees hold."
    checked = [line for line in lines if line.startswith("  [ok]")]
    assert len(checked) == 10, run.stdout
    for words in ("uid", "fork bomb", "memory", "network", "instructor's files", "writes",
                  "the reference gets", "blank release gets 0", "flagged"):  # fmt: skip
        assert any(words in line for line in checked), words


@needs_bubblewrap
def test_a_missing_guarantee_fails_the_doctor(tmp_path):
    fake_bwrap(tmp_path, "always")
    run = doctor(f"{tmp_path / 'bin'}{os.pathsep}{ENV['PATH']}")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[MISSING]" in run.stdout and "Resource temporarily unavailable" in run.stdout
    assert "do not grade" in run.stdout
