"""The audit hook's judgement, event by event, called directly (an audit hook, once added, can
never be removed from a process: this one is never added here)."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from autograder.grading.exchange import SANDBOXED


@pytest.fixture
def audit(sandboxed):
    return sandboxed("audit")


@pytest.fixture
def watch(audit, tmp_path):
    """A watch on a job in ``tmp_path/job``, the kit watched at ``/srv/kit``: its reports."""
    reports: list[tuple[str, str]] = []
    job = tmp_path / "job"
    watch = audit.Watch(lambda kind, detail: reports.append((kind, detail)), job,
                        tmp_path / "code", ["/srv/kit/"])  # fmt: skip
    watch.reports = reports
    watch.job = job
    return watch


def opened(watch, path, mode="r", flags=0):
    watch.reports.clear()
    watch.hook("open", (str(path), mode, flags))
    return watch.reports


def test_the_graders_files_are_watched_inside_the_job(watch, audit):
    assert opened(watch, watch.job / "inputs.npz") == [
        ("grader-files", str(watch.job / "inputs.npz"))
    ]
    assert opened(watch, watch.job / "job.json") == [("grader-files", str(watch.job / "job.json"))]
    result = watch.job / "out" / "relu_forward.small.npz"
    assert opened(watch, result, "wb") == [("results", str(result))]
    watch.reports.clear()
    forged = watch.job / "out" / "relu_forward.small.json"
    watch.hook("os.replace", (str(forged), "elsewhere"))
    assert watch.reports == [("results", str(forged))]


def test_the_runner_writing_its_own_results_is_not_flagged(watch, audit):
    audit.Writing.now = True
    try:
        assert opened(watch, watch.job / "out" / "relu_forward.small.json", "w") == []
    finally:
        audit.Writing.now = False


@pytest.mark.parametrize(
    ("path", "mode", "flags", "expected"),
    [
        ("job/scratch.txt", "w", 0, None),  # the student's own folder
        ("/tmp/notes.txt", "w", 0, None),
        ("/etc/hostname", "r", 0, None),
        ("/home/someone/secret", "r", 0, "read"),
        ("/home/someone/secret", "r", os.O_WRONLY, "write"),
        ("/var/log/x", "a", 0, "write"),
        ("/srv/kit/solutions/x.py", "r", 0, "read"),  # the kit, wherever it lies
        ("/tmp/srv/kit/x", "r", 0, None),
    ],
)
def test_reads_and_writes_outside_the_students_reach_are_flagged(
    watch, tmp_path, path, mode, flags, expected
):
    full = path if path.startswith("/") else str(tmp_path / path)
    assert opened(watch, full, mode, flags) == ([(expected, full)] if expected else [])


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("socket.connect", "network"),
        ("subprocess.Popen", "programs"),
        ("os.system", "programs"),
        ("gc.get_referrers", "introspection"),
        ("import", None),
    ],
)
def test_events_flagged_whatever_their_arguments(watch, event, kind):
    watch.hook(event, ())
    assert watch.reports == ([(kind, event)] if kind else [])


def test_each_flag_once_and_fifty_at_most_each_cut_to_200_characters(watch, audit):
    for _ in range(3):
        opened(watch, "/home/a")
    watch.reports.clear()
    for n in range(audit.MAX_FLAGS + 10):
        watch.hook("open", (f"/home/{n}/" + "x" * 300, "r", 0))
    assert len(watch.reports) == audit.MAX_FLAGS - 1  # /home/a was the first
    assert {len(detail) for _, detail in watch.reports} == {200}


def test_a_path_that_is_not_a_path_is_left_alone(watch):
    watch.hook("open", (3, "r", 0))  # a file descriptor
    assert watch.reports == []


def test_the_snapshot_leaves_numpys_lazy_submodules_unimported():
    code = "import sys, audit; audit.snapshot(); print('numpy.testing' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(SANDBOXED)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_numpys_own_submodule_imported_later_is_no_change_but_a_stand_in_is(audit, monkeypatch):
    import numpy as np
    import numpy.testing

    own = sys.modules["numpy.testing"]
    monkeypatch.delitem(vars(np), "testing", raising=False)
    before = audit.snapshot()
    monkeypatch.setitem(vars(np), "testing", own)  # the student's own import of it
    assert audit.patched(before) == []
    stand_in = types.ModuleType("numpy.testing")
    monkeypatch.setitem(sys.modules, "numpy.testing", stand_in)
    monkeypatch.setitem(vars(np), "testing", stand_in)
    assert audit.patched(before) == ["numpy.testing"]
    monkeypatch.setitem(vars(np), "allclose", lambda *a, **k: True)
    assert audit.patched(before) == ["numpy.allclose", "numpy.testing"]
