"""``@check.experiment``: an experiment cell's function runs at once; a missing task or the
student's error is a note, not a stopped Run All; while validating it does not run."""

from __future__ import annotations

import importlib

import pytest
from support.helpers_package import helpers_package

VALIDATING = [("NBGRADER_EXECUTION", "validate"), ("CS231N_VALIDATE", "1")]


@pytest.fixture(scope="module")
def checking():
    with helpers_package():
        yield importlib.import_module("cs231n.checking")


@pytest.fixture
def not_validating(monkeypatch):
    for name, _ in VALIDATING:
        monkeypatch.delenv(name, raising=False)


def test_it_runs_the_function_at_once_and_returns_it(checking, not_validating):
    ran = []

    @checking.experiment("Experiment 1")
    def experiment_1():
        ran.append(1)

    assert ran == [1]
    experiment_1()  # by hand, again
    assert ran == [1, 1]


def test_a_missing_task_is_a_note(checking, not_validating, capsys):
    @checking.experiment("Experiment 2")
    def experiment_2():
        raise NotImplementedError("batchnorm_forward")

    out = capsys.readouterr()
    assert out.out == (
        "Experiment 2 skipped: it needs a task that is not implemented yet (batchnorm_forward).\n"
    )
    assert out.err == ""


def test_the_students_error_is_named_on_stderr(checking, not_validating, capsys):
    @checking.experiment("Experiment 3")
    def experiment_3():
        return {}["gamma"]

    err = capsys.readouterr().err
    assert err.startswith("Experiment 3 stopped: your code raised KeyError: 'gamma'")
    assert err.rstrip().endswith("Fix the task whose check fails, then run this cell again.")


@pytest.mark.parametrize("variable", VALIDATING)
def test_while_validating_it_does_not_run(checking, not_validating, monkeypatch, capsys, variable):
    monkeypatch.setenv(*variable)
    ran = []

    @checking.experiment("Experiment 4")
    def experiment_4():
        ran.append(1)

    assert ran == []
    assert capsys.readouterr().out == (
        "Experiment 4 is not run while validating (it is not graded; Run All runs it).\n"
    )
