"""scripts/student_env.py names plugins and server extensions that nbgrader really has.

``jupyter labextension disable`` accepts any name without a word, so a renamed plugin would
stay on for students: these checks read nbgrader's installed extension instead.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from autograder.layout import ROOT


def student_env():
    spec = importlib.util.spec_from_file_location("student_env", ROOT / "scripts/student_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plugin_ids_are_nbgraders():
    lab = Path(sys.prefix) / "share/jupyter/labextensions/@jupyter/nbgrader"
    assert json.loads((lab / "package.json").read_text())["name"] == "@jupyter/nbgrader"
    bundle = "".join(p.read_text(errors="replace") for p in (lab / "static").glob("*.js"))
    for plugin in student_env().INSTRUCTOR_PLUGINS:
        assert f'id:"{plugin}"' in bundle or f'"{plugin}"' in bundle, plugin
    assert 'id:"@jupyter/nbgrader:assignment-list"' in bundle  # what students keep


def test_server_extensions_are_nbgraders():
    enabled = json.loads(
        (Path(sys.prefix) / "etc/jupyter/jupyter_server_config.d/nbgrader.json").read_text()
    )["ServerApp"]["jpserver_extensions"]
    for extension in student_env().INSTRUCTOR_SERVER_EXTENSIONS:
        assert extension in enabled
        assert importlib.util.find_spec(extension) is not None
