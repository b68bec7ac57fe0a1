"""The plan of a submitted notebook: the steps Restart & Run All would make, what is missing
from the file said in notes, and the plan that checks a task again with the reference's code."""

from __future__ import annotations

import copy

import pytest

from autograder import tasks
from autograder.grading.plan import plan, with_reference
from autograder.grading.reference import grade_id, source_notebook
from autograder.sandboxed.contracts import Step, StepKind


def reference():
    return copy.deepcopy(source_notebook())


def index_of(nb, gid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if grade_id(c) == gid)


def kinds(steps: list[Step]) -> list[tuple[str, StepKind]]:
    return [(s.id, s.kind) for s in steps]


def test_the_reference_runs_top_to_bottom_with_each_check_at_its_place():
    nb = reference()
    planned = plan(nb)
    assert planned.notes == [] and planned.missing_answers == {}
    steps = kinds(planned.steps)
    setup = index_of(nb, "setup")
    assert steps[:2] == [(f"cell{setup}", StepKind.SETUP), ("scan", StepKind.SCAN)]
    assert [s.task for s in planned.steps if s.kind is StepKind.TASK] == tasks.ids()
    for task in tasks.ids():  # right after its function's answer cell, or the task before
        at = steps.index((f"task:{task}", StepKind.TASK))
        answer = f"cell{index_of(nb, tasks.get(task).answer)}"
        assert (answer, StepKind.CELL) in steps[:at]
    run = {s.cell for s in planned.steps}
    for gid in ("helpers", "load_data", "summary", "experiment_1", "submit"):
        assert index_of(nb, gid) not in run  # the instructor's cells are not run again
    labels = {s.label for s in planned.steps if s.kind is StepKind.CELL}
    assert "your relu_forward_answer cell" in labels


def test_the_students_own_cells_run_in_their_place():
    nb = reference()
    at = index_of(nb, "relu_forward_answer") + 1
    nb.cells.insert(at, copy.deepcopy(nb.cells[index_of(nb, "relu_forward_answer")]))
    nb.cells[at].metadata = {}
    nb.cells[at].source = "def helper(x):\n    return x\n"
    steps = plan(nb).steps
    (own,) = [s for s in steps if s.cell == at]
    assert own.kind is StepKind.CELL and own.label == f"your cell {at}"
    assert own.source == "def helper(x):\n    return x\n"


def test_a_missing_setup_cell_runs_the_original_setup_first():
    nb = reference()
    del nb.cells[index_of(nb, "setup")]
    planned = plan(nb)
    assert kinds(planned.steps)[:2] == [("setup", StepKind.SETUP), ("scan", StepKind.SCAN)]
    assert planned.notes == ["the setup cell is missing: the original setup was run first"]


def test_a_missing_check_cell_runs_its_checks_at_the_end():
    nb = reference()
    del nb.cells[index_of(nb, "relu_forward")]
    planned = plan(nb)
    assert planned.steps[-1].id == "task:relu_forward"
    assert [s.task for s in planned.steps].count("relu_forward") == 1
    assert planned.notes == [
        "the check cell of relu_forward is missing: its hidden checks ran at the end"
    ]


def test_a_check_cell_twice_checks_once():
    nb = reference()
    nb.cells.append(copy.deepcopy(nb.cells[index_of(nb, "relu_forward")]))
    assert [s.task for s in plan(nb).steps].count("relu_forward") == 1


def test_a_missing_answer_cell_is_said_for_each_task_it_defines():
    nb = reference()
    del nb.cells[index_of(nb, "batchnorm_forward_answer")]
    missing = plan(nb).missing_answers
    assert set(missing) == set(tasks.answer_tasks()["batchnorm_forward_answer"])
    assert set(missing.values()) == {
        "the answer cell batchnorm_forward_answer is missing from the notebook"
    }


def test_the_given_cells_run_in_their_place_or_after_the_setup(monkeypatch):
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENT", "dropout")
    nb = reference()
    steps = kinds(plan(nb).steps)
    assert steps[1] == ("given:layers", StepKind.INJECT)
    del nb.cells[index_of(nb, "layers")]
    assert kinds(plan(nb).steps)[:3] == [
        (f"cell{index_of(nb, 'setup')}", StepKind.SETUP),
        ("given:layers", StepKind.INJECT),
        ("scan", StepKind.SCAN),
    ]


@pytest.mark.parametrize(("task", "repaired"), [("batchnorm_backward", True),
                                                ("FullyConnectedNet", False)])  # fmt: skip
def test_a_check_again_runs_the_students_cells_then_the_references_code(task, repaired):
    planned = plan(reference())
    failed = [tasks.dependencies(task)[0].task]
    again = with_reference(planned, task, failed)
    cells = [s for s in planned.steps if s.kind in (StepKind.SETUP, StepKind.CELL)]
    assert again.steps[: len(cells)] == cells
    inject, last = again.steps[-2:]
    assert (inject.id, inject.kind, last.id) == ("inject", StepKind.INJECT, f"task:{task}")
    functions = sorted({tasks.get(t).function for t in failed})
    assert inject.repair == (functions if repaired else [])
    assert inject.source
