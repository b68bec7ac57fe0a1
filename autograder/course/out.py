"""A grading run's folder, OUT: the nbgrader course it fills, its gradebook and grading secret
(``settings.py``), the saved results, the students marked done or not graded."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import access, grading
from ..access import Access, atomic_write, make_dirs
from ..deadlines.course import course_policy, policy_path
from ..grading.inputs import grader_version
from ..layout import ROOT, current
from ..sandbox import Isolation
from .collect import Student
from .config import nbgrader_config
from .database import ASSIGNMENT_LOCK, exclusive, is_postgresql
from .lateplugin import tell_due_date
from .settings import SettingsError, resolve

EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")
"""What nbgrader's exchange keeps beside a collected notebook: ``autograde`` reads the submission
time from the first, and ``release_feedback`` names a student's feedback by both."""

COURSE_CONFIG = """\
# nbgrader course of a grading run, written by `python -m autograder grade`.
# From this folder, nbgrader's own commands (formgrader, export, generate_feedback) work on
# the gradebook the kit filled.
c = get_config()  # noqa: F821
load_subconfig("{root}/nbgrader_config.py")  # noqa: F821
c.CourseDirectory.root = "{course}"
c.CourseDirectory.source_directory = "{root}/solutions"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.db_url = {db_url!r}
c.HiddenChecks.results_dir = "{out}/results"
c.HiddenChecks.secret_file = {secret_file!r}
c.HiddenChecks.isolation = "{isolation}"
c.CourseLatePolicy.policy_file = {policy_file!r}
"""


READY = ".assignment-ready"
"""OUT's marker: the assignment is in the gradebook, written by this version of the grader."""


def submitted_path(course: Path, student: str) -> Path:
    """Where the notebook of ``student`` is staged in an nbgrader course (``OUT/course``)."""
    return course / "submitted" / student / current().name / current().notebook


def assignment_ready(out: Path) -> bool:
    """Whether OUT's assignment was set up by this version of the grader."""
    marker = out / READY
    return marker.exists() and marker.read_text() == grader_version()


