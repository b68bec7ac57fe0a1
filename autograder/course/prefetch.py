"""For nbgrader's steps that look every cell up in the gradebook: the lookups read in a few
queries instead of one or two a cell (:class:`ReadOnce`). Three steps use it:
``plugins/autograde.py``'s ``OverwriteCells`` (autograde's sanitizing: each graded cell against
the release's) and ``SaveAutoGrades`` (each check cell's score and each answer's comment,
written in one commit, not one a cell), and ``plugins/feedback.py``'s ``GetGradesTold`` (the
feedback page: each cell's grade and comment).

Each query SQLAlchemy builds costs a millisecond or so, whatever it finds; a notebook of some
sixty graded cells made these two steps a fifth of a student's nbgrader time. The answers are
nbgrader's own: the rows its ``Gradebook.find_*`` methods would return (the same objects, from
the same session), a grade or task cell looked up in nbgrader's order, and the same
``MissingEntry`` for a name the gradebook does not know. Only ``SaveAutoGrades`` writes, and
what it writes is nbgrader's.
"""

from __future__ import annotations

from nbgrader import api


class _Cells:
    """A gradebook whose lookups of one notebook's cells (or of one student's grades and comments
    in it) come from a few queries made once; every other call goes to the gradebook."""

    def __init__(
        self,
        gradebook: api.Gradebook,
        notebook: str,
        assignment: str,
        student=None,
        one_commit: bool = False,
    ):
        self.gradebook = gradebook
        self._notebook, self._assignment, self._student = notebook, assignment, student
        self._read: dict[str, dict] = {}
        if one_commit:
            self.db = _Flushing(gradebook.db)

    def __getattr__(self, name):
        return getattr(self.gradebook, name)

    def _ours(self, notebook: str, assignment: str, student=None) -> bool:
        return (notebook, assignment, student) == (self._notebook, self._assignment, self._student)

    def _cells(self, kind) -> dict:
        """The notebook's cells of one kind (``SourceCell``, ``GradeCell``, ``TaskCell``), by
        name."""
        if kind.__name__ not in self._read:
            rows = (
                self.gradebook.db.query(kind)
                .join(api.Notebook, api.Notebook.id == kind.notebook_id)
                .join(api.Assignment, api.Assignment.id == api.Notebook.assignment_id)
                .filter(
                    api.Notebook.name == self._notebook, api.Assignment.name == self._assignment
                )
                .all()
            )
            self._read[kind.__name__] = {cell.name: cell for cell in rows}
        return self._read[kind.__name__]

    def _of_student(self, row, cell) -> dict:
        """The student's grades (``row``: ``Grade``) or comments (``Comment``) in the notebook,
        by the name of their cell of one kind (``cell``)."""
        key = f"{row.__name__}/{cell.__name__}"
        if key not in self._read:
            rows = (
                through_submission(
                    self.gradebook.db.query(row, cell.name)
                    .join(cell, cell.id == row.cell_id)
                    .join(api.SubmittedNotebook, api.SubmittedNotebook.id == row.notebook_id)
                )
                .filter(
                    api.Notebook.name == self._notebook,
                    api.Assignment.name == self._assignment,
                    api.Student.id == self._student,
                )
                .all()
            )
            self._read[key] = {name: found for found, name in rows}
        return self._read[key]

    def find_source_cell(self, name: str, notebook: str, assignment: str):
        if not self._ours(notebook, assignment):
            return self.gradebook.find_source_cell(name, notebook, assignment)
        try:
            return self._cells(api.SourceCell)[name]
        except KeyError:
            raise api.MissingEntry(f"No such source cell: {assignment}/{notebook}/{name}") from None

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        if not self._ours(notebook, assignment):
            return self.gradebook.find_graded_cell(name, notebook, assignment)
        found = _first(name, (self._cells(kind) for kind in (api.GradeCell, api.TaskCell)))
        if found is None:
            raise api.MissingEntry(f"No such grade cell: {assignment}/{notebook}/{name}")
        return found

    def find_grade(self, grade_cell: str, notebook: str, assignment: str, student: str):
        if not self._ours(notebook, assignment, student):
            return self.gradebook.find_grade(grade_cell, notebook, assignment, student)
        return self._student_row(
            api.Grade, (api.GradeCell, api.TaskCell), grade_cell,
            f"No such grade: {assignment}/{notebook}/{grade_cell} for {student}",
        )  # fmt: skip

    def find_comment(self, solution_cell: str, notebook: str, assignment: str, student: str):
        if not self._ours(notebook, assignment, student):
            return self.gradebook.find_comment(solution_cell, notebook, assignment, student)
        return self._student_row(
            api.Comment, (api.SolutionCell, api.TaskCell), solution_cell,
            f"No such taskcomment: {assignment}/{notebook}/{solution_cell} for {student}",
        )  # fmt: skip

    def _student_row(self, row, kinds, name: str, missing: str):
        """The student's ``row`` (``Grade`` or ``Comment``) of the cell ``name``, looked for in
        the cells of ``kinds`` in nbgrader's order; nbgrader's ``MissingEntry`` (``missing``)
        when none has it."""
        found = _first(name, (self._of_student(row, kind) for kind in kinds))
        if found is None:
            raise api.MissingEntry(missing)
        return found


class _Flushing:
    """A gradebook session whose ``commit`` only flushes: the step commits once, at its end."""

    def __init__(self, session):
        self._session = session

    def __getattr__(self, name):
        return getattr(self._session, name)

    def commit(self) -> None:
        self._session.flush()


def through_submission(query):
    """``query``, which reaches ``SubmittedNotebook``, joined on to its notebook, the submission,
    the assignment and the student: what a filter on their names needs."""
    return (
        query.join(api.Notebook, api.Notebook.id == api.SubmittedNotebook.notebook_id)
        .join(
            api.SubmittedAssignment,
            api.SubmittedAssignment.id == api.SubmittedNotebook.assignment_id,
        )
        .join(api.Assignment, api.Assignment.id == api.SubmittedAssignment.assignment_id)
        .join(api.Student, api.Student.id == api.SubmittedAssignment.student_id)
    )


def _first(name: str, tables):
    """The row named ``name`` in the first of ``tables`` (read lazily, in nbgrader's order) that
    has one; None if none has."""
    for table in tables:
        if name in table:
            return table[name]
    return None


class ReadOnce:
    """For a preprocessor whose ``gradebook`` nbgrader opens in ``preprocess``: each cell sees
    :class:`_Cells` over it, made once for the notebook (and again for each gradebook: nothing
    read is kept from one ``preprocess`` to the next). ``_student_scoped``: the lookups include
    the student's grades and comments (``GetGrades``)."""

    _student_scoped = False
    _one_commit = False
    """The step's commits, one a cell, only flush; :func:`ReadOnce.preprocess_cell` commits once
    the notebook's last cell is done (``SaveAutoGrades``: all of a student's grades or none)."""

    def preprocess(self, nb, resources):
        self._last_cell = len(nb.cells) - 1
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        gradebook = self.gradebook
        cells = getattr(self, "_read_once", None)
        if cells is None or cells.gradebook is not gradebook:
            student = self.student_id if self._student_scoped else None
            cells = self._read_once = _Cells(
                gradebook, self.notebook_id, self.assignment_id, student, self._one_commit
            )
        self.gradebook = cells
        try:
            done = super().preprocess_cell(cell, resources, cell_index)
        finally:
            self.gradebook = gradebook
        if self._one_commit and cell_index == self._last_cell:
            gradebook.db.commit()
        return done
