"""The three layers of packages hold together.

``requirements/students.in`` (what students run), ``grading.in`` (what the autograder imports at
grading time) and ``dev.in`` (everything else) are locked by ``make lock`` into ``students.txt``,
``grading.txt`` and ``dev.txt``: every package pinned with its hashes, for any OS on Python
>= 3.11.0. Checked here: each lock is what its .in asks for, every line is pinned and hashed, no
lock names this machine's indexes or folders, the layers agree on every version they share in
every environment they are meant for, the installed environment is the locks', grading's layer
is lean, and make, CI, the Gradescope image and conda install from the locks.
"""

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements"
LAYERS = ("students", "grading", "dev")
LOWER = {"students": [], "grading": ["students"], "dev": ["students", "grading"]}
"""Each layer's .in is constrained by the locks of the layers below it, in this order."""


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    marker: Marker | None
    hashes: tuple[str, ...]
    line: str


def locked(layer: str) -> list[Locked]:
    """The requirements of a lock, continuation lines joined; anything else fails."""
    entries, text = [], (REQUIREMENTS / f"{layer}.txt").read_text()
    for line in re.sub(r"\\\n", " ", text).splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        requirement, *options = re.split(r"\s+(?=--)", stripped)
        hashes = tuple(o.removeprefix("--hash=") for o in options if o.startswith("--hash="))
        assert len(hashes) == len(options), f"{layer}.txt: an option that is not a hash: {line}"
        req = Requirement(requirement)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{layer}.txt: not pinned: {line}"
        assert not req.extras and not req.url, f"{layer}.txt: {line}"
        entries.append(
            Locked(canonicalize_name(req.name), specs[0].version, req.marker, hashes, line)
        )
    return entries


def inputs(layer: str) -> tuple[list[str], list[Requirement]]:
    """(the constraint files, the requirements) of a layer's .in."""
    constraints, reqs = [], []
    for line in (REQUIREMENTS / f"{layer}.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-c "):
            constraints.append(line.removeprefix("-c ").strip())
        elif line:
            assert not line.startswith("-"), f"{layer}.in: only -c and requirements: {line}"
            reqs.append(Requirement(line))
    return constraints, reqs


def environment(python: str, platform: str = "linux") -> dict[str, str]:
    """A marker environment: CPython ``python`` on ``platform`` (linux, darwin, win32)."""
    env = dict(default_environment())
    env.update(
        python_version=".".join(python.split(".")[:2]),
        python_full_version=python,
        implementation_name="cpython",
        platform_python_implementation="CPython",
        sys_platform=platform,
        os_name="nt" if platform == "win32" else "posix",
        platform_system={"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[platform],
        platform_machine="AMD64" if platform == "win32" else "x86_64",
    )
    return env


ENVIRONMENTS = {
    "Debian 12 (3.11.2)": environment("3.11.2"),
    "the floor (3.11.0)": environment("3.11.0"),
    "deadsnakes 3.11": environment("3.11.14"),
    "3.12": environment("3.12.8"),
    "3.13": environment("3.13.1"),
    "macOS": environment("3.11.9", "darwin"),
    "Windows": environment("3.11.9", "win32"),
    "this Python": dict(default_environment()),
}


def versions(layer: str, env: dict[str, str]) -> dict[str, str]:
    """Package -> version the lock installs in ``env`` (one version per package)."""
    found: dict[str, str] = {}
    for entry in locked(layer):
        if entry.marker is None or entry.marker.evaluate(env):
            assert found.setdefault(entry.name, entry.version) == entry.version, (layer, entry)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_every_lock_line_is_pinned_with_hashes(layer):
    entries = locked(layer)
    assert entries
    for entry in entries:
        assert entry.hashes, f"{layer}.txt: {entry.name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry.hashes), entry.line


@pytest.mark.parametrize("layer", LAYERS)
def test_no_lock_names_this_machines_indexes_or_folders(layer):
    """A lock is the same on every machine: no index, find-links or local path in it (this
    machine's pip configuration adds a local index and a wheel folder; uv does not read it)."""
    text = (REQUIREMENTS / f"{layer}.txt").read_text()
    options = re.findall(r"(?m)^\s*(-[-\w]+)", text)
    assert set(options) <= {"--hash"}, set(options)
    machine_specific = (
        "file:",
        "/opt/",
        "/root",
        "/home/",
        "/work/",
        "/tmp/",
        "index-url",
        "links",
    )
    for machine in machine_specific:
        assert machine not in text, f"{layer}.txt names {machine!r}"
    header = "# This file was autogenerated by uv via the following command:\n#    make lock\n"
    assert text.startswith(header)


@pytest.mark.parametrize("layer", LAYERS)
def test_each_lock_is_what_its_input_asks_for(layer):
    constraints, reqs = inputs(layer)
    assert constraints == [f"{lower}.txt" for lower in LOWER[layer]]
    entries = locked(layer)
    names = {e.name for e in entries}
    for env_name, env in ENVIRONMENTS.items():
        got = versions(layer, env)
        for req in reqs:
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            name = canonicalize_name(req.name)
            assert name in got, f"{layer}.in asks for {req}, {layer}.txt lacks it ({env_name})"
            assert req.specifier.contains(got[name], prereleases=True), (layer, str(req), got[name])
            for extra in req.extras:  # a lock has no extras: the extra's packages are listed
                assert canonicalize_name(f"{req.name}-{extra}") in names, (layer, str(req))
    # every locked package is there for a reason: asked for, or needed by another one
    text = (REQUIREMENTS / f"{layer}.txt").read_text()
    wanted = {canonicalize_name(r.name) for r in reqs}
    for block in re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2]):
        name = canonicalize_name(re.match(r"[\w.-]+", block).group())
        vias = set(re.findall(r"#\s+(?:via\s+)?(-r \S+|[\w.-]+)\s*$", block, flags=re.M))
        vias = {v for v in vias if v != "via"}
        assert f"-r {layer}.in" in vias or name in wanted or vias & names, (layer, name, vias)


