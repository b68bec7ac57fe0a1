"""Generate the student release ``assignment/`` from ``solutions/`` with nbgrader."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from ..course.config import nbgrader_config
from ..layout import ASSIGNMENT, ROOT
from . import catalog

README = """\
# The student release

Generated from `solutions/` by `make release` (nbgrader's `generate_assignment`).
Do not edit anything here: edit `solutions/{assignment}/` and run `make release`.

Students: open `{assignment}/BatchNormalization.ipynb` in JupyterLab and follow it.
"""


class ReleaseError(RuntimeError):
    """nbgrader could not generate the release."""


def generate_release(release_root: Path = ROOT / "assignment") -> None:
    """Regenerate ``<release_root>/batchnorm/`` from ``solutions/batchnorm/``.

    The gradebook nbgrader writes on the way is a throwaway: the release is
    the only output, and it is the same bytes on every run.
    """
    with tempfile.TemporaryDirectory() as tmp:
        config = nbgrader_config(
            db_url=f"sqlite:///{tmp}/gradebook.db", release_directory=str(release_root.resolve())
        )
        api = NbGraderAPI(config=config)
        result = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not result["success"]:
        raise ReleaseError(f"{result.get('error', '')}\n{result.get('log', '')}")
    (release_root / "README.md").write_text(README.format(assignment=ASSIGNMENT))
    catalog.write(release_root / ASSIGNMENT / "cs231n")
