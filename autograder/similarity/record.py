"""``OUT/similarity.json``: what ``similarity`` found, as the report and a reader get it.

::

    {"assignment": "batchnorm", "threshold": 0.6, "min_shared": 100,
     "students": ["ann", ...], "references": ["reference:public/layers.py", ...],
     "skipped": {"dan": "no notebook was submitted"}, "compared": 10, "common": 0,
     "pairs": [{"a": "ann", "b": "ben", "score": 0.98, "flagged": true,
                "a_share": 0.98, "b_share": 0.97, "shared_tokens": 1234,
                "a_spans": [{"cell": "batchnorm_forward_answer", "start": 10, "end": 400,
                             "lines": [2, 14], "code": "..."}], "b_spans": [...]}]}

``pairs`` lists the pairs scored at least :data:`SHOWN`, best first; ``compared`` counts
them all. A span's ``start:end`` are characters of that cell's source, ``lines`` the whole
lines it touches (from 1), ``code`` those lines. ``b`` is a student or a known solution
(``reference:<path in the --reference folder>``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..access import atomic_write

SIMILARITY = "similarity.json"
"""The file's name in OUT."""
SHOWN = 0.25
"""Pairs scored below this are counted, not listed: with a class of n students there are
n(n-1)/2 pairs, nearly all of them unrelated."""


@dataclass(frozen=True)
class Span:
    """A matched stretch of one side's code, in one cell."""

    cell: str
    start: int
    end: int
    first_line: int
    last_line: int
    code: str

    def to_json(self) -> dict:
        return {
            "cell": self.cell,
            "start": self.start,
            "end": self.end,
            "lines": [self.first_line, self.last_line],
            "code": self.code,
        }

    @classmethod
    def from_json(cls, d: dict) -> Span:
        first, last = d["lines"]
        return cls(d["cell"], int(d["start"]), int(d["end"]), int(first), int(last), d["code"])


@dataclass(frozen=True)
class Pair:
    """Two documents compared: their score, whether it is flagged, each side's share of its own
    code found in the other, the length of what they share, and the matched spans."""

    a: str
    b: str
    score: float
    flagged: bool
    a_share: float
    b_share: float
    shared: int
    a_spans: list[Span]
    b_spans: list[Span]

    def to_json(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "score": round(self.score, 4),
            "flagged": self.flagged,
            "a_share": round(self.a_share, 4),
            "b_share": round(self.b_share, 4),
            "shared_tokens": self.shared,
            "a_spans": [s.to_json() for s in self.a_spans],
            "b_spans": [s.to_json() for s in self.b_spans],
        }

    @classmethod
    def from_json(cls, d: dict) -> Pair:
        return cls(
            d["a"],
            d["b"],
            float(d["score"]),
            bool(d["flagged"]),
            float(d["a_share"]),
            float(d["b_share"]),
            int(d["shared_tokens"]),
            [Span.from_json(s) for s in d["a_spans"]],
            [Span.from_json(s) for s in d["b_spans"]],
        )


@dataclass
class Record:
    """The whole file."""

    assignment: str
    threshold: float
    min_shared: int
    students: list[str]
    references: list[str]
    compared: int
    common: int
    pairs: list[Pair]
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]

    def to_json(self) -> dict:
        return {
            "assignment": self.assignment,
            "threshold": self.threshold,
            "min_shared": self.min_shared,
            "students": self.students,
            "references": self.references,
            "skipped": self.skipped,
            "compared": self.compared,
            "common": self.common,
            "pairs": [p.to_json() for p in self.pairs],
        }

    @classmethod
    def from_json(cls, d: dict) -> Record:
        return cls(
            assignment=d["assignment"],
            threshold=float(d["threshold"]),
            min_shared=int(d["min_shared"]),
            students=list(d["students"]),
            references=list(d["references"]),
            compared=int(d["compared"]),
            common=int(d["common"]),
            pairs=[Pair.from_json(p) for p in d["pairs"]],
            skipped=dict(d.get("skipped", {})),
        )

    def save(self, out: Path) -> Path:
        path = out / SIMILARITY
        atomic_write(path, json.dumps(self.to_json(), indent=1))
        return path


def load(out: Path) -> Record | None:
    """OUT's similarity.json, or None when there is none (ValueError when it is not one)."""
    path = out / SIMILARITY
    try:
        return Record.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"{path}: not what `python -m autograder similarity` writes: {exc}"
        ) from None
