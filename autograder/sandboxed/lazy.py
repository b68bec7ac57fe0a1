"""matplotlib, imported only if the student's code uses it (inside the sandbox).

The setup cell imports ``matplotlib.pyplot`` and sets two ``rcParams``, but grading draws
nothing, and importing matplotlib takes a sixth of a second in every sandbox. So until
something else is asked of it, ``matplotlib`` and ``matplotlib.pyplot`` are stand-ins:

- ``import matplotlib.pyplot as plt`` binds the stand-in;
- ``plt.rcParams[key] = value`` (or ``matplotlib.rcParams``) is kept and applied at the import;
- anything else (``plt.figure``, reading an ``rcParams`` value, ``matplotlib.use``, importing a
  submodule) imports the real modules first, and the stand-ins pass everything on to them.

A submodule import reaches the stand-in's ``__path__``: that imports matplotlib, whose own
import already brought in most submodules, and :class:`_Finder` gives those back as they are
instead of loading a second copy. Stdlib only; nothing here names a task.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

NAMES = ("matplotlib", "matplotlib.pyplot")


class _State:
    settings: list[tuple[tuple, dict]] = []  # rcParams.update calls made before the import
    loading = False


def load(name: str, *, via_path: bool = False):
    """The real module ``name``, importing matplotlib (and applying the kept settings) first."""
    if isinstance(sys.modules.get("matplotlib"), _StandIn):
        _State.loading = True
        try:
            for stand_in in NAMES:
                if isinstance(sys.modules.get(stand_in), _StandIn):
                    del sys.modules[stand_in]
            real = importlib.import_module("matplotlib")
            for args, kwargs in _State.settings:
                real.rcParams.update(*args, **kwargs)
            _State.settings.clear()
        finally:
            _State.loading = False
        if not via_path:  # no submodule import is under way: the finder has nothing to do
            _Finder.remove()
    return importlib.import_module(name)


class _StandIn(types.ModuleType):
    def __getattr__(self, name):
        module = load(self.__name__, via_path=name == "__path__")
        return getattr(module, name)


class _RcParams:
    """``rcParams`` before the import: settings are kept, anything else asks matplotlib's."""

    def __setitem__(self, key, value) -> None:
        self.update({key: value})

    def update(self, *args, **kwargs) -> None:
        if isinstance(sys.modules.get("matplotlib"), _StandIn):
            _State.settings.append((args, kwargs))
        else:
            load("matplotlib").rcParams.update(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(load("matplotlib").rcParams, name)

    def __getitem__(self, key):
        return load("matplotlib").rcParams[key]

    def __delitem__(self, key) -> None:
        del load("matplotlib").rcParams[key]

    def __contains__(self, key) -> bool:
        return key in load("matplotlib").rcParams

    def __iter__(self):
        return iter(load("matplotlib").rcParams)

    def __len__(self) -> int:
        return len(load("matplotlib").rcParams)

    def __repr__(self) -> str:
        return repr(load("matplotlib").rcParams)


class _Loaded:
    """Gives back a module that is already imported, with its own spec (a loader by its
    methods: ``importlib.abc`` would add 12 ms to every sandbox's start)."""

    def __init__(self, module: types.ModuleType):
        self.module, self.spec = module, module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        module.__spec__ = self.spec


class _Finder:
    """First on ``sys.meta_path`` until matplotlib is real and the import that made it so is
    done: a submodule that matplotlib's own import brought in is not loaded twice (a finder by
    its method, as :class:`_Loaded` is a loader)."""

    def find_spec(self, fullname, path=None, target=None):
        if _State.loading or not fullname.startswith("matplotlib."):
            return None
        load("matplotlib", via_path=True)
        _Finder.remove()
        module = sys.modules.get(fullname)
        if module is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Loaded(module))

    @staticmethod
    def remove() -> None:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]


def install() -> None:
    """Put the stand-ins in place (before the student's first line runs)."""
    if "matplotlib" in sys.modules or importlib.util.find_spec("matplotlib") is None:
        return  # already imported, or not installed: nothing to defer
    matplotlib, pyplot = _StandIn("matplotlib"), _StandIn("matplotlib.pyplot")
    rc_params = _RcParams()
    matplotlib.pyplot = pyplot  # type: ignore[attr-defined]
    matplotlib.rcParams = pyplot.rcParams = rc_params  # type: ignore[attr-defined]
    sys.modules.update({"matplotlib": matplotlib, "matplotlib.pyplot": pyplot})
    sys.meta_path.insert(0, _Finder())
