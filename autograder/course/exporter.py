"""nbgrader's feedback pages, rendered for a batch: the exporter under the one named in
``nbgrader_config.py`` (``GenerateFeedback.exporter_class``: ``feedback_cache.py``'s
``CachedFeedbackExporter``, which also renders each cell once per worker)."""

import re

import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter


class _Templates(jinja2.BytecodeCache):
    """Compiled templates kept in memory for this process: every feedback page of a batch
    uses the same ones (jinja checks each template's source against its checksum)."""

    _store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


IMAGE_TAG = re.compile(r"<img\b([^>]*?)(\s*/?)>")
LAB_AREAS = ("jp-Cell-inputWrapper", "jp-OutputArea-output")
"""What nbconvert gives a tabindex, in JupyterLab's templates only."""
NO_ALT_TEXT = "No description has been provided for this image"


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTMLExporter (nbconvert 7.17) for feedback pages, made for a batch.

    Its templates are compiled once per process, not once per student, and the page is not
    re-parsed after rendering: nbconvert's ``HTMLExporter`` parses every page it renders with
    BeautifulSoup (half of the feedback time) to give images without one an ``alt`` text and
    JupyterLab's input and output areas a ``tabindex`` (the feedback template, classic, has
    none). Here the ``alt`` text is added to the rendered text; the page is the same document
    (tests/test_plugins.py parses both and compares them). A JupyterLab template gets
    nbconvert's own treatment.
    """

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _Templates()
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node up to the rendering, as nbconvert 7.17 has it
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
        )
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources
        )
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if any(area in html for area in LAB_AREAS):  # a JupyterLab template: nbconvert's way
            return super().from_notebook_node(nb, resources, **kw)
        return IMAGE_TAG.sub(_alt_text, html), resources


def _alt_text(match: re.Match) -> str:
    attributes, end = match.groups()
    if re.search(r"\balt\s*=", attributes):
        return match.group(0)
    return f'<img{attributes} alt="{NO_ALT_TEXT}"{end}>'
