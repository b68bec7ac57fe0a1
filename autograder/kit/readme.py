"""The README's generated parts: each assignment's table of tasks, from the declarations."""

from __future__ import annotations

from .. import tasks
from ..layout import ROOT, assignments, current, use


def markers(assignment: str) -> tuple[str, str]:
    return f"<!-- tasks:{assignment}:begin -->", f"<!-- tasks:{assignment}:end -->"


def print_or_write_tasks(write: bool, every: bool = True) -> int:
    names = list(assignments()) if every else [current().name]
    readme = ROOT / "README.md"
    text = readme.read_text() if write else ""
    for name in names:
        use(name)
        table = tasks.markdown_table()
        if not write:
            print(f"{name}:\n{table}\n")
            continue
        begin, end = markers(name)
        if begin not in text:
            raise SystemExit(f"README.md has no {begin} ... {end}: add them where the table goes")
        head, rest = text.split(begin)
        _, tail = rest.split(end)
        text = f"{head}{begin}\n{table}\n{end}{tail}"
    if write:
        readme.write_text(text)
        print(f"wrote the tables of tasks into {readme}: {', '.join(names)}")
    return 0
