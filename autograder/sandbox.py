"""Run untrusted student code in an isolated, resource-limited child process.

The autograder never imports student code into its own process.  It runs it
through :func:`run_sandboxed` and reads back plain data (exit status and
captured, size-capped output).

Isolation (``Isolation.BUBBLEWRAP``)
-----------------------------------
With bubblewrap (``/usr/bin/bwrap``, Debian/Ubuntu package ``bubblewrap``) the
child gets a fresh mount namespace whose root is an empty tmpfs showing only:

* ``/usr`` read-only, and ``/bin``, ``/sbin``, ``/lib*`` (symlinks into
  ``/usr`` on merged-/usr systems, read-only binds otherwise);
* a minimal, read-only subset of ``/etc`` (dynamic-linker cache, passwd/group,
  nsswitch, hosts, localtime, alternatives, fonts) -- not the whole ``/etc``,
  which may hold credentials such as ``/etc/npmrc``;
* the running Python: ``sys.prefix``/``sys.base_prefix``/``sys.exec_prefix``
  and the real directories they resolve to, read-only.  Only those
  directories: e.g. ``/root/.pyenv/versions/3.11.7`` is visible but nothing
  else of ``/root``;
* every path in ``readonly_paths``, read-only;
* ``workdir``, read-write, at the same path (it is also the cwd and ``$HOME``);
* a private, size-capped ``/tmp`` (tmpfs), a minimal ``/dev`` and a ``/proc``
  for the child's own pid namespace.

All other namespaces are unshared too: pid (the child cannot see or signal
host processes and everything dies with the namespace's init), network (only
a loopback interface of its own, so no internet and no access to services on
the host's 127.0.0.1), ipc, uts and cgroup.  The environment is cleared and
replaced by a minimal one.

Running as root (the grader on CI) the child runs as an unprivileged host uid of its own: each
sandbox running at the same time on the host takes a *slot* (``SLOT_UID_BASE + i``, allocated
under a file lock in ``lock_dir()``, as the ``isolate`` sandbox does with box ids; uids listed in
``/etc/passwd`` are skipped).  It is not a uid mapped onto root inside a user namespace: with
``--unshare-user --uid N`` bubblewrap maps the sandbox uid onto the caller's real uid 0, and the
kernel never enforces ``RLIMIT_NPROC`` for real uid 0 (so a fork bomb would not be contained,
and files it writes would be owned by root).  Instead bubblewrap runs privileged without a user
namespace, keeps only ``CAP_SETUID``/``CAP_SETGID`` for the sandbox's first process (a tiny
Python supervisor, see ``_SUPERVISOR``) which sets the resource limits, drops to the slot's uid
with ``setgroups([])``/``setresgid``/``setresuid`` and execs the command (bubblewrap has already
set ``no_new_privs``, so setuid binaries cannot regain privileges).  The supervisor stays as the
parent to report whether the command started, and then its exact exit status or signal
(bubblewrap itself folds "killed by signal N" into exit code 128+N).  ``workdir`` is chowned to
the slot's uid before the run (recursively; symlinks and multiply-linked files are left alone);
restoring ownership or deleting it is the caller's business.  Paths in ``readonly_paths`` must
be readable by "other" (normal 0644/0755 modes are fine; their parent directories do not matter
since the sandbox creates its own).

``RLIMIT_NPROC`` counts all processes *and threads* of the child's real uid.  Because every
concurrent sandbox has its own uid, a fork bomb exhausts only its own budget: sandboxes of the
same batch, or of another batch on the same host, can still start processes.

Not running as root, bubblewrap uses an unprivileged user namespace instead (the kernel must
allow those) and the child keeps the caller's (non-zero) uid.

Resource limits (:class:`Limits`) are applied to the command only (not to bubblewrap):
``RLIMIT_AS``, ``RLIMIT_CPU``, ``RLIMIT_NPROC``, ``RLIMIT_FSIZE`` and ``RLIMIT_CORE=0``.  A
wall-clock timeout kills the whole process group (``SIGKILL``); with bubblewrap that is
bubblewrap itself, whose death (``--die-with-parent``) takes down the child's pid namespace
with every process in it, including daemonised grandchildren.  stdout and stderr are read
concurrently; at most ``Limits.output_bytes`` are kept in total and the rest is read and
discarded, so a chatty child never blocks and never exhausts memory.

The isolation is chosen, never fallen back to
---------------------------------------------
The caller names the :class:`Isolation` it wants, and gets exactly that or
:class:`IsolationUnavailable`:

* ``Isolation.BUBBLEWRAP`` (the default): all of the above.  Whether bubblewrap works is probed
  with a trivial sandboxed command, retried with backoff before it is declared broken (a busy
  host answers "Creating new namespace failed: Resource temporarily unavailable" now and then).
* ``Isolation.UID``: no namespaces; the command runs as the slot's unprivileged uid with the
  same limits and process-group kill, and every process of that uid is killed afterwards.  For
  a host that is itself the per-submission boundary (a Gradescope container), where files the
  student must not read are protected by their permissions.  Needs root.
* ``Isolation.NONE``: the limits and the process-group kill only, as the grader's own user; a
  loud warning says what is not guaranteed.  Only for trusted code (the kit's own examples), and
  only when asked for by name (``--no-sandbox``).

Host-wide, each launch holds a shared lock; a launch that must run *alone* (a step retried
after it ran out of time on a busy host) takes it exclusively, so no other sandbox of any batch
on this host runs beside it.

Whether the sandbox itself started is reported apart from what the command did
(``RunResult.launch_error``): a sandbox that cannot start is the grading host's fault, never the
student's.
"""

