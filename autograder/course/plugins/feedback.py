"""nbgrader's generate_feedback: what the kit's feedback page shows (``GetGradesTold``), named
in ``nbgrader_config.py``'s ``GenerateFeedback.preprocessors``; the page's exporter is
``course/exporter.py``, its template ``course/templates/feedback``."""

import json
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import GetGrades

from ..prefetch import ReadOnce
from .autograde import HiddenChecks


class GetGradesTold(ReadOnce, GetGrades):
    """nbgrader's GetGrades for the feedback page, with what the kit's template
    (``templates/feedback/index.html.j2``) shows, the student's grades and comments read from
    the gradebook in a few queries, not one or two a cell (``course/prefetch.py``).

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

    _student_scoped = True  # the prefetched lookups are the student's grades and comments

    def preprocess(self, nb, resources):
        from ...grading.feedback import answer_part, summary_html, task_part

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
        from ..lateplugin import CourseLatePolicy
        from ..latework import late_words

        configured = CourseLatePolicy(config=self.config).policy_file
        return late_words(info, configured)

    def _saved_result(self, student: str):
        """The hidden checks' result of ``student``, as ``HiddenChecks`` saved it (None when
        there is none: a course without the kit's grading)."""
        from ...grading import SubmissionResult

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
        from ..gradebook import left_as_released

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
