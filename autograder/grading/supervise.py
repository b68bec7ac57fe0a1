"""Running a plan in the sandbox, and keeping it running: each launch runs the steps not yet
done; a step of the student's that hangs or kills the process is blamed and skipped; a step
that ran out of time is first retried alone; a launch that fails before the student's code
starts is the host's fault, retried with backoff, and then a :class:`GraderFault`."""

from __future__ import annotations

import contextlib
import enum
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import sandbox, tasks
from ..sandboxed.contracts import (
    OUT,
    PROGRESS,
    SCAN,
    End,
    ErrorInfo,
    Finished,
    Flag,
    Record,
    ScanFailed,
    Scanned,
    Start,
    StepKind,
    part_id,
    task_step_id,
)
from .exchange import (
    collect,
    open_step,
    read_progress,
    write_code,
    write_job,
    write_matplotlib_config,
)
from .flags import scan_flags
from .model import GraderFault, Outcome, PartResult, Plan, RunOptions

CELL_SECONDS = 10.0
"""Wall time a student's cell may take at grading on a quiet host (definitions take
milliseconds); scaled by ``slowdown`` on a busy one."""
PART_SECONDS = 8.0
"""Wall time one probe part may take on a quiet host (the reference needs well under a
second); scaled by ``slowdown`` on a busy one."""
REFERENCE_SECONDS = 0.03
"""What the reference's probes on one student's hidden inputs take on a quiet 2-core host
(10-25 ms measured). The time they take at grading, over this, is how much slower the host is
right now: the limits above grow by that factor (see ``slowdown``)."""
MAX_SLOWDOWN = 20.0
MAX_LAUNCHES = 12
"""Launches of one submission that the student's code may cost (each crash or hang one)."""
LAUNCH_ATTEMPTS = 5
"""Attempts at a launch that fails for the host's reasons (the sandbox cannot start)."""
LAUNCH_BACKOFF = 0.5
"""Seconds before the second attempt; doubled before each next one (0.5 + 1 + 2 + 4)."""


TIME_FACTOR = "AUTOGRADER_TIME_FACTOR"
"""The environment variable a course sets to multiply every time limit above (1 unless set):
above 1 for an assignment whose cells or checks take longer than batch norm's, below 1 to stop
endless loops sooner."""


def slowdown(reference_seconds: float) -> float:
    """How much slower than a quiet host this one is now, from the reference's own time."""
    return min(MAX_SLOWDOWN, max(1.0, reference_seconds / REFERENCE_SECONDS))


def time_factor() -> float:
    """The course's factor on the time limits (``AUTOGRADER_TIME_FACTOR``); a ValueError that
    names the variable when it is not a number above 0."""
    text = os.environ.get(TIME_FACTOR, "").strip()
    if not text:
        return 1.0
    try:
        factor = float(text)
    except ValueError:
        factor = 0.0
    if not 0 < factor < math.inf:  # also refuses nan
        raise ValueError(f"{TIME_FACTOR}: expected a number above 0, got {text!r}")
    return factor


class Watchdog:
    """Kills the run when the current step has run longer than its limit.

    Its clock starts at its first call, once the sandboxed process runs: the time a launch
    waits for the host (another batch's sandbox running alone, a free slot) is nobody's step.
    """

    def __init__(self, progress: Path, parts: set[str], scale: float, generous: str | None):
        self.progress = progress
        self.parts = parts  # the ids of probe parts (the others are steps)
        self.scale = scale
        self.generous = generous  # a step retried after a timeout: it gets twice the time
        self.step: str | None = None
        self.since: float | None = None
        self.size = -1

    def __call__(self) -> bool:
        now = time.monotonic()
        if self.since is None:
            self.since = now
        try:
            size = self.progress.stat().st_size
        except OSError:
            size = 0
        if size != self.size:
            self.size = size
            step = open_step(read_progress(self.progress))
            if step != self.step:
                self.step, self.since = step, now
        limit = PART_SECONDS if self.step in self.parts else CELL_SECONDS
        limit *= self.scale * (2 if self.step is not None and self.step == self.generous else 1)
        return now - self.since > limit


def fault_reason(result: sandbox.RunResult) -> str:
    """Why a launch that ran the student's code ended early, in the student's words."""
    if result.timed_out or result.watchdog_fired:
        return "it ran too long and was stopped (an endless loop or a sleep?)"
    if result.killed_by_signal:
        return f"the process was killed by signal {result.killed_by_signal} (a crash?)"
    if result.returncode not in (0, None):
        return f"the process exited with code {result.returncode} (sys.exit or os._exit?)"
    return "the process stopped early"


