"""Execute notebooks with nbclient, in their own folder, as a student's kernel would."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, *, allow_errors: bool = False, timeout: int = 600):
    """Run every cell of the notebook at ``path`` top to bottom; return the executed notebook.

    The kernel's working directory is the notebook's folder, so ``import cs231n``
    finds the helpers shipped beside it.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    return execute_in(nb, path.parent, allow_errors=allow_errors, timeout=timeout)


def execute_in(nb, folder: Path, *, allow_errors: bool = False, timeout: int = 600):
    """Run a notebook (an nbformat node, executed in place and returned) as if it lay in
    ``folder``: the kernel's working directory. The hand-in cell makes nothing
    (``CS231N_SUBMIT=0`` in the kernel's environment): the kit's runs are not students'."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    )
    saved = os.environ.get("CS231N_SUBMIT")
    os.environ["CS231N_SUBMIT"] = "0"  # the kernel starts with this process's environment
    try:
        with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
            # Unix sockets in a folder of this user's only, not TCP ports any user of a shared
            # host could connect to (ipykernel warns of TCP without encryption)
            client.km = client.create_kernel_manager()
            client.km.transport, client.km.ip = "ipc", os.path.join(sockets, "kernel")
            client.execute()
    finally:
        if saved is None:
            del os.environ["CS231N_SUBMIT"]
        else:
            os.environ["CS231N_SUBMIT"] = saved
    return nb


def to_html(nb) -> str:
    """The notebook as one HTML page, plots embedded."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def errors(nb) -> list[tuple[int, str, str]]:
    """(cell index, exception name, message) of every error output in an executed notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append((index, output["ename"], output["evalue"]))
    return found
