"""Flags for a human to review, in words: the audit hook's, the static scan's (or that it could
not run), returned objects that are not plain numbers, and whose result files were rewritten."""

from __future__ import annotations

from autograder import tasks
from autograder.grading.flags import runtime_flag, scan_flags, tampered_tasks, type_flags
from autograder.grading.model import PartResult


def test_a_runtime_flag_names_the_first_detail_and_counts_the_rest():
    assert runtime_flag("network", ["socket.connect"]) == (
        "tried to use the network (socket.connect)"
    )
    assert runtime_flag("read", ["/etc/shadow", "/root/x", "/home/y"]) == (
        "tried to read files outside its folder (/etc/shadow, and 2 more)"
    )
    assert runtime_flag("new", ["x"]) == "did something unexpected (x)"


def test_returned_objects_that_are_not_plain_numbers_are_flagged():
    parts = {
        "relu_forward.nd": PartResult(types={"out": "numpy.ndarray", "cache": "None"}),
        "relu_forward.float32": PartResult(
            types={"out": "__main__.Rigged", "cache": "unconvertible: no"}
        ),
    }
    part_task = dict.fromkeys(parts, "relu_forward")
    assert type_flags(parts, part_task) == {
        "relu_forward returned objects that are not plain numpy arrays (__main__.Rigged as out)",
        "relu_forward returned objects that are not plain numpy arrays "
        "(unconvertible: no as cache)",
    }


def test_the_scan_is_never_lost_in_silence():
    scanned = {"your cell 3": ["uses the network (socket)"]}
    assert scan_flags(scanned, {}) == {"your cell 3: uses the network (socket)"}
    assert scan_flags({}, {"scan": "it crashed"}) == {"your code could not be scanned: it crashed"}
    assert scan_flags({}, {}, "no fork") == {"the static scan could not run: no fork"}


def test_rewritten_result_files_name_their_task_or_every_task():
    assert tampered_tasks(["/w/out/relu_forward.nd.npz"]) == {"relu_forward"}
    assert tampered_tasks(["/w/out/progress.jsonl"]) == set(tasks.ids())
    assert tampered_tasks([]) == set()
