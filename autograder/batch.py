"""``python -m autograder grade SUBMISSIONS --out OUT``: grade a batch through nbgrader.

OUT holds an nbgrader course (``OUT/course``: release, submitted, autograded, feedback) whose
gradebook is ``OUT/gradebook.db``, and the kit's outputs: ``grades.csv``, ``results.json``,
``feedback/<student>.html``.

1. Collect: one folder per student (or nbgrader's ``submitted/<student>/<assignment>/``); the
   notebook is copied to ``OUT/course/submitted/<student>/batchnorm/`` under the release name.
2. Hidden checks, in parallel (``--workers``): each student's code runs in the sandbox; the
   result is saved in ``OUT/results/<student>.json``, keyed by what was run.
3. nbgrader, one student at a time in this process: ``autograde`` (whose ``HiddenChecks``
   preprocessor finds the saved result) and ``generate_feedback``. Then ``OUT/done/<student>``
   marks the student finished; a re-run skips finished students whose file has not changed.
4. Export from the gradebook.

Every write is atomic, and a student is marked done only after nbgrader committed the grade,
so a run killed at any point and run again ends with exactly the grades of an uninterrupted run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import grader
from .course import ASSIGNMENT, NOTEBOOK, ROOT, SOURCE_DIR, nbgrader_config

NOTEBOOK_ID = NOTEBOOK.removesuffix(".ipynb")

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
c.CourseDirectory.db_url = "sqlite:///{out}/gradebook.db"
c.HiddenChecks.results_dir = "{out}/results"
c.HiddenChecks.secret_file = "{out}/grading_secret"
"""


@dataclass
class Student:
    id: str
    notebook: Path | None  # the submitted file, or None
    notes: list[str]
    flags: list[str] = field(default_factory=list)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def valid_student_id(name: str) -> bool:
    return (
        bool(name) and not name.startswith(".") and all(ch.isalnum() or ch in "-_.@" for ch in name)
    )


def collect(submissions: Path) -> list[Student]:
    """Students and their notebooks, from a folder per student or nbgrader's submitted/ tree."""
    root = submissions / "submitted" if (submissions / "submitted").is_dir() else submissions
    students = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() or p.is_symlink()):
        if not valid_student_id(folder.name):
            print(f"skipped {folder.name!r}: not a student id", file=sys.stderr)
            continue
        base = folder / ASSIGNMENT if (folder / ASSIGNMENT).is_dir() else folder
        notes, flags = [], []
        chosen = base / NOTEBOOK
        links = [p for p in (folder, base, chosen) if p.is_symlink()]
        if not links and folder.is_dir():
            for top, dirs, files in os.walk(folder):  # never follows links
                for name in dirs + files:
                    path = Path(top, name)
                    if path.is_symlink():
                        target = os.path.realpath(path)
                        flags.append(
                            f"symlink in the submission ({name} -> {target}): not followed"
                        )
        if links:
            target = os.path.realpath(links[0])
            flags.append(f"symlink in the submission ({links[0].name} -> {target}): not followed")
            notes.append(
                f"{links[0].name} is a symbolic link: it was not followed, so nothing was graded"
            )
            chosen = None
        elif not chosen.is_file():
            others = sorted(p for p in base.glob("*.ipynb") if p.is_file() and not p.is_symlink())
            if len(others) == 1:
                notes.append(
                    f"the notebook is named {others[0].name}, not {NOTEBOOK}: "
                    "graded anyway; keep the release's file name"
                )
                chosen = others[0]
            else:
                notes.append(
                    f"no {NOTEBOOK} in the submission"
                    + (f" (found {', '.join(p.name for p in others)})" if others else "")
                )
                chosen = None
        students.append(Student(folder.name, chosen, notes, flags))
    return students


