"""``setup.sh``'s last step: what ``run_autograder`` needs works in this image.

Run once, as root, at image build (``python -m autograder.gradescope check``): the kit is the
one in ``source/``, the folders lock down, uid isolation is available, the secret is there, the
task declarations load, a Python started as a sandbox uid imports numpy (it fails if the Python
is not readable by other users), and matplotlib's font cache is built once here rather than at
every submission.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from .. import sandbox, tasks
from ..grading import GraderFault
from ..layout import ROOT
from . import ISOLATION, SECRET
from .folders import Folders, lock_down


def check_layout(folders: Folders) -> None:
    """The kit grading is the one in ``source/``: its reference is what the permissions guard."""
    if ROOT.resolve() != folders.source.resolve():
        raise GraderFault(
            f"the kit was loaded from {ROOT}, not from {folders.source}: run it through "
            "run_autograder"
        )


def check(root: Path) -> int:
    """The exit status of the image's check (1, with the reason on stderr, if it fails)."""
    folders = Folders(root)
    try:
        check_layout(folders)
        lock_down(folders)
        sandbox.ensure_isolation(ISOLATION)
        if not (folders.source / SECRET).is_file():
            raise OSError(f"{folders.source / SECRET} is missing")
        import matplotlib.font_manager  # noqa: F401  (builds the font cache once, here)

        points = tasks.points()
        probe = _probe_sandbox()
    except (OSError, sandbox.IsolationUnavailable) as exc:
        print(f"setup check failed: {exc}", file=sys.stderr)
        return 1
    except GraderFault as fault:
        print(f"setup check failed: {fault.reason}", file=sys.stderr)
        return 1
    print(
        f"setup check: Python {sys.version.split()[0]} at {sys.executable}; {len(points)} "
        f"autograded tasks, {sum(points.values()):g} points; {probe}"
    )
    return 0


def _probe_sandbox() -> str:
    """Run numpy as the sandbox's unprivileged uid: its Python must be readable by others."""
    work = Path(tempfile.mkdtemp(prefix="gradescope-check-"))
    try:
        result = sandbox.run_sandboxed(
            [sys.executable, "-c", "import os, numpy; print(os.getuid(), numpy.__version__)"],
            workdir=work,
            readonly_paths=[],
            isolation=ISOLATION,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if result.returncode != 0 or result.launch_error:
        raise OSError(
            f"Python cannot run as an unprivileged uid ({sys.executable} must be readable by "
            f"every user): {result.launch_error or result.stderr.strip()[-500:]}"
        )
    uid, version = result.stdout.split()
    return f"a sandboxed Python ran as uid {uid} with numpy {version}"
