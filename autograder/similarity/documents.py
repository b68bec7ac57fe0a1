"""What is compared: each student's answer cells, each known public solution, and the release's
stubs that everyone starts from.

A student's *document* is their answer cells (grade_id ``<task>_answer``), as grading reads them
(the notebook's metadata repaired first, ``grading.sanitize``), joined in notebook order. Cells
of their own, check cells and written answers are not compared. A reference is a file of the
``--reference`` folder: a notebook of the assignment (its answer cells) or a ``.py`` file (whole).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.reference import answer_cells, grade_id
from ..layout import current

SEPARATOR = "\n\n"


@dataclass
class Document:
    """Named pieces of code (an answer cell's grade_id, or a file's name) joined into one text;
    a stretch of the text is found back in its pieces with :meth:`split`."""

    name: str
    pieces: dict[str, str]
    text: str = field(init=False)
    starts: list[tuple[int, str]] = field(init=False)

    def __post_init__(self) -> None:
        parts, self.starts, at = [], [], 0
        for piece, source in self.pieces.items():
            self.starts.append((at, piece))
            parts.append(source)
            at += len(source) + len(SEPARATOR)
        self.text = SEPARATOR.join(parts)

    def split(self, start: int, end: int) -> list[tuple[str, int, int]]:
        """Characters ``start:end`` of the text as (piece, start, end) within each piece they
        cross (a match may run from the end of one cell into the next)."""
        found = []
        for at, piece in self.starts:
            lo, hi = max(start, at), min(end, at + len(self.pieces[piece]))
            if lo < hi:
                found.append((piece, lo - at, hi - at))
        return found


def notebook_pieces(path: Path) -> dict[str, str]:
    """The answer cells of a notebook, grade_id -> source (ValueError when it cannot be read)."""
    from ..grading import read_notebook
    from ..grading.sanitize import repair

    nb = read_notebook(path)
    repair(nb)
    return {grade_id(c): c.source for c in answer_cells(nb) if c.source.strip()}


def release_stubs() -> list[str]:
    """The release's answer cells: the code every student is given (boilerplate)."""
    return list(notebook_pieces(current().release_notebook).values())


def students(out: Path) -> tuple[list[Document], dict[str, str]]:
    """The documents of the students OUT graded (``students.json``), from the notebooks staged
    in OUT's course, and the students left out, with why."""
    from ..course.out import submitted_path
    from ..course.roster import load

    documents, skipped = [], {}
    for student in load(out):
        staged = submitted_path(out / "course", student.id)
        if not staged.is_file():
            skipped[student.id] = "no notebook was submitted"
            continue
        try:
            pieces = notebook_pieces(staged)
        except ValueError as exc:
            skipped[student.id] = str(exc)
            continue
        if not pieces:
            skipped[student.id] = "no answer cell holds code"
            continue
        documents.append(Document(student.id, pieces))
    return documents, skipped


def references(folder: Path | None) -> tuple[list[Document], dict[str, str]]:
    """The known solutions of ``folder`` (recursively: this assignment's notebooks and ``.py``
    files), named ``reference:<path in the folder>``, and the files left out, with why."""
    if folder is None:
        return [], {}
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    from ..grading import read_notebook

    wanted = {grade_id(c) for c in answer_cells(read_notebook(current().release_notebook))}
    documents, skipped = [], {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = f"reference:{path.relative_to(folder)}"
        if path.suffix == ".py":
            documents.append(Document(name, {path.name: path.read_text(errors="replace")}))
        elif path.suffix == ".ipynb":
            try:
                pieces = notebook_pieces(path) if _has_cells(path, wanted) else {}
            except ValueError as exc:
                skipped[name] = str(exc)
                continue
            if pieces:
                documents.append(Document(name, pieces))
            else:
                skipped[name] = f"not a notebook of {current().name} (none of its answer cells)"
    return documents, skipped


def _has_cells(path: Path, wanted: set[str]) -> bool:
    """Whether a notebook has a cell of one of these grade_ids."""
    try:
        cells = json.loads(path.read_text(errors="replace")).get("cells", [])
    except (ValueError, AttributeError):
        return False
    return any(grade_id(c) in wanted for c in cells if isinstance(c, dict))
