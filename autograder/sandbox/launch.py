"""Launching a command in the sandbox: the supervisor, the limits, the environment, and the
collection of its output and exit status."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import supervisor
from .bubblewrap import arguments, check_workdir
from .host import host_lock, kill_uid, slot
from .model import Isolation, Limits, RunResult

# Grace periods (seconds) for draining the pipes after the child has exited
# or been killed.  Only an escaped process (possible without bubblewrap)
# can keep the pipes open that long.
_DRAIN_GRACE = 1.0
_POLL_INTERVAL = 0.05
_EXIT_POLL = 0.001
"""First pause before looking again for the exit of a child whose pipes just closed: it is
usually exiting that very moment (a full ``_POLL_INTERVAL`` there was 35 ms a launch on
average, while the worker could have been grading); then doubled up to ``_POLL_INTERVAL``."""
_READ_CHUNK = 65536
SUPERVISOR = Path(supervisor.__file__).read_text()
"""The first process in the sandbox (``supervisor.py``), run as ``python -I -S -c SUPERVISOR``:
the sandbox need not show the kit's files."""


def _minimal_env(workdir: Path, extra: dict[str, str] | None) -> dict[str, str]:
    path = [os.path.join(sys.prefix, "bin")]
    if sys.base_prefix != sys.prefix:
        path.append(os.path.join(sys.base_prefix, "bin"))
    path += ["/usr/local/bin", "/usr/bin", "/bin"]
    env = {
        "PATH": ":".join(dict.fromkeys(path)),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update({str(k): str(v) for k, v in (extra or {}).items()})
    return env


def _make_writable_by_sandbox(workdir: Path, uid: int, gid: int) -> None:
    """chown workdir (recursively, without following links) to the sandbox uid."""
    os.chown(workdir, uid, gid)
    os.chmod(workdir, os.stat(workdir).st_mode | 0o700)
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            # Leave symlinks alone, and never hand over a hard link to a file
            # that also lives elsewhere (e.g. planted by a malicious archive).
            if os.path.islink(path) or (not os.path.isdir(path) and st.st_nlink > 1):
                continue
            os.chown(path, uid, gid, follow_symlinks=False)


def _rlimits(limits: Limits) -> list[tuple[str, int, int]]:
    cpu = max(1, int(limits.cpu_seconds))
    return [
        ("RLIMIT_AS", int(limits.memory_bytes), int(limits.memory_bytes)),
        ("RLIMIT_CPU", cpu, cpu + 1),
        ("RLIMIT_NPROC", int(limits.max_processes), int(limits.max_processes)),
        ("RLIMIT_FSIZE", int(limits.file_bytes), int(limits.file_bytes)),
        ("RLIMIT_CORE", 0, 0),
    ]


def supervisor_command(status_fd: int, uid: int | None, workdir: Path, limits: Limits) -> list[str]:
    """The supervisor's command line (``supervisor.py``), before the command's own."""
    drop = str(uid if uid is not None else -1)
    rlimits = supervisor.rlimits_arg(_rlimits(limits))
    return [sys.executable, "-I", "-S", "-c", SUPERVISOR, str(status_fd), drop, drop,
            str(workdir), rlimits]  # fmt: skip


def run(
    argv: list[str],
    workdir: Path,
    ro_paths: list[Path],
    limits: Limits,
    extra_env: dict[str, str] | None,
    isolation: Isolation,
    watchdog: Callable[[], bool] | None = None,
    alone: bool = False,
) -> RunResult:
    as_root = os.geteuid() == 0
    if isolation is not Isolation.NONE:
        check_workdir(workdir, ro_paths)
    with host_lock(alone):
        if as_root and isolation is not Isolation.NONE:
            with slot(unique=isolation is Isolation.UID) as uid:
                try:
                    return _run_as(
                        argv, workdir, ro_paths, limits, extra_env, isolation, watchdog, uid
                    )
                finally:
                    if isolation is Isolation.UID:
                        kill_uid(uid)
        return _run_as(argv, workdir, ro_paths, limits, extra_env, isolation, watchdog, None)


def _run_as(
    argv: list[str],
    workdir: Path,
    ro_paths: list[Path],
    limits: Limits,
    extra_env: dict[str, str] | None,
    isolation: Isolation,
    watchdog: Callable[[], bool] | None,
    uid: int | None,
) -> RunResult:
    env = _minimal_env(workdir, extra_env)
    if uid is not None:
        _make_writable_by_sandbox(workdir, uid, uid)
    prefix = []
    if isolation is Isolation.BUBBLEWRAP:
        prefix = arguments(workdir, ro_paths, limits, env, as_root=uid is not None)
    status_r, status_w = os.pipe()
    cmd = prefix + supervisor_command(status_w, uid, workdir, limits) + argv
    start = time.monotonic()
    try:
        proc = _popen(cmd, workdir, env, status_w)
    except OSError as exc:  # fork or exec of the launcher failed (EAGAIN, ENOMEM, ENOENT)
        os.close(status_r)
        return RunResult(
            None, False, None, "", "", False, time.monotonic() - start, isolation.value,
            launch_error=f"the sandbox could not be started: {exc}", uid=uid,
        )  # fmt: skip
    except BaseException:
        os.close(status_r)
        raise
    finally:
        os.close(status_w)
    try:
        output = _collect(proc, limits, start, watchdog)
    finally:
        _reap(proc)
    seconds = time.monotonic() - start
    lines = _status_lines(status_r)
    stderr = bytes(output.stderr).decode("utf-8", "replace")
    returncode, killed_by = _exit_status(proc.returncode, lines, output.timed_out or output.fired)
    return RunResult(
        returncode=returncode,
        timed_out=output.timed_out,
        killed_by_signal=killed_by,
        stdout=bytes(output.stdout).decode("utf-8", "replace"),
        stderr=stderr,
        output_truncated=output.truncated,
        seconds=seconds,
        isolation=isolation.value,
        watchdog_fired=output.fired,
        launch_error=_launch_error(lines, stderr, proc.returncode),
        uid=uid,
    )


def _popen(cmd: list[str], workdir: Path, env: dict[str, str], status_w: int) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        env=env,
        start_new_session=True,
        close_fds=True,
        pass_fds=(status_w,),
    )