def run_student(plan_: Plan, inputs: dict, options: RunOptions) -> Outcome:
    """Run the plan in the sandbox (see the module's docstring)."""
    found = Found(Steps.of(plan_))
    backoff = Backoff()
    alone: str | None = None  # a step retried after it ran out of time: alone, twice the time
    with _scratch(options) as (code_dir, workdir):
        while True:
            result, records = _launch(code_dir, workdir, plan_, inputs, options, found, alone)
            alone = None
            found.isolation = result.isolation
            how, culprit = ending(result, records, found.steps, found.retried)
            if how is Ending.HOST_FAULT:
                backoff.after(result)
                continue
            found.absorb(result, records, workdir / OUT)
            if how is Ending.FINISHED:
                break
            if how is Ending.BETWEEN_STEPS:
                found.notes.append(
                    f"the grading process stopped between two steps: {fault_reason(result)}"
                )
                break
            assert culprit is not None
            if how is Ending.OUT_OF_TIME:
                found.retried.add(culprit)
                alone = culprit
                continue
            found.blame(culprit, result)
            if found.launches >= MAX_LAUNCHES:
                found.notes.append("grading stopped after too many faults")
                break
    return found.outcome()


@dataclass(frozen=True)
class Steps:
    """The ids of a plan's steps and parts, by what a launch's supervisor makes of them."""

    tasks: list[str]  # the tasks whose probes run, each once
    part_of: dict[str, str]  # part id -> its task
    student: set[str]  # steps and parts that run (or read) the student's code
    cells: set[str]  # the setup and the student's cells

    @classmethod
    def of(cls, plan_: Plan) -> Steps:
        task_ids = list(dict.fromkeys(plan_.tasks))
        part_of = {part_id(t, p): t for t in task_ids for p in tasks.get(t).part_names}
        student = {s.id for s in plan_.steps if s.kind.student} | set(part_of)
        cells = {s.id for s in plan_.steps if s.kind in (StepKind.SETUP, StepKind.CELL)}
        return cls(task_ids, part_of, student, cells)


class Ending(enum.Enum):
    """How a launch ended, which decides what the supervisor does next."""

    FINISHED = "finished"  # the runner reached the end of the plan: done
    HOST_FAULT = "host fault"  # no code of the student's ran: launch again, with backoff
    BETWEEN_STEPS = "between steps"  # it stopped with no step open: nobody to blame, done
    OUT_OF_TIME = "out of time"  # a step ran out of time, the first time: again, alone
    FAULT = "fault"  # a step crashed, or ran out of time again: blamed and skipped


def ending(
    result: sandbox.RunResult, records: list[Record], steps: Steps, retried: set[str]
) -> tuple[Ending, str | None]:
    """How a launch ended, and the step or part it ended in (the culprit) when one is open."""
    if any(isinstance(r, Finished) for r in records):
        return Ending.FINISHED, None
    started = any(isinstance(r, Start) and r.step in steps.student for r in records)
    if result.launch_error or not started:
        return Ending.HOST_FAULT, None
    culprit = open_step(records)
    if culprit is None:
        return Ending.BETWEEN_STEPS, None
    outside = result.killed_by_signal == signal.SIGKILL and not result.timed_out
    if (result.watchdog_fired or result.timed_out or outside) and culprit not in retried:
        return Ending.OUT_OF_TIME, culprit
    return Ending.FAULT, culprit


class Backoff:
    """Launches that failed for the host's reasons: each waits twice as long as the one before,
    and the last (``LAUNCH_ATTEMPTS``) is a :class:`GraderFault`."""

    def __init__(self) -> None:
        self.faults = 0
        self.delay = LAUNCH_BACKOFF

    def after(self, result: sandbox.RunResult) -> None:
        self.faults += 1
        if self.faults >= LAUNCH_ATTEMPTS:
            raise GraderFault(
                f"the sandbox failed {self.faults} times before any of the student's "
                f"code ran: {result.launch_error or fault_reason(result)}",
                result.stderr[-4000:],
            )
        time.sleep(self.delay)
        self.delay *= 2


