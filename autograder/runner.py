"""The process that runs a student's code, inside the sandbox: ``python runner.py JOBDIR``.

Untrusted from the first student line on. It executes the job's steps in notebook order,
as Restart & Run All would: the student's cells, and at each check cell's place the probes of
that task (``probes.py``). It writes back only plain data:

- ``out/progress.jsonl``: one line when a step starts and one when it ends (with the error,
  if any), so the supervisor can tell which step hung or killed the process;
- ``out/<task>.<part>.npz`` (numeric arrays, no pickles) and ``.json`` (strings, numbers).

Nothing here decides a grade: the trusted side loads these files, validates them and compares.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import traceback
from pathlib import Path

import numpy as np
import probes

MESSAGE_CHARS = 300
"""How much of an exception message is kept."""


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


def _describe(exc: BaseException, filename_prefix: str = "<cell") -> dict:
    """Exception type, message and the student's line where it was raised."""
    stack = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__), lookup_lines=False)
    frames = [f for f in stack if f.filename.startswith("<")]
    where = frames[-1] if frames else None
    message = str(exc)
    return {
        "error": type(exc).__name__,
        "message": message[:MESSAGE_CHARS],
        "where": f"{where.filename} line {where.lineno}" if where else "",
    }


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


SNAPSHOT = {
    "numpy": (
        "allclose",
        "isclose",
        "array_equal",
        "asarray",
        "array",
        "savez",
        "load",
        "abs",
        "max",
        "sum",
        "mean",
        "testing",
    ),
    "builtins": (
        "isinstance",
        "type",
        "len",
        "float",
        "abs",
        "max",
        "print",
        "open",
        "str",
        "repr",
        "getattr",
        "setattr",
        "__import__",
        "exec",
        "compile",
    ),
}


def snapshot() -> dict:
    """Identities of functions the student's code has no reason to replace."""
    modules = {"numpy": np, "builtins": builtins}
    return {f"{m}.{n}": id(getattr(modules[m], n, None)) for m, ns in SNAPSHOT.items() for n in ns}


def patched(before: dict) -> list[str]:
    return sorted(name for name, ident in snapshot().items() if before.get(name) != ident)


class _Grader:
    """The runner's own state: true while the runner itself writes a result."""

    writing = False


def install_audit(progress, job_dir: Path, code_dir: Path, watched: list[str]) -> None:
    """Report what the student's code tries that a solution never does (flags for review).

    An audit hook cannot be removed once added; what it sees goes to the progress file at
    once, so a later crash does not lose it. The sandbox blocks most of these anyway; inside
    the sandbox, the grader's own files (inputs, job, results, runner) are watched here.
    """
    readable = tuple(
        str(p) + os.sep
        for p in (
            job_dir,
            code_dir,
            Path(sys.prefix),
            Path(sys.base_prefix),
            Path(np.__file__).resolve().parent.parent,
        )
    ) + ("/usr/", "/etc/", "/proc/", "/sys/", "/dev/", "/tmp/", "/lib", "/bin/")
    grader_files = (
        str(job_dir / "inputs.npz"),
        str(job_dir / "job.json"),
        str(job_dir / "out") + os.sep,
    )
    writable = (str(job_dir) + os.sep, "/tmp/", "/dev/null")
    # the instructor's folders (the kit's repository): not in the sandbox, but a student who
    # aims at them is flagged wherever they lie on the grading machine (/tmp included)
    watched = tuple(w.rstrip(os.sep) + os.sep for w in watched)
    python_dirs = readable[2:5]
    seen: set = set()

    def report(kind, detail):
        if len(seen) < 50 and (kind, detail) not in seen:
            seen.add((kind, detail))
            progress.write(flag=kind, detail=str(detail)[:200])

    def touches_grader(path):
        full = os.path.abspath(os.fsdecode(path))
        return full if full.startswith(grader_files) and not _Grader.writing else None

    def hook(event, args):
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            if not isinstance(path, str | bytes):
                return
            full = os.path.abspath(os.fsdecode(path))
            mode = mode or ""
            flags = flags or 0
            writing = any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR)
            if touches_grader(full):
                report("results" if writing else "grader-files", full)
            elif full.startswith(watched) and not full.startswith(python_dirs):
                report("write" if writing else "read", full)
            elif writing and not full.startswith(writable):
                report("write", full)
            elif not writing and not full.startswith(readable):
                report("read", full)
        elif event in ("os.rename", "os.remove", "os.unlink", "os.replace", "os.truncate"):
            if args and isinstance(args[0], str | bytes) and touches_grader(args[0]):
                report("results", os.fsdecode(args[0]))
        elif event in ("socket.connect", "socket.bind", "socket.sendto"):
            report("network", event)
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn"):
            report("programs", event)
        elif event in ("gc.get_objects", "gc.get_referrers"):
            report("introspection", event)

    sys.addaudithook(hook)


