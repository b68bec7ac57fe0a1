"""Inside Gradescope's container: ``python -m autograder.gradescope run`` (``run_autograder``)
grades the submission; ``python -m autograder.gradescope check`` (``setup.sh``) checks the
image."""

from __future__ import annotations

import argparse
import sys

from ..grading import GraderFault
from . import gradescope_root
from .check import check, check_layout
from .folders import Folders
from .run import give_up, run, use_zips_assignment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope", description=__doc__)
    parser.add_argument("command", choices=["run", "check"])
    args = parser.parse_args(argv)
    root = gradescope_root()
    try:
        use_zips_assignment(Folders(root))
    except GraderFault as fault:
        if args.command == "check":
            print(f"setup check failed: {fault}", file=sys.stderr)
            return 1
        return give_up(Folders(root), fault)
    if args.command == "check":
        return check(root)
    try:
        check_layout(Folders(root))
    except GraderFault as fault:
        return give_up(Folders(root), fault)
    return run(root)


if __name__ == "__main__":
    sys.exit(main())
