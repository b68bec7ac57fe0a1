"""The autograder zip: ``python -m autograder gradescope --out autograder.zip``.

``setup.sh`` and ``run_autograder`` at the zip's root (from ``files/``), beside what grading
needs: the kit's code (the whole ``autograder/`` package), the source and the release of the
assignment (and the source of an assignment it takes cells from: dropout's layers are batch
norm's), ``nbgrader_config.py``, the course's deadlines file when it has one (``late.py``),
grading's lock (``requirements/grading.txt``: the image installs only what grading imports)
and the grading secret, which seeds each student's hidden inputs so that a regrade gives the
same grade (the same secret as ``OUT/grading_secret`` gives ``grade`` the same grades). The zip
is byte-stable: the same files and secret give the same bytes.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

from .. import tasks
from ..access import Access, atomic_file
from ..grading.inputs import load_secret
from ..layout import PACKAGE, ROOT, current, get
from . import FILES, SECRET, SETTINGS, VISIBILITIES
from .late import zip_member

GRADING_LOCK = "requirements/grading.txt"
"""The packages the image installs (setup.sh), hash-checked: grading's layer only."""
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip timestamps: a rebuild gives the same bytes
_SKIPPED = {"__pycache__", ".ipynb_checkpoints"}


def zip_members(secret: bytes, visibility: str | None = None) -> dict[str, tuple[bytes, int]]:
    """Name in the zip -> (content, mode): the scripts at the root, then what grading needs.

    The kit's package goes in as ``autograder/``, and the course (``nbgrader_config.py``, the
    source and the release) at the paths it has under the course's root: unpacked in
    ``/autograder/source``, the kit finds the course there as it finds it here.
    """
    if tasks.tasks_dir().resolve() != (PACKAGE / "tasks" / current().name).resolve():
        raise ValueError(
            f"the task declarations are read from {tasks.tasks_dir()} (AUTOGRADER_TASKS): the "
            "zip ships only the kit's own autograder/tasks/; unset it to build the zip"
        )
    members = {
        "setup.sh": ((FILES / "setup.sh").read_bytes(), 0o755),
        "run_autograder": ((FILES / "run_autograder").read_bytes(), 0o755),
        SECRET: (secret, 0o600),
        SETTINGS: (
            json.dumps({"assignment": current().name, "visibility": visibility}).encode(),
            0o644,
        ),
        GRADING_LOCK: ((PACKAGE.parent / GRADING_LOCK).read_bytes(), 0o644),
        "nbgrader_config.py": ((ROOT / "nbgrader_config.py").read_bytes(), 0o644),
        **zip_member(_configured_deadlines()),
    }
    given = {get(name) for name, _ in tasks.assignment_config().GIVEN.values()}
    folders = [(PACKAGE, PACKAGE.parent), (current().release_dir, ROOT)]
    folders += [(a.source_dir, ROOT) for a in sorted({current(), *given}, key=lambda a: a.name)]
    for folder, top in folders:
        for path in _files(folder):
            mode = 0o755 if os.stat(path).st_mode & stat.S_IXUSR else 0o644
            members[path.relative_to(top).as_posix()] = (path.read_bytes(), mode)
    return members


def _configured_deadlines() -> str:
    """The course's deadlines file as ``nbgrader_config.py`` names it ("": the default)."""
    from ..course.config import nbgrader_config

    return str(nbgrader_config().CourseLatePolicy.get("policy_file", ""))


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder``, without caches and hidden files; a symlink within the course
    goes in as the file it points to (an assignment's helpers shared with another's), one that
    points out of the course is refused."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED and not d.startswith("."))
        for name in sorted(files):
            path = Path(top, name)
            if name.startswith(".") or name.endswith(".pyc"):
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(ROOT):
                raise ValueError(
                    f"{path} is a symbolic link out of the course: refusing to put it in the zip"
                )
            found.append(path)
    return found


def build_zip(out: Path, secret_path: Path | None = None, visibility: str | None = None) -> Path:
    """Write the autograder zip to ``out``; the secret is read from ``secret_path`` (default:
    ``out`` with the suffix ``.secret``), made on first use. Returns the secret's path.

    The zip holds the reference and the secret: it is written readable by its owner only (0600,
    like the secret), whatever the umask. The modes of its members are the image's own (above).
    """
    secret_path = secret_path or out.with_suffix(".secret")
    if visibility not in (None, *VISIBILITIES):
        raise ValueError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    secret = load_secret(secret_path)
    members = zip_members(secret, visibility)
    with (
        atomic_file(out, mode=0o600, access=Access()) as f,
        zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, (data, mode) in sorted(members.items()):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.create_system = 3  # unix: the mode below is read by unzip and Gradescope
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return secret_path


def outline() -> tuple[dict[str, float], dict[str, float]]:
    """(autograded task -> points, written question -> points), for Gradescope's outline."""
    from ..course.gradebook import manual_points

    return tasks.points(), manual_points()


def main(out: Path, secret_path: Path | None, visibility: str | None = None) -> int:
    """Write the zip, and print the outline to enter on Gradescope."""
    existed = (secret_path or out.with_suffix(".secret")).exists()
    secret_path = build_zip(out, secret_path, visibility)
    autograded, manual = outline()
    print(
        f"wrote {out} ({out.stat().st_size // 1024} KiB): setup.sh and run_autograder at its root"
    )
    print(
        f"grading secret: {secret_path} ({'reused' if existed else 'made now'}); keep it: a zip "
        "rebuilt with it grades every student the same, and `grade` with it as "
        "OUT/grading_secret gives the same grades"
    )
    print(
        "On Gradescope: a programming assignment, base image Ubuntu 22.04, autograder "
        f"{sum(autograded.values()):g} points; manual grading on, with one question per written "
        "answer: " + ", ".join(f"{q} ({p:g} points)" for q, p in manual.items())
    )
    return 0
