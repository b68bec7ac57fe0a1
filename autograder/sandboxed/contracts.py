"""What crosses a boundary of the grader, defined once and typed: the job the sandbox runs,
what it sends back, the ids of steps and parts, and what a grading run leaves in OUT.

Both sides import it (the runner as ``contracts``, copied beside it), so it imports the
standard library only. What the untrusted side wrote is read by :func:`decode_record` and
:meth:`PartReport.from_json`, which keep what fits, within bounds: no reader guesses a record's
kind from its keys. The JSON is byte for byte what it was when these were keyword dicts.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

# ---------------------------------------------------------------- the work folder and its ids

JOB = "job.json"  # the job (:class:`Job`), in the work folder
INPUTS = "inputs.npz"  # the hidden inputs, "task/part/name" -> array, in the work folder
OUT = "out"  # where the runner writes: the progress file, each part's report and arrays
PROGRESS = "progress.jsonl"  # the progress records, one a line, in OUT

SCAN = "scan"  # the step id of the static scan of the student's cells
SETUP = "setup"  # the step id of the instructor's setup when the notebook lacks its cell
INJECT = "inject"  # the step id of the reference's code brought in for a check run again
_GIVEN, _TASK = "given:", "task:"


def cell_step_id(index: int) -> str:
    """The step id of the notebook's cell ``index`` (the setup cell or a student's cell)."""
    return f"cell{index}"


def given_step_id(grade_id: str) -> str:
    """The step id of a given cell (the reference's code the notebook hands the student)."""
    return f"{_GIVEN}{grade_id}"


def is_given_step(step_id: str) -> bool:
    return step_id.startswith(_GIVEN)


def task_step_id(task: str) -> str:
    """The step id of a task's probes, at its check cell's place."""
    return f"{_TASK}{task}"


def part_id(task: str, part: str) -> str:
    """The id of one part of a task's probes, in the progress records and its files' names."""
    return f"{task}.{part}"


def part_files(pid: str) -> tuple[str, str]:
    """The names, in OUT, of a part's report (:class:`PartReport`) and of the arrays it
    returned (``np.savez``, no pickles)."""
    return f"{pid}.json", f"{pid}.npz"


# ---------------------------------------------------------------- the job going in


class StepKind(enum.StrEnum):
    SCAN = "scan"  # the static scan of the student's cells, in a child process
    SETUP = "setup"  # the instructor's setup cell
    CELL = "cell"  # one of the student's cells (an answer cell or their own)
    TASK = "task"  # a task's probes, at its check cell's place
    INJECT = "inject"  # the reference's code for some tasks, in place of the student's

    @property
    def student(self) -> bool:
        """Does a step of this kind run the student's code (or read it)?"""
        return self in (StepKind.SCAN, StepKind.CELL, StepKind.TASK)


@dataclass
class Step:
    """One step of a run, in notebook order."""

    id: str
    kind: StepKind
    source: str = ""
    cell: int = -1
    task: str = ""
    label: str = ""  # how the feedback names the cell
    repair: list[str] = field(default_factory=list)  # INJECT: functions whose caches it repairs

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind.value, "source": self.source,
                "cell": self.cell, "task": self.task, "label": self.label,
                "repair": self.repair}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(data["id"], StepKind(data["kind"]), data["source"], data["cell"],
                   data["task"], data["label"], list(data.get("repair") or []))  # fmt: skip


@dataclass
class Job:
    """What the runner is asked to do (:data:`JOB`): the steps, each task's call patterns (part
    -> a probe's JSON), the steps and parts done or given up on, and the folders whose reads
    the audit hook flags (the kit's own)."""

    steps: list[Step]
    probes: dict[str, dict[str, Any]]
    skip: list[str]
    watch: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"steps": [s.to_json() for s in self.steps], "probes": self.probes,
                "skip": self.skip, "watch": self.watch}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        steps = [Step.from_json(s) for s in data["steps"]]
        return cls(steps, data["probes"], list(data.get("skip", [])), list(data["watch"]))


# ---------------------------------------------------------------- what comes back

MESSAGE_CHARS = 300  # how much of an exception message the runner keeps
LABEL_CHARS, SCAN_FLAGS, FLAG_CHARS = 100, 20, 200  # a scanned cell's label, flags, each flag
REPORT_CHARS, TYPE_CHARS = 400, 200  # each field of a part's error; a returned value's type
LIST_ITEMS, ITEM_CHARS = 1000, 100  # a returned string list: its strings, and each one
UNCONVERTIBLE = "unconvertible"  # starts a part's "types" entry for a value not plain data


@dataclass(frozen=True)
class ErrorInfo:
    """An exception the student's code raised: its type, message and the student's line."""

    error: str
    message: str = ""
    where: str = ""

    def to_json(self) -> dict[str, str]:
        return {"error": self.error, "message": self.message, "where": self.where}


@dataclass(frozen=True)
class Start:
    step: str  # the step or part that started


@dataclass(frozen=True)
class End:
    step: str  # the step or part that ended
    error: ErrorInfo | None = None  # what a cell raised


@dataclass(frozen=True)
class Scanned:
    label: str  # one of the student's cells, as the feedback names it
    flags: list[str]  # what the static scan found in it


@dataclass(frozen=True)
class ScanFailed:
    reason: str  # why the static scan could not run (its process could not start)


@dataclass(frozen=True)
class Flag:
    kind: str  # what the audit hook saw the student's code try: a key of RUNTIME_FLAGS
    detail: str


@dataclass(frozen=True)
class Finished:
    """The runner reached the end of the job."""


Record = Start | End | Scanned | ScanFailed | Flag | Finished
"""A progress record."""


