"""The sandbox's first process (``autograder/sandbox/supervisor.py``), run here as the launcher
runs it but without bubblewrap: its report of whether the command started and how it ended,
the limits and signals the command gets, and what it imports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import Limits, launch, supervisor


def supervise(tmp_path: Path, *command: str, rlimits: str = "RLIMIT_CORE:0:0", python=()):
    """Run ``command`` under the supervisor, as the launcher does (keeping the caller's uid):
    (the status report, the supervisor's exit code, its stderr)."""
    status_r, status_w = os.pipe()
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", *python, "-c", launch.SUPERVISOR, str(status_w), "-1",
             "-1", str(tmp_path), rlimits, *command],
            pass_fds=(status_w,), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        os.close(status_w)
    with os.fdopen(status_r, "rb") as status:
        return status.read().decode(), done.returncode, done.stderr


def test_the_launcher_runs_this_module_as_it_is():
    assert launch.SUPERVISOR == Path(supervisor.__file__).read_text()


def test_a_command_that_exits_is_reported_with_its_code(tmp_path):
    report, code, _ = supervise(tmp_path, sys.executable, "-c", "raise SystemExit(3)")
    assert (report, code) == ("started\nexit 3", 3)


def test_a_command_killed_by_a_signal_is_reported_with_the_signal(tmp_path):
    kill = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    report, code, _ = supervise(tmp_path, sys.executable, "-c", kill)
    assert (report, code) == (f"started\nsignal {signal.SIGKILL}", 128 + signal.SIGKILL)


def test_a_command_that_cannot_run_is_reported_as_not_started(tmp_path):
    report, code, stderr = supervise(tmp_path, str(tmp_path / "no-such-program"))
    first, second = report.split("\n")
    assert first.startswith("nostart FileNotFoundError: ") and second == "exit 127"
    assert code == 127 and "sandbox: cannot run" in stderr
    assert launch._launch_error([first, second], stderr, code) == (
        f"the sandbox could not start the command: {first.removeprefix('nostart ')}"
    )


def test_the_command_runs_in_its_folder_with_the_limits(tmp_path):
    show = (
        "import os, resource; print(os.getcwd(), os.environ['PWD'], "
        "resource.getrlimit(resource.RLIMIT_FSIZE), resource.getrlimit(resource.RLIMIT_CORE))"
    )
    rlimits = supervisor.rlimits_arg([("RLIMIT_FSIZE", 4096, 8192), ("RLIMIT_CORE", 0, 0)])
    status_r, status_w = os.pipe()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", launch.SUPERVISOR, str(status_w), "-1", "-1",
         str(tmp_path), rlimits, sys.executable, "-c", show],
        pass_fds=(status_w,), capture_output=True, text=True, timeout=60, cwd="/",
    )  # fmt: skip
    os.close(status_w)
    os.close(status_r)
    assert done.stdout.split() == [str(tmp_path), str(tmp_path), "(4096,", "8192)", "(0,", "0)"]


def test_the_signals_python_ignores_are_the_commands_own_again(tmp_path):
    """Python ignores SIGPIPE and SIGXFSZ from its start; a command run from it would inherit
    that: a program writing to a closed pipe would never stop, one past RLIMIT_FSIZE never die."""
    report, _, _ = supervise(tmp_path, "sh", "-c", "grep SigIgn /proc/self/status > ignored")
    assert report == "started\nexit 0"
    ignored = int((tmp_path / "ignored").read_text().split()[1], 16)
    for number in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGXCPU):
        assert not ignored & (1 << (number - 1)), signal.Signals(number).name


def test_limits_never_go_above_the_hard_limit_already_set(tmp_path):
    show = "import resource; print(resource.getrlimit(resource.RLIMIT_NOFILE))"
    soft, hard = __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)
    rlimits = supervisor.rlimits_arg([("RLIMIT_NOFILE", hard + 10, hard + 10)])
    report, _, _ = supervise(
        tmp_path, "sh", "-c", f"{sys.executable} -c '{show}' > limit", rlimits=rlimits
    )
    assert report == "started\nexit 0"
    assert (tmp_path / "limit").read_text().strip() == f"({hard}, {hard})"


def test_it_imports_only_builtin_frozen_or_c_modules(tmp_path):
    """Its start-up is paid by every launch: ``json`` or ``signal`` would double it."""

    def imported(stderr: str) -> set[str]:
        return {line.split("|")[-1].strip() for line in stderr.splitlines() if "|" in line}

    # os.execvp imports warnings (os.get_exec_path), before the command replaces the child
    allowed = "import os, resource, _signal; os.get_exec_path()"
    bare = subprocess.run(
        [sys.executable, "-I", "-S", "-X", "importtime", "-c", allowed],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    _, _, stderr = supervise(tmp_path, "true", python=("-X", "importtime"))
    assert imported(stderr) <= imported(bare.stderr)


@pytest.mark.parametrize(
    ("status", "line", "code"),
    [(0, "exit 0", 0), (3 << 8, "exit 3", 3), (signal.SIGKILL, "signal 9", 137)],
)
def test_the_end_line_of_a_wait_status(status, line, code):
    assert supervisor.end_line(status) == (line, code)


def test_rlimits_travel_as_one_argument():
    limits = launch._rlimits(Limits(cpu_seconds=7, file_bytes=1024))
    assert supervisor.parse_rlimits(supervisor.rlimits_arg(limits)) == limits
    assert ("RLIMIT_CPU", 7, 8) in limits


@pytest.mark.parametrize(
    ("returncode", "lines", "killed", "expected"),
    [
        (0, ["started", "exit 0"], False, (0, None)),
        (137, ["started", "signal 9"], False, (-9, 9)),  # bubblewrap folds it into 128+9
        (1, ["started", "exit 1"], True, (None, signal.SIGKILL)),  # the wall clock stopped it
        (-9, [], False, (-9, 9)),  # no report: the launcher's own status
    ],
)
def test_the_exit_status_is_the_supervisors_report_of_it(returncode, lines, killed, expected):
    assert launch._exit_status(returncode, lines, killed) == expected


def test_no_report_at_all_means_the_sandbox_did_not_start():
    assert launch._launch_error([], "bwrap: setting up uid map: Permission denied\n", 1) == (
        "the sandbox did not start: bwrap: setting up uid map: Permission denied"
    )
    assert launch._launch_error([], "", 1) == "the sandbox did not start: exit code 1"
    assert launch._launch_error(["started", "exit 0"], "", 0) is None


def test_output_beyond_the_budget_is_discarded_and_said():
    output = launch._Output(budget=5)
    output.keep(output.stdout, b"abc")
    output.keep(output.stderr, b"defg")
    output.keep(output.stdout, b"h")
    assert (bytes(output.stdout), bytes(output.stderr), output.truncated) == (b"abc", b"de", True)
