"""Late work on Gradescope (``autograder.gradescope.late``): the zip's deadlines file applied to
``created_at``, an extension found by the student's Gradescope id or email, and results.json
with the penalty taken off its score."""

from __future__ import annotations

import json

import pytest

from autograder.deadlines import PolicyError
from autograder.deadlines.course import POLICY_ENV
from autograder.gradescope.folders import Found
from autograder.gradescope.late import IN_ZIP, late_work, staff_notes, zip_member
from autograder.gradescope.results import results_json
from autograder.grading import SubmissionResult, TaskResult

POLICY = """
[late]
penalty_percent = 10
[assignments.batchnorm]
due = 2026-04-17T23:59:00Z
[extensions."ben@example.edu"]
batchnorm = { days = 2 }
"""


def metadata(tmp_path, created_at: str, users: list[dict], due: str = "2026-04-17T23:59:00Z"):
    path = tmp_path / "submission_metadata.json"
    data = {"created_at": created_at, "users": users, "assignment": {"due_date": due}}
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def source(tmp_path):
    (tmp_path / IN_ZIP).write_text(POLICY)
    return tmp_path


def test_a_submission_a_day_and_a_half_late_gets_the_penalty(source, tmp_path):
    # Gradescope's time, with its offset: 04:59 PDT on the 19th is 11:59 UTC, 36 hours late
    meta = metadata(tmp_path, "2026-04-19T04:59:00.123456-07:00", [{"id": 7, "email": "a@x"}])
    late = late_work(source, meta, "7", 43.0)
    assert late is not None and late.late.status == "late"
    assert late.hours_late == 36.0
    assert late.penalty == 8.6  # 2 started days at 10% of 43


def test_an_extension_by_email_spares_the_student(source, tmp_path):
    users = [{"id": 52, "email": "ben@example.edu"}, {"id": 7, "email": "a@x"}]
    meta = metadata(tmp_path, "2026-04-19T11:59:00Z", users)
    late = late_work(source, meta, "7-52", 43.0)
    assert late is not None and late.late.extended and late.penalty == 0.0


def test_no_created_at_is_no_penalty_and_a_flag(source, tmp_path):
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"id": 7}]}))
    late = late_work(source, meta, "7", 43.0)
    assert late is not None and late.penalty == 0.0
    assert late.late.status == "no submission time" and late.flags()


def test_no_deadlines_file_in_the_zip_is_no_late_work(tmp_path):
    meta = metadata(tmp_path, "2026-04-19T11:59:00Z", [{"id": 7}])
    assert late_work(tmp_path, meta, "7", 43.0) is None


def test_staff_hear_when_gradescopes_due_date_is_not_the_files(source, tmp_path):
    same = metadata(tmp_path, "2026-04-19T11:59:00Z", [{"id": 7}], due="2026-04-17T16:59:00-07:00")
    assert staff_notes(source, same) == []
    other = metadata(tmp_path, "2026-04-19T11:59:00Z", [{"id": 7}], due="2026-04-18T23:59:00Z")
    assert "is not the deadlines file's" in staff_notes(source, other)[0]


def test_results_json_takes_the_penalty_off_and_says_so(source, tmp_path):
    meta = metadata(tmp_path, "2026-04-19T11:59:00Z", [{"id": 7}])
    result = SubmissionResult({"affine_forward": TaskResult("affine_forward", 2.0, 2.0, [])}, [])
    late = late_work(source, meta, "7", result.total)
    data = results_json(result, Found(None), "7", 1.0, late=late)
    assert data["score"] == 1.6  # 2 points, less 20%
    assert data["tests"][0]["score"] == 2.0  # each test keeps its own score
    assert "1 day 12 hours after the due date" in data["output"]
    assert "Autograded score after it: 1.6 / 2." in data["output"]
    assert data["extra_data"]["late"]["penalty"] == 0.4
    assert data["extra_data"]["late"]["submitted_at"] == "2026-04-19T11:59:00Z"
    assert "late" not in results_json(result, Found(None), "7", 1.0)["extra_data"]


def test_the_zip_carries_the_file_and_refuses_late_days(tmp_path, monkeypatch):
    path = tmp_path / "deadlines.toml"
    monkeypatch.setenv(POLICY_ENV, str(path))
    assert zip_member() == {}
    path.write_text(POLICY)
    assert zip_member() == {IN_ZIP: (POLICY.encode(), 0o644)}
    path.write_text(POLICY + "[late_days]\nper_student = 2\n")
    with pytest.raises(PolicyError, match="late days shared across assignments cannot be spent"):
        zip_member()
