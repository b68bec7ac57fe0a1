"""The committed release is what `make release` generates, and it gives nothing away."""

from __future__ import annotations

import filecmp
import zipfile
from pathlib import Path

import nbformat
from support.paths import NOTEBOOK, SOURCE_DIR

from autograder.kit.release import generate_all
from autograder.layout import ROOT, assignments

RELEASE_ROOT = ROOT / "assignment"


def files_under(root: Path) -> set[Path]:
    return {
        p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }


def test_release_is_in_sync_with_solutions(tmp_path):
    generate_all(tmp_path)
    assert files_under(tmp_path) == files_under(RELEASE_ROOT)
    for rel in files_under(tmp_path):
        assert filecmp.cmp(tmp_path / rel, RELEASE_ROOT / rel, shallow=False), (
            f"assignment/{rel} differs from what `make release` generates: run `make release`"
        )


def test_release_is_deterministic(tmp_path):
    generate_all(tmp_path / "a")
    generate_all(tmp_path / "b")
    for rel in files_under(tmp_path / "a"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def region_lines(source: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def secret_lines(notebook: Path) -> set[str]:
    """The lines of a source notebook's solution and hidden-test regions, but for those that
    its given code also holds (CS231n's ``if self.use_dropout:`` is both)."""
    secret, given = set(), set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        secret.update(region_lines(cell.source, "BEGIN SOLUTION", "END SOLUTION"))
        secret.update(region_lines(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
        given.update(outside_regions(cell.source))
    return secret - given


def outside_regions(source: str) -> set[str]:
    """The lines of a cell outside its solution and hidden-test regions."""
    lines, inside = set(), False
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            inside = False
        elif not inside and line.strip():
            lines.add(line.strip())
    return lines


def test_no_solution_or_hidden_test_line_in_any_release():
    """No release holds a line of any assignment's solutions: the dropout release, made after
    batch norm's, gives away none of batch norm's layers either."""
    secret = {}
    for assignment in assignments().values():
        lines = secret_lines(assignment.source_notebook)
        assert len(lines) > 20, assignment.name  # its answers (check cells hold no hidden tests)
        secret.update(dict.fromkeys(lines, assignment.name))
    assert len(secret_lines(SOURCE_DIR / NOTEBOOK)) > 80
    markers = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
    for path, text in released_texts():
        for marker in markers:
            assert marker not in text, f"{path}: {marker}"
        leaked = set(secret) & {line.strip() for line in text.splitlines()}
        shown = sorted(f"{secret[line]}: {line}" for line in leaked)[:5]
        assert not leaked, f"{path} contains solution lines: {shown}"


def released_texts():
    """(name, text) of every file of the release, the members of its archives included."""
    for path in sorted(RELEASE_ROOT.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}:{member}", archive.read(member).decode()
            continue
        text = path.read_text()
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        yield path, text
