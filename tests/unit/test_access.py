"""What the kit writes is its owner's only, whatever the umask (``autograder.access``), and
``doctor`` tells a file other users can read from one they cannot (``kit/privacy.py``)."""

from __future__ import annotations

import grp
import json
import os
import stat
from pathlib import Path

import pytest

from autograder import access
from autograder.access import Access, AccessError, atomic_file, atomic_write, seal
from autograder.course import settings
from autograder.course.settings import SettingsError, resolve
from autograder.grading.inputs import load_secret
from autograder.kit.privacy import check, grading_folders, readable_by_others, way_in


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def umask_022():
    """The umask of a default shell, restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture
def open_folder(tmp_path_factory):
    """A folder every user can reach (0755, in the system's temporary folder)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="access-"))
    folder.chmod(0o755)
    if not all(p.stat().st_mode & stat.S_IXOTH for p in folder.parents):
        shutil.rmtree(folder)
        pytest.skip(f"{folder.parent} is not passable by other users here")
    yield folder
    shutil.rmtree(folder)


def test_a_written_file_and_its_new_folders_are_private_under_umask_022(tmp_path, umask_022):
    tmp_path.chmod(0o755)
    path = tmp_path / "a" / "b" / "grades.csv"
    atomic_write(path, "student_id,total\n")
    assert mode(path) == 0o600
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path) == 0o755  # a folder that existed is left alone
    assert path.read_text() == "student_id,total\n"


def test_rewriting_a_readable_file_makes_it_private(tmp_path, umask_022):
    path = tmp_path / "results.json"
    path.write_text("old")
    assert mode(path) == 0o644
    atomic_write(path, b"new")
    assert mode(path) == 0o600 and path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(path) as f:
        f.write(b"half")
        raise RuntimeError("stopped")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_an_explicit_mode_is_kept_whatever_the_umask(tmp_path):
    before = os.umask(0o077)
    try:
        atomic_write(tmp_path / "results.json", "{}", mode=0o644)  # Gradescope's harness reads it
    finally:
        os.umask(before)
    assert mode(tmp_path / "results.json") == 0o644


def test_the_grading_secret_is_private(tmp_path, umask_022):
    secret = load_secret(tmp_path / "new" / "grading_secret")
    assert len(secret) == 32 and mode(tmp_path / "new" / "grading_secret") == 0o600


def test_a_group_gets_read_and_write_and_the_secret_read_only(tmp_path, umask_022):
    group = grp.getgrgid(os.getegid()).gr_name  # a group of the user's
    shared = Access.for_group(group)
    with access.applied(shared):
        assert os.umask(0o007) == 0o007  # the process's umask while applied
        atomic_write(tmp_path / "out" / "grades.csv", "x")
        load_secret(tmp_path / "out" / "grading_secret")
    assert os.umask(0o022) == 0o022 and access.current() == Access()  # restored
    assert mode(tmp_path / "out") == 0o2770
    assert mode(tmp_path / "out" / "grades.csv") == 0o660
    assert mode(tmp_path / "out" / "grading_secret") == 0o640
    assert (tmp_path / "out" / "grades.csv").stat().st_gid == shared.gid


def test_an_unknown_group_is_refused():
    with pytest.raises(AccessError, match="no group"):
        Access.for_group("no-such-group-of-the-kit")


def test_seal_gives_everything_the_modes_and_leaves_links_alone(tmp_path, umask_022):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.write_text("not OUT's")
    (out / "course" / "release").mkdir(parents=True)
    (out / "course" / "release" / "nb.ipynb").write_text("{}")
    (out / "run.sh").write_text("#!/bin/sh\n")
    (out / "run.sh").chmod(0o755)
    (out / "read-only").write_text("x")
    (out / "read-only").chmod(0o444)
    (out / "link").symlink_to(outside)
    assert seal(out, Access()) == []
    assert mode(out) == mode(out / "course") == mode(out / "course" / "release") == 0o700
    assert mode(out / "course" / "release" / "nb.ipynb") == 0o600
    assert mode(out / "run.sh") == 0o700  # the owner's bits are kept
    assert mode(out / "read-only") == 0o400
    assert mode(outside) == 0o644


def test_group_and_private_are_recorded_and_reused(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "configured_db_url", lambda: None)
    group = grp.getgrgid(os.getegid()).gr_name
    resolve(tmp_path, group=group).record()
    assert json.loads((tmp_path / "settings.json").read_text())["group"] == group
    assert resolve(tmp_path).group == group  # a later command without --group
    assert resolve(tmp_path, private=True).group is None
    with pytest.raises(SettingsError, match="cannot share"):
        resolve(tmp_path, group="no-such-group-of-the-kit")


def test_a_file_in_a_closed_folder_is_not_readable_by_others(open_folder):
    closed = open_folder / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    (closed / "grades.csv").write_text("x")
    (closed / "grades.csv").chmod(0o644)
    assert readable_by_others(closed / "grades.csv") == []
    assert readable_by_others(closed) == []
    assert check("grades", closed).ok


def test_a_readable_file_under_passable_folders_is_named(open_folder):
    kit = open_folder / "kit"
    (kit / "solutions").mkdir(parents=True)
    for folder in (kit, kit / "solutions"):
        folder.chmod(0o711)  # passable, not listable
    (kit / "solutions" / "ref.ipynb").write_text("x")
    (kit / "solutions" / "ref.ipynb").chmod(0o644)
    (kit / "solutions" / "private.txt").write_text("x")
    (kit / "solutions" / "private.txt").chmod(0o600)
    finding = check("the reference", kit / "solutions")
    assert finding.readable == [kit / "solutions" / "ref.ipynb"]
    assert way_in(kit / "solutions") == open_folder  # the highest of the owner's, below /tmp
    told = str(finding)
    assert f"can read {kit / 'solutions' / 'ref.ipynb'} (mode 0644)" in told
    assert f"chmod 700 {kit / 'solutions'}" in told and f"chmod 700 {open_folder}" in told
    (kit / "solutions").chmod(0o700)
    assert check("the reference", kit / "solutions").ok


def test_a_listable_folder_is_readable_even_when_its_files_are_not(open_folder):
    out = open_folder / "out"
    out.mkdir()
    out.chmod(0o755)
    (out / "grading_secret").write_bytes(b"s")
    (out / "grading_secret").chmod(0o600)
    assert readable_by_others(out) == [out]
    assert readable_by_others(out / "grading_secret") == []


def test_doctor_finds_the_grading_folders_of_the_course_and_of_the_demo(tmp_path):
    """``make course`` grades into ``course/graded/<assignment>``, ``make demo`` into
    ``demo-out/<assignment>/grading``: both are found, and a folder without a ready course is
    not."""
    for out in ("graded/batchnorm", "demo-out/dropout/grading", "scratch/half/done"):
        (tmp_path / out).mkdir(parents=True)
        (tmp_path / out / "settings.json").write_text("{}")
    for out in ("graded/batchnorm", "demo-out/dropout/grading"):
        (tmp_path / out / ".assignment-ready").touch()
    assert grading_folders(tmp_path) == [
        tmp_path / "demo-out/dropout/grading",
        tmp_path / "graded/batchnorm",
    ]
