"""The gradebook's database as a URL: which one a course configures, how it is shown, the lock
that lets several grading processes set one PostgreSQL gradebook up at the same time, and how
grading processes share one SQLite gradebook."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    busy host, a reader waiting for a commit must not make a student *not graded*.

    A connection to a gradebook in WAL mode (:func:`use_wal`) also commits without waiting for
    the disk (``synchronous = NORMAL``): :func:`durable` makes its commits durable at once,
    before a student is marked done. A gradebook in any other mode keeps SQLite's default."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _wait_for_writers(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_PATIENCE_MS}")
            (mode,) = dbapi_connection.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() == "wal":
                dbapi_connection.execute("PRAGMA synchronous = NORMAL")


_ENGINES: dict[tuple, object] = {}


def share_engines() -> None:
    """nbgrader's gradebooks in this process share one SQLAlchemy engine per database.

    nbgrader makes a new ``Gradebook`` for each step (some ten a student), and each made its own
    engine: a new dialect, whose SQL was compiled again for every query (SQLAlchemy caches the
    compiled statements per engine), the third of autograde's and feedback's time. Here
    ``nbgrader.api.create_engine`` gives every gradebook of this process on the same database
    the same engine, without a pool (``NullPool``): each gradebook still opens its own
    connection and closes it (``Gradebook.close`` disposes of the pool, which holds none), as
    before; only the dialect and its compiled statements are kept. A forked process makes its
    own. A gradebook in memory (``sqlite://``) keeps nbgrader's own engine: without a pool,
    each connection would be another empty database.

    And a new gradebook checks that each of nbgrader's tables exists (``create_all``, a query a
    table) on its engine's first one only, per SQLite file (its device and inode; an empty file
    is always checked): tables are never dropped while a batch grades. Grading workers call
    this (``batch.py``); other commands leave nbgrader as it is."""
    import nbgrader.api
    from sqlalchemy.pool import NullPool

    if getattr(nbgrader.api.create_engine, "shared_per_database", False):
        return
    create_engine = nbgrader.api.create_engine
    metadata = nbgrader.api.Base.metadata
    create_all = metadata.create_all
    checked: set[tuple] = set()  # shared engines (and files) whose tables were made or found

    def shared(url, **options):
        if sqlite_file(str(url)) is None and not is_postgresql(str(url)):
            return create_engine(url, **options)  # in memory: its own engine and pool
        key = (os.getpid(), str(url), tuple(sorted(options.items())))
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = create_engine(url, poolclass=NullPool, **options)
        return engine

    def create_all_once(bind=None, **options):
        if bind is None or not any(bind is engine for engine in _ENGINES.values()):
            return create_all(bind=bind, **options)  # not one of the shared engines
        database = (id(bind), _file_identity(bind))
        if database[1] is None or database not in checked:
            create_all(bind=bind, **options)
            checked.add(database)
        return None

    shared.shared_per_database = True  # type: ignore[attr-defined]
    nbgrader.api.create_engine = shared
    metadata.create_all = create_all_once  # type: ignore[method-assign]


def _file_identity(engine) -> tuple[int, int] | bool | None:
    """Which database ``engine`` reaches now: a SQLite file's device and inode, None while the
    file is missing or empty (a file made again may get the inode of the one removed: it is
    empty until its first table); True for PostgreSQL, whose database a grading run never makes
    again."""
    path = sqlite_file(engine.url.render_as_string(hide_password=False))
    if path is None:
        return True
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return (status.st_dev, status.st_ino) if status.st_size else None


def sqlite_file(db_url: str) -> Path | None:
    """The file of a SQLite gradebook (None: PostgreSQL, or SQLite in memory)."""
    from sqlalchemy.engine import make_url

    database = make_url(db_url).database
    if is_postgresql(db_url) or not database or database == ":memory:":
        return None
    return Path(database)


def use_wal(db_url: str) -> None:
    """A SQLite gradebook in write-ahead-log mode (it stays so: the mode is kept in the file).

    In SQLite's default mode every commit waits for the disk three times (journal, database,
    folder), and nbgrader commits each grade and comment on its own: some fifty commits a
    student, most of the time of its autograde, spent holding the gradebook's writing turn.
    In WAL mode, with ``synchronous = NORMAL`` (:func:`patient_sqlite`), a commit is an append
    to the log, which no process crash can lose: the log is in the kernel's hands, and the next
    connection replays it. Only a power cut or a kernel crash could lose recent commits (never
    corrupt the file): :func:`durable` syncs the log before a student is marked done, so what a
    done marker promises is on disk, as it was before. Readers (the feedback pages) no longer
    block the writer, nor the writer them. Nothing to do for PostgreSQL."""
    path = sqlite_file(db_url)
    if path is None:
        return
    with contextlib.closing(sqlite3.connect(path, timeout=SQLITE_PATIENCE_MS / 1000)) as db:
        db.execute("PRAGMA journal_mode = WAL")


def leave_wal(db_url: str, wait: float = 5.0) -> None:
    """A SQLite gradebook back in SQLite's default mode (a rollback journal) once a batch is
    graded and published: one file again, which a reader without write access to its folder, or
    on a network file system, can open (WAL needs a shared-memory file beside the database).
    The log is checkpointed into the database first. Left in WAL mode, which is just as
    correct, when another process still has the gradebook open after ``wait`` seconds. Nothing
    to do for PostgreSQL."""
    path = sqlite_file(db_url)
    if path is None or not path.exists():
        return
    with contextlib.closing(sqlite3.connect(path, timeout=wait)) as db:
        with contextlib.suppress(sqlite3.OperationalError):  # busy: another reader or writer
            db.execute("PRAGMA journal_mode = DELETE")


_KEPT: dict[tuple[int, str], sqlite3.Connection] = {}


def keep_log(db_url: str) -> None:
    """One connection to a SQLite gradebook in WAL mode, kept open and idle until this process
    ends (or :func:`release_log`).

    SQLite checkpoints the log into the database, syncs both and deletes the log whenever the
    last connection to it closes, and nbgrader opens and closes a connection about ten times a
    student: with one left open, the log stays, and is checkpointed only as it grows (every
    thousand pages). An idle connection holds no lock that stops a writer or a checkpoint.
    Nothing to do for PostgreSQL, nor in SQLite's default mode."""
    path = sqlite_file(db_url)
    key = (os.getpid(), str(path))  # a forked worker opens its own
    if path is None or key in _KEPT:
        return
    db = sqlite3.connect(path, timeout=SQLITE_PATIENCE_MS / 1000, check_same_thread=False)
    (mode,) = db.execute("PRAGMA journal_mode").fetchone()
    if str(mode).lower() != "wal":
        db.close()
        return
    _KEPT[key] = db


def release_log(db_url: str) -> None:
    """The connection :func:`keep_log` kept in this process closed, when there is one: a batch
    graded in this process is over, and a process that grades batch after batch would keep a
    connection (three open files) to each of their gradebooks."""
    db = _KEPT.pop((os.getpid(), str(sqlite_file(db_url))), None)
    if db is not None:
        db.close()


def durable(db_url: str) -> None:
    """What this process (and any other) committed to a SQLite gradebook in WAL mode is on disk:
    its log, the database and their folder synced. Nothing to do for PostgreSQL, nor for a
    gradebook in SQLite's default mode (each of its commits waited for the disk already)."""
    path = sqlite_file(db_url)
    if path is None:
        return
    for synced in (Path(f"{path}-wal"), path, path.parent):
        try:
            fd = os.open(synced, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # no log: every commit is in the database (synced by its checkpoint)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def writing(db_url: str) -> Iterator[None]:
    """A SQLite gradebook's writing turn: one writer at a time, on a lock file beside the
    database. SQLite alone would refuse a second writer that read first (its way out of a
    deadlock) instead of making it wait. PostgreSQL needs no turn."""
    database = sqlite_file(db_url)
    if database is None:
        yield
        return
    with open(f"{database}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # closing the file releases the lock
