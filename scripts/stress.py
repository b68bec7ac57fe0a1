"""``make stress``: the grader on a busy or faulty host, at class size. Not a test: it prints,
for each scenario, graded / not graded / wrong over the honest students (each must be
N / 0 / 0) and the wall times, and exits 1 if a scenario falls short.

1. Launch faults: a bubblewrap that fails the first launches of every tenth student (fewer than
   the grader's attempts), the way a busy host refuses namespaces now and then.
2. Concurrent batches: two honest batches graded at the same time beside a third that holds a
   fork bomb, a memory bomb and an endless loop.
3. Overload: a batch graded while busy loops occupy every core; its slowdown against the same
   host quiet.

    PYTHONPATH=tests .venv/bin/python scripts/stress.py [--students 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from conftest import ENV
from support.scenarios import concurrent_batches, grade, honest, overloaded
from test_faults import fake_bwrap

from autograder.grading.supervise import LAUNCH_ATTEMPTS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    n = parser.parse_args().students
    rows = []
    with tempfile.TemporaryDirectory(prefix="stress-") as tmp:
        root = Path(tmp)

        quiet = root / "quiet"
        names = honest(quiet / "subs", "quiet-", max(10, n // 5))
        baseline = grade(quiet / "subs", quiet / "out", names)
        per_quiet = baseline.seconds / len(names)
        rows.append((f"quiet host ({len(names)})", baseline, ""))

        faults = root / "faults"
        names = honest(faults / "subs", "ok-", n - n // 10)
        names += honest(faults / "subs", "fault", n // 10)
        fake_bwrap(faults, str(LAUNCH_ATTEMPTS - 1), match=r"grade-(fault[0-9]+)-")
        env = {**ENV, "PATH": f"{faults / 'bin'}{os.pathsep}{ENV['PATH']}"}
        result = grade(faults / "subs", faults / "out", names, env)
        rows.append((f"launch faults: {LAUNCH_ATTEMPTS - 1} per tenth student ({n})", result, ""))

        first, second, bombs = concurrent_batches(root / "concurrent", n // 2)
        both = type(first)(
            first.graded + second.graded,
            first.not_graded + second.not_graded,
            first.wrong + second.wrong,
            max(first.seconds, second.seconds),
            max(first.exit_code, second.exit_code),
        )
        rows.append((f"two batches of {n // 2} beside the bombs", both, ""))

        busy = overloaded(root / "busy", n)
        slowdown = (busy.seconds / n) / per_quiet
        rows.append((f"busy loop on every core ({n})", busy, f"slowdown {slowdown:.1f}x"))

    print(f"{'scenario':<48} {'graded / not graded / wrong':<28} {'time':>8}  per student")
    short = False
    for label, result, extra in rows:
        total = result.graded + result.not_graded
        ok = result.not_graded == 0 and result.wrong == 0
        short |= not ok
        print(
            f"{label:<48} {result.line():<28} {result.seconds:7.1f}s  "
            f"{result.seconds / total:.2f} s {extra}{'' if ok else '  <-- FAILED'}"
        )
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
