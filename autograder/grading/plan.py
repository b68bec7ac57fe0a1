"""The steps a top-to-bottom run of a submitted notebook makes, as Restart & Run All would:
the instructor's setup cell, the static scan, the student's answer cells and own cells in
notebook order, and at each check cell's place that task's probes. Check cells, the data cell
and the experiments are not run: grading never retrains."""

from __future__ import annotations

import functools

from .. import tasks
from ..layout import current
from ..sandboxed.probes import python_source
from .model import Plan, Step, StepKind
from .reference import (
    given_sources,
    grade_id,
    recorded_answers,
    reference_answers,
    setup_source,
    source_notebook,
)


def setup_python() -> str:
    """The instructor's setup cell as plain Python (its ``%matplotlib inline`` turned into a
    call), transformed here once per assignment: the sandbox then needs no IPython for it."""
    return _setup_python(current().name)


@functools.cache
def _setup_python(assignment: str) -> str:
    return python_source(setup_source())


def task_step(task: str) -> Step:
    """A task's probes, with the reference's code for its ``with_reference`` tasks (run in
    the student's place while they run only)."""
    given = tasks.get(task).with_reference
    return Step(f"task:{task}", StepKind.TASK, reference_answers(given) if given else "",
                task=task)  # fmt: skip


def plan(nb) -> Plan:
    """The steps of a top-to-bottom run of a submitted notebook."""
    known = {grade_id(c): c for c in source_notebook().cells if grade_id(c)}
    given = given_sources()
    task_ids = tasks.ids()
    steps, notes, seen_tasks = [], [], set()
    answers_seen = set()
    for index, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if cell.cell_type != "code":
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if gid == "setup":
            steps.append(Step(f"cell{index}", StepKind.SETUP, setup_python(), index))
        elif gid.endswith("_answer") and gid in known:
            answers_seen.add(gid)
            steps.append(
                Step(f"cell{index}", StepKind.CELL, source, index, label=f"your {gid} cell")
            )
        elif gid in task_ids:
            if gid not in seen_tasks:
                seen_tasks.add(gid)
                steps.append(task_step(gid))
        elif gid in given:
            steps.append(Step(f"given:{gid}", StepKind.INJECT, given.pop(gid), index))
        elif gid in known:
            continue  # the instructor's cells: data loading and experiments are not re-run
        else:
            steps.append(
                Step(f"cell{index}", StepKind.CELL, source, index, label=f"your cell {index}")
            )
    if not any(s.kind is StepKind.SETUP for s in steps):
        steps.insert(0, Step("setup", StepKind.SETUP, setup_python(), -1))
        notes.append("the setup cell is missing: the original setup was run first")
    after_setup = next(i for i, s in enumerate(steps) if s.kind is StepKind.SETUP) + 1
    for gid, source in given.items():  # a given cell the notebook lacks: right after the setup
        steps.insert(after_setup, Step(f"given:{gid}", StepKind.INJECT, source, -1))
    first_student = next((i for i, s in enumerate(steps) if s.kind.student), len(steps))
    steps.insert(first_student, Step("scan", StepKind.SCAN))
    for task in task_ids:
        if task not in seen_tasks:
            steps.append(task_step(task))
            notes.append(f"the check cell of {task} is missing: its hidden checks ran at the end")
    missing = {}
    for gid, defined in tasks.answer_tasks().items():
        if gid not in answers_seen:
            for task in defined:
                missing[task] = f"the answer cell {gid} is missing from the notebook"
    return Plan(steps, notes, missing)


def with_reference(plan_: Plan, task: str, failed: list[str]) -> Plan:
    """The plan that checks ``task`` again with the reference's code for the tasks it depends
    on: all the student's cells run, then the reference's answer cells of those tasks come in,
    then the task's probes run. With ``Task.repair_cache``, the functions of the ``failed``
    dependencies stay the student's, their caches repaired (``sandboxed/repair.py``); else the
    reference's functions replace the student's."""
    depends = [d.task for d in tasks.dependencies(task)]
    steps = [
        s
        for s in plan_.steps
        if s.kind in (StepKind.SETUP, StepKind.CELL) or s.id.startswith("given:")
    ]
    if tasks.get(task).repair_cache:
        functions = sorted({tasks.get(t).function for t in failed})
        inject = Step("inject", StepKind.INJECT, recorded_answers(depends, functions),
                      repair=functions)  # fmt: skip
    else:
        inject = Step("inject", StepKind.INJECT, reference_answers(depends))
    return Plan([*steps, inject, task_step(task)])


__all__ = ["plan", "with_reference"]
