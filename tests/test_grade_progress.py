"""``grade`` shows its progress: a bar naming the student, with the time left, on a terminal (a
pseudo-terminal here); one plain line per student when its output is a pipe.

The submissions are the kit's own honest ones, graded without the sandbox: the output is what
is tested here.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
import threading
from pathlib import Path

import nbformat
import pytest
from conftest import ENV, KIT
from support.corpus import student_nb
from support.paths import NOTEBOOK

from autograder.layout import ROOT

STUDENTS = ("ann", "ben")


@pytest.fixture(scope="module")
def subs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("subs")
    for student in STUDENTS:
        (folder / student).mkdir()
        nbformat.write(student_nb(), folder / student / NOTEBOOK)
    return folder


def command(subs: Path, out: Path) -> list[str]:
    return [*KIT, "grade", str(subs), "--out", str(out),
            "--workers", "2", "--no-sandbox"]  # fmt: skip


def test_a_terminal_shows_a_bar_with_the_student_and_the_time_left(subs, tmp_path):
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        run = subprocess.run(
            command(subs, tmp_path / "out"), stdout=follower, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, env=ENV, cwd=ROOT, timeout=600,
        )  # fmt: skip
    finally:
        os.close(follower)
        reader.join(timeout=60)
        os.close(leader)
    text = b"".join(chunks).decode()
    assert run.returncode == 0, text + run.stderr.decode()
    bars = [line for line in text.split("\r") if "%|" in line]
    drawn = [b for b in bars if b.lstrip().startswith("grading:")]
    assert any("2/2" in b for b in drawn), text
    assert {s for s in STUDENTS if any(s in b for b in drawn)} == set(STUDENTS), text
    assert any(re.search(r"\d\d:\d\d<\d\d:\d\d", b) for b in drawn), text  # elapsed<left
    assert not re.search(r"\[\d+/\d+\]", text)  # no plain lines on a terminal


def test_a_pipe_gets_one_plain_line_per_student(subs, tmp_path):
    run = subprocess.run(
        command(subs, tmp_path / "out"), capture_output=True, text=True, env=ENV, cwd=ROOT,
        timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "\r" not in run.stdout and "%|" not in run.stdout
    lines = [line for line in run.stdout.splitlines() if line.startswith("grading [")]
    pattern = r"grading \[(\d)/2\] (\S+) \(\d+:\d\d elapsed, about \d+:\d\d left\)"
    matches = [re.fullmatch(pattern, line) for line in lines]
    assert all(matches) and len(matches) == len(STUDENTS), lines
    assert [m[1] for m in matches] == ["1", "2"]
    assert {m[2] for m in matches} == set(STUDENTS)
