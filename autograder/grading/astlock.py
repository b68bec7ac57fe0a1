"""One thread at a time in ``ast.parse``, in every process that grades.

CPython 3.11 keeps the AST constructor's recursion depth in per-interpreter state: two threads
building ASTs at once can corrupt it, and from then on every parse in the process fails with
``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905). The trusted
side reads the student's arrays with ``numpy.load``, which parses each array's header with
``ast.literal_eval``; the grading functions are safe to call from several threads (the tests
grade on thread pools, while pytest parses source to report a failure). So :func:`install`
wraps ``ast.parse`` (which ``ast.literal_eval`` calls) in one process-wide lock. Parsing here is
a few headers per submission: the lock costs nothing measurable.
"""

from __future__ import annotations

import ast
import functools
import threading

LOCK = threading.RLock()


def install() -> None:
    """Make ``ast.parse`` take :data:`LOCK` (once per process)."""
    if getattr(ast.parse, "__wrapped__", None) is not None:
        return
    parse = ast.parse

    @functools.wraps(parse)
    def locked(*args, **kwargs):
        with LOCK:
            return parse(*args, **kwargs)

    ast.parse = locked  # type: ignore[assignment]
