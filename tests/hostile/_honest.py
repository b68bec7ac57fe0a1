"""Honest full submissions graded in the same batch as the hostile ones: each must keep its
full marks and must not be flagged."""

from __future__ import annotations

import base64
import copy

import nbformat

from autograder.grading.reference import grade_id

from ._build import append_cell, cell, insert_after, reference_nb, student_nb, write

# A 1x1 PNG, as a plot output of an executed notebook.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def reference(dest):
    """The reference notebook as it is."""
    write(reference_nb(), dest)


def scratch_cells(dest):
    """The reference with the student's own scratch cells: prints, magics, shell escapes,
    a helper, a plot, notes in Markdown."""
    nb = reference_nb()
    insert_after(
        nb,
        "affine_forward",
        "# my own try\nx = np.random.randn(3, 4)\nprint(affine_forward(x, np.ones((4, 2)), "
        "np.zeros(2))[0])\n",
    )
    insert_after(nb, "relu_forward", "%timeit -n 3 relu_forward(np.ones(1000))\n!nvidia-smi\n")
    insert_after(
        nb,
        "batchnorm_backward",
        "def max_rel_error(a, b):\n    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a)"
        " + np.abs(b)))\n\n\nprint(max_rel_error(np.ones(3), np.ones(3) + 1e-9))\n",
    )
    nb.cells.insert(
        nb.cells.index(cell(nb, "layernorm_intro")),
        nbformat.v4.new_markdown_cell("Notes to self: LN normalizes rows, BN columns."),
    )
    append_cell(nb, "plt.plot([1, 2, 3], [3, 1, 2])\nplt.title('scratch')\nplt.show()\n")
    write(nb, dest)


def with_outputs(dest):
    """The reference as saved after Restart & Run All: execution counts, printed output and
    plots in the notebook (made up here: executing it would take a while)."""
    nb = copy.deepcopy(reference_nb())
    count = 0
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        count += 1
        c.execution_count = count
        c.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"output of cell {count}\n")
        ]
        if grade_id(c).startswith("experiment"):
            c.outputs.append(
                nbformat.v4.new_output(
                    "display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}
                )
            )
    write(nb, dest)


def filled_release(dest):
    """The release with each stub replaced by the reference's code (no solution markers) and
    the questions answered: how a student's notebook really looks."""
    write(student_nb(), dest)


HONEST = {
    "honest_reference": reference,
    "honest_scratch_cells": scratch_cells,
    "honest_with_outputs": with_outputs,
    "honest_filled_release": filled_release,
}
