"""``make bench-grading``: seconds per submission for a batch of full submissions (a measurement,
not a test)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def main(students: int, workers: int) -> int:
    """Seconds per submission for a batch of full submissions (not a test: a measurement)."""
    import tempfile

    import nbformat

    from ..course.batch import run
    from ..layout import NOTEBOOK, SOURCE_DIR

    reference = nbformat.read(SOURCE_DIR / NOTEBOOK, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp, "submissions")
        for i in range(students):
            (subs / f"student{i:03d}").mkdir(parents=True)
            nbformat.write(reference, subs / f"student{i:03d}" / NOTEBOOK)
        Path(tmp, "out").mkdir()
        run(subs, Path(tmp, "out"), workers=workers)  # warm: the course's gradebook exists
        start = time.perf_counter()
        code = run(subs, Path(tmp, "out"), workers=workers, regrade=True)
        seconds = time.perf_counter() - start
    print(
        f"bench: {students} full submissions, {workers} workers, {os.cpu_count()} cores: "
        f"{seconds:.1f} s, {seconds / students:.2f} s per submission"
    )
    return code
