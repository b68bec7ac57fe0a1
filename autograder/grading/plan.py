"""The steps a top-to-bottom run of a submitted notebook makes, as Restart & Run All would:
the instructor's setup cell, the static scan, the student's answer cells and own cells in
notebook order, and at each check cell's place that task's probes. Check cells, the data cell
and the experiments are not run: grading never retrains."""

from __future__ import annotations

import functools

from .. import tasks
from ..layout import current
from ..sandboxed.contracts import (
    INJECT,
    SCAN,
    SETUP,
    Step,
    StepKind,
    cell_step_id,
    given_step_id,
    is_given_step,
    task_step_id,
)
from ..sandboxed.probes import python_source
from .model import Plan
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
    return Step(task_step_id(task), StepKind.TASK, reference_answers(given) if given else "",
                task=task)  # fmt: skip


def plan(nb) -> Plan:
    """The steps of a top-to-bottom run of a submitted notebook."""
    walk = _Walk()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            walk.cell(index, cell)
    steps, notes = walk.steps, []
    if not any(s.kind is StepKind.SETUP for s in steps):
        steps.insert(0, Step(SETUP, StepKind.SETUP, setup_python(), -1))
        notes.append("the setup cell is missing: the original setup was run first")
    after_setup = next(i for i, s in enumerate(steps) if s.kind is StepKind.SETUP) + 1
    for gid, source in walk.given.items():  # a given cell the notebook lacks: after the setup
        steps.insert(after_setup, Step(given_step_id(gid), StepKind.INJECT, source, -1))
    first_student = next((i for i, s in enumerate(steps) if s.kind.student), len(steps))
    steps.insert(first_student, Step(SCAN, StepKind.SCAN))
    for task in tasks.ids():
        if task not in walk.seen_tasks:
            steps.append(task_step(task))
            notes.append(f"the check cell of {task} is missing: its hidden checks ran at the end")
    return Plan(steps, notes, _missing_answers(walk.answers_seen))


class _Walk:
    """The steps of a notebook's code cells, in order: what each cell's grade id makes of it."""

    def __init__(self) -> None:
        self.known = {grade_id(c): c for c in source_notebook().cells if grade_id(c)}
        self.given = given_sources()  # given cells not met yet
        self.task_ids = tasks.ids()
        self.steps: list[Step] = []
        self.seen_tasks: set[str] = set()
        self.answers_seen: set[str] = set()

    def cell(self, index: int, cell) -> None:
        gid = grade_id(cell)
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if gid == "setup":
            self.steps.append(Step(cell_step_id(index), StepKind.SETUP, setup_python(), index))
        elif gid.endswith("_answer") and gid in self.known:
            self.answers_seen.add(gid)
            self.steps.append(Step(cell_step_id(index), StepKind.CELL, source, index,
                                   label=f"your {gid} cell"))  # fmt: skip
        elif gid in self.task_ids:
            if gid not in self.seen_tasks:
                self.seen_tasks.add(gid)
                self.steps.append(task_step(gid))
        elif gid in self.given:
            self.steps.append(Step(given_step_id(gid), StepKind.INJECT, self.given.pop(gid), index))
        elif gid not in self.known:  # the instructor's cells (data, experiments) are not re-run
            self.steps.append(Step(cell_step_id(index), StepKind.CELL, source, index,
                                   label=f"your cell {index}"))  # fmt: skip


def _missing_answers(answers_seen: set[str]) -> dict[str, str]:
    """Task -> why it cannot be graded in full: its answer cell is missing from the notebook."""
    missing = {}
    for gid, defined in tasks.answer_tasks().items():
        if gid not in answers_seen:
            for task in defined:
                missing[task] = f"the answer cell {gid} is missing from the notebook"
    return missing


def with_reference(plan_: Plan, task: str, failed: list[str]) -> Plan:
    """The plan that checks ``task`` again with the reference's code for the tasks it depends
    on: all the student's cells run, then the reference's answer cells of those tasks come in,
    then the task's probes run. With ``Task.repair_cache``, the functions of the ``failed``
    dependencies stay the student's, their caches repaired (``sandboxed/repair.py``); else the
    reference's functions replace the student's."""
    depends = [d.task for d in tasks.dependencies(task)]
    steps = [
        s for s in plan_.steps if s.kind in (StepKind.SETUP, StepKind.CELL) or is_given_step(s.id)
    ]
    if tasks.get(task).repair_cache:
        functions = sorted({tasks.get(t).function for t in failed})
        inject = Step(INJECT, StepKind.INJECT, recorded_answers(depends, functions),
                      repair=functions)  # fmt: skip
    else:
        inject = Step(INJECT, StepKind.INJECT, reference_answers(depends))
    return Plan([*steps, inject, task_step(task)])


__all__ = ["plan", "with_reference"]
