"""Grade one submitted notebook: plan the run, draw the hidden inputs, run the student's code in
the sandbox, compare on this side, and score.

1. ``plan``: the steps a top-to-bottom run makes (``plan.py``).
2. ``draw``: hidden inputs, seeded per submission so a re-run grades the same (``inputs.py``).
3. ``run``: the sandboxed runner, supervised (``supervise.py``).
4. ``compare`` and ``score``: the returned plain arrays against the reference's (``compare.py``,
   ``scoring.py``), task by task as the declarations say; a task whose dependencies failed is
   checked again with the reference's code for them, so one mistake costs once.
"""

from __future__ import annotations

import copy
import json
import time
import traceback
from pathlib import Path

import nbformat

from .. import sandbox, tasks
from ..sandboxed.contracts import part_id
from .compare import Context, check_task
from .flags import runtime_flag, tampered_tasks, type_flags
from .inputs import cached_result, case_seed, draw_inputs, result_key, save_result
from .model import (
    Graded,
    GraderFault,
    Outcome,
    Plan,
    RunOptions,
    SubmissionResult,
    TaskResult,
)
from .plan import plan, with_reference
from .reference import TRUSTED, expected_outputs, helpers, reference
from .sanitize import repair
from .scoring import score, uncredited
from .supervise import run_student, slowdown, time_factor

OUTPUT_NOTE_BYTES = 5_000_000


def grade_cached(
    nb,
    student: str,
    secret: bytes,
    cache: Path | None,
    isolation: sandbox.Isolation = sandbox.Isolation.BUBBLEWRAP,
) -> SubmissionResult:
    """A student's result: the saved one if it was made for this notebook and this isolation,
    else graded now (and saved).

    Raises :class:`GraderFault` when the grading failed for a reason of the grader's or the
    host's: nothing is saved then, so the next run grades the student again.
    """
    seed = case_seed(secret, student)
    key = result_key(nb, seed)
    result = cached_result(cache, key) if cache else None
    if result is not None and result.isolation != sandbox.Isolation(isolation).value:
        result = None
    if result is None:
        try:
            result = grade_notebook(nb, seed=seed, isolation=isolation, label=student)
        except GraderFault:
            raise
        except Exception as exc:  # the grader's own code failed: not the student's doing
            raise GraderFault(
                f"the grader failed on this notebook: {type(exc).__name__}: {exc}"[:500],
                traceback.format_exc()[-4000:],
            ) from exc
        if cache:
            save_result(cache, key, result)
    return result


def grade_notebook(
    nb,
    *,
    seed: int,
    isolation: sandbox.Isolation = sandbox.Isolation.BUBBLEWRAP,
    label: str = "",
) -> SubmissionResult:
    """Grade a parsed notebook (nbformat v4 node).

    ``label`` (the student id) names the scratch folders. Raises :class:`GraderFault` when the
    sandbox cannot run the student's code.
    """
    start = time.perf_counter()
    nb = copy.deepcopy(nb)
    repairs = repair(nb)
    plan_ = plan(nb)
    plan_.notes[:0] = repairs + _file_notes(nb)
    inputs = draw_inputs(seed)
    reference_start = time.perf_counter()
    expected = expected_outputs(inputs)
    scale = slowdown(time.perf_counter() - reference_start) * time_factor()
    options = RunOptions(isolation, scale, label)
    outcome = run_student(plan_, inputs, options)
    _name_cells(outcome, plan_)
    tampered = tampered_tasks(outcome.runtime.get("results", []))
    results, graded = {}, {}
    for task in tasks.ids():
        graded[task], notes = _compare(task, inputs, expected, outcome)
        if task in tampered:
            graded[task] = [uncredited(g) for g in graded[task]]
        if task in plan_.missing_answers:
            notes.append(plan_.missing_answers[task])
        results[task] = _result(task, graded[task], notes)
    for task, result in results.items():
        _cascade(task, result, results)
        rerun = _rerun(task, plan_, inputs, expected, options, graded[task], results)
        if rerun is not None:
            better, runtime = rerun
            for kind, details in runtime.items():
                outcome.runtime.setdefault(kind, []).extend(details)
            if better.score > result.score:
                results[task] = better
    part_task = {part_id(t, p): t for t in tasks.ids() for p in tasks.get(t).part_names}
    flags = sorted(
        outcome.scan
        | type_flags(outcome.parts, part_task)
        | {runtime_flag(kind, details) for kind, details in outcome.runtime.items()}
    )
    step_labels = {s.id: s.label or "the setup cell" for s in plan_.steps}
    notes = list(outcome.notes)
    for step_id, err in outcome.cell_errors.items():
        error = ": ".join(part for part in (err.error, err.message) if part)
        notes.append(f"{step_labels.get(step_id, step_id)} failed when run top to bottom: {error}")
    return SubmissionResult(
        results, plan_.notes + notes, flags, time.perf_counter() - start, outcome.isolation
    )


