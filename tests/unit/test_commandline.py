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
