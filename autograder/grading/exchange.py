"""What passes between the trusted side and the sandbox: the job going in (the code, the
steps, the hidden inputs), the progress and the results coming back, validated and never
unpickled."""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import numpy as np

from .. import tasks
from ..layout import PACKAGE, ROOT, current
from .model import PartResult, Plan, part_id

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
    for top, _dirs, files in os.walk(code_dir):
        os.chmod(top, 0o755)
        for name in files:
            os.chmod(os.path.join(top, name), 0o644)


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
    flat = {
        f"{t}/{p}/{k}": v
        for t, parts in inputs.items()
        for p, d in parts.items()
        for k, v in d.items()
    }
    np.savez(workdir / "inputs.npz", **flat)
    probes = {
        task: {part.name: part.probe.to_json() for part in tasks.get(task).parts}
        for task in dict.fromkeys(plan_.tasks)
    }
    job = {
        "steps": [s.to_json() for s in plan_.steps],
        "probes": probes,
        "skip": skip,
        "watch": [str(ROOT)],
    }
    (workdir / "job.json").write_text(json.dumps(job))


def read_progress(path: Path) -> list[dict]:
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


def open_step(records: list[dict]) -> str | None:
    """The step or part that started and did not end (the innermost)."""
    open_ = []
    for r in records:
        if "start" in r:
            open_.append(str(r["start"]))
        elif "end" in r and open_ and open_[-1] == str(r["end"]):
            open_.pop()
    return open_[-1] if open_ else None


def collect(out: Path, task_ids: list[str], parts: dict[str, PartResult]) -> None:
    """Read back every part result in ``out``; validate sizes and keys, never unpickle."""
    for task in task_ids:
        for part in tasks.get(task).part_names:
            pid = part_id(task, part)
            meta_path = out / f"{pid}.json"
            if not meta_path.exists() or meta_path.stat().st_size > RESULT_BYTES:
                continue
            try:
                meta = json.loads(meta_path.read_text())
            except ValueError:
                continue
            result = PartResult()
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
                npz = out / f"{pid}.npz"
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
            parts[pid] = result