class Batch:
    def __init__(self, out: Path):
        self.out = out.resolve()
        self.course = self.out / "course"
        self.results = self.out / "results"
        self.done = self.out / "done"
        self.secret = grader.load_secret(self.out / "grading_secret")
        self.config = nbgrader_config(
            root=str(self.course),
            source_directory=str(SOURCE_DIR.parent),
            release_directory="release",
            db_url=f"sqlite:///{self.out / 'gradebook.db'}",
        )
        self.config.HiddenChecks.results_dir = str(self.results)
        self.config.HiddenChecks.secret_file = str(self.out / "grading_secret")
        self._api = None

    @property
    def api(self):
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            self._api = NbGraderAPI(config=self.config)
        return self._api

    def prepare(self) -> None:
        """The course's gradebook knows the assignment (nbgrader generate_assignment, once)."""
        marker = self.out / ".assignment-ready"
        version = grader._grader_version()
        if marker.exists() and marker.read_text() == version:
            return
        self.course.mkdir(parents=True, exist_ok=True)
        _atomic_write(
            self.course / "nbgrader_config.py",
            COURSE_CONFIG.format(root=ROOT, course=self.course, out=self.out),
        )
        result = self.api.generate_assignment(ASSIGNMENT, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.get('log', '')}")
        _atomic_write(marker, version)

    def submitted_path(self, student: str) -> Path:
        return self.course / "submitted" / student / ASSIGNMENT / NOTEBOOK

    def stage(self, student: Student) -> str:
        """Copy the student's notebook into the course; its digest decides what is up to date."""
        dest = self.submitted_path(student.id)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if student.notebook is None:
            if dest.exists():
                dest.unlink()
            return "missing"
        data = student.notebook.read_bytes()
        try:
            grader.read_notebook(student.notebook)
        except ValueError as exc:
            # nbgrader grades a missing notebook as zero: keep the file beside it, stage none
            student.notes.append(str(exc))
            kept = dest.with_name(f"{NOTEBOOK}.unreadable")
            kept.write_bytes(data)
            if dest.exists():
                dest.unlink()
            return "unreadable-" + hashlib.sha256(data).hexdigest()
        if not dest.exists() or dest.read_bytes() != data:
            tmp = dest.with_name(f".{dest.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
        return hashlib.sha256(data).hexdigest() + self.stage_exchange_files(student)

    def stage_exchange_files(self, student: Student) -> str:
        """Copy nbgrader's exchange files (regular, small files only) beside the staged notebook;
        their digest, so that a resubmission of the same notebook is graded again."""
        digest, found = hashlib.sha256(), False
        folder = self.submitted_path(student.id).parent
        for name in EXCHANGE_FILES:
            src, dest = student.notebook.parent / name, folder / name
            if src.is_file() and not src.is_symlink() and src.stat().st_size <= 4096:
                data = src.read_bytes()
                digest.update(name.encode() + b"\0" + data)
                found = True
                if not dest.exists() or dest.read_bytes() != data:
                    tmp = dest.with_name(f".{name}.tmp")
                    tmp.write_bytes(data)
                    os.replace(tmp, dest)
            elif dest.exists():
                dest.unlink()
        return "+" + digest.hexdigest() if found else ""

    def is_done(self, student: str, digest: str) -> bool:
        marker = self.done / f"{student}.json"
        try:
            return json.loads(marker.read_text())["digest"] == digest + grader._grader_version()
        except (OSError, ValueError, KeyError):
            return False


def hidden_checks(path: str, student: str, secret: bytes, results_dir: str) -> str:
    """Worker: grade one staged notebook in the sandbox and save the result (or reuse it)."""
    try:
        nb = grader.read_notebook(Path(path))
    except ValueError as exc:
        return f"{student}: {exc}"
    grader.grade_cached(
        nb, student, secret, Path(results_dir) / f"{student}.json", contain_errors=True
    )
    return ""


def run(submissions: Path, out: Path, workers: int = 1, regrade: bool = False) -> int:
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy 2.1 notes in nbgrader
    start = time.perf_counter()
    batch = Batch(out)
    students = collect(submissions)
    if not students:
        print(f"no student folders in {submissions}", file=sys.stderr)
        return 2
    batch.prepare()
    digests = {s.id: batch.stage(s) for s in students}
    todo = [s for s in students if regrade or not batch.is_done(s.id, digests[s.id])]
    skipped = len(students) - len(todo)
    if skipped:
        print(f"{skipped} student(s) already graded and unchanged: kept (use --regrade to redo)")

    # hidden checks, in parallel: each student's code in its own sandbox
    jobs = [s for s in todo if batch.submitted_path(s.id).exists()]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(
                    hidden_checks,
                    str(batch.submitted_path(s.id)),
                    s.id,
                    batch.secret,
                    str(batch.results),
                )
                for s in jobs
            ]
            for future in as_completed(futures):
                future.result()
    else:
        for s in jobs:
            hidden_checks(str(batch.submitted_path(s.id)), s.id, batch.secret, str(batch.results))

    # nbgrader, one student at a time: autograde (HiddenChecks reads the saved result), feedback
    for s in todo:
        record = autograde_one(batch, s)
        _atomic_write(
            batch.done / f"{s.id}.json",
            json.dumps({"digest": digests[s.id] + grader._grader_version(), **record}),
        )

    rows = export(batch, students)
    print(summary_table(rows))
    seconds = time.perf_counter() - start
    print(
        f"graded {len(todo)} of {len(students)} submission(s) in {seconds:.1f} s; "
        f"wrote {out / 'grades.csv'}, {out / 'results.json'}, {out / 'feedback'}/"
    )
    return 0


def autograde_one(batch: Batch, student: Student) -> dict:
    """nbgrader autograde + generate_feedback for one student; what went wrong, if anything."""
    notes = list(student.notes)
    if not batch.submitted_path(student.id).exists():
        record_zero(batch, student.id)
        return {"notes": notes}
    result = batch.api.autograde(ASSIGNMENT, student.id, force=True, create=True)
    if not result["success"]:
        notes.append("nbgrader could not autograde this notebook: " + _last_error(result))
    feedback = batch.api.generate_feedback(ASSIGNMENT, student.id, force=True)
    if not feedback["success"]:
        notes.append("nbgrader could not generate feedback: " + _last_error(feedback))
    return {"notes": notes}


