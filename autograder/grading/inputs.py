"""The hidden inputs and what a result is valid for: the grading secret, each student's seed,
the draws, and the saved results keyed by what was run."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import secrets
from pathlib import Path

import numpy as np

from .. import access, tasks
from ..access import atomic_write
from ..layout import PACKAGE, current
from .model import SubmissionResult


def load_secret(path: Path | None) -> bytes:
    """The grading secret (made on first use, readable by its owner only, or also its group's
    when a command shares OUT with one): hidden inputs differ from course to course."""
    if path is None:
        return b"batchnorm-kit"
    if not path.exists():
        atomic_write(path, secrets.token_bytes(32), mode=access.current().secret_mode)
    return path.read_bytes()


def case_seed(secret: bytes, student: str) -> int:
    """Seed of a student's hidden inputs: unknown without the secret, the same on a re-run."""
    digest = hashlib.sha256(secret + b"\0" + student.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def draw_inputs(seed: int) -> dict:
    """Every task's hidden inputs, drawn from one generator in the notebook's order."""
    rng = np.random.default_rng(seed)
    return {task.id: task.draw(rng) for task in tasks.registry().values()}


GRADING_CODE = ("grading", "sandboxed", "tasks", "sandbox")
"""The packages whose code decides a grade: a change to any of them invalidates saved results."""


def grader_version() -> str:
    """Digest of everything that decides a grade of the current assignment: a change
    invalidates saved results."""
    return _grader_version(current().name, tasks.tasks_dir())


@functools.cache
def _grader_version(assignment: str, declarations: Path) -> str:
    digest = hashlib.sha256(assignment.encode())
    folders = [PACKAGE / name for name in GRADING_CODE] + [declarations]
    for path in sorted({p for folder in folders for p in folder.rglob("*.py")}):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(current().source_notebook.read_bytes())
    return digest.hexdigest()


def result_key(nb, seed: int) -> str:
    """What a saved result is valid for: the code that runs, the hidden inputs, the grader."""
    from .plan import plan
    from .sanitize import repair

    nb = copy.deepcopy(nb)
    repair(nb)
    steps = [(s.kind.value, s.source, s.task) for s in plan(nb).steps]
    text = json.dumps([str(seed), grader_version(), steps])
    return hashlib.sha256(text.encode()).hexdigest()


def save_result(path: Path, key: str, result: SubmissionResult) -> None:
    """Write a result atomically: a reader sees the old file or the new, never half of one."""
    atomic_write(path, json.dumps({"key": key, "result": result.to_json()}, indent=1))


def cached_result(path: Path, key: str) -> SubmissionResult | None:
    """The saved result if it was made for ``key``."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    return SubmissionResult.from_json(data["result"])
