"""The contracts of the sandbox boundary and of a grading run's folder: each record written as
it was when it was a keyword dict (the same bytes), read back as the same record, and what the
untrusted side may write instead read within bounds or not at all."""

from __future__ import annotations

import json

import pytest

from autograder.sandboxed import contracts
from autograder.sandboxed.contracts import (
    DoneMarker,
    End,
    ErrorInfo,
    Finished,
    Flag,
    Job,
    NotGraded,
    PartReport,
    ScanFailed,
    Scanned,
    Start,
    Step,
    StepKind,
    decode_record,
    encode_record,
)

RECORDS = [
    (Start("cell3"), {"start": "cell3"}),
    (End("cell3"), {"end": "cell3"}),
    (
        End("cell4", ErrorInfo("ZeroDivisionError", "division by zero", "<cell 4> line 2")),
        {"end": "cell4", "error": "ZeroDivisionError", "message": "division by zero",
         "where": "<cell 4> line 2"},
    ),
    (Scanned("your cell 7", ["uses the network (socket)"]),
     {"scanned": "your cell 7", "flags": ["uses the network (socket)"]}),
    (ScanFailed("its process could not be started"),
     {"scan_failed": "its process could not be started"}),
    (Flag("read", "/etc/shadow"), {"flag": "read", "detail": "/etc/shadow"}),
    (Finished(), {"finished": True}),
]  # fmt: skip
"""Each record, and the keyword dict the runner wrote for it before the records were typed."""


@pytest.mark.parametrize(("record", "legacy"), RECORDS)
def test_a_record_is_written_as_before_and_read_back_as_itself(record, legacy):
    line = encode_record(record)
    assert line == json.dumps(legacy)
    assert decode_record(json.loads(line)) == record


@pytest.mark.parametrize(
    "data",
    [
        "start",
        ["start", "cell3"],
        {},
        {"stop": "cell3"},
        {"start": "cell3", "end": "cell3"},  # two kinds in one line: neither
        {"start": 3},
        {"end": None},
        {"finished": 1},
        {"scanned": "your cell 7", "flags": "all of them"},
    ],
)
def test_what_is_not_a_record_is_none(data):
    assert decode_record(data) is None


def test_what_the_untrusted_side_writes_is_read_within_bounds():
    scanned = decode_record({"scanned": "x" * 500, "flags": ["f" * 500] * 50})
    assert isinstance(scanned, Scanned)
    assert len(scanned.label) == contracts.LABEL_CHARS
    assert len(scanned.flags) == contracts.SCAN_FLAGS
    assert {len(f) for f in scanned.flags} == {contracts.FLAG_CHARS}
    failed = decode_record({"scan_failed": "y" * 1000})
    assert isinstance(failed, ScanFailed) and len(failed.reason) == contracts.MESSAGE_CHARS
    assert decode_record({"flag": 7, "detail": None}) == Flag("7", "None")
    assert decode_record({"end": "cell1", "error": "E"}) == End("cell1", ErrorInfo("E", "", ""))


def test_a_parts_report_is_written_as_before_and_read_back():
    returned = PartReport("affine_forward", "small", types={"out": "numpy.ndarray"},
                          lists={"names": ["a"]}, nones=["cache"])  # fmt: skip
    assert returned.to_json() == {
        "task": "affine_forward", "part": "small", "types": {"out": "numpy.ndarray"},
        "lists": {"names": ["a"]}, "nones": ["cache"],
    }  # fmt: skip
    assert list(returned.to_json()) == ["task", "part", "types", "lists", "nones"]
    raised = PartReport("affine_forward", "small", ErrorInfo("NameError", "name 'x'", "w"))
    assert list(raised.to_json()) == ["task", "part", "error", "message", "where"]
    for report in (returned, raised):
        assert PartReport.from_json(report.to_json(), report.task, report.part) == report