def record_zero(batch: Batch, student: str) -> None:
    """No notebook to grade: the gradebook records zero, as nbgrader does for a missing one."""
    from nbgrader.api import Gradebook

    with Gradebook(batch.config.CourseDirectory.db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(ASSIGNMENT, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.manual_score = None
                grade.needs_manual_grade = False
        gb.db.commit()


def _last_error(result: dict) -> str:
    text = (result.get("error") or result.get("log") or "").strip().splitlines()
    return text[-1][:300] if text else "unknown error"


def _gradebook_scores(batch: Batch, student: str) -> dict[str, tuple[float | None, float]]:
    """grade name -> (score or None when not graded yet, max score), from nbgrader's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(batch.config.CourseDirectory.db_url) as gb:
        try:
            nb = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, student)
        except MissingEntry:
            return {}
        scores = {}
        for grade in nb.grades:
            graded = grade.auto_score is not None or grade.manual_score is not None
            scores[grade.name] = (grade.score if graded else None, grade.max_score)
        return scores


def export(batch: Batch, students: list[Student]) -> list[dict]:
    """grades.csv, results.json and feedback pages, from the gradebook and the saved results."""
    points = grader.task_points()
    manual_names = sorted(n for n in _manual_points())
    columns = list(points) + manual_names
    rows, everything = [], {}
    feedback_dir = batch.out / "feedback"
    for s in students:
        scores = _gradebook_scores(batch, s.id)
        saved = (
            grader.SubmissionResult.from_json(
                json.loads((batch.results / f"{s.id}.json").read_text())["result"]
            )
            if (batch.results / f"{s.id}.json").exists() and s.notebook is not None
            else None
        )
        result = saved or grader.empty_result(points, "no notebook was graded")
        try:
            record = json.loads((batch.done / f"{s.id}.json").read_text())
        except (OSError, ValueError):
            record = {"notes": []}
        result.notes = list(dict.fromkeys(s.notes + record.get("notes", []) + result.notes))
        result.flags = list(dict.fromkeys(s.flags + result.flags))
        # the gradebook is the system of record for every score
        for task, task_result in result.tasks.items():
            if task in scores and scores[task][0] is not None:
                task_result.score = scores[task][0]
        manual = {n: scores.get(n, (None, _manual_points()[n])) for n in manual_names}
        total = sum(v for v, _ in scores.values() if v is not None) if scores else result.total
        max_total = (
            sum(p for _, p in scores.values())
            if scores
            else (result.max_total + sum(_manual_points().values()))
        )
        row = {"student_id": s.id}
        for c in columns:
            value = scores.get(c, (None, 0))[0]
            row[c] = "" if value is None else f"{value:g}"
        row.update(total=f"{total:g}", max_total=f"{max_total:g}")
        rows.append(row)
        from .feedback import task_text

        everything[s.id] = {
            "total": total,
            "max_total": max_total,
            "flags": result.flags,
            "notes": result.notes,
            "tasks": {
                **{
                    t: {"score": r.score, "max_score": r.max_score, "feedback": task_text(t, r)}
                    for t, r in result.tasks.items()
                },
                **{
                    n: {"score": v, "max_score": m, "feedback": "graded by a TA"}
                    for n, (v, m) in manual.items()
                },
            },
        }
        page = _copy_nbgrader_feedback(batch, s.id, feedback_dir)
        from .feedback import report_html

        _atomic_write(feedback_dir / f"{s.id}.html", report_html(s.id, result, manual, page))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["student_id", *columns, "total", "max_total"])
    writer.writeheader()
    writer.writerows(rows)
    _atomic_write(batch.out / "grades.csv", buffer.getvalue())
    _atomic_write(batch.out / "results.json", json.dumps(everything, indent=1))
    return [{**r, "flags": everything[r["student_id"]]["flags"]} for r in rows]


def _manual_points() -> dict[str, float]:
    from .source import grade_id, nbgrader_meta, source_notebook

    return {
        grade_id(c): float(nbgrader_meta(c)["points"])
        for c in source_notebook().cells
        if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")
    }


def _copy_nbgrader_feedback(batch: Batch, student: str, feedback_dir: Path) -> str | None:
    page = batch.course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK_ID}.html"
    if not page.exists():
        return None
    dest = feedback_dir / student / f"{NOTEBOOK_ID}.html"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(page, dest)
    return f"{student}/{NOTEBOOK_ID}.html"


def summary_table(rows: list[dict]) -> str:
    points = grader.task_points()
    width = max([len("student"), *(len(r["student_id"]) for r in rows)])
    lines = [f"{'student':<{width}}  {'total':>11}  autograded parts below full marks; flags"]
    for r in rows:
        low = [t for t in points if r.get(t, "") != f"{points[t]:g}"]
        lost = "all" if len(low) == len(points) else ", ".join(low) or "-"
        flags = f"  FLAGGED: {'; '.join(r['flags'])}" if r["flags"] else ""
        total = f"{r['total']}/{r['max_total']}"
        lines.append(f"{r['student_id']:<{width}}  {total:>11}  {lost}{flags}")
    return "\n".join(lines)
