"""The gradebook's URL and locks (``autograder.course.database``): which URLs are PostgreSQL,
printing a URL without its password, the SQLite writing turn between threads and processes, and
the patience of every SQLite connection."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest

from autograder.course import database
from autograder.course.database import (
    SQLITE_PATIENCE_MS,
    GradebookUnreachable,
    exclusive,
    is_postgresql,
    patient_sqlite,
    sharing,
    shown,
    writing,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://alice@db.example/grades", True),
        ("postgresql+psycopg://alice:pw@db.example:5433/grades", True),
        ("sqlite:///gradebook.db", False),
        ("sqlite:////srv/course/gradebook.db", False),
        ("sqlite://", False),
    ],
)
def test_postgresql_is_told_from_sqlite_by_the_backend_not_the_driver(url, expected):
    assert is_postgresql(url) is expected


def test_a_password_is_masked_and_the_rest_kept():
    printed = shown("postgresql://alice:s3cr3t-pw@db.example:5433/grades")
    assert "s3cr3t-pw" not in printed
    assert printed == "postgresql://alice:***@db.example:5433/grades"


def test_a_url_without_password_is_shown_as_given():
    assert shown("sqlite:////srv/course/gradebook.db") == "sqlite:////srv/course/gradebook.db"
    assert shown("postgresql://alice@db.example/grades") == "postgresql://alice@db.example/grades"


def test_the_course_config_names_the_database_or_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "ROOT", tmp_path)
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.Exchange.root = "/x"\n')
    assert database.configured_db_url() is None
    (tmp_path / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.db_url = "sqlite:////srv/g.db"\n'
    )
    assert database.configured_db_url() == "sqlite:////srv/g.db"


def test_the_writing_turn_is_a_lock_file_beside_the_database(tmp_path):
    db = tmp_path / "gradebook.db"
    with writing(f"sqlite:///{db}"):
        lock = tmp_path / "gradebook.db.lock"
        assert lock.exists()
        with open(lock) as other, pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(lock) as other:  # released at the end of the block
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_the_turn_is_released_when_the_block_fails(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with pytest.raises(RuntimeError), writing(url):
        raise RuntimeError("a write failed")
    with open(tmp_path / "gradebook.db.lock") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_two_threads_take_turns(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    log: list[str] = []
    first_in, second_started = threading.Event(), threading.Event()

    def first():
        with writing(url):
            log.append("first in")
            first_in.set()
            second_started.wait(5)
            time.sleep(0.3)  # the second one waits meanwhile
            log.append("first out")

    def second():
        first_in.wait(5)
        second_started.set()
        with writing(url):
            log.append("second in")
        log.append("second out")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert log == ["first in", "first out", "second in", "second out"]


def test_another_process_waits_for_the_turn(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    marker = tmp_path / "the other wrote"
    program = (
        "import pathlib, sys\n"
        "from autograder.course.database import writing\n"
        "with writing(sys.argv[1]):\n"
        "    pathlib.Path(sys.argv[2]).write_text('x')\n"
    )
    with writing(url):
        other = subprocess.Popen([sys.executable, "-c", program, url, str(marker)])
        time.sleep(1.5)  # ample time to import and reach the lock
        assert other.poll() is None and not marker.exists()
    assert other.wait(30) == 0
    assert marker.exists()


@pytest.mark.parametrize(
    "url", ["postgresql://alice@db.example/grades", "sqlite://", "sqlite:///:memory:"]
)
def test_no_lock_file_for_postgresql_or_memory(url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with writing(url):
        pass
    assert os.listdir(tmp_path) == []


def test_advisory_locks_are_nothing_for_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with exclusive(url, "x"), sharing(url, "x"), exclusive(url, "x"):
        pass  # no database is opened, so nested turns cannot deadlock
    assert os.listdir(tmp_path) == []


def test_an_unreachable_postgresql_is_said_without_its_password():
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1:1/grades?connect_timeout=3"
    with pytest.raises(GradebookUnreachable) as caught, exclusive(url, "x"):
        pytest.fail("the block ran without a database")
    message = str(caught.value)
    assert "cannot connect to the gradebook" in message and "127.0.0.1" in message
    assert "s3cr3t-pw" not in message


def test_sqlite_connections_wait_for_writers(tmp_path):
    from sqlalchemy import create_engine, text

    patient_sqlite()
    engine = create_engine(f"sqlite:///{tmp_path / 'gradebook.db'}")
    try:
        with engine.connect() as connection:
            timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()
    finally:
        engine.dispose()
    assert timeout == SQLITE_PATIENCE_MS
    assert timeout >= 60_000  # minutes, not Python's five seconds
