"""Static scan of a student's code for cheating attempts.

The sandbox and the trusted comparison already neutralise these (nothing the student's code
does can change how its outputs are judged); the scan is what flags the attempt for a human to
review. It reads the code and never runs it. Runtime evidence (the runner's audit hook) adds
what a scan cannot see.

It runs inside the sandbox, in a child of the runner, before the student's first cell: the
grading process never parses student code. CPython 3.11's AST builder keeps its recursion depth
in state that threads share, and a parse that goes wrong leaves it corrupt for the rest of the
process (python/cpython#106905): a long-lived grader parsing untrusted code could fail later,
on another student, for no fault of theirs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

TOO_DEEP = "code too deeply nested to read (a parser bomb?)"
"""The flag for source the parser cannot turn into a tree (it exhausts the parser's stack or
the AST builder's recursion limit). The kernel cannot compile it either, so it never runs."""

PATCHABLE = {
    "np": "numpy",
    "numpy": "numpy",
    "builtins": "builtins",
    "__builtins__": "builtins",
    "IPython": "IPython",
    "get_ipython": "IPython",
    "sys": "the interpreter (sys)",
    "math": "math",
    "json": "json",
    "check": "the checks (cs231n.checking)",
}
"""Names whose attributes a solution has no reason to overwrite."""

SWALLOWING = {
    "set_custom_exc",
    "input_transformers_cleanup",
    "input_transformers_post",
    "ast_transformers",
    "run_cell",
    "run_cell_async",
    "excepthook",
    "showtraceback",
}
NETWORK = {"socket", "urllib", "http", "requests", "ftplib", "smtplib", "ssl", "httpx"}
PROGRAMS = {"subprocess", "pty", "multiprocessing"}
INTROSPECTION = {
    "_getframe",
    "get_objects",
    "get_referrers",
    "currentframe",
    "getouterframes",
    "f_back",
    "f_globals",
    "f_locals",
    "getsource",
}
PROGRAM_CALLS = {"system", "popen", "execv", "execve", "execvp", "spawnv", "fork", "posix_spawn"}


def _root_name(node) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call):
        return _root_name(node.func)
    return node.id if isinstance(node, ast.Name) else None


def _always_true(func: ast.FunctionDef) -> bool:
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Constant) and r.value.value is True for r in returns
    )


def scan(source: str) -> set[str]:
    """Flags, in words, for one cell's source (IPython syntax already turned into Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    except (RecursionError, MemoryError):
        return {TOO_DEEP}
    try:
        return _flags(tree)
    except RecursionError:  # ast.unparse of a deeply nested assignment target
        return {TOO_DEEP}


COMPARISONS = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__")
LISTINGS = ("listdir", "scandir", "walk", "glob", "iglob", "rglob", "iterdir")
READS = ("open", "read_text", "read_bytes", "load")
SECRETS = ("solution", "gradebook", "autograder")
"""Words in a path that name what a student's code has no reason to read."""


def _flags(tree: ast.AST) -> set[str]:
    flags: set[str] = set()
    for node in ast.walk(tree):
        check = _CHECKS.get(type(node))
        if check is not None:
            flags |= check(node)
    return flags


def _assignment(node) -> set[str]:
    """An assignment (or deletion) to an attribute or item of a name a solution leaves alone."""
    flags = set()
    targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
    for target in targets:
        if isinstance(target, ast.Attribute | ast.Subscript):
            root = _root_name(target)
            if root in PATCHABLE:
                flags.add(f"patches {PATCHABLE[root]} ({ast.unparse(target)[:60]})")
            if isinstance(target, ast.Attribute) and target.attr in SWALLOWING:
                flags.add(f"tampers with IPython's exception handling ({target.attr})")
    return flags


def _call(node: ast.Call) -> set[str]:
    flags = set()
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    patched = _root_name(node.args[0]) if node.args else None
    if name == "setattr" and patched in PATCHABLE:
        flags.add(f"patches {PATCHABLE[patched]} (setattr)")
    if name in SWALLOWING - {"run_cell", "run_cell_async"}:
        flags.add(f"tampers with IPython's exception handling ({name})")
    if name in PROGRAM_CALLS and _root_name(func) in ("os", "subprocess"):
        flags.add(f"runs programs (os.{name})")
    if name in LISTINGS:
        flags.add(f"lists files ({name}): looking for the grader's files?")
    if name in READS:
        flags |= {f"reads files outside its folder ({path[:60]})" for path in _paths(node)}
    return flags


def _paths(node: ast.Call) -> list[str]:
    """The call's first argument, when it is a literal path outside the student's folder."""
    arg = node.args[0] if node.args else None
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return []
    path = arg.value
    outside = path.startswith(("/", "~")) or ".." in path or any(k in path for k in SECRETS)
    return [path] if outside else []


def _import(node) -> set[str]:
    flags = set()
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    for module in modules:
        top = module.split(".")[0]
        if top in NETWORK:
            flags.add(f"uses the network ({module})")
        if top in PROGRAMS:
            flags.add(f"runs programs ({module})")
        if top == "ctypes":
            flags.add("reads raw memory (ctypes)")
        if top == "builtins":
            flags.add("imports builtins (to patch them?)")
    return flags


def _attribute(node: ast.Attribute) -> set[str]:
    if node.attr in SWALLOWING:
        return {f"tampers with IPython's exception handling ({node.attr})"}
    if node.attr in INTROSPECTION or (node.attr == "stack" and _root_name(node) == "inspect"):
        return {f"inspects the grader's memory or frames ({node.attr})"}
    return set()


def _class(node: ast.ClassDef) -> set[str]:
    flags = set()
    bases = {ast.unparse(b) for b in node.bases}
    if bases & {"np.ndarray", "numpy.ndarray", "ndarray"}:
        flags.add(f"returns objects that are ndarray subclasses ({node.name})")
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name in COMPARISONS and _always_true(item):
            flags.add(f"returns objects that compare equal to anything ({node.name}.{item.name})")
    return flags


_CHECKS: dict[type, Callable[[Any], set[str]]] = {
    ast.Assign: _assignment,
    ast.AugAssign: _assignment,
    ast.AnnAssign: _assignment,
    ast.Delete: _assignment,
    ast.Call: _call,
    ast.Import: _import,
    ast.ImportFrom: _import,
    ast.Attribute: _attribute,
    ast.ClassDef: _class,
}
"""What each kind of node is checked for."""
