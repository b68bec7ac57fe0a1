"""nbgrader preprocessors of the kit, named in ``nbgrader_config.py`` (its feedback exporter is
``exporter.py``)."""

import json
import re
from pathlib import Path

import jsonschema
import nbformat
from nbgrader import utils
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata
from nbgrader.preprocessors import ClearSolutions, GetGrades, NbGraderPreprocessor
from traitlets import Bool, Unicode


def task_of(cell):
    """The task id of an answer cell: its grade_id without the ``_answer`` suffix."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    return grade_id.removesuffix("_answer")


class TaskStubs(ClearSolutions):
    """nbgrader's ClearSolutions, with a stub that names the cell's task.

    Every ``### BEGIN SOLUTION`` region of an answer cell becomes
    ``raise NotImplementedError("<task>: ...")`` so that a student who runs a
    check before writing the code reads which task is missing.
    """

    stub_template = (
        "# YOUR CODE HERE\n"
        'raise NotImplementedError("{task}: not implemented yet; write it where this cell says '
        'YOUR CODE HERE")'
    )

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_solution(cell):
            return super().preprocess_cell(cell, resources, cell_index)
        language = resources["language"]
        generic = self.code_stub[language]
        self.code_stub = {**self.code_stub, language: self.stub_template.format(task=task_of(cell))}
        try:
            return super().preprocess_cell(cell, resources, cell_index)
        finally:
            self.code_stub = {**self.code_stub, language: generic}


class HelpersDigest(NbGraderPreprocessor):
    """generate_assignment: the SHA-256 of the helpers' archive into the helpers cell's
    ``HELPERS_SHA256 = "..."`` line, before nbgrader computes the locked cell's checksum."""

    enabled = Bool(True)
    sha256 = Unicode("", help="The SHA-256 of the release's helpers archive.").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and grade_id == "helpers" and self.sha256:
            cell.source = re.sub(
                r'(?m)^HELPERS_SHA256 = "[0-9a-f]*"', f'HELPERS_SHA256 = "{self.sha256}"',
                cell.source,
            )  # fmt: skip
        return cell, resources


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
        from ..grading import grade_cached
        from ..grading.inputs import load_secret

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

        from ..grading import read_notebook

        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(
            coursedir.submitted_directory, info["student"], info["assignment"]
        )
        return read_notebook(Path(folder) / f"{info['notebook']}.ipynb")


def write_verdicts(nb, result) -> None:
    """Each check cell's outputs become its task's feedback and score."""
    from ..grading.feedback import WIDTH, task_text

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


class GetGradesTold(GetGrades):
    """nbgrader's GetGrades for the feedback page, with what the kit's template
    (``templates/feedback/index.html.j2``) shows.

    - ``resources["kit"]["summary"]``: the kit's summary of the submission, which the page
      starts with: ``grading.feedback.summary_html`` (the same as the kit's own page) of the
      gradebook's scores and the hidden checks' saved result (``HiddenChecks.results_dir``:
      the named mistakes, partial credit and notes; without one, the scores alone).
    - On each grade cell: ``graded`` (False: a written answer no TA has graded yet, not one
      graded 0) and, on a written answer, ``answered`` (False: left as released, which nbgrader
      scores 0); on a check cell, ``credit`` (its partial credit in one sentence, or "").
    - ``comment``: a TA's comment, or nothing: nbgrader's automatic "No response." is not one.
    - The summary says when the student submitted, how late, and the late penalty.
    """

    def preprocess(self, nb, resources):
        from ..grading.feedback import answer_part, summary_html, task_part

        nb, resources = super().preprocess(nb, resources)
        info = resources["nbgrader"]
        result = self._saved_result(info["student"])
        parts = []
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not (meta.get("grade") or meta.get("task")):
                continue
            name, points = meta["grade_id"], float(meta.get("points", 0))
            here = f"#{name}"  # the cell's anchor on this page
            if meta.get("solution") or meta.get("task"):
                score = float(meta["score"]) if meta["graded"] else None
                parts.append(answer_part(name, score, points, answered=meta["answered"], href=here))
            else:
                task = result.tasks.get(name) if result is not None else None
                part = task_part(name, float(meta["score"]), points, task, href=here)
                meta["credit"] = part.credit
                parts.append(part)
        resources["kit"] = {
            "summary": summary_html(
                parts,
                info["score"],
                info["max_score"],
                result.notes if result is not None else [],
                late_penalty=info.get("late_penalty") or 0.0,
                late=self._late(info),
            )
        }
        return nb, resources

    def _late(self, info) -> str:
        """When the student submitted, how late, and the penalty (``latework``)."""
        from .lateplugin import CourseLatePolicy
        from .latework import late_words

        configured = CourseLatePolicy(config=self.config).policy_file
        return late_words(info, configured)

    def _saved_result(self, student: str):
        """The hidden checks' result of ``student``, as ``HiddenChecks`` saved it (None when
        there is none: a course without the kit's grading)."""
        from ..grading import SubmissionResult

        folder = HiddenChecks(config=self.config).results_dir
        if not folder:
            return None
        try:
            saved = json.loads((Path(folder) / f"{student}.json").read_text())
            return SubmissionResult.from_json(saved["result"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.log.warning("no saved result of %s for the feedback summary: %s", student, exc)
            return None

    def _get_score(self, cell, resources) -> None:
        from .gradebook import left_as_released

        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"],
            self.notebook_id,
            self.assignment_id,
            self.student_id,
        )
        cell.metadata.nbgrader["graded"] = (
            grade.manual_score is not None or grade.auto_score is not None
        )
        if utils.is_solution(cell) or utils.is_task(cell):
            cell.metadata.nbgrader["answered"] = not left_as_released(grade)

    def _get_comment(self, cell, resources) -> None:
        comment = self.gradebook.find_comment(
            cell.metadata["nbgrader"]["grade_id"],
            self.notebook_id,
            self.assignment_id,
            self.student_id,
        )
        cell.metadata.nbgrader["comment"] = comment.manual_comment


class RepairMetadata(NbGraderPreprocessor):
    """First sanitize step: the release's nbgrader metadata back on every known cell."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from ..grading.sanitize import repair

        for note in repair(nb):
            self.log.warning(note)
        return nb, resources


class _CompiledSchema(BaseMetadataValidator):
    """nbgrader's per-cell schema check with the JSON schema's validator built once.

    ``jsonschema.validate`` checks the schema itself before every cell, which was a third of
    nbgrader's autograde time. Same schema, same best-matching error; other schema versions
    go to nbgrader's own check (and its errors).
    """

    _validators: dict = {}

    def validate_cell(self, cell) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or meta.get("schema_version", 0) != self.schema_version:
            super().validate_cell(cell)
            return
        validator = self._validators.get(self.schema_version)
        if validator is None:
            cls = jsonschema.validators.validator_for(self.schema)
            cls.check_schema(self.schema)
            validator = self._validators[self.schema_version] = cls(self.schema)
        error = jsonschema.exceptions.best_match(validator.iter_errors(meta))
        if error is not None:
            raise error


class _Validator(MetadataValidator, _CompiledSchema):
    """nbgrader's metadata validator (every check of its own), on :class:`_CompiledSchema`."""


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's CheckCellMetadata with :class:`_Validator`."""

    def preprocess(self, nb, resources):
        try:
            _Validator().validate_nb(nb)
        except ValidationError:
            self.log.exception("Notebook failed to validate")
            raise ValidationError(
                "Notebook failed to validate; the nbgrader metadata may be corrupted."
            ) from None
        return nb, resources
