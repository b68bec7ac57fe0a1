"""Is the kit's copy of the team's list of student mistakes current?

``tests/support/mutants.py`` keeps the mistake column of the team's BUGS.md as ``BUGS_MD_ROWS``, and
``tests/test_mutants.py`` holds every row to a mutant that the grader catches and names. The
list itself lives outside the repository, so no test reads it; after the list changes, run::

    PYTHONPATH=tests .venv/bin/python scripts/bugs_catalog.py PATH/TO/BUGS.md

It prints the rows that differ and exits 1, or says the copy is current.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


def rows(text: str) -> list[str]:
    """The mistake column of a Markdown table (its first column), backticks dropped."""
    found = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or cells[0] in ("mistake", ""):
            continue
        if re.fullmatch(r"-+", cells[0]):
            continue
        found.append(cells[0].replace("`", ""))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bugs_md", type=Path, help="the team's BUGS.md")
    args = parser.parse_args()
    from support.mutants import BUGS_MD_ROWS

    theirs = rows(args.bugs_md.read_text())
    if tuple(theirs) == BUGS_MD_ROWS:
        print(f"tests/support/mutants.py's BUGS_MD_ROWS is current ({len(theirs)} rows)")
        return 0
    for row in theirs:
        if row not in BUGS_MD_ROWS:
            print(f"only in {args.bugs_md}: {row}")
    for row in BUGS_MD_ROWS:
        if row not in theirs:
            print(f"only in tests/support/mutants.py: {row}")
    if set(theirs) == set(BUGS_MD_ROWS):
        print("the same rows in another order")
    return 1


if __name__ == "__main__":
    sys.exit(main())
