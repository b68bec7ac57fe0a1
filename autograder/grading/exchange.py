"""What passes between the trusted side and the sandbox: the job going in (the code, the
steps, the hidden inputs), the progress and the results coming back, validated and never
unpickled."""

from __future__ import annotations

import functools
import importlib.util
import json
import marshal
import os
import shutil
import types
import zipfile
from pathlib import Path

import numpy as np

from .. import tasks
from ..layout import PACKAGE, ROOT, current
from ..sandboxed.contracts import (
    INPUTS,
    JOB,
    End,
    Job,
    PartReport,
    Record,
    Start,
    decode_record,
    part_files,
    part_id,
)
from .model import PartResult, Plan

RESULT_BYTES = 20 * 1024 * 1024
"""Largest result file read back from the sandbox."""
SANDBOXED = PACKAGE / "sandboxed"
TASK_PROBES = "task_probes.py"
"""The assignment's own call patterns, in the sandbox (``runner.py`` adds them)."""


def write_code(code_dir: Path) -> None:
    """What the sandbox runs, read-only inside it: the sandboxed package, the given helpers.

    The sandbox's uid reads them: folders 0755 and files 0644, whatever the umask (the grading
    commands' is 0o077) and the modes of the kit's checkout. Nothing here is secret: the runner
    is the kit's code and the helpers are shipped to students.
    """
    for path in SANDBOXED.glob("*.py"):
        if path.name != "__init__.py":
            shutil.copy(path, code_dir / path.name)
    for path in tasks.probe_modules():  # the assignment's own call patterns
        shutil.copy(path, code_dir / TASK_PROBES)
    shutil.copytree(
        current().source_dir / "cs231n",
        code_dir / "cs231n",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for path in list(code_dir.rglob("*.py")):
        _write_bytecode(path)
    for top, _dirs, files in os.walk(code_dir):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name), 0o644)


def _write_bytecode(path: Path) -> None:
    """``path``'s bytecode beside it, as Python's import would cache it.

    The sandbox's Python would otherwise compile the runner's modules and the helpers in every
    launch (30 ms), and may not write them back. The code is compiled once per process and
    given ``path`` as its file name. The cache checks the source's hash, so a file that
    changed is compiled again rather than run stale.
    """
    source = path.read_bytes()
    code = _retitled(_compiled(source), str(path))
    flags = (0b11).to_bytes(4, "little")  # hash-based, checked against the source (PEP 552)
    pyc = Path(importlib.util.cache_from_source(str(path)))
    pyc.parent.mkdir(exist_ok=True)
    pyc.write_bytes(
        importlib.util.MAGIC_NUMBER
        + flags
        + importlib.util.source_hash(source)
        + marshal.dumps(code)
    )


@functools.lru_cache(maxsize=256)
def _compiled(source: bytes) -> types.CodeType:
    return compile(source, "<sandboxed>", "exec", dont_inherit=True)


def _retitled(code: types.CodeType, filename: str) -> types.CodeType:
    """``code`` and the code objects inside it, with ``filename`` as their file."""
    consts = tuple(
        _retitled(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


@functools.cache
def _font_cache() -> list[Path]:
    """matplotlib's font list, built once on this side: each sandbox would take seconds."""
    import matplotlib
    import matplotlib.font_manager

    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def write_matplotlib_config(workdir: Path) -> Path:
    config = workdir / ".matplotlib"
    config.mkdir()
    for path in _font_cache():
        shutil.copy(path, config / path.name)
    return config


def write_job(workdir: Path, plan_: Plan, inputs: dict, skip: list[str]) -> None:
    """The job (``job.json``) and the hidden inputs (``inputs.npz``) in the work folder."""
    flat = {
        f"{t}/{p}/{k}": v
        for t, parts in inputs.items()
        for p, d in parts.items()
        for k, v in d.items()
    }
    np.savez(workdir / INPUTS, **flat)
    probes = {
        task: {part.name: part.probe.to_json() for part in tasks.get(task).parts}
        for task in dict.fromkeys(plan_.tasks)
    }
    job = Job(plan_.steps, probes, skip, [str(ROOT)])
    (workdir / JOB).write_text(json.dumps(job.to_json()))


def read_progress(path: Path) -> list[Record]:
    """The progress records the runner wrote (``out/progress.jsonl``); a line that is not one is
    skipped."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(errors="replace").splitlines()[:10000]:
        try:
            record = decode_record(json.loads(line))
        except ValueError:
            continue
        if record is not None:
            records.append(record)
    return records


def open_step(records: list[Record]) -> str | None:
    """The step or part that started and did not end (the innermost)."""
    open_: list[str] = []
    for r in records:
        if isinstance(r, Start):
            open_.append(r.step)
        elif isinstance(r, End) and open_ and open_[-1] == r.step:
            open_.pop()
    return open_[-1] if open_ else None


def collect(out: Path, task_ids: list[str], parts: dict[str, PartResult]) -> None:
    """Read back every part result in ``out``; validate sizes and keys, never unpickle."""
    for task in task_ids:
        for part in tasks.get(task).part_names:
            pid = part_id(task, part)
            result = _part_result(out, task, part)
            if result is not None:
                parts[pid] = result


def _part_result(out: Path, task: str, part: str) -> PartResult | None:
    """One part's result: its report and its arrays; None when it left no readable report."""
    report_name, arrays_name = part_files(part_id(task, part))
    report_path = out / report_name
    if not report_path.exists() or report_path.stat().st_size > RESULT_BYTES:
        return None
    try:
        report = PartReport.from_json(json.loads(report_path.read_text()), task, part)
    except ValueError:
        return None
    if report is None:
        return None
    if report.error is not None:
        return PartResult(error=report.error.to_json())
    result = PartResult(types=report.types, nones=set(report.nones), lists=report.lists)
    npz = out / arrays_name
    if npz.exists() and npz.stat().st_size <= RESULT_BYTES:
        try:
            with np.load(npz, allow_pickle=False) as data:
                result.arrays = {k: data[k] for k in data.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            result.error = {"error": "unreadable result", "message": str(exc)[:200], "where": ""}
    return result
