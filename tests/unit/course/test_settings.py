"""What OUT is bound to: its gradebook and grading secret, chosen once and then held to."""

from __future__ import annotations

import json

import pytest

from autograder.course import database, settings
from autograder.course.settings import SettingsError, resolve

PG = "postgresql://grader:hunter2@db.example.org/course"


@pytest.fixture(autouse=True)
def no_course_config(monkeypatch):
    """The course's nbgrader_config.py sets no db_url unless a test says so."""
    monkeypatch.setattr(settings, "configured_db_url", lambda: None)


def test_a_new_out_gets_its_own_sqlite_gradebook_and_secret(tmp_path):
    chosen = resolve(tmp_path)
    assert chosen.db_url == f"sqlite:///{tmp_path / 'gradebook.db'}"
    assert chosen.secret_file == tmp_path / "grading_secret"
    chosen.record()
    assert len((tmp_path / "grading_secret").read_bytes()) == 32
    record = json.loads((tmp_path / "settings.json").read_text())
    assert record["db_url"] is None and record["secret_file"] is None


def test_the_gradebook_is_held_to_and_told_without_its_password(tmp_path):
    resolve(tmp_path, db_url=PG).record()
    assert resolve(tmp_path).db_url == PG  # a re-run without --db uses the recorded one
    with pytest.raises(SettingsError, match="was graded into the gradebook") as refused:
        resolve(tmp_path, db_url="sqlite:///elsewhere.db")
    assert "hunter2" not in str(refused.value) and "***" in str(refused.value)


def test_the_course_config_is_honoured_without_db(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "configured_db_url", lambda: PG)
    assert resolve(tmp_path).db_url == PG
    assert resolve(tmp_path, db_url="sqlite:///x.db").db_url == "sqlite:///x.db"


def test_configured_db_url_reads_nbgrader_config(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "ROOT", tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert database.configured_db_url() is None
    (tmp_path / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.db_url = {PG!r}\n"
    )
    assert database.configured_db_url() == PG


def test_the_secret_is_held_to_by_its_content(tmp_path):
    out, shared, copy, other = (tmp_path / n for n in ("out", "shared", "copy", "other"))
    shared.write_bytes(b"s" * 32)
    copy.write_bytes(b"s" * 32)
    other.write_bytes(b"o" * 32)
    resolve(out, secret_file=shared).record()
    assert resolve(out).secret_file == shared  # recorded
    assert resolve(out, secret_file=copy).secret() == b"s" * 32  # the same secret elsewhere
    with pytest.raises(SettingsError, match="not the grading secret"):
        resolve(out, secret_file=other)


def test_a_named_secret_must_exist(tmp_path):
    with pytest.raises(SettingsError, match="no grading secret at"):
        resolve(tmp_path / "out", secret_file=tmp_path / "missing")
    assert not (tmp_path / "missing").exists()
