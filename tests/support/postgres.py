"""A private PostgreSQL server for the tests: a cluster of its own in a temporary folder.

``initdb -D DIR -A trust -U postgres``, then ``pg_ctl -D DIR -o '-p PORT -k DIR -c
listen_addresses=127.0.0.1' -w start``, as the ``postgres`` user when the tests run as root
(PostgreSQL refuses to run as root); stopped and removed at the end. The binaries are found on
PATH, else in Debian's ``/usr/lib/postgresql/<version>/bin``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import free_port

SLOW_HOST = 600
"""Seconds ``initdb`` and ``pg_ctl start`` may take on a busy host (seconds on a quiet one)."""


class Unavailable(RuntimeError):
    """No PostgreSQL server can be started here (the reason says why)."""


def binaries() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``."""
    found = shutil.which("initdb")
    if found and (Path(found).resolve().parent / "pg_ctl").exists():
        return Path(found).resolve().parent
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if debian:
        return Path(debian[-1]).parent
    raise Unavailable(
        "no initdb on PATH nor in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    )


def _as_owner(command: list[str]) -> list[str]:
    """``command`` as the postgres user when running as root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]


def _run(command: list[str], what: str, cwd: Path) -> None:
    """Run as the cluster's owner, from a folder it can enter (not a root-only checkout)."""
    done = subprocess.run(
        _as_owner(command),
        capture_output=True,
        text=True,
        timeout=2 * SLOW_HOST,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )
    if done.returncode != 0:
        raise Unavailable(f"{what} failed ({done.returncode}): {done.stdout}{done.stderr}"[:2000])


@contextmanager
def server() -> Iterator[str]:
    """A running private server; yields the URL of an empty database ``gradebook`` in it."""
    bin_dir = binaries()
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no postgres user") from None
    folder = Path(tempfile.mkdtemp(prefix="kit-pg-"))
    data = folder / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        folder.chmod(0o700)
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
            "initdb",
            folder,
        )
        port = _start(bin_dir, data, folder)
        try:
            import psycopg

            admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute("CREATE DATABASE gradebook")
            yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
        finally:
            subprocess.run(
                _as_owner(
                    [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                ),
                capture_output=True,
                timeout=120,
                cwd=folder,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _start(bin_dir: Path, data: Path, folder: Path) -> int:
    """Start the server on a free port (another one if that port was taken meanwhile)."""
    for attempt in range(3):
        port = free_port()
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        log = folder / f"server-{attempt}.log"
        command = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
        command += ["-w", "-t", str(SLOW_HOST)]
        try:
            _run([*command, "start"], "pg_ctl start", folder)
            return port
        except Unavailable as exc:
            error = f"{exc}\n{log.read_text() if log.exists() else ''}"
    raise Unavailable(error)