class Batch:
    """OUT's folders, and the nbgrader configuration of its course.

    ``db_url`` and ``secret_file`` choose the gradebook and the grading secret, ``group`` and
    ``private`` who may read OUT (see ``settings.py``); SettingsError when they are not the ones
    OUT was graded with, or the group cannot be used. A command writes into OUT only inside
    :meth:`claimed`.
    """

    def __init__(
        self,
        out: Path,
        isolation: Isolation = Isolation.BUBBLEWRAP,
        *,
        db_url: str | None = None,
        secret_file: Path | None = None,
        group: str | None = None,
        private: bool = False,
    ):
        self.out = out.resolve()
        self.isolation = Isolation(isolation)
        self.course = self.out / "course"
        self.results = self.out / "results"
        self.done = self.out / "done"
        self.not_graded = self.out / "not-graded"
        self.settings = resolve(
            self.out, db_url=db_url, secret_file=secret_file, group=group, private=private
        )
        self.access: Access = self.settings.access
        self._secret: bytes | None = None
        self.config = nbgrader_config(
            root=str(self.course),
            source_directory=str(current().source_dir.parent),
            release_directory="release",
            db_url=self.settings.db_url,
        )
        if is_postgresql(self.db_url) and not self.config.CourseDirectory.get("course_id"):
            raise SettingsError(
                "a PostgreSQL gradebook needs c.CourseDirectory.course_id in nbgrader_config.py "
                "(PostgreSQL enforces the foreign key from assignments to their course)"
            )
        self.config.HiddenChecks.results_dir = str(self.results)
        self.config.HiddenChecks.secret_file = str(self.settings.secret_file)
        self.config.HiddenChecks.isolation = self.isolation.value
        configured = self.config.CourseLatePolicy.get("policy_file", "")
        self.policy_file = str(policy_path(configured))
        self.config.CourseLatePolicy.policy_file = self.policy_file
        course_policy(self.policy_file)  # PolicyError now, before anything is graded
        self._api = None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = self.settings.secret()
        return self._secret

    @property
    def db_url(self) -> str:
        return self.config.CourseDirectory.db_url

    @property
    def api(self):
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            self._api = NbGraderAPI(config=self.config)
        return self._api

    @contextmanager
    def claimed(self) -> Iterator[None]:
        """While a command writes into OUT: OUT itself is its owner's only (or its group's)
        before anything is written, this process writes with OUT's access (umask and modes,
        ``autograder.access``), and at the end everything under OUT gets those modes (nbgrader
        copies some files with their source's mode). Also when the command fails."""
        with access.applied(self.access):
            access.claim(self.out, self.access)
            try:
                yield
            finally:
                self.seal()

    def seal(self) -> None:
        """Everything under OUT with OUT's modes; a warning names what stays readable by others
        (files of another user's, which only they or root can change)."""
        left = access.seal(self.out, self.access, read_only=[self.settings.secret_file])
        if left:
            shown = ", ".join(str(p) for p in left[:5]) + (" ..." if len(left) > 5 else "")
            print(
                f"warning: {len(left)} file(s) in {self.out} belong to another user and are "
                f"readable by everyone: {shown}; their owner (or root) should run "
                f"chmod -R o-rwx {self.out}",
                file=sys.stderr,
            )

    def prepare(self) -> None:
        """The course's gradebook knows the assignment (nbgrader generate_assignment, once) and
        its due date (the course's deadlines file, every time); OUT records its gradebook and
        secret."""
        make_dirs(self.course)
        self.settings.record()
        atomic_write(
            self.course / "nbgrader_config.py",
            COURSE_CONFIG.format(
                root=ROOT,
                course=self.course,
                out=self.out,
                db_url=self.db_url,
                secret_file=str(self.settings.secret_file),
                isolation=self.isolation.value,
                policy_file=self.policy_file,
            ),
        )
        with exclusive(self.db_url, ASSIGNMENT_LOCK):
            if not assignment_ready(self.out):
                result = self.api.generate_assignment(current().name, force=True, create=True)
                if not result["success"]:
                    log = result.get("log", "")
                    raise RuntimeError(f"nbgrader generate_assignment failed:\n{log}")
            tell_due_date(self.db_url, self.policy_file)
        atomic_write(self.out / READY, grader_version())

    def submitted_path(self, student: str) -> Path:
        return submitted_path(self.course, student)

    def stage(self, student: Student) -> str:
        """Copy the student's notebook into the course; its digest decides what is up to date."""
        dest = self.submitted_path(student.id)
        make_dirs(dest.parent)
        if student.notebook is None:
            if dest.exists():
                dest.unlink()
            return "missing"
        data = student.notebook.read_bytes()
        try:
            grading.read_notebook(student.notebook)
        except ValueError as exc:
            # nbgrader grades a missing notebook as zero: keep the file beside it, stage none
            student.notes.append(str(exc))
            atomic_write(dest.with_name(f"{current().notebook}.unreadable"), data)
            if dest.exists():
                dest.unlink()
            return "unreadable-" + hashlib.sha256(data).hexdigest()
        if not dest.exists() or dest.read_bytes() != data:
            atomic_write(dest, data)
        return hashlib.sha256(data).hexdigest() + self.stage_exchange_files(student)

    def stage_exchange_files(self, student: Student) -> str:
        """Copy nbgrader's exchange files (regular, small files only) beside the staged notebook;
        their digest, so that a resubmission of the same notebook is graded again."""
        assert student.notebook is not None
        digest, found = hashlib.sha256(), False
        folder = self.submitted_path(student.id).parent
        for name in EXCHANGE_FILES:
            src, dest = student.notebook.parent / name, folder / name
            if src.is_file() and not src.is_symlink() and src.stat().st_size <= 4096:
                data = src.read_bytes()
                digest.update(name.encode() + b"\0" + data)
                found = True
                if not dest.exists() or dest.read_bytes() != data:
                    atomic_write(dest, data)
            elif dest.exists():
                dest.unlink()
        return "+" + digest.hexdigest() if found else ""

    def record_not_graded(self, student: str, reason: str, stderr: str = "") -> None:
        atomic_write(
            self.not_graded / f"{student}.json",
            json.dumps({"reason": reason, "stderr": stderr}, indent=1),
        )

    def not_graded_reason(self, student: str) -> dict | None:
        try:
            return json.loads((self.not_graded / f"{student}.json").read_text())
        except (OSError, ValueError):
            return None

    def is_done(self, student: str, digest: str) -> bool:
        marker = self.done / f"{student}.json"
        try:
            return json.loads(marker.read_text())["digest"] == digest + grader_version()
        except (OSError, ValueError, KeyError):
            return False
