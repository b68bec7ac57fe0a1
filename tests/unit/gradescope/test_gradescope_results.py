"""results.json (``autograder.gradescope.results``) against Gradescope's spec, as
``tests/gradescope_results.schema.json`` writes it: one test per task, the notes for the
student, the flags and the isolation for the staff only, and no score for a student who was not
graded."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jsonschema
import pytest

from autograder.gradescope.folders import Folders, Found
from autograder.gradescope.results import not_graded_json, results_json, write_results
from autograder.grading import SubmissionResult, TaskResult
from autograder.grading.reference import helpers


def _schema() -> dict:
    tests = Path(__file__).resolve().parents[2]
    [path] = sorted(tests.rglob("gradescope_results.schema.json"))[:1]
    return json.loads(path.read_text())


SCHEMA = _schema()


def valid(data: dict) -> None:
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)


def result(**kwargs) -> SubmissionResult:
    Finding = helpers().checking.Finding
    wrong = Finding("dx vs numerical gradient", False, "relative error 0.5", "forgot the 1/N")
    tasks = {
        "affine_forward": TaskResult("affine_forward", 2.0, 2.0, []),
        "batchnorm_backward": TaskResult("batchnorm_backward", 2.5, 6.0, [wrong]),
    }
    return SubmissionResult(tasks, **kwargs)


def test_a_graded_student_gets_one_test_per_task():
    data = results_json(result(), Found(Path("/s/BatchNormalization.ipynb")), "7", 12.6)
    valid(data)
    assert data["score"] == 4.5
    assert data["execution_time"] == 13
    assert [(t["name"], t["number"], t["status"]) for t in data["tests"]] == [
        ("affine_forward", "1", "passed"),
        ("batchnorm_backward", "2", "failed"),
    ]
    assert [(t["score"], t["max_score"]) for t in data["tests"]] == [(2.0, 2.0), (2.5, 6.0)]
    assert "forgot the 1/N" in data["tests"][1]["output"]
    assert "Autograded: 4.5 / 8 points." in data["output"]
    assert data["extra_data"]["notebook"] == "BatchNormalization.ipynb"
    assert data["extra_data"]["student"] == "7"


def test_visibility_is_set_on_the_top_and_every_test_only_when_chosen():
    plain = results_json(result(), Found(None), "7", 1.0)
    assert "visibility" not in plain
    assert {t["visibility"] for t in plain["tests"]} == {"visible"}
    later = results_json(result(), Found(None), "7", 1.0, visibility="after_due_date")
    valid(later)
    assert later["visibility"] == "after_due_date"
    assert {t["visibility"] for t in later["tests"]} == {"after_due_date"}


def test_flags_and_isolation_are_for_the_staff_only():
    found = Found(None, notes=["renamed notebook"], flags=["symlink in the submission"])
    graded = result(notes=["renamed notebook", "cell 3 failed"], flags=["imports os"])
    graded.isolation = "uid"
    data = results_json(graded, found, "7", 1.0)
    valid(data)
    assert data["stdout_visibility"] == "hidden"
    assert data["extra_data"]["flags"] == ["symlink in the submission", "imports os"]
    assert data["extra_data"]["isolation"] == "uid"
    student_sees = data["output"] + "".join(t["output"] for t in data["tests"])
    assert "symlink" not in student_sees and "imports os" not in student_sees
    # each note once, in the student's output
    assert data["extra_data"]["notes"] == ["renamed notebook", "cell 3 failed"]
    assert data["output"].count("- renamed notebook") == 1
    assert "unprivileged user" in data["output"]
    assert "unprivileged user" not in results_json(result(), found, "7", 1.0)["output"]


def test_a_student_not_graded_gets_no_score_and_gradescope_sees_a_failed_run():
    data = not_graded_json("the sandbox did not start")
    assert "score" not in data and "tests" not in data
    assert "NOT graded" in data["output"] and "the sandbox did not start" in data["output"]
    assert data["extra_data"] == {"not_graded": True, "reason": "the sandbox did not start"}
    with pytest.raises(jsonschema.ValidationError):
        valid(data)  # incomplete by the spec: never a grade of 0


def test_the_schema_would_catch_a_misnamed_field():
    data = results_json(result(), Found(None), "7", 1.0)
    data["tests"][0]["maxscore"] = 2.0
    with pytest.raises(jsonschema.ValidationError):
        valid(data)


def test_results_are_written_readable_by_the_harness(tmp_path):
    folders = Folders(tmp_path)
    folders.results.mkdir()
    data = results_json(result(), Found(None), "7", 1.0)
    write_results(folders, data)
    path = tmp_path / "results" / "results.json"
    assert json.loads(path.read_text()) == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
