"""``python -m autograder similarity OUT [--reference DIR]``: the students' answer cells compared
pairwise, and with the known solutions of DIR; ``OUT/similarity.json`` and the report's section.

It reads what ``grade`` staged in OUT (``OUT/course/submitted``, the students of
``OUT/students.json``) and writes two files: ``similarity.json`` and ``report.html`` again (its
*Similar code* section). Nothing else: no score, no flag of ``results.json``, no gradebook
entry. A flagged pair is a suspicion for a human to look at, never a grade.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..layout import current
from .compare import MIN_SHARED, THRESHOLD, compare
from .documents import references, release_stubs, students
from .record import Record


def run(out: Path, reference: Path | None = None, threshold: float = THRESHOLD) -> int:
    """Compare, write similarity.json and the report; 1 when they could not be written."""
    from ..course.report import REPORT, ReportError, report_batch

    try:
        documents, skipped = students(out)
        known, skipped_references = references(reference)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    found = compare(documents, known, release_stubs(), threshold)
    record = Record(
        assignment=current().name,
        threshold=threshold,
        min_shared=MIN_SHARED,
        students=[d.name for d in documents],
        references=[d.name for d in known],
        compared=found.compared,
        common=found.common,
        pairs=found.pairs,
        skipped={**skipped, **skipped_references},
    )
    path = record.save(out)
    print(summary(record))
    for name, why in sorted(record.skipped.items()):
        print(f"not compared: {name}: {why}", file=sys.stderr)
    try:
        report_batch(out)
    except ReportError as exc:
        print(f"wrote {path}; the report was not written: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} and {out / REPORT} (its section: Similar code)")
    return 0


def summary(record: Record) -> str:
    """What a run found, in a few lines: the counts, then each flagged pair."""
    known = len(record.references)
    with_references = f" and {known} known solution(s)" if known else ""
    lines = [
        f"compared the answer cells of {len(record.students)} student(s){with_references}: "
        f"{record.compared} pair(s), {len(record.flagged)} flagged (score >= "
        f"{record.threshold:g}); a flag is for a human to look at, not a grade"
    ]
    for pair in record.flagged:
        lines.append(
            f"FLAGGED {pair.a} / {pair.b}: score {pair.score:.2f} "
            f"({pair.a_share:.0%} of {pair.a}'s code in {pair.b}'s, {pair.b_share:.0%} the "
            "other way)"
        )
    return "\n".join(lines)
