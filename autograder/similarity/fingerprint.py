"""Fingerprints of code and what two of them share: copydetect's winnowing.

copydetect (the winnowing of Schleimer, Wilkerson and Aiken, as MOSS does) reduces code to a
token stream (``tokens.filter_python``: names ``V``, strings ``S``, comments and whitespace
dropped), hashes each k-gram of that stream, keeps the smallest hash of every window of
``window`` k-grams, and removes the boilerplate's hashes; two documents share what their
fingerprints share.

One change: copydetect hashes k-grams with Python's ``hash()``, which is salted per process, so
winnowing would keep other k-grams, and give slightly other scores, on every run. The kit hashes
the same k-grams with BLAKE2b: the same code gives the same fingerprints and scores every time.
The rest (``winnow``, ``compare_files``, the matched slices mapped back to the original code) is
copydetect's own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
from copydetect import compare_files
from copydetect.utils import get_token_coverage, winnow

from .tokens import filter_python

K = 25
"""Characters of the filtered token stream in a k-gram (copydetect's noise threshold, its
default): shorter matches are never seen."""
WINDOW = 1
"""k-grams per winnowing window (copydetect's guarantee threshold minus K plus one; its
default, 1, keeps every k-gram): a match of K + WINDOW - 1 characters is always seen."""


@dataclass
class Fingerprint:
    """A document's fingerprints, with the attributes copydetect's ``compare_files`` reads (those
    of its ``CodeFingerprint``)."""

    filename: str
    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set
    hash_idx: dict
    k: int
    token_coverage: float


def kgram_hashes(filtered: str, k: int = K) -> np.ndarray:
    """A stable 64-bit hash of every k-gram of the filtered code, in order."""
    return np.array(
        [
            int.from_bytes(
                hashlib.blake2b(filtered[i : i + k].encode(), digest_size=8).digest(),
                "little",
                signed=True,
            )
            for i in range(len(filtered) - k + 1)
        ],
        dtype=np.int64,
    )


def boilerplate(codes: list[str], k: int = K) -> np.ndarray:
    """Every k-gram hash of the given code (the release's stubs): none of them counts."""
    found = [kgram_hashes(filter_python(code)[0], k) for code in codes]
    return np.unique(np.concatenate(found)) if found else np.array([], dtype=np.int64)


def fingerprint(
    name: str, code: str, common: np.ndarray, k: int = K, window: int = WINDOW
) -> Fingerprint:
    """The winnowed fingerprints of Python ``code``, without the hashes in ``common``."""
    filtered, offsets = filter_python(code)
    hashes, idx = np.array([], dtype=np.int64), np.array([], dtype=int)
    if len(filtered) >= k:
        hashes, idx = winnow(kgram_hashes(filtered, k), window, remove_duplicates=False)
        keep = ~np.isin(hashes, common)
        hashes, idx = hashes[keep], idx[keep]
    positions: dict[int, list[int]] = {}
    for value, i in zip(hashes.tolist(), idx.tolist(), strict=True):
        positions.setdefault(value, []).append(i)
    return _with(Fingerprint(name, code, filtered, offsets, set(), {}, k, 0.0), positions)


def without(found: Fingerprint, common: set[int]) -> Fingerprint:
    """``found`` without the hashes in ``common`` (code that too many documents share)."""
    kept = {value: at for value, at in found.hash_idx.items() if value not in common}
    return _with(found, kept)


def _with(found: Fingerprint, positions: dict[int, list[int]]) -> Fingerprint:
    coverage = get_token_coverage(positions, found.k, len(found.filtered_code))
    return replace(found, hashes=set(positions), hash_idx=positions, token_coverage=float(coverage))


@dataclass(frozen=True)
class Overlap:
    """What two fingerprints share: each side's share of its own fingerprinted code found in
    the other, and the matched slices of each side's original code (character offsets)."""

    a_share: float
    b_share: float
    tokens: int
    a_slices: list[tuple[int, int]]
    b_slices: list[tuple[int, int]]


def overlap(a: Fingerprint, b: Fingerprint) -> Overlap:
    """copydetect's ``compare_files`` on two fingerprints."""
    if not (a.hashes & b.hashes):
        return Overlap(0.0, 0.0, 0, [], [])
    tokens, (a_share, b_share), (a_slices, b_slices) = compare_files(a, b)
    return Overlap(
        a_share=min(1.0, float(a_share)),
        b_share=min(1.0, float(b_share)),
        tokens=int(tokens),
        a_slices=_slices(a_slices),
        b_slices=_slices(b_slices),
    )


def _slices(found: np.ndarray) -> list[tuple[int, int]]:
    if found.size == 0:
        return []
    return [(int(start), int(end)) for start, end in zip(found[0], found[1], strict=True)]
