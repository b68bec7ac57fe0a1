"""The words a student reads: a task's verdict, the summary of a submission and the report page."""

from __future__ import annotations

from autograder import tasks
from autograder.grading.feedback import (
    answer_part,
    credit_sentence,
    not_graded_html,
    report_html,
    summary_html,
    task_part,
    task_text,
)
from autograder.grading.model import SubmissionResult, TaskResult
from autograder.grading.reference import helpers

Finding = helpers().checking.Finding
PROPORTION = "a task earns its points in proportion to the weight of the checks that passed"
NOTHING_UNLESS = "a task earns nothing unless one of its value checks"


def test_repeated_failures_are_said_once():
    task = tasks.ids()[0]
    findings = [Finding(f"check {i}", False, "your code raised NameError: x") for i in range(3)]
    text = task_text(task, TaskResult(task, 0, 2, findings))
    assert text.count("NameError") == 1 and "(and 2 more checks)" in text
    assert text.endswith("Score: 0 / 2")


def test_the_page_escapes_what_the_student_wrote():
    task = tasks.ids()[0]
    result = SubmissionResult(
        {task: TaskResult(task, 1, 2, [Finding("<b>x</b>", False, "<script>", "<i>mine</i>")])},
        notes=["<img src=x>"],
    )
    page = report_html("<ann>", result, [], None, 1, 2)
    assert "<script>" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;ann&gt;" in page and "&lt;i&gt;mine&lt;/i&gt;" in page
    assert "Not graded yet" in not_graded_html("ann")


def test_partial_credit_is_explained_in_one_sentence():
    passed, failed = Finding("out", True, "ok"), Finding("dx", False, "relative error 1")
    sentence = credit_sentence(2.35, 5, [passed, failed])
    assert sentence == f"Partial credit, 2.35 of 5 points: {PROPORTION}."


def test_no_points_with_a_passed_side_check_names_the_value_rule():
    side, value = Finding("x unchanged", True, "unchanged"), Finding("out", False, "wrong")
    assert NOTHING_UNLESS in credit_sentence(0, 5, [side, value])


def test_no_sentence_for_full_marks_or_nothing_passed():
    assert credit_sentence(5, 5, [Finding("out", True, "ok")]) == ""
    assert credit_sentence(0, 5, [Finding("out", False, "raised")]) == ""


def test_the_sentence_names_the_rule_of_a_convention_a_shape_and_a_side_effect():
    findings = [
        Finding("out", True, "ok"),
        Finding("dx at 0", False, "differs", "x >= 0", "convention"),
        Finding("running_mean", False, "(1, D)", "keep it (D,)", "shape"),
        Finding("x", False, "changed by your function", "in place", "side effect"),
    ]
    sentence = credit_sentence(1.5, 4, findings)
    assert sentence.startswith("Partial credit, 1.5 of 4 points: ")
    assert "convention the course does not use costs 25% of the task" in sentence
    assert "broadcasts to the right values keeps 50% of its checks" in sentence
    assert "change made in place costs at most 25% of the task" in sentence
    assert ". " not in sentence and sentence.endswith(".")  # one sentence


def test_the_summary_shows_scores_mistakes_notes_and_what_waits_for_a_ta():
    mistake = "your variance uses N-1"
    findings = [Finding("out", True, "ok"), Finding("x", False, "e", mistake)]
    wrong = TaskResult("bn", 2.35, 5, findings)
    parts = [
        task_part("bn", 2.35, 5, wrong, href="#bn"),
        task_part("affine", 2, 2, TaskResult("affine", 2, 2, [Finding("out", True, "ok")])),
        answer_part("q1", None, 3, answered=True),
        answer_part("q2", None, 3, answered=False),
        answer_part("q3", 2.5, 3, answered=True),
    ]
    html = summary_html(parts, 9.85, 16, ["a note & more"])
    assert "Total: 9.85 / 16 (3 points of written answers not graded yet)" in html
    assert '<a href="#bn"><code>bn</code></a>' in html and "2.35 / 5" in html
    assert f"<li>{mistake}</li>" in html
    assert f"Partial credit, 2.35 of 5 points: {PROPORTION}" in html
    assert "2 / 2" in html and "2.5 / 3" in html
    assert html.count("not graded yet") == 2  # q1, and the total's note
    assert html.count("not answered") == 1 and "0 / 3" not in html
    assert "a note &amp; more" in html


def test_the_summary_leaves_out_parts_worth_no_points():
    parts = [
        task_part("affine", 2, 2),
        task_part("summary", 0, 0),
        answer_part("q0", 0, 0, answered=False),
    ]
    html = summary_html(parts, 2, 2, [])
    assert "<code>affine</code>" in html
    assert "summary</code>" not in html and "q0" not in html
    assert "0 / 0" not in html and "not answered" not in html


def test_the_report_says_not_answered_for_an_answer_left_as_released():
    task = tasks.ids()[0]
    result = SubmissionResult({task: TaskResult(task, 2, 2, [Finding("out", True, "ok")])})
    answers = [answer_part("inline_question_1", 0, 3, answered=False)]
    page = report_html("ann", result, answers, None, 2, 5)
    assert "not answered" in page and "0 / 3" not in page
    assert "Total: 2 / 5" in page and "not graded yet" not in page
