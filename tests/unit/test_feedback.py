"""The words a student reads: a task's verdict and the report page."""

from __future__ import annotations

from autograder import tasks
from autograder.grading.feedback import not_graded_html, report_html, task_text
from autograder.grading.model import SubmissionResult, TaskResult
from autograder.grading.reference import helpers

Finding = helpers().checking.Finding


def test_repeated_failures_are_said_once():
    task = tasks.ids()[0]
    findings = [Finding(f"check {i}", False, "your code raised NameError: x") for i in range(3)]
    text = task_text(task, TaskResult(task, 0, 2, findings))
    assert text.count("NameError") == 1 and "(and 2 more checks)" in text
    assert text.endswith("Score: 0 / 2")


def test_the_page_escapes_what_the_student_wrote():
    task = tasks.ids()[0]
    result = SubmissionResult(
        {task: TaskResult(task, 1, 2, [Finding("<b>x</b>", False, "<script>")])},
        notes=["<img src=x>"],
    )
    page = report_html("<ann>", result, {}, None, 1, 2)
    assert "<script>" not in page and "<img" not in page and "&lt;ann&gt;" in page
    assert "Not graded yet" in not_graded_html("ann")
