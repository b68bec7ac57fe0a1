"""Grade on Gradescope: the autograder zip, and what ``run_autograder`` does in the container.

``python -m autograder gradescope --out autograder.zip`` writes a zip in Gradescope's format
(gradescope/autograder_samples, ``docs/specs.md``): ``setup.sh`` and ``run_autograder`` at its
root (from ``files/``), beside what grading needs (``build.py``).

In the container, under ``/autograder`` (``AUTOGRADER_GRADESCOPE_ROOT`` moves it), Gradescope
unpacks the zip in ``source/``, puts the student's files in ``submission/`` and the metadata in
``submission_metadata.json``, runs ``setup.sh`` once at image build and ``run_autograder`` for
every submission, both as root. ``setup.sh`` ends with ``python -m autograder.gradescope check``
(``check.py``); ``run_autograder`` runs ``python -m autograder.gradescope run`` (``run.py``):

1. Lock down (``folders.py``): ``source/`` owned by root, mode 0700 (the student's code cannot
   read the reference, the hidden-input generator or the secret); ``results/`` owned by root,
   not writable by others (it cannot write the results); ``submission_metadata.json`` (the
   students' names, emails, ids, earlier submissions and their results) owned by root, mode
   0600, before any student code runs: root reads what it needs from it, the student's code
   reads nothing of it.
2. Isolation, chosen and stated, never fallen back to: ``Isolation.UID``. The container is
   the per-submission boundary and bubblewrap may not work inside it, so the student's code
   runs as an unprivileged uid of its own with resource limits, killed with every process of
   that uid afterwards; file permissions are the wall. It needs root: without it, nothing is
   graded.
3. The notebook and the student (``folders.py``): ``submission/BatchNormalization.ipynb``, or
   the one ``.ipynb`` there under another name, or the one notebook of that name in a
   subfolder (a GitHub submission), with a note; the Gradescope user ids of
   ``submission_metadata.json`` (a group's, joined by ``-``) seed the hidden inputs with the
   secret, as in ``grade``.
4. ``results/results.json`` (``results.py``): one test per autograded task with the task's
   named-mistake feedback; flags and the isolation only where students do not look.

A fault of the grader's or the host's (no root, the sandbox cannot start, the grader's own code
fails) is never a score: ``results.json`` then holds only an ``output`` saying so, without
``score`` or ``tests``, and ``run_autograder`` exits 3.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..sandbox import Isolation

ROOT_ENV = "AUTOGRADER_GRADESCOPE_ROOT"
"""Moves Gradescope's ``/autograder`` (for tests, and for trying the zip outside Gradescope)."""
DEFAULT_ROOT = Path("/autograder")
FILES = Path(__file__).resolve().parent / "files"
"""``setup.sh`` and ``run_autograder``, the zip's root."""
SETTINGS = "gradescope.json"
"""The build's choices that run_autograder reads (in the zip, so in ``/autograder/source``):
``visibility``."""
VISIBILITIES = ("visible", "after_due_date", "after_published")
"""What ``--visibility`` may set: when students see the tests (results.json's top-level
``visibility``, and each test's). Without it, every test is ``visible`` as soon as it ran."""
SECRET = "grading_secret"
"""Name of the grading secret in the zip (so in ``/autograder/source``)."""
EXIT_NOT_GRADED = 3
"""run_autograder's exit status when the student was not graded (the grader's fault)."""
ISOLATION = Isolation.UID
"""The isolation in the container: chosen here, never reached by falling back."""


def gradescope_root() -> Path:
    """Gradescope's ``/autograder``, or where ``AUTOGRADER_GRADESCOPE_ROOT`` puts it."""
    return Path(os.environ.get(ROOT_ENV) or DEFAULT_ROOT)
