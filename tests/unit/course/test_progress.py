"""Progress of long work: tqdm's bar on a terminal, one plain line per student elsewhere."""

from __future__ import annotations

import io
import os
import pty
import re

from autograder.course.progress import Progress, clock


def test_plain_lines_count_name_and_estimate():
    stream = io.StringIO()
    with Progress(3, "hidden checks", stream=stream) as progress:
        for student in ("ann", "ben", "cat"):
            progress.working_on(student)
            progress.done(student)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in stream.getvalue()
    for n, (line, student) in enumerate(zip(lines, ("ann", "ben", "cat"), strict=True), start=1):
        pattern = rf"hidden checks \[{n}/3\] {student} \(\d+:\d\d elapsed, about \d+:\d\d left\)"
        assert re.fullmatch(pattern, line), line


def test_each_walks_the_items_and_counts_every_one():
    stream = io.StringIO()
    progress = Progress(2, "nbgrader", stream=stream)
    assert [s for s in progress.each(["ann", "ben"], str)] == ["ann", "ben"]
    assert progress.count == 2 and stream.getvalue().count("\n") == 2


def test_a_terminal_gets_a_bar_even_when_it_does_not_tell_its_size():
    leader, follower = pty.openpty()  # a bare pseudo-terminal: 0 columns, 0 rows
    try:
        with open(follower, "w", closefd=False) as stream:
            assert list(Progress(2, "hidden checks", stream=stream).each(["ann", "ben"], str))
        os.close(follower)  # the terminal keeps what was written: read it to its end
        follower = -1
        text = ""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: nothing more, and no writer left
                break
            if not chunk:
                break
            text += chunk.decode()
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert "hidden checks: 100%|" in text and "2/2" in text and "ben" in text
    assert "\r" in text and "[1/2]" not in text


def test_nothing_to_do_shows_nothing():
    stream = io.StringIO()
    with Progress(0, "hidden checks", stream=stream):
        pass
    assert stream.getvalue() == ""


def test_clock():
    assert clock(0) == "0:00" and clock(75.4) == "1:15" and clock(3725) == "1:02:05"
