"""Functions you wrote in another notebook of yours, defined here again.

A later assignment uses functions of an earlier one: the Dropout notebook's ``layers`` cell runs

    define(("../batchnorm/BatchNormalization.ipynb", "BatchNormalization.ipynb"), globals(),
           names=["affine_forward", "affine_backward", ...])

which reads your Batch Normalization notebook as last saved (as JSON: importing nbformat, with
its schema validator, would take seconds), runs its *answer cells* (the code cells whose
nbgrader ``grade_id`` ends in ``_answer``, where you wrote your functions) in their order in
this notebook's namespace, and prints which functions it defined. With ``names``, only the
answer cells that define one of those names run. Nothing the cells print is shown.

It looks for the notebook at each path in turn, relative to the working folder (in Jupyter, the
notebook's folder). Where none is there, it says so in one line and what to do, unless every
name asked for is already defined (you pasted your functions into a cell of your own above): it
then uses those.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import linecache
import os
import sys
from pathlib import Path

ANSWER_SUFFIX = "_answer"
"""How the ``grade_id`` of an answer cell ends."""
_UNSET = object()


class NotebookNotFound(FileNotFoundError):
    """No notebook at any of the paths (or none that can be read). Its traceback in Jupyter
    is its message, one line."""

    def _render_traceback_(self):
        return [str(self)]


def _paths(path_or_paths) -> list[Path]:
    if isinstance(path_or_paths, str | os.PathLike):
        return [Path(path_or_paths)]
    return [Path(p) for p in path_or_paths]


def _place(path: Path) -> str:
    folder = path.parent
    return "beside this notebook" if str(folder) in ("", ".") else f"in {folder.as_posix()}/"


def _not_found(paths: list[Path], names) -> NotebookNotFound:
    name = paths[0].name
    looked = " and ".join(p.as_posix() for p in paths)
    places = " or ".join(dict.fromkeys(_place(p) for p in paths))
    functions = f" ({', '.join(names)})" if names else ""
    return NotebookNotFound(
        f"This cell uses your {name}, and it is not here (looked for {looked} from "
        f"{Path.cwd()}): put {name} {places}, or paste your functions{functions} into a cell "
        "of your own above this one; then run this cell again."
    )


def _cells(nb) -> list[dict]:
    """The cells of a notebook read as JSON (nbformat 4), checked as far as they are used here."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("no list of cells: not a notebook of Jupyter's format 4")
    return [c for c in nb["cells"] if isinstance(c, dict)]


def _source(cell: dict) -> str:
    """The cell's code as Python (IPython's magics and shell escapes turned into calls)."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


def _bound(statements) -> list[str]:
    """The names the statements bind at the top level of a module, in order."""
    found: list[str] = []
    for node in statements:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found += [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                found += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
        elif isinstance(node, ast.If | ast.For | ast.While | ast.With | ast.Try):
            for block in ("body", "orelse", "finalbody"):
                found += _bound(getattr(node, block, []))
            for handler in getattr(node, "handlers", []):
                found += _bound(handler.body)
    return found


def answer_cells(cells):
    """(grade_id, Python source) of each answer cell, in order, of a notebook's ``cells`` (as
    JSON, or nbformat's nodes)."""
    for cell in cells:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        grade_id = str(meta.get("grade_id", ""))
        if cell.get("cell_type") == "code" and grade_id.endswith(ANSWER_SUFFIX):
            yield grade_id, _source(cell)


def define(path_or_paths, namespace, names=None, quiet=False):
    """Run another notebook's answer cells in ``namespace``; return the names they defined.

    Parameters
    ----------
    path_or_paths : path-like or sequence of path-likes
        Where the notebook may be, relative to the working folder; the first that exists is
        read.
    namespace : dict
        Where the cells run and their functions are defined: ``globals()`` in a notebook.
    names : sequence of str, optional
        The functions wanted: only the answer cells that define one of them run. Default: every
        answer cell runs.
    quiet : bool
        If False, print where the functions came from, and any asked for that were not found.

    Returns
    -------
    list of str
        The names defined: of ``names``, those that some cell defined, in ``names``' order;
        without ``names``, every name the cells bind at their top level, in order. Empty when
        no notebook was found and every name asked for was already in ``namespace``.

    Raises
    ------
    NotebookNotFound
        If no notebook can be read at any of the paths (and ``names`` are not all defined
        already). Its message says where it looked and what to do.
    """
    paths = _paths(path_or_paths)
    wanted = list(names) if names is not None else None
    found = next((p for p in paths if p.is_file()), None)
    if found is None:
        if wanted and all(n in namespace for n in wanted):
            if not quiet:
                print(f"No {paths[0].name} here: using your own {', '.join(wanted)}, defined "
                      "above.")  # fmt: skip
            return []
        raise _not_found(paths, wanted)
    try:
        cells = _cells(json.loads(found.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # any unreadable file: one line
        raise NotebookNotFound(
            f"{found.as_posix()} cannot be read as a notebook ({type(exc).__name__}: {exc}): "
            "save it again from Jupyter, or paste your functions into a cell of your own above "
            "this one."
        ) from None
    defined: list[str] = []
    problems: list[str] = []
    for grade_id, source in answer_cells(cells):
        bound, problem = _run_cell(found, grade_id, source, namespace, wanted)
        if problem:
            problems.append(problem)
        defined += [n for n in bound if n not in defined]
    if wanted is not None:
        missing = [n for n in wanted if n not in defined and n not in namespace]
        defined = [n for n in wanted if n in defined]
    else:
        missing = []
    if not quiet:
        _say(found, defined, problems, missing)
    return defined


def _run_cell(found, grade_id, source, namespace, wanted):
    """Run one answer cell of ``found`` in ``namespace``, unless it defines none of the names
    ``wanted``: (the names it bound, what went wrong or None)."""
    filename = f"<{found.as_posix()}, cell {grade_id}>"
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        return [], f"its cell {grade_id} has a syntax error (line {exc.lineno}): {exc.msg}"
    bound = _bound(tree.body)
    if wanted is not None and not set(bound) & set(wanted):
        return [], None
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)  # for tracebacks
    silent = io.StringIO()
    before = {n: namespace.get(n, _UNSET) for n in bound}
    try:
        with contextlib.redirect_stdout(silent), contextlib.redirect_stderr(silent):
            exec(compile(tree, filename, "exec"), namespace)  # noqa: S102  (your own code)
    except Exception as exc:  # noqa: BLE001  (report it; the other cells still run)
        # what it defined before it raised
        changed = [n for n in bound if namespace.get(n, _UNSET) is not before[n]]
        return changed, f"its cell {grade_id} raised {type(exc).__name__}: {exc}"
    return bound, None


def _say(found, defined, problems, missing):
    """Where the functions came from, what went wrong, and what was not found."""
    source = found.as_posix()
    print(f"From {source}: {', '.join(defined) or 'nothing'}.")
    for problem in problems:
        print(f"In {source}, {problem}.", file=sys.stderr)
    if missing:
        print(f"Not found in {source}'s answer cells: {', '.join(missing)}: write them there "
              "and save it, or define them in a cell of your own above this one.",
              file=sys.stderr)  # fmt: skip


__all__ = ["ANSWER_SUFFIX", "NotebookNotFound", "answer_cells", "define"]
