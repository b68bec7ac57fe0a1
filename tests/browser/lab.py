"""A JupyterLab server of its own for each browser test, and what a user does in its page.

Every wait is on a condition (the server answers, a selector shows, the kernel is idle, a
dialog opens), with generous timeouts: the machine may be busy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
from conftest import ENV, free_port

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Debian's chromium under Playwright, as ECOSYSTEM.md found it to work here."""

STARTUP_TIMEOUT = 180
"""Seconds for a server to answer (about 4 s on an idle machine)."""

RUN_TIMEOUT_MS = 600_000
"""Run All, Validate: the experiments train networks (about 15 s on an idle machine)."""

UI_TIMEOUT_MS = 120_000
"""Anything else in the page."""


@dataclass
class Home:
    """A user's own Jupyter folders: HOME, configuration, data (nbgrader's cache is in it)."""

    path: Path

    @property
    def config(self) -> Path:
        return self.path / ".jupyter"

    @property
    def data(self) -> Path:
        return self.path / ".local" / "share" / "jupyter"

    def env(self) -> dict[str, str]:
        env = dict(ENV)  # nbgrader shells out to alembic: the venv's scripts first on PATH
        env.update(
            HOME=str(self.path),
            JUPYTER_CONFIG_DIR=str(self.config),
            JUPYTER_DATA_DIR=str(self.data),
            JUPYTER_RUNTIME_DIR=str(self.path / "runtime"),
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.pop("JUPYTER_PATH", None)
        return env

    @classmethod
    def make(cls, path: Path) -> Home:
        home = cls(path)
        for folder in (home.config, home.data, path / "runtime"):
            folder.mkdir(parents=True, exist_ok=True)
        # Every cell in the page, not only the visible ones (JupyterLab 4 renders lazily).
        settings = home.config / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        # No "get notified about Jupyter news?" toast over the screenshots.
        settings = home.config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false"})
        )
        return home