def _reap(proc: subprocess.Popen) -> None:
    """The command is gone and its pipes closed, also when collecting it was interrupted (e.g.
    KeyboardInterrupt): nothing is left behind."""
    if proc.poll() is None:
        _kill_group(proc.pid)
        proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _status_lines(status_r: int) -> list[str]:
    """What the supervisor reported (``supervisor.py``), line by line; closes the pipe."""
    os.set_blocking(status_r, False)
    report = b""
    try:
        while chunk := os.read(status_r, 1024):
            report += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(status_r)
    return report.decode("utf-8", "replace").splitlines()


def _exit_status(
    returncode: int | None, lines: list[str], killed: bool
) -> tuple[int | None, int | None]:
    """(returncode, killed_by_signal) of the command: the supervisor's report of it when there
    is one (bubblewrap folds a signal into 128+N), else the launcher's own; a command the
    wall clock or the watchdog stopped has no returncode and was killed by SIGKILL."""
    killed_by = -returncode if returncode is not None and returncode < 0 else None
    kind, _, number = (lines[1] if len(lines) > 1 else "").partition(" ")
    if kind == supervisor.EXIT and number.lstrip("-").isdigit():
        returncode, killed_by = int(number), None
    elif kind == supervisor.SIGNAL and number.isdigit():
        returncode, killed_by = -int(number), int(number)
    if killed:
        returncode, killed_by = None, int(signal.SIGKILL)
    return returncode, killed_by