def test_the_layers_agree_on_every_version_they_share():
    for env_name, env in ENVIRONMENTS.items():
        layers = {layer: versions(layer, env) for layer in LAYERS}
        for a in LAYERS:
            for b in LAYERS[LAYERS.index(a) + 1 :]:
                shared = set(layers[a]) & set(layers[b])
                differ = {
                    n: (layers[a][n], layers[b][n]) for n in shared if layers[a][n] != layers[b][n]
                }
                assert not differ, f"{a} and {b} disagree on {env_name}: {differ}"


def test_students_run_the_notebook_validate_and_render_their_pdf():
    _, reqs = inputs("students")
    asked = {canonicalize_name(r.name) for r in reqs}
    for name in ("numpy", "matplotlib", "mnist1d", "requests", "jupyterlab", "notebook",
                 "ipykernel", "nbgrader", "nbformat", "nbconvert", "playwright"):  # fmt: skip
        assert name in asked, name
    for req in reqs:  # the students' versions are chosen, not left to the resolver
        assert [s.operator for s in req.specifier] == ["=="], str(req)


def test_grading_is_lean():
    """What the autograder imports at grading time, and none of the notebook server, nbgrader
    or the instructor's tools: the Gradescope image installs only this layer."""
    linux = versions("grading", ENVIRONMENTS["Debian 12 (3.11.2)"])
    for name in ("numpy", "matplotlib", "nbformat", "jinja2", "ipython"):
        assert name in linux, name
    for heavy in ("nbgrader", "jupyterlab", "notebook", "jupyter-server", "nbconvert", "scipy",
                  "mnist1d", "psycopg", "sqlalchemy", "tqdm", "pytest", "playwright"):  # fmt: skip
        assert heavy not in linux, heavy


def test_installed_versions_are_the_locks():
    from importlib.metadata import PackageNotFoundError, version

    here = dict(default_environment())
    for layer in LAYERS:
        for name, pinned in versions(layer, here).items():
            try:
                installed = version(name)
            except PackageNotFoundError:
                pytest.fail(f"{name} ({layer}.txt) is not installed")
            assert installed == pinned, f"{name}: installed {installed}, {layer}.txt {pinned}"


def test_make_ci_gradescope_and_conda_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes --no-deps $(addprefix -r ,$(LOCKS))" in makefile
    assert re.search(r"(?m)^LAYERS := students grading dev$", makefile)
    assert "uv pip compile" in makefile and "--generate-hashes" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    setup = (ROOT / "autograder" / "gradescope" / "files" / "setup.sh").read_text()
    install = re.search(r"pip install (.*\\\n)*.*requirements/grading\.txt", setup)
    assert install and "--require-hashes" in install.group(), "setup.sh installs grading's lock"
    assert install.group().endswith('-r "$SOURCE/requirements/grading.txt')
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"] and "pip" in env["dependencies"]
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == ["--require-hashes", "--no-deps", "-r requirements/students.txt"]
    assert sys.version_info >= (3, 11)


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


def test_the_project_declares_locked_packages_and_its_command():
    """pyproject's dependencies are locked packages at versions it admits (the locks choose)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    here = {}
    for layer in LAYERS:
        here |= versions(layer, dict(default_environment()))
    declared = project["dependencies"] + [
        d for extra in project["optional-dependencies"].values() for d in extra
    ]
    for line in declared:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in here, f"pyproject declares {name}, no lock has it"
        assert req.specifier.contains(here[name]), (line, here[name])
    assert project["scripts"]["batchnorm-kit"] == "autograder.__main__:main"
    out = subprocess.run(
        [str(Path(sys.executable).parent / "batchnorm-kit"), "tasks"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "| `FullyConnectedNet` |" in out.stdout
