"""The nbgrader workflow a course runs, end to end, with nbgrader's exchange in a local folder.

``scripts/course.py`` (``make course``) sets the course up with the instructor's configuration;
the instructor's steps are nbgrader's own commands and ``python -m autograder grade``, run as
docs/instructor-operations.md says; the student and the TA work in JupyterLab in the browser:

release_assignment -> the student fetches (Assignments tab), runs the notebook, saves and
submits -> collect -> grade -> release_feedback -> the student fetches the feedback and reads
their total and a named mistake -> a TA scores a written answer next to the student's plot in
the formgrader -> a rerun of grade shows that score in grades.csv.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time

import nbformat
import pytest
from support.paths import NOTEBOOK

from autograder.layout import ROOT

from .lab import (
    UI_TIMEOUT_MS,
    open_lab,
    open_menu,
    open_notebook,
    run_all,
)
from .test_student_lab import ddof1_nb

pytestmark = pytest.mark.browser

STUDENT = "s1001"
TA_SCORE = "2"
GRADE = (sys.executable, "-m", "autograder", "grade", ".", "--out", "graded/batchnorm")
"""The grading command of docs/instructor-operations.md, run in the course folder."""


def sh(*command, cwd, home) -> subprocess.CompletedProcess:
    """An instructor's command, as ``home``'s user (their own Jupyter configuration and data),
    with the environment's scripts on PATH (nbgrader calls alembic)."""
    done = subprocess.run(
        command, cwd=cwd, env=home.env(), capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done


def has_plots(path) -> bool:
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # being written
        return False
    return any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def wait_until(condition, what: str, timeout: float = UI_TIMEOUT_MS / 1000) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.2)  # polling interval of the condition


def grades(course) -> dict[str, str]:
    with open(course / "graded" / "batchnorm" / "grades.csv", newline="") as f:
        (row,) = [r for r in csv.DictReader(f) if r["student_id"] == STUDENT]
    return row


def assignments_tab(page):
    """Nbgrader → Assignment List; the panel once its lists have loaded."""
    open_menu(page, "Nbgrader", "jp-mainmenu-nbgrader")
    page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel", has_text="Assignment List").click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    return panel


def test_exchange_end_to_end(page, start_lab, student_home, instructor_home, tmp_path, shots):
    course = tmp_path / "course"
    sh(sys.executable, str(ROOT / "scripts" / "course.py"), str(course), cwd=ROOT,
       home=instructor_home)  # fmt: skip
    sh("nbgrader", "release_assignment", "batchnorm", cwd=course, home=instructor_home)
    notebook = student_works_and_submits(page, start_lab, student_home, course, tmp_path, shots)
    row = instructor_grades(course, instructor_home, notebook)
    student_reads_feedback(page, shots, float(row["total"]))
    ta_scores_a_written_answer(page, start_lab, instructor_home, course, shots)

    # A rerun of grade exports the TA's score from the gradebook.
    sh(*GRADE, cwd=course, home=instructor_home)
    again = grades(course)
    assert again["inline_question_1"] == TA_SCORE
    assert float(again["total"]) == float(row["total"]) + float(TA_SCORE)


def student_works_and_submits(page, start_lab, student_home, course, tmp_path, shots):
    """The student, under their own id with the course's student configuration: fetches the
    assignment, runs their answers (one mistake: ddof=1) top to bottom, saves and submits.
    The saved notebook."""
    config = (course / "student" / "nbgrader_config.py").read_text()
    config += f'c.CourseDirectory.student_id = "{STUDENT}"\n'
    (student_home.config / "nbgrader_config.py").write_text(config)
    work = tmp_path / "student-work"
    work.mkdir()
    lab = start_lab(work, student_home)
    open_lab(page, lab)
    panel = assignments_tab(page)
    released = panel.locator("#released_assignments_list")
    released.get_by_role("button", name="Fetch").click()
    fetched = panel.locator("#fetched_assignments_list")
    fetched.get_by_role("button", name="Submit").wait_for(timeout=UI_TIMEOUT_MS)
    shots(page, "student-fetched")
    notebook = work / "batchnorm" / NOTEBOOK
    assert notebook.is_file()

    nbformat.write(ddof1_nb(), notebook)
    open_notebook(page, lab, f"batchnorm/{NOTEBOOK}")
    run_all(page)
    page.keyboard.press("Control+s")
    wait_until(lambda: has_plots(notebook), "the saved notebook has the student's plots")
    shots(page, "student-ran-and-saved")

    panel = assignments_tab(page)
    panel.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
    submitted = panel.locator("#submitted_assignments_list")
    submitted.get_by_role("button", name="Fetch Feedback").wait_for(timeout=UI_TIMEOUT_MS)
    shots(page, "student-submitted")
    return notebook


