"""The sandbox's types: the isolation asked for, the limits, what a run returns, and the errors.
Every module of the package imports them from here (the package re-exports them)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Isolation(enum.StrEnum):
    """How a command is isolated: chosen by the caller, never reached by falling back."""

    BUBBLEWRAP = "bubblewrap"
    UID = "uid"
    NONE = "none"


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
    """Outcome of :func:`autograder.sandbox.run_sandboxed`.

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
