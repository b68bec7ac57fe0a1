"""Notebook 7 (the ``notebook`` package), a student's other Jupyter front end: the student view
(no instructor tools), Run All to the last cell, and Validate's summary, in a real browser."""

from __future__ import annotations

import pytest

from .lab import close_dialog, code_cells, menu, open_menu, validate, wait_notebook7_idle
from .test_student_lab import (
    MISTAKE,
    PATH,
    code_index,
    ddof1_nb,
    dialog_lines,
    outputs_by_grade_id,
    workspace,
)

pytestmark = pytest.mark.browser


def test_notebook7_student_view_run_all_and_validate(
    page, start_lab, student_home, tmp_path, shots
):
    nb = ddof1_nb()
    root = workspace(tmp_path, nb)
    server = start_lab(root, student_home, app="notebook")

    # the file browser: the student's nbgrader menu is the Assignment List alone
    page.goto(f"{server.url}/tree")
    items = open_menu(page, "Nbgrader", "jp-mainmenu-nbgrader")
    shots(page, "tree-nbgrader-menu")
    page.keyboard.press("Escape")
    assert items == ["Assignment List"], items

    # the notebook: no Create Assignment, in the menu or as a panel
    page.goto(f"{server.url}/notebooks/{PATH}")
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-Notebook .jp-Cell').length === n",
        arg=len(nb.cells),
    )
    wait_notebook7_idle(page)
    assert open_menu(page, "Nbgrader", "jp-mainmenu-nbgrader") == []
    page.keyboard.press("Escape")
    assert page.locator("#nbgrader-create_assignemnt").count() == 0

    page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.click()
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        """() => {
            const prompts = [
                ...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=600_000,
        polling=500,
    )
    wait_notebook7_idle(page)
    shots(page, "ran-all")
    outputs = outputs_by_grade_id(page, nb)
    assert f"likely mistake: {MISTAKE}" in outputs["batchnorm_forward_train"]
    plots = code_cells(page).nth(code_index(nb, "experiment_4")).locator(".jp-OutputArea img")
    assert plots.count() >= 1  # Run All reached the last experiment

    passed, text = validate(page)
    shots(page, "validated")
    close_dialog(page)
    assert not passed
    lines = dialog_lines(text)
    assert "tasks pass their public checks" in lines[4], lines[:8]
    assert lines[5] == "[FAIL] batchnorm_forward_train: stds with gamma=1, beta=0"
    assert MISTAKE in " ".join(lines[6:8])
