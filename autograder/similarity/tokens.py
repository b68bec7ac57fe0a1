"""The token stream that is fingerprinted: copydetect's filter of Python code, with two more
things a formatter changes left out.

copydetect (``copydetect.utils.filter_code``) lexes the code with Pygments and writes every
variable or attribute name as ``V``, a function's name at its ``def`` as ``F``, a class's as
``O``, every string as ``S`` (its quotes as ``"``), drops comments and whitespace, and keeps
every other token (keywords, operators, numbers, builtins) as it is. So renamed variables,
other quotes, other spacing and comments change nothing; ``filter_python(code,
normalize=False)`` is exactly that (a test holds them equal).

With ``normalize`` (the default), also:

- parentheses and commas are dropped: a formatter adds and removes them (Black's parentheses
  around a long expression and its trailing commas, ``return (out, cache)``), and one of them
  changes every k-gram within K characters of it;
- every number is ``N``: ``1.`` and ``1.0``, ``1e-5`` and ``1e-05`` are the same number.

Measured on 50 planted copies (``scripts/similarity_measure.py --no-normalize``), code
reprinted from its syntax tree scored as low as 0.57 against its original without these two
changes (9 of the 50 under 0.8) and 0.98 with them; independent implementations scored no
higher with them.

The offsets are copydetect's: rows ``[i, removed]``, ``removed`` the number of characters of the
original code dropped before filtered character ``i``, which ``copydetect.compare_files`` uses
to find a match back in the original code.
"""

from __future__ import annotations

import numpy as np
from pygments import lexers, token

_LEXER = lexers.get_lexer_by_name("python")
_VARIABLE = {token.Name, token.Name.Variable, token.Name.Attribute}
_FORMATTING = {"(", ")", ","}


def _short(kind, text: str, normalize: bool) -> str | None:
    """The one character a token is written as, or None when it is kept (or dropped) whole."""
    if kind in _VARIABLE:
        return "V"
    if kind in token.Name.Function:
        return "F"
    if kind in token.Name.Class:
        return "O"
    if kind in (token.Comment.Preproc, token.Comment.Hashbang):
        return "P"
    if kind in token.Literal.String:
        return '"' if text in ("'", '"') else "S"
    if normalize and kind in token.Literal.Number:
        return "N"
    return None


def filter_python(code: str, *, normalize: bool = True) -> tuple[str, np.ndarray]:
    """The filtered token stream of Python ``code`` and its offsets (see the module's text)."""
    out: list[str] = []
    offsets = [[0, 0]]
    length = removed = 0
    for kind, text in _LEXER.get_tokens(code):
        short = _short(kind, text, normalize)
        if short == '"':
            out.append(short)
            length += 1
        elif short is not None:
            out.append(short)
            length += 1
            offsets.append([length - 1, removed])
            removed += len(text) - 1
        elif kind in token.Text or kind in token.Comment or (normalize and text in _FORMATTING):
            offsets.append([length - 1, removed])
            removed += len(text)
        else:
            out.append(text)
            length += len(text)
    return "".join(out), np.array(offsets)