def encode_record(record: Record) -> str:
    """A record as its line in :data:`PROGRESS` (without the newline)."""
    data: dict[str, Any]
    match record:
        case Start(step):
            data = {"start": step}
        case End(step, error):
            data = {"end": step, **(error.to_json() if error else {})}
        case Scanned(label, flags):
            data = {"scanned": label, "flags": flags}
        case ScanFailed(reason):
            data = {"scan_failed": reason}
        case Flag(kind, detail):
            data = {"flag": kind, "detail": detail}
        case Finished():
            data = {"finished": True}
        case _:
            raise TypeError(f"not a progress record: {record!r}")
    return json.dumps(data)


def decode_record(data: object) -> Record | None:
    """The record a JSON value is, or None when it is none (the untrusted side wrote it)."""
    if not isinstance(data, dict):
        return None
    kinds = [k for k in _DECODERS if k in data]
    return _DECODERS[kinds[0]](data) if len(kinds) == 1 else None


def _end(data: dict) -> Record | None:
    """A step's end; with an ``error`` key, what the cell raised."""
    if not isinstance(data["end"], str):
        return None
    if "error" not in data:
        return End(data["end"])
    fields = (data.get(k) for k in ("error", "message", "where"))
    return End(data["end"], ErrorInfo(*("" if v is None else str(v) for v in fields)))


def _scanned(data: dict) -> Record | None:
    flags = data.get("flags")
    if not isinstance(flags, list):
        return None
    label = str(data["scanned"])[:LABEL_CHARS]
    return Scanned(label, [str(f)[:FLAG_CHARS] for f in flags[:SCAN_FLAGS]])


_DECODERS: dict[str, Callable[[dict], Record | None]] = {
    "start": lambda data: Start(data["start"]) if isinstance(data["start"], str) else None,
    "end": _end,
    "scanned": _scanned,
    "scan_failed": lambda data: ScanFailed(str(data["scan_failed"])[:MESSAGE_CHARS]),
    "flag": lambda data: Flag(str(data["flag"]), str(data.get("detail", ""))),
    "finished": lambda data: Finished() if data["finished"] is True else None,
}
"""Each key that names a record's kind, and how a record of that kind is read."""


@dataclass
class PartReport:
    """One part's report (:func:`part_files`): what the student's code raised, or what it
    returned besides its arrays: each value's type, the string lists, the names of the Nones."""

    task: str
    part: str
    error: ErrorInfo | None = None
    types: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    nones: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        head = {"task": self.task, "part": self.part}
        if self.error is not None:
            return {**head, **self.error.to_json()}
        return {**head, "types": self.types, "lists": self.lists, "nones": self.nones}

    @classmethod
    def from_json(cls, data: object, task: str, part: str) -> PartReport | None:
        """The report the untrusted side wrote for ``task``'s ``part``, within bounds; None
        when it is not a report at all."""
        if not isinstance(data, dict):
            return None
        if "error" in data:
            fields = (str(data.get(k, ""))[:REPORT_CHARS] for k in ("error", "message", "where"))
            return cls(task, part, ErrorInfo(*fields))
        types, lists, nones = (data.get(k) for k in ("types", "lists", "nones"))
        return cls(
            task,
            part,
            types={str(k): str(v)[:TYPE_CHARS] for k, v in _items(types)},
            lists={str(k): _strings(v) for k, v in _items(lists) if isinstance(v, list)},
            nones=[str(n) for n in nones] if isinstance(nones, list) else [],
        )


def _items(value: object) -> list[tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _strings(values: list) -> list[str]:
    return [str(x)[:ITEM_CHARS] for x in values][:LIST_ITEMS]


# ---------------------------------------------------------------- what a grading run leaves


@dataclass(frozen=True)
class DoneMarker:
    """``OUT/done/<student>.json``: the student is graded, for this digest of their files and
    of the grader (a re-run skips them while it holds); the notes collecting their files made."""

    digest: str
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "notes": self.notes}  # written with json.dumps(...)

    @classmethod
    def from_json(cls, data: object) -> DoneMarker | None:
        if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
            return None
        notes = data.get("notes", [])
        return cls(data["digest"], [str(n) for n in notes] if isinstance(notes, list) else [])


@dataclass(frozen=True)
class NotGraded:
    """``OUT/not-graded/<student>.json``: the student is not graded, for a fault of the
    grader's or the host's (``reason``, in words), with the sandbox's or nbgrader's stderr."""

    reason: str
    stderr: str = ""

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "stderr": self.stderr}  # json.dumps(..., indent=1)

    @classmethod
    def from_json(cls, data: object) -> NotGraded | None:
        if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
            return None
        return cls(data["reason"], str(data.get("stderr", "")))


class TaskRow(TypedDict):  # an autograded task of a graded student
    score: float
    max_score: float
    feedback: str
    mistakes: list[str]
    arguable: list[str]


class ManualRow(TypedDict):  # a part a TA grades (a written answer): no score until they do
    score: float | None
    max_score: float
    graded_by: Literal["TA"]
    feedback: str


class GradedRow(TypedDict):  # a graded student's entry
    status: Literal["graded"]
    isolation: str
    seconds: float | None
    total: float
    max_total: float
    flags: list[str]
    notes: list[str]
    arguable: dict[str, list[str]]
    tasks: dict[str, TaskRow | ManualRow]


class NotGradedRow(TypedDict):  # a student who is not graded (NotGraded): no score anywhere
    status: Literal["not graded"]
    reason: str
    sandbox_stderr: str
    flags: list[str]
    notes: list[str]


ResultsRow = GradedRow | NotGradedRow
"""An entry of ``OUT/results.json`` (which maps each student id to one): the writer is
``course/export.py``, the readers ``course/report/`` and ``course/merge.py``."""
