"""The report's Jinja environment: its templates (``autograder/course/templates/report``),
autoescaped, and the filters that write its numbers ("–" where there is none)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "report"
NONE = "–"
"""What a number the report does not have (no graded student, no time) reads as."""


def _or_none(fmt: str) -> Callable[[float | None], str]:
    return lambda x: NONE if x is None else format(x, fmt)


FILTERS = {
    "points": _or_none("g"),  # 2.5, 12
    "mean": _or_none(".2f"),  # 7.33
    "rate": _or_none(".1%"),  # 72.7%
    "seconds": lambda x: NONE if x is None else f"{x:.2f} s",
}


@functools.cache
def environment() -> jinja2.Environment:
    """The environment every template of the report is rendered in."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env