def test_a_forged_report_is_cut_to_size_or_refused():
    long = PartReport.from_json(
        {"types": {"out": "t" * 999}, "lists": {"names": ["n" * 999] * 2000, "bad": "text"},
         "nones": ["cache"]},
        "affine_forward", "small",
    )  # fmt: skip
    assert long is not None
    assert len(long.types["out"]) == contracts.TYPE_CHARS
    assert len(long.lists["names"]) == contracts.LIST_ITEMS and "bad" not in long.lists
    assert {len(s) for s in long.lists["names"]} == {contracts.ITEM_CHARS}
    error = PartReport.from_json({"error": "E" * 999}, "t", "p")
    assert error is not None and error.error == ErrorInfo("E" * contracts.REPORT_CHARS, "", "")
    assert PartReport.from_json(["error"], "t", "p") is None
    assert PartReport.from_json({"types": ["out"], "nones": "x"}, "t", "p") == PartReport("t", "p")


def test_the_job_is_written_as_before_and_read_back():
    steps = [
        Step("setup", StepKind.SETUP, "import numpy as np", -1),
        Step("inject", StepKind.INJECT, "def f(): pass", repair=["batchnorm_forward"]),
        Step("task:relu_forward", StepKind.TASK, task="relu_forward"),
    ]
    job = Job(steps, {"relu_forward": {"small": ["call", {"fn": "relu_forward"}]}}, ["scan"],
              ["/kit"])  # fmt: skip
    legacy = {
        "steps": [
            {"id": s.id, "kind": s.kind.value, "source": s.source, "cell": s.cell,
             "task": s.task, "label": s.label, "repair": s.repair}
            for s in steps
        ],
        "probes": job.probes, "skip": ["scan"], "watch": ["/kit"],
    }  # fmt: skip
    assert json.dumps(job.to_json()) == json.dumps(legacy)
    assert Job.from_json(json.loads(json.dumps(job.to_json()))) == job


def test_ids_are_built_in_one_place():
    assert contracts.task_step_id("relu_forward") == "task:relu_forward"
    assert contracts.part_id("relu_forward", "small") == "relu_forward.small"
    assert contracts.part_files("relu_forward.small") == (
        "relu_forward.small.json",
        "relu_forward.small.npz",
    )
    assert contracts.cell_step_id(12) == "cell12"
    assert contracts.given_step_id("layers") == "given:layers"
    assert contracts.is_given_step("given:layers") and not contracts.is_given_step("cell3")


def test_the_records_of_a_grading_run_are_written_as_the_course_writes_them():
    """``course/batch.py`` writes the done marker with ``json.dumps`` and ``course/out.py``
    the not-graded record with ``json.dumps(..., indent=1)``, as keyword dicts."""
    done = DoneMarker("abc123", ["converted from nbformat 3"])
    assert json.dumps(done.to_json()) == json.dumps(
        {"digest": "abc123", "notes": ["converted from nbformat 3"]}
    )
    assert DoneMarker.from_json(json.loads(json.dumps(done.to_json()))) == done
    fault = NotGraded("the sandbox failed 5 times", "bwrap: EAGAIN")
    assert json.dumps(fault.to_json(), indent=1) == json.dumps(
        {"reason": "the sandbox failed 5 times", "stderr": "bwrap: EAGAIN"}, indent=1
    )
    assert NotGraded.from_json(fault.to_json()) == fault
    for garbage in (None, [], {"digest": 3}, {"reason": None}):
        assert DoneMarker.from_json(garbage) is None and NotGraded.from_json(garbage) is None
    assert DoneMarker.from_json({"digest": "d"}) == DoneMarker("d")


def test_the_results_rows_name_what_the_course_writes():
    """The keys of ``results.json``'s entries (``course/export.py``), in the order written."""
    assert list(contracts.NotGradedRow.__annotations__) == [
        "status", "reason", "sandbox_stderr", "flags", "notes",
    ]  # fmt: skip
    assert list(contracts.GradedRow.__annotations__) == [
        "status", "isolation", "seconds", "total", "max_total", "flags", "notes", "arguable",
        "tasks",
    ]  # fmt: skip
    assert list(contracts.TaskRow.__annotations__) == [
        "score", "max_score", "feedback", "mistakes", "arguable",
    ]  # fmt: skip
    assert list(contracts.ManualRow.__annotations__) == [
        "score", "max_score", "graded_by", "feedback",
    ]  # fmt: skip


def test_the_sandbox_reads_the_contracts_by_their_plain_name(sandboxed):
    """The runner's copy is the same module, imported as ``contracts``."""
    flat = sandboxed("contracts")
    assert flat is not contracts and flat.__file__ == contracts.__file__
    assert flat.encode_record(flat.Start("cell1")) == encode_record(Start("cell1"))
