"""What the student's code tries that a solution never does, seen from inside the sandbox:
an audit hook on opens, network, programs and memory walks, and the identities of numpy's and
the builtins' functions before and after (they are flags for a human to review: the sandbox and
the trusted comparison already neutralise the attempts)."""

from __future__ import annotations

import builtins
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from contracts import INPUTS, JOB, OUT

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
    return {f"{m}.{n}": _identity(modules[m], n) for m, ns in SNAPSHOT.items() for n in ns}


def _identity(module, name: str) -> int:
    """The identity of ``module.name``, read from the module's namespace.

    Reading it with ``getattr`` would import a lazy submodule (``numpy.testing``: 45 ms in every
    sandbox). A submodule not imported yet and the package's own submodule, imported since,
    count as one and the same: only something else put in its place is a change.
    """
    value = vars(module).get(name)
    own = sys.modules.get(f"{module.__name__}.{name}")
    if value is None or (own is not None and value is own and _inside(own, module)):
        return 0
    return id(value)


def _inside(submodule, package) -> bool:
    """Was ``submodule`` loaded from ``package``'s own folder?"""
    origin = getattr(getattr(submodule, "__spec__", None), "origin", None)
    folder = os.path.dirname(getattr(package, "__file__", None) or "")
    return bool(origin and folder) and str(origin).startswith(folder + os.sep)


def patched(before: dict) -> list[str]:
    return sorted(name for name, ident in snapshot().items() if before.get(name) != ident)


class Writing:
    """The runner's own state: ``now`` is true while the runner itself writes a result."""

    now = False


FILE_EVENTS = ("os.rename", "os.remove", "os.unlink", "os.replace", "os.truncate")
"""Events that change a file by its path: flagged when the path is one of the grader's files."""
EVENT_FLAGS = {
    **dict.fromkeys(("socket.connect", "socket.bind", "socket.sendto"), "network"),
    **dict.fromkeys(
        ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn"), "programs"
    ),
    **dict.fromkeys(("gc.get_objects", "gc.get_referrers"), "introspection"),
}
"""Events flagged whatever their arguments: event -> the flag's kind."""
MAX_FLAGS = 50


class Watch:
    """The audit hook: what the student's code tries that a solution never does, reported as
    ``report(kind, detail)`` (each at most once; at most ``MAX_FLAGS`` in all).

    Inside the sandbox, the grader's own files (inputs, job, results) are watched; reads
    outside the job's folder, the runner's code and the Python installation, writes outside
    the job's folder and /tmp, and any path in the instructor's folders (``watched``: not in
    the sandbox, but a student who aims at them is flagged wherever they lie on the grading
    machine, /tmp included) are flagged.
    """

    def __init__(
        self,
        report: Callable[[str, str], None],
        job_dir: Path,
        code_dir: Path,
        watched: list[str],
    ):
        self.report = report
        python_dirs = (
            Path(sys.prefix),
            Path(sys.base_prefix),
            Path(np.__file__).resolve().parent.parent,
        )
        self.python_dirs = tuple(str(p) + os.sep for p in python_dirs)
        self.readable = tuple(str(p) + os.sep for p in (job_dir, code_dir)) + self.python_dirs
        self.readable += ("/usr/", "/etc/", "/proc/", "/sys/", "/dev/", "/tmp/", "/lib", "/bin/")
        self.grader_files = (
            str(job_dir / INPUTS),
            str(job_dir / JOB),
            str(job_dir / OUT) + os.sep,
        )
        self.writable = (str(job_dir) + os.sep, "/tmp/", "/dev/null")
        self.aimed = tuple(w.rstrip(os.sep) + os.sep for w in watched)
        self.seen: set[tuple[str, object]] = set()

    def hook(self, event: str, args: tuple) -> None:
        if event == "open":
            self._open(args)
        elif event in FILE_EVENTS:
            if args and isinstance(args[0], str | bytes) and self._grader_file(args[0]):
                self._report("results", os.fsdecode(args[0]))
        elif event in EVENT_FLAGS:
            self._report(EVENT_FLAGS[event], event)

    def _open(self, args: tuple) -> None:
        path, mode, flags = (list(args) + [None, None, None])[:3]
        if not isinstance(path, str | bytes):
            return
        full = os.path.abspath(os.fsdecode(path))
        writing = any(c in (mode or "") for c in "wax+") or (flags or 0) & (os.O_WRONLY | os.O_RDWR)
        if self._grader_file(full):
            self._report("results" if writing else "grader-files", full)
        elif full.startswith(self.aimed) and not full.startswith(self.python_dirs):
            self._report("write" if writing else "read", full)
        elif writing and not full.startswith(self.writable):
            self._report("write", full)
        elif not writing and not full.startswith(self.readable):
            self._report("read", full)

    def _grader_file(self, path: str | bytes) -> bool:
        """Is ``path`` one of the grader's files, and the runner itself not writing it?"""
        full = os.path.abspath(os.fsdecode(path))
        return full.startswith(self.grader_files) and not Writing.now

    def _report(self, kind: str, detail: str) -> None:
        if len(self.seen) < MAX_FLAGS and (kind, detail) not in self.seen:
            self.seen.add((kind, detail))
            self.report(kind, str(detail)[:200])


def install_audit(
    report: Callable[[str, str], None], job_dir: Path, code_dir: Path, watched: list[str]
) -> None:
    """Report what the student's code tries that a solution never does (flags for review).

    An audit hook cannot be removed once added; what it sees goes to ``report`` (the progress
    file) at once, so a later crash does not lose it. The sandbox blocks most of these anyway.
    """
    sys.addaudithook(Watch(report, job_dir, code_dir, watched).hook)
