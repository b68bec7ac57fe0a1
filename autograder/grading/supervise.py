"""Running a plan in the sandbox, and keeping it running: each launch runs the steps not yet
done; a step of the student's that hangs or kills the process is blamed and skipped; a step
that ran out of time is first retried alone; a launch that fails before the student's code
starts is the host's fault, retried with backoff, and then a :class:`GraderFault`."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from .. import sandbox, tasks
from .exchange import (
    collect,
    open_step,
    read_progress,
    write_code,
    write_job,
    write_matplotlib_config,
)
from .flags import scan_flags
from .model import GraderFault, Outcome, PartResult, Plan, RunOptions, StepKind, part_id

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


def slowdown(reference_seconds: float) -> float:
    """How much slower than a quiet host this one is now, from the reference's own time."""
    return min(MAX_SLOWDOWN, max(1.0, reference_seconds / REFERENCE_SECONDS))


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


def fault_reason(result) -> str:
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
    task_ids = list(dict.fromkeys(plan_.tasks))
    part_of = {
        part_id(t, p): t for t in task_ids for p in tasks.get(t).part_names
    }  # part id -> its task
    student_steps = {s.id for s in plan_.steps if s.kind.student} | set(part_of)
    cells = {s.id for s in plan_.steps if s.kind in (StepKind.SETUP, StepKind.CELL)}
    parts: dict[str, PartResult] = {}
    runtime: dict[str, list[str]] = {}  # flag kind -> details, from the audit hook
    failed: dict[str, str] = {}  # step or part id -> why it failed
    cell_errors: dict[str, dict] = {}
    notes: list[str] = []
    scanned: dict[str, list[str]] = {}  # cell label -> the static scan's flags
    scan_not_run: str | None = None  # why the static scan could not run, if it could not
    isolation_used = ""
    retried: set[str] = set()  # steps already given their retry alone
    generous: str | None = None
    host_faults, delay, launches = 0, LAUNCH_BACKOFF, 0
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in options.label)[:40]
    with tempfile.TemporaryDirectory(prefix=f"grade-{safe}-" if safe else "grade-") as tmp:
        code_dir, workdir = Path(tmp, "code"), Path(tmp, "work")
        if options.isolation is sandbox.Isolation.UID:
            os.chmod(tmp, 0o711)  # no namespace: the sandbox uid must reach its folders
        code_dir.mkdir()
        write_code(code_dir)
        while True:
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir()
            done = {"scan"} if scanned or scan_not_run else set()
            write_job(workdir, plan_, inputs, sorted({*failed, *parts, *done}))
            mpl_config = write_matplotlib_config(workdir)
            out = workdir / "out"
            result = sandbox.run_sandboxed(
                [sys.executable, str(code_dir / "runner.py"), str(workdir)],
                workdir=workdir,
                readonly_paths=[code_dir],
                limits=sandbox.Limits(wall_seconds=900 * options.scale, cpu_seconds=900),
                env={"PYTHONPATH": str(code_dir), "MPLCONFIGDIR": str(mpl_config)},
                isolation=options.isolation,
                watchdog=Watchdog(out / "progress.jsonl", set(part_of), options.scale, generous),
                alone=generous is not None,
            )
            generous = None
            isolation_used = result.isolation
            records = read_progress(out / "progress.jsonl")
            finished = any(r.get("finished") for r in records)
            started = any(str(r.get("start", "")) in student_steps for r in records)
            if not finished and (result.launch_error or not started):
                host_faults += 1
                if host_faults >= LAUNCH_ATTEMPTS:
                    raise GraderFault(
                        f"the sandbox failed {host_faults} times before any of the student's "
                        f"code ran: {result.launch_error or fault_reason(result)}",
                        result.stderr[-4000:],
                    )
                time.sleep(delay)
                delay *= 2
                continue
            launches += 1
            if result.output_truncated and not any("printed" in n for n in notes):
                notes.append(
                    "your code printed more than "
                    f"{sandbox.Limits().output_bytes // 1_000_000} MB while it was "
                    "graded: the rest was discarded"
                )
            for r in records:
                if str(r.get("end", "")) in cells and "error" in r:
                    cell_errors[str(r["end"])] = r
                if "flag" in r:
                    details = runtime.setdefault(str(r["flag"]), [])
                    if str(r.get("detail", "")) not in details:
                        details.append(str(r.get("detail", "")))
                if "scanned" in r and isinstance(r.get("flags"), list):
                    scanned[str(r["scanned"])[:100]] = [str(f)[:200] for f in r["flags"][:20]]
                if "scan_failed" in r:
                    scan_not_run = str(r["scan_failed"])[:300]
            collect(out, task_ids, parts)
            if finished:
                break
            culprit = open_step(records)
            reason = fault_reason(result)
            if culprit is None:
                notes.append(f"the grading process stopped between two steps: {reason}")
                break
            outside = result.killed_by_signal == signal.SIGKILL and not result.timed_out
            if (result.watchdog_fired or result.timed_out or outside) and culprit not in retried:
                retried.add(culprit)
                generous = culprit
                continue
            failed[culprit] = reason
            if culprit in part_of and result.watchdog_fired:
                # one hang per task is enough: its other checks would hang the same way
                task = part_of[culprit]
                for part in tasks.get(task).part_names:
                    failed.setdefault(
                        part_id(task, part), "not run: an earlier check of this task ran too long"
                    )
            if culprit in cells:
                cell_errors[culprit] = {"error": "stopped", "message": reason}
            if launches >= MAX_LAUNCHES:
                notes.append("grading stopped after too many faults")
                break
    for pid, task in part_of.items():
        if pid not in parts:
            why = failed.get(pid) or failed.get(f"task:{task}") or "it did not run"
            parts[pid] = PartResult(missing=why)
    flags = scan_flags(scanned, failed, scan_not_run)
    return Outcome(parts, cell_errors, notes, isolation_used, runtime, flags)
