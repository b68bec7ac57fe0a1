"""The image's setup check (``autograder.gradescope.check``): it fails, with the reason and
exit 1, when the kit is not the one in ``source/`` or the secret is missing."""

from __future__ import annotations

import os

import pytest

from autograder.gradescope import check as checking
from autograder.gradescope.folders import Folders
from autograder.grading import GraderFault


def test_the_kit_must_be_the_one_in_source(tmp_path, monkeypatch):
    with pytest.raises(GraderFault):
        checking.check_layout(Folders(tmp_path))
    (tmp_path / "source").mkdir()
    monkeypatch.setattr(checking, "ROOT", tmp_path / "source")
    checking.check_layout(Folders(tmp_path))  # no fault


def test_a_kit_loaded_elsewhere_fails_the_check(tmp_path, capsys):
    (tmp_path / "source").mkdir()
    assert checking.check(tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("setup check failed: the kit was loaded from")
    assert str(tmp_path / "source") in err
    # nothing was locked down
    assert not (tmp_path / "results").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="locking the folders down needs root")
def test_a_missing_secret_fails_the_check(tmp_path, monkeypatch, capsys):
    source = tmp_path / "source"
    source.mkdir()
    monkeypatch.setattr(checking, "ROOT", source)
    monkeypatch.setattr(checking, "_probe_sandbox", lambda: pytest.fail("probed without secret"))
    assert checking.check(tmp_path) == 1
    err = capsys.readouterr().err
    assert err == f"setup check failed: {source / 'grading_secret'} is missing\n"
    assert oct(source.stat().st_mode & 0o777) == oct(0o700)  # it was locked down first


@pytest.mark.skipif(os.geteuid() != 0, reason="locking the folders down needs root")
def test_the_check_passes_and_reports_the_points(tmp_path, monkeypatch, capsys):
    source = tmp_path / "source"
    source.mkdir()
    (source / "grading_secret").write_bytes(b"s")
    monkeypatch.setattr(checking, "ROOT", source)
    monkeypatch.setattr(checking, "_probe_sandbox", lambda: "a sandboxed Python ran")
    assert checking.check(tmp_path) == 0
    out = capsys.readouterr().out
    # batch norm's eleven autograded tasks, 43 points in all (the course's published outline)
    assert "11 autograded tasks, 43 points; a sandboxed Python ran" in out
