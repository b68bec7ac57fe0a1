"""``grade --shard i/n``: the i-th of n slices of a class, so that n machines grade it together.

The class is sorted by student id and cut into n contiguous slices whose sizes differ by at
most one; the same class and the same n give every shard the same slice on any machine.
``python -m autograder merge`` puts the shards' outputs back together (``merge.py``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from .collect import Student


@dataclass(frozen=True)
class Shard:
    index: int
    """1 to count."""
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"i/n"`` (as argparse's ``type``: a bad one is a usage error that says why)."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: write the shard as i/n, e.g. 1/4"
            ) from None
        if not 1 <= index <= count:
            raise argparse.ArgumentTypeError(f"{text!r}: i must be between 1 and n")
        return cls(index, count)

    def select(self, students: list[Student]) -> list[Student]:
        """The shard's slice of the class."""
        ordered = sorted(students, key=lambda s: s.id)
        start = (self.index - 1) * len(ordered) // self.count
        stop = self.index * len(ordered) // self.count
        return ordered[start:stop]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
