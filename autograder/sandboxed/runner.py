"""The process that runs a student's code, inside the sandbox: ``python runner.py JOBDIR``.

Untrusted from the first student line on. It executes the job's steps in notebook order, as
Restart & Run All would: the setup, the static scan (in a child), the student's cells, and at
each check cell's place the probes of that task (``job.json`` says which call pattern of
``probes.py`` each part runs). It writes back only plain data:

- ``out/progress.jsonl``: one record when a step starts and one when it ends (with the
  error, if any), so the supervisor can tell which step hung or killed the process;
- ``out/<task>.<part>.npz`` (numeric arrays, no pickles) and ``.json`` (strings, numbers).

Both are defined in ``contracts.py``, as are the job and the ids of its steps and parts.

Nothing here decides a grade: the trusted side loads these files, validates them and compares.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import sys
import traceback
from pathlib import Path

import lazy
import numpy as np
import probes
import repair
from audit import Writing, install_audit, patched, snapshot
from contracts import (
    INPUTS,
    JOB,
    MESSAGE_CHARS,
    OUT,
    PROGRESS,
    UNCONVERTIBLE,
    End,
    ErrorInfo,
    Finished,
    Flag,
    Job,
    PartReport,
    Record,
    ScanFailed,
    Scanned,
    Start,
    Step,
    StepKind,
    encode_record,
    part_files,
    part_id,
)


class _Shell:
    """Stands in for IPython's shell: cell magics and line magics do nothing here."""

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _describe(exc: BaseException) -> ErrorInfo:
    """Exception type, message and the student's line where it was raised."""
    stack = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__), lookup_lines=False)
    frames = [f for f in stack if f.filename.startswith("<")]
    where = frames[-1] if frames else None
    message = str(exc)
    return ErrorInfo(
        type(exc).__name__,
        message[:MESSAGE_CHARS],
        f"{where.filename} line {where.lineno}" if where else "",
    )


def _plain(value):
    """A returned value as plain data: an ndarray (a copy, base class), a string list, or None."""
    if value is None:
        return None, "None"
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [str(v)[:100] for v in value[:1000]], kind
    array = np.array(value, copy=True)
    if isinstance(array, np.ndarray) and type(array) is not np.ndarray:
        array = array.view(np.ndarray)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"not a numeric array: {kind}")
    return array, kind


class Progress:
    """The progress file: each record on a line of its own, flushed at once (the process may
    be killed at any moment)."""

    def __init__(self, path: Path):
        self._file = open(path, "a", buffering=1)  # noqa: SIM115 (kept open for the run)

    def write(self, record: Record) -> None:
        self._file.write(encode_record(record) + "\n")
        self._file.flush()


def run_part(ns, task, part, probe, inp, out_dir: Path, numgrad) -> None:
    """One part's probe on the student's functions: its report, and the arrays it returned."""
    report_name, arrays_name = part_files(part_id(task, part))
    try:
        values = probes.run(_Lookup(ns), inp, probe, numgrad)
    except BaseException as exc:  # noqa: BLE001  (the student's code raised: record it)
        report = PartReport(task, part, _describe(exc))
        _write(out_dir / report_name, json.dumps(report.to_json()))
        return
    arrays: dict = {}
    report = PartReport(task, part)
    for name, value in values.items():
        try:
            plain, kind = _plain(value)
        except Exception as exc:  # noqa: BLE001
            report.types[name] = f"{UNCONVERTIBLE}: {str(exc)[:100]}"
            continue
        report.types[name] = kind
        if plain is None:
            report.nones.append(name)
        elif isinstance(plain, list):
            report.lists[name] = plain
        else:
            arrays[name] = plain
    Writing.now = True
    try:
        np.savez(out_dir / arrays_name, **arrays)
    finally:
        Writing.now = False
    _write(out_dir / report_name, json.dumps(report.to_json()))


def _write(path: Path, text: str) -> None:
    Writing.now = True
    try:
        path.write_text(text)
    finally:
        Writing.now = False


class _Lookup:
    """The student's namespace as probes see it: a missing function is a NameError."""

    def __init__(self, ns):
        self._ns = ns

    def __getitem__(self, name):
        try:
            return self._ns[name]
        except KeyError:
            raise NameError(f"name {name!r} is not defined") from None


def scan_cells(steps: list[Step], progress: Progress) -> None:
    """The static scan of the student's cells, in a child process, before any of them runs.

    Parsing untrusted source can crash or corrupt a CPython parser (python/cpython#106905):
    a child that dies takes nothing with it but its own flags, and the grading process never
    parses student code. A scan that cannot start (the fork fails) is said, never skipped in
    silence: the grade goes on, and the staff see that the scan did not run.
    """
    import scan

    sys.stdout.flush()
    try:
        pid = os.fork()
    except OSError as exc:
        progress.write(ScanFailed(f"its process could not be started ({exc})"[:MESSAGE_CHARS]))
        return
    if pid == 0:
        try:
            for step in steps:
                if step.kind is StepKind.CELL and step.label:
                    flags = sorted(scan.scan(probes.plain_python(step.source)))
                    progress.write(Scanned(step.label, flags))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        progress.write(Scanned("your code", [scan.TOO_DEEP]))


