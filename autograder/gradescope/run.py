"""``run_autograder``'s work: grade the one submission in Gradescope's container.

Lock the folders down, state the isolation (``Isolation.UID``, never reached by falling back),
find the notebook and the student, grade with the same hidden checks as ``grade`` and write
``results.json``. Everything is printed to the run's stdout, which only instructors see.

A fault of the grader's or the host's (no root, the sandbox cannot start, the grader's own code
fails) is never a score: ``results.json`` then holds only an ``output`` saying so and asking
staff to rerun it, and the exit status is ``EXIT_NOT_GRADED``; the reason and the sandbox's
stderr are in the stdout.
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path

from .. import grading, sandbox
from ..deadlines import PolicyError
from ..deadlines.record import LateRecord
from ..grading import GraderFault, SubmissionResult
from ..grading.inputs import load_secret
from ..layout import UnknownAssignment, use
from . import EXIT_NOT_GRADED, ISOLATION, SECRET, SETTINGS, VISIBILITIES
from .folders import Folders, Found, find_notebook, lock_down, student_id
from .late import late_work, staff_notes
from .results import not_graded_json, results_json, write_results


def grade(folders: Folders, found: Found, student: str) -> SubmissionResult:
    """The student's result; :class:`GraderFault` when the grader cannot grade them."""
    secret_path = folders.source / SECRET
    if not secret_path.is_file():
        raise GraderFault(f"the grading secret {secret_path} is missing from the autograder zip")
    secret = load_secret(secret_path)
    if found.notebook is None:
        return grading.empty_result(found.notes[-1])
    try:
        nb = grading.read_notebook(found.notebook)
    except ValueError as exc:
        return grading.empty_result(str(exc))
    except OSError as exc:
        raise GraderFault(f"the submitted file could not be read: {exc}") from exc
    result = grading.grade_cached(nb, student, secret, None, ISOLATION)
    if result.isolation != ISOLATION.value:
        raise GraderFault(f"graded with isolation {result.isolation!r}, not {ISOLATION.value!r}")
    return result


def give_up(folders: Folders, fault: GraderFault) -> int:
    """Say why the student is not graded (stdout, results.json), and run_autograder's status."""
    print(f"NOT GRADED: {fault.reason}")
    if fault.stderr:
        print(f"sandbox stderr:\n{fault.stderr}")
    try:
        folders.results.mkdir(exist_ok=True)
        write_results(folders, not_graded_json(fault.reason))
    except OSError as exc:
        print(f"results.json could not be written either: {exc}")
    return EXIT_NOT_GRADED


def run(root: Path) -> int:
    """Grade the submission under ``root`` (Gradescope's /autograder); the exit status."""
    start = time.monotonic()
    folders = Folders(root)
    print(f"batchnorm autograder: {folders.root}")
    try:
        try:
            data, result = _grade_and_describe(folders, start)
        except GraderFault:
            raise
        except Exception as exc:  # the grader's own code failed: not the student's doing
            reason = f"the grader failed: {type(exc).__name__}: {exc}"[:500]
            raise GraderFault(reason, traceback.format_exc()[-4000:]) from exc
    except GraderFault as fault:
        return give_up(folders, fault)
    write_results(folders, data)
    flags = data["extra_data"]["flags"]
    print("flags:" + ("" if flags else " none"))
    for flag in flags:
        print(f"  - {flag}")
    for note in data["extra_data"]["notes"]:
        print(f"note: {note}")
    for test in data["tests"]:
        print(f"  {test['name']:<26} {test['score']:g} / {test['max_score']:g}")
    print(f"total {result.total:g} / {result.max_total:g} in {time.monotonic() - start:.1f} s")
    late = data["extra_data"].get("late")
    if late is not None:
        print(f"late: {late['status']}, penalty {late['penalty']:g}, score {data['score']:g}")
    return 0


def _grade_and_describe(folders: Folders, start: float) -> tuple[dict, SubmissionResult]:
    """(results.json's content, the result), saying each step on stdout."""
    try:
        lock_down(folders)
        sandbox.ensure_isolation(ISOLATION)
    except (OSError, sandbox.IsolationUnavailable) as exc:
        raise GraderFault(f"the grading container is not set up for isolation: {exc}") from exc
    print(
        f"isolation: {ISOLATION.value} (the student's code runs as an unprivileged uid of "
        f"its own, with resource limits; {folders.source} is root's, mode 700; "
        f"{folders.results} is root's, mode 755; {folders.metadata.name} is root's, mode 600)"
    )
    chosen = settings(folders)
    student, whence = student_id(folders.metadata)
    print(f"student: {student} ({whence})")
    found = find_notebook(folders.submission)
    print(f"notebook: {found.notebook or 'none'}")
    result = grade(folders, found, student)
    late = _late(folders, student, result)
    visibility = chosen.get("visibility")
    print(f"visibility: {visibility or 'each test visible (the default)'}")
    data = results_json(result, found, student, time.monotonic() - start, visibility, late)
    return data, result


def _late(folders: Folders, student: str, result: SubmissionResult) -> LateRecord | None:
    """The zip's deadlines file applied to Gradescope's submission time (``late.py``), saying
    what staff should know; a file that is not valid is the grader's fault, not the student's."""
    try:
        late = late_work(folders.source, folders.metadata, student, result.total)
        notes = staff_notes(folders.source, folders.metadata)
    except PolicyError as exc:
        raise GraderFault(f"the deadlines file in the autograder zip: {exc}") from exc
    if late is None:
        print("late work: no deadlines file in the zip (Gradescope's own settings alone)")
        return None
    print(f"late work: {late.words() or 'no due date for this assignment'}")
    for note in [*notes, *late.flags()]:
        print(f"  - {note}")
    return late


def use_zips_assignment(folders: Folders) -> None:
    """The assignment the zip was built for is the current one (the zip may hold the source of
    another, whose cells it takes: dropout's layers are batch norm's)."""
    chosen = settings(folders).get("assignment")
    if chosen:
        try:
            use(chosen)
        except UnknownAssignment as exc:
            raise GraderFault(f"{SETTINGS} in the autograder zip: {exc}") from exc


def settings(folders: Folders) -> dict:
    """The build's choices (``SETTINGS``): {} in a zip without them."""
    try:
        chosen = json.loads((folders.source / SETTINGS).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise GraderFault(f"{SETTINGS} in the autograder zip cannot be read: {exc}") from exc
    if chosen.get("visibility") not in (None, *VISIBILITIES):
        raise GraderFault(f"{SETTINGS}: unknown visibility {chosen.get('visibility')!r}")
    return chosen
