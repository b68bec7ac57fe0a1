"""Progress of long work, one step per student: a bar on a terminal, plain lines elsewhere.

On a terminal, tqdm's bar shows the step, the count, the student being worked on, the time
spent and the time left. Written to a file or a pipe (a log, a batch scheduler), each finished
student is one line: ``hidden checks [3/20] ann (0:12 elapsed, about 1:08 left)``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")


def clock(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour up)."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Progress of ``total`` students through the step ``what``.

    :meth:`each` walks the students (the bar names the one being worked on) and closes the bar
    at the end; or, in a ``with`` block, :meth:`done` counts one finished elsewhere (a worker's).
    """

    def __init__(self, total: int, what: str, stream: IO[str] | None = None):
        self.total = total
        self.what = what
        self.stream = stream if stream is not None else sys.stdout
        self.count = 0
        self.start = time.monotonic()
        self.bar = None
        if total and _is_terminal(self.stream):
            from tqdm import tqdm

            # a terminal that does not tell its size (a bare pseudo-terminal) gets 80 x 24
            width = _columns(self.stream)
            self.bar = tqdm(
                total=total,
                desc=what,
                unit="student",
                file=self.stream,
                dynamic_ncols=bool(width),
                ncols=None if width else 80,
                nrows=None if width else 24,
            )

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def working_on(self, student: str) -> None:
        """The bar names the student now being worked on."""
        if self.bar is not None:
            self.bar.set_postfix_str(student)

    def done(self, student: str) -> None:
        """One more student finished."""
        self.count += 1
        if self.bar is not None:
            self.bar.set_postfix_str(student, refresh=False)
            self.bar.update(1)
            return
        elapsed = time.monotonic() - self.start
        left = elapsed / self.count * (self.total - self.count)
        print(
            f"{self.what} [{self.count}/{self.total}] {student} "
            f"({clock(elapsed)} elapsed, about {clock(left)} left)",
            file=self.stream,
            flush=True,
        )

    def each(self, items: Iterable[T], name: Callable[[T], str]) -> Iterator[T]:
        """The items, each named on the bar while the loop's body works on it; the bar is
        closed when the loop ends."""
        try:
            for item in items:
                self.working_on(name(item))
                yield item
                self.done(name(item))
        finally:
            self.close()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(stream: IO[str]) -> int:
    """The terminal's width (0 when it does not say)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return 0
