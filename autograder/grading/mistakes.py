"""Known mistakes and conventions, as the variants a check tries on a failed output: each is
computed on the trusted side from the same hidden inputs when a check needs it, and an output
that matches one is named by it in the student's words."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from ..tasks.model import Bounds, Convention, Mistake, Task
from .reference import Reference, helpers


def matches(got, expected) -> bool:
    """Is ``got`` the variant's output (shape exact, values to MISTAKE_TOL)?"""
    return helpers().judging.matches(got, expected)


def variants(task: Task, part: str, key: str, inputs: dict, ref: Reference) -> Iterator:
    """The task's conventions, then its mistakes, that apply to output ``key`` of ``part``,
    each computed only when the check reaches it (``judging.Variant``)."""
    Variant = helpers().judging.Variant
    declared: list[tuple[Convention | Mistake, str]] = [(c, "convention") for c in task.conventions]
    declared += [(m, m.kind) for m in task.mistakes]
    for variant, kind in declared:
        if not fnmatch.fnmatchcase(key, variant.output) or variant.part not in (None, part):
            continue
        try:
            value = variant.compute(inputs, ref)
        except (KeyError, ValueError, TypeError):
            continue  # made for another part's inputs
        if isinstance(value, dict):
            value = value.get(key)
        if isinstance(value, Bounds):
            value = helpers().judging.Interval(float(value.low), float(value.high))
        if value is not None:
            yield Variant(variant.words, value, kind)


def recognise(task: Task, part: str, key: str, got, inputs: dict, ref: Reference) -> str | None:
    """The words of the known mistake whose output ``got`` is, or None."""
    for variant in variants(task, part, key, inputs, ref):
        if variant.kind == "" and matches(got, variant.value):
            return variant.words.replace("{key}", key)
    return None