def instructor_grades(course, instructor_home, notebook) -> dict[str, str]:
    """The instructor collects, grades with the kit and releases the feedback: the student's
    row of grades.csv."""
    sh("nbgrader", "collect", "batchnorm", cwd=course, home=instructor_home)
    collected = course / "submitted" / STUDENT / "batchnorm"
    assert (collected / NOTEBOOK).read_bytes() == notebook.read_bytes()
    sh(*GRADE, cwd=course, home=instructor_home)
    graded = course / "graded" / "batchnorm" / "course" / "submitted" / STUDENT / "batchnorm"
    assert (graded / NOTEBOOK).read_bytes() == notebook.read_bytes()  # what was submitted
    for name in ("timestamp.txt", "submission_secret.txt"):
        assert (graded / name).read_bytes() == (collected / name).read_bytes()
    row = grades(course)
    assert row["batchnorm_forward_train"] == "0" and row["inline_question_1"] == ""
    released_feedback = sh(
        "nbgrader", "release_feedback", "batchnorm", cwd=course, home=instructor_home
    )
    assert f"Releasing feedback for student '{STUDENT}'" in released_feedback.stderr
    return row


def student_reads_feedback(page, shots, total: float) -> None:
    """The student fetches the feedback and reads their total and their mistake."""
    page.get_by_role("button", name="Fetch Feedback").click()
    view = page.locator("#submitted_assignments_list a", has_text="view feedback")
    view.first.wait_for(timeout=UI_TIMEOUT_MS)
    shots(page, "student-feedback-fetched")
    view.first.click()
    page.locator(".jp-DirListing-item", has_text="BatchNormalization.html").dblclick()
    frame = page.frame_locator(".jp-HTMLViewer iframe, .jp-MainAreaWidget iframe").first
    frame.locator("body").wait_for(timeout=UI_TIMEOUT_MS)
    feedback = frame.locator("body").inner_text()
    shots(page, "student-reads-feedback")
    shown = re.search(r"^Total: ([\d.]+) / 55\b", feedback, re.MULTILINE)
    assert shown and float(shown.group(1)) == total, feedback[:500]
    assert feedback.index("Total:") < feedback.index("Batch Normalization")  # the summary first
    assert "your variance uses N-1" in feedback[: feedback.index("Hidden checks of task")]
    assert "likely mistake: your variance uses N-1" in feedback


def follow(grader, link: str) -> None:
    """Follow one of the formgrader's links, then wait for the page it leads to (the last item
    of its breadcrumb is the link's name): the next link is looked for on that page, not on the
    one being left, which may have a link of the same name (Manage Assignments has one named
    after the assignment)."""
    grader.get_by_role("link", name=link, exact=True).click()
    arrived = grader.locator(".breadcrumb li.active").filter(has_text=re.compile(f"^{link}$"))
    arrived.wait_for(timeout=UI_TIMEOUT_MS)


def ta_scores_a_written_answer(page, start_lab, instructor_home, course, shots) -> None:
    """A TA scores the first written answer in the formgrader, next to the student's plot."""
    ta_lab = start_lab(course / "graded" / "batchnorm" / "course", instructor_home)
    open_lab(page, ta_lab)
    items = open_menu(page, "Nbgrader", "jp-mainmenu-nbgrader")
    assert {"Formgrader", "Create assignment"} <= set(items), items  # the instructor's tools
    shots(page, "ta-nbgrader-menu")
    page.locator("#jp-mainmenu-nbgrader .lm-Menu-itemLabel", has_text="Formgrader").first.click()
    grader = page.frame_locator("#formgrader iframe")
    for link in ("Manual Grading", "batchnorm", "BatchNormalization"):
        follow(grader, link)
    grader.get_by_role("link", name="Submission #1").click()
    score = grader.locator("input.score#inline_question_1")
    score.wait_for(timeout=UI_TIMEOUT_MS)
    plots = grader.locator("img[src^='data:image/png']")
    assert plots.count() >= 4  # the student's own plots, one or more per experiment
    answer = grader.locator(".nbgrader_cell", has=score)
    assert "Without BN the network trains only in a narrow band" in answer.inner_text()
    plots.last.scroll_into_view_if_needed()
    shots(page, "ta-sees-plot-then-written-answers")
    score.scroll_into_view_if_needed()
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.ok) as saved:
        score.fill(TA_SCORE)
        score.press("Tab")
    assert saved.value.request.method == "PUT"
    shots(page, "ta-scored-written-answer")
