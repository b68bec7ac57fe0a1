"""Merging shards (``autograder.course.merge``): what is refused before anything is written
(OUT among the shards, a shard twice, a folder that is not a finished grade output or is of
another grader version, a student in two shards, another grading secret), which gradebook OUT
gets, and how a student's files replace OUT's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from autograder.course import merge as merging
from autograder.course.collect import Student
from autograder.course.merge import merge
from autograder.course.roster import save
from autograder.course.settings import SettingsError
from autograder.grading.inputs import grader_version

SECRET = b"one secret for the whole class"


def shard(
    folder: Path,
    students: list[str],
    *,
    secret: bytes = SECRET,
    ready: bool = True,
    db_url: str | None = None,
) -> Path:
    """A folder as ``grade --shard`` leaves it, as far as merge checks it before copying."""
    folder.mkdir(parents=True)
    record = {"assignment": "batchnorm", "secret_sha256": hashlib.sha256(secret).hexdigest()}
    if db_url:
        record["db_url"] = db_url
    (folder / "settings.json").write_text(json.dumps(record))
    (folder / "grading_secret").write_bytes(secret)
    save(folder, [Student(s, None, [], []) for s in students])
    if ready:
        (folder / ".assignment-ready").write_text(grader_version())
    return folder


@pytest.fixture
def captured(monkeypatch):
    """merge's checks only: what it would merge, instead of merging."""
    calls = []

    def fake(batch, folders, settings, rosters):
        calls.append((batch, folders, rosters))
        return 0

    monkeypatch.setattr(merging, "_merge", fake)
    return calls


def test_out_among_the_shards_or_a_shard_twice_is_refused(tmp_path):
    a, b = shard(tmp_path / "a", ["alice"]), shard(tmp_path / "b", ["bob"])
    with pytest.raises(SettingsError, match="each shard once"):
        merge([a, b], a)
    with pytest.raises(SettingsError, match="each shard once"):
        merge([a, tmp_path / "b" / ".." / "a"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_a_grade_output_is_refused(tmp_path):
    a = shard(tmp_path / "a", ["alice"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SettingsError, match="not the output of a grade command"):
        merge([a, tmp_path / "empty"], tmp_path / "out")
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / "settings.json").write_text(json.dumps({"assignment": "batchnorm"}))
    with pytest.raises(SettingsError, match=r"holds no students\.json"):
        merge([a, unfinished], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_shard_of_another_grader_version_is_refused(tmp_path):
    a = shard(tmp_path / "a", ["alice"])
    old = shard(tmp_path / "old", ["bob"], ready=False)
    (old / ".assignment-ready").write_text("0" * 64)
    with pytest.raises(SettingsError, match="another version of the grader"):
        merge([a, old], tmp_path / "out")


def test_a_student_in_two_shards_is_refused(tmp_path):
    a = shard(tmp_path / "a", ["alice", "bob"])
    b = shard(tmp_path / "b", ["carol", "bob"])
    with pytest.raises(SettingsError, match="bob is in two shards"):
        merge([a, b], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_shard_graded_with_another_secret_is_refused(tmp_path, captured):
    a = shard(tmp_path / "a", ["alice"])
    b = shard(tmp_path / "b", ["bob"], secret=b"another secret")
    with pytest.raises(SettingsError, match="another grading secret"):
        merge([a, b], tmp_path / "out")
    # a secret named for the merge must be the shards' too
    other = tmp_path / "other_secret"
    other.write_bytes(b"a third secret")
    c = shard(tmp_path / "c", ["carol"])
    with pytest.raises(SettingsError, match="another grading secret"):
        merge([a, c], tmp_path / "out", secret_file=other)
    assert captured == []


def test_consistent_shards_are_merged_in_their_order(tmp_path, captured):
    a = shard(tmp_path / "a", ["bob", "alice"])
    b = shard(tmp_path / "b", ["carol"])
    assert merge([a, b], tmp_path / "out") == 0
    [(batch, folders, rosters)] = captured
    assert folders == [a.resolve(), b.resolve()]
    assert [[s.id for s in r] for r in rosters] == [["bob", "alice"], ["carol"]]
    assert batch.out == (tmp_path / "out").resolve()
    assert batch.secret == SECRET


def test_out_gets_a_gradebook_of_its_own_unless_the_shards_shared_one(tmp_path, captured):
    a, b = shard(tmp_path / "a", ["alice"]), shard(tmp_path / "b", ["bob"])
    merge([a, b], tmp_path / "out1")
    assert captured[-1][0].db_url == f"sqlite:///{(tmp_path / 'out1').resolve()}/gradebook.db"

    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    c = shard(tmp_path / "c", ["carol"], db_url=shared)
    d = shard(tmp_path / "d", ["dave"], db_url=shared)
    merge([c, d], tmp_path / "out2")
    assert captured[-1][0].db_url == shared

    named = f"sqlite:///{tmp_path / 'named.db'}"
    merge([c, d], tmp_path / "out3", db_url=named)
    assert captured[-1][0].db_url == named


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_students_files_in_the_shard_replace_those_in_out(tmp_path):
    source, out = tmp_path / "shard", tmp_path / "out"
    write(source / "course/submitted/alice/batchnorm/BatchNormalization.ipynb", "new")
    write(source / "course/autograded/alice/batchnorm/BatchNormalization.ipynb", "graded")
    (source / "course/submitted/alice/link").symlink_to("/etc/hostname")
    write(source / "results/alice.json", '{"new": 1}')
    write(source / "done/alice.json", "{}")
    # OUT from an earlier merge: alice was not graded then, and had feedback
    write(out / "course/submitted/alice/old.ipynb", "old")
    write(out / "course/feedback/alice/batchnorm/old.html", "old")
    write(out / "not-graded/alice.json", "{}")
    write(out / "results/alice.json", '{"old": 1}')
    write(out / "results/bob.json", "bob's")  # another student's: kept

    merging._copy_files(source, out, "alice")

    sub = out / "course/submitted/alice"
    assert sorted(p.name for p in sub.iterdir()) == ["batchnorm", "link"]
    assert (sub / "batchnorm/BatchNormalization.ipynb").read_text() == "new"
    assert (sub / "link").is_symlink()  # copied as a link, never followed
    assert (out / "course/autograded/alice/batchnorm/BatchNormalization.ipynb").exists()
    assert not (out / "course/feedback/alice").exists()
    assert not (out / "not-graded/alice.json").exists()
    assert (out / "results/alice.json").read_text() == '{"new": 1}'
    assert (out / "done/alice.json").exists()
    assert (out / "results/bob.json").read_text() == "bob's"
