"""The kit's faster stand-ins for nbgrader's and nbconvert's steps do what the originals do."""

from __future__ import annotations

import copy

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbgrader.nbgraderformat import MetadataValidator
from support.corpus import release_nb as blank_release
from support.pages import BOOTSTRAP_CSS, PNG
from traitlets.config import Config

from autograder.course.config import nbgrader_config
from autograder.course.exporter import FeedbackExporter
from autograder.course.plugins.metadata import _Validator
from autograder.grading.feedback import summary_html, task_part


def notebook_with_outputs(release_nb):
    nb = copy.deepcopy(release_nb)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="loss 0.5 < 1 & done\n"),
    ]
    nb.cells.append(nbformat.v4.new_markdown_cell('<img src="x.png" alt="mine"> and $x^2$'))
    nb.cells.append(nbformat.v4.new_markdown_cell("![](y.png) an image without alt text"))
    return nb


@pytest.mark.parametrize("template", ["classic", "lab"])
def test_feedback_exporter_makes_nbconvert_s_page(release_nb, template):
    config = Config()
    config.HTMLExporter.template_name = template
    nb = notebook_with_outputs(release_nb)
    stock, _ = HTMLExporter(config=config).from_notebook_node(copy.deepcopy(nb))
    ours, _ = FeedbackExporter(config=config).from_notebook_node(copy.deepcopy(nb))
    assert "No description has been provided for this image" in stock
    # the same document: the stock page is BeautifulSoup's serialization of it
    assert str(BeautifulSoup(ours, features="html.parser")) == stock


def test_feedback_exporter_is_the_same_on_a_second_page(release_nb):
    """Compiled templates are reused: a second exporter renders the same page."""
    nb = notebook_with_outputs(release_nb)
    first, _ = FeedbackExporter().from_notebook_node(copy.deepcopy(nb))
    second, _ = FeedbackExporter().from_notebook_node(copy.deepcopy(nb))
    assert first == second


def _outcome(validator, nb):
    try:
        validator().validate_nb(nb)
    except Exception as exc:  # noqa: BLE001  (the outcome is what is compared)
        return type(exc), str(exc)
    return None


def _corrupt(release_nb, change):
    nb = copy.deepcopy(release_nb)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    change(nb, cell.metadata.nbgrader)
    return nb


CORRUPTIONS = {
    "valid": lambda nb, meta: None,
    "points as text": lambda nb, meta: meta.update(points="three"),
    "no grade id": lambda nb, meta: meta.pop("grade_id"),
    "empty grade id": lambda nb, meta: meta.update(grade_id=""),
    "unknown key": lambda nb, meta: meta.update(colour="red"),
    "no points": lambda nb, meta: meta.pop("points"),
    "old schema": lambda nb, meta: meta.update(schema_version=1),
    "new schema": lambda nb, meta: meta.update(schema_version=9),
    "grade as text": lambda nb, meta: meta.update(grade="yes"),
    "duplicate id": lambda nb, meta: nb.cells.append(
        nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": dict(meta)})
    ),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_metadata_check_decides_as_nbgrader_s(release_nb, corruption):
    nb = _corrupt(release_nb, CORRUPTIONS[corruption])
    ours = _outcome(_Validator, copy.deepcopy(nb))
    assert ours == _outcome(MetadataValidator, copy.deepcopy(nb))
    assert (ours is None) == (corruption == "valid")


def test_feedback_template_gives_a_graded_cell_worth_no_points_no_score_or_label():
    """A locked graded code cell worth 0 points (a summary of the public checks, say) is no
    task: nbgrader's page shows it as the instructor's code, with no "0 / 0" and no label, and
    the kit's summary leaves it out. Check cells keep their label and score."""
    nb = blank_release()
    graded = [
        c
        for c in nb.cells
        if c.cell_type == "code" and c.metadata.nbgrader.get("grade")
        if not c.metadata.nbgrader.get("solution")
    ]
    checks = [c for c in graded if c.metadata.nbgrader["points"]]
    (summary,) = [c for c in graded if not c.metadata.nbgrader["points"]]  # the release's own
    assert "check.summary()" in summary.source
    summary.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="ok\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "0"}, execution_count=30),
    ]
    parts = []
    for cell in nb.cells:  # what GetGradesTold gives the template, for a blank release
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade"):
            info.update(score=0.0, graded=True, answered=not info.get("solution"))
            parts.append(task_part(info["grade_id"], 0.0, float(info["points"])))
    config = nbgrader_config()
    config.HTMLExporter.template_name = "feedback"  # as nbgrader's GenerateFeedback sets it
    config.HTMLExporter.extra_template_paths = [BOOTSTRAP_CSS]
    resources = {
        "nbgrader": {"notebook": "BatchNormalization", "score": 0.0, "max_score": 55.0},
        "kit": {"summary": summary_html(parts, 0.0, 55.0, [])},
    }
    html, _ = FeedbackExporter(config=config).from_notebook_node(nb, resources)
    page = BeautifulSoup(html, "html.parser")
    assert "0 / 0" not in page.get_text() and not page.find("a", attrs={"name": "summary"})
    assert "Out[" not in page.get_text()  # nbgrader's score of the cell: none to show
    labels = [h.get_text(" ", strip=True) for h in page.select("div.kit-checks .panel-heading")]
    assert len(labels) == len(checks) and not any("summary" in label for label in labels)
    rows = [c.get_text() for c in page.select("section.kit-summary tbody tr td:first-child")]
    assert "summary" not in rows and len(rows) == len(checks) + 4  # the written answers
    (shown,) = [d for d in page.select("details.kit-instructors") if "check.summary()" in d.text]
    assert shown.find_parent("div", class_="cell").select_one(".output_stdout").text.strip() == "ok"
