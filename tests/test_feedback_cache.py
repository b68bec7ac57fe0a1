"""The feedback exporter that remembers each cell's HTML makes the same pages as the one that
does not, whatever the pages before it were."""

from __future__ import annotations

import copy

import nbformat
import pytest
from support.corpus import release_nb as blank_release
from support.pages import BOOTSTRAP_CSS, PNG
from traitlets.config import Config

from autograder.course import feedback_cache
from autograder.course.config import nbgrader_config
from autograder.course.exporter import FeedbackExporter
from autograder.course.feedback_cache import CachedFeedbackExporter


@pytest.fixture
def cold():
    """Empty caches, as in a fresh worker."""
    for memo in (feedback_cache.HIGHLIGHTED, feedback_cache.MARKDOWN):
        memo._store.clear()
    yield


def configs() -> dict[str, Config]:
    kit = nbgrader_config()
    kit.HTMLExporter.template_name = "feedback"  # as nbgrader's GenerateFeedback sets it
    kit.HTMLExporter.extra_template_paths = [BOOTSTRAP_CSS]
    found = {"feedback": kit}
    for template in ("classic", "lab"):
        config = Config()
        config.HTMLExporter.template_name = template
        found[template] = config
    return found


def student_notebook(answer: str = "x = 1"):
    nb = blank_release()
    for cell in nb.cells:  # what GetGradesTold gives the template
        info = cell.metadata.get("nbgrader", {})
        if info.get("grade"):
            info.update(score=0.0, graded=True, answered=not info.get("solution"))
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="loss 0.5 < 1 & done\n"),
    ]
    nb.cells.append(nbformat.v4.new_code_cell(answer))
    nb.cells.append(nbformat.v4.new_markdown_cell(f"My answer: *{answer}*, and $x^2$"))
    return nb


def pages(nb, config: Config, resources: dict | None = None) -> tuple[str, str]:
    """(the cached exporter's page, the plain exporter's page) of ``nb``."""
    cached, _ = CachedFeedbackExporter(config=config).from_notebook_node(
        copy.deepcopy(nb), copy.deepcopy(resources)
    )
    plain, _ = FeedbackExporter(config=config).from_notebook_node(
        copy.deepcopy(nb), copy.deepcopy(resources)
    )
    return cached, plain


RESOURCES = {
    "nbgrader": {"notebook": "BatchNormalization", "score": 0.0, "max_score": 55.0},
    "kit": {"summary": "<section>summary</section>"},
}


@pytest.mark.parametrize("template", ["feedback", "classic", "lab"])
def test_the_same_pages_cold_and_warm(cold, template):
    config = configs()[template]
    resources = RESOURCES if template == "feedback" else None
    first = student_notebook("x = 1")
    cached, plain = pages(first, config, resources)
    assert cached == plain
    assert feedback_cache.HIGHLIGHTED.misses and feedback_cache.MARKDOWN.misses
    hits = feedback_cache.HIGHLIGHTED.hits
    cached, plain = pages(first, config, resources)  # every cell remembered
    assert cached == plain and feedback_cache.HIGHLIGHTED.hits > hits
    other = student_notebook("y = [i ** 2 for i in range(3)]")  # another student's answer
    cached, plain = pages(other, config, resources)
    assert cached == plain
    assert "y = [i ** 2" not in pages(first, config, resources)[0]


def test_the_language_and_magics_are_part_of_a_cell_s_key(cold):
    config = configs()["classic"]
    nb = student_notebook()  # its language is python
    ipython = copy.deepcopy(nb)
    ipython.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    magics = copy.deepcopy(ipython)  # a cell's magics language counts for IPython's lexers
    for cell in magics.cells:
        if cell.cell_type == "code":
            cell.metadata["magics_language"] = "bash"
    seen = set()
    for variant in (nb, ipython, magics, nb, ipython):
        cached, plain = pages(variant, config)
        assert cached == plain
        seen.add(cached)
    assert len(seen) == 3


def test_attachments_are_part_of_a_markdown_cell_s_key(cold):
    config = configs()["classic"]
    shown = []
    for image in (PNG, PNG[:-8] + "AAAAAA=="):
        nb = student_notebook()
        cell = nbformat.v4.new_markdown_cell("![plot](attachment:plot.png)")
        cell.attachments = {"plot.png": {"image/png": image}}
        nb.cells.append(cell)
        cached, plain = pages(nb, config)
        assert cached == plain
        shown.append(cached)
    assert shown[0] != shown[1]
