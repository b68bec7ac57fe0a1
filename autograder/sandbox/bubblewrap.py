"""bubblewrap's command line: what the sandbox shows of the host, and the workdir rules."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .model import Limits

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


def bwrap() -> str | None:
    return shutil.which("bwrap")


def python_dirs() -> list[Path]:
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


def check_workdir(workdir: Path, ro_paths: list[Path]) -> None:
    # The workdir is made writable (chowned) and bound read-write: refuse
    # anything that would expose or hand over more than a scratch directory.
    protected = [Path(d) for d in _SYSTEM_DIRS] + [Path("/etc"), *python_dirs(), *ro_paths]
    if len(workdir.parts) < 3:
        raise ValueError(f"workdir {workdir} is too close to / to be a scratch directory")
    for p in protected:
        # Nothing protected may live inside the workdir (it would be chowned and
        # made writable); the workdir may only live inside a read-only path.
        if _is_within(p, workdir) or (_is_within(workdir, p) and p not in ro_paths):
            raise ValueError(f"workdir {workdir} overlaps {p}")


def arguments(
    workdir: Path, ro_paths: list[Path], limits: Limits, env: dict[str, str], as_root: bool
) -> list[str]:
    args = [bwrap() or "bwrap", *_namespaces(as_root)]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    mounts = _Mounts()
    mounts.system()
    mounts.add("/dev", ["--dev", "/dev"])
    mounts.add("/proc", ["--proc", "/proc"])
    mounts.add(
        "/tmp",
        ["--perms", "1777", "--size", str(max(limits.file_bytes, 1 << 20)), "--tmpfs", "/tmp"],
    )
    for p in ro_paths:
        mounts.add(p, ["--ro-bind", str(p), str(p)])
    mounts.add(workdir, ["--bind", str(workdir), str(workdir)])
    mounts.add_parents()
    for op in mounts.ordered():
        args += op
    # The supervisor changes into the workdir once it is the sandbox uid.
    args += ["--chdir", "/", "--"]
    return args


def _namespaces(as_root: bool) -> list[str]:
    if not as_root:
        return ["--unshare-all"]
    # Privileged bwrap without a user namespace; the supervisor drops to
    # the slot's uid itself (a uid-mapped user namespace would leave the child
    # at real uid 0, which RLIMIT_NPROC does not apply to).
    return [
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try",
        "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
    ]  # fmt: skip


class _Mounts:
    """bubblewrap's mount operations, each with its target's depth: mounted parents first, so
    e.g. a workdir under /tmp is bound on top of the private /tmp and not hidden by it."""

    def __init__(self) -> None:
        self.mounts: list[tuple[int, int, list[str]]] = []  # (depth, order, op)

    def add(self, path: str | Path, op: list[str]) -> None:
        self.mounts.append((len(Path(path).parts), len(self.mounts), op))

    def system(self) -> None:
        """/usr and the system folders, the subset of /etc, the Python installation."""
        for d in _SYSTEM_DIRS:
            if os.path.islink(d):
                self.add(d, ["--symlink", os.readlink(d), d])
            elif os.path.isdir(d):
                self.add(d, ["--ro-bind", d, d])
        for name in _ETC_ENTRIES:
            self.add(f"/etc/{name}", ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"])
        covered = [Path(d) for d in _SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d)]
        for pydir in sorted(python_dirs(), key=lambda p: len(p.parts)):
            if not any(_is_within(pydir, c) for c in covered):
                self.add(pydir, ["--ro-bind", str(pydir), str(pydir)])
                covered.append(pydir)

    def add_parents(self) -> None:
        """Missing parents of mount points are created by bwrap with the *host* directory's
        mode (e.g. 0700 for /root), which the sandbox uid could not traverse: create them
        explicitly as 0755 (parents inside a bind mount already exist there and are left
        alone)."""
        targets = {Path(op[-1]) for _, _, op in self.mounts}
        binds = {Path(op[-1]) for _, _, op in self.mounts if op[0] in ("--ro-bind", "--bind")}
        made: set[Path] = set()
        for target in sorted(targets, key=lambda t: len(t.parts)):
            for parent in reversed(target.parents[:-1]):  # outermost first, without "/"
                inside_bind = any(parent != b and _is_within(parent, b) for b in binds)
                if parent in targets or parent in made or inside_bind:
                    continue
                made.add(parent)
                self.add(parent, ["--perms", "0755", "--dir", str(parent)])

    def ordered(self) -> list[list[str]]:
        return [op for _, _, op in sorted(self.mounts, key=lambda m: (m[0], m[1]))]
