"""``python -m autograder doctor``: what this host guarantees when it grades students' code,
and who else on it can read what grading keeps private (``privacy.py``: warnings).

Every line is shown, not assumed: each guarantee is tried through the real sandbox with a small
hostile probe (a fork bomb, a memory bomb, a connection to a server on this host, a read of the
instructor's files, a write outside the scratch folder), and the reference, the blank release
and a cheating submission are graded end to end. The command exits 1 when a guarantee is
missing, so a course can run it before a deadline (and CI runs it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import sandbox, tasks
from ..layout import ROOT, current
from ..sandbox import Isolation, Limits


@dataclass
class Check:
    ok: bool
    what: str


def _probe(code: str, limits: Limits | None = None, readonly=()) -> sandbox.RunResult:
    work = Path(tempfile.mkdtemp(prefix="doctor-"))
    try:
        return sandbox.run_sandboxed(
            [sys.executable, "-I", "-c", code],
            workdir=work,
            readonly_paths=list(readonly),
            limits=limits or Limits(wall_seconds=60),
            isolation=Isolation.BUBBLEWRAP,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_bubblewrap() -> Check:
    ok, why = sandbox.bubblewrap_works()
    version = ""
    if shutil.which("bwrap"):
        version = subprocess.run(
            ["bwrap", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    return Check(ok, f"{version or 'bubblewrap'} starts sandboxes" if ok else why)


def check_uid() -> Check:
    r = _probe("import os; print(os.getuid(), os.getgid())")
    if r.returncode != 0:
        return Check(False, f"the sandbox did not run: {r.launch_error or r.stderr[-300:]}")
    uid, gid = map(int, r.stdout.split())
    ok = uid != 0 and gid != 0
    own = " of its own (one per concurrent sandbox)" if os.geteuid() == 0 else ""
    return Check(ok, f"student code runs as uid {uid}{own}, not root" if ok else "runs as root")


def check_processes() -> Check:
    limit = 16
    code = """
import os, time
n = 0
try:
    for _ in range(1000):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError:
    pass
print(n)
"""
    r = _probe(code, Limits(wall_seconds=60, max_processes=limit))
    if r.returncode != 0:
        return Check(False, f"the fork bomb probe failed: {r.launch_error or r.stderr[-300:]}")
    started = int(r.stdout)
    return Check(started < limit, f"processes limited: a fork bomb stopped at {started} (limit "
                 f"{limit}), and its processes died with the sandbox")  # fmt: skip


def check_memory() -> Check:
    limits = Limits(wall_seconds=60, memory_bytes=1024**3)
    r = _probe("b = bytearray(3 * 1024**3); print('allocated')", limits)
    ok = "MemoryError" in r.stderr and "allocated" not in r.stdout
    return Check(ok, "memory limited: allocating 3 GiB failed under a 1 GiB limit")


def check_network() -> Check:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    code = f"""
import socket
for addr in [("127.0.0.1", {port}), ("1.1.1.1", 53)]:
    try:
        socket.create_connection(addr, timeout=3).close()
        print("connected", addr)
    except OSError:
        print("refused")
"""
    try:
        r = _probe(code)
    finally:
        server.close()
    ok = r.returncode == 0 and r.stdout.count("refused") == 2
    return Check(ok, "network off: a server on this host's 127.0.0.1 and the internet are "
                 "unreachable" if ok else f"network reachable: {r.stdout.strip()}")  # fmt: skip


def check_files() -> Check:
    targets = [current().source_notebook, ROOT / "nbgrader_config.py"]
    targets += [Path.home() / ".bash_history", Path("/etc/shadow")]
    code = f"""
import json
seen = []
for path in {[str(t) for t in targets]!r}:
    try:
        open(path, "rb").read(1)
        seen.append(path)
    except OSError:
        pass
print(json.dumps(seen))
"""
    r = _probe(code)
    seen = json.loads(r.stdout) if r.returncode == 0 else ["(the probe failed)"]
    return Check(not seen, "the instructor's files are out of reach (solutions/, the course "
                 "config, the home folder)" if not seen else f"readable: {seen}")  # fmt: skip


def check_writes() -> Check:
    targets = [ROOT / "doctor-was-here", Path(sys.prefix) / "doctor-was-here"]
    code = f"""