def _compare(task: str, inputs: dict, expected: dict, outcome: Outcome):
    """(graded findings, notes) of one task."""
    declared = tasks.get(task)
    got = {p: outcome.parts.get(part_id(task, p)) for p in declared.part_names}
    ctx = Context(declared, inputs[task], got, expected[task], reference())
    with TRUSTED:
        return check_task(ctx), ctx.notes


def _result(task: str, graded: list[Graded], notes: list[str]) -> TaskResult:
    points = float(tasks.get(task).points)
    return TaskResult(task, score(points, graded), points, [g.finding for g in graded], notes)


def _cascade(task: str, result: TaskResult, results: dict[str, TaskResult]) -> None:
    """A task that failed beside a task it depends on says so first: fix that one first. Not
    when it failed on its own stub (it is not written yet, whatever the others do)."""
    declared = tasks.get(task).depends_on
    if isinstance(declared, str) or result.score >= result.max_score:
        return
    stub = f"NotImplementedError: {tasks.get(task).function}:"
    if any(stub in f.detail for f in result.findings if not f.passed):
        return
    for dep in declared:
        if results[dep.task].score < results[dep.task].max_score:
            result.notes.append(
                f"Cause upstream: {task} {dep.how}, which failed its own checks ({dep.task}): "
                "fix that first"
            )


def _rerun(task, plan_: Plan, inputs, expected, options, own: list[Graded], results):
    """``task`` checked again with the reference's code for the tasks it depends on, when one
    of them failed: (its result, the run's runtime flags), or None.

    The reference runs in the student's sandbox for this, so nothing the student's code returns
    from that run reaches the student but pass or fail per check: no names, types, messages or
    numbers (what is not re-checked is judged from the student's own run).
    """
    declared = tasks.get(task)
    result = results[task]
    failed = [
        d.task
        for d in tasks.dependencies(task)
        if results[d.task].score < results[d.task].max_score
    ]
    if not declared.rerun_with_reference or not failed or result.score >= result.max_score:
        return None
    outcome = run_student(with_reference(plan_, task, failed), {task: inputs[task]}, options)
    for part in outcome.parts.values():
        part.lists, part.types = {}, {}
        if part.error:
            part.error = {"error": "an error", "message": "", "where": ""}
    again, _ = _compare(task, inputs, expected, outcome)
    Finding = helpers().checking.Finding
    rerun = set(declared.rerun_with_reference)
    graded = [g for g in own if g.part not in rerun] + [
        Graded(
            Finding(
                g.finding.what,
                g.finding.passed,
                "as expected" if g.finding.passed else "does not match",
            ),
            g.weight,
            g.primary,
            g.part,
        )  # fmt: skip
        for g in again
        if g.part in rerun
    ]
    note = declared.rerun_note.format(failed=", ".join(failed))
    return _result(task, graded, [note]), outcome.runtime


def _name_cells(outcome: Outcome, plan_: Plan) -> None:
    """Error locations name the student's cells as the feedback does."""
    labels = {f"<cell {s.cell}>": s.label or "the setup cell" for s in plan_.steps}
    for part in outcome.parts.values():
        if part.error and part.error.get("where"):
            where = part.error["where"]
            cell_name = where.split(" line ")[0]
            part.error["where"] = where.replace(cell_name, labels.get(cell_name, cell_name))


def _file_notes(nb) -> list[str]:
    """What a student should know about the file itself."""
    notes = []
    if nb.metadata.get("orig_nbformat", 4) < 4:
        notes.append(
            f"the notebook was saved in nbformat {nb.metadata['orig_nbformat']}: "
            "converted to nbformat 4 and graded"
        )
    size = sum(len(json.dumps(c.get("outputs", []))) for c in nb.cells)
    if size > OUTPUT_NOTE_BYTES:
        notes.append(
            f"the notebook's saved outputs are {size / 1e6:.0f} MB: you printed a lot; "
            "the grader ignores them and the feedback shows the first lines only"
        )
    return notes


def read_notebook(path: Path):
    """Parse a submitted file into nbformat v4, or raise ValueError with a clear reason."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise ValueError("the notebook file is empty")
    try:
        return nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
    except Exception as exc:  # nbformat raises many kinds on corrupt input
        raise ValueError(
            f"the notebook file cannot be read as a notebook ({type(exc).__name__}:"
            f" {str(exc)[:200]})"
        ) from exc


def empty_result(reason: str) -> SubmissionResult:
    """Zero on every task, for a submission with nothing to grade."""
    Finding = helpers().checking.Finding
    results = {
        t: TaskResult(t, 0.0, p, [Finding("the notebook", False, reason)])
        for t, p in tasks.points().items()
    }
    return SubmissionResult(results, [reason])
