"""Fixtures of the browser tests: Debian's chromium under Playwright, a JupyterLab per test,
screenshots of each step, and each test's wall time in the summary."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.layout import ROOT

from .lab import CHROMIUM, LAUNCH_ARGS, UI_TIMEOUT_MS, Home, Lab, Shots

IN_CI = os.environ.get("CI", "").lower() == "true"
WALL_TIMES: list[tuple[str, float, str]] = []
"""(test, seconds, screenshot folder) of each browser test run, for the summary."""


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Debian's chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium. In CI a missing browser fails the test; elsewhere it skips."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(OUTCOMES, {})[report.when] = report
    return report


OUTCOMES = pytest.StashKey[dict]()


@pytest.fixture
def page(request, browser, shots):
    """A fresh browser page; if the test fails, a screenshot of the page as it was."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    yield page
    call = request.node.stash.get(OUTCOMES, {}).get("call")
    if call is not None and call.failed:
        shots(page, "failed-here")
    context.close()


@pytest.fixture
def shots(request, tmp_path_factory):
    """Screenshots of this test's steps, in a folder printed in the summary."""
    folder = tmp_path_factory.getbasetemp() / "browser-screenshots" / request.node.name
    return Shots(folder)


@pytest.fixture(autouse=True)
def wall_time(request):
    """Each browser test's wall time, printed and listed at the end of the run."""
    if "page" not in request.fixturenames:
        yield
        return
    shots = request.getfixturevalue("shots")
    start = time.perf_counter()
    print(f"screenshots: {shots.folder}")
    yield
    seconds = time.perf_counter() - start
    print(f"{request.node.name}: wall time {seconds:.1f} s")
    WALL_TIMES.append((request.node.name, seconds, str(shots.folder)))


@pytest.fixture
def start_lab(tmp_path):
    """Start JupyterLab servers (``start_lab(root, home)``; Notebook 7's with ``app="notebook"``);
    all are stopped after the test, whether it passed or not."""
    labs = []

    def start(root, home: Home, app: str = "lab") -> Lab:
        lab = Lab(root, home, tmp_path / f"lab-{len(labs)}.log", app)
        labs.append(lab)
        return lab.start()

    yield start
    for lab in labs:
        lab.stop()


def pytest_terminal_summary(terminalreporter):
    if not WALL_TIMES:
        return
    terminalreporter.section("browser tests: wall time")
    for name, seconds, folder in WALL_TIMES:
        terminalreporter.write_line(f"{name}: {seconds:.1f} s (screenshots: {folder})")
    total = sum(seconds for _, seconds, _ in WALL_TIMES)
    terminalreporter.write_line(f"all browser tests: {total:.1f} s")


@pytest.fixture(scope="session")
def student_config(tmp_path_factory) -> Path:
    """A student's Jupyter configuration, written by ``scripts/student_env.py --user`` (in a
    home of its own: nothing outside it changes)."""
    home = Home.make(tmp_path_factory.mktemp("student-env"))
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "student_env.py"), "--user"],
        env=home.env(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    return home.config


@pytest.fixture
def student_home(tmp_path, student_config) -> Home:
    home = Home.make(tmp_path / "student-home")
    shutil.copytree(student_config, home.config, dirs_exist_ok=True)
    return home


@pytest.fixture
def instructor_home(tmp_path) -> Home:
    """The instructor's Jupyter: the environment as ``make`` builds it, nothing disabled."""
    return Home.make(tmp_path / "instructor-home")
