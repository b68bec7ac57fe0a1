"""matplotlib stand-ins in the sandbox: imported only when used, and then the real thing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from autograder.sandboxed import lazy

PRELUDE = f"""
import sys
sys.path.insert(0, {str(__import__("pathlib").Path(lazy.__file__).parent)!r})
import lazy
lazy.install()
def real(name):
    return not isinstance(sys.modules.get(name), lazy._StandIn) and name in sys.modules
"""

SCENARIOS = {
    "the setup cell imports nothing": """
        import matplotlib.pyplot as plt
        plt.rcParams["figure.figsize"] = (10.0, 8.0)
        plt.rcParams["image.interpolation"] = "nearest"
        assert not real("matplotlib") and "matplotlib.colors" not in sys.modules
    """,
    "settings apply at the import": """
        import matplotlib.pyplot as plt
        plt.rcParams["figure.figsize"] = (10.0, 8.0)
        assert not real("matplotlib")
        import matplotlib
        matplotlib.use("Agg")
        fig = plt.figure()
        assert real("matplotlib.pyplot") and list(fig.get_size_inches()) == [10.0, 8.0]
        default = matplotlib.rcParamsDefault["image.interpolation"]
        assert plt.rcParams["image.interpolation"] == default
    """,
    "reading a setting imports matplotlib": """
        import matplotlib.pyplot as plt
        width = plt.rcParams["lines.linewidth"]
        import matplotlib
        assert real("matplotlib") and width == matplotlib.rcParamsDefault["lines.linewidth"]
        assert "lines.linewidth" in plt.rcParams and len(plt.rcParams) > 100
    """,
    "a submodule is loaded once": """
        import matplotlib.pyplot as plt
        import matplotlib.colors as colors
        import matplotlib, matplotlib.rcsetup
        assert colors is sys.modules["matplotlib.colors"] is matplotlib.colors
        assert matplotlib.rcsetup.Colormap is colors.Colormap
        import matplotlib.sankey  # one matplotlib's import does not bring in
        assert not any(isinstance(f, lazy._Finder) for f in sys.meta_path)
    """,
    "from matplotlib import": """
        from matplotlib import cm, pyplot as plt
        plt.switch_backend("Agg")
        assert cm is sys.modules["matplotlib.cm"] and real("matplotlib.pyplot")
        plt.plot([1, 2])
    """,
    "the stand-in passes on": """
        import matplotlib.pyplot as plt
        plt.switch_backend("Agg")
        line, = plt.plot([1, 2, 3])
        import matplotlib
        assert matplotlib.__version__ and isinstance(line, matplotlib.lines.Line2D)
        plt.rcParams["lines.linewidth"] = 3.0
        assert matplotlib.rcParams["lines.linewidth"] == 3.0
    """,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario(scenario, tmp_path):
    code = PRELUDE + textwrap.dedent(SCENARIOS[scenario]) + "\nprint('ok')\n"
    env = {"MPLCONFIGDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.stdout.strip() == "ok", result.stderr
