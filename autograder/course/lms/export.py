"""The grades as an LMS imports them, from ``OUT/grades.csv`` (which ``export`` has just written
from the gradebook), and every student who is in only one of OUT and the roster.

- ``OUT/canvas.csv`` (``--lms canvas``): Canvas's gradebook import, ``Student, ID, SIS User ID,
  SIS Login ID, Section`` and the assignment's column, the row ``    Points Possible`` second
  (as Canvas's own export writes it), then one row per matched student with their total. The
  identity columns are copied from the roster, so Canvas finds each student as it exported them.
- ``OUT/lms.csv`` (``--lms plain``, for Moodle and Blackboard): ``Username, student_id, score,
  max_score``, one row per graded student (matched with the roster when one is given).
  ``Username`` is the login (Blackboard's Grade Center finds students by that column);
  ``--column NAME`` names the score's column (Blackboard: ``Name |id`` updates a column).
- ``OUT/lms_unmatched.csv``: ``list, student_id, login, name, why``: each student in OUT only,
  in the roster only, or not graded (no score is written for them: an empty cell would erase a
  score in some LMSs). The same lines go to stderr.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ...access import atomic_write
from ...layout import current
from .roster import (
    CANVAS_COLUMNS,
    POINTS_POSSIBLE,
    LmsError,
    Person,
    Roster,
    read_mapping,
    read_roster,
)

CANVAS_FILE = "canvas.csv"
PLAIN_FILE = "lms.csv"
UNMATCHED_FILE = "lms_unmatched.csv"
PLAIN_COLUMNS = ("Username", "student_id", "score", "max_score")
UNMATCHED_COLUMNS = ("list", "student_id", "login", "name", "why")
LMS_KINDS = ("canvas", "plain")


@dataclass(frozen=True)
class LmsRequest:
    """What ``export --lms`` was asked: the LMS, its roster, the id -> login mapping, and the
    column of the scores (Canvas, None: the roster's column of this assignment, else a new
    one; plain, None: ``score``)."""

    lms: str
    roster: Roster | None
    mapping: dict[str, str]
    column: str | None = None

    @classmethod
    def read(
        cls, lms: str, roster: Path | None, mapping: Path | None, column: str | None
    ) -> LmsRequest:
        """The request, its files read (LmsError names what is wrong with one)."""
        if lms not in LMS_KINDS:
            raise LmsError(f"--lms {lms}: one of {', '.join(LMS_KINDS)}")
        found = read_roster(roster) if roster is not None else None
        if lms == "canvas" and (found is None or not found.canvas):
            raise LmsError(
                "--lms canvas needs --roster: the course's gradebook exported from Canvas "
                "(Grades > Export > Export Entire Gradebook)"
            )
        return cls(lms, found, read_mapping(mapping), column)


@dataclass(frozen=True)
class Graded:
    """A row of grades.csv: a student's total, or why there is none."""

    student_id: str
    graded: bool
    total: str
    max_total: str
    waiting: bool = False
    """Some written answer has no TA's score yet: the total counts what is graded so far."""


@dataclass(frozen=True)
class Unmatched:
    """A student in one list only, or without a score, and why."""

    list: str
    student_id: str
    login: str
    name: str
    why: str


@dataclass
class Matching:
    matched: list[tuple[Graded, str, Person | None]]
    unmatched: list[Unmatched]


def read_grades(out: Path) -> list[Graded]:
    """The rows of grades.csv."""
    from ..gradebook import manual_points

    written = list(manual_points())
    with open(out / "grades.csv", newline="") as f:
        return [
            Graded(
                r["student_id"],
                r["status"] == "graded",
                r["total"],
                r["max_total"],
                r["status"] == "graded" and any(r.get(w) == "" for w in written),
            )
            for r in csv.DictReader(f)
        ]


