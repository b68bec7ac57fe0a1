"""The course layout and nbgrader's configuration of it, loaded once for every command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
"""The kit's root: holds nbgrader_config.py, solutions/, assignment/ and autograder/."""

ASSIGNMENT = "batchnorm"
NOTEBOOK = "BatchNormalization.ipynb"
SOURCE_DIR = ROOT / "solutions" / ASSIGNMENT
RELEASE_DIR = ROOT / "assignment" / ASSIGNMENT


def nbgrader_config(**overrides: str) -> Config:
    """nbgrader's config of the course (nbgrader_config.py) rooted at ROOT.

    ``overrides`` set CourseDirectory traits, e.g. ``db_url``.
    """
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    config.CourseDirectory.root = str(ROOT)
    for name, value in overrides.items():
        setattr(config.CourseDirectory, name, value)
    # nbgrader shells out to `alembic` when it creates a gradebook: make the
    # running environment's scripts visible even when it is not activated.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    return config
