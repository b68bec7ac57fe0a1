"""nbgrader's autograde: the kit's sanitize steps (``RepairMetadata``, ``OverwriteCells``), the
hidden checks that take the place of nbgrader's ``Execute`` (``HiddenChecks``) and the scores'
one commit (``SaveAutoGrades``), named in
``nbgrader_config.py``'s ``Autograde.sanitize_preprocessors`` and
``Autograde.autograde_preprocessors``."""

from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.preprocessors import OverwriteCells as NbgraderOverwriteCells
from nbgrader.preprocessors import SaveAutoGrades as NbgraderSaveAutoGrades
from traitlets import Bool, Unicode

from ..prefetch import ReadOnce


class RepairMetadata(NbGraderPreprocessor):
    """First sanitize step: the release's nbgrader metadata back on every known cell."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from ...grading.sanitize import repair

        for note in repair(nb):
            self.log.warning(note)
        return nb, resources


class OverwriteCells(ReadOnce, NbgraderOverwriteCells):
    """nbgrader's ``OverwriteCells``, with the notebook's source and graded cells read from the
    gradebook in a few queries, not one or two a cell (``course/prefetch.py``)."""


class SaveAutoGrades(ReadOnce, NbgraderSaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, with the student's grades and comments read in a few
    queries and written in one commit at the notebook's end, not one of each a cell: a
    student's autograded scores are in the gradebook all together or not at all."""

    _student_scoped = True
    _one_commit = True


class HiddenChecks(NbGraderPreprocessor):
    """Replaces nbgrader's ``Execute`` in ``Autograde``: grade outside the student's kernel.

    The student's code runs in the sandbox (``grading.grade_notebook``); each check cell gets
    the verdict as its output (the feedback text on stdout, then the score as the cell's
    result), which nbgrader's ``SaveAutoGrades`` records as partial credit. The student's own
    outputs, plots included, are left for the TA; nothing is executed in a Jupyter kernel.
    """

    enabled = Bool(True)
    results_dir = Unicode(
        "", help="Folder of per-student results (<student>.json); also read as a cache."
    ).tag(config=True)
    secret_file = Unicode(
        "",
        help="File holding the secret that seeds the hidden inputs (made if missing; "
        "default: grading_secret in the course folder).",
    ).tag(config=True)
    isolation = Unicode(
        "bubblewrap",
        help="How the student's code is isolated: bubblewrap, uid or none (trusted code only). "
        "When it is not available, grading fails instead of falling back.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        from ...grading import grade_cached
        from ...grading.inputs import load_secret

        student = resources["nbgrader"]["student"]
        secret = load_secret(self._secret_path())
        cache = Path(self.results_dir) / f"{student}.json" if self.results_dir else None
        result = grade_cached(self._submitted(resources), student, secret, cache, self.isolation)
        write_verdicts(nb, result)
        return nb, resources

    def _secret_path(self) -> Path:
        from nbgrader.coursedir import CourseDirectory

        if self.secret_file:
            return Path(self.secret_file)
        return Path(CourseDirectory(config=self.config).root) / "grading_secret"

    def _submitted(self, resources):
        """The notebook as the student submitted it: what the hidden checks grade.

        nbgrader's sanitize steps put deleted check cells back and restore edited ones; the
        grader makes its own repairs (sanitize.repair) and notes them for the student, so
        it reads the submitted file, and only the verdicts go into nbgrader's notebook.
        """
        from nbgrader.coursedir import CourseDirectory

        from ...grading import read_notebook

        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(
            coursedir.submitted_directory, info["student"], info["assignment"]
        )
        return read_notebook(Path(folder) / f"{info['notebook']}.ipynb")


def write_verdicts(nb, result) -> None:
    """Each check cell's outputs become its task's feedback and score."""
    from ...grading.feedback import WIDTH, task_text

    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        task = meta.get("grade_id")
        if cell.cell_type != "code" or not meta.get("grade") or task not in result.tasks:
            continue
        task_result = result.tasks[task]
        cell.outputs = [
            nbformat.v4.new_output(
                "stream",
                name="stdout",
                text=task_text(task, task_result, score=False, width=WIDTH) + "\n",
            ),
            nbformat.v4.new_output(
                "execute_result",
                data={"text/plain": f"{task_result.score:g}"},
                execution_count=None,
            ),
        ]
