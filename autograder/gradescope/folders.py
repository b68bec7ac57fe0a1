"""Gradescope's folders in the container: locked down, and what they say about the submission
(the notebook to grade, the student)."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..layout import current


@dataclass
class Folders:
    """Gradescope's folders under one root (``/autograder``)."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def metadata(self) -> Path:
        return self.root / "submission_metadata.json"


@dataclass
class Found:
    """The notebook chosen in a submission, and what the student and the staff should know."""

    notebook: Path | None
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def lock_down(folders: Folders) -> None:
    """Make the source and the submission's metadata unreadable and the results unwritable for
    every user but root, and check it (OSError if it cannot be done)."""
    os.chown(folders.source, 0, 0)
    os.chmod(folders.source, 0o700)
    folders.results.mkdir(exist_ok=True)
    os.chown(folders.results, 0, 0)
    os.chmod(folders.results, 0o755)
    for path, forbidden in ((folders.source, 0o077), (folders.results, 0o022)):
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & forbidden:
            raise OSError(f"{path} is not a root-owned folder of mode {0o777 & ~forbidden:o}")
    hide_metadata(folders)


def hide_metadata(folders: Folders) -> None:
    """``submission_metadata.json`` root's, mode 0600 (it holds the students' emails and ids,
    their earlier submissions and results): OSError if it is there and cannot be hidden."""
    try:
        st = os.lstat(folders.metadata)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"{folders.metadata} is not a regular file")
    os.chown(folders.metadata, 0, 0)
    os.chmod(folders.metadata, 0o600)
    st = os.lstat(folders.metadata)
    if st.st_uid != 0 or st.st_mode & 0o077:
        raise OSError(f"{folders.metadata} could not be made root's, mode 600")


def find_notebook(folder: Path) -> Found:
    """The submitted notebook, as the batch grader chooses it (plus a subfolder's, for GitHub
    submissions); symbolic links are never followed, and flagged."""
    found = Found(None)
    for top, dirs, files in os.walk(folder):  # never follows links
        for name in dirs + files:
            path = Path(top, name)
            if path.is_symlink():
                found.flags.append(
                    f"symlink in the submission ({path.relative_to(folder)} -> "
                    f"{os.path.realpath(path)}): not followed"
                )
    exact = folder / current().notebook
    if exact.is_symlink():
        found.notes.append(
            f"{current().notebook} is a symbolic link: it was not followed, so nothing was graded"
        )
        return found
    if exact.is_file():
        found.notebook = exact
        return found
    others = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())
    nested = sorted(
        p
        for p in folder.rglob(current().notebook)
        if p.is_file()
        and not any(part.name.startswith(".") or part.is_symlink() for part in _parents(p, folder))
    )
    if len(others) == 1:
        found.notebook = others[0]
        found.notes.append(
            f"the notebook is named {others[0].name}, not {current().notebook}: graded anyway; "
            "keep the release's file name"
        )
    elif not others and len(nested) == 1:
        found.notebook = nested[0]
        found.notes.append(
            f"graded {nested[0].relative_to(folder)}: {current().notebook} is not at the top"
        )
    else:
        names = [p.relative_to(folder).as_posix() for p in others or nested]
        found.notes.append(
            f"no {current().notebook} in the submission"
            + (f" (found {', '.join(names)})" if names else "")
        )
    return found


def _parents(path: Path, top: Path) -> list[Path]:
    """``path`` and its folders below ``top``."""
    return [path, *[p for p in path.parents if top in p.parents]]


def student_id(metadata: Path) -> tuple[str, str]:
    """(the student's id, where it came from): the Gradescope user ids, joined for a group."""
    try:
        users = json.loads(metadata.read_text())["users"]
        ids = [str(i) for i in sorted(int(u["id"]) for u in users)]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return "submission", f"no user ids in {metadata} ({type(exc).__name__}): a fixed id"
    if not ids:
        return "submission", f"no users in {metadata}: a fixed id"
    return "-".join(ids), f"from {metadata.name}"
