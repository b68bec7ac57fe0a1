"""Which assignment a command works on, in a course of two, when none is named."""

from __future__ import annotations

import os

import pytest

from autograder import layout
from autograder.__main__ import build_parser, choose_assignment, main


@pytest.fixture
def none_named(monkeypatch):
    """No assignment chosen in the environment (the tests' own default is taken away)."""
    monkeypatch.delenv(layout.SELECTED, raising=False)
    yield
    os.environ.pop(layout.SELECTED, None)


def test_the_course_has_two_assignments():
    assert len(layout.assignments()) >= 2  # else the tests below prove nothing


@pytest.mark.parametrize("command", [["doctor"], ["bench", "--no-stock"]])
def test_a_host_command_takes_the_course_s_first_assignment(command, none_named):
    choose_assignment(build_parser().parse_args(command))
    assert layout.current().name == sorted(layout.assignments())[0]


def test_a_named_assignment_wins(none_named):
    last = sorted(layout.assignments())[-1]
    choose_assignment(build_parser().parse_args(["doctor", "--assignment", last]))
    assert layout.current().name == last


def test_a_command_of_one_assignment_refuses_to_guess(none_named, tmp_path, capsys):
    assert main(["gradescope", "--out", str(tmp_path / "autograder.zip")]) == 2
    said = capsys.readouterr().err
    assert "which assignment?" in said and "--assignment" in said
    assert all(name in said for name in layout.assignments())
    assert not (tmp_path / "autograder.zip").exists()


def test_a_loop_over_the_assignments_leaves_the_process_as_it_found_it(monkeypatch):
    """``make release``, ``make demo`` and the tables of tasks loop over the course's
    assignments: the assignment chosen before is chosen after, here and in a failing block."""
    first, last = sorted(layout.assignments())[0], sorted(layout.assignments())[-1]
    monkeypatch.setenv(layout.SELECTED, first)
    with layout.using(last):
        assert layout.current().name == last
    assert os.environ[layout.SELECTED] == first
    with pytest.raises(RuntimeError), layout.using(last):
        raise RuntimeError
    assert os.environ[layout.SELECTED] == first
    monkeypatch.delenv(layout.SELECTED)
    with layout.using(last):
        pass
    assert layout.SELECTED not in os.environ


def test_every_table_of_tasks_keeps_the_chosen_assignment(monkeypatch, tmp_path):
    from autograder.kit import docs

    first = sorted(layout.assignments())[0]
    monkeypatch.setenv(layout.SELECTED, first)
    docs.print_or_write_tasks(write=False)
    assert os.environ[layout.SELECTED] == first


def test_grade_refuses_a_time_factor_that_is_no_number_before_any_student(
    monkeypatch, tmp_path, capsys
):
    from autograder.grading.supervise import TIME_FACTOR

    (tmp_path / "subs" / "ada").mkdir(parents=True)
    monkeypatch.setenv(TIME_FACTOR, "twice")
    argv = ["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out")]
    assert main([*argv, "--assignment", "batchnorm"]) == 2
    assert f"{TIME_FACTOR}: expected a number above 0, got 'twice'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
