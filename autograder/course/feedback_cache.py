"""The feedback pages of a batch, with each cell's HTML rendered once per worker process.

Most cells of every student's notebook are the same (the instructor's text and code, locked),
and nbconvert renders each again for every page: syntax highlighting (pygments) was a fifth of
the feedback time, markdown a twentieth. :class:`CachedFeedbackExporter` keeps what these two
filters returned, keyed by everything their output depends on, so a page is the same text as
without the cache (``tests/test_feedback_cache.py`` compares them).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable

import jinja2
from nbconvert.filters.highlight import Highlight2HTML

from .exporter import FeedbackExporter

ENTRIES = 4096
"""Cells kept per filter: more than a notebook has, few enough to stay small (a few MB)."""


class _Memo:
    """A bounded memo of one filter's results (least recently used dropped first)."""

    def __init__(self) -> None:
        self._store: OrderedDict[Hashable, str] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], str]) -> str:
        try:
            value = self._store[key]
        except KeyError:
            self.misses += 1
            value = self._store[key] = compute()
            if len(self._store) > ENTRIES:
                self._store.popitem(last=False)
            return value
        self.hits += 1
        self._store.move_to_end(key)
        return value


HIGHLIGHTED = _Memo()
MARKDOWN = _Memo()


class _CachedHighlight:
    """nbconvert's ``highlight_code`` filter (:class:`Highlight2HTML`) through :data:`HIGHLIGHTED`.

    Its output depends on the source, the language (the notebook's lexer when none is given),
    the cell's ``magics_language`` (for IPython lexers) and the formatter's options.
    """

    def __init__(self, highlight: Highlight2HTML) -> None:
        self._highlight = highlight

    def __call__(self, source, language=None, metadata=None) -> str:
        highlight = self._highlight
        key = (
            source,
            language,
            highlight.pygments_lexer,
            metadata.get("magics_language") if metadata else None,
            json.dumps(highlight.extra_formatter_options, sort_keys=True, default=repr),
        )
        return HIGHLIGHTED.get(key, lambda: highlight(source, language, metadata))


def _cached_markdown(exporter: FeedbackExporter, markdown2html) -> Callable:
    """nbconvert's ``markdown2html`` filter through :data:`MARKDOWN`.

    Its output depends on the source, the cell's attachments, the exporter's settings, and the
    notebook's folder when images are embedded (``HTMLExporter.markdown2html``).
    """

    @jinja2.pass_context
    def cached(context, source):
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        key = (
            source,
            json.dumps(cell.get("attachments", {}), sort_keys=True, default=repr),
            path if exporter.embed_images else None,
            exporter.embed_images,
            exporter.anchor_link_text,
            exporter.exclude_anchor_links,
            json.dumps(exporter.lexer_options, sort_keys=True, default=repr),
        )
        return MARKDOWN.get(key, lambda: markdown2html(context, source))

    return cached


class CachedFeedbackExporter(FeedbackExporter):
    """:class:`FeedbackExporter` whose highlighting and markdown filters remember their cells."""

    def default_filters(self):
        for name, jinja_filter in super().default_filters():
            if name == "markdown2html":
                jinja_filter = _cached_markdown(self, jinja_filter)
            yield name, jinja_filter

    def register_filter(self, name, jinja_filter):
        if name == "highlight_code" and isinstance(jinja_filter, Highlight2HTML):
            jinja_filter = _CachedHighlight(jinja_filter)
        return super().register_filter(name, jinja_filter)
