"""What a task declaration states: the types every ``autograder/tasks/<task>.py`` is made of.

A task is the unit of the assignment: one function (or class) a student writes, with its points.
Its declaration says everything the grader needs to know about it, and nothing else in the kit
names it: the answer cell, the hidden inputs each part draws, the probe each part runs in the
student's sandbox (a call pattern of ``autograder.sandboxed.probes``, bound here to the task's
functions), the check rows and their weights, the known mistakes, what it depends on, and the
conventions it accepts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Inputs = Mapping[str, np.ndarray]
"""One part's hidden inputs: name -> array."""
Draw = Callable[[np.random.Generator], dict[str, dict[str, np.ndarray]]]
"""Draws a task's hidden inputs: part -> inputs."""
Reference = Mapping[str, Any]
"""The reference's namespace: function or class name -> the instructor's object."""


class CheckKind(enum.Enum):
    """How a check row compares a student's output."""

    VALUE = "value"
    """The output equals the reference's: the shape exactly, the values to HIDDEN_TOL."""
    VALUE32 = "value32"
    """For float32 inputs: the reference's values to FLOAT32_TOL, and the reference's dtype."""
    UNCHANGED = "unchanged"
    """An input array is unchanged by the call (``against``: the input's name)."""
    NUMERIC = "numeric"
    """A gradient equals the numerical gradient of the student's own forward (``against``: the
    output holding that numerical gradient)."""
    RAISES = "raises"
    """The call raised an error, as it must (the output is 1 when it did)."""
    INTACT = "intact"
    """The call left what it was given (a cache whose layout is the student's) as it was (the
    output is 1 when it did)."""
    NAMES = "names"
    """A list of names equals the reference's, in any order (the parameters a net makes)."""
    DTYPE = "dtype"
    """Every output the check names has the reference's dtype."""
    BOUND = "bound"
    """A statistic of the student's own outputs (a fraction of units kept) lies within bounds
    derived from the inputs (``Check.bounds``: a binomial's spread), not against the
    reference's output, which a random function cannot match draw for draw."""

    @property
    def primary(self) -> bool:
        """A value check: a task earns nothing unless one of these passes."""
        return self in (CheckKind.VALUE, CheckKind.VALUE32, CheckKind.BOUND)

    @property
    def side_effect(self) -> bool:
        """A check that the call changed nothing it was given."""
        return self in (CheckKind.UNCHANGED, CheckKind.INTACT)


@dataclass(frozen=True)
class Bounds:
    """An interval a statistic lies in (both ends included): a ``BOUND`` check's, or the
    value a mistake gives a statistic (a drop probability taken for a keep probability)."""

    low: float
    high: float

    @classmethod
    def around(cls, centre: float, width: float) -> Bounds:
        return cls(centre - width, centre + width)


@dataclass(frozen=True)
class Check:
    """One row of a task's comparison: its weight counts when it passes."""

    part: str
    output: str
    kind: CheckKind
    weight: float
    what: str  # in the student's words; "{x}" is replaced by the shape of the input x
    against: str = ""
    hint: str = ""  # what the failure means, when it cannot be told from the numbers
    strict_shape: bool = False
    """A wrong shape fails the row even when it broadcasts to the right values: a gradient the
    Solver applies in place (``w -= lr * dw`` raises for a (1, D) dw of a (D,) w)."""
    primary: bool | None = None
    """Whether a pass earns the task anything by itself; None: a value check does."""
    reordered: str = ""
    """For a check of several outputs (``output`` with a wildcard): what it means when they
    hold the expected values in another order (an arguable deduction, a TA may review)."""
    bounds: Callable[[Inputs], Bounds] | None = None
    """For a ``BOUND`` check: the interval the statistic must lie in, from the part's inputs."""

    @property
    def primary_check(self) -> bool:
        return self.kind.primary if self.primary is None else self.primary


@dataclass(frozen=True)
class Probe:
    """What one part asks of the student's code: a call pattern of the sandboxed probes
    (``autograder.sandboxed.probes.CALLS``) with its arguments (names of functions, inputs)."""

    call: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> list:
        return [self.call, dict(self.args)]


@dataclass(frozen=True)
class Part:
    """A part of a task's hidden checks: its probe (its inputs are drawn by the task)."""

    name: str
    probe: Probe


@dataclass(frozen=True)
class Mistake:
    """A known mistake, recognised by the output it produces on the hidden inputs."""

    output: str  # the output it shows in; a glob ("d[gb]*", "grad_W*") for several
    words: str  # the mistake in a student's words ("{key}" becomes the output's name)
    compute: Callable[[Inputs, Reference], Any]  # the mistaken output (or a dict by key)
    part: str | None = None  # only on this part (else on every part with the output)
    kind: str = ""  # "" for a plain mistake; an arguable kind ("draw order") is weighed apart


