"""``OUT/students.json``: the students a batch graded, with what was noted and flagged about
their submissions, so that ``export`` and ``merge`` work from OUT alone."""

from __future__ import annotations

import json
from pathlib import Path

from ..access import atomic_write
from .collect import Student

ROSTER = "students.json"


def save(out: Path, students: list[Student]) -> None:
    atomic_write(
        out / ROSTER,
        json.dumps(
            [
                {
                    "id": s.id,
                    "notebook": None if s.notebook is None else str(s.notebook),
                    "notes": s.notes,
                    "flags": s.flags,
                }
                for s in students
            ],
            indent=1,
        ),
    )


def load(out: Path) -> list[Student]:
    """The students of OUT's last export (ValueError when OUT has none)."""
    try:
        entries = json.loads((out / ROSTER).read_text())
    except FileNotFoundError:
        raise ValueError(
            f"{out} holds no {ROSTER}: it is not the output of a finished grade command"
        ) from None
    return [
        Student(
            e["id"],
            None if e["notebook"] is None else Path(e["notebook"]),
            list(e["notes"]),
            list(e["flags"]),
        )
        for e in entries
    ]
