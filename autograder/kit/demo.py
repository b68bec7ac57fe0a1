"""``make demo``: the kit's main job on its embedded default, grading example submissions."""

from __future__ import annotations

import os
import time
from pathlib import Path


def main(out: Path, every: bool = True) -> int:
    """The kit's main job on its embedded default: grade example submissions of every
    assignment (``every``; else of the current one) into ``out/<assignment>/``."""
    from ..layout import assignments, current, using

    names = list(assignments()) if every else [current().name]
    isolation = _demo_isolation()
    worst = 0
    for name in names:
        with using(name):
            print(f"== {name} ==")
            worst = max(worst, grade_examples(out / name, isolation))
    return worst


def grade_examples(out: Path, isolation) -> int:
    """The current assignment's examples, built, run as their students would, and graded."""
    import shutil

    import nbformat

    from ..course.batch import run
    from ..layout import current
    from .examples import build
    from .notebooks import to_html

    shutil.rmtree(out / "submissions", ignore_errors=True)
    print("Writing example submissions from the release and running each, as its student would")
    start = time.perf_counter()
    students = build(out / "submissions", workers=os.cpu_count() or 1)
    executed = nbformat.read(out / "submissions" / students[0] / current().notebook, as_version=4)
    page = out / f"{current().notebook_id}.html"
    page.write_text(to_html(executed))
    print(
        f"  {len(students)} notebooks run in {time.perf_counter() - start:.1f} s; "
        f"the correct one as HTML: {page}"
    )
    print(f"Grading {len(students)} example submissions: {', '.join(students)}")
    code = run(
        out / "submissions",
        out / "grading",
        workers=os.cpu_count() or 1,
        regrade=True,
        isolation=isolation,
    )
    print(
        f"Feedback pages: {out / 'grading' / 'feedback'}/<student>.html; nbgrader course "
        f"(formgrader, export): cd {out / 'grading' / 'course'} && nbgrader formgrader"
    )
    return code


def _demo_isolation():
    """bubblewrap when it works; else, for the kit's own trusted examples only, none (said)."""
    from ..sandbox import Isolation, bubblewrap_works

    ok, why = bubblewrap_works()
    if ok:
        return Isolation.BUBBLEWRAP
    print(
        f"NOTICE: bubblewrap is not available here ({why}). The demo grades the kit's own "
        "example notebooks, which are trusted, so it grades them WITHOUT a sandbox "
        "(--no-sandbox). Grading students' submissions refuses to do that: install bubblewrap "
        "(apt-get install bubblewrap)."
    )
    return Isolation.NONE
