"""Students and their notebooks: a folder per student, or nbgrader's ``submitted/`` tree."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..layout import current


@dataclass
class Student:
    id: str
    notebook: Path | None  # the submitted file, or None
    notes: list[str]
    flags: list[str] = field(default_factory=list)


def valid_student_id(name: str) -> bool:
    return (
        bool(name) and not name.startswith(".") and all(ch.isalnum() or ch in "-_.@" for ch in name)
    )


def submitted_notebooks(submissions: Path) -> set[str]:
    """The file names of the notebooks in the submissions (and the assignment folders of
    nbgrader's submitted/ tree, as ``<name>/``): what tells the assignment they are for."""
    root = submissions / "submitted" if (submissions / "submitted").is_dir() else submissions
    found: set[str] = set()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        for path in folder.glob("*.ipynb"):
            found.add(path.name)
        for inner in folder.iterdir():
            if inner.is_dir() and not inner.is_symlink():
                found.update(p.name for p in inner.glob("*.ipynb"))
    return found


def collect(submissions: Path) -> list[Student]:
    """Students and their notebooks, from a folder per student or nbgrader's submitted/ tree."""
    root = submissions / "submitted" if (submissions / "submitted").is_dir() else submissions
    students = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() or p.is_symlink()):
        if not valid_student_id(folder.name):
            print(f"skipped {folder.name!r}: not a student id", file=sys.stderr)
            continue
        base = folder / current().name if (folder / current().name).is_dir() else folder
        notes, flags = [], []
        chosen: Path | None = base / current().notebook
        links = [p for p in (folder, base, base / current().notebook) if p.is_symlink()]
        if not links and folder.is_dir():
            for top, dirs, files in os.walk(folder):  # never follows links
                for name in dirs + files:
                    path = Path(top, name)
                    if path.is_symlink():
                        target = os.path.realpath(path)
                        flags.append(
                            f"symlink in the submission ({name} -> {target}): not followed"
                        )
        if links:
            target = os.path.realpath(links[0])
            flags.append(f"symlink in the submission ({links[0].name} -> {target}): not followed")
            notes.append(
                f"{links[0].name} is a symbolic link: it was not followed, so nothing was graded"
            )
            chosen = None
        elif chosen is not None and not chosen.is_file():
            others = sorted(p for p in base.glob("*.ipynb") if p.is_file() and not p.is_symlink())
            if len(others) == 1:
                notes.append(
                    f"the notebook is named {others[0].name}, not {current().notebook}: "
                    "graded anyway; keep the release's file name"
                )
                chosen = others[0]
            else:
                notes.append(
                    f"no {current().notebook} in the submission"
                    + (f" (found {', '.join(p.name for p in others)})" if others else "")
                )
                chosen = None
        students.append(Student(folder.name, chosen, notes, flags))
    return students
