"""``python -m autograder grade SUBMISSIONS --out OUT``: grade a batch through nbgrader.

OUT holds an nbgrader course (``OUT/course``: release, submitted, autograded, feedback) whose
gradebook is ``OUT/gradebook.db`` (or the database of ``--db``: ``settings.py``), and the kit's
outputs: ``grades.csv``, ``results.json``, ``feedback/<student>.html``. ``--shard i/n`` grades
one slice of the class (``shard.py``). It shows its progress (``progress.py``).

1. Collect: one folder per student (or nbgrader's ``submitted/<student>/<assignment>/``); the
   notebook is copied to ``OUT/course/submitted/<student>/batchnorm/`` under the release name.
2. Each student, in parallel (``--workers`` processes, each taking the next student):
   a. the hidden checks: the student's code runs in the sandbox; the result is saved in
      ``OUT/results/<student>.json``, keyed by what was run;
   b. nbgrader: ``autograde`` (whose ``HiddenChecks`` preprocessor finds the saved result) and
      ``generate_feedback``. A SQLite gradebook takes one writer at a time: autograde waits for
      its turn (``database.writing``); feedback only reads. The gradebook is in WAL mode, its
      commits not waiting for the disk (``database.use_wal``); its log is synced once the
      student's grades are in it (``database.durable``).
   Then ``OUT/done/<student>`` marks the student finished; a re-run skips finished students
   whose file has not changed.
3. Export from the gradebook, then the instructor's report (``OUT/report.html``).

Every write is atomic, and a student is marked done only after nbgrader committed the grade,
so a run killed at any point and run again ends with exactly the grades of an uninterrupted run.
Everything in OUT is its owner's only (or also a group's, ``--group``): ``autograder.access``.

A fault of the grader's or the host's (the sandbox cannot start, the grader's code fails,
nbgrader fails) is never a grade: that student is *not graded* (``OUT/not-graded/<id>.json``
says why, with the sandbox's own stderr), nothing is recorded for them, the command exits 3,
and the next run grades them again. Without the isolation asked for (bubblewrap, unless
``--no-sandbox``), nobody is graded and the command exits 2.
"""

from __future__ import annotations

import functools
import json
import sys
import time
import traceback
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path

from .. import access, grading, sandbox
from ..access import atomic_write
from ..grading.inputs import grader_version
from ..layout import current
from ..sandbox import Isolation
from .collect import Student, collect
from .database import (
    ASSIGNMENT_LOCK,
    durable,
    keep_log,
    leave_wal,
    patient_sqlite,
    release_log,
    share_engines,
    sharing,
    shown,
    use_wal,
    writing,
)
from .export import publish
from .gradebook import last_error, nbgrader_log, record_zero
from .out import Batch
from .progress import Progress
from .shard import Shard

EXIT_REFUSED = 2
"""Nobody was graded: no submissions, or the isolation asked for is not available."""
EXIT_NOT_GRADED = 3
"""The batch completed, but some students are not graded (the grader's fault): rerun it."""


STAGES = ("hidden checks", "waiting to write", "autograde", "feedback")
"""Where a student's time goes in a worker (:func:`grade_student`'s stage seconds)."""


def grade_student(
    student: str, out: str, isolation: str, db_url: str | None, secret_file: str | None
) -> tuple[dict | None, dict[str, float]]:
    """Worker: one student's hidden checks, then nbgrader's autograde and feedback.

    Returns why the student is not graded (a fault of the grader's or the host's; None when
    graded) and the wall seconds of each stage reached (:data:`STAGES`). The arguments are
    those of :func:`run`, so that each worker process opens OUT as it did.
    """
    stages: dict[str, float] = {}
    try:
        batch = _batch(out, isolation, db_url, secret_file)
        path = batch.submitted_path(student)
        if path.exists():
            with _timed(stages, "hidden checks"):
                _hidden_checks(batch, student, path)
        _nbgrader(batch, student, stages)
    except grading.GraderFault as fault:
        return {"reason": fault.reason, "stderr": fault.stderr}, stages
    except Exception as exc:  # noqa: BLE001  (the grader's own fault: the batch goes on)
        return {
            "reason": f"the grader failed: {type(exc).__name__}: {exc}"[:500],
            "stderr": traceback.format_exc()[-4000:],
        }, stages
    return None, stages