@dataclass(frozen=True)
class Convention:
    """A point the mathematics leaves open: an output that follows the other convention is
    named and costs a quarter of the task, not the check (``grading/scoring.py``)."""

    output: str  # the output it shows in (a glob)
    words: str  # which convention the course uses, and what the student's does
    compute: Callable[[Inputs, Reference], Any]  # the output under the other convention
    part: str | None = None


@dataclass(frozen=True)
class ErrorHint:
    """What an error the student's code raised likely means, when its message holds one of
    ``contains``."""

    contains: tuple[str, ...]
    words: str


@dataclass(frozen=True)
class Dependency:
    """Another task this one relies on: when that one fails, this one's feedback says so."""

    task: str
    how: str  # completes "<this task> ...", e.g. "is checked through the cache of ..."


PUBLIC_SEED = 231
"""Seed of the public diagnostic inputs (CS231n's seed): the hidden inputs come from a secret."""

EARLIER_TASKS = "every earlier task"
"""``Task.depends_on`` marker: every task before this one in the notebook (the net uses every
layer)."""


@dataclass(frozen=True)
class Task:
    """One graded task: what the student writes and how the hidden checks judge it."""

    id: str  # the heading, grade_id, grade column and feedback name
    function: str  # the function or class the student writes
    answer: str  # the grade_id of the answer cell that defines it
    points: float
    parts: tuple[Part, ...]
    draw: Draw
    checks: tuple[Check, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    error_hints: tuple[ErrorHint, ...] = ()
    shape_hints: Mapping[str, str] = field(default_factory=dict)
    """output -> what a wrong shape of it means (beside the generic (1, D) and axis hints)."""
    missing_hints: Mapping[str, str] = field(default_factory=dict)
    """output glob -> what it means when the output was never returned."""
    depends_on: tuple[Dependency, ...] | str = ()
    rerun_with_reference: tuple[str, ...] = ()
    """Parts whose values are checked again, when a task it depends on fails, with the
    reference's code for those tasks in place of the student's: a mistake costs only once."""
    rerun_note: str = ""
    """What the feedback says when that happened ("{failed}": the tasks that failed)."""
    conventions: tuple[Convention, ...] = ()
    """Conventions the mathematics leaves open that this task accepts at a small cost."""
    consistency: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """part -> {gradient output: the output holding the numerical gradient of the student's
    own forward}. A backward with these is graded on two bases, and keeps the better: its
    values against the reference's, and its consistency with the student's own forward (so a
    self-consistent pair loses points only in the forward)."""
    consistency_guard: tuple[str, str] = ("", "")
    """(part, output) of the student's forward output: the second basis counts only when it is
    near the reference's (``checking.NEAR_TOL``), a forward with a mistake, not another function
    (the derivative of ``gamma * x + beta`` is not batch norm's backward)."""
    own_basis: Callable[[Mapping, Mapping], Mapping] | None = None
    """Another second basis: (inputs, the student's outputs, both by part) -> part -> {output:
    the value it takes if it is consistent with the student's own earlier outputs} (test mode
    with the running statistics of the student's own train mode). Judged by the same checks,
    kept when better, counted only while ``own_basis_guard`` is near the reference's."""
    own_basis_guard: tuple[str, str] = ("", "")
    own_basis_note: str = ""
    """What the feedback says when the own basis was kept ("{task}": the task)."""
    repair_cache: bool = False
    """The rerun keeps the student's own forward and repairs its cache (each array replaced by
    the reference's value of the same quantity) instead of putting the reference's forward in
    its place: a backward written for the student's own cache layout is judged too."""
    with_reference: tuple[str, ...] = ()
    """Tasks whose reference code takes the place of the student's while this task's probes run
    (only then): a net that calls a random function is compared with the reference's values
    only when both draw alike, and that function is graded in its own task."""
    public: tuple[str, ...] | None = None
    """The parts the notebook's check cell also runs, on public diagnostic inputs drawn by
    ``draw`` from ``PUBLIC_SEED`` and shipped with the release (``cs231n/_catalog.json``), to
    name mistakes while the student works. None: every part."""

    def probe(self, part: str) -> Probe:
        return next(p.probe for p in self.parts if p.name == part)

    @property
    def public_parts(self) -> list[str]:
        return self.part_names if self.public is None else list(self.public)

    @property
    def part_names(self) -> list[str]:
        return [p.name for p in self.parts]