from __future__ import annotations

import enum
import fcntl
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Isolation",
    "IsolationUnavailable",
    "IsolationWarning",
    "Limits",
    "RunResult",
    "bubblewrap_works",
    "ensure_isolation",
    "lock_dir",
    "run_sandboxed",
]


class Isolation(enum.StrEnum):
    """How a command is isolated: chosen by the caller, never reached by falling back."""

    BUBBLEWRAP = "bubblewrap"
    UID = "uid"
    NONE = "none"


SLOT_UID_BASE = int(os.environ.get("AUTOGRADER_SANDBOX_UID_BASE", "61000"))
"""First host uid of the sandbox slots (root only); one uid per concurrent sandbox."""
SLOTS = int(os.environ.get("AUTOGRADER_SANDBOX_SLOTS", "64"))
"""How many sandboxes may run at the same time on one host."""

PROBE_ATTEMPTS = 5
"""Launches of the bubblewrap probe before bubblewrap is declared broken."""
PROBE_BACKOFF = 0.25
"""Seconds before the second probe; doubled before each next one."""

_INSTALL_HINT = (
    "Install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu; "
    "`dnf install bubblewrap` on Fedora) and make sure `bwrap --version` works."
)

# Read-only subset of /etc a Python/numpy/matplotlib child needs.  Missing
# entries are skipped (--ro-bind-try).
_ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "nsswitch.conf",
    "passwd",
    "group",
    "hosts",
    "host.conf",
    "localtime",
    "alternatives",
    "fonts",
    "mime.types",
)
# Top-level system directories (symlinks into /usr on merged-/usr systems).
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# Grace periods (seconds) for draining the pipes after the child has exited
# or been killed.  Only an escaped process (possible without bubblewrap)
# can keep the pipes open that long.
_DRAIN_GRACE = 1.0
_POLL_INTERVAL = 0.05
_READ_CHUNK = 65536


class IsolationUnavailable(RuntimeError):
    """Raised when the isolation asked for cannot be had on this host."""


