"""nbgrader's steps that look each cell up in the gradebook, with their lookups read at once
(``autograder/course/prefetch.py``: ``plugins.autograde.OverwriteCells``, ``SaveAutoGrades``,
``plugins.feedback.GetGradesTold``), do what the same steps do with a query a cell: on the
release, on every hostile submission that is a notebook, for a student the gradebook knows and
one it does not; and ``SaveAutoGrades`` writes a student's scores all together or not at all."""

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
from nbgrader.preprocessors import SaveAutoGrades as NbgraderSaveAutoGrades
from support.corpus import release_nb

from autograder.course.out import Batch
from autograder.course.plugins.autograde import OverwriteCells, SaveAutoGrades
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


def outcome(step, nb, batch, student="ada", db_url=None):
    """What a preprocessor makes of ``nb``: the notebook and the resources, or the error."""
    resources = {
        "nbgrader": {
            "notebook": current().notebook_id,
            "assignment": current().name,
            "student": student,
            "db_url": db_url or batch.db_url,
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


def recorded(db_url: str, student: str = "ada") -> dict:
    """Every grade and comment the gradebook holds for the student: what SaveAutoGrades writes."""
    with Gradebook(db_url) as gb:
        (notebook,) = gb.find_submission(current().name, student).notebooks
        grades = {
            g.name: (g.auto_score, g.manual_score, g.needs_manual_grade) for g in notebook.grades
        }
        comments = {c.name: (c.auto_comment, c.manual_comment) for c in notebook.comments}
    return {"grades": grades, "comments": comments}


def copy_of(batch, folder, name: str) -> str:
    """A copy of the batch's gradebook (SQLite): its URL."""
    path = folder / f"{name}.db"
    path.write_bytes((batch.out / "gradebook.db").read_bytes())
    return f"sqlite:///{path}"


def verdicts_on(nb):
    """``nb`` with each check cell's output as the hidden checks leave it: a score and a failure."""
    nb = copy.deepcopy(nb)
    checks = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")
              and c.cell_type == "code"]  # fmt: skip
    for i, cell in enumerate(checks):
        if i % 2:
            cell.outputs = [
                nbformat.v4.new_output("error", ename="AssertionError", evalue="no", traceback=[])
            ]
        else:
            cell.outputs = [
                nbformat.v4.new_output("execute_result", {"text/plain": "0.5"}, execution_count=1)
            ]
    return nb


def test_autograded_scores_are_written_as_nbgrader_writes_them(batch, notebooks, tmp_path):
    names = ["release", "deleted_test_cell", "retyped_cell", "changed_metadata", "reordered_cells",
             "duplicated_cell", "deleted_answer_cell"]  # fmt: skip
    refused = set()
    for name in names:
        nb = verdicts_on(notebooks[name])
        ours, theirs = (
            copy_of(batch, tmp_path, f"{name}-ours"),
            copy_of(batch, tmp_path, f"{name}-theirs"),
        )
        ours_done = outcome(SaveAutoGrades, nb, batch, db_url=ours)
        theirs_done = outcome(NbgraderSaveAutoGrades, nb, batch, db_url=theirs)
        assert ours_done[0] == theirs_done[0], name
        if isinstance(ours_done[1], str):  # refused: nbgrader's kept the cells before; ours none
            assert recorded(ours) == recorded(batch.db_url), name
            refused.add(name)
        else:
            assert recorded(ours) == recorded(theirs), name
            assert recorded(ours) != recorded(batch.db_url), name  # the step did write
    assert "release" not in refused and len(refused) < len(names) / 2, refused


def test_autograded_scores_are_written_all_together_or_not_at_all(batch, notebooks, tmp_path):
    nb = verdicts_on(notebooks["release"])
    unknown = copy.deepcopy(next(c for c in nb.cells if c.cell_type == "code"
                                 and c.metadata.get("nbgrader", {}).get("grade")))  # fmt: skip
    unknown.metadata.nbgrader.grade_id = "not_in_the_gradebook"
    nb.cells.append(unknown)  # its lookup fails, after every other cell's score was written
    ours, theirs = copy_of(batch, tmp_path, "ours"), copy_of(batch, tmp_path, "theirs")
    assert outcome(SaveAutoGrades, nb, batch, db_url=ours)[0] == "MissingEntry"
    assert outcome(NbgraderSaveAutoGrades, nb, batch, db_url=theirs)[0] == "MissingEntry"
    assert recorded(ours) == recorded(batch.db_url)
    assert recorded(theirs) != recorded(batch.db_url)  # nbgrader's commits a cell at a time