@contextmanager
def _timed(stages: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - start


def _batch(out: str, isolation: str, db_url: str | None, secret_file: str | None) -> Batch:
    batch = _opened(out, isolation, db_url, secret_file)
    keep_log(batch.db_url)  # in this process (a worker forked after the first call opens its own)
    return batch


@functools.cache
def _opened(out: str, isolation: str, db_url: str | None, secret_file: str | None) -> Batch:
    patient_sqlite()
    share_engines()
    batch = Batch(
        Path(out),
        Isolation(isolation),
        db_url=db_url,
        secret_file=Path(secret_file) if secret_file else None,
    )
    access.use(batch.access)  # a worker writes OUT as the command does (inherited when forked)
    return batch


def _hidden_checks(batch: Batch, student: str, path: Path) -> None:
    """Grade the staged notebook in the sandbox and save the result (or reuse a saved one)."""
    try:
        nb = grading.read_notebook(path)
    except ValueError:
        return  # nothing to run: recorded as zero, like a missing notebook
    grading.grade_cached(
        nb, student, batch.secret, batch.results / f"{student}.json", batch.isolation
    )


def _nbgrader(batch: Batch, student: str, stages: dict[str, float]) -> None:
    """nbgrader autograde + generate_feedback for one student (GraderFault if nbgrader fails)."""
    asked = time.perf_counter()
    # another grader of a shared gradebook may be writing the assignment: not meanwhile
    with sharing(batch.db_url, ASSIGNMENT_LOCK):
        if not batch.submitted_path(student).exists():
            with writing(batch.db_url):
                record_zero(batch.db_url, student)
            durable(batch.db_url)
            return
        with writing(batch.db_url):
            stages["waiting to write"] = time.perf_counter() - asked
            with _timed(stages, "autograde"):
                result = batch.api.autograde(current().name, student, force=True, create=True)
        if not result["success"]:
            why = "nbgrader could not autograde this notebook: " + last_error(result)
            raise GraderFault(why, nbgrader_log(result))
        with _timed(stages, "feedback"):
            feedback = batch.api.generate_feedback(current().name, student, force=True)
    if not feedback["success"]:
        raise GraderFault(
            "nbgrader could not generate feedback: " + last_error(feedback), nbgrader_log(feedback)
        )
    durable(batch.db_url)  # the grades on disk before the student is marked done


def run(
    submissions: Path,
    out: Path,
    workers: int = 1,
    regrade: bool = False,
    isolation: Isolation = Isolation.BUBBLEWRAP,
    *,
    db_url: str | None = None,
    secret_file: Path | None = None,
    shard: Shard | None = None,
    group: str | None = None,
    private: bool = False,
) -> int:
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy 2.1 notes in nbgrader
    start = time.perf_counter()
    try:
        sandbox.ensure_isolation(isolation)
    except sandbox.IsolationUnavailable as exc:
        print(
            f"not grading: {exc}\n(To grade trusted notebooks without isolation, pass "
            "--no-sandbox.)",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    batch = Batch(
        out, isolation, db_url=db_url, secret_file=secret_file, group=group, private=private
    )
    students = collect(submissions)
    if not students:
        print(f"no student folders in {submissions}", file=sys.stderr)
        return EXIT_REFUSED
    if shard:
        print(f"shard {shard}: {len(shard.select(students))} of {len(students)} student(s)")
        students = shard.select(students)
    with batch.claimed():
        return _grade(batch, out, students, start, workers, regrade, db_url, secret_file)


def _grade(
    batch: Batch,
    out: Path,
    students: list[Student],
    start: float,
    workers: int,
    regrade: bool,
    db_url: str | None,
    secret_file: Path | None,
) -> int:
    """:func:`run` once OUT is claimed: stage, grade each student, publish."""
    batch.prepare()
    use_wal(batch.db_url)
    digests = {s.id: batch.stage(s) for s in students}
    todo = [s for s in students if regrade or not batch.is_done(s.id, digests[s.id])]
    faults: dict[str, dict] = {}
    stages: dict[str, float] = {}
    skipped = len(students) - len(todo)
    if skipped:
        print(f"{skipped} student(s) already graded and unchanged: kept (use --regrade to redo)")

    # each student in parallel: hidden checks in the sandbox, then nbgrader
    with Progress(len(todo), "grading") as progress:
        graded_all = _grade_all(batch, todo, workers, db_url, secret_file, progress)
        for student, (fault, spent) in graded_all:
            for stage, value in spent.items():
                stages[stage] = stages.get(stage, 0.0) + value
            if fault:
                faults[student.id] = fault
                batch.record_not_graded(student.id, fault["reason"], fault["stderr"])
            else:
                (batch.not_graded / f"{student.id}.json").unlink(missing_ok=True)
                atomic_write(
                    batch.done / f"{student.id}.json",
                    json.dumps(
                        {"digest": digests[student.id] + grader_version(), "notes": student.notes}
                    ),
                )
            progress.done(student.id)
    release_log(batch.db_url)  # when this process graded (one worker): workers end with theirs

    seconds = time.perf_counter() - start
    publish(batch, students, batch_seconds=seconds)
    leave_wal(batch.db_url)
    graded = len(todo) - len(faults)
    print(
        f"graded {graded} of {len(students)} submission(s) in {seconds:.1f} s "
        f"({skipped} kept from an earlier run); "
        f"wrote {out / 'grades.csv'}, {out / 'results.json'}, {out / 'feedback'}/; "
        f"gradebook {shown(batch.db_url)}"
    )
    if todo:
        print(stage_line(stages, len(todo), workers))
    if faults:
        print(
            f"{len(faults)} student(s) NOT GRADED because of a fault of the grader's or the "
            f"host's, not theirs ({', '.join(sorted(faults))}); their reasons are in "
            f"{out / 'results.json'}. Run the same command again to grade them.",
            file=sys.stderr,
        )
        return EXIT_NOT_GRADED
    return 0


def stage_line(stages: dict[str, float], students: int, workers: int) -> str:
    """Where a submission's time went: each stage's mean wall seconds in a worker."""
    parts = ", ".join(
        f"{stage} {stages[stage] / students:.2f} s" for stage in STAGES if stage in stages
    )
    return f"per submission, in each of {max(1, min(workers, students))} worker(s): {parts}"


class GraderFault(grading.GraderFault):
    """nbgrader itself failed on a student."""


def _grade_all(
    batch: Batch,
    students: list[Student],
    workers: int,
    db_url: str | None,
    secret_file: Path | None,
    progress: Progress,
) -> Iterator[tuple[Student, tuple[dict | None, dict[str, float]]]]:
    """Grade every student (:func:`grade_student`); each as it finishes, with its outcome."""
    secret = str(secret_file) if secret_file else None
    args = {s.id: (s.id, str(batch.out), batch.isolation.value, db_url, secret) for s in students}
    if workers <= 1 or len(students) <= 1:
        for student in students:
            progress.working_on(student.id)
            yield student, grade_student(*args[student.id])
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(grade_student, *args[s.id]): s for s in students}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001  (a worker died: not the student's doing)
                outcome = {"reason": f"the grading worker failed: {exc!r}"[:500], "stderr": ""}, {}
            yield futures[future], outcome
