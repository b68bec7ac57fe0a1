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
from pathlib import Path

from .bubblewrap import arguments, check_workdir
from .host import host_lock, kill_uid, slot
from .model import Isolation, Limits, RunResult

# Grace periods (seconds) for draining the pipes after the child has exited
# or been killed.  Only an escaped process (possible without bubblewrap)
# can keep the pipes open that long.
_DRAIN_GRACE = 1.0
_POLL_INTERVAL = 0.05
_READ_CHUNK = 65536


# First process inside the sandbox.  Runs with ``python -I -S`` and imports only builtin or C
# modules (no json/signal: they would double its ~15 ms start-up time).
# argv: STATUS_FD UID GID CWD RLIMITS COMMAND...  (UID/GID -1 = keep; RLIMITS is
# "NAME:soft:hard,...").  It forks; the child sets the limits, drops privileges and execs the
# command.  On STATUS_FD it reports "started" once the exec succeeded (a close-on-exec pipe
# tells it) or "nostart <why>", then "exit N" or "signal N" (bwrap itself would fold a signal
# into exit status 128+N).
_SUPERVISOR = r"""
import os, resource, sys
try:
    import _signal as signal
except ImportError:
    import signal

status_fd, uid, gid = (int(a) for a in sys.argv[1:4])
cwd, rlimits, argv = sys.argv[4], sys.argv[5], sys.argv[6:]
os.set_inheritable(status_fd, False)

def start():
    for item in rlimits.split(","):
        name, soft, hard = item.split(":")
        which, soft, hard = getattr(resource, name), int(soft), int(hard)
        cur_hard = resource.getrlimit(which)[1]
        if cur_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, cur_hard), min(hard, cur_hard)
        resource.setrlimit(which, (soft, hard))
    if uid >= 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if 0 in os.getresuid() or 0 in os.getresgid():
            raise OSError("could not drop privileges")
    # After dropping privileges: root without CAP_DAC_OVERRIDE could not
    # enter a workdir owned by the sandbox uid with mode 0700.
    os.chdir(cwd)
    os.environ["PWD"] = cwd
    for name in ("SIGPIPE", "SIGXFSZ", "SIGXCPU"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    os.execvp(argv[0], argv)

ready_r, ready_w = os.pipe()  # close-on-exec: EOF with no data means the exec succeeded
pid = os.fork()
if pid == 0:
    os.close(ready_r)
    try:
        start()
    except BaseException as exc:
        try:
            why = ("%s: %s" % (type(exc).__name__, exc))[:400]
            os.write(2, ("sandbox: cannot run %r: %s\n" % (argv[0], why)).encode())
            os.write(ready_w, why.encode())
        finally:
            os._exit(127)
os.close(ready_w)
why = b""
while True:
    chunk = os.read(ready_r, 512)
    if not chunk:
        break
    why += chunk
os.close(ready_r)
os.write(status_fd, (b"nostart " + why.replace(b"\n", b" ") if why else b"started") + b"\n")
_, status = os.waitpid(pid, 0)
if os.WIFSIGNALED(status):
    report, code = "signal %d" % os.WTERMSIG(status), 128 + os.WTERMSIG(status)
else:
    code = os.waitstatus_to_exitcode(status)
    report = "exit %d" % code
os.write(status_fd, report.encode())
os._exit(code)
"""


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
    rlimits = ",".join(f"{name}:{soft}:{hard}" for name, soft, hard in _rlimits(limits))
    drop = str(uid if uid is not None else -1)
    supervisor = [sys.executable, "-I", "-S", "-c", _SUPERVISOR]
    supervisor += [str(status_w), drop, drop, str(workdir), rlimits]
    cmd = prefix + supervisor + argv

    start = time.monotonic()
    try:
        proc = subprocess.Popen(
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
    except OSError as exc:  # fork or exec of the launcher failed (EAGAIN, ENOMEM, ENOENT)
        os.close(status_r)
        os.close(status_w)
        return RunResult(
            None, False, None, "", "", False, time.monotonic() - start, isolation.value,
            launch_error=f"the sandbox could not be started: {exc}", uid=uid,
        )  # fmt: skip
    except BaseException:
        os.close(status_r)
        os.close(status_w)
        raise
    os.close(status_w)
    try:
        out, err, truncated, timed_out, fired = _collect(proc, limits, start, watchdog)
    finally:
        if proc.poll() is None:  # interrupted (e.g. KeyboardInterrupt): leave nothing behind
            _kill_group(proc.pid)
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    seconds = time.monotonic() - start

    os.set_blocking(status_r, False)
    report = b""
    try:
        while chunk := os.read(status_r, 1024):
            report += chunk
    except BlockingIOError:
        pass
    finally:
        os.close(status_r)
    lines = report.decode("utf-8", "replace").splitlines()
    stderr = bytes(err).decode("utf-8", "replace")

    returncode: int | None = proc.returncode
    killed_by: int | None = -returncode if returncode is not None and returncode < 0 else None
    kind, _, number = (lines[1] if len(lines) > 1 else "").partition(" ")
    if kind == "exit" and number.lstrip("-").isdigit():
        returncode, killed_by = int(number), None
    elif kind == "signal" and number.isdigit():
        returncode, killed_by = -int(number), int(number)
    if timed_out or fired:
        returncode, killed_by = None, int(signal.SIGKILL)
    launch_error = None
    if not lines:
        tail = stderr.strip()[-500:] or f"exit code {proc.returncode}"
        launch_error = f"the sandbox did not start: {tail}"
    elif lines[0].startswith("nostart"):
        launch_error = f"the sandbox could not start the command: {lines[0][8:]}"
    return RunResult(
        returncode=returncode,
        timed_out=timed_out,
        killed_by_signal=killed_by,
        stdout=bytes(out).decode("utf-8", "replace"),
        stderr=stderr,
        output_truncated=truncated,
        seconds=seconds,
        isolation=isolation.value,
        watchdog_fired=fired,
        launch_error=launch_error,
        uid=uid,
    )


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


def _collect(
    proc: subprocess.Popen[bytes],
    limits: Limits,
    start: float,
    watchdog: Callable[[], bool] | None,
) -> tuple[bytearray, bytearray, bool, bool, bool]:
    """Read both pipes until EOF within the wall-clock limit, keeping a capped prefix."""
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    buffers = {out_fd: bytearray(), err_fd: bytearray()}
    budget = max(0, int(limits.output_bytes))
    kept = 0
    truncated = timed_out = fired = False
    next_watch = start + _POLL_INTERVAL
    deadline = start + max(0.0, float(limits.wall_seconds))
    stop_at: float | None = None  # set once the child is gone: drain a little longer
    with selectors.DefaultSelector() as sel:
        for fd in buffers:
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        while True:
            now = time.monotonic()
            if stop_at is None:
                if _exited(proc.pid):
                    # Normal exit: kill what is left of its process group
                    # (background children holding the pipes) before reaping.
                    _kill_group(proc.pid)
                    stop_at = now + _DRAIN_GRACE
                elif now >= deadline:
                    timed_out = True
                    _kill_group(proc.pid)
                    stop_at = now + _DRAIN_GRACE
                elif watchdog is not None and now >= next_watch:
                    next_watch = now + _POLL_INTERVAL
                    if watchdog():
                        fired = True
                        _kill_group(proc.pid)
                        stop_at = now + _DRAIN_GRACE
            if not sel.get_map():
                if stop_at is not None:
                    break
                # Both pipes closed but the child is still running: keep
                # enforcing the wall-clock limit.
                time.sleep(max(0.0, min(_POLL_INTERVAL, deadline - now)))
                continue
            if stop_at is not None and now >= stop_at:
                break  # something escaped the group and holds the pipes: give up on it
            limit_at = stop_at if stop_at is not None else deadline
            timeout = max(0.0, min(_POLL_INTERVAL, limit_at - now))
            for key, _ in sel.select(timeout):
                fd = key.fd
                try:
                    data = os.read(fd, _READ_CHUNK)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(fd)
                    continue
                take = min(len(data), budget - kept)
                if take < len(data):
                    truncated = True
                if take > 0:
                    buffers[fd] += data[:take]
                    kept += take
    proc.wait()
    stdout, stderr = buffers[out_fd], buffers[err_fd]
    return stdout, stderr, truncated, timed_out, fired
