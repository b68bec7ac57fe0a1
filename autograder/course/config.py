"""nbgrader's configuration of the course (``nbgrader_config.py``), loaded for every command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

from ..layout import ROOT


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
