"""Who is who in the LMS: the roster (Canvas's own gradebook export, or a plain list of logins)
and the mapping from the kit's student ids to LMS logins.

**Canvas's gradebook export** (*Grades → Export → Export Entire Gradebook*) starts with
``Student, ID, SIS User ID, SIS Login ID, Section`` (``SIS User ID`` only when the exporting user
may see SIS ids; ``Integration ID`` and ``Root Account`` may follow it), then custom columns,
the assignments (``Title (id)``) and read-only totals. Its second row is ``    Points
Possible``; a row with neither name nor ID (muted assignments' "Manual Posting") may come
before it; the course's test student (``Student, Test``, Canvas's Student View) is no student.
Those rows are skipped; every other row is a student, known by its ``SIS Login ID`` (one
without is reported, never matched).

**A plain roster** (Moodle, Blackboard): a CSV with a login column, ``Username`` (Blackboard's
Grade Center export, Moodle's user export) or ``login``; other columns are ignored.

**The mapping** (``--map FILE``): a CSV with the columns ``student_id`` (the kit's, nbgrader's
id: the submission's folder name) and ``login`` (the student's SIS Login ID in Canvas, username
in Moodle or Blackboard), for the students whose ids are not their logins. Everyone else's
login is their student id. Logins are matched regardless of case.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The identity columns of Canvas's gradebook, as its export writes them and its import reads
them (``SIS User ID`` may be missing from an export)."""
POINTS_POSSIBLE = "Points Possible"
TEST_STUDENT = "Student, Test"
LOGIN_COLUMNS = ("SIS Login ID", "Username", "login")


class LmsError(ValueError):
    """A roster or mapping that cannot be read as one; says which file and why."""


@dataclass(frozen=True)
class Person:
    """One student of the roster: their login and the LMS's other columns about them (Canvas:
    ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``)."""

    login: str
    fields: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def name(self) -> str:
        return self.fields.get("Student", "")


@dataclass
class Roster:
    """The students of the LMS, and (Canvas) the gradebook's assignment columns."""

    path: Path
    people: list[Person]
    canvas: bool
    assignments: list[str] = field(default_factory=list)

    def find(self, login: str) -> Person | None:
        """The student of this login (none for an empty one)."""
        wanted = login.casefold()
        return next((p for p in self.people if wanted and p.login.casefold() == wanted), None)


def _rows(path: Path) -> list[list[str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return [row for row in csv.reader(f) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LmsError(f"{path}: cannot read it as a CSV file: {exc}") from None


def read_roster(path: Path) -> Roster:
    """The roster in ``path``: Canvas's gradebook export when its header has Canvas's columns,
    else a plain list with a login column (LmsError when it has neither)."""
    rows = _rows(path)
    if not rows:
        raise LmsError(f"{path}: empty")
    header = [cell.strip() for cell in rows[0]]
    canvas = all(c in header for c in CANVAS_COLUMNS if c != "SIS User ID")
    login = "SIS Login ID" if canvas else next((c for c in LOGIN_COLUMNS if c in header), None)
    if login is None:
        raise LmsError(
            f"{path}: no login column: Canvas's gradebook export (Grades > Export) has "
            f"{', '.join(CANVAS_COLUMNS)}; a plain roster needs one of {', '.join(LOGIN_COLUMNS)}"
        )
    people, seen = [], set()
    for row in rows[1:]:
        fields = dict(zip(header, (cell.strip() for cell in row), strict=False))
        if canvas and _not_a_student(fields):
            continue
        person = Person(fields.get(login, ""), fields)
        if person.login and person.login.casefold() in seen:
            raise LmsError(f"{path}: the {login} {person.login!r} is there twice")
        seen.add(person.login.casefold())
        people.append(person)
    start = header.index("Section") + 1 if canvas else len(header)
    return Roster(path, people, canvas, header[start:])


def _not_a_student(fields: dict[str, str]) -> bool:
    """Canvas's rows that are not students: Points Possible, the posting row, the test
    student."""
    name = fields.get("Student", "")
    return name == POINTS_POSSIBLE or not (name or fields.get("ID")) or name == TEST_STUDENT


def read_mapping(path: Path | None) -> dict[str, str]:
    """student id -> login, from a ``--map`` CSV (empty without one)."""
    if path is None:
        return {}
    rows = _rows(path)
    header = [cell.strip() for cell in rows[0]] if rows else []
    if "student_id" not in header or "login" not in header:
        raise LmsError(f"{path}: a mapping's header is student_id,login")
    found: dict[str, str] = {}
    for row in rows[1:]:
        fields = dict(zip(header, (cell.strip() for cell in row), strict=False))
        student, login = fields.get("student_id", ""), fields.get("login", "")
        if not student or not login:
            raise LmsError(f"{path}: a row without a student_id or a login: {','.join(row)}")
        if student in found:
            raise LmsError(f"{path}: the student_id {student!r} is there twice")
        found[student] = login
    logins = [login.casefold() for login in found.values()]
    twice = sorted({login for login in logins if logins.count(login) > 1})
    if twice:
        raise LmsError(f"{path}: two students mapped to one login: {', '.join(twice)}")
    return found
