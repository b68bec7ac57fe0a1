"""``OUT/students.json`` (``autograder.course.roster``): what a batch graded, kept so that
``export`` and ``merge`` work from OUT alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.course.collect import Student
from autograder.course.roster import ROSTER, load, save

STUDENTS = [
    Student("alice", Path("/subs/alice/BatchNormalization.ipynb"), [], []),
    Student("bob", None, ["no BatchNormalization.ipynb in the submission"], []),
    Student("carol@example.edu", Path("/subs/c/nb.ipynb"), ["renamed"], ["symlink: not followed"]),
]


def test_students_come_back_as_they_were_saved(tmp_path):
    save(tmp_path, STUDENTS)
    assert load(tmp_path) == STUDENTS


def test_the_file_is_plain_json_in_the_students_order(tmp_path):
    save(tmp_path, STUDENTS)
    assert ROSTER == "students.json"
    data = json.loads((tmp_path / "students.json").read_text())
    assert data == [
        {
            "id": "alice",
            "notebook": "/subs/alice/BatchNormalization.ipynb",
            "notes": [],
            "flags": [],
        },
        {
            "id": "bob",
            "notebook": None,
            "notes": ["no BatchNormalization.ipynb in the submission"],
            "flags": [],
        },
        {
            "id": "carol@example.edu",
            "notebook": "/subs/c/nb.ipynb",
            "notes": ["renamed"],
            "flags": ["symlink: not followed"],
        },
    ]


def test_a_new_export_replaces_the_roster(tmp_path):
    save(tmp_path, STUDENTS)
    save(tmp_path, STUDENTS[1:2])
    assert [s.id for s in load(tmp_path)] == ["bob"]
    save(tmp_path, [])
    assert load(tmp_path) == []


def test_loaded_lists_are_the_callers_own(tmp_path):
    save(tmp_path, STUDENTS)
    first = load(tmp_path)
    first[0].notes.append("changed")
    assert load(tmp_path)[0].notes == []


def test_a_folder_without_a_roster_is_not_a_grade_output(tmp_path):
    with pytest.raises(ValueError, match=r"holds no students\.json: it is not the output"):
        load(tmp_path)
