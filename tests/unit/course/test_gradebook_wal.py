"""A grading run's SQLite gradebook in WAL mode: its commits do not wait for the disk, the log
stays while a grading process runs, and a student's grades are synced before they are marked
done (``course/database.py``)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from autograder.course import database

BIN = Path(sys.executable).parent


def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def test_wal_and_its_commits_not_waiting_for_the_disk(tmp_path):
    db_url = url(tmp_path)
    database.patient_sqlite()
    engine = create_engine(db_url)
    with engine.connect() as connection:  # SQLite's default mode: its default sync
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()
    database.use_wal(db_url)
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    engine.dispose()


def test_the_log_stays_while_a_connection_is_kept(tmp_path):
    db_url = url(tmp_path)
    database.use_wal(db_url)
    path = tmp_path / "gradebook.db"
    database.keep_log(db_url)
    database.keep_log(db_url)  # once per process
    for value in range(3):  # nbgrader: a connection opened and closed for each step
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS grade (score)")
            db.execute("INSERT INTO grade VALUES (?)", (value,))
        db.close()
        assert (tmp_path / "gradebook.db-wal").exists()
    database.durable(db_url)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM grade").fetchone() == (3,)
    db.close()
    database.release_log(db_url)
    database.release_log(db_url)  # nothing left to close
    assert not (tmp_path / "gradebook.db-wal").exists()  # the last connection checkpointed it
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM grade").fetchone() == (3,)
    db.close()


def test_a_graded_gradebook_is_one_file_again(tmp_path):
    """After the batch, the log is in the database and the mode is SQLite's default: a reader
    that cannot write beside it can open it."""
    db_url = url(tmp_path)
    path = tmp_path / "gradebook.db"
    database.use_wal(db_url)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE grade (score)")
        db.execute("INSERT INTO grade VALUES (1)")
    db.close()
    database.leave_wal(db_url)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gradebook.db"]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert db.execute("SELECT count(*) FROM grade").fetchone() == (1,)
    db.close()


def test_a_gradebook_in_use_stays_in_wal_mode(tmp_path):
    db_url = url(tmp_path)
    path = tmp_path / "gradebook.db"
    database.use_wal(db_url)
    reader = sqlite3.connect(path)
    reader.execute("CREATE TABLE grade (score)")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM grade").fetchone()  # a read in progress
    database.leave_wal(db_url, wait=0.1)  # no error
    reader.rollback()
    assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    reader.close()


def test_nothing_to_do_for_postgresql_or_a_gradebook_in_memory(tmp_path):
    for db_url in ("postgresql://grader@db.example.org/course", "sqlite://"):
        assert database.sqlite_file(db_url) is None
        database.use_wal(db_url)
        database.keep_log(db_url)
        database.durable(db_url)
    database.durable(url(tmp_path))  # a gradebook not made yet: nothing to sync


@pytest.fixture
def shared_engines(monkeypatch):
    """``database.share_engines`` in force for one test: nbgrader as it was afterwards."""
    import nbgrader.api

    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)
    metadata = nbgrader.api.Base.metadata
    monkeypatch.setattr(metadata, "create_all", metadata.create_all)
    monkeypatch.setenv("PATH", str(BIN), prepend=":")  # nbgrader asks alembic for its version
    database.share_engines()
    return nbgrader.api


def test_gradebooks_of_a_grading_process_share_one_engine(tmp_path, shared_engines):
    """nbgrader's gradebooks on one database share their engine (its compiled SQL), each with
    its own connection, closed with it; a new database still gets nbgrader's tables."""
    nbgrader = shared_engines
    database.share_engines()  # once
    other = tmp_path / "other"
    other.mkdir()
    engines = []
    for path in (tmp_path, tmp_path, other):
        with nbgrader.Gradebook(url(path), "course") as gb:
            gb.update_or_create_student("ada")
            engines.append(gb.engine)
        assert isinstance(gb.engine.pool, NullPool)  # no connection kept
    assert engines[0] is engines[1] and engines[2] is not engines[0]
    with nbgrader.Gradebook(url(tmp_path), "course") as gb:
        assert [s.id for s in gb.students] == ["ada"]


def test_a_gradebook_made_again_gets_its_tables_again(tmp_path, shared_engines):
    """The tables are looked for once per engine and file: a gradebook removed and made again
    at the same place is a new file, whose tables are made."""
    nbgrader = shared_engines
    for student in ("ada", "bob"):
        with nbgrader.Gradebook(url(tmp_path), "course") as gb:
            gb.update_or_create_student(student)
            assert [s.id for s in gb.students] == [student]
        for name in ("gradebook.db", "gradebook.db-wal", "gradebook.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)


def test_a_gradebook_in_memory_keeps_its_own_engine(shared_engines):
    """Without a pool, each connection to ``sqlite://`` would be another empty database."""
    nbgrader = shared_engines
    with nbgrader.Gradebook("sqlite://", "course") as gb:
        gb.update_or_create_student("ada")
        assert [s.id for s in gb.students] == ["ada"]
        assert not isinstance(gb.engine.pool, NullPool)
