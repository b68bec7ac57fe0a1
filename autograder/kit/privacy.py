"""``doctor``'s file checks: whether other users of this host can read what grading keeps
private (the reference solution, the grading secret, a grading folder OUT, the gradebook).

"Other users" are those that are neither a file's owner nor in its group: what a student's
account is on a shared host. A file is readable by them when its mode lets others read it AND
every folder above it lets others through (their execute bit): a 0644 file inside a 0700 folder
is not readable by them, and neither is anything under it. A folder is readable when others can
list it. The check reads modes only: an ACL that gives someone more is not seen.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..layout import ROOT

SHOWN = 3
"""How many readable paths a warning names."""


@dataclass
class Finding:
    what: str
    path: Path
    readable: list[Path] = field(default_factory=list)
    """Paths at or under ``path`` that other users can read (empty: none)."""
    way_in: Path | None = None
    """The highest folder above ``path``, of its owner's, that lets other users through."""

    @property
    def ok(self) -> bool:
        return not self.readable

    def __str__(self) -> str:
        if self.ok:
            return f"{self.what}: other users cannot read {self.path}"
        first = self.readable[0]
        more = len(self.readable) - 1
        named = f"{first} (mode {_mode(first):04o})"
        if more:
            named += f" and {more} more path(s) under it"
        fix = f"chmod {'700' if self.path.is_dir() else '600'} {self.path}"
        if self.path.is_dir() and first != self.path:
            fix = f"chmod 700 {self.path} (or chmod -R go-rwx {self.path})"
        text = (
            f"{self.what}: other users of this host can read {named}, and no folder above it "
            f"stops them. Fix: {fix}"
        )
        if self.way_in is not None:
            text += (
                f"; or close the folder that lets them in, {self.way_in} "
                f"(mode {_mode(self.way_in):04o}): chmod 700 {self.way_in}"
            )
        return text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def others_pass(folder: Path) -> bool:
    """Whether other users can pass through ``folder`` and every folder above it."""
    for path in [folder, *folder.parents]:
        try:
            if not path.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def readable_by_others(path: Path) -> list[Path]:
    """``path``, and what is under it, that other users can read (a file they can open, a folder
    they can list); symlinks are not followed."""
    path = Path(os.path.abspath(path))
    if not path.exists() or not others_pass(path.parent):
        return []
    found: list[Path] = []
    pending = [path]
    while pending:
        current = pending.pop()
        try:
            st = current.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            continue
        if st.st_mode & stat.S_IROTH:
            found.append(current)
        if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_IXOTH:
            try:
                pending.extend(sorted(current.iterdir(), reverse=True))
            except OSError:
                continue
    return found


def way_in(path: Path) -> Path | None:
    """The highest folder above ``path`` owned by ``path``'s owner that other users pass
    through (a home folder of mode 0755, say), if any."""
    path = Path(os.path.abspath(path))
    try:
        owner = path.stat().st_uid
    except OSError:
        return None
    highest = None
    for folder in path.parents:
        try:
            st = folder.stat()
        except OSError:
            break
        if st.st_uid != owner or folder == Path(folder.anchor) or st.st_mode & stat.S_ISVTX:
            break  # another's folder, /, or a shared one like /tmp: not the user's to close
        if st.st_mode & stat.S_IXOTH:
            highest = folder
    return highest


def check(what: str, path: Path) -> Finding:
    readable = readable_by_others(path)
    return Finding(what, Path(os.path.abspath(path)), readable, way_in(path) if readable else None)


def grading_folders(root: Path = ROOT) -> list[Path]:
    """Grading folders (a grade command's OUT) in the course's root, at most three levels
    down: ``make course``'s ``course/graded/<assignment>``, ``make demo``'s
    ``demo-out/<assignment>/grading``."""
    marks = [m for depth in ("*", "*/*", "*/*/*") for m in root.glob(f"{depth}/settings.json")]
    return sorted(m.parent for m in marks if (m.parent / ".assignment-ready").exists())


def password_in(db_url: str) -> bool:
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).password is not None
    except Exception:  # noqa: BLE001  (not a URL: nothing to say about its password)
        return False


def findings(outs: list[Path] | None = None) -> tuple[list[Finding], list[str]]:
    """What ``doctor`` reports: a finding per private path, and warnings that are no path's (a
    gradebook URL that holds a password)."""
    from sqlalchemy.engine import make_url

    from ..course.database import configured_db_url
    from ..course.settings import SettingsError, of_record

    found = [check("the reference solution (solutions/)", ROOT / "solutions")]
    for path in sorted({*ROOT.glob("*.secret"), *ROOT.glob("autograder*.zip")}):
        kind = "a grading secret" if path.suffix == ".secret" else "a Gradescope autograder zip"
        found.append(check(kind, path))
    notes = []
    url = configured_db_url()
    if url and password_in(url):
        notes.append(
            f"{ROOT / 'nbgrader_config.py'} names the gradebook with its password: keep the "
            "password in ~/.pgpass (or PGPASSWORD), not in the URL"
        )
    for out in outs if outs is not None else grading_folders():
        found.append(check("a grading folder (grades, feedback, submissions)", out))
        try:
            settings = of_record(out)
        except SettingsError:
            continue
        found.append(check("its grading secret", settings.secret_file))
        database = make_url(settings.db_url).database
        if settings.db_url.startswith("sqlite") and database:
            found.append(check("its gradebook", Path(database)))
        elif password_in(settings.db_url):
            notes.append(
                f"{out / 'settings.json'} names the gradebook with its password: keep the "
                "password in ~/.pgpass (or PGPASSWORD), not in the URL"
            )
    return found, notes
