"""The host shared by every sandbox on it: a uid per concurrent sandbox (slots), the host lock
that lets a launch run alone, and the sweep that kills what a uid left behind.

A slot is a uid no other sandbox uses. Under bubblewrap on one host, the slots are
``SLOT_UID_BASE + i``, taken under a file lock every batch on the host shares. A container
(``Isolation.UID``) cannot see the locks nor the processes of the other containers on its
kernel, yet ``RLIMIT_NPROC`` counts a uid's processes across the whole kernel: were every
container's sandbox uid 61000, one container's fork bomb would starve the next one's sandbox.
So there the uid is drawn at random from ``RANDOM_UIDS`` (2^20 .. 2^31-2, as far as this user
namespace maps them), skipping uids and gids named in ``/etc/passwd`` and ``/etc/group`` and uids
with a process here: two containers draw the same uid with a chance of about one in two
thousand million.
"""

from __future__ import annotations

import fcntl
import os
import random
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .model import IsolationUnavailable

SLOT_UID_BASE = int(os.environ.get("AUTOGRADER_SANDBOX_UID_BASE", "61000"))
"""First host uid of the sandbox slots (root only); one uid per concurrent sandbox."""
SLOTS = int(os.environ.get("AUTOGRADER_SANDBOX_SLOTS", "64"))
"""How many sandboxes may run at the same time on one host."""
_POLL_INTERVAL = 0.05
RANDOM_UIDS = (2**20, 2**31 - 2)
"""The range a container's sandbox uid is drawn from (``Isolation.UID``), both ends included."""
_DRAWS = 1000


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


def _passwd_uids(path: str = "/etc/passwd") -> set[int]:
    """The ids named in ``path`` (the third field: a uid in passwd, a gid in group)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return set()
    uids = set()
    for line in lines:
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            uids.add(int(fields[2]))
    return uids


def mapped_ids(path: str) -> list[tuple[int, int]]:
    """The ids this user namespace maps (``/proc/self/uid_map`` or ``gid_map``), as inclusive
    (first, last) ranges; every 32-bit id but the last when the file cannot be read."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return [(0, 2**32 - 2)]
    ranges = []
    for line in lines:
        inside, _, count = (int(f) for f in line.split())
        ranges.append((inside, inside + count - 1))
    return ranges


def random_uid_ranges() -> list[tuple[int, int]]:
    """Where a random sandbox uid may fall: ``RANDOM_UIDS`` within the ids mapped here for both
    uids and gids (a container with a remapped user namespace may map only 0..65535; then the
    mapped ids from ``SLOT_UID_BASE`` up, below 65534, "nobody")."""
    ranges = []
    for low, high in (RANDOM_UIDS, (SLOT_UID_BASE, 65533)):
        for ulo, uhi in mapped_ids("/proc/self/uid_map"):
            for glo, ghi in mapped_ids("/proc/self/gid_map"):
                first, last = max(low, ulo, glo), min(high, uhi, ghi)
                if first <= last:
                    ranges.append((first, last))
        if ranges:
            return ranges
    return ranges


def _running_uids() -> set[int]:
    """The real uids of the processes this pid namespace shows."""
    uids = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/status") as f:
                    line = next(ln for ln in f if ln.startswith("Uid:"))
                uids.add(int(line.split()[1]))
            except (OSError, StopIteration, ValueError):
                continue
    return uids


def random_uid() -> int:
    """A uid drawn at random for a container's sandbox (see the module's docstring)."""
    ranges = random_uid_ranges()
    if not ranges:
        raise IsolationUnavailable("no uid for the sandbox: this user namespace maps too few ids")
    taken = _passwd_uids() | _passwd_uids("/etc/group") | _running_uids()
    draw = random.SystemRandom()
    sizes = [last - first + 1 for first, last in ranges]
    for _ in range(_DRAWS):
        first, last = draw.choices(ranges, weights=sizes)[0]
        uid = draw.randint(first, last)
        if uid not in taken:
            return uid
    raise IsolationUnavailable(f"no free sandbox uid in {ranges} after {_DRAWS} draws")


@contextmanager
def slot(unique: bool = False) -> Iterator[int]:
    """A host uid no other sandbox on this host is using, held until the block ends; with
    ``unique``, one drawn at random that no other container on the kernel uses either."""
    if unique:
        yield random_uid()
        return
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
