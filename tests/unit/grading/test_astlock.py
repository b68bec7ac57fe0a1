"""ast.parse takes one process-wide lock once the grading package is imported
(autograder/grading/astlock.py: python/cpython#106905)."""

from __future__ import annotations

import ast
import threading

import autograder.grading  # noqa: F401  (installs the lock)
from autograder.grading import astlock


def test_a_parse_waits_while_another_thread_parses():
    parsed = threading.Event()

    def read_a_header():
        ast.literal_eval("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }")
        parsed.set()

    with astlock.LOCK:  # as if another thread were inside ast.parse
        reader = threading.Thread(target=read_a_header)
        reader.start()
        assert not parsed.wait(1), "ast.literal_eval parsed while another thread held the lock"
    reader.join(30)
    assert parsed.is_set()


def test_installing_twice_wraps_once():
    astlock.install()
    assert not hasattr(ast.parse.__wrapped__, "__wrapped__")  # the original, wrapped once
