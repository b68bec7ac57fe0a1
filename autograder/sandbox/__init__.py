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
Python supervisor, ``supervisor.py``) which sets the resource limits, drops to the slot's uid
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
* ``Isolation.UID``: no namespaces; the command runs as an unprivileged uid drawn at random
  from 2^20 .. 2^31-2 (``host.random_uid``: no other container on the kernel shares it, so its
  ``RLIMIT_NPROC`` is its own) with the same limits and process-group kill, and every process
  of that uid is killed afterwards.  For
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
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from . import bubblewrap, launch
from .host import SLOT_UID_BASE, SLOTS, lock_dir
from .model import Isolation, IsolationUnavailable, IsolationWarning, Limits, RunResult

__all__ = [
    "SLOTS",
    "SLOT_UID_BASE",
    "Isolation",
    "IsolationUnavailable",
    "IsolationWarning",
    "Limits",
    "Probe",
    "RunResult",
    "bubblewrap_works",
    "ensure_isolation",
    "lock_dir",
    "run_sandboxed",
]


PROBE_ATTEMPTS = 5
"""Launches of the bubblewrap probe before bubblewrap is declared broken."""
PROBE_BACKOFF = 0.25
"""Seconds before the second probe; doubled before each next one."""

_INSTALL_HINT = (
    "Install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu; "
    "`dnf install bubblewrap` on Fedora) and make sure `bwrap --version` works."
)


_probe_lock = threading.Lock()
_probe_ok = False  # cached once bubblewrap worked in this process
_fallback_warned = False  # tests reset this to see the warning again
_DEFAULT_LIMITS = Limits()


class Probe(enum.Enum):
    """How one launch of the bubblewrap probe went, and so whether to launch it again."""

    WORKS = "works"
    CANNOT = "cannot"  # this host cannot run bubblewrap at all (not Linux, no bwrap): final
    FAILED = "failed"  # a launch failed (a busy host refuses a namespace now and then): retry


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
            probe, why = _probe_once()
            if probe is Probe.WORKS:
                _probe_ok = True
                return True, ""
            if probe is Probe.CANNOT:
                break
        return False, why


def _probe_once() -> tuple[Probe, str]:
    """One launch of a trivial command in bubblewrap: how it went, and why when it failed."""
    if sys.platform != "linux":
        return Probe.CANNOT, f"bubblewrap needs Linux (this is {sys.platform})"
    if bubblewrap.bwrap() is None:
        return Probe.CANNOT, "bwrap was not found on PATH"
    workdir = Path(tempfile.mkdtemp(prefix="sandbox-probe-"))
    try:
        limits = Limits(wall_seconds=30.0, output_bytes=10_000)
        code = "import os; print('ok', os.getuid())"
        argv = [sys.executable, "-I", "-S", "-c", code]
        result = launch.run(argv, workdir, [], limits, None, Isolation.BUBBLEWRAP)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return Probe.FAILED, f"bwrap could not be started: {exc}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if result.returncode == 0 and result.stdout.startswith("ok"):
        return Probe.WORKS, ""
    detail = result.launch_error or (result.stderr or result.stdout).strip()[-2000:]
    return Probe.FAILED, f"bwrap is installed but a trivial sandboxed command failed: {detail}"


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
    return launch.run(list(argv), workdir, ro_paths, limits, env, isolation, watchdog, alone)


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
