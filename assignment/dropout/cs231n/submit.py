"""Hand the assignment in: ``python -m cs231n.submit BatchNormalization.ipynb``.

Save the notebook first. This validates it (as ``python -m cs231n.validate`` does: a fresh run
of your cells and every check cell), then writes, beside it:

- ``BatchNormalization.pdf``: each written question with your answer and the plots it
  discusses, from your own run (the outputs saved in the notebook), for the course's written
  assignment on Gradescope (one manual question per written question);
- ``BatchNormalization_code.zip``: the notebook, for the course's autograded assignment.

It prints what goes where. The PDF needs no LaTeX: nbconvert makes the page and a Chromium
prints it (the system's, or Playwright's own). Where none can be found, it says in one line
how to get one; the zip is written anyway. The notebook's last cell runs the same, without the
fresh run (``check.submit()``): the summary above it is this session's.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NO_ENGINE = (
    "No PDF engine: install Chromium (Debian/Ubuntu: sudo apt-get install chromium) or run "
    "`python -m playwright install chromium` once, then run this again."
)
NO_PLAYWRIGHT = "No PDF engine: run `pip install playwright` (and see the line above), then again."


class NoPdfEngine(RuntimeError):
    """No Chromium to print the PDF with: the message says how to get one."""


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def written_answers(nb, questions: list[dict]):
    """A notebook of the written answers: a title, then for each question its prompt, the plots
    it discusses (image outputs of those experiments, as saved) and the student's answer."""
    import nbformat

    cells = {_meta(c).get("grade_id"): c for c in nb.cells}
    title = nb.metadata.get("title") or "Batch Normalization"
    out = nbformat.v4.new_notebook()
    out.cells.append(nbformat.v4.new_markdown_cell(f"# {title}: written answers"))
    for question in questions:
        out.cells.append(nbformat.v4.new_markdown_cell(question["prompt"]))
        for plot in question["plots"]:
            source = cells.get(plot)
            images = [
                copy.deepcopy(o)
                for o in (source.get("outputs", []) if source is not None else [])
                if o.get("output_type") in ("display_data", "execute_result")
                and "image/png" in o.get("data", {})
            ]
            if images:
                code = nbformat.v4.new_code_cell("")
                code.outputs = images
                out.cells.append(code)
            else:
                name = plot.replace("_", " ").capitalize()
                out.cells.append(nbformat.v4.new_markdown_cell(
                    f"*(No plot of {name} in the notebook: run it and save before submitting.)*"
                ))  # fmt: skip
        answer = cells.get(question["id"])
        text = answer.source if answer is not None else ""
        if not text or "YOUR ANSWER HERE" in text:
            text = "**Your answer:** *(not answered)*"
        out.cells.append(nbformat.v4.new_markdown_cell(text))
    return out


def _html(nb) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    return body


def chromiums() -> list[str | None]:
    """Browsers to print with, in order: $CS231N_CHROMIUM, the system's, Playwright's own."""
    found: list[str | None] = []
    if os.environ.get("CS231N_CHROMIUM"):
        found.append(os.environ["CS231N_CHROMIUM"])
    found += [p for p in (shutil.which(name) for name in CHROMIUMS) if p]
    found.append(None)  # Playwright's own download, if `playwright install chromium` ran
    return list(dict.fromkeys(found))


def pdf(nb, path: Path) -> Path:
    """Print ``nb`` (its outputs and markdown) to ``path`` with a Chromium."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise NoPdfEngine(NO_PLAYWRIGHT) from None
    html = _html(nb)
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    with sync_playwright() as playwright:
        for executable in chromiums():
            try:
                browser = playwright.chromium.launch(executable_path=executable, args=args)
            except Error:
                continue
            try:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                page.pdf(path=str(path), format="A4", print_background=True,
                         margin={"top": "1.5cm", "bottom": "1.5cm", "left": "1.5cm",
                                 "right": "1.5cm"})  # fmt: skip
            finally:
                browser.close()
            return path
    raise NoPdfEngine(NO_ENGINE)


def code_zip(notebook: Path, path: Path) -> Path:
    """The notebook, as saved, in a zip of its own name."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(notebook, notebook.name)
    return path


def hand_in(notebook: Path, fresh: bool = True) -> int:
    """Validate (``fresh``: a fresh run; else this session's summary), write the PDF and the
    zip beside ``notebook``, and say what goes where. 0 when both were written."""
    import nbformat

    from . import checking
    from .diagnose import catalog

    notebook = notebook.resolve()
    if not notebook.is_file():
        print(f"{notebook.name} is not here ({notebook.parent}): save the notebook, or run this "
              "in its folder.")  # fmt: skip
        return 1
    if fresh:
        run = subprocess.run(
            [sys.executable, "-m", "cs231n.validate", notebook.name],
            cwd=notebook.parent, capture_output=True, text=True, check=False,
        )  # fmt: skip
        summary, ready = run.stdout.split("\n\n")[0], run.returncode == 0
    else:
        lines, ready = checking.summary_lines(notebook)
        summary = "\n".join(lines)
    print(summary)
    if not ready:
        print("You can hand this in, but it does not pass Validate yet: points will be lost.")
    nb = nbformat.read(notebook, as_version=4)
    stem = notebook.stem
    written = code_zip(notebook, notebook.with_name(f"{stem}_code.zip"))
    status = 0
    pages = written_answers(nb, catalog().get("questions", []))
    # a thread of its own: Playwright's synchronous API refuses a thread whose asyncio loop
    # runs, as a Jupyter kernel's does
    with ThreadPoolExecutor(1) as worker:
        printing = worker.submit(pdf, pages, notebook.with_name(f"{stem}.pdf"))
    try:
        answers = printing.result()
    except NoPdfEngine as exc:
        print(exc)
        answers, status = None, 1
    print("\nWhat goes where (Gradescope, or as your course says):")
    print(f"- {written.name}: the code, for the autograded assignment")
    if answers is not None:
        print(f"- {answers.name}: the written answers, for the written assignment "
              "(mark each question's page)")  # fmt: skip
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs231n.submit", description=__doc__)
    parser.add_argument("notebook", type=Path, nargs="?", default=Path("BatchNormalization.ipynb"))
    parser.add_argument(
        "--no-validate",
        action="store_true",
        help="skip the fresh run: the summary of this session's checks instead",
    )
    args = parser.parse_args(argv)
    return hand_in(args.notebook, fresh=not args.no_validate)


if __name__ == "__main__":
    sys.exit(main())
