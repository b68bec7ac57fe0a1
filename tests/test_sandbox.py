"""Tests for autograder.sandbox: real Python children, real limits, real namespaces.

Tests that need bubblewrap are skipped with a reason when it is unavailable, except on CI
(``CI=true``) where they fail: CI must never pass without having exercised the sandbox.

No test here bounds how long something takes: the host may be busy. A timeout is checked by
what it did (the run was stopped, its processes are gone), never by the clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.sandbox import (
    Isolation,
    IsolationUnavailable,
    IsolationWarning,
    Limits,
    launch,
    run_sandboxed,
)

PY = sys.executable
REPO = Path(__file__).resolve().parents[1]
GiB = 1024**3
FAST = Limits(wall_seconds=120, cpu_seconds=60, memory_bytes=GiB, max_processes=32)
PATIENCE = 60
"""Seconds a test waits for something that must happen (a process to start or to be gone):
long, so a busy host never fails a test; a passing test waits only as long as it takes."""


# --------------------------------------------------------------------------
# helpers and fixtures
# --------------------------------------------------------------------------


needs_bwrap = pytest.mark.usefixtures("bubblewrap")
"""Require a working bubblewrap: skip locally, FAIL on CI (conftest's fixture)."""

needs_root = pytest.mark.usefixtures("root")
"""Require root: skip locally, FAIL on CI (conftest's fixture)."""


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend bubblewrap is unavailable."""
    monkeypatch.setattr(sandbox, "bubblewrap_works", lambda *a: (False, "disabled by the test"))
    monkeypatch.setattr(sandbox, "_fallback_warned", False)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    d = tmp_path / "work"
    d.mkdir()
    return d


def run(code: str, workdir: Path, *, limits: Limits = FAST, readonly=(), **kw):
    return run_sandboxed(
        [PY, "-c", code], workdir=workdir, readonly_paths=list(readonly), limits=limits, **kw
    )


def run_fallback(code: str, workdir: Path, *, limits: Limits = FAST, **kw):
    return run(code, workdir, limits=limits, isolation=Isolation.NONE, **kw)


def alive(pid: int) -> bool:
    """Is ``pid`` a live (not zombie) process on the host?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def host_pids_with(marker: str) -> list[int]:
    """Live host processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def while_running(predicate, run) -> bool:
    """Wait until ``predicate`` holds or the sandboxed ``run`` (a future) has ended, however
    long the launch waits for the host (another suite's sandboxes, one running alone)."""
    while not predicate() and not run.done():
        time.sleep(0.02)
    return bool(predicate())


def grandchild_code(token: str, *, daemonize: bool, then: str) -> str:
    """Child code that starts a grandchild sleeping forever, waits for the test to write
    ``seen`` (the test found the grandchild on the host), then runs ``then``.

    The grandchild's argv carries ``"sbxgc" + token`` (assembled at run time,
    so only the grandchild's command line contains it) and writes its pid to
    ``gc.pid`` in the workdir once running.  ``daemonize`` makes it double-fork
    and setsid(), i.e. leave the child's process group and session.
    """
    return f"""
import os, subprocess, sys, time
marker = "sbxgc" + {token[::-1]!r}[::-1]
gc = "import os, time; open('gc.pid', 'w').write(str(os.getpid())); time.sleep(1000)"
if {daemonize!r}:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", gc, marker])
        os._exit(0)
    os.wait()
else:
    subprocess.Popen([sys.executable, "-c", gc, marker])
while not os.path.exists("gc.pid"):
    time.sleep(0.01)
print("grandchild started", flush=True)
for _ in range(60_000):  # until the test has seen the grandchild on the host
    if os.path.exists("seen"):
        break
    time.sleep(0.01)
{then}
"""


def check_no_survivor(workdir: Path, limits: Limits, *, daemonize: bool, then: str):
    """Run grandchild_code in the background; check that the grandchild is
    running on the host meanwhile and is gone once run_sandboxed returns.

    Inside a pid namespace the pid in gc.pid is not a host pid, so the
    grandchild is found on the host by the marker in its command line.
    """
    token = uuid.uuid4().hex
    marker = "sbxgc" + token
    pidfile = workdir / "gc.pid"
    code = grandchild_code(token, daemonize=daemonize, then=then)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(run, code, workdir, limits=limits)
        ran = while_running(lambda: pidfile.exists() and pidfile.read_text(), future)
        assert ran, f"grandchild never ran: {future.result()}"
        running = host_pids_with(marker)
        assert running, "grandchild not found on the host while the child runs"
        (workdir / "seen").write_text("")  # the child goes on only now: no race with its exit
        result = future.result(timeout=4 * PATIENCE)
    assert "grandchild started" in result.stdout
    # by its marker, not its pid: on a busy host a dead grandchild's pid is soon someone else's
    assert wait_for(lambda: not host_pids_with(marker), PATIENCE), "a grandchild survived"
    return result


# --------------------------------------------------------------------------
# with bubblewrap
# --------------------------------------------------------------------------


@needs_bwrap
def test_normal_run(workdir):
    r = run("import sys; print('hello'); print('oops', file=sys.stderr)", workdir)
    assert (r.returncode, r.stdout, r.stderr) == (0, "hello\n", "oops\n")
    assert r.isolation == "bubblewrap"
    assert not r.timed_out and r.killed_by_signal is None and not r.output_truncated
    assert r.launch_error is None


@needs_bwrap
def test_numpy_imports_and_environment_is_minimal(workdir):
    code = "import json, os, numpy; print(json.dumps([dict(os.environ), os.getcwd()]))"
    r = run(code, workdir, env={"EXTRA": "1"})
    assert r.returncode == 0, r.stderr
    env, cwd = json.loads(r.stdout)
    assert cwd == str(workdir)
    assert env["HOME"] == str(workdir) and env["EXTRA"] == "1" and env["MPLBACKEND"] == "Agg"
    assert set(env) == {
        "PATH",
        "HOME",
        "LANG",
        "MPLBACKEND",
        "PYTHONDONTWRITEBYTECODE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "EXTRA",
        "PWD",
    }


@needs_bwrap
def test_exit_code(workdir):
    r = run("import os; os._exit(3)", workdir)
    assert (r.returncode, r.killed_by_signal, r.timed_out) == (3, None, False)


@needs_bwrap
def test_segfault_reports_signal(workdir):
    r = run("import ctypes; ctypes.string_at(0)", workdir)
    assert r.killed_by_signal == signal.SIGSEGV
    assert r.returncode == -signal.SIGSEGV


@needs_bwrap
def test_wall_timeout(workdir):
    r = run("import time; time.sleep(100)", workdir, limits=Limits(wall_seconds=1))
    assert r.timed_out and r.returncode is None and r.killed_by_signal == signal.SIGKILL
    assert r.seconds >= 1


@needs_bwrap
def test_wall_timeout_with_closed_output(workdir):
    code = "import os, time; os.close(1); os.close(2); time.sleep(100)"
    r = run(code, workdir, limits=Limits(wall_seconds=1))
    assert r.timed_out and r.seconds >= 1


@needs_bwrap
def test_watchdog_stops_the_run(workdir):
    calls: list[float] = []

    def watchdog() -> bool:
        calls.append(time.monotonic())
        return calls[-1] - calls[0] > 0.5

    r = run("import time; time.sleep(100)", workdir, watchdog=watchdog)
    assert r.watchdog_fired and not r.timed_out and r.returncode is None
    assert r.killed_by_signal == signal.SIGKILL and r.seconds > 0.5
    assert len(calls) > 3
    r = run("print('quick')", workdir, watchdog=lambda: False)
    assert r.returncode == 0 and not r.watchdog_fired


@needs_bwrap
def test_watchdog_exception_kills_the_child(workdir):
    token = uuid.uuid4().hex

    def watchdog() -> bool:
        if host_pids_with(token):
            raise RuntimeError("watchdog broke")
        return False

    with pytest.raises(RuntimeError, match="watchdog broke"):
        run(f"import time; marker = {token!r}; time.sleep(100)", workdir, watchdog=watchdog)
    assert wait_for(lambda: not host_pids_with(token), PATIENCE)


@needs_bwrap
def test_timeout_kills_grandchildren(workdir):
    r = check_no_survivor(workdir, Limits(wall_seconds=20), daemonize=False, then="time.sleep(100)")
    assert r.timed_out and r.seconds >= 20


@needs_bwrap
def test_daemonized_grandchild_dies_with_the_sandbox(workdir):
    # The child leaves its process group and session, then exits normally:
    # only the pid namespace can catch this one.
    r = check_no_survivor(workdir, FAST, daemonize=True, then="time.sleep(1.0)")
    assert r.returncode == 0 and not r.timed_out


@needs_bwrap
def test_output_is_capped_without_hanging(workdir):
    code = "import sys; sys.stderr.write('e' * 1000); sys.stdout.write('x' * 50_000_000)"
    limits = Limits(wall_seconds=120, output_bytes=100_000)
    r = run(code, workdir, limits=limits)
    assert r.returncode == 0 and not r.timed_out
    assert r.output_truncated
    assert len(r.stdout) + len(r.stderr) == 100_000
    assert set(r.stdout) == {"x"}


@needs_bwrap
def test_memory_bomb_fails_without_hurting_the_parent(workdir):
    before = resource.getrlimit(resource.RLIMIT_AS)
    r = run("b = bytearray(8 * 1024**3); print('allocated')", workdir)
    assert r.returncode == 1 and "MemoryError" in r.stderr and "allocated" not in r.stdout
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # limits only hit the child
    assert len(bytearray(64 * 1024**2)) == 64 * 1024**2


@needs_bwrap
def test_cpu_limit(workdir):
    r = run("while True: pass", workdir, limits=Limits(wall_seconds=120, cpu_seconds=1))
    assert r.killed_by_signal in (signal.SIGXCPU, signal.SIGKILL)
    assert not r.timed_out


@needs_bwrap
def test_file_size_limit(workdir):
    code = """
try:
    open('big', 'wb').write(b'x' * 2_000_000)
except OSError as exc:
    print('refused', exc.errno)
"""
    r = run(code, workdir, limits=Limits(file_bytes=1_000_000))
    assert r.returncode == 0 and r.stdout.startswith("refused"), r
    assert (workdir / "big").stat().st_size <= 1_000_000


@needs_bwrap
def test_files_outside_the_sandbox_are_invisible(workdir, tmp_path):
    outside = Path(tempfile.mkdtemp(prefix="sandbox-secret-"))
    try:
        os.chmod(outside, 0o755)
        secret = outside / "answers.txt"
        secret.write_text("42")
        os.chmod(secret, 0o644)  # readable by anyone: only the mount namespace hides it
        shared = tmp_path / "shared"
        shared.mkdir()
        (shared / "data.txt").write_text("visible")
        code = f"""
import json, os
try:
    open({str(secret)!r}).read()
    print("READ THE SECRET")
except FileNotFoundError:
    print("secret not found")
print(open({str(shared / "data.txt")!r}).read())
print(os.path.exists({str(REPO / "solutions")!r}), os.path.exists({str(REPO / "tests")!r}))
print(json.dumps(os.listdir("/")))
"""
        r = run(code, workdir, readonly=[shared])
    finally:
        for p in sorted(outside.rglob("*"), reverse=True):
            p.unlink()
        outside.rmdir()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:3] == ["secret not found", "visible", "False False"]
    system = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
    python_tops = {Path(os.path.realpath(p)).parts[1] for p in (sys.prefix, sys.base_prefix)}
    python_tops |= {Path(os.path.abspath(p)).parts[1] for p in (sys.prefix, sys.base_prefix)}
    assert set(json.loads(lines[3])) <= system | python_tops | {Path(workdir).parts[1]}


@needs_bwrap
def test_root_home_shows_only_python_dirs(workdir):
    pydirs = {
        os.path.realpath(p)
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
    } | {os.path.abspath(p) for p in (sys.prefix, sys.base_prefix)}
    code = f"""
import json, os
pydirs = {sorted(pydirs)!r}
seen = []
if os.path.isdir("/root"):
    for root, dirs, files in os.walk("/root"):
        if root in pydirs:
            dirs[:] = []
            continue
        seen += [os.path.join(root, n) for n in dirs + files]
print(json.dumps(seen))
"""
    r = run(code, workdir)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    for path in seen:  # each entry is a python dir or a directory leading to one
        assert any(d == path or d.startswith(path + "/") for d in pydirs), path
    assert "/root/.bashrc" not in seen and "/root/.gitconfig" not in seen


@needs_bwrap
def test_writes_outside_workdir_fail(workdir, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by anyone: only the read-only mount protects it
    token = uuid.uuid4().hex
    targets = [shared / "x", Path(sys.prefix) / "x", Path("/usr/x"), Path("/etc/x"), Path("/x")]
    targets.append(REPO / "x")
    code = f"""
import errno, json, os
result = {{}}
for path in {[str(t) for t in targets]!r}:
    try:
        with open(path, "w") as f:
            f.write("pwned")
        result[path] = "written"
    except OSError as exc:
        result[path] = errno.errorcode[exc.errno]
open("/tmp/{token}", "w").write("private tmp")
open("mine.txt", "w").write("ok")
print(json.dumps(result))
"""
    r = run(code, workdir, readonly=[shared])
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert "written" not in result.values(), r.stdout
    assert result[str(shared / "x")] == "EROFS"
    for t in targets:
        assert not t.exists()
    assert not Path("/tmp", token).exists()  # its /tmp is private
    assert (workdir / "mine.txt").read_text() == "ok"


@needs_bwrap
def test_network_is_isolated(workdir):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # works on the host
        code = f"""
import socket
for addr in [("127.0.0.1", {port}), ("1.1.1.1", 53)]:
    try:
        socket.create_connection(addr, timeout=2).close()
        print("connected", addr)
    except OSError as exc:
        print("failed", type(exc).__name__)
"""
        r = run(code, workdir)
    finally:
        server.close()
    assert r.returncode == 0, r.stderr
    assert "connected" not in r.stdout
    assert r.stdout.count("failed") == 2


@needs_bwrap
def test_fork_bomb_is_contained(workdir):
    code = """
import os, time
n = 0
try:
    for _ in range(500):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as exc:
    print("stopped", n, exc.errno)
else:
    print("not stopped", n)
"""
    r = run(code, workdir, limits=Limits(wall_seconds=60, max_processes=16))
    assert r.stdout.startswith("stopped"), r
    assert int(r.stdout.split()[1]) < 16
    assert r.returncode == 0 and not r.timed_out  # sleeping children die with the sandbox


@needs_bwrap
def test_real_fork_bomb_is_killed(workdir):
    token = uuid.uuid4().hex
    code = f"""
import os
marker = {token!r}
while True:
    try:
        os.fork()
    except OSError:
        pass
"""
    r = run(code, workdir, limits=Limits(wall_seconds=1.5, max_processes=16))
    assert r.timed_out
    assert wait_for(lambda: not host_pids_with(token), PATIENCE)


@needs_bwrap
def test_child_is_not_root(workdir):
    code = "import os; open('owned', 'w').close(); print(os.getuid(), os.geteuid(), os.getgid())"
    r = run(code, workdir)
    assert r.returncode == 0, r.stderr
    uid, euid, gid = map(int, r.stdout.split())
    assert uid != 0 and euid != 0
    if os.geteuid() == 0:
        slots = range(sandbox.SLOT_UID_BASE, sandbox.SLOT_UID_BASE + sandbox.SLOTS)
        assert uid == gid == r.uid and uid in slots
        assert (workdir / "owned").stat().st_uid == uid  # a real host uid
    else:
        assert uid == os.getuid()


@needs_bwrap
def test_workdir_must_be_a_scratch_directory(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    for bad, readonly in [(Path("/tmp"), []), (tmp_path, [inner]), (Path(sys.prefix), [])]:
        with pytest.raises(ValueError):
            run("pass", bad, readonly=readonly)


# --------------------------------------------------------------------------
# sandboxes side by side: slots, the host lock, launch faults
# --------------------------------------------------------------------------


@needs_bwrap
@needs_root
def test_concurrent_sandboxes_run_as_different_uids(tmp_path):
    """Four sandboxes that are all running at once (each waits until the test has seen the
    four started) run as four uids."""
    code = """
import os, time
open("started", "w").close()
while not os.path.exists("go"):
    time.sleep(0.01)
print(os.getuid())
"""
    dirs = [tmp_path / f"w{i}" for i in range(4)]
    for d in dirs:
        d.mkdir()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(run, code, d) for d in dirs]
        try:
            for d, future in zip(dirs, futures, strict=True):
                assert while_running((d / "started").exists, future), future.result()
        finally:
            for d in dirs:
                (d / "go").write_text("")
        results = [future.result() for future in futures]
    uids = [int(r.stdout) for r in results]
    assert all(r.returncode == 0 for r in results)
    assert uids == [r.uid for r in results]
    assert len(set(uids)) == 4, uids


@needs_bwrap
@needs_root
def test_a_fork_bomb_does_not_starve_its_neighbour(tmp_path, monkeypatch):
    """One sandbox holds every process its limit allows; another, at the same time, still
    starts its own: each sandbox counts against its own uid's RLIMIT_NPROC.

    Without the host lock: the bomb runs until the neighbour has run, so a launch of another
    suite on this host waiting to run alone would hold the neighbour back until the bomb's
    time is up."""
    monkeypatch.setattr(launch, "host_lock", lambda alone: contextlib.nullcontext())
    bomb_dir, other_dir = tmp_path / "bomb", tmp_path / "other"
    bomb_dir.mkdir()
    other_dir.mkdir()
    bomb = """
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError:
    open("full", "w").write(str(n))
    while not os.path.exists("stop"):
        time.sleep(0.05)
"""
    neighbour = """
import os
pids = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
print("forked", len(pids))
"""
    limits = Limits(wall_seconds=600, max_processes=16)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(run, bomb, bomb_dir, limits=limits)
        try:
            full = while_running((bomb_dir / "full").exists, future)
            assert full, f"the bomb never filled up: {future.result()}"
            r = run(neighbour, other_dir, limits=limits)
            assert r.returncode == 0 and r.stdout == "forked 8\n", r
            assert not future.done()  # the bomb still held its processes meanwhile
        finally:
            (bomb_dir / "stop").write_text("")
    assert future.result().returncode == 0


@needs_root
def test_uid_isolation_drops_privileges_and_kills_what_escaped(tmp_path):
    """Isolation.UID (a container's own boundary): the slot's uid, file permissions as the
    wall, and every process of that uid killed after the run, a daemonised one included."""
    top = Path(tempfile.mkdtemp(prefix="uid-sandbox-"))
    top.chmod(0o711)  # the sandbox uid must be able to reach its workdir
    workdir = top / "work"
    workdir.mkdir()
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    (secret / "answers").write_text("42")
    token = uuid.uuid4().hex
    script = f"""
id -u
cat {secret}/answers 2>/dev/null && echo READ || echo denied
setsid sh -c 'exec -a sbx{token} sleep 300' </dev/null >/dev/null 2>&1 &
"""
    r = run_sandboxed(
        ["/bin/sh", "-c", script], workdir=workdir, readonly_paths=[], isolation=Isolation.UID
    )
    assert r.returncode == 0 and r.isolation == "uid", r
    uid, verdict = r.stdout.split()
    assert int(uid) == r.uid
    low, high = sandbox.host.RANDOM_UIDS  # a container's: no other container shares it
    assert low <= r.uid <= high
    assert verdict == "denied"
    assert wait_for(lambda: not host_pids_with(f"sbx{token}"), PATIENCE), "a daemon survived"
    shutil.rmtree(top)


def test_uid_isolation_needs_root(monkeypatch, workdir):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(IsolationUnavailable, match="needs root"):
        run_sandboxed(["true"], workdir=workdir, readonly_paths=[], isolation=Isolation.UID)


def _fake_bwrap(folder: Path, fails: str) -> Path:
    from test_faults import fake_bwrap

    fake_bwrap(folder, fails)
    return folder / "bin"


@needs_bwrap
def test_a_sandbox_that_cannot_start_says_so(monkeypatch, tmp_path, workdir):
    bins = _fake_bwrap(tmp_path, "always")
    monkeypatch.setenv("PATH", f"{bins}{os.pathsep}{os.environ['PATH']}")
    r = run("print('never')", workdir)
    assert "Resource temporarily unavailable" in r.launch_error
    assert r.stdout == ""


@needs_bwrap
def test_the_probe_retries_before_it_gives_up(monkeypatch, tmp_path):
    bins = _fake_bwrap(tmp_path, "2")
    monkeypatch.setenv("PATH", f"{bins}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(sandbox, "_probe_ok", False)
    monkeypatch.setattr(sandbox, "PROBE_BACKOFF", 0.01)
    assert sandbox.bubblewrap_works() == (True, "")
    # 2 faked failures, then the real bubblewrap (which a busy host may also fail once)
    assert int((tmp_path / "launches").read_text()) >= 3
    monkeypatch.setattr(sandbox, "_probe_ok", False)
    always = _fake_bwrap(tmp_path / "always", "always")
    monkeypatch.setenv("PATH", f"{always}{os.pathsep}{os.environ['PATH']}")
    ok, why = sandbox.bubblewrap_works()
    assert not ok and "Resource temporarily unavailable" in why
    assert (tmp_path / "always" / "launches").read_text().strip() == str(sandbox.PROBE_ATTEMPTS)


def test_a_launch_alone_waits_for_the_others_and_holds_off_new_ones(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOGRADER_LOCK_DIR", str(tmp_path))
    events = {name: threading.Event() for name in ("held", "release", "alone", "late")}

    def shared():
        with sandbox.host.host_lock(alone=False):
            events["held"].set()
            events["release"].wait(30)

    def alone():
        with sandbox.host.host_lock(alone=True):
            events["alone"].set()
            assert not events["late"].is_set()  # nothing started beside it
            time.sleep(0.2)

    def late():
        with sandbox.host.host_lock(alone=False):
            events["late"].set()

    first = threading.Thread(target=shared)
    first.start()
    assert events["held"].wait(30)
    lone = threading.Thread(target=alone)
    lone.start()
    while not (tmp_path / "launch.lock").exists():
        time.sleep(0.01)
    time.sleep(0.2)  # let it queue behind the first
    assert not events["alone"].is_set()  # it waits for the running launch
    follower = threading.Thread(target=late)
    follower.start()
    events["release"].set()
    for thread in (first, lone, follower):
        thread.join(30)
    assert events["alone"].is_set() and events["late"].is_set()


# --------------------------------------------------------------------------
# without bubblewrap
# --------------------------------------------------------------------------


def test_fallback_runs_and_warns_once(no_bwrap, workdir):
    with pytest.warns(IsolationWarning) as record:
        r = run_fallback("print('hi')", workdir)
    message = str(record[0].message)
    for phrase in ("NOT guaranteed", "read any file", "network", "outside its scratch"):
        assert phrase in message
    assert (r.returncode, r.stdout, r.isolation) == (0, "hi\n", "none")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning would raise here
        assert run_fallback("print('again')", workdir).stdout == "again\n"


def test_fallback_still_applies_limits(no_bwrap, workdir):
    with pytest.warns(IsolationWarning):
        r = run_fallback("import os; os._exit(3)", workdir)
    assert (r.returncode, r.killed_by_signal, r.isolation) == (3, None, "none")
    r = run_fallback("import ctypes; ctypes.string_at(0)", workdir)
    assert (r.returncode, r.killed_by_signal) == (-signal.SIGSEGV, signal.SIGSEGV)
    r = run_fallback("b = bytearray(8 * 1024**3)", workdir)
    assert r.returncode == 1 and "MemoryError" in r.stderr
    r = run_fallback("import sys; sys.stdout.write('x' * 5_000_000)", workdir)
    assert r.output_truncated and len(r.stdout) == FAST.output_bytes


def test_fallback_timeout_kills_process_group(no_bwrap, workdir):
    code = grandchild_code(uuid.uuid4().hex, daemonize=False, then="time.sleep(100)")
    pidfile = workdir / "gc.pid"
    # the child waits for a "seen" that never comes: the wall limit ends it
    with pytest.warns(IsolationWarning), ThreadPoolExecutor(1) as pool:
        future = pool.submit(run_fallback, code, workdir, limits=Limits(wall_seconds=10))
        ran = while_running(lambda: pidfile.exists() and pidfile.read_text(), future)
        assert ran, f"the grandchild never ran: {future.result()}"
        pid = int(pidfile.read_text())  # a host pid: there is no pid namespace here
        assert alive(pid)
        r = future.result()
    assert r.timed_out
    assert wait_for(lambda: not alive(pid), PATIENCE), "grandchild survived the process-group kill"


def test_bubblewrap_is_never_fallen_back_from(no_bwrap, workdir):
    with pytest.raises(IsolationUnavailable, match="apt-get install bubblewrap"):
        run("print('hi')", workdir)
    with pytest.raises(IsolationUnavailable):
        run("print('hi')", workdir, isolation=Isolation.BUBBLEWRAP)
    assert not list(workdir.iterdir())
