"""The kit's faster stand-ins for nbgrader's and nbconvert's steps do what the originals do."""

from __future__ import annotations

import base64
import copy

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from nbgrader.nbgraderformat import MetadataValidator
from traitlets.config import Config

from autograder.course.plugins import FeedbackExporter, _Validator

# a 1x1 PNG
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


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
