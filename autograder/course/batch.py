"""``python -m autograder grade SUBMISSIONS --out OUT``: grade a batch through nbgrader.

OUT holds an nbgrader course (``OUT/course``: release, submitted, autograded, feedback) whose
gradebook is ``OUT/gradebook.db`` (or the database of ``--db``: ``settings.py``), and the kit's
outputs: ``grades.csv``, ``results.json``, ``feedback/<student>.html``. ``--shard i/n`` grades
one slice of the class (``shard.py``). Each step shows its progress (``progress.py``).

1. Collect: one folder per student (or nbgrader's ``submitted/<student>/<assignment>/``); the
   notebook is copied to ``OUT/course/submitted/<student>/batchnorm/`` under the release name.
2. Hidden checks, in parallel (``--workers``): each student's code runs in the sandbox; the
   result is saved in ``OUT/results/<student>.json``, keyed by what was run.
3. nbgrader, one student at a time in this process: ``autograde`` (whose ``HiddenChecks``
   preprocessor finds the saved result) and ``generate_feedback``. Then ``OUT/done/<student>``
   marks the student finished; a re-run skips finished students whose file has not changed.
4. Export from the gradebook, then the instructor's report (``OUT/report.html``).

Every write is atomic, and a student is marked done only after nbgrader committed the grade,
so a run killed at any point and run again ends with exactly the grades of an uninterrupted run.

A fault of the grader's or the host's (the sandbox cannot start, the grader's code fails,
nbgrader fails) is never a grade: that student is *not graded* (``OUT/not-graded/<id>.json``
says why, with the sandbox's own stderr), nothing is recorded for them, the command exits 3,
and the next run grades them again. Without the isolation asked for (bubblewrap, unless
``--no-sandbox``), nobody is graded and the command exits 2.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .. import grading, sandbox
from ..grading.inputs import grader_version
from ..layout import ASSIGNMENT
from ..sandbox import Isolation
from .collect import Student, atomic_write, collect
from .database import shown
from .export import export, summary_table
from .gradebook import last_error, record_zero
from .out import Batch
from .progress import Progress
from .report import REPORT, report_batch
from .shard import Shard

EXIT_REFUSED = 2
"""Nobody was graded: no submissions, or the isolation asked for is not available."""
EXIT_NOT_GRADED = 3
"""The batch completed, but some students are not graded (the grader's fault): rerun it."""


def hidden_checks(
    path: str, student: str, secret: bytes, results_dir: str, isolation: str
) -> dict | None:
    """Worker: grade one staged notebook in the sandbox and save the result (or reuse it).

    None when the student is graded; else why not (a fault of the grader's or the host's).
    """
    try:
        nb = grading.read_notebook(Path(path))
    except ValueError:
        return None  # nothing to run: recorded as zero, like a missing notebook
    try:
        grading.grade_cached(
            nb, student, secret, Path(results_dir) / f"{student}.json", Isolation(isolation)
        )
    except grading.GraderFault as fault:
        return {"reason": fault.reason, "stderr": fault.stderr}
    return None


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
    batch = Batch(out, isolation, db_url=db_url, secret_file=secret_file)
    students = collect(submissions)
    if not students:
        print(f"no student folders in {submissions}", file=sys.stderr)
        return EXIT_REFUSED
    if shard:
        print(f"shard {shard}: {len(shard.select(students))} of {len(students)} student(s)")
        students = shard.select(students)
    batch.prepare()
    digests = {s.id: batch.stage(s) for s in students}
    todo = [s for s in students if regrade or not batch.is_done(s.id, digests[s.id])]
    skipped = len(students) - len(todo)
    if skipped:
        print(f"{skipped} student(s) already graded and unchanged: kept (use --regrade to redo)")

    # hidden checks, in parallel: each student's code in its own sandbox
    jobs = [s for s in todo if batch.submitted_path(s.id).exists()]
    with Progress(len(jobs), "hidden checks") as progress:
        faults = _hidden_checks(batch, jobs, workers, progress)

    # nbgrader, one student at a time: autograde (HiddenChecks reads the saved result), feedback
    for s in Progress(len(todo), "nbgrader").each(todo, lambda s: s.id):
        if s.id not in faults:
            try:
                autograde_one(batch, s)
            except GraderFault as fault:
                faults[s.id] = {"reason": fault.reason, "stderr": fault.stderr}
        if s.id in faults:
            batch.record_not_graded(s.id, faults[s.id]["reason"], faults[s.id]["stderr"])
            continue
        (batch.not_graded / f"{s.id}.json").unlink(missing_ok=True)
        atomic_write(
            batch.done / f"{s.id}.json",
            json.dumps({"digest": digests[s.id] + grader_version(), "notes": s.notes}),
        )

    rows = export(batch, students)
    seconds = time.perf_counter() - start
    report_batch(out, batch_seconds=seconds)
    print(summary_table(rows, report=out / REPORT))
    graded = len(todo) - len(faults)
    print(
        f"graded {graded} of {len(students)} submission(s) in {seconds:.1f} s "
        f"({skipped} kept from an earlier run); "
        f"wrote {out / 'grades.csv'}, {out / 'results.json'}, {out / 'feedback'}/; "
        f"gradebook {shown(batch.db_url)}"
    )
    if faults:
        print(
            f"{len(faults)} student(s) NOT GRADED because of a fault of the grader's or the "
            f"host's, not theirs ({', '.join(sorted(faults))}); their reasons are in "
            f"{out / 'results.json'}. Run the same command again to grade them.",
            file=sys.stderr,
        )
        return EXIT_NOT_GRADED
    return 0


class GraderFault(grading.GraderFault):
    """nbgrader itself failed on a student."""


def _hidden_checks(
    batch: Batch, jobs: list[Student], workers: int, progress: Progress
) -> dict[str, dict]:
    """Run every job's hidden checks; the students who could not be graded, and why."""
    args = [
        (str(batch.submitted_path(s.id)), s.id, batch.secret, str(batch.results), batch.isolation)
        for s in jobs
    ]
    faults: dict[str, dict] = {}
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(hidden_checks, *a): a[1] for a in args}
            for future in as_completed(futures):
                student = futures[future]
                try:
                    fault = future.result()
                except Exception as exc:  # noqa: BLE001  (a worker died: not the student's doing)
                    fault = {"reason": f"the grading worker failed: {exc!r}"[:500], "stderr": ""}
                if fault:
                    faults[student] = fault
                progress.done(student)
    else:
        for a in args:
            progress.working_on(a[1])
            fault = hidden_checks(*a)
            if fault:
                faults[a[1]] = fault
            progress.done(a[1])
    return faults


def autograde_one(batch: Batch, student: Student) -> None:
    """nbgrader autograde + generate_feedback for one student (GraderFault if nbgrader fails)."""
    if not batch.submitted_path(student.id).exists():
        record_zero(batch.db_url, student.id)
        return
    result = batch.api.autograde(ASSIGNMENT, student.id, force=True, create=True)
    if not result["success"]:
        raise GraderFault("nbgrader could not autograde this notebook: " + last_error(result))
    feedback = batch.api.generate_feedback(ASSIGNMENT, student.id, force=True)
    if not feedback["success"]:
        raise GraderFault("nbgrader could not generate feedback: " + last_error(feedback))
