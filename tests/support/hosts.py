"""Each pytest process of ``make test`` (pytest -n) as a grading host of its own, imported by
``conftest.py`` before the kit's modules read these settings: its own host lock and its own
sandbox uids, after the default ones (which a grader started without these settings takes).

A step retried alone (a hang's second chance) then waits for the sandboxes of its own process
only, not for the test files graded beside it in the other processes. A setting already made
is kept.
"""

from __future__ import annotations

import os

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
"""This pytest process's name under pytest -n (gw0, gw1, ...); empty in a single process."""

if WORKER.startswith("gw") and WORKER[2:].isdigit():
    os.environ.setdefault(
        "AUTOGRADER_LOCK_DIR", f"/tmp/autograder-test-locks-{os.geteuid()}-{WORKER}"
    )
    slots = int(os.environ.get("AUTOGRADER_SANDBOX_SLOTS", "64"))
    os.environ.setdefault("AUTOGRADER_SANDBOX_UID_BASE", str(61000 + slots * (1 + int(WORKER[2:]))))
