"""What comes back from the sandbox, read on the trusted side: the progress records (a line
that is not one is skipped), the step left open, and each part's report and arrays (checked
for size, never unpickled)."""

from __future__ import annotations

import json

import numpy as np

from autograder.grading.exchange import RESULT_BYTES, collect, open_step, read_progress
from autograder.sandboxed.contracts import End, Finished, PartReport, Start, encode_record

TASK = "relu_forward"


def test_progress_keeps_the_records_and_skips_the_rest(tmp_path):
    path = tmp_path / "progress.jsonl"
    assert read_progress(path) == []
    records = [Start("cell1"), End("cell1"), Finished()]
    start, end, finished = (encode_record(r) for r in records)
    lines = [start, "not json", "[1, 2]", '{"start": 3}', end, '{"finished": true', finished]
    path.write_text("\n".join(lines) + "\n")
    assert read_progress(path) == records


def test_the_open_step_is_the_innermost_started_and_not_ended():
    assert open_step([]) is None
    records = [Start("cell1"), End("cell1"), Start("task:t"), Start("t.a"), End("t.a")]
    assert open_step(records) == "task:t"
    assert open_step([*records, Start("t.b")]) == "t.b"
    assert open_step([Start("cell1"), End("cell2")]) == "cell1"  # an end that is not its own


def test_parts_come_back_with_their_arrays(tmp_path):
    (tmp_path / f"{TASK}.nd.json").write_text(
        json.dumps(PartReport(TASK, "nd", types={"out": "numpy.ndarray"}, nones=["x"]).to_json())
    )
    np.savez(tmp_path / f"{TASK}.nd.npz", out=np.arange(3.0))
    (tmp_path / f"{TASK}.float32.json").write_text(
        json.dumps(
            {
                "task": TASK,
                "part": "float32",
                "error": "NameError",
                "message": "m",
                "where": "<cell 3> line 1",
            }
        )  # fmt: skip
    )
    parts: dict = {}
    collect(tmp_path, [TASK], parts)
    assert parts[f"{TASK}.nd"].types == {"out": "numpy.ndarray"}
    assert parts[f"{TASK}.nd"].nones == {"x"}
    np.testing.assert_array_equal(parts[f"{TASK}.nd"].arrays["out"], np.arange(3.0))
    assert parts[f"{TASK}.float32"].error == {
        "error": "NameError", "message": "m", "where": "<cell 3> line 1"
    }  # fmt: skip


def test_what_cannot_be_read_is_not_a_result_and_a_forged_array_file_is_an_error(tmp_path):
    """A report that is not one is no result; arrays that are not an npz (the student's code
    can write the folder) are the student's error, not a crash of the grader's."""
    (tmp_path / f"{TASK}.nd.json").write_text('["not", "a", "report"]')
    (tmp_path / f"{TASK}.float32.json").write_text(
        json.dumps(PartReport(TASK, "float32").to_json())
    )
    (tmp_path / f"{TASK}.float32.npz").write_bytes(b"PK\x03\x04 not really")
    parts: dict = {}
    collect(tmp_path, [TASK], parts)
    assert list(parts) == [f"{TASK}.float32"]
    assert parts[f"{TASK}.float32"].error["error"] == "unreadable result"


def test_a_report_too_large_is_not_read(tmp_path):
    (tmp_path / f"{TASK}.nd.json").write_text(" " * (RESULT_BYTES + 1))
    parts: dict = {}
    collect(tmp_path, [TASK], parts)
    assert parts == {}
