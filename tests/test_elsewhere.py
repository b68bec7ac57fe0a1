"""The notebook where students work, beyond JupyterLab with the release folder, and the hand-in.

Opened alone (uploaded to Colab, or downloaded without its folder), the notebook fetches its
helpers from the course's archive and checks them against the SHA-256 it was released with, or
says in one line what to do; never a bare ModuleNotFoundError. ``python -m cs231n.submit`` and
the notebook's last cell write the PDF of the written answers (with the plots they discuss) and
the zip of the code, or say in one line how to get a PDF engine."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import IN_CI
from nbclient import NotebookClient
from support.corpus import student_nb
from support.paths import ASSIGNMENT, NOTEBOOK, RELEASE_DIR

from autograder.kit.notebooks import execute_in

ARCHIVE = RELEASE_DIR.parent / f"{ASSIGNMENT}-helpers.zip"


@pytest.fixture
def server(tmp_path):
    """A local HTTP server for a folder of files: (folder, base URL)."""
    folder = tmp_path / "published"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


def alone(tmp_path):
    """A folder holding the notebook alone, answered: what Colab has after an upload."""
    folder = tmp_path / "alone"
    folder.mkdir()
    nb = student_nb()
    nbformat.write(nb, folder / NOTEBOOK)
    return folder, nb


def first_error(nb):
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return cell, output
    return None, None


def test_the_notebook_alone_fetches_its_helpers_and_runs_to_the_end(tmp_path, server, monkeypatch):
    published, url = server
    shutil.copy(ARCHIVE, published / ARCHIVE.name)
    folder, nb = alone(tmp_path)
    monkeypatch.setenv("CS231N_HELPERS_URL", f"{url}/{ARCHIVE.name}")
    monkeypatch.setenv("BATCHNORM_DATA_DIR", str(tmp_path / "data"))
    executed = execute_in(nb, folder, allow_errors=False)
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
    helpers = next(c for c in executed.cells if c.metadata["nbgrader"]["grade_id"] == "helpers")
    assert "Fetched the helpers from" in helpers.outputs[0]["text"]
    assert (folder / "cs231n" / "checking.py").is_file()
    summary = next(c for c in executed.cells if c.metadata["nbgrader"]["grade_id"] == "summary")
    assert "11 of 11 tasks pass their public checks" in summary.outputs[0]["text"]


def test_the_notebook_alone_says_in_one_line_where_its_helpers_are(tmp_path, monkeypatch):
    monkeypatch.delenv("CS231N_HELPERS_URL", raising=False)
    folder, nb = alone(tmp_path)
    executed = execute_in(nb, folder, allow_errors=True)
    cell, error = first_error(executed)
    assert cell.metadata["nbgrader"]["grade_id"] == "helpers"
    assert error["ename"] == "MissingHelpers"
    (line,) = error["traceback"]
    assert "needs its helpers, the cs231n folder of its assignment" in line


def test_helpers_that_are_not_the_released_ones_are_refused(tmp_path, server, monkeypatch):
    published, url = server
    tampered = bytearray(ARCHIVE.read_bytes())
    tampered[-100] ^= 1
    (published / ARCHIVE.name).write_bytes(bytes(tampered))
    folder, nb = alone(tmp_path)
    monkeypatch.setenv("CS231N_HELPERS_URL", f"{url}/{ARCHIVE.name}")
    executed = execute_in(nb, folder, allow_errors=True)
    cell, error = first_error(executed)
    assert cell.metadata["nbgrader"]["grade_id"] == "helpers"
    assert "not the ones released with this notebook" in error["traceback"][0]
    assert not (folder / "cs231n").exists()


# The hand-in: python -m cs231n.submit, and the notebook's last cell -----------------------------

QUESTIONS = [f"inline_question_{i}" for i in range(1, 5)]


def handed_in_folder(tmp_path, nb):
    """A student's folder: the release, with ``nb`` (executed: answers and plots) saved."""
    folder = tmp_path / "batchnorm"
    shutil.copytree(RELEASE_DIR, folder)
    nbformat.write(nb, folder / NOTEBOOK)
    return folder


def answers_of(nb) -> dict[str, str]:
    """Each written answer's words, as a PDF's text holds them."""
    found = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid in QUESTIONS:
            text = re.sub(r"### (BEGIN|END) SOLUTION|\*\*Your answer:\*\*", "", cell.source)
            found[gid] = " ".join(text.split())
    return found


def pdf_text(path) -> str:
    run = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(run.stdout.split())


def pdf_images(path) -> int:
    run = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return len(run.stdout.splitlines()) - 2  # a header of two lines, then one line an image


@pytest.fixture(scope="module")
def poppler():
    """pdftotext and pdfimages (Debian's poppler-utils), to read a PDF back."""
    if not shutil.which("pdftotext") or not shutil.which("pdfimages"):
        message = "pdftotext is missing: apt-get install poppler-utils"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def test_submit_writes_the_written_answers_and_the_code(tmp_path, reference_nb, poppler):
    folder = handed_in_folder(tmp_path, reference_nb)
    run = subprocess.run([sys.executable, "-m", "cs231n.submit", NOTEBOOK], cwd=folder,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("11 of 11 tasks pass their public checks")
    pdf, code = folder / "BatchNormalization.pdf", folder / "BatchNormalization_code.zip"
    text = pdf_text(pdf)
    for question, answer in answers_of(reference_nb).items():
        assert answer and answer in text, question
    # the plots the questions discuss: Experiment 2's and Experiment 3's, from this run
    assert pdf_images(pdf) == 2
    with zipfile.ZipFile(code) as archive:
        assert archive.namelist() == [NOTEBOOK]
        assert archive.read(NOTEBOOK) == (folder / NOTEBOOK).read_bytes()
    assert f"- {code.name}: the code" in run.stdout and f"- {pdf.name}: the written" in run.stdout


def test_submit_without_a_pdf_engine_says_in_one_line_how_to_get_one(tmp_path, reference_nb):
    folder = handed_in_folder(tmp_path, reference_nb)
    env = {**os.environ, "PATH": str(Path(sys.executable).parent),
           "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "no-browsers")}  # fmt: skip
    env.pop("CS231N_CHROMIUM", None)
    command = [sys.executable, "-m", "cs231n.submit", NOTEBOOK, "--no-validate"]
    run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    (line,) = [li for li in run.stdout.splitlines() if li.startswith("No PDF engine")]
    assert "apt-get install chromium" in line and "playwright install chromium" in line
    assert not (folder / "BatchNormalization.pdf").exists()
    assert (folder / "BatchNormalization_code.zip").exists()  # the code can go in anyway


def test_the_hand_in_cell_makes_both_in_the_kernel(tmp_path, reference_nb, poppler):
    """The notebook's last cell, in a kernel (whose asyncio loop Playwright's synchronous API
    refuses: the PDF is printed on a thread of its own)."""
    folder = handed_in_folder(tmp_path, reference_nb)
    keep = ("helpers", "setup", "submit")
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] in keep]
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})  # fmt: skip
    client.execute()
    said = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert "What goes where" in said, said
    assert pdf_images(folder / "BatchNormalization.pdf") == 2
    assert (folder / "BatchNormalization_code.zip").exists()
