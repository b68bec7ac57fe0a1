"""Rosters, mappings and matching for the LMS export, on files written here (the export from a
real gradebook: ``tests/test_lms.py``)."""

from __future__ import annotations

import csv
import io

import pytest

from autograder.course.lms.export import (
    Graded,
    LmsRequest,
    canvas_column,
    canvas_csv,
    match,
)
from autograder.course.lms.roster import LmsError, read_mapping, read_roster

# Canvas's export as it comes: a BOM, the "Manual Posting" row of an assignment whose grades are
# posted by hand, Points Possible, read-only totals, and the test student.
CANVAS = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Notes,Batch Normalization (4711),"
    "Current Score,Final Score\n"
    ",,,,,,Manual Posting,,\n"
    "    Points Possible,,,,,(read only),55.00,(read only),(read only)\n"
    '"Archer, Ann",101,S101,ann,CS231n-01,,,0.00,0.00\n'
    '"Brown, Ben",102,S102,BSmith,CS231n-01,,,0.00,0.00\n'
    '"Doe, Dora",104,S104,dora,CS231n-02,,,0.00,0.00\n'
    '"Student, Test",105,,,CS231n-01,,,0.00,0.00\n'
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_canvas_export_keeps_students_only(tmp_path):
    roster = read_roster(write(tmp_path, "canvas.csv", CANVAS))
    assert roster.canvas
    assert [p.login for p in roster.people] == ["ann", "BSmith", "dora"]
    assert roster.people[0].name == "Archer, Ann" and roster.people[0].fields["ID"] == "101"
    assert roster.find("bsmith") is roster.people[1]  # regardless of case
    assert "Batch Normalization (4711)" in roster.assignments


def test_a_plain_roster_needs_a_login_column(tmp_path):
    plain = read_roster(write(tmp_path, "bb.csv", "Last Name,First Name,Username\nA,Ann,ann\n"))
    assert not plain.canvas and [p.login for p in plain.people] == ["ann"]
    with pytest.raises(LmsError, match="no login column"):
        read_roster(write(tmp_path, "x.csv", "name,email\nAnn,a@x\n"))


def test_a_login_twice_is_refused(tmp_path):
    twice = CANVAS + '"Archer, Ann (2)",106,S106,ANN,CS231n-02,,,,\n'
    with pytest.raises(LmsError, match="'ANN' is there twice"):
        read_roster(write(tmp_path, "canvas.csv", twice))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id,login\nann,a\n", "student_id,login"),
        ("student_id,login\nann,\n", "without a student_id or a login"),
        ("student_id,login\nann,a\nann,b\n", "'ann' is there twice"),
        ("student_id,login\nann,a\nben,A\n", "two students mapped to one login: a"),
    ],
)
def test_a_bad_mapping_is_refused(tmp_path, text, words):
    with pytest.raises(LmsError, match=words):
        read_mapping(write(tmp_path, "map.csv", text))


def test_canvas_needs_its_own_roster(tmp_path):
    plain = write(tmp_path, "bb.csv", "Username\nann\n")
    with pytest.raises(LmsError, match="--lms canvas needs --roster"):
        LmsRequest.read("canvas", plain, None, None)
    with pytest.raises(LmsError, match="--lms canvas needs --roster"):
        LmsRequest.read("canvas", None, None, None)


def graded(student: str, total: str = "43", ok: bool = True) -> Graded:
    return Graded(student, ok, total if ok else "", "55" if ok else "")


def test_matching_reports_who_is_in_one_list_only(tmp_path):
    roster = write(tmp_path, "canvas.csv", CANVAS)
    mapping = write(tmp_path, "map.csv", "student_id,login\nben,bsmith\nzed,zed9\n")
    request = LmsRequest.read("canvas", roster, mapping, None)
    grades = [graded("ann"), graded("ben", "40.5"), graded("cal"), graded("dora", ok=False)]
    found = match(grades, request)
    assert [(g.student_id, login) for g, login, _ in found.matched] == [
        ("ann", "ann"),
        ("ben", "bsmith"),
    ]
    left = {(u.list, u.student_id or u.login) for u in found.unmatched}
    assert left == {
        ("OUT only", "cal"),
        ("not graded", "dora"),
        ("mapping only", "zed"),
    }  # dora is in the roster, but has no score to send: said once, as not graded
    rows = list(csv.reader(io.StringIO(canvas_csv(found, "Batch Normalization (4711)"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Batch Normalization (4711)"]  # fmt: skip
    assert rows[1] == ["    Points Possible", "", "", "", "", "55"]
    assert rows[2:] == [
        ["Archer, Ann", "101", "S101", "ann", "CS231n-01", "43"],
        ["Brown, Ben", "102", "S102", "BSmith", "CS231n-01", "40.5"],
    ]


def test_roster_students_without_a_submission_are_reported(tmp_path):
    request = LmsRequest.read("canvas", write(tmp_path, "c.csv", CANVAS), None, None)
    found = match([graded("ann")], request)
    assert {(u.list, u.login) for u in found.unmatched} == {
        ("roster only", "BSmith"),
        ("roster only", "dora"),
    }


def test_the_column_is_the_rosters_when_it_has_this_assignment(tmp_path):
    roster = read_roster(write(tmp_path, "c.csv", CANVAS))
    assert canvas_column(roster, None) == "Batch Normalization (4711)"
    assert canvas_column(roster, "Mine") == "Mine"
    other = read_roster(write(tmp_path, "d.csv", CANVAS.replace("Batch Normalization", "Quiz")))
    assert canvas_column(other, None) == "batchnorm"  # a new assignment on import
