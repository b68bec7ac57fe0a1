"""Measure ``python -m autograder similarity``: false positives on independent implementations,
catches on planted copies, at the kit's threshold and around it.

Usage (from the repository root)::

    PYTHONPATH=tests .venv/bin/python scripts/similarity_measure.py          # print the tables
    PYTHONPATH=tests .venv/bin/python scripts/similarity_measure.py --write  # and into docs/
    PYTHONPATH=tests .venv/bin/python scripts/similarity_measure.py --no-normalize  # copydetect's

Independent implementations, every pair compared as ``similarity`` compares two students:

- ``tests/support/alternatives.py``: the correct batch-norm submissions written apart from the
  reference (their own answer cells; ``scratch_cells_magics_and_raising`` is left out, its
  answers being another's copied whole), and the reference's answer cells (``solutions/``);
- ``tests/realcode``: 42 students' code from public repositories (their answer cells, as
  ``realcode.answers`` cuts them). Public repositories copy each other, so a pair of them that is
  flagged may be a copy; the table lists the pairs scored highest, to be read. Their starter is
  CS231n's of their year, not this kit's release, and the script cannot have it: the code that
  more than half of the entries of one starter share stands for it (``--no-starter``: not).

Planted copies (``tests/support/copies.py``): every document above transformed (variables
renamed, reformatted, functions reordered, comments added, all four at once) and compared with
its original, with the same boilerplate and common code left out.
``tests/support/dropout_variants.py``'s correct dropouts are the reference with one to three
lines edited: each pair is a copy of one source with lines changed, and is counted with the
catches.

``--no-normalize`` measures with copydetect's token stream as it is (parentheses, commas and
numbers kept: ``autograder.similarity.tokens``), to show what the normalization is for.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from support import copies

from autograder import layout
from autograder.similarity.compare import (
    MIN_SHARED,
    THRESHOLD,
    common_hashes,
    is_flagged,
    score,
)
from autograder.similarity.documents import Document, notebook_pieces
from autograder.similarity.fingerprint import (
    Fingerprint,
    Overlap,
    boilerplate,
    fingerprint,
    overlap,
    without,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "similarity.md"
BEGIN, END = "<!-- similarity-measure:begin -->", "<!-- similarity-measure:end -->"
SWEEP = (0.4, 0.5, 0.6, 0.7, 0.8)
TOP = 5


def stubs(assignment: str) -> list[str]:
    layout.use(assignment)
    return list(notebook_pieces(layout.current().release_notebook).values())


@dataclass
class Corpus:
    """Documents compared pairwise with the release's code and the class's common code left
    out, and (realcode) the code shared by most entries of one starter."""

    name: str
    documents: list[Document]
    stubs: list[str]
    editions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.given = boilerplate(self.stubs)
        raw = {d.name: fingerprint(d.name, d.text, self.given) for d in self.documents}
        self.common = common_hashes(list(raw.values()))
        groups: dict[str, list[Fingerprint]] = {}
        for name, edition in self.editions.items():
            groups.setdefault(edition, []).append(raw[name])
        self.starter = {e: _shared_by_most(found) for e, found in groups.items()}
        self.found = {name: self.clean(name, f) for name, f in raw.items()}

    def clean(self, name: str, found: Fingerprint) -> Fingerprint:
        return without(found, self.common | self.starter.get(self.editions.get(name, ""), set()))

    def of(self, name: str, pieces: dict[str, str]) -> Fingerprint:
        """A document that is not in the corpus, fingerprinted as its ``name`` is."""
        return self.clean(name, fingerprint(name, Document(name, pieces).text, self.given))

    def pairs(self) -> list[tuple[str, str, Overlap]]:
        names = sorted(self.found)
        pairs = itertools.combinations(names, 2)
        return [(a, b, overlap(self.found[a], self.found[b])) for a, b in pairs]


def _shared_by_most(found: list[Fingerprint]) -> set[int]:
    counts = Counter(value for f in found for value in f.hashes)
    return {value for value, n in counts.items() if n > len(found) / 2 and n >= 2}


def alternatives() -> Corpus:
    from support import alternatives as alt
    from support.corpus import reference_nb, without_markers

    from autograder.grading.reference import answer_cells, grade_id

    reference = {grade_id(c): without_markers(c.source) for c in answer_cells(reference_nb())}
    documents = [Document("reference (solutions/)", reference)]
    for s in alt.CORRECT:
        if s.name != "scratch_cells_magics_and_raising":  # B's answers, copied whole
            documents.append(Document(s.name, s.answers))
    return Corpus(
        "tests/support/alternatives.py (and the reference)", documents, stubs("batchnorm")
    )


def realcode(starter: bool) -> Corpus | None:
    from realcode import ENTRIES, answers

    try:
        documents = [Document(e["name"], answers(e)) for e in ENTRIES]
    except FileNotFoundError as exc:
        print(f"tests/realcode skipped: {exc}", file=sys.stderr)
        return None
    editions = {e["name"]: e["starter"] for e in ENTRIES} if starter else {}
    return Corpus("tests/realcode (public repositories)", documents, stubs("batchnorm"), editions)


def dropout_variants() -> Corpus:
    from support import dropout_variants as dv
    from support.corpus import edit, student_nb

    from autograder.grading.reference import answer_cells, grade_id

    base = {grade_id(c): c.source for c in answer_cells(student_nb(dv.DROPOUT))}
    documents = []
    for v in dv.CORRECT:
        pieces = dict(base)
        for gid, edits in v.answers.items():
            pieces[gid] = edit(base[gid], *edits)
        documents.append(Document(v.name, pieces))
    return Corpus(
        "tests/support/dropout_variants.py (one source, lines edited)", documents, stubs("dropout")
    )


@dataclass
class Rates:
    label: str
    scores: list[float]
    flagged: list[bool]
    top: list[tuple[float, str]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    changed: int = 0

    def at(self, threshold: float) -> int:
        return sum(s >= threshold for s in self.scores)


def independent(corpus: Corpus) -> Rates:
    pairs = corpus.pairs()
    ranked = sorted(pairs, key=lambda p: -score(p[2]))
    return Rates(
        corpus.name,
        [score(o) for *_, o in pairs],
        [is_flagged(o) for *_, o in pairs],
        [(score(o), f"{a} / {b}") for a, b, o in ranked[:TOP]],
    )


def planted(corpora: list[Corpus]) -> list[Rates]:
    found = []
    for how in copies.TRANSFORMATIONS:
        rates = Rates(how, [], [])
        for corpus in corpora:
            for document in corpus.documents:
                pieces = copies.planted(document.pieces, how)
                rates.changed += pieces != document.pieces
                copy = corpus.of(document.name, pieces)
                shared = overlap(corpus.found[document.name], copy)
                rates.scores.append(score(shared))
                rates.flagged.append(is_flagged(shared))
                if not is_flagged(shared):
                    rates.missed.append(f"{document.name} ({shared.tokens} characters shared)")
        found.append(rates)
    return found


def _pct(n: int, total: int) -> str:
    return f"{n}/{total} ({n / total:.1%})" if total else "0/0"


def tables(independents: list[Rates], catches: list[Rates]) -> str:
    head = "| | pairs | flagged | " + " | ".join(f"score ≥ {t:g}" for t in SWEEP) + " |"
    rule = "|---" * (3 + len(SWEEP)) + "|"
    lines = ["**Independent implementations** (a flag here is a false positive):", "", head, rule]
    for r in independents:
        n = len(r.scores)
        sweep = " | ".join(str(r.at(t)) for t in SWEEP)
        lines.append(f"| {r.label} | {n} | {_pct(sum(r.flagged), n)} | {sweep} |")
    lines += ["", "Highest scores among them:", ""]
    for r in independents:
        shown = "; ".join(f"{s:.2f} {who}" for s, who in r.top)
        lines.append(f"- {r.label}: {shown}")
    head = "| planted copy | copies (changed) | caught | lowest score | " + " | ".join(
        f"score ≥ {t:g}" for t in SWEEP
    )
    lines += ["", "**Planted copies** (a flag here is a catch):", "", head + " |", rule + "---|"]
    for r in catches:
        n = len(r.scores)
        sweep = " | ".join(str(r.at(t)) for t in SWEEP)
        low = min(r.scores) if r.scores else float("nan")
        copies_ = f"{n} ({r.changed})" if r.changed else str(n)
        lines.append(f"| {r.label} | {copies_} | {_pct(sum(r.flagged), n)} | {low:.2f} | {sweep} |")
    missed = sorted({m for r in catches for m in r.missed})
    if missed:
        lines += ["", "Copies not caught: " + "; ".join(missed) + "."]
    lines += [
        "",
        f"Flagged: score ≥ {THRESHOLD:g} and at least {MIN_SHARED} characters of the token "
        "stream shared. Median score of independent pairs: "
        + ", ".join(f"{statistics.median(r.scores):.2f} ({r.label})" for r in independents)
        + ".",
    ]
    return "\n".join(lines)


def write(text: str) -> None:
    page = DOC.read_text()
    if BEGIN not in page or END not in page:
        raise SystemExit(f"{DOC} has no {BEGIN} ... {END} block")
    block = f"{BEGIN}\n{text}\n{END}"
    pattern = re.escape(BEGIN) + ".*?" + re.escape(END)
    DOC.write_text(re.sub(pattern, lambda _: block, page, flags=re.S))
    print(f"wrote {DOC}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write the tables into {DOC}")
    parser.add_argument("--no-starter", action="store_true", help="keep realcode's starter code")
    parser.add_argument(
        "--no-normalize", action="store_true", help="copydetect's token stream as it is"
    )
    args = parser.parse_args(argv)
    if args.no_normalize:
        from autograder.similarity import fingerprint as module

        module.filter_python = functools.partial(module.filter_python, normalize=False)
    corpora = [c for c in (alternatives(), realcode(not args.no_starter)) if c is not None]
    variants = dropout_variants()
    catches = planted(corpora)
    one_source = independent(variants)
    one_source.label = "dropout variants: pairs of one source, lines edited"
    text = tables([independent(c) for c in corpora], [*catches, one_source])
    print(text)
    if args.write:
        write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
