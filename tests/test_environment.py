"""environment.yml (conda-forge) and requirements.txt (the pins) list the same packages."""

import re
import subprocess
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line}: pins must be exact"
            found[canonicalize_name(req.name)] = spec.version
    return found


def conda_specs() -> dict[str, SpecifierSet]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for line in dep["pip"]:
                req = Requirement(line)
                specs[canonicalize_name(req.name)] = req.specifier
            continue
        name, _, version = re.match(r"([\w.-]+)\s*(=*)\s*(\S*)", dep).groups()
        if name in ("python", "pip"):
            continue
        # conda's "=2.4.6" admits 2.4.6 and its builds; "=2.4" admits 2.4.*
        exact = version.count(".") >= 2
        specs[canonicalize_name(name)] = SpecifierSet(f"=={version}" + ("" if exact else ".*"))
    return specs


def test_same_packages():
    assert set(pins()) == set(conda_specs())


def test_compatible_versions():
    specs = conda_specs()
    for name, version in pins().items():
        assert version in specs[name], f"{name}: pin {version} not admitted by {specs[name]}"


def test_environment_python_is_supported():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    assert sys.version_info >= (3, 11)


def test_installed_versions_are_the_pins():
    from importlib.metadata import version

    for name, pinned in pins().items():
        assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}"


def test_nbgrader_labextension_loads():
    out = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = out.stdout + out.stderr
    line = next((ln for ln in text.splitlines() if "@jupyter/nbgrader" in ln), "")
    assert "enabled" in line and "OK" in line, text


def test_the_project_declares_the_pinned_packages_and_its_command():
    """pyproject's dependencies are the pinned runtime packages (the pins choose versions)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    declared |= {
        canonicalize_name(Requirement(d).name)
        for extra in project["optional-dependencies"].values()
        for d in extra
    }
    assert declared <= set(pins())
    for name in declared:
        assert pins()[name] in Requirement(
            next(d for d in project["dependencies"] + project["optional-dependencies"]["test"]
                 if canonicalize_name(Requirement(d).name) == name)
        ).specifier, name  # fmt: skip
    assert project["scripts"]["batchnorm-kit"] == "autograder.__main__:main"
    out = subprocess.run(
        [str(Path(sys.executable).parent / "batchnorm-kit"), "tasks"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "| `FullyConnectedNet` |" in out.stdout
