"""Helpers shared by the case modules: write a notebook, edit cells of the reference."""

from __future__ import annotations

from pathlib import Path

import nbformat
from support.corpus import (
    answer_source,
    cell,
    edit,
    reference_nb,
    release_nb,
    student_nb,
    with_answers,
)
from support.paths import NOTEBOOK, SOURCE_DIR

from autograder.grading.reference import grade_id

SOURCE_NOTEBOOK = SOURCE_DIR / NOTEBOOK
"""The instructor's notebook (reference solutions and hidden-test markers), on this machine."""


def submission(replacements: dict[str, str] | None = None, extra=()):
    """``student_nb()`` with answer cells replaced (grade_id -> whole new source)."""
    return with_answers(replacements or {}, base=student_nb(), extra=extra)


def write(nb, dest: Path, name: str = NOTEBOOK) -> None:
    nbformat.write(nb, Path(dest) / name)


def index_of(nb, gid: str) -> int:
    (found,) = [i for i, c in enumerate(nb.cells) if grade_id(c) == gid]
    return found


def insert_after(nb, gid: str, source: str) -> None:
    """A new student cell right after the cell ``gid``."""
    nb.cells.insert(index_of(nb, gid) + 1, nbformat.v4.new_code_cell(source))


def append_cell(nb, source: str) -> None:
    nb.cells.append(nbformat.v4.new_code_cell(source))


def guess(name: str) -> str:
    """A wrong ``(dout, cache) -> (dx, dgamma, dbeta)`` backward: every output is wrong, so the
    task deserves exactly zero whatever else its cell does."""
    return f'''\
def {name}(dout, cache):
    """A guess: dx = dout, zero parameter gradients."""
    D = dout.shape[1]
    return dout.copy(), np.zeros(D), np.zeros(D)
'''


__all__ = [
    "NOTEBOOK",
    "SOURCE_NOTEBOOK",
    "answer_source",
    "append_cell",
    "cell",
    "edit",
    "guess",
    "index_of",
    "insert_after",
    "reference_nb",
    "release_nb",
    "student_nb",
    "submission",
    "with_answers",
    "write",
]
