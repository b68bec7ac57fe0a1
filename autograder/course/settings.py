"""What a grading run's OUT is bound to: its gradebook (a database URL), its grading secret and
who may read it (its owner only, or also a group of staff).

The first ``grade`` into OUT chooses them and ``OUT/settings.json`` records the choice; every
later command on OUT (``grade`` again, ``export``, ``merge``) uses the same ones and refuses
others. A re-run keeps the students it finished, so it must find their grades in the same
gradebook and draw the same hidden inputs from the same secret.

- The gradebook: ``--db URL``, else ``CourseDirectory.db_url`` of the course's
  ``nbgrader_config.py``, else the one recorded, else ``sqlite:///OUT/gradebook.db``.
- The secret: ``--secret FILE`` (which must exist: shards and the merge share it), else the one
  recorded, else ``OUT/grading_secret`` (made on first use). Only its SHA-256 is recorded.
- Who may read OUT: ``--group NAME`` (the owner and that group), else ``--private`` (the owner
  only), else the one recorded, else the owner only (``autograder.access``). Unlike the other
  two, it may change from one command to the next: the command that changes it applies it to
  everything in OUT.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..access import Access, AccessError, atomic_write
from ..grading.inputs import load_secret
from ..layout import current
from .database import configured_db_url, shown

SETTINGS = "settings.json"
DEFAULT_SECRET = "grading_secret"
DEFAULT_DB = "gradebook.db"


class SettingsError(ValueError):
    """A gradebook or a secret other than the one OUT was graded with, or a missing secret."""


def fingerprint(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def recorded(out: Path) -> dict:
    """OUT's recorded settings ({} before its first grading)."""
    try:
        data = json.loads((out / SETTINGS).read_text())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise SettingsError(
            f"{out / SETTINGS} is not valid JSON ({exc}): fix or remove it"
        ) from None
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Settings:
    out: Path
    db_url: str
    secret_file: Path
    default_db: bool
    default_secret: bool
    group: str | None = None
    """The group of staff OUT is shared with (None: its owner's only)."""

    @property
    def access(self) -> Access:
        """The modes OUT's files get (SettingsError when the group cannot be used here)."""
        try:
            return Access.for_group(self.group)
        except AccessError as exc:
            raise SettingsError(f"{self.out} is shared with a group: {exc}") from None

    def secret(self) -> bytes:
        """The grading secret (OUT's own is made on first use), checked against the record."""
        secret = load_secret(self.secret_file)
        if not secret:
            raise SettingsError(f"the grading secret {self.secret_file} is empty")
        _check_secret(self.out, self.secret_file, secret)
        return secret

    def record(self) -> None:
        """Write OUT/settings.json (a default is recorded as null: OUT may be moved)."""
        atomic_write(
            self.out / SETTINGS,
            json.dumps(
                {
                    "db_url": None if self.default_db else self.db_url,
                    "secret_file": None if self.default_secret else str(self.secret_file),
                    "secret_sha256": fingerprint(self.secret()),
                    "group": self.group,
                    "assignment": current().name,
                },
                indent=1,
            ),
        )


def resolve(
    out: Path,
    *,
    db_url: str | None = None,
    secret_file: Path | None = None,
    group: str | None = None,
    private: bool = False,
) -> Settings:
    """OUT's gradebook, secret and group, from the options given, the course's config and the
    record.

    Raises
    ------
    SettingsError
        When they differ from what OUT was graded with, ``secret_file`` does not exist, or the
        group cannot be used here.
    """
    out = out.resolve()
    record = recorded(out)
    graded_for = record.get("assignment")
    if graded_for and graded_for != current().name:
        raise SettingsError(
            f"{out} holds the grades of the assignment {graded_for!r}, not {current().name!r}: "
            "grade each assignment into a folder of its own (they may share a gradebook: --db)"
        )
    default_url = f"sqlite:///{out / DEFAULT_DB}"
    was_url = (record.get("db_url") or default_url) if record else None
    wanted_url = db_url or configured_db_url()
    if wanted_url and was_url and wanted_url != was_url:
        source = "--db" if db_url else "nbgrader_config.py's CourseDirectory.db_url"
        raise SettingsError(
            f"{out} was graded into the gradebook {shown(was_url)}, and {source} says "
            f"{shown(wanted_url)}: pass --db {shown(was_url)}, or grade into a new folder"
        )
    url = wanted_url or was_url or default_url
    if secret_file is not None:
        secret_file = secret_file.resolve()
        if not secret_file.is_file():
            raise SettingsError(
                f"no grading secret at {secret_file}: make one once (head -c 32 /dev/urandom "
                f"> {secret_file}) and give the same file to every shard and to the merge"
            )
    elif record.get("secret_file"):
        secret_file = Path(record["secret_file"])
    path = secret_file or out / DEFAULT_SECRET
    if path.is_file():
        _check_secret(out, path, path.read_bytes())
    if group is not None and private:
        raise SettingsError("--group and --private: choose one")
    wanted_group = None if private else group or record.get("group")
    try:
        chosen = Access.for_group(wanted_group)
    except AccessError as exc:
        told = "--group" if group else f"{out / SETTINGS}"
        raise SettingsError(
            f"cannot share {out} with the group {wanted_group!r} ({told}): {exc}; pass "
            "--group NAME with a group of yours, or --private"
        ) from None
    return Settings(
        out=out,
        db_url=url,
        secret_file=path,
        default_db=url == default_url,
        default_secret=secret_file is None,
        group=chosen.group,
    )


def of_record(out: Path) -> Settings:
    """The settings OUT was graded with, from its record alone (another host's config aside)."""
    out = out.resolve()
    record = recorded(out)
    if not record:
        raise SettingsError(f"{out} holds no {SETTINGS}: it is not the output of a grade command")
    return Settings(
        out=out,
        db_url=record.get("db_url") or f"sqlite:///{out / DEFAULT_DB}",
        secret_file=Path(record["secret_file"])
        if record.get("secret_file")
        else out / DEFAULT_SECRET,
        default_db=not record.get("db_url"),
        default_secret=not record.get("secret_file"),
        group=record.get("group"),
    )


def _check_secret(out: Path, path: Path, secret: bytes) -> None:
    expected = recorded(out).get("secret_sha256")
    if expected and fingerprint(secret) != expected:
        raise SettingsError(
            f"{path} is not the grading secret {out} was graded with (its SHA-256 begins "
            f"{expected[:12]}): pass that one with --secret, or grade into a new folder"
        )