@contextlib.contextmanager
def reference_code(ns: dict, source: str):
    """The names ``source`` (the reference's code for some functions) defines, in the student's
    namespace while the block runs; the student's own back afterwards."""
    if not source:
        yield
        return
    scope = dict(ns)
    exec(compile(source, "<given functions>", "exec"), scope)  # noqa: S102
    changed = {k: v for k, v in scope.items() if ns.get(k) is not v}
    own = {k: ns[k] for k in changed if k in ns}
    ns.update(changed)
    try:
        yield
    finally:
        for name in changed:
            ns.pop(name, None)
        ns.update(own)


def inject(ns: dict, step: Step) -> None:
    """The reference's code for some functions: in place of the student's, or (``repair``)
    behind the student's own forward, whose cache it repairs."""
    names = list(step.repair)
    if not names:
        exec(compile(step.source, "<given layers>", "exec"), ns)  # noqa: S102
        return
    own = {name: ns.get(name) for name in names}
    recorder = repair.Recorder()
    scope = {**ns, "__record__": recorder}
    exec(compile(step.source, "<given layers>", "exec"), scope)  # noqa: S102
    for name in names:
        mine = own[name]
        ns[name] = scope[name] if mine is None else repair.repaired(mine, scope[name], recorder)


def load_inputs(path: Path) -> dict:
    nested: dict = {}
    with np.load(path, allow_pickle=False) as data:
        for key in data.files:
            task, part, name = key.split("/")
            nested.setdefault(task, {}).setdefault(part, {})[name] = data[key]
    return nested


class Run:
    """The run of a job, step by step, in one namespace: the student's, as the notebook's."""

    def __init__(self, job_dir: Path):
        self.job_dir = job_dir
        self.job = Job.from_json(json.loads((job_dir / JOB).read_text()))
        self.inputs = load_inputs(job_dir / INPUTS)
        self.out_dir = job_dir / OUT
        self.out_dir.mkdir(exist_ok=True)
        self.progress = Progress(self.out_dir / PROGRESS)
        self.skip = set(self.job.skip)
        shell = _Shell()
        builtins.get_ipython = lambda: shell  # type: ignore[attr-defined]
        self.ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: shell}
        self.numgrad = None

    def prepare(self) -> None:
        """What the student's code finds: the given helpers, the lazy matplotlib, the
        assignment's own call patterns."""
        os.chdir(self.job_dir)
        lazy.install()
        from cs231n.gradient_check import eval_numerical_gradient_array

        self.numgrad = eval_numerical_gradient_array
        if (Path(__file__).resolve().parent / "task_probes.py").is_file():
            import task_probes  # the assignment's own call patterns, beside this runner

            probes.extend(task_probes)

    def step(self, step: Step) -> None:
        """One step, between its start and end records."""
        self.progress.write(Start(step.id))
        error = None
        if step.kind is StepKind.SCAN:
            scan_cells(self.job.steps, self.progress)
        elif step.kind is StepKind.INJECT:
            inject(self.ns, step)
        elif step.kind in (StepKind.SETUP, StepKind.CELL):
            error = self.cell(step)
        else:
            self.task(step)
        self.progress.write(End(step.id, error))

    def cell(self, step: Step) -> ErrorInfo | None:
        """The setup or one of the student's cells; what it raised."""
        try:
            code = compile(probes.plain_python(step.source), f"<cell {step.cell}>", "exec")
            exec(code, self.ns)  # noqa: S102  (the student's own cell, sandboxed)
        except BaseException as exc:  # noqa: BLE001
            return _describe(exc)
        return None

    def task(self, step: Step) -> None:
        """A task's probes, part by part, with the reference's code its step brings."""
        task = step.task
        with reference_code(self.ns, step.source):
            for part, probe in self.job.probes[task].items():
                pid = part_id(task, part)
                if pid in self.skip:
                    continue
                self.progress.write(Start(pid))
                run_part(
                    self.ns, task, part, probe, self.inputs[task][part], self.out_dir, self.numgrad
                )
                self.progress.write(End(pid))


def main(job_path: str) -> int:
    run = Run(Path(job_path))
    run.prepare()
    before = snapshot()
    install_audit(
        lambda kind, detail: run.progress.write(Flag(kind, detail)),
        run.job_dir,
        Path(probes.__file__).resolve().parent,
        run.job.watch,
    )
    for step in run.job.steps:
        if step.id not in run.skip:
            run.step(step)
    for name in patched(before):
        run.progress.write(Flag("patched", name))
    run.progress.write(Finished())
    sys.stdout.flush()
    os._exit(0)  # do not run the student's atexit handlers or finalizers


if __name__ == "__main__":
    main(sys.argv[1])
