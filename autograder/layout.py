"""Where the course lives: the kit's root, the assignment's source and release.

``AUTOGRADER_COURSE_ROOT`` points the kit at another course laid out the same way (a folder
holding ``nbgrader_config.py``, ``solutions/<assignment>/`` and ``assignment/<assignment>/``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("AUTOGRADER_COURSE_ROOT") or PACKAGE.parent).resolve()
"""The course's root: holds nbgrader_config.py, solutions/ and assignment/."""

ASSIGNMENT = "batchnorm"
NOTEBOOK = "BatchNormalization.ipynb"
NOTEBOOK_ID = NOTEBOOK.removesuffix(".ipynb")
SOURCE_DIR = ROOT / "solutions" / ASSIGNMENT
RELEASE_DIR = ROOT / "assignment" / ASSIGNMENT
SOURCE_NOTEBOOK = SOURCE_DIR / NOTEBOOK
RELEASE_NOTEBOOK = RELEASE_DIR / NOTEBOOK
