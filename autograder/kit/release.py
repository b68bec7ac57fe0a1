"""Generate the student release ``assignment/`` from ``solutions/`` with nbgrader.

Beside the release folder goes ``<assignment>-helpers.zip``: the release's ``cs231n/`` as one
archive, for a course to publish where a notebook opened without its folder (Colab, a notebook
downloaded alone) fetches it. Its SHA-256 is written into the release's helpers cell, which
checks the download against it.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from nbgrader.apps import NbGraderAPI

from ..course.config import nbgrader_config
from ..layout import ROOT, assignments, current, using
from . import catalog

README = """\
# The student release

Generated from `solutions/` by `make release` (nbgrader's `generate_assignment`).
Do not edit anything here: edit `solutions/<assignment>/` and run `make release`.

Students: open the assignment's notebook in its folder and follow it:

{notebooks}

`<assignment>-helpers.zip` is `<assignment>/cs231n/` as one archive: publish it where the
notebook's helpers cell (its `HELPERS_URL`, set in `solutions/`) can fetch it, for students who
open the notebook without its folder (Colab, a notebook downloaded alone).
"""
ARCHIVE_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry's timestamp: the archive is the same bytes on every machine."""


class ReleaseError(RuntimeError):
    """nbgrader could not generate the release."""


def generate_all(release_root: Path = ROOT / "assignment") -> list[str]:
    """Regenerate every assignment's release; the names of the assignments."""
    names = list(assignments())
    for name in names:
        with using(name):
            generate_release(release_root)
    return names


def generate_release(release_root: Path = ROOT / "assignment") -> None:
    """Regenerate the current assignment's release, ``<release_root>/<assignment>/``, from
    ``solutions/<assignment>/``, and its helpers' archive beside it.

    The gradebook nbgrader writes on the way is a throwaway: the release is
    the only output, and it is the same bytes on every run.
    """
    with tempfile.TemporaryDirectory() as tmp:
        helpers = Path(tmp) / "cs231n"
        shutil.copytree(current().source_dir / "cs231n", helpers,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        catalog.write(helpers)
        archive = helpers_archive(helpers)
        config = nbgrader_config(
            db_url=f"sqlite:///{tmp}/gradebook.db", release_directory=str(release_root.resolve())
        )
        config.HelpersDigest.sha256 = hashlib.sha256(archive).hexdigest()
        api = NbGraderAPI(config=config)
        result = api.generate_assignment(current().name, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"{result.get('error', '')}\n{result.get('log', '')}")
        for path in sorted(helpers.glob("_*")):  # what the catalog wrote: the release's too
            shutil.copy(path, release_root / current().name / "cs231n" / path.name)
    notebooks = "\n".join(f"- `{a.name}/{a.notebook}`" for a in assignments().values())
    (release_root / "README.md").write_text(README.format(notebooks=notebooks))
    (release_root / f"{current().name}-helpers.zip").write_bytes(archive)


def helpers_archive(helpers: Path) -> bytes:
    """``helpers`` (a ``cs231n/`` folder) as a zip archive of ``cs231n/...`` entries, the same
    bytes for the same files: sorted, stored, one timestamp, one mode."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in helpers.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(f"cs231n/{path.relative_to(helpers).as_posix()}", ARCHIVE_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()
