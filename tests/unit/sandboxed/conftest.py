"""The sandboxed package as the sandbox sees it: its modules side by side, imported by their
plain names (``import contracts``), as ``runner.py`` imports them."""

from __future__ import annotations

import importlib
import sys

import pytest

from autograder.layout import PACKAGE

SANDBOXED = PACKAGE / "sandboxed"


@pytest.fixture
def sandboxed(monkeypatch):
    """``sandboxed("audit")``: that module, imported as in the sandbox; this test's own copy,
    gone with the modules it brought in once the test ends."""
    monkeypatch.syspath_prepend(str(SANDBOXED))
    before = set(sys.modules)
    yield importlib.import_module
    for name in set(sys.modules) - before:
        if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(SANDBOXED)):
            del sys.modules[name]