class Lab:
    """``jupyter lab`` (or ``jupyter notebook``, Notebook 7: ``app="notebook"``) on a free port,
    serving ``root``, as the user of ``home``."""

    def __init__(self, root: Path, home: Home, log: Path, app: str = "lab"):
        self.root, self.home, self.log_path, self.app = root, home, log, app
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Lab:
        for _ in range(3):  # another program may take the free port before the server does
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "jupyter",
                        self.app,
                        "--no-browser",
                        "--allow-root",
                        f"--port={self.port}",
                        "--ServerApp.port_retries=0",
                        "--ServerApp.ip=127.0.0.1",
                        "--IdentityProvider.token=",
                        "--ServerApp.password=",
                        f"--ServerApp.root_dir={self.root}",
                    ],
                    cwd=self.root,
                    env=self.home.env(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_ready():
                return self
        raise RuntimeError(f"jupyter {self.app} did not start; its log:\n{self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=5) as reply:
                    if reply.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)  # polling interval of the condition, not a wait for the server
        self.stop()
        raise RuntimeError(
            f"jupyter {self.app} did not answer in {STARTUP_TIMEOUT} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Shut the server and its kernels down; kill its process group if it will not stop."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            request = urllib.request.Request(f"{self.url}/api/shutdown", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
        except (urllib.error.URLError, OSError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Shots:
    """Numbered screenshots of a test's steps in one folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0
        self.start = time.perf_counter()
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, step: str) -> Path:
        """Screenshot of the page now; prints the step and the seconds since the test began."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=False)
        print(f"[{time.perf_counter() - self.start:6.1f} s] {path.name}")
        return path


# What a user does in JupyterLab -------------------------------------------------------------


def open_lab(page, lab: Lab, path: str = "") -> None:
    """Open JupyterLab (at ``path``, a file under its root) and wait for it to be ready."""
    page.goto(f"{lab.url}/lab" + (f"/tree/{path}" if path else ""), timeout=UI_TIMEOUT_MS)
    page.wait_for_selector("#jp-main-dock-panel", timeout=UI_TIMEOUT_MS)
    page.wait_for_selector("#jp-MainMenu", timeout=UI_TIMEOUT_MS)


def open_notebook(page, lab: Lab, path: str) -> None:
    """Open a notebook; return when all its cells are shown and its kernel is idle."""
    nb = nbformat.read(lab.root / path, as_version=4)
    open_lab(page, lab, path)
    page.wait_for_function(
        "n => document.querySelectorAll("
        "'.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').length === n",
        arg=len(nb.cells),
        timeout=UI_TIMEOUT_MS,
        polling=200,
    )
    wait_kernel_idle(page)
    # Select the first cell, as a user's click would: the notebook is then the current
    # widget, which the Run menu's commands act on.
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell .jp-InputPrompt").first.click()
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-selected").first.wait_for()


def wait_kernel_idle(page, timeout: int = UI_TIMEOUT_MS) -> None:
    """The notebook's kernel is connected and idle, as the status bar says ("Python 3
    (ipykernel) | Idle"). The toolbar's execution indicator alone is not enough: it reads
    "idle" before any kernel is there ("No Kernel | Initializing"), and a Run All clicked
    then runs nothing."""
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('#jp-main-statusbar');
            const indicator = document.querySelector(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
            return bar && /\\(ipykernel\\) \\| Idle/.test(bar.innerText)
                && indicator && indicator.getAttribute('data-status') === 'idle';
        }""",
        timeout=timeout,
        polling=200,
    )


def wait_notebook7_idle(page, timeout: int = UI_TIMEOUT_MS) -> None:
    """Notebook 7's kernel is connected and idle: its toolbar names the kernel and the
    execution indicator reads idle (Notebook 7 has no status bar)."""
    page.wait_for_function(
        """() => {
            const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName');
            const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
            return name && /ipykernel/.test(name.innerText)
                && indicator && indicator.getAttribute('data-status') === 'idle';
        }""",
        timeout=timeout,
        polling=200,
    )


def menu(page, top: str, item: str) -> None:
    """Click ``item`` (its exact label) in the main menu ``top`` (e.g. "Run", "Run All Cells")."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=top).first.click()
    entry = page.locator(".lm-Menu:not(.lm-mod-hidden) .lm-Menu-item:not(.lm-mod-disabled)").filter(
        has=page.get_by_text(item, exact=True)
    )
    entry.wait_for()
    entry.click()


def open_menu(page, label: str, menu_id: str) -> list[str]:
    """Open the main menu ``label`` (DOM id ``menu_id``); the labels of its items. It stays
    open (for a screenshot) until Escape."""
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=label).first.click()
    page.wait_for_selector(f"#{menu_id}", timeout=UI_TIMEOUT_MS)
    labels = page.locator(f"#{menu_id} .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
    return [t.strip() for t in labels.all_inner_texts()]


def run_all(page) -> None:
    """Run → Run All Cells; return when every code cell has run and the kernel is idle."""
    menu(page, "Run", "Run All Cells")
    # It started: a cell is queued or running, or has run.
    page.wait_for_function(
        """() => [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
            .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""",
        timeout=UI_TIMEOUT_MS,
        polling=200,
    )
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=RUN_TIMEOUT_MS,
        polling=500,
    )
    wait_kernel_idle(page, RUN_TIMEOUT_MS)


def code_cells(page):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell")


def cell_outputs(page, index: int) -> str:
    """The text of the outputs of the code cell at ``index`` (among code cells)."""
    return code_cells(page).nth(index).locator(".jp-OutputArea").inner_text()


def validate(page) -> tuple[bool, str]:
    """Press nbgrader's Validate button; (passed, the dialog's text) once its dialog shows."""
    page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar .validate-button"
    ).click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=RUN_TIMEOUT_MS)
    body = dialog.locator(".validation-success, .validation-failed, .validation-changed")
    body.first.wait_for(timeout=RUN_TIMEOUT_MS)
    text = dialog.inner_text()
    passed = dialog.locator(".validation-success").count() == 1
    return passed, text


def close_dialog(page) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").first.click()
    page.locator(".jp-Dialog").wait_for(state="detached", timeout=UI_TIMEOUT_MS)
