"""The host shared by every sandbox on it: a uid per concurrent sandbox (slots), the host lock
that lets a launch run alone, and the sweep that kills what a uid left behind."""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import SLOT_UID_BASE, SLOTS, IsolationUnavailable

_POLL_INTERVAL = 0.05


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
def host_lock(alone: bool) -> Iterator[None]:
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
def slot() -> Iterator[int]:
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


def kill_uid(uid: int) -> None:
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
