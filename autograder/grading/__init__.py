"""Trusted grading of one submission: what the grade command, nbgrader's HiddenChecks and the
Gradescope runner call. See ``grade.py`` for the steps."""

from .grade import empty_result, grade_cached, grade_notebook, read_notebook
from .model import GraderFault, SubmissionResult, TaskResult

__all__ = [
    "GraderFault",
    "SubmissionResult",
    "TaskResult",
    "empty_result",
    "grade_cached",
    "grade_notebook",
    "read_notebook",
]
