"""Planted copies: a student's answer cells disguised the ways a copier disguises code.

Each transformation takes a cell's source and returns the copy's; none changes what the code
computes. ``rename`` gives every local name (arguments without a default and assigned names;
never the graded functions' names, attributes, keyword arguments or arguments with a default)
another name; ``reformat`` prints the code again from its syntax tree (other quotes, spacing,
parentheses and line breaks; comments dropped); ``reorder`` reverses the order of the functions
of a cell and of the methods of a class; ``comment`` adds a comment above every statement line
and at the end of some; ``disguise`` does all four. The similarity measurements
(``scripts/similarity_measure.py``) and the tests plant them.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable

GRADED = re.compile(r"^(def|class)\s+(\w+)", re.MULTILINE)


def _locals(tree: ast.AST, keep: set[str]) -> list[str]:
    """Names the code binds (arguments without a default, assignment targets, loop variables),
    in first-seen order, except ``keep``. Arguments with a default are callers' keywords
    (``FullyConnectedNet(input_dim=...)``): renaming them would change what the code does."""
    found: dict[str, None] = {}
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arguments):
            positional = [*node.posonlyargs, *node.args]
            named |= {a.arg for a in positional[len(positional) - len(node.defaults) :]}
            named |= {a.arg for a in node.kwonlyargs}
        if isinstance(node, ast.arg):
            found.setdefault(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.setdefault(node.id)
    keywords = {k.arg for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg}
    return [n for n in found if n not in keep | keywords | named | {"self", "cls"}]


def rename(source: str) -> str:
    """Every local name renamed (``x`` -> ``my_x_0``...), tokens otherwise as they were."""
    tree = ast.parse(source)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    mapping = {name: f"my_{name}_{i}" for i, name in enumerate(_locals(tree, defined))}
    out, previous = [], None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string in mapping and previous != ".":
            tok = tok._replace(string=mapping[tok.string])
        out.append(tok)
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.string
    return tokenize.untokenize(out)


def reformat(source: str) -> str:
    """The code printed again from its syntax tree (``ast.unparse``), single quotes for double,
    one blank line between statements of a function body."""
    printed = ast.unparse(ast.parse(source))
    lines = []
    for line in printed.splitlines():
        lines.append(line)
        if line.startswith("        ") and line.rstrip().endswith(")"):
            lines.append("")
    return "\n".join(lines) + "\n"


def _reverse_defs(body: list[ast.stmt], lines: list[str]) -> list[str] | None:
    """The source lines of ``body`` with its function definitions in reverse order (other
    statements stay where they are), or None when it has fewer than two."""
    defs = [i for i, node in enumerate(body) if isinstance(node, ast.FunctionDef)]
    if len(defs) < 2:
        return None

    def span(node: ast.stmt) -> list[str]:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        return lines[first - 1 : node.end_lineno]

    order = list(range(len(body)))
    for slot, i in zip(defs, reversed(defs), strict=True):
        order[slot] = i
    out: list[str] = []
    for i in order:
        out += span(body[i]) + [""]
    return out


def reorder(source: str) -> str:
    """The cell's functions in reverse order, and each class's methods too."""
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            body = _reverse_defs(node.body, lines)
            if body is not None:
                first = node.body[0].lineno - 1
                lines[first : node.end_lineno] = body
                return reorder_top("\n".join(lines) + "\n")
    return reorder_top(source)


def reorder_top(source: str) -> str:
    tree = ast.parse(source)
    body = _reverse_defs(tree.body, source.splitlines())
    return source if body is None else "\n".join(body) + "\n"


COMMENTS = (
    "# compute this step",
    "# as seen in lecture",
    "# TODO double check",
    "# shapes: see docstring",
)


def comment(source: str) -> str:
    """A comment line above every statement, and a trailing one after every third line that
    ends one (statements found by the tokenizer: a line continued by a backslash or inside
    brackets or a string gets none)."""
    starts, ends, at_start = set(), set(), True
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NEWLINE:
            ends.add(tok.start[0])
            at_start = True
        elif at_start and tok.type not in SKIPPED:
            starts.add(tok.start[0])
            at_start = False
    out = []
    for number, line in enumerate(source.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip())]
        if number in starts:
            out.append(f"{indent}{COMMENTS[number % len(COMMENTS)]}")
        out.append(line + ("  # note" if number in ends and number % 3 == 0 else ""))
    return "\n".join(out) + "\n"


SKIPPED = {
    tokenize.NL,
    tokenize.COMMENT,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}


def disguise(source: str) -> str:
    """All four: renamed, reordered, reformatted, commented."""
    return comment(reformat(reorder(rename(source))))


TRANSFORMATIONS: dict[str, Callable[[str], str]] = {
    "variables renamed": rename,
    "reformatted": reformat,
    "functions reordered": reorder,
    "comments added": comment,
    "all four at once": disguise,
}


def planted(pieces: dict[str, str], how: str) -> dict[str, str]:
    """A copy of a student's answer cells, each transformed by ``TRANSFORMATIONS[how]``."""
    return {gid: TRANSFORMATIONS[how](source) for gid, source in pieces.items()}
