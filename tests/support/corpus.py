"""Build submissions for the tests: the reference or the release with cells changed."""

from __future__ import annotations

import copy
import functools
import re

import nbformat

from autograder.grading import SubmissionResult, grade_notebook
from autograder.grading.reference import grade_id
from autograder.layout import Assignment
from support.paths import BATCHNORM


def reference_nb(assignment: Assignment = BATCHNORM):
    """The instructor's notebook, as a student who solved everything would submit it."""
    return nbformat.read(assignment.source_notebook, as_version=4)


def release_nb(assignment: Assignment = BATCHNORM):
    """The blank release, as a student who did nothing would submit it."""
    return nbformat.read(assignment.release_notebook, as_version=4)


def without_markers(source: str) -> str:
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|$)", "", source)


@functools.cache
def _student_nb(assignment: Assignment = BATCHNORM):
    nb = release_nb(assignment)
    ref = {grade_id(c): c.source for c in reference_nb(assignment).cells if grade_id(c)}
    for c in nb.cells:
        gid = grade_id(c)
        if gid.endswith("_answer") or (gid.startswith("inline_question_") and "prompt" not in gid):
            c.source = without_markers(ref[gid])
    return nb


def student_nb(assignment: Assignment = BATCHNORM):
    """The release with every stub filled with the reference's code and the questions
    answered: a full submission as a student's notebook really looks, release metadata and
    all (the reference notebook itself has the source's metadata, which students never have)."""
    return copy.deepcopy(_student_nb(assignment))


def cell(nb, gid: str):
    (found,) = [c for c in nb.cells if grade_id(c) == gid]
    return found


def with_answers(replacements: dict[str, str], base=None, extra: list[tuple[int, str]] = ()):
    """A copy of ``base`` (default: ``student_nb()``) with answer cells' sources replaced.

    ``replacements`` maps an answer cell's grade_id (e.g. ``"batchnorm_forward_answer"``) to
    its new source; ``extra`` inserts new student cells (position, source).
    """
    nb = copy.deepcopy(base if base is not None else student_nb())
    for gid, source in replacements.items():
        cell(nb, gid).source = source
    for position, source in sorted(extra, reverse=True):
        nb.cells.insert(position, nbformat.v4.new_code_cell(source))
    return nb


def grade(nb, seed: int = 1) -> SubmissionResult:
    """Grade through the real path (sandbox + trusted comparison), without nbgrader."""
    return grade_notebook(nb, seed=seed)


def answer_source(gid: str) -> str:
    """The reference's source of an answer cell, to edit into a variant."""
    return cell(reference_nb(), gid).source


def edit(source: str, *changes: tuple[str, str]) -> str:
    """``source`` with each (old, new) applied; ``old`` must be in it."""
    for old, new in changes:
        if old not in source:
            raise ValueError(f"not in the source: {old!r}")
        source = source.replace(old, new)
    return source
