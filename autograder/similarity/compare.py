"""Which documents are alike: every pair of students, and every student against each known
solution, scored and flagged for a human.

A pair's **score** is the larger of its two shares: the share of one student's fingerprinted
code (``fingerprint.overlap``) that is also in the other's. A copy that a student padded with
code of their own still shows whole on the side of the one copied from. A pair is **flagged**
when its score reaches :data:`THRESHOLD` and the shared code is at least :data:`MIN_SHARED`
characters of the token stream long, so that two short answers alike by chance are not.

Three kinds of code never count: the release's (``documents.release_stubs``), stretches
shorter than a k-gram, and code that more than :data:`COMMON_SHARE` of the class wrote, when that
is at least :data:`COMMON_MIN` students (as MOSS's ``-m``, but a share: the idioms everyone
writes, such as ``np.sum(dout, axis=0)``, are no evidence, and a ring of copiers smaller than
half the class is still seen). The thresholds and what they catch are measured by
``scripts/similarity_measure.py`` (``docs/similarity.md``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from .documents import SEPARATOR, Document
from .fingerprint import Fingerprint, Overlap, boilerplate, fingerprint, overlap, without
from .record import SHOWN, Pair, Span

THRESHOLD = 0.6
"""The score from which a pair is flagged (measured: docs/similarity.md)."""
MIN_SHARED = 100
"""Characters of the token stream (about four lines of code) two flagged documents share at
least."""
COMMON_SHARE = 0.5
COMMON_MIN = 10


@dataclass
class Comparison:
    """Every pair compared: those scored at least :data:`SHOWN`, best first, and counts."""

    pairs: list[Pair]
    compared: int
    threshold: float
    common: int = 0
    """Fingerprints left out as the class's common code."""
    scores: list[float] = field(default_factory=list)
    """Every pair's score, in the order compared (listed or not)."""

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]


def common_hashes(found: list[Fingerprint], share: float = COMMON_SHARE) -> set[int]:
    """The fingerprints that more than ``share`` of the documents have, when that is at least
    :data:`COMMON_MIN` documents."""
    counts = Counter(value for f in found for value in f.hashes)
    least = max(COMMON_MIN, int(share * len(found)) + 1)
    return {value for value, n in counts.items() if n >= least}


def fingerprints(
    students: list[Document], references: list[Document], stubs: list[str]
) -> tuple[dict[str, Fingerprint], int]:
    """Each document's fingerprints without the release's and the class's common code, and how
    many fingerprints were the class's common code (counted over the students only)."""
    given = boilerplate([*stubs, SEPARATOR.join(stubs)])  # and what spans two stubs
    found = {d.name: fingerprint(d.name, d.text, given) for d in [*students, *references]}
    common = common_hashes([found[d.name] for d in students])
    return {name: without(f, common) for name, f in found.items()}, len(common)


def score(found: Overlap) -> float:
    return max(found.a_share, found.b_share)


def is_flagged(found: Overlap, threshold: float = THRESHOLD) -> bool:
    return score(found) >= threshold and found.tokens >= MIN_SHARED


def compare(
    students: list[Document],
    references: list[Document],
    stubs: list[str],
    threshold: float = THRESHOLD,
) -> Comparison:
    """Every pair of students and every student against every reference."""
    found, common = fingerprints(students, references, stubs)
    documents = {d.name: d for d in [*students, *references]}
    pairs = [*itertools.combinations(students, 2), *itertools.product(students, references)]
    listed, scores = [], []
    for a, b in pairs:
        shared = overlap(found[a.name], found[b.name])
        scores.append(score(shared))
        if score(shared) >= min(SHOWN, threshold):
            listed.append(_pair(documents[a.name], documents[b.name], shared, threshold))
    listed.sort(key=lambda p: (-p.score, p.a, p.b))
    return Comparison(listed, len(pairs), threshold, common, scores)


def _pair(a: Document, b: Document, shared: Overlap, threshold: float) -> Pair:
    return Pair(
        a=a.name,
        b=b.name,
        score=score(shared),
        flagged=is_flagged(shared, threshold),
        a_share=shared.a_share,
        b_share=shared.b_share,
        shared=shared.tokens,
        a_spans=spans(a, shared.a_slices),
        b_spans=spans(b, shared.b_slices),
    )


def spans(document: Document, slices: list[tuple[int, int]]) -> list[Span]:
    """The matched slices of a document's text, cut at its cells' borders, each with the
    whole lines it touches."""
    found = []
    for start, end in slices:
        for cell, lo, hi in document.split(start, end):
            source = document.pieces[cell]
            first = source.count("\n", 0, lo) + 1
            last = first + source.count("\n", lo, max(lo, hi - 1))
            lines = source.splitlines()[first - 1 : last]
            found.append(Span(cell, lo, hi, first, last, "\n".join(lines)))
    return found