def _launch_error(lines: list[str], stderr: str, returncode: int | None) -> str | None:
    """Why the command never started (the host's fault), or None when it did."""
    if not lines:
        tail = stderr.strip()[-500:] or f"exit code {returncode}"
        return f"the sandbox did not start: {tail}"
    if lines[0].startswith(supervisor.NOSTART):
        return f"the sandbox could not start the command: {lines[0][len(supervisor.NOSTART) + 1 :]}"
    return None


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _exited(pid: int) -> bool:
    """Has ``pid`` exited?  Does not reap it, so its pid/pgid cannot be reused yet."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


@dataclass
class _Output:
    """What the command wrote, within ``Limits.output_bytes`` in total, and how it ended."""

    budget: int
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    timed_out: bool = False
    fired: bool = False  # the watchdog stopped it

    def keep(self, buffer: bytearray, data: bytes) -> None:
        take = max(0, min(len(data), self.budget - len(self.stdout) - len(self.stderr)))
        if take < len(data):
            self.truncated = True
        buffer += data[:take]


class _Stopper:
    """When to stop the command and stop reading it: once it exited, at the wall-clock limit or
    when the watchdog fires (its process group killed each time), and then a grace period for
    draining the pipes."""

    def __init__(
        self, proc: subprocess.Popen, limits: Limits, start: float, watchdog, output: _Output
    ):
        self.pid = proc.pid
        self.watchdog = watchdog
        self.output = output
        self.next_watch = start + _POLL_INTERVAL
        self.deadline = start + max(0.0, float(limits.wall_seconds))
        self.stop_at: float | None = None  # set once the child is gone: drain a little longer

    def check(self, now: float) -> None:
        if self.stop_at is not None:
            return
        if _exited(self.pid):
            # Normal exit: kill what is left of its process group
            # (background children holding the pipes) before reaping.
            self._stop(now)
        elif now >= self.deadline:
            self.output.timed_out = True
            self._stop(now)
        elif self.watchdog is not None and now >= self.next_watch:
            self.next_watch = now + _POLL_INTERVAL
            if self.watchdog():
                self.output.fired = True
                self._stop(now)

    def _stop(self, now: float) -> None:
        _kill_group(self.pid)
        self.stop_at = now + _DRAIN_GRACE

    def timeout(self, now: float) -> float:
        """How long to wait for output before checking again."""
        limit_at = self.stop_at if self.stop_at is not None else self.deadline
        return max(0.0, min(_POLL_INTERVAL, limit_at - now))


def _collect(
    proc: subprocess.Popen[bytes],
    limits: Limits,
    start: float,
    watchdog: Callable[[], bool] | None,
) -> _Output:
    """Read both pipes until EOF within the wall-clock limit, keeping a capped prefix."""
    assert proc.stdout is not None and proc.stderr is not None
    output = _Output(max(0, int(limits.output_bytes)))
    buffers = {proc.stdout.fileno(): output.stdout, proc.stderr.fileno(): output.stderr}
    stopper = _Stopper(proc, limits, start, watchdog, output)
    pause = _EXIT_POLL
    with selectors.DefaultSelector() as sel:
        for fd in buffers:
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        while True:
            now = time.monotonic()
            stopper.check(now)
            if not sel.get_map():
                if stopper.stop_at is not None:
                    break
                # Both pipes closed but the child is still running: keep
                # enforcing the wall-clock limit.
                time.sleep(max(0.0, min(pause, stopper.deadline - now)))
                pause = min(2 * pause, _POLL_INTERVAL)
                continue
            if stopper.stop_at is not None and now >= stopper.stop_at:
                break  # something escaped the group and holds the pipes: give up on it
            for key, _ in sel.select(stopper.timeout(now)):
                _read(sel, key.fd, buffers[key.fd], output)
    proc.wait()
    return output


def _read(sel: selectors.BaseSelector, fd: int, buffer: bytearray, output: _Output) -> None:
    """One chunk of a pipe into its buffer; a pipe at its end is no longer watched."""
    try:
        data = os.read(fd, _READ_CHUNK)
    except BlockingIOError:
        return
    if not data:
        sel.unregister(fd)
        return
    output.keep(buffer, data)
