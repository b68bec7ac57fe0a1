"""Trusted grading of one submission: what the grade command, nbgrader's HiddenChecks and the
Gradescope runner call. See ``grade.py`` for the steps."""

from . import astlock

astlock.install()  # before anything parses: see astlock.py (python/cpython#106905)

from .grade import empty_result, grade_cached, grade_notebook, read_notebook  # noqa: E402
from .model import GraderFault, SubmissionResult, TaskResult  # noqa: E402

__all__ = [
    "GraderFault",
    "SubmissionResult",
    "TaskResult",
    "empty_result",
    "grade_cached",
    "grade_notebook",
    "read_notebook",
]
