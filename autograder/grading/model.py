"""The grading's data: the plan of a run, what comes back from it, and the verdicts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import sandbox
from ..sandboxed.contracts import ErrorInfo, Step, StepKind


class Finding(Protocol):
    """The outcome of one check: the given helpers' ``cs231n.checking.Finding``, a class of the
    course's (``reference.helpers``), loaded from ``solutions/`` at run time."""

    what: str  # what was checked
    passed: bool
    detail: str  # the number that shows it
    mistake: str | None  # the known mistake a failure matches, in a student's words
    kind: str  # "convention", "side effect", "shape" for a failure weighed apart; else ""


@dataclass
class Plan:
    steps: list[Step]
    notes: list[str] = field(default_factory=list)  # what the student should know about the file
    missing_answers: dict[str, str] = field(default_factory=dict)  # task -> why

    @property
    def tasks(self) -> list[str]:
        return [s.task for s in self.steps if s.kind is StepKind.TASK]


@dataclass(frozen=True)
class RunOptions:
    """How a submission's launches run: the isolation, the host's slowdown, the scratch name."""

    isolation: sandbox.Isolation = sandbox.Isolation.BUBBLEWRAP
    scale: float = 1.0
    label: str = ""


@dataclass
class PartResult:
    """What came back from one probe part of the student's run."""

    arrays: dict = field(default_factory=dict)
    nones: set = field(default_factory=set)
    lists: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    error: dict | None = None  # {"error", "message", "where"} if the student's code raised
    missing: str | None = None  # why the part never produced a result (timeout, crash...)


@dataclass
class Outcome:
    """What came back from the student's runs."""

    parts: dict[str, PartResult]
    cell_errors: dict[str, ErrorInfo]  # step id -> what the cell raised
    notes: list[str]
    isolation: str
    runtime: dict[str, list[str]]  # flag kind -> details
    scan: set[str] = field(default_factory=set)  # the static scan's flags


ARGUABLE = ("convention", "shape", "dtype", "draw order")
"""Kinds of finding (``Finding.kind``) a TA may want to review: the student's answer is right
in a sense the course does not use."""


class Verdict(enum.StrEnum):
    """How a check row counts in its task's score (``scoring.py`` says how much)."""

    PASSED = "passed"
    FAILED = "failed"
    CONVENTION = "convention"  # right under the convention the course does not use
    SIDE_EFFECT = "side effect"  # the call changed something it was given
    SHAPE = "shape"  # a shape that broadcasts to the right values


@dataclass
class Graded:
    """One finding of a task, with its weight in the task's score."""

    finding: Finding
    weight: float
    primary: bool  # a value check: the task earns nothing unless one of these passes
    part: str = ""  # the part it was found in
    verdict: Verdict | None = None  # None: PASSED or FAILED, as the finding says

    @property
    def counts_as(self) -> Verdict:
        if self.verdict is not None:
            return self.verdict
        return Verdict.PASSED if self.finding.passed else Verdict.FAILED


@dataclass
class TaskResult:
    task: str
    score: float
    max_score: float
    findings: list[Finding]
    notes: list = field(default_factory=list)

    @property
    def mistakes(self) -> list[str]:
        """The named mistakes, in a student's words (each once)."""
        named = [
            f.mistake
            for f in self.findings
            if not f.passed and f.mistake and f.kind not in ARGUABLE
        ]
        return list(dict.fromkeys(named))

    @property
    def arguable(self) -> list[str]:
        """Deductions a TA may review: a convention, a shape that broadcasts to the right
        values."""
        named = [f.mistake or f.what for f in self.findings if not f.passed and f.kind in ARGUABLE]
        return list(dict.fromkeys(named))


@dataclass
class SubmissionResult:
    tasks: dict[str, TaskResult]
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    isolation: str = ""

    def to_json(self) -> dict:
        return {
            "tasks": {
                t: {
                    "score": r.score,
                    "max_score": r.max_score,
                    "notes": r.notes,
                    "findings": [vars(f) for f in r.findings],
                }
                for t, r in self.tasks.items()
            },
            "notes": self.notes,
            "flags": self.flags,
            "seconds": round(self.seconds, 3),
            "isolation": self.isolation,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        from .reference import helpers

        Finding = helpers().checking.Finding
        tasks = {
            t: TaskResult(
                t, r["score"], r["max_score"], [Finding(**f) for f in r["findings"]], r["notes"]
            )
            for t, r in data["tasks"].items()
        }
        return cls(tasks, data["notes"], data["flags"], data["seconds"], data["isolation"])

    @property
    def total(self) -> float:
        return round(sum(t.score for t in self.tasks.values()), 2)

    @property
    def max_total(self) -> float:
        return sum(t.max_score for t in self.tasks.values())


class GraderFault(Exception):
    """Grading failed for a reason that is not the student's doing (the sandbox could not
    start, the grader's own code failed): the student is not graded, never given a zero."""

    def __init__(self, reason: str, stderr: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.stderr = stderr
