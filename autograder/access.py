"""Who may read what the kit writes: its owner only, or its owner and one group of staff.

Grades are confidential records. Everything ``grade``, ``merge``, ``export``, ``report`` and
``gradescope`` write is readable by the user who runs them and nobody else: folders 0700, files
0600, whatever the umask. With a group (``--group NAME``, recorded in ``OUT/settings.json``),
folders are 2770 with that group (setgid: what is made inside stays the group's) and files 0660,
so that TAs in the group grade in the formgrader (which writes the gradebook) and export; the
grading secret is 0640 then (staff read it to grade again; nobody rewrites it).

Three layers, because nbgrader writes into OUT too (autograded notebooks, feedback pages, the
gradebook), some of it by copying files with their source's mode:

1. :func:`atomic_write` and :func:`atomic_file`, the one way the kit writes a file: to a
   temporary name, with its mode set on the open file (``fchmod``, so the umask does not
   matter), then renamed. A reader never sees half a file, and nobody else ever sees it at all.
2. :func:`claim` makes OUT itself 0700 (2770) before anything is written into it, so nothing
   inside is within other users' reach whatever its own mode; :func:`seal` gives everything
   under OUT the modes above when a command ends.
3. :func:`applied` sets the process's umask (0o077, 0o007 with a group) while a command writes,
   so that what nbgrader makes is private from birth too.
"""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PRIVATE_UMASK = 0o077
GROUP_UMASK = 0o007


class AccessError(ValueError):
    """A group that does not exist here, or that the user is not a member of."""


@dataclass(frozen=True)
class Access:
    """The modes of what the kit writes: the owner's only (``group`` None), or also a group's."""

    group: str | None = None
    gid: int | None = None

    @classmethod
    def for_group(cls, group: str | None) -> Access:
        """Owner only for None; else the group's, checked (AccessError: no such group here, or
        the user cannot give files to it)."""
        if not group:
            return cls()
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise AccessError(f"there is no group {group!r} on this host") from None
        if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
            raise AccessError(
                f"you are not a member of the group {group!r}: files cannot be given to it"
            )
        return cls(group, gid)

    @property
    def umask(self) -> int:
        return PRIVATE_UMASK if self.gid is None else GROUP_UMASK

    @property
    def dir_mode(self) -> int:
        return 0o700 if self.gid is None else 0o2770

    @property
    def file_mode(self) -> int:
        return 0o600 if self.gid is None else 0o660

    @property
    def secret_mode(self) -> int:
        return 0o600 if self.gid is None else 0o640

    def __str__(self) -> str:
        if self.gid is None:
            return "yours only (folders 0700, files 0600)"
        return f"yours and the group {self.group}'s (folders 2770, files 0660)"


_current = Access()


def current() -> Access:
    """The access this process writes with (owner only unless a command applied a group's)."""
    return _current


def use(access: Access) -> None:
    """From now on this process writes with ``access`` (a worker process, for its life)."""
    global _current
    _current = access
    os.umask(access.umask)


@contextmanager
def applied(access: Access) -> Iterator[Access]:
    """While the block runs, this process writes with ``access`` (umask and modes); then
    restored."""
    before, umask = _current, os.umask(access.umask)
    use(access)
    try:
        yield access
    finally:
        use(before)
        os.umask(umask)


def _give(fd_or_path: int | Path, mode: int, access: Access) -> None:
    """The group first (a chown can clear mode bits), then the exact mode."""
    if isinstance(fd_or_path, int):
        if access.gid is not None:
            os.fchown(fd_or_path, -1, access.gid)
        os.fchmod(fd_or_path, mode)
    else:
        if access.gid is not None:
            os.chown(fd_or_path, -1, access.gid, follow_symlinks=False)
        os.chmod(fd_or_path, mode)


def make_dirs(folder: Path, access: Access | None = None) -> None:
    """``folder`` and its missing parents, each made with ``access``'s folder mode (folders that
    exist are left as they are)."""
    access = access or _current
    missing = []
    for path in [folder, *folder.parents]:
        if path.is_dir():
            break
        missing.append(path)
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            if not path.is_dir():
                raise
            continue  # made meanwhile by another process
        _give(path, access.dir_mode, access)


@contextmanager
def atomic_file(
    path: Path, *, mode: int | None = None, access: Access | None = None
) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` when the block ends without an error: written to a
    temporary name beside it, with its mode (``access``'s file mode unless ``mode`` is given) and
    group set before anything is written, then renamed over ``path``."""
    access = access or _current
    path = Path(path)
    make_dirs(path.parent, access)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(tmp, flags, 0o600)
    try:
        _give(fd, access.file_mode if mode is None else mode, access)
        with os.fdopen(fd, "wb") as f:
            fd = -1
            yield f
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(
    path: Path, data: str | bytes, *, mode: int | None = None, access: Access | None = None
) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically, with its mode: see
    :func:`atomic_file`. A reader sees the old file or the new, never half of one."""
    with atomic_file(path, mode=mode, access=access) as f:
        f.write(data.encode() if isinstance(data, str) else data)


def _owned(st: os.stat_result) -> bool:
    return os.geteuid() in (0, st.st_uid)


def claim(folder: Path, access: Access) -> None:
    """``folder`` exists and has ``access``'s folder mode (and group), before anything is
    written into it."""
    make_dirs(folder, access)
    st = folder.stat()
    if _owned(st):
        _give(folder, access.dir_mode, access)


def sealed_mode(st: os.stat_result, access: Access, *, read_only: bool = False) -> int:
    """The mode :func:`seal` gives: the owner's bits kept, the group's as the access says, no
    bits for others (and no setuid, setgid on files or sticky bit)."""
    if stat.S_ISDIR(st.st_mode):
        return access.dir_mode
    owner = st.st_mode & 0o700
    if access.gid is None:
        return owner
    group = owner >> 3
    return owner | (group & ~0o020 if read_only else group)


def seal(root: Path, access: Access, *, read_only: Iterable[Path] = ()) -> list[Path]:
    """Give everything under ``root`` (``root`` too) the modes and group of ``access``; symlinks
    are left alone. Returns what could not be changed and stays readable by others (a file of
    another user's)."""
    keep = {Path(p).resolve() for p in read_only}
    names = {p.name for p in keep}
    left = []
    for top, _dirs, files in os.walk(root):  # each folder once, as its own top
        for name in [".", *files]:
            path = Path(top) if name == "." else Path(top, name)
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue  # removed meanwhile
            if stat.S_ISLNK(st.st_mode):
                continue
            kept_read_only = path.name in names and path.resolve() in keep
            wanted = sealed_mode(st, access, read_only=kept_read_only)
            right_group = access.gid is None or st.st_gid == access.gid
            if stat.S_IMODE(st.st_mode) == wanted and right_group:
                continue
            if _owned(st):
                _give(path, wanted, access)
            elif st.st_mode & 0o007:
                left.append(path)
    return left
