"""Command line of the kit: ``python -m autograder COMMAND``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("release", help="regenerate assignment/ from solutions/ (nbgrader)")
    args = parser.parse_args(argv)

    if args.command == "release":
        from .release import generate_release

        generate_release()
        print("assignment/ regenerated from solutions/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