def match(grades: list[Graded], request: LmsRequest) -> Matching:
    """Each graded student with their login and roster row; everyone left over, with why."""
    roster, found = request.roster, Matching([], [])
    used: dict[str, str] = {}
    for g in grades:
        login = request.mapping.get(g.student_id, g.student_id)
        person = roster.find(login) if roster is not None else None
        name = person.name if person else ""
        if roster is not None and person is None:
            why = f"no roster row has the login {login!r}: map the id to one with --map"
            found.unmatched.append(Unmatched("OUT only", g.student_id, login, "", why))
        elif login.casefold() in used:
            why = f"the login {login!r} is {used[login.casefold()]}'s already"
            found.unmatched.append(Unmatched("OUT only", g.student_id, login, name, why))
        elif not g.graded:
            why = "not graded (results.json says why): no score is written"
            found.unmatched.append(Unmatched("not graded", g.student_id, login, name, why))
        else:
            found.matched.append((g, login, person))
        used.setdefault(login.casefold(), g.student_id)
    for person in roster.people if roster is not None else []:
        if person.login.casefold() not in used:
            why = "no SIS Login ID in the roster" if not person.login else "nothing graded in OUT"
            found.unmatched.append(Unmatched("roster only", "", person.login, person.name, why))
    ids = {g.student_id for g in grades}
    for student, login in sorted(request.mapping.items()):
        if student not in ids:
            why = "in --map, not in OUT"
            found.unmatched.append(Unmatched("mapping only", student, login, "", why))
    return found


def canvas_column(roster: Roster, wanted: str | None) -> str:
    """The column to fill: ``wanted``; else the roster's column of this assignment (its title,
    without Canvas's ``(id)``, is the assignment's name or its notebook's, ignoring case and
    spaces), which Canvas's import updates; else
    the assignment's name, which Canvas's import makes a new assignment of."""
    if wanted:
        return wanted
    names = {_key(current().name), _key(current().notebook_id)}
    for column in roster.assignments:
        if _key(re.sub(r"\(\d+\)$", "", column)) in names:
            return column
    return current().name


def _key(title: str) -> str:
    """A title compared without case or spaces: "Batch Normalization" is BatchNormalization."""
    return re.sub(r"\s+", "", title).casefold()


def write_lms(out: Path, request: LmsRequest) -> int:
    """Write the LMS's file and the unmatched students' (always: empty when all matched)."""
    found = match(read_grades(out), request)
    if request.lms == "canvas":
        assert request.roster is not None
        column = canvas_column(request.roster, request.column)
        path = out / CANVAS_FILE
        atomic_write(path, canvas_csv(found, column))
        what = f"column {column!r}"
    else:
        path = out / PLAIN_FILE
        header = [(request.column or c) if c == "score" else c for c in PLAIN_COLUMNS]
        rows = [[login, g.student_id, g.total, g.max_total] for g, login, _ in found.matched]
        atomic_write(path, _csv(header, rows))
        what = f"columns {', '.join(header)}"
    left = [[getattr(u, c) for c in UNMATCHED_COLUMNS] for u in found.unmatched]
    atomic_write(out / UNMATCHED_FILE, _csv(UNMATCHED_COLUMNS, left))
    print(f"wrote {path}: {len(found.matched)} student(s), {what}")
    for u in found.unmatched:
        who = (u.student_id or u.login or u.name) + (f" ({u.name})" if u.name else "")
        print(f"warning: {u.list}: {who}: {u.why}", file=sys.stderr)
    waiting = [g.student_id for g, *_ in found.matched if g.waiting]
    if waiting:
        print(
            f"warning: {len(waiting)} student(s) have written answers no TA has scored yet; "
            f"their total counts what is graded so far: {', '.join(waiting)}",
            file=sys.stderr,
        )
    if found.unmatched:
        listed = out / UNMATCHED_FILE
        print(f"{len(found.unmatched)} student(s) listed in {listed}", file=sys.stderr)
    return 0


def canvas_csv(found: Matching, column: str) -> str:
    """Canvas's gradebook CSV: its identity columns, the assignment's, Points Possible second."""
    possible = max((float(g.max_total) for g, *_ in found.matched), default=None)
    rows = [[f"    {POINTS_POSSIBLE}", "", "", "", "", "" if possible is None else f"{possible:g}"]]
    for g, _, person in found.matched:
        assert person is not None
        rows.append([person.fields.get(c, "") for c in CANVAS_COLUMNS] + [g.total])
    return _csv((*CANVAS_COLUMNS, column), rows)


def _csv(header, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
