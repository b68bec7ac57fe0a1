"""The course's deadlines file: where it is, and the :class:`~.policy.Policy` it holds (read
again only when the file changes).

It is named once, in the course's ``nbgrader_config.py``
(``c.CourseLatePolicy.policy_file``, relative to the course's root; ``deadlines.toml`` when
unset); ``AUTOGRADER_DEADLINES`` names another and comes first (a test's, another term's). No
file: no deadlines, and nbgrader's own late handling (by default none).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..layout import ROOT, assignments
from .policy import Policy, load

POLICY_ENV = "AUTOGRADER_DEADLINES"
"""A deadlines file that takes the place of the configured one."""
DEFAULT_FILE = "deadlines.toml"


def policy_path(configured: str = "") -> Path:
    """The deadlines file: ``AUTOGRADER_DEADLINES``, else the configured one, else
    ``deadlines.toml``; a relative path is from the course's root."""
    path = Path(os.environ.get(POLICY_ENV) or configured or DEFAULT_FILE)
    return path if path.is_absolute() else ROOT / path


def course_policy(configured: str = "") -> Policy | None:
    """The course's policy (None: no deadlines file); PolicyError when the file is not valid."""
    path = policy_path(configured)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _read(path: str, _mtime: int, _size: int) -> Policy | None:
    return load(Path(path), list(assignments()))
