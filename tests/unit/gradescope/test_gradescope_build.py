"""The autograder zip (``autograder.gradescope.build``): Gradescope's scripts at its root with
their modes, the secret readable by root only, the kit and the assignment without caches, a zip
only its owner reads, and the same bytes for the same files and secret."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.gradescope import build
from autograder.layout import ROOT, get

BATCHNORM = get("batchnorm")
SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """Two zips built one after the other with the same secret."""
    folder = tmp_path_factory.mktemp("zips")
    (folder / "secret").write_bytes(SECRET)
    first, second = folder / "first.zip", folder / "second.zip"
    build.build_zip(first, folder / "secret", "after_due_date")
    build.build_zip(second, folder / "secret", "after_due_date")
    return first, second


def members(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info for info in archive.infolist()}


def mode(info: zipfile.ZipInfo) -> int:
    return stat.S_IMODE(info.external_attr >> 16)


def test_the_same_files_and_secret_give_the_same_bytes(built):
    first, second = built
    assert first.read_bytes() == second.read_bytes()
    assert {info.date_time for info in members(first).values()} == {(1980, 1, 1, 0, 0, 0)}


def test_gradescopes_scripts_and_the_secret_are_at_the_root(built):
    found = members(built[0])
    assert mode(found["setup.sh"]) == 0o755 and mode(found["run_autograder"]) == 0o755
    assert mode(found["grading_secret"]) == 0o600
    with zipfile.ZipFile(built[0]) as archive:
        assert archive.read("grading_secret") == SECRET
        assert (
            archive.read("setup.sh") == (ROOT / "autograder/gradescope/files/setup.sh").read_bytes()
        )
        settings = json.loads(archive.read("gradescope.json"))
        assert (
            archive.read("requirements/grading.txt")
            == (ROOT / "requirements/grading.txt").read_bytes()
        )
    assert settings == {"assignment": "batchnorm", "visibility": "after_due_date"}


def test_the_kit_and_the_assignment_go_in_without_caches(built):
    names = set(members(built[0]))
    expected = {
        "nbgrader_config.py",
        "autograder/__init__.py",
        "autograder/gradescope/run.py",
        "autograder/gradescope/files/run_autograder",
        # the release, and the source with the reference (at their paths in the course)
        BATCHNORM.release_notebook.relative_to(ROOT).as_posix(),
        BATCHNORM.source_notebook.relative_to(ROOT).as_posix(),
    }
    assert expected <= names
    for name in names:
        parts = name.split("/")
        assert "__pycache__" not in parts and not name.endswith(".pyc"), name
        assert not any(p.startswith(".") for p in parts), name
        assert not name.startswith("tests/"), name


def test_the_zip_is_its_owners_only(built):
    assert stat.S_IMODE(built[0].stat().st_mode) == 0o600


def test_another_secret_gives_another_zip(built, tmp_path):
    (tmp_path / "secret").write_bytes(b"another secret of thirty-two by.")
    build.build_zip(tmp_path / "other.zip", tmp_path / "secret", "after_due_date")
    assert (tmp_path / "other.zip").read_bytes() != built[0].read_bytes()


def test_a_secret_is_made_once_beside_the_zip(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "zip_members", lambda secret, visibility: {"s": (secret, 0o600)})
    out = tmp_path / "autograder.zip"
    assert build.build_zip(out) == tmp_path / "autograder.secret"
    made = (tmp_path / "autograder.secret").read_bytes()
    assert len(made) == 32
    build.build_zip(out)
    assert (tmp_path / "autograder.secret").read_bytes() == made
    with zipfile.ZipFile(out) as archive:
        assert archive.read("s") == made


def test_an_unknown_visibility_is_refused_before_writing(tmp_path):
    with pytest.raises(ValueError, match="visibility 'public' is not one of"):
        build.build_zip(tmp_path / "a.zip", tmp_path / "secret", "public")
    assert list(tmp_path.iterdir()) == []


def test_other_task_declarations_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_TASKS", str(tmp_path))
    with pytest.raises(ValueError, match="AUTOGRADER_TASKS"):
        build.zip_members(SECRET)


def test_files_skip_caches_and_hidden_files_and_refuse_links_out(tmp_path):
    for name in ("a.py", "sub/b.py", "__pycache__/a.pyc", ".hidden", ".git/config", "c.pyc"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert build._files(tmp_path) == [tmp_path / "a.py", tmp_path / "sub" / "b.py"]
    (tmp_path / "sub" / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link out of the course"):
        build._files(tmp_path)