written = []
for path in {[str(t) for t in targets]!r}:
    try:
        open(path, "w").write("x")
        written.append(path)
    except OSError:
        pass
print(written)
"""
    r = _probe(code)
    leaked = [t for t in targets if t.exists()]
    for t in leaked:
        t.unlink()
    ok = r.returncode == 0 and not leaked and r.stdout.strip() == "[]"
    return Check(ok, "writes outside the scratch folder are refused" if ok else f"wrote {leaked}")


def check_grading() -> list[Check]:
    """The reference, the blank release and a cheat, graded end to end through the sandbox."""
    from ..grading import grade_notebook
    from .examples import filled_release, release_notebook, with_cell_source

    full = sum(tasks.points().values())
    checks = []
    start = time.perf_counter()
    reference = grade_notebook(filled_release(), seed=1, label="doctor")
    seconds = time.perf_counter() - start
    checks.append(
        Check(
            reference.total == full and not reference.flags,
            f"the reference gets {reference.total:g}/{full:g} through the real sandbox "
            f"({seconds:.1f} s)",
        )
    )
    blank = grade_notebook(release_notebook(), seed=1, label="doctor")
    checks.append(Check(blank.total == 0, f"the blank release gets {blank.total:g}/{full:g}"))
    task = tasks.get(tasks.ids()[0])
    steal = f"""
import json
try:
    _nb = json.load(open({str(current().source_notebook)!r}))
    _cells = [c for c in _nb["cells"] if "def {task.function}" in "".join(c["source"])]
    exec("".join(_cells[0]["source"]).replace("### BEGIN SOLUTION", ""))
except OSError:
    def {task.function}(*args, **kwargs):
        return None
"""
    cheat = grade_notebook(
        with_cell_source(filled_release(), task.answer, steal), seed=1, label="doctor"
    )
    result = cheat.tasks[task.id]
    flagged = any("read files" in f for f in cheat.flags)
    checks.append(
        Check(
            result.score == 0 and flagged,
            "a submission that reads the instructor's notebook gets nothing from it "
            f"({result.score:g}/{result.max_score:g}) and is flagged",
        )
    )
    return checks


CHECKS: list[Callable[[], Check]] = [
    check_uid,
    check_processes,
    check_memory,
    check_network,
    check_files,
    check_writes,
]


def check_privacy(outs: list[Path] | None) -> int:
    """Who else can read the private files (``privacy.py``); how many warnings."""
    from .privacy import findings

    found, notes = findings(outs)
    print("Who else on this host can read what grading keeps private:")
    for finding in found:
        print(f"  [{'private' if finding.ok else 'WARNING'}] {finding}")
    for note in notes:
        print(f"  [WARNING] {note}")
    warnings = len(notes) + sum(not f.ok for f in found)
    if warnings:
        print(
            f"{warnings} warning(s): on a shared host other users (students) could read these; "
            "see docs/instructor-operations.md, 'A shared grading host'."
        )
    return warnings


def main(outs: list[Path] | None = None) -> int:
    """Print what the host guarantees (and who else can read the private files: of ``outs``,
    the grading folders, or those found in the course's root); 1 when a guarantee is missing.
    Readable files are warnings: they do not change the exit code."""
    check_privacy(outs)
    print("What this host guarantees when it grades students' code:")
    found = [check_bubblewrap()]
    _print(found[0])
    if found[0].ok:
        for probe in CHECKS:
            found.append(probe())
            _print(found[-1])
        for graded in check_grading():
            found.append(graded)
            _print(graded)
    missing = [c for c in found if not c.ok]
    if missing:
        print(f"{len(missing)} guarantee(s) MISSING: do not grade students' code on this host.")
        return 1
    print("All guarantees hold.")
    return 0


def _print(check: Check) -> None:
    print(f"  [{'ok' if check.ok else 'MISSING'}] {check.what}")
