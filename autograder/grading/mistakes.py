"""Known mistakes, recognised by what they output: when a value check fails and the student's
output matches one of the mistakes a task declares (``Task.mistakes``), computed on the trusted
side from the same hidden inputs, the feedback names the mistake in the student's words."""

from __future__ import annotations

import fnmatch

import numpy as np

from ..tasks.model import Task
from .reference import Reference, helpers


def matches(got, expected) -> bool:
    """Is ``got`` the mistake's output (shape exact, values to MISTAKE_TOL)?"""
    check = helpers().checking
    try:
        got = np.asarray(got, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    return bool(check.rel_error(got, expected) < check.MISTAKE_TOL) if got.size else True


def recognise(task: Task, part: str, key: str, got, inputs: dict, ref: Reference) -> str | None:
    """The words of the known mistake whose output ``got`` is, or None."""
    for mistake in task.mistakes:
        if not fnmatch.fnmatchcase(key, mistake.output):
            continue
        if mistake.part not in (None, part):
            continue
        try:
            variant = mistake.compute(inputs, ref)
        except (KeyError, ValueError, TypeError):
            continue
        if isinstance(variant, dict):
            variant = variant.get(key)
        if variant is not None and matches(got, variant):
            return mistake.words.replace("{key}", key)
    return None
