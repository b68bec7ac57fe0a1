"""The first process inside the sandbox: it sets the resource limits, drops to the sandbox's
uid and execs the command, and tells the launcher whether the command started and how it ended.

``launch.py`` runs this file's text, ``python -I -S -c SOURCE STATUS_FD UID GID CWD RLIMITS
COMMAND...``: nothing of the kit needs to be visible inside the sandbox. UID and GID are -1 to
keep the caller's; RLIMITS is ``NAME:soft:hard,...`` (:func:`rlimits_arg`). It forks; the child
sets the limits, drops its privileges and execs the command. On STATUS_FD it reports
:data:`STARTED` once the exec succeeded (a close-on-exec pipe tells it) or ``nostart <why>``,
then ``exit N`` or ``signal N`` (bubblewrap itself would fold a signal into exit status 128+N).

It imports only builtin or C modules: ``json`` or ``signal`` would double its ~15 ms start-up
time, which every launch pays.
"""

import os
import resource
import sys

try:
    import _signal as signal
except ImportError:  # an interpreter without the C module
    import signal  # type: ignore[no-redef]

STARTED = "started"
"""The status report's first line when the command was executed."""
NOSTART = "nostart"
"""The first word of the status report's first line when it was not, followed by why."""
EXIT = "exit"
SIGNAL = "signal"
"""The first word of the report's second line: the command exited, or a signal killed it."""
_RESET_SIGNALS = ("SIGPIPE", "SIGXFSZ", "SIGXCPU")
"""Signals Python ignores at start-up, back to their default for the command."""


def rlimits_arg(limits: list[tuple[str, int, int]]) -> str:
    """The RLIMITS argument for (resource name, soft, hard) limits."""
    return ",".join(f"{name}:{soft}:{hard}" for name, soft, hard in limits)


def parse_rlimits(text: str) -> list[tuple[str, int, int]]:
    """The (resource name, soft, hard) limits of an RLIMITS argument."""
    limits = []
    for item in text.split(","):
        name, soft, hard = item.split(":")
        limits.append((name, int(soft), int(hard)))
    return limits


def set_limits(limits: list[tuple[str, int, int]]) -> None:
    """Lower each resource's limits to these (never above the hard limit already set)."""
    for name, soft, hard in limits:
        which = getattr(resource, name)
        cur_hard = resource.getrlimit(which)[1]
        if cur_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, cur_hard), min(hard, cur_hard)
        resource.setrlimit(which, (soft, hard))


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good (no supplementary groups), or OSError."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise OSError("could not drop privileges")


def start(uid: int, gid: int, cwd: str, rlimits: str, argv: list[str]) -> None:
    """In the child: limits, privileges, working folder, signals; then exec the command."""
    set_limits(parse_rlimits(rlimits))
    if uid >= 0:
        drop_privileges(uid, gid)
    # After dropping privileges: root without CAP_DAC_OVERRIDE could not
    # enter a workdir owned by the sandbox uid with mode 0700.
    os.chdir(cwd)
    os.environ["PWD"] = cwd
    for name in _RESET_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    os.execvp(argv[0], argv)


def why_not_started(ready_r: int) -> bytes:
    """What the child wrote on the ready pipe before it closed: nothing once the exec worked."""
    why = b""
    while True:
        chunk = os.read(ready_r, 512)
        if not chunk:
            return why
        why += chunk


def start_line(why: bytes) -> bytes:
    """The report's first line: started, or why not."""
    if not why:
        return STARTED.encode() + b"\n"
    return NOSTART.encode() + b" " + why.replace(b"\n", b" ") + b"\n"


def end_line(status: int) -> tuple[str, int]:
    """The report's second line for a wait status, and the exit code to pass on."""
    if os.WIFSIGNALED(status):
        return f"{SIGNAL} {os.WTERMSIG(status)}", 128 + os.WTERMSIG(status)
    code = os.waitstatus_to_exitcode(status)
    return f"{EXIT} {code}", code


def _child(ready_w: int, uid: int, gid: int, cwd: str, rlimits: str, argv: list[str]) -> None:
    """The command's process: it becomes the command, or says why not and exits 127."""
    try:
        start(uid, gid, cwd, rlimits, argv)
    except BaseException as exc:  # noqa: BLE001  (whatever stops it is reported: nostart)
        try:
            why = f"{type(exc).__name__}: {exc}"[:400]
            os.write(2, f"sandbox: cannot run {argv[0]!r}: {why}\n".encode())
            os.write(ready_w, why.encode())
        finally:
            os._exit(127)


def main(args: list[str]) -> None:
    """``STATUS_FD UID GID CWD RLIMITS COMMAND...``: run the command, report, pass its status."""
    status_fd, uid, gid = (int(a) for a in args[:3])
    cwd, rlimits, argv = args[3], args[4], args[5:]
    os.set_inheritable(status_fd, False)
    ready_r, ready_w = os.pipe()  # close-on-exec: EOF with no data means the exec succeeded
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        _child(ready_w, uid, gid, cwd, rlimits, argv)
    os.close(ready_w)
    why = why_not_started(ready_r)
    os.close(ready_r)
    os.write(status_fd, start_line(why))
    _, status = os.waitpid(pid, 0)
    report, code = end_line(status)
    os.write(status_fd, report.encode())
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
