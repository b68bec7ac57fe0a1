"""How the batch command finds students and their notebooks."""

from __future__ import annotations

import os

from support.paths import NOTEBOOK

from autograder.course.collect import collect
from autograder.course.export import summary_table


def test_folder_per_student(tmp_path):
    for student in ("ann", "ben"):
        (tmp_path / student).mkdir()
        (tmp_path / student / NOTEBOOK).write_text("{}")
    students = collect(tmp_path)
    assert [s.id for s in students] == ["ann", "ben"]
    assert all(s.notebook.name == NOTEBOOK and not s.notes for s in students)


def test_nbgrader_submitted_tree(tmp_path):
    folder = tmp_path / "submitted" / "ann" / "batchnorm"
    folder.mkdir(parents=True)
    (folder / NOTEBOOK).write_text("{}")
    (folder / "timestamp.txt").write_text("2026-11-26 10:00:00")
    (student,) = collect(tmp_path)
    assert student.id == "ann" and student.notebook == folder / NOTEBOOK


def test_wrong_name_is_graded_with_a_note_and_missing_is_noted(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "BatchNorm (1).ipynb").write_text("{}")
    (tmp_path / "ben").mkdir()
    ann, ben = collect(tmp_path)
    assert ann.notebook.name == "BatchNorm (1).ipynb" and "named" in ann.notes[0]
    assert ben.notebook is None and "no BatchNormalization.ipynb" in ben.notes[0]


def test_symlinks_are_not_followed_and_flagged(tmp_path):
    secret = tmp_path / "instructor.ipynb"
    secret.write_text("{}")
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    os.symlink(secret, subs / "ann" / NOTEBOOK)
    os.symlink(subs / "ann", subs / "ben")
    ann, ben = collect(subs)
    for student in (ann, ben):
        assert student.notebook is None
        assert any("symlink" in f for f in student.flags)


def test_summary_table_names_lost_parts_and_flags():
    from autograder.tasks import points as task_points

    row = {
        "student_id": "ann",
        "status": "graded",
        "isolation": "bubblewrap",
        "total": "41",
        "max_total": "55",
        "flags": ["network"],
        **{t: f"{p:g}" for t, p in task_points().items()},
        "affine_forward": "0",
    }
    absent = {
        "student_id": "bo",
        "status": "not graded",
        "reason": "the sandbox failed",
        "flags": [],
    }
    text = summary_table([row, absent])
    assert "ann" in text and "affine_forward" in text and "FLAGGED: network" in text
    assert "bubblewrap" in text
    assert "NOT GRADED" in text.splitlines()[2] and "the sandbox failed" in text