class Progress:
    def __init__(self, path: Path):
        self._file = open(path, "a", buffering=1)  # noqa: SIM115 (kept open for the run)

    def write(self, **record):
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()


def run_part(ns, task, part, inp, out_dir: Path) -> dict:
    status = {"task": task, "part": part}
    try:
        values = probes.PROBES[task][part](_Lookup(ns), inp)
    except BaseException as exc:  # noqa: BLE001  (the student's code raised: record it)
        status.update(_describe(exc))
        _write(out_dir / f"{task}.{part}.json", json.dumps(status))
        return status
    arrays, meta = {}, {"types": {}, "lists": {}, "nones": []}
    for name, value in values.items():
        try:
            plain, kind = _plain(value)
        except Exception as exc:  # noqa: BLE001
            meta["types"][name] = f"unconvertible: {str(exc)[:100]}"
            continue
        meta["types"][name] = kind
        if plain is None:
            meta["nones"].append(name)
        elif isinstance(plain, list):
            meta["lists"][name] = plain
        else:
            arrays[name] = plain
    _Grader.writing = True
    try:
        np.savez(out_dir / f"{task}.{part}.npz", **arrays)
    finally:
        _Grader.writing = False
    status.update(meta)
    _write(out_dir / f"{task}.{part}.json", json.dumps(status))
    return {"task": task, "part": part}


def _write(path: Path, text: str) -> None:
    _Grader.writing = True
    try:
        path.write_text(text)
    finally:
        _Grader.writing = False


class _Lookup:
    """The student's namespace as probes see it: a missing function is a NameError."""

    def __init__(self, ns):
        self._ns = ns

    def __getitem__(self, name):
        try:
            return self._ns[name]
        except KeyError:
            raise NameError(f"name {name!r} is not defined") from None


def scan_cells(steps: list[dict], progress: Progress) -> None:
    """The static scan of the student's cells, in a child process, before any of them runs.

    Parsing untrusted source can crash or corrupt a CPython parser (python/cpython#106905):
    a child that dies takes nothing with it but its own flags, and the grading process never
    parses student code.
    """
    import scan

    probes.python_source("")  # IPython's transformer, imported once for both processes
    sys.stdout.flush()
    try:
        pid = os.fork()
    except OSError:
        return  # no flags rather than no grade
    if pid == 0:
        try:
            for step in steps:
                if step["kind"] == "cell" and step.get("label"):
                    flags = sorted(scan.scan(probes.python_source(step["source"])))
                    progress.write(scanned=step["label"], flags=flags)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        progress.write(scanned="your code", flags=[scan.TOO_DEEP])


def load_inputs(path: Path) -> dict:
    nested: dict = {}
    with np.load(path, allow_pickle=False) as data:
        for key in data.files:
            task, part, name = key.split("/")
            nested.setdefault(task, {}).setdefault(part, {})[name] = data[key]
    return nested


def main(job_dir: str) -> int:
    job_dir = Path(job_dir)
    job = json.loads((job_dir / "job.json").read_text())
    inputs = load_inputs(job_dir / "inputs.npz")
    out_dir = job_dir / "out"
    out_dir.mkdir(exist_ok=True)
    progress = Progress(out_dir / "progress.jsonl")
    skip = set(job.get("skip", []))

    shell = _Shell()
    builtins.get_ipython = lambda: shell
    ns = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": lambda: shell}
    os.chdir(job_dir)
    import matplotlib.pyplot  # noqa: F401  (its font cache runs fc-list: not the student's doing)

    before = snapshot()
    install_audit(progress, job_dir, Path(probes.__file__).resolve().parent, job["watch"])
    for step in job["steps"]:
        if step["id"] in skip:
            continue
        progress.write(start=step["id"])
        if step["kind"] == "scan":
            scan_cells(job["steps"], progress)
            progress.write(end=step["id"])
        elif step["kind"] == "inject":
            exec(compile(step["source"], "<given layers>", "exec"), ns)  # noqa: S102
            progress.write(end=step["id"])
        elif step["kind"] == "cell":
            record = {"end": step["id"]}
            try:
                code = compile(
                    probes.python_source(step["source"]), f"<cell {step['cell']}>", "exec"
                )
                exec(code, ns)  # noqa: S102  (the student's own cell, sandboxed)
            except BaseException as exc:  # noqa: BLE001
                record.update(_describe(exc))
            progress.write(**record)
        else:
            task = step["task"]
            for part in probes.PROBES[task]:
                part_id = f"{task}.{part}"
                if part_id in skip:
                    continue
                progress.write(start=part_id)
                run_part(ns, task, part, inputs[task][part], out_dir)
                progress.write(end=part_id)
            progress.write(end=step["id"])
    for name in patched(before):
        progress.write(flag="patched", detail=name)
    progress.write(finished=True)
    sys.stdout.flush()
    os._exit(0)  # do not run the student's atexit handlers or finalizers


if __name__ == "__main__":
    main(sys.argv[1])
