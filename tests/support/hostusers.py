"""Real Unix users and groups on this host, for tests of what one user can read of another's
(root only: ``useradd`` and ``setpriv``; the ``root`` fixture of ``conftest`` says so).

Each user and group is made with a name of its own and removed afterwards, with its files. A
command runs as a user with ``setpriv`` (that user's uid, gid and groups): what it can read is
what the host's modes let it read. When the test environment's Python lies in a folder other
users cannot pass through (a Python installed under ``/root``, say), the command runs in a mount
namespace (bubblewrap) where only those folders are replaced by passable ones showing nothing
but that Python and this checkout: every other path, everything under test included, is the
host's own, with its owners and modes.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autograder.layout import ROOT
from autograder.sandbox.bubblewrap import python_dirs

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: Path


def _unique(prefix: str) -> str:
    while True:
        name = f"{prefix}{secrets.token_hex(3)}"
        try:
            pwd.getpwnam(name)
        except KeyError:
            try:
                grp.getgrnam(name)
            except KeyError:
                return name


@contextmanager
def throwaway_group(prefix: str = "kitg") -> Iterator[str]:
    name = _unique(prefix)
    subprocess.run(["groupadd", name], check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["groupdel", name], check=False, capture_output=True)


@contextmanager
def throwaway_user(homes: Path, prefix: str = "kitu", groups: tuple[str, ...] = ()):
    """A new user, with a home of mode 0700 under ``homes``; removed afterwards."""
    name = _unique(prefix)
    home = homes / name
    command = ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh"]
    if groups:
        command += ["--groups", ",".join(groups)]
    subprocess.run([*command, name], check=True, capture_output=True)
    try:
        entry = pwd.getpwnam(name)
        home.chmod(0o700)
        yield User(name, entry.pw_uid, entry.pw_gid, home)
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)
        subprocess.run(["groupdel", name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def _needed() -> list[Path]:
    """What a user's Python needs to reach: the interpreter, this environment, the checkout."""
    return sorted({*python_dirs(), Path(sys.prefix).resolve(), BIN, ROOT}, key=lambda p: p.parts)


def _blocks(folder: Path) -> bool:
    return not folder.stat().st_mode & stat.S_IXOTH


def python_namespace() -> list[str]:
    """bubblewrap's arguments that make :func:`_needed` reachable for other users, or [] when
    the host's modes already do."""
    tops: set[Path] = set()
    for path in _needed():
        blocking = [a for a in reversed(path.parents) if _blocks(a)]
        if blocking:
            tops.add(blocking[0])
    if not tops:
        return []
    args = ["bwrap", "--dev-bind", "/", "/"]
    made: set[Path] = set()
    bound: list[Path] = []
    for top in sorted(tops, key=lambda p: len(p.parts)):
        args += ["--perms", "0755", "--tmpfs", str(top)]
        made.add(top)
    for path in _needed():  # outermost first
        top = next((t for t in tops if t in path.parents), None)
        if top is None or any(b == path or b in path.parents for b in bound):
            continue
        for folder in reversed(path.parents):
            if top in folder.parents and folder not in made:
                args += ["--perms", "0755", "--dir", str(folder)]
                made.add(folder)
        args += ["--ro-bind", str(path), str(path)]
        bound.append(path)
    return args


def run_as(
    user: User,
    *command: str | Path,
    cwd: Path | None = None,
    umask: int = 0o022,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """``command`` as ``user`` (their uid, gid and groups, as at a login), with this
    environment's scripts first on PATH, in ``cwd`` (default: their home)."""
    drop = ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--init-groups"]
    env = {
        "HOME": str(user.home),
        "USER": user.name,
        "LOGNAME": user.name,
        "PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [*python_namespace(), *drop, "--", *map(str, command)],
        cwd=cwd or user.home, env=env, capture_output=True, text=True, timeout=timeout,
        check=False, preexec_fn=lambda: os.umask(umask),
    )  # fmt: skip


PROBE = """
import json, os, sys
seen = {}
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        seen[path] = "read"
    except OSError as exc:
        seen[path] = type(exc).__name__
print(json.dumps(seen))
"""


def readable(user: User, paths: list[Path]) -> dict[Path, bool]:
    """Which of ``paths`` (which must exist) ``user`` can read (a file opened and read, a folder
    listed), tried as that user."""
    missing = [p for p in paths if not p.exists()]
    assert not missing, f"the probe's paths must exist: {missing}"
    done = run_as(user, sys.executable, "-I", "-c", PROBE, *paths, cwd=Path("/"))
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    return {Path(p): why == "read" for p, why in seen.items()}


@contextmanager
def open_folder(prefix: str) -> Iterator[Path]:
    """A new folder that every user can pass through and list (0755, like a home folder on
    Debian), in the system's temporary folder; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        folder.chmod(0o755)
        assert all(not _blocks(a) for a in folder.parents), f"{folder.parent} is not passable"
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
