"""The README's generated parts: the table of tasks, from the declarations."""

from __future__ import annotations

from .. import tasks
from ..layout import ROOT

BEGIN, END = "<!-- tasks:begin -->", "<!-- tasks:end -->"


def print_or_write_tasks(write: bool) -> int:
    table = tasks.markdown_table()
    if not write:
        print(table)
        return 0
    readme = ROOT / "README.md"
    text = readme.read_text()
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    readme.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
    print(f"wrote the table of tasks into {readme}")
    return 0
