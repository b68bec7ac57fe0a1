"""Grade one submitted notebook: run the student's code in the sandbox, compare on this side.

1. ``plan``: the steps a top-to-bottom run makes: the trusted setup cell, the student's answer
   cells and own cells, and at each check cell's place that task's probes. Check cells,
   experiments and the data cell are not run (grading never re-runs the training).
2. ``draw``: hidden inputs, seeded per submission so a re-run grades the same.
3. ``run``: ``runner.py`` in the sandbox. The supervisor watches its progress; a step that
   hangs or kills the process is blamed and skipped, and the run resumes after it, so a fault
   costs only what it breaks.
4. ``check``: the returned plain arrays against the reference's, in this process.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from . import cases, checks, probes, sandbox
from .course import ROOT, SOURCE_DIR
from .sanitize import repair
from .source import (
    answer_cells,
    grade_id,
    helpers,
    nbgrader_meta,
    reference,
    setup_source,
    source_notebook,
)

HERE = Path(__file__).resolve().parent
TRUSTED = threading.RLock()
"""Held while the reference runs: it draws from numpy's global generator (seeded nets)."""
TASKS = list(probes.PROBES)
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
RESULT_BYTES = 20 * 1024 * 1024
"""Largest result file read back from the sandbox."""


class GraderFault(Exception):
    """Grading failed for a reason that is not the student's doing (the sandbox could not
    start, the grader's own code failed): the student is not graded, never given a zero."""

    def __init__(self, reason: str, stderr: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.stderr = stderr


def slowdown(reference_seconds: float) -> float:
    """How much slower than a quiet host this one is now, from the reference's own time."""
    return min(MAX_SLOWDOWN, max(1.0, reference_seconds / REFERENCE_SECONDS))


@dataclass
class Step:
    id: str
    kind: str  # "cell" or "task"
    source: str = ""
    cell: int = -1
    task: str = ""
    label: str = ""  # how the feedback names the cell
    student: bool = True  # runs the student's code (the setup and injected layers do not)


@dataclass
class Plan:
    steps: list[Step]
    notes: list[str] = field(default_factory=list)  # what the student should know about the file
    missing_answers: dict[str, str] = field(default_factory=dict)  # task -> why


@dataclass
class Outcome:
    """What came back from the student's runs."""

    parts: dict
    cell_errors: dict
    notes: list[str]
    isolation: str
    runtime: dict[str, list[str]]  # flag kind -> details
    scan: set[str] = field(default_factory=set)  # the static scan's flags


@dataclass
class SubmissionResult:
    tasks: dict[str, checks.TaskResult]
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
                    "findings": [f.__dict__ for f in r.findings],
                }
                for t, r in self.tasks.items()
            },
            "notes": self.notes,
            "flags": self.flags,
            "seconds": round(self.seconds, 3),
            "isolation": self.isolation,
        }

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        Finding = helpers().checking.Finding
        tasks = {
            t: checks.TaskResult(
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


def task_points() -> dict[str, float]:
    """Points of each autograded task, from the source notebook's check cells."""
    return {
        grade_id(c): float(nbgrader_meta(c)["points"])
        for c in source_notebook().cells
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }


def answer_tasks() -> dict[str, list[str]]:
    """answer cell grade_id -> the graded tasks that need it."""
    return {
        grade_id(c): [
            t
            for t in TASKS
            if t.removesuffix("_train").removesuffix("_test") == grade_id(c).removesuffix("_answer")
        ]
        for c in answer_cells(source_notebook())
    }


def plan(nb) -> Plan:
    """The steps of a top-to-bottom run of a submitted notebook."""
    known = {grade_id(c): c for c in source_notebook().cells if grade_id(c)}
    steps, notes, seen_tasks = [], [], set()
    answers_seen = set()
    for index, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if cell.cell_type != "code":
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if gid == "setup":
            steps.append(Step(f"cell{index}", "cell", setup_source(), index, student=False))
        elif gid.endswith("_answer") and gid in known:
            answers_seen.add(gid)
            steps.append(Step(f"cell{index}", "cell", source, index, label=f"your {gid} cell"))
        elif gid in TASKS:
            if gid not in seen_tasks:
                seen_tasks.add(gid)
                steps.append(Step(f"task:{gid}", "task", task=gid))
        elif gid in known:
            continue  # the instructor's cells: data loading and experiments are not re-run
        else:
            steps.append(Step(f"cell{index}", "cell", source, index, label=f"your cell {index}"))
    if not any(s.source == setup_source() for s in steps):
        steps.insert(0, Step("setup", "cell", setup_source(), -1, student=False))
        notes.append("the setup cell is missing: the original setup was run first")
    first_student = next((i for i, s in enumerate(steps) if s.student), len(steps))
    steps.insert(first_student, Step("scan", "scan"))
    for task in TASKS:
        if task not in seen_tasks:
            steps.append(Step(f"task:{task}", "task", task=task))
            notes.append(f"the check cell of {task} is missing: its hidden checks ran at the end")
    missing = {}
    for gid, tasks in answer_tasks().items():
        if gid not in answers_seen:
            for task in tasks:
                missing[task] = f"the answer cell {gid} is missing from the notebook"
    return Plan(steps, notes, missing)


def load_secret(path: Path | None) -> bytes:
    """The grading secret (made on first use): hidden inputs differ from course to course."""
    if path is None:
        return b"batchnorm-kit"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(32))
        os.replace(tmp, path)
    return path.read_bytes()


@functools.cache
def _grader_version() -> str:
    """Digest of everything that decides a grade: a change invalidates saved results."""
    digest = hashlib.sha256()
    for name in (
        "cases.py",
        "checks.py",
        "grader.py",
        "mistakes.py",
        "probes.py",
        "runner.py",
        "sanitize.py",
        "scan.py",
    ):
        digest.update((HERE / name).read_bytes())
    digest.update((SOURCE_DIR / "BatchNormalization.ipynb").read_bytes())
    return digest.hexdigest()


def result_key(nb, seed: int) -> str:
    """What a saved result is valid for: the code that runs, the hidden inputs, the grader."""
    nb = copy.deepcopy(nb)
    repair(nb)
    steps = [(s.kind, s.source, s.task) for s in plan(nb).steps]
    text = json.dumps([str(seed), _grader_version(), steps])
    return hashlib.sha256(text.encode()).hexdigest()


def save_result(path: Path, key: str, result: SubmissionResult) -> None:
    """Write a result atomically: a reader sees the old file or the new, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "result": result.to_json()}, indent=1))
    os.replace(tmp, path)


def cached_result(path: Path, key: str) -> SubmissionResult | None:
    """The saved result if it was made for ``key``."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    return SubmissionResult.from_json(data["result"])


NET = "FullyConnectedNet"
CACHE_USERS = {
    "batchnorm_backward": "batchnorm_forward_train",
    "batchnorm_backward_alt": "batchnorm_forward_train",
    "layernorm_backward": "layernorm_forward",
}
"""Backward tasks checked through the cache of a forward (the cache's layout is the student's)."""
NET_LAYER_TASKS = [t for t in TASKS if t != NET]


def with_reference_layers(plan_: Plan) -> Plan:
    """The plan that checks the student's net with the reference layers in place of theirs.

    All the student's cells run, then the reference layer functions replace the student's in
    the namespace, then the net's probes run: a mistake in a layer costs points only in the
    layer's own task.
    """
    layers = "\n\n".join(
        c.source for c in answer_cells(source_notebook()) if grade_id(c) != f"{NET}_answer"
    )
    steps = [s for s in plan_.steps if s.kind == "cell"]
    steps += [
        Step("inject", "inject", layers, student=False),
        Step(f"task:{NET}", "task", task=NET),
    ]
    return Plan(steps)


def grade_cached(
    nb,
    student: str,
    secret: bytes,
    cache: Path | None,
    isolation: sandbox.Isolation = sandbox.Isolation.BUBBLEWRAP,
) -> SubmissionResult:
    """A student's result: the saved one if it was made for this notebook and this isolation,
    else graded now (and saved).

    Raises :class:`GraderFault` when the grading failed for a reason of the grader's or the
    host's: nothing is saved then, so the next run grades the student again.
    """
    seed = case_seed(secret, student)
    key = result_key(nb, seed)
    result = cached_result(cache, key) if cache else None
    if result is not None and result.isolation != sandbox.Isolation(isolation).value:
        result = None
    if result is None:
        try:
            result = grade_notebook(nb, seed=seed, isolation=isolation, label=student)
        except GraderFault:
            raise
        except Exception as exc:  # the grader's own code failed: not the student's doing
            raise GraderFault(
                f"the grader failed on this notebook: {type(exc).__name__}: {exc}"[:500],
                traceback.format_exc()[-4000:],
            ) from exc
        if cache:
            save_result(cache, key, result)
    return result


def case_seed(secret: bytes, student: str) -> int:
    """Seed of a student's hidden inputs: unknown without the secret, the same on a re-run."""
    digest = hashlib.sha256(secret + b"\0" + student.encode()).digest()
    return int.from_bytes(digest[:8], "little")


def draw_inputs(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {task: cases.draw(task, rng) for task in TASKS}


def expected_outputs(inputs: dict) -> dict:
    """The reference's outputs on the hidden inputs (one thread at a time: see TRUSTED)."""
    with TRUSTED:
        return _expected_outputs(inputs)


def _expected_outputs(inputs: dict) -> dict:
    ref = reference()
    return {
        task: {part: probes.PROBES[task][part](ref, inputs[task][part]) for part in parts}
        for task, parts in probes.PROBES.items()
    }


def _write_code(code_dir: Path) -> None:
    """What the sandbox runs, read-only inside it: the runner, the probes, the given helpers."""
    for name in ("runner.py", "probes.py", "scan.py"):
        shutil.copy(HERE / name, code_dir / name)
    shutil.copytree(
        SOURCE_DIR / "cs231n", code_dir / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )


@functools.cache
def _font_cache() -> list[Path]:
    """matplotlib's font list, built once on this side: each sandbox would take seconds."""
    import matplotlib
    import matplotlib.font_manager  # noqa: F401  (builds the list if it is missing)

    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def _write_matplotlib_config(workdir: Path) -> Path:
    config = workdir / ".matplotlib"
    config.mkdir()
    for path in _font_cache():
        shutil.copy(path, config / path.name)
    return config


def _write_job(workdir: Path, plan_: Plan, inputs: dict, skip: list[str]) -> None:
    flat = {
        f"{t}/{p}/{k}": v
        for t, parts in inputs.items()
        for p, d in parts.items()
        for k, v in d.items()
    }
    np.savez(workdir / "inputs.npz", **flat)
    job = {"steps": [s.__dict__ for s in plan_.steps], "skip": skip, "watch": [str(ROOT)]}
    (workdir / "job.json").write_text(json.dumps(job))


def _read_progress(path: Path) -> list[dict]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(errors="replace").splitlines()[:10000]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _open_step(records: list[dict]) -> str | None:
    """The step or part that started and did not end (the innermost)."""
    open_ = []
    for r in records:
        if "start" in r:
            open_.append(str(r["start"]))
        elif "end" in r and open_ and open_[-1] == str(r["end"]):
            open_.pop()
    return open_[-1] if open_ else None


class _Watchdog:
    """Kills the run when the current step has run longer than its limit."""

    def __init__(self, progress: Path, scale: float, generous: str | None = None):
        self.progress = progress
        self.scale = scale
        self.generous = generous  # a step retried after a timeout: it gets twice the time
        self.step, self.since = None, time.monotonic()
        self.size = -1

    def __call__(self) -> bool:
        try:
            size = self.progress.stat().st_size
        except OSError:
            size = 0
        if size != self.size:
            self.size = size
            step = _open_step(_read_progress(self.progress))
            if step != self.step:
                self.step, self.since = step, time.monotonic()
        limit = PART_SECONDS if self.step and "." in self.step else CELL_SECONDS
        limit *= self.scale * (2 if self.step is not None and self.step == self.generous else 1)
        return time.monotonic() - self.since > limit


def _started(records: list[dict], student_steps: set[str]) -> bool:
    """Did any of the student's code start in this launch?"""
    return any(str(r.get("start", "")).split(".")[0] in student_steps for r in records)


@dataclass(frozen=True)
class RunOptions:
    """How a submission's launches run: the isolation, the host's slowdown, the scratch name."""

    isolation: sandbox.Isolation = sandbox.Isolation.BUBBLEWRAP
    scale: float = 1.0
    label: str = ""


def run_student(plan_: Plan, inputs: dict, options: RunOptions, tasks: list[str] | None = None):
    """Run the plan in the sandbox.

    Each launch runs the steps not yet done. When a launch dies in a step of the student's (a
    hang stopped by the watchdog, a crash, an exit), that step is recorded as failed and the
    next launch skips it, so the rest is graded. A step that ran out of time, or was killed
    from outside, is first retried once, alone on the host and with twice the time: a busy
    host must not cost an honest student. A launch that ends before any of the student's code
    started is the host's fault: it is retried with backoff, and when it keeps failing,
    :class:`GraderFault` is raised (the student is not graded).
    """
    parts: dict[str, checks.PartResult] = {}
    runtime: dict[str, list[str]] = {}  # flag kind -> details, from the audit hook
    failed: dict[str, str] = {}  # step or part id -> why it failed
    cell_errors: dict[str, dict] = {}
    notes: list[str] = []
    scanned: dict[str, list[str]] = {}  # cell label -> the static scan's flags
    isolation_used = ""
    student_steps = {s.id for s in plan_.steps if s.student} | {
        f"{s.task}" for s in plan_.steps if s.kind == "task"
    }
    retried: set[str] = set()  # steps already given their retry alone
    generous: str | None = None
    host_faults, delay = 0, LAUNCH_BACKOFF
    launches = 0
    scale = options.scale
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in options.label)[:40]
    with tempfile.TemporaryDirectory(prefix=f"grade-{safe}-" if safe else "grade-") as tmp:
        code_dir, workdir = Path(tmp, "code"), Path(tmp, "work")
        if options.isolation is sandbox.Isolation.UID:
            os.chmod(tmp, 0o711)  # no namespace: the sandbox uid must reach its folders
        code_dir.mkdir()
        _write_code(code_dir)
        while True:
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir()
            done = {"scan"} if scanned else set()
            _write_job(workdir, plan_, inputs, sorted({*failed, *parts, *done}))
            mpl_config = _write_matplotlib_config(workdir)
            out = workdir / "out"
            result = sandbox.run_sandboxed(
                [sys.executable, str(code_dir / "runner.py"), str(workdir)],
                workdir=workdir,
                readonly_paths=[code_dir],
                limits=sandbox.Limits(wall_seconds=900 * scale, cpu_seconds=900),
                env={"PYTHONPATH": str(code_dir), "MPLCONFIGDIR": str(mpl_config)},
                isolation=options.isolation,
                watchdog=_Watchdog(out / "progress.jsonl", scale, generous),
                alone=generous is not None,
            )
            generous = None
            isolation_used = result.isolation
            records = _read_progress(out / "progress.jsonl")
            finished = any(r.get("finished") for r in records)
            if not finished and (result.launch_error or not _started(records, student_steps)):
                host_faults += 1
                if host_faults >= LAUNCH_ATTEMPTS:
                    raise GraderFault(
                        f"the sandbox failed {host_faults} times before any of the student's "
                        f"code ran: {result.launch_error or _fault_reason(result)}",
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
                if str(r.get("end", "")).startswith("cell") and "error" in r:
                    cell_errors[str(r["end"])] = r
                if "flag" in r:
                    details = runtime.setdefault(str(r["flag"]), [])
                    if str(r.get("detail", "")) not in details:
                        details.append(str(r.get("detail", "")))
                if "scanned" in r and isinstance(r.get("flags"), list):
                    scanned[str(r["scanned"])[:100]] = [str(f)[:200] for f in r["flags"][:20]]
            _collect(out, parts)
            if finished:
                break
            culprit = _open_step(records)
            reason = _fault_reason(result)
            if culprit is None:
                notes.append(f"the grading process stopped between two steps: {reason}")
                break
            outside = result.killed_by_signal == signal.SIGKILL and not result.timed_out
            if (result.watchdog_fired or result.timed_out or outside) and culprit not in retried:
                retried.add(culprit)
                generous = culprit
                continue
            failed[culprit] = reason
            if "." in culprit and result.watchdog_fired:
                # one hang per task is enough: its other checks would hang the same way
                task = culprit.split(".")[0]
                for part in probes.PROBES[task]:
                    failed.setdefault(
                        f"{task}.{part}", "not run: an earlier check of this task ran too long"
                    )
            if culprit.startswith("cell"):
                cell_errors[culprit] = {"error": "stopped", "message": reason}
            if launches >= MAX_LAUNCHES:
                notes.append("grading stopped after too many faults")
                break
    for task in tasks or TASKS:
        for part in probes.PROBES[task]:
            part_id = f"{task}.{part}"
            if part_id not in parts:
                why = failed.get(part_id) or failed.get(f"task:{task}") or "it did not run"
                parts[part_id] = checks.PartResult(missing=why)
    return Outcome(parts, cell_errors, notes, isolation_used, runtime, scan_flags(scanned, failed))


RUNTIME_FLAGS = {
    "results": "rewrote the grader's result files",
    "grader-files": "read the grader's own files (hidden inputs, job, results)",
    "read": "tried to read files outside its folder",
    "write": "tried to write outside its scratch folder",
    "network": "tried to use the network",
    "programs": "tried to run programs (subprocess)",
    "introspection": "inspects the grader's memory (gc)",
    "patched": "patched numpy or builtins at run time",
}


def _runtime_flag(kind: str, details: list[str]) -> str:
    more = f", and {len(details) - 1} more" if len(details) > 1 else ""
    return f"{RUNTIME_FLAGS.get(kind, 'did something unexpected')} ({details[0][:80]}{more})"


def _type_flags(parts: dict) -> set[str]:
    """Outputs that were not plain numbers: always-equal objects, rigged array subclasses."""
    flags = set()
    for part_id, part in parts.items():
        for name, kind in part.types.items():
            module = kind.split(".")[0]
            if kind.startswith("unconvertible") or module not in ("numpy", "builtins", "None"):
                task = part_id.split(".")[0]
                flags.add(
                    f"{task} returned objects that are not plain numpy arrays "
                    f"({kind[:60]} as {name})"
                )
    return flags


def scan_flags(scanned: dict[str, list[str]], failed: dict[str, str]) -> set[str]:
    """The static scan's flags, as the sandboxed scan reported them per cell."""
    flags = {f"{label}: {flag}" for label, found in scanned.items() for flag in found}
    if "scan" in failed:
        flags.add(f"your code could not be scanned: {failed['scan']}")
    return flags


def _fault_reason(result) -> str:
    """Why a launch that ran the student's code ended early, in the student's words."""
    if result.timed_out or result.watchdog_fired:
        return "it ran too long and was stopped (an endless loop or a sleep?)"
    if result.killed_by_signal:
        return f"the process was killed by signal {result.killed_by_signal} (a crash?)"
    if result.returncode not in (0, None):
        return f"the process exited with code {result.returncode} (sys.exit or os._exit?)"
    return "the process stopped early"


def _collect(out: Path, parts: dict) -> None:
    """Read back every part result in ``out``; validate sizes and keys, never unpickle."""
    for task, task_parts in probes.PROBES.items():
        for part in task_parts:
            meta_path = out / f"{task}.{part}.json"
            if not meta_path.exists() or meta_path.stat().st_size > RESULT_BYTES:
                continue
            try:
                meta = json.loads(meta_path.read_text())
            except ValueError:
                continue
            result = checks.PartResult()
            if "error" in meta:
                result.error = {
                    k: str(meta.get(k, ""))[:400] for k in ("error", "message", "where")
                }
            else:
                result.types = {
                    str(k): str(v)[:200] for k, v in dict(meta.get("types", {})).items()
                }
                result.nones = {str(n) for n in meta.get("nones", [])}
                result.lists = {
                    str(k): [str(x)[:100] for x in v][:1000]
                    for k, v in dict(meta.get("lists", {})).items()
                    if isinstance(v, list)
                }
                npz = out / f"{task}.{part}.npz"
                if npz.exists() and npz.stat().st_size <= RESULT_BYTES:
                    try:
                        with np.load(npz, allow_pickle=False) as data:
                            result.arrays = {k: data[k] for k in data.files}
                    except (ValueError, OSError, EOFError) as exc:
                        result.error = {
                            "error": "unreadable result",
                            "message": str(exc)[:200],
                            "where": "",
                        }
            parts[f"{task}.{part}"] = result


def grade_notebook(
    nb,
    *,
    seed: int,
    isolation: sandbox.Isolation = sandbox.Isolation.BUBBLEWRAP,
    label: str = "",
) -> SubmissionResult:
    """Grade a parsed notebook (nbformat v4 node).

    ``label`` (the student id) names the scratch folders. Raises :class:`GraderFault` when the
    sandbox cannot run the student's code.
    """
    start = time.perf_counter()
    nb = copy.deepcopy(nb)
    repairs = repair(nb)
    plan_ = plan(nb)
    plan_.notes[:0] = repairs + _file_notes(nb)
    inputs = draw_inputs(seed)
    reference_start = time.perf_counter()
    expected = expected_outputs(inputs)
    options = RunOptions(isolation, slowdown(time.perf_counter() - reference_start), label)
    outcome = run_student(plan_, inputs, options)
    parts, cell_errors, notes = outcome.parts, outcome.cell_errors, outcome.notes
    labels = {f"<cell {s.cell}>": s.label or "the setup cell" for s in plan_.steps}
    for part in parts.values():
        if part.error and part.error.get("where"):
            where = part.error["where"]
            cell_name = where.split(" line ")[0]
            part.error["where"] = where.replace(cell_name, labels.get(cell_name, cell_name))
    points = task_points()
    ref = reference()
    tampered = _tampered_tasks(outcome.runtime.get("results", []))
    tasks = {}
    for task in TASKS:
        got = {p: parts.get(f"{task}.{p}") for p in probes.PROBES[task]}
        with TRUSTED:
            weighted, task_notes = checks.check_task(task, inputs[task], got, expected[task], ref)
        if task in tampered:
            weighted = [_uncredited(w) for w in weighted]
        if task == NET:
            net_weighted = weighted
        if task in plan_.missing_answers:
            task_notes.append(plan_.missing_answers[task])
        tasks[task] = checks.TaskResult(
            task,
            checks.score(task, points[task], weighted),
            points[task],
            [w[0] for w in weighted],
            task_notes,
        )
    for backward, forward in CACHE_USERS.items():
        if (
            tasks[forward].score < tasks[forward].max_score
            and tasks[backward].score < tasks[backward].max_score
        ):
            tasks[backward].notes.append(
                f"{backward} is checked through the cache of your {forward.split('_train')[0]},"
                f" which failed its own checks ({forward}): fix that first"
            )
    failed_layers = [t for t in NET_LAYER_TASKS if tasks[t].score < tasks[t].max_score]
    if failed_layers and tasks[NET].score < tasks[NET].max_score:
        substituted, substituted_flags = _net_with_reference_layers(
            plan_, inputs, expected, failed_layers, options, net_weighted
        )
        for kind, details in substituted_flags.items():
            outcome.runtime.setdefault(kind, []).extend(details)
        if substituted.score > tasks[NET].score:
            tasks[NET] = substituted
    flags = sorted(
        outcome.scan
        | _type_flags(parts)
        | {_runtime_flag(kind, details) for kind, details in outcome.runtime.items()}
    )
    step_labels = {s.id: s.label or "the setup cell" for s in plan_.steps}
    for step_id, err in cell_errors.items():
        error = ": ".join(str(part) for part in (err.get("error"), err.get("message")) if part)
        notes.append(f"{step_labels.get(step_id, step_id)} failed when run top to bottom: {error}")
    return SubmissionResult(
        tasks, plan_.notes + notes, flags, time.perf_counter() - start, outcome.isolation
    )


OUTPUT_NOTE_BYTES = 5_000_000


def _file_notes(nb) -> list[str]:
    """What a student should know about the file itself."""
    notes = []
    if nb.metadata.get("orig_nbformat", 4) < 4:
        notes.append(
            f"the notebook was saved in nbformat {nb.metadata['orig_nbformat']}: "
            "converted to nbformat 4 and graded"
        )
    size = sum(len(json.dumps(c.get("outputs", []))) for c in nb.cells)
    if size > OUTPUT_NOTE_BYTES:
        notes.append(
            f"the notebook's saved outputs are {size / 1e6:.0f} MB: you printed a lot; "
            "the grader ignores them and the feedback shows the first lines only"
        )
    return notes


def _tampered_tasks(paths: list[str]) -> set[str]:
    """Tasks whose result files the student's code wrote to (all, if it cannot be told)."""
    tasks = set()
    for path in paths:
        name = Path(path).name.split(".")[0]
        tasks |= {name} if name in TASKS else set(TASKS)
    return tasks


def _uncredited(weighted):
    """A side check (input unchanged, initial values...) of a submission that rewrote its own
    results: what it reports about itself is not credited; value checks still are."""
    finding, weight, primary = weighted
    if primary or not finding.passed:
        return weighted
    Finding = helpers().checking.Finding
    return (
        Finding(finding.what, False, "not credited: your code rewrote the grader's result files"),
        weight,
        primary,
    )


def _is_net_value(finding) -> bool:
    return finding.what.startswith(("loss", "gradients", "test-mode"))


def _net_with_reference_layers(plan_, inputs, expected, failed_layers, options, own_weighted):
    """The net's result with the reference layers in place of the student's.

    The reference layers run in the student's sandbox for this, so nothing the student's code
    returns from this run reaches the student but pass or fail per check: no names, types,
    messages or numbers (the net's parameters are judged from the student's own run).
    """
    outcome = run_student(with_reference_layers(plan_), {NET: inputs[NET]}, options, tasks=[NET])
    parts = outcome.parts
    for part in parts.values():
        part.lists, part.types = {}, {}
        if part.error:
            part.error = {"error": "an error", "message": "", "where": ""}
    got = {p: parts.get(f"{NET}.{p}") for p in probes.PROBES[NET]}
    with TRUSTED:
        weighted, _ = checks.check_task(NET, inputs[NET], got, expected[NET], reference())
    Finding = helpers().checking.Finding
    weighted = [w for w in own_weighted if not _is_net_value(w[0])] + [
        (Finding(f.what, f.passed, "as expected" if f.passed else "does not match"), weight, p)
        for f, weight, p in weighted
        if _is_net_value(f)
    ]
    findings = [f for f, _, _ in weighted]
    points = task_points()[NET]
    note = (
        f"your net was checked with the reference layers in place of yours, because "
        f"{', '.join(failed_layers)} did not get full marks: a mistake there costs points "
        "only there"
    )
    result = checks.TaskResult(NET, checks.score(NET, points, weighted), points, findings, [note])
    return result, outcome.runtime


def read_notebook(path: Path):
    """Parse a submitted file into nbformat v4, or raise ValueError with a clear reason."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise ValueError("the notebook file is empty")
    try:
        return nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
    except Exception as exc:  # nbformat raises many kinds on corrupt input
        raise ValueError(
            f"the notebook file cannot be read as a notebook ({type(exc).__name__}:"
            f" {str(exc)[:200]})"
        ) from exc


def empty_result(points: dict[str, float], reason: str) -> SubmissionResult:
    """Zero on every task, for a submission with nothing to grade."""
    Finding = helpers().checking.Finding
    tasks = {
        t: checks.TaskResult(t, 0.0, p, [Finding("the notebook", False, reason)])
        for t, p in points.items()
    }
    return SubmissionResult(tasks, [reason])
