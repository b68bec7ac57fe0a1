"""nbgrader's steps that look each cell up in the gradebook, with their lookups read at once
(``autograder/course/prefetch.py``: ``plugins.autograde.OverwriteCells``,
``plugins.feedback.GetGradesTold``), do what the same steps do with a query a cell: on the
release, on every hostile submission that is a notebook, for a student the gradebook knows and
one it does not."""

from __future__ import annotations

import copy
import json
import logging

import nbformat
import pytest
from hostile import CASES, load
from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades
from nbgrader.preprocessors import OverwriteCells as NbgraderOverwriteCells
from support.corpus import release_nb

from autograder.course.out import Batch
from autograder.course.plugins.autograde import OverwriteCells
from autograder.course.plugins.feedback import GetGradesTold
from autograder.layout import current


class GetGradesToldPerCell(GetGradesTold):
    """The kit's ``GetGradesTold`` with nbgrader's lookups, a query or two a cell."""

    def preprocess_cell(self, cell, resources, cell_index):
        return GetGrades.preprocess_cell(self, cell, resources, cell_index)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A course whose gradebook knows the assignment, and one student's submission in it, with
    an autograded score, a TA's score and a TA's comment."""
    batch = Batch(tmp_path_factory.mktemp("prefetch") / "out")
    batch.prepare()
    with Gradebook(batch.db_url) as gb:
        gb.update_or_create_student("ada")
        submission = gb.update_or_create_submission(current().name, "ada")
        (notebook,) = submission.notebooks
        grades = sorted(notebook.grades, key=lambda g: g.name)
        grades[0].auto_score = 1.5
        grades[1].manual_score = 2.0
        for comment in notebook.comments[:1]:
            comment.manual_comment = "see me"
        gb.db.commit()
    return batch


def submissions(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    found = {"release": release_nb()}
    folder = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        (folder / case).mkdir()
        load(case).build(folder / case)
        path = folder / case / current().notebook
        try:
            found[case] = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001  (not a notebook: nbgrader never sees it)
            continue
    return found


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    return submissions(tmp_path_factory)


def outcome(step, nb, batch, student="ada"):
    """What a preprocessor makes of ``nb``: the notebook and the resources, or the error."""
    resources = {
        "nbgrader": {
            "notebook": current().notebook_id,
            "assignment": current().name,
            "student": student,
            "db_url": batch.db_url,
        }
    }
    try:
        done, resources = step(config=batch.config).preprocess(copy.deepcopy(nb), resources)
    except Exception as exc:  # noqa: BLE001  (nbgrader's refusal is part of what is compared)
        return type(exc).__name__, str(exc)
    for cell in done.cells:  # a cell put back gets a random id, whoever puts it back
        cell.pop("id", None)
    return json.dumps(done, sort_keys=True, indent=1), resources


def test_overwrite_cells_sanitizes_as_nbgrader_s(batch, notebooks, caplog):
    assert len(notebooks) > 30
    refused = set()
    for name, nb in notebooks.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            ours = outcome(OverwriteCells, nb, batch)
            our_log = [r.getMessage() for r in caplog.records]
            caplog.clear()
            theirs = outcome(NbgraderOverwriteCells, nb, batch)
            their_log = [r.getMessage() for r in caplog.records]
        assert ours == theirs, name
        assert our_log == their_log, name
        if isinstance(ours[1], str):
            refused.add(name)
    assert "release" not in refused and len(refused) < len(notebooks) / 2, refused


@pytest.mark.parametrize("student", ["ada", "nobody"])
def test_feedback_grades_are_read_as_before(batch, notebooks, student):
    for name in ("release", "deleted_test_cell", "retyped_cell", "changed_metadata"):
        ours = outcome(GetGradesTold, notebooks[name], batch, student)
        theirs = outcome(GetGradesToldPerCell, notebooks[name], batch, student)
        assert ours == theirs, name
        if student == "nobody":
            assert ours[0] == "MissingEntry", ours
        elif name == "release":
            assert "see me" in ours[0] and ours[1]["nbgrader"]["score"] == 3.5