class IsolationWarning(RuntimeWarning):
    """Emitted (once per process) when code runs with ``Isolation.NONE``."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 20.0  # whole process group killed after this
    cpu_seconds: int = 30  # RLIMIT_CPU (SIGXCPU at the limit, SIGKILL 1 s later)
    memory_bytes: int = 2 * 1024**3  # RLIMIT_AS
    max_processes: int = 64  # RLIMIT_NPROC (processes *and threads* of the uid)
    output_bytes: int = 1_000_000  # stdout+stderr kept in total; the rest is discarded
    file_bytes: int = 64 * 1024**2  # RLIMIT_FSIZE; also the size of the private /tmp


@dataclass
class RunResult:
    """Outcome of :func:`run_sandboxed`.

    ``returncode`` is the exit code, or ``-N`` if the command was killed by
    signal ``N`` (then ``killed_by_signal == N``), like :mod:`subprocess`.  On
    a wall-clock timeout ``timed_out`` is true, ``returncode`` is ``None`` and
    ``killed_by_signal`` is ``SIGKILL``; the same holds, with
    ``watchdog_fired`` instead, when the caller's ``watchdog`` stopped it.

    ``launch_error`` is set when the sandbox never started the command (bubblewrap could not
    create its namespaces, the supervisor could not drop privileges or exec): then nothing the
    command would have done happened, and the fault is the host's.
    """

    returncode: int | None
    timed_out: bool
    killed_by_signal: int | None
    stdout: str
    stderr: str
    output_truncated: bool
    seconds: float
    isolation: str  # an Isolation value
    watchdog_fired: bool = False
    launch_error: str | None = None
    uid: int | None = None  # the host uid the command ran as, when it was dropped


_DEFAULT_LIMITS = Limits()

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

_probe_lock = threading.Lock()
_probe_ok = False  # cached once bubblewrap worked in this process
_fallback_warned = False  # tests reset this to see the warning again


def bubblewrap_works(attempts: int = PROBE_ATTEMPTS) -> tuple[bool, str]:
    """(True, "") if a trivial command runs in bubblewrap here, else (False, why).

    A failed launch is retried with backoff before bubblewrap is declared broken: a busy host
    refuses a namespace now and then (EAGAIN). Success is remembered for the process.
    """
    global _probe_ok
    with _probe_lock:
        if _probe_ok:
            return True, ""
        why, delay = "", PROBE_BACKOFF
        for attempt in range(attempts):
            if attempt:
                time.sleep(delay)
                delay *= 2
            ok, why = _probe_once()
            if ok:
                _probe_ok = True
                return True, ""
            if why.startswith("bwrap was not found") or why.startswith("bubblewrap needs"):
                break
        return False, why


def _probe_once() -> tuple[bool, str]:
    if sys.platform != "linux":
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    if _bwrap() is None:
        return False, "bwrap was not found on PATH"
    workdir = Path(tempfile.mkdtemp(prefix="sandbox-probe-"))
    try:
        limits = Limits(wall_seconds=30.0, output_bytes=10_000)
        code = "import os; print('ok', os.getuid())"
        argv = [sys.executable, "-I", "-S", "-c", code]
        result = _run(argv, workdir, [], limits, None, Isolation.BUBBLEWRAP)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return False, f"bwrap could not be started: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if result.returncode == 0 and result.stdout.startswith("ok"):
        return True, ""
    detail = result.launch_error or (result.stderr or result.stdout).strip()[-2000:]
    return False, f"bwrap is installed but a trivial sandboxed command failed: {detail}"


def _bwrap() -> str | None:
    return shutil.which("bwrap")


def ensure_isolation(isolation: Isolation) -> None:
    """Raise :class:`IsolationUnavailable`, with the reason, unless ``isolation`` works here."""
    isolation = Isolation(isolation)
    if isolation is Isolation.BUBBLEWRAP:
        ok, why = bubblewrap_works()
        if not ok:
            raise IsolationUnavailable(
                f"student code must run in a bubblewrap sandbox, but it is unavailable: {why}. "
                f"{_INSTALL_HINT}"
            )
    elif isolation is Isolation.UID and os.geteuid() != 0:
        raise IsolationUnavailable("uid isolation drops to a sandbox uid: it needs root")


def run_sandboxed(
    argv: list[str],
    *,
    workdir: Path,
    readonly_paths: list[Path],
    limits: Limits = _DEFAULT_LIMITS,
    env: dict[str, str] | None = None,
    isolation: Isolation = Isolation.BUBBLEWRAP,
    watchdog: Callable[[], bool] | None = None,
    alone: bool = False,
) -> RunResult:
    """Run ``argv`` in ``workdir`` with the named isolation and resource limits.

    ``env`` entries are added to the minimal environment.  When ``isolation`` cannot be had,
    :class:`IsolationUnavailable` is raised: nothing ever runs with less isolation than asked.

    ``watchdog`` (optional, an addition for the grader) is called about every
    50 ms while the command runs; when it returns true the command is killed
    like on a wall-clock timeout and ``RunResult.watchdog_fired`` is set.  If
    it raises, the command is killed and the exception propagates.

    ``alone`` waits until no other sandbox runs on this host, and keeps new ones from starting
    until this one ends.
    """
    if not argv:
        raise ValueError("argv must not be empty")
    isolation = Isolation(isolation)
    workdir = Path(workdir).resolve(strict=True)
    if not workdir.is_dir():
        raise NotADirectoryError(workdir)
    ro_paths = [Path(p).resolve(strict=True) for p in readonly_paths]
    ensure_isolation(isolation)
    if isolation is Isolation.NONE:
        _warn_no_isolation()
    return _run(list(argv), workdir, ro_paths, limits, env, isolation, watchdog, alone)


def _warn_no_isolation() -> None:
    global _fallback_warned
    if _fallback_warned:
        return
    _fallback_warned = True
    warnings.warn(
        "AUTOGRADER SANDBOX DISABLED (--no-sandbox): code runs WITHOUT isolation. "
        "Resource limits, the wall-clock timeout and the process-group kill still apply, "
        "but it is NOT guaranteed that student code cannot: read any file the grader's "
        "user can read (including solutions, hidden tests and the nbgrader gradebook); "
        "use the network (including services on localhost); write or delete files "
        "outside its scratch directory; see or signal the grader's other processes; or "
        "leave a daemonised process running (one that calls setsid() escapes the "
        f"process-group kill). Do not grade untrusted submissions like this. {_INSTALL_HINT}",
        IsolationWarning,
        stacklevel=3,
    )


# --------------------------------------------------------------------------
# Command construction
# --------------------------------------------------------------------------


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


def _python_dirs() -> list[Path]:
    """The Python installation and virtualenv, plus the real paths they resolve to."""
    dirs: list[Path] = []
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    candidates.append(os.path.dirname(os.path.realpath(sys.executable)))
    for p in candidates:
        if p:
            dirs += [Path(os.path.abspath(p)), Path(os.path.realpath(p))]
    return list(dict.fromkeys(d for d in dirs if d.exists()))


def _is_within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _check_workdir(workdir: Path, ro_paths: list[Path]) -> None:
    # The workdir is made writable (chowned) and bound read-write: refuse
    # anything that would expose or hand over more than a scratch directory.
    protected = [Path(d) for d in _SYSTEM_DIRS] + [Path("/etc"), *_python_dirs(), *ro_paths]
    if len(workdir.parts) < 3:
        raise ValueError(f"workdir {workdir} is too close to / to be a scratch directory")
    for p in protected:
        # Nothing protected may live inside the workdir (it would be chowned and
        # made writable); the workdir may only live inside a read-only path.
        if _is_within(p, workdir) or (_is_within(workdir, p) and p not in ro_paths):
            raise ValueError(f"workdir {workdir} overlaps {p}")


def _bwrap_args(
    workdir: Path, ro_paths: list[Path], limits: Limits, env: dict[str, str], as_root: bool
) -> list[str]:
    args = [_bwrap() or "bwrap"]
    if as_root:
        # Privileged bwrap without a user namespace; the supervisor drops to
        # the slot's uid itself (a uid-mapped user namespace would leave the child
        # at real uid 0, which RLIMIT_NPROC does not apply to).
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
        args += ["--unshare-cgroup-try"]
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-all"]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]

    # (depth, order, args) -- mounted parents first, so e.g. a workdir under
    # /tmp is bound on top of the private /tmp and not hidden by it.
    mounts: list[tuple[int, int, list[str]]] = []

    def add(path: str | Path, op: list[str]) -> None:
        mounts.append((len(Path(path).parts), len(mounts), op))

    for d in _SYSTEM_DIRS:
        if os.path.islink(d):
            add(d, ["--symlink", os.readlink(d), d])
        elif os.path.isdir(d):
            add(d, ["--ro-bind", d, d])
    for name in _ETC_ENTRIES:
        add(f"/etc/{name}", ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"])
    covered = [Path(d) for d in _SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d)]
    for d in sorted(_python_dirs(), key=lambda p: len(p.parts)):
        if not any(_is_within(d, c) for c in covered):
            add(d, ["--ro-bind", str(d), str(d)])
            covered.append(d)
    add("/dev", ["--dev", "/dev"])
    add("/proc", ["--proc", "/proc"])
    add(
        "/tmp",
        ["--perms", "1777", "--size", str(max(limits.file_bytes, 1 << 20)), "--tmpfs", "/tmp"],
    )
    for p in ro_paths:
        add(p, ["--ro-bind", str(p), str(p)])
    add(workdir, ["--bind", str(workdir), str(workdir)])

    # Missing parents of mount points are created by bwrap with the *host*
    # directory's mode (e.g. 0700 for /root), which the sandbox uid could not
    # traverse: create them explicitly as 0755 (parents inside a bind mount
    # already exist there and are left alone).
    targets = {Path(op[-1]) for _, _, op in mounts}
    binds = {Path(op[-1]) for _, _, op in mounts if op[0] in ("--ro-bind", "--bind")}
    made: set[Path] = set()
    for target in sorted(targets, key=lambda t: len(t.parts)):
        for parent in reversed(target.parents[:-1]):  # outermost first, without "/"
            inside_bind = any(parent != b and _is_within(parent, b) for b in binds)
            if parent in targets or parent in made or inside_bind:
                continue
            made.add(parent)
            add(parent, ["--perms", "0755", "--dir", str(parent)])
    for _, _, op in sorted(mounts, key=lambda m: (m[0], m[1])):
        args += op
    # The supervisor changes into the workdir once it is the sandbox uid.
    args += ["--chdir", "/", "--"]
    return args


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


# --------------------------------------------------------------------------
# Running and collecting output
# --------------------------------------------------------------------------


def lock_dir() -> Path:
    """Where sandboxes of every batch on this host take their slots and the host lock."""
    configured = os.environ.get("AUTOGRADER_LOCK_DIR")
    if configured:
        path = Path(configured)
    elif os.geteuid() == 0 and os.access("/run/lock", os.W_OK):
        path = Path("/run/lock/autograder")
    else:
        path = Path(tempfile.gettempdir()) / f"autograder-locks-{os.geteuid()}"
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    return path


def _lock_file(name: str) -> int:
    return os.open(lock_dir() / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


@contextmanager
def _host_lock(alone: bool) -> Iterator[None]:
    """Shared by every launch on the host; exclusive for a launch that must run alone.

    A turnstile gives the exclusive request priority: once it waits, new launches wait behind
    it instead of overlapping for ever.
    """
    turnstile, gate = _lock_file("turnstile.lock"), _lock_file("launch.lock")
    try:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if alone:
            fcntl.flock(gate, fcntl.LOCK_EX)
        else:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
            fcntl.flock(gate, fcntl.LOCK_SH)
        yield
    finally:
        os.close(gate)  # closing releases the locks
        os.close(turnstile)


def _passwd_uids() -> set[int]:
    try:
        lines = Path("/etc/passwd").read_text().splitlines()
    except OSError:
        return set()
    uids = set()
    for line in lines:
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            uids.add(int(fields[2]))
    return uids


@contextmanager
def _slot() -> Iterator[int]:
    """A host uid no other sandbox on this host is using, held until the block ends."""
    taken = _passwd_uids()
    candidates = [SLOT_UID_BASE + i for i in range(SLOTS) if SLOT_UID_BASE + i not in taken]
    if not candidates:
        raise IsolationUnavailable(f"no free sandbox uid in {SLOT_UID_BASE}+{SLOTS}")
    while True:
        for uid in candidates:
            fd = _lock_file(f"slot-{uid}.lock")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield uid
            finally:
                os.close(fd)
            return
        time.sleep(_POLL_INTERVAL)


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` on the host (what escaped a process-group kill)."""
    for _ in range(50):
        found = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status") as f:
                    line = next(ln for ln in f if ln.startswith("Uid:"))
            except (OSError, StopIteration):
                continue
            if int(line.split()[1]) == uid:
                found = True
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if not found:
            return
        time.sleep(0.02)


def _run(
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
        _check_workdir(workdir, ro_paths)
    with _host_lock(alone):
        if as_root and isolation is not Isolation.NONE:
            with _slot() as uid:
                try:
                    return _run_as(
                        argv, workdir, ro_paths, limits, extra_env, isolation, watchdog, uid
                    )
                finally:
                    if isolation is Isolation.UID:
                        _kill_uid(uid)
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
        prefix = _bwrap_args(workdir, ro_paths, limits, env, as_root=uid is not None)
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
        proc.stdout.close()
        proc.stderr.close()
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
    buffers = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray()}
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
    stdout, stderr = buffers[proc.stdout.fileno()], buffers[proc.stderr.fileno()]
    return stdout, stderr, truncated, timed_out, fired
