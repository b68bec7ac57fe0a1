"""What the student's code tries that a solution never does, seen from inside the sandbox:
an audit hook on opens, network, programs and memory walks, and the identities of numpy's and
the builtins' functions before and after (they are flags for a human to review: the sandbox and
the trusted comparison already neutralise the attempts)."""

from __future__ import annotations

import builtins
import os
import sys
from pathlib import Path

import numpy as np

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


class Writing:
    """The runner's own state: ``now`` is true while the runner itself writes a result."""

    now = False


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
    aimed = tuple(w.rstrip(os.sep) + os.sep for w in watched)
    python_dirs = readable[2:5]
    seen: set = set()

    def report(kind, detail):
        if len(seen) < 50 and (kind, detail) not in seen:
            seen.add((kind, detail))
            progress.write(flag=kind, detail=str(detail)[:200])

    def touches_grader(path):
        full = os.path.abspath(os.fsdecode(path))
        return full if full.startswith(grader_files) and not Writing.now else None

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
            elif full.startswith(aimed) and not full.startswith(python_dirs):
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
