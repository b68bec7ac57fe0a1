"""Flags for a human to review, in words: what the static scan found in the student's cells,
what the audit hook saw the code try, and outputs that were not plain numbers. A flag never
changes a score by itself: the sandbox and the trusted comparison already neutralise the
attempt."""

from __future__ import annotations

from pathlib import Path

from .. import tasks
from ..sandboxed.contracts import SCAN, UNCONVERTIBLE
from .model import PartResult

RUNTIME_FLAGS = {
    "results": "rewrote the grader's result files",
    "grader-files": "read the grader's own files (hidden inputs, job, results)",
    "read": "tried to read files outside its folder",
    "write": "tried to write outside its scratch folder",
    "network": "tried to use the network",
    "programs": "tried to run programs (subprocess)",
    "introspection": "inspects the grader's memory (gc)",
    "patched": "patched numpy or builtins at run time",
}


def runtime_flag(kind: str, details: list[str]) -> str:
    more = f", and {len(details) - 1} more" if len(details) > 1 else ""
    return f"{RUNTIME_FLAGS.get(kind, 'did something unexpected')} ({details[0][:80]}{more})"


def type_flags(parts: dict[str, PartResult], part_task: dict[str, str]) -> set[str]:
    """Outputs that were not plain numbers: always-equal objects, rigged array subclasses."""
    flags = set()
    for pid, part in parts.items():
        for name, kind in part.types.items():
            module = kind.split(".")[0]
            if kind.startswith(UNCONVERTIBLE) or module not in ("numpy", "builtins", "None"):
                flags.add(
                    f"{part_task[pid]} returned objects that are not plain numpy arrays "
                    f"({kind[:60]} as {name})"
                )
    return flags


def scan_flags(
    scanned: dict[str, list[str]], failed: dict[str, str], not_run: str | None = None
) -> set[str]:
    """The static scan's flags, as the sandboxed scan reported them per cell; and, when it
    could not run (``not_run``: why), a flag that says so, so that no flag is lost in silence."""
    flags = {f"{label}: {flag}" for label, found in scanned.items() for flag in found}
    if SCAN in failed:
        flags.add(f"your code could not be scanned: {failed[SCAN]}")
    if not_run:
        flags.add(f"the static scan could not run: {not_run}")
    return flags


def tampered_tasks(paths: list[str]) -> set[str]:
    """Tasks whose result files the student's code wrote to (all, if it cannot be told)."""
    found = set()
    for path in paths:
        name = Path(path).name
        owners = {t for t in tasks.ids() if name.startswith(f"{t}.")}
        found |= owners or set(tasks.ids())
    return found
