"""Gradescope's folders in the container (``autograder.gradescope.folders``): the notebook
chosen in a submission, the student's id from the metadata, and the lockdown of the source,
the results and the metadata."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from autograder.gradescope.folders import (
    Folders,
    find_notebook,
    hide_metadata,
    lock_down,
    student_id,
)

NB = "BatchNormalization.ipynb"
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to root needs root")


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_the_folders_are_gradescopes():
    folders = Folders(Path("/autograder"))
    assert folders.source == Path("/autograder/source")
    assert folders.submission == Path("/autograder/submission")
    assert folders.results == Path("/autograder/results")
    assert folders.metadata == Path("/autograder/submission_metadata.json")


def test_the_notebook_of_the_release_name_is_graded(tmp_path):
    touch(tmp_path / NB)
    touch(tmp_path / "scratch.ipynb")
    found = find_notebook(tmp_path)
    assert found.notebook == tmp_path / NB
    assert found.notes == [] and found.flags == []


def test_the_one_notebook_under_another_name_is_graded_with_a_note(tmp_path):
    touch(tmp_path / "my_batchnorm.ipynb")
    touch(tmp_path / "deep/down" / NB)  # a top-level notebook comes first
    found = find_notebook(tmp_path)
    assert found.notebook == tmp_path / "my_batchnorm.ipynb"
    assert "named my_batchnorm.ipynb" in found.notes[0]


def test_a_github_submission_has_it_in_a_subfolder(tmp_path):
    touch(tmp_path / "repo/assignment" / NB)
    touch(tmp_path / ".git/old" / NB)  # hidden folders do not count
    found = find_notebook(tmp_path)
    assert found.notebook == tmp_path / "repo/assignment" / NB
    assert found.notes == [f"graded repo/assignment/{NB}: {NB} is not at the top"]


def test_two_candidates_is_nothing_graded_and_says_which(tmp_path):
    touch(tmp_path / "a.ipynb")
    touch(tmp_path / "b.ipynb")
    found = find_notebook(tmp_path)
    assert found.notebook is None
    assert found.notes == [f"no {NB} in the submission (found a.ipynb, b.ipynb)"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_notebook(empty).notes == [f"no {NB} in the submission"]


def test_symbolic_links_are_never_followed_and_are_flagged(tmp_path):
    secret = touch(tmp_path / "outside" / "reference.ipynb")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / NB).symlink_to(secret)
    (sub / "etc").symlink_to("/etc")
    found = find_notebook(sub)
    assert found.notebook is None
    assert "symbolic link" in found.notes[0]
    assert len(found.flags) == 2
    assert any(str(secret) in f and "not followed" in f for f in found.flags)


def metadata(tmp_path: Path, data) -> Path:
    path = tmp_path / "submission_metadata.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_a_group_is_its_user_ids_in_numeric_order(tmp_path):
    path = metadata(tmp_path, {"users": [{"id": 100}, {"id": "9"}, {"id": 52}]})
    assert student_id(path) == ("9-52-100", "from submission_metadata.json")
    assert student_id(metadata(tmp_path, {"users": [{"id": 7}]}))[0] == "7"


@pytest.mark.parametrize("data", ["not json", {"users": []}, {"users": [{"email": "a@x"}]}, {}])
def test_no_user_ids_is_a_fixed_id_and_the_reason(tmp_path, data):
    student, why = student_id(metadata(tmp_path, data))
    assert student == "submission"
    assert "fixed id" in why


def test_a_missing_metadata_file_is_a_fixed_id(tmp_path):
    assert student_id(tmp_path / "nothing.json")[0] == "submission"


@needs_root
def test_lock_down_makes_the_source_roots_and_the_results_unwritable(tmp_path):
    folders = Folders(tmp_path)
    folders.source.mkdir(mode=0o777)
    os.chmod(folders.source, 0o777)
    metadata(tmp_path, {"users": [{"id": 7, "email": "a@x"}]})
    os.chmod(folders.metadata, 0o666)
    lock_down(folders)
    assert stat.S_IMODE(folders.source.stat().st_mode) == 0o700
    assert stat.S_IMODE(folders.results.stat().st_mode) == 0o755
    assert stat.S_IMODE(folders.metadata.stat().st_mode) == 0o600
    for path in (folders.source, folders.results, folders.metadata):
        assert path.stat().st_uid == 0


@needs_root
def test_metadata_that_is_not_a_regular_file_is_refused(tmp_path):
    folders = Folders(tmp_path)
    hide_metadata(folders)  # none: nothing to hide
    target = touch(tmp_path / "elsewhere.json")
    os.chmod(target, 0o644)
    folders.metadata.symlink_to(target)
    with pytest.raises(OSError, match="not a regular file"):
        hide_metadata(folders)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # the link's target untouched