@dataclass
class Found:
    """What the launches of one submission found, launch after launch."""

    steps: Steps
    parts: dict[str, PartResult] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # step or part id -> why it failed
    cell_errors: dict[str, ErrorInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    runtime: dict[str, list[str]] = field(default_factory=dict)  # flag kind -> details
    scanned: dict[str, list[str]] = field(default_factory=dict)  # cell label -> scan flags
    scan_not_run: str | None = None  # why the static scan could not run, if it could not
    isolation: str = ""
    launches: int = 0  # launches that ran the student's code
    retried: set[str] = field(default_factory=set)  # steps already given their retry alone
    truncated: bool = False  # the student was told their output was cut

    def skip(self) -> list[str]:
        """What the next launch skips: the steps and parts done or given up on."""
        done = {SCAN} if self.scanned or self.scan_not_run else set()
        return sorted({*self.failed, *self.parts, *done})

    def absorb(self, result: sandbox.RunResult, records: list[Record], out: Path) -> None:
        """What a launch that ran the student's code sent back."""
        self.launches += 1
        if result.output_truncated and not self.truncated:
            self.truncated = True
            self.notes.append(
                "your code printed more than "
                f"{sandbox.Limits().output_bytes // 1_000_000} MB while it was "
                "graded: the rest was discarded"
            )
        for r in records:
            self._record(r)
        collect(out, self.steps.tasks, self.parts)

    def _record(self, r: Record) -> None:
        if isinstance(r, End) and r.step in self.steps.cells and r.error is not None:
            self.cell_errors[r.step] = r.error
        elif isinstance(r, Flag):
            details = self.runtime.setdefault(r.kind, [])
            if r.detail not in details:
                details.append(r.detail)
        elif isinstance(r, Scanned):
            self.scanned[r.label] = r.flags
        elif isinstance(r, ScanFailed):
            self.scan_not_run = r.reason

    def blame(self, culprit: str, result: sandbox.RunResult) -> None:
        """The step or part the launch ended in failed: it is skipped from now on."""
        reason = fault_reason(result)
        self.failed[culprit] = reason
        task = self.steps.part_of.get(culprit)
        if task is not None and result.watchdog_fired:
            # one hang per task is enough: its other checks would hang the same way
            for part in tasks.get(task).part_names:
                self.failed.setdefault(
                    part_id(task, part), "not run: an earlier check of this task ran too long"
                )
        if culprit in self.steps.cells:
            self.cell_errors[culprit] = ErrorInfo("stopped", reason)

    def outcome(self) -> Outcome:
        for pid, task in self.steps.part_of.items():
            if pid not in self.parts:
                why = self.failed.get(pid) or self.failed.get(task_step_id(task))
                self.parts[pid] = PartResult(missing=why or "it did not run")
        flags = scan_flags(self.scanned, self.failed, self.scan_not_run)
        return Outcome(
            self.parts, self.cell_errors, self.notes, self.isolation, self.runtime, flags
        )


@contextlib.contextmanager
def _scratch(options: RunOptions) -> Iterator[tuple[Path, Path]]:
    """A scratch folder for a submission's launches: the code (written once) and the work
    folder (made afresh by each launch)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in options.label)[:40]
    with tempfile.TemporaryDirectory(prefix=f"grade-{safe}-" if safe else "grade-") as tmp:
        code_dir, workdir = Path(tmp, "code"), Path(tmp, "work")
        if options.isolation is sandbox.Isolation.UID:
            os.chmod(tmp, 0o711)  # no namespace: the sandbox uid must reach its folders
        code_dir.mkdir()
        write_code(code_dir)
        yield code_dir, workdir


def _launch(
    code_dir: Path,
    workdir: Path,
    plan_: Plan,
    inputs: dict,
    options: RunOptions,
    found: Found,
    alone: str | None,
) -> tuple[sandbox.RunResult, list[Record]]:
    """One launch of the runner on the steps not done yet: its result and progress records."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    write_job(workdir, plan_, inputs, found.skip())
    mpl_config = write_matplotlib_config(workdir)
    progress = workdir / OUT / PROGRESS
    result = sandbox.run_sandboxed(
        [sys.executable, str(code_dir / "runner.py"), str(workdir)],
        workdir=workdir,
        readonly_paths=[code_dir],
        limits=sandbox.Limits(wall_seconds=900 * options.scale, cpu_seconds=900),
        env={"PYTHONPATH": str(code_dir), "MPLCONFIGDIR": str(mpl_config)},
        isolation=options.isolation,
        watchdog=Watchdog(progress, set(found.steps.part_of), options.scale, alone),
        alone=alone is not None,
    )
    return result, read_progress(progress)
