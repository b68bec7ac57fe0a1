"""A students' helpers folder (by default solutions/batchnorm/cs231n), imported as the package
``cs231n`` for a while, whatever ``cs231n`` was imported before."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from autograder.layout import ROOT

PKG_DIR = ROOT / "solutions" / "batchnorm" / "cs231n"


@contextlib.contextmanager
def helpers_package(folder: Path = PKG_DIR) -> Iterator[ModuleType]:
    """``folder`` as the package ``cs231n``; the modules imported before it, back after."""
    saved = {k: v for k, v in sys.modules.items() if k == "cs231n" or k.startswith("cs231n.")}
    for k in saved:
        del sys.modules[k]
    spec = importlib.util.spec_from_file_location(
        "cs231n", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["cs231n"] = package
    try:
        spec.loader.exec_module(package)
        yield package
    finally:
        for k in [k for k in sys.modules if k == "cs231n" or k.startswith("cs231n.")]:
            del sys.modules[k]
        sys.modules.update(saved)
