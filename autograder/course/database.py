"""The gradebook's database as a URL: which one a course configures, how it is shown, the lock
that lets several grading processes set one PostgreSQL gradebook up at the same time, and how
grading processes share one SQLite gradebook."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ..layout import ROOT

SQLITE_PATIENCE_MS = 600_000
"""How long a SQLite connection waits for another process's write before it fails."""


class GradebookUnreachable(RuntimeError):
    """The gradebook's database cannot be reached (a wrong URL, a server that is down)."""


def configured_db_url() -> str | None:
    """``CourseDirectory.db_url`` when the course's ``nbgrader_config.py`` sets it, else None."""
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    if "db_url" in config.CourseDirectory:
        return str(config.CourseDirectory.db_url)
    return None


def is_postgresql(db_url: str) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(db_url).get_backend_name() == "postgresql"


def shown(db_url: str) -> str:
    """The URL as it may be printed: its password, if any, masked."""
    from sqlalchemy.engine import make_url

    return make_url(db_url).render_as_string(hide_password=True)


ASSIGNMENT_LOCK = "batchnorm-kit: the assignment"
"""The advisory lock between writing the assignment into a shared gradebook (exclusive) and
grading against it (shared)."""


@contextmanager
def exclusive(db_url: str, name: str) -> Iterator[None]:
    """One process at a time in this block, for every process using the same PostgreSQL database.

    nbgrader creates a new gradebook's tables and its assignment with checks-then-inserts, which
    race when two graders start on one database at once; and ``generate_assignment`` removes and
    re-creates the assignment's notebook while no submission is recorded, under the feet of
    another grader's ``autograde``. A PostgreSQL advisory lock (held by a connection of its own,
    released when it closes) makes them take turns. SQLite needs none: each grading run has a
    gradebook of its own.
    """
    with _advisory(db_url, name, shared=False):
        yield


@contextmanager
def sharing(db_url: str, name: str) -> Iterator[None]:
    """Any number of processes in this block at once, but none while one is in ``exclusive``
    with the same name (PostgreSQL; nothing to do for SQLite)."""
    with _advisory(db_url, name, shared=True):
        yield


@contextmanager
def _advisory(db_url: str, name: str, *, shared: bool) -> Iterator[None]:
    if not is_postgresql(db_url):
        yield
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    kind = "_shared" if shared else ""
    engine = create_engine(db_url)
    try:
        try:
            connection = engine.connect()
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise GradebookUnreachable(
                f"cannot connect to the gradebook at {shown(db_url)}: {reason}"
            ) from None
        with connection:
            connection.execute(text(f"SELECT pg_advisory_lock{kind}(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text(f"SELECT pg_advisory_unlock{kind}(:key)"), {"key": key})
    finally:
        engine.dispose()


@functools.cache
def patient_sqlite() -> None:
    """Every SQLite connection this process opens waits up to ``SQLITE_PATIENCE_MS`` for
    another process's write, instead of failing after five seconds (Python's default): on a
    busy host, a reader waiting for a commit must not make a student *not graded*."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _wait_for_writers(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_PATIENCE_MS}")


@contextmanager
def writing(db_url: str) -> Iterator[None]:
    """A SQLite gradebook's writing turn: one writer at a time, on a lock file beside the
    database. SQLite alone would refuse a second writer that read first (its way out of a
    deadlock) instead of making it wait. PostgreSQL needs no turn."""
    from sqlalchemy.engine import make_url

    database = make_url(db_url).database
    if is_postgresql(db_url) or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # closing the file releases the lock
