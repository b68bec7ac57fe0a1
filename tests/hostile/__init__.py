"""Hostile and broken submissions: one module per case, graded in one batch by test_hostile.py.

Each case module has a docstring saying what the submission does and why it earns its grade,
and defines:

- ``build(dest: Path) -> None``: writes the student's folder contents into ``dest`` (an
  existing, empty folder named after the case; the student id is the module name);
- ``EXPECTED: dict[str, object]``: each autograded task that must NOT get full marks, mapped
  to ``0`` (exactly zero) or ``"partial"`` (strictly between zero and full); every task not
  listed must get full marks;
- ``FLAG: str | None``: a lowercase word that must appear in the student's flags (cheats);
  ``None`` for faults, which must not be flagged;
- ``NOTE: str | None``: a lowercase word that must appear in the text the student reads (the
  feedback of a task or the notes about the notebook), explaining the fault.

Faults (a broken notebook) cost only the tasks they break; cheats pair a wrong answer with the
cheat, so a cheat that worked would show up as points the answer does not deserve.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

CASES = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
"""Names of the case modules (= student ids in the batch)."""


ISSUE = {
    # faults: graded as far as they can be, cost only what they break, explained
    "a loop that never ends": ["hang_loop", "hang_cell"],
    "a time.sleep": ["hang_sleep"],
    "a memory bomb": ["memory_bomb"],
    "sys.exit": ["sys_exit"],
    "os._exit": ["os_exit"],
    "a segfault": ["segfault"],
    "megabytes of printing": ["print_flood"],
    "an exception at import time": ["import_error"],
    "a syntax error in one cell": ["syntax_error"],
    "a deleted cell": ["deleted_answer_cell"],
    "a duplicated cell": ["duplicated_cell"],
    "a reordered cell": ["reordered_cells"],
    "a retyped cell": ["retyped_cell"],
    "an edited test cell": ["edited_test_cell"],
    "a deleted test cell": ["deleted_test_cell"],
    "changed nbgrader metadata": ["changed_metadata"],
    "a duplicated grade_id": ["duplicated_grade_id"],
    "a corrupt notebook file": ["corrupt_notebook", "not_a_notebook"],
    "an empty notebook file": ["empty_notebook"],
    "nbformat 3": ["nbformat3"],
    "a wrong file name": ["wrong_name"],
    "a missing notebook": ["missing_notebook"],
    # cheats: caught or neutralised, and flagged for review
    "objects that compare equal to anything": ["equal_anything"],
    "ndarray subclasses with rigged operators": ["ndarray_subclass"],
    "monkeypatched numpy": ["patch_numpy"],
    "monkeypatched builtins": ["patch_builtins"],
    "monkeypatched IPython": ["patch_ipython"],
    "swallowed exceptions: custom exception handlers": ["custom_exc"],
    "swallowed exceptions: input transformers": ["input_transformer"],
    "swallowed exceptions: run_cell": ["run_cell"],
    "reading the reference from disk": ["read_reference_disk"],
    "reading the hidden checks from disk": ["read_hidden_checks"],
    "reading the reference or hidden checks from memory": ["read_memory"],
    "writes outside the student's scratch space": ["write_outside"],
    "symlinks pointing at instructor files": [
        "symlink_notebook",
        "symlink_folder",
        "symlink_extra",
    ],
    "network access": ["network"],
    # beyond the issue's list
    "running programs": ["subprocess_cheat"],
    "a fork bomb": ["fork_bomb"],
    "a parser bomb (code nested too deep to parse)": ["parser_bomb"],
}
"""Each item of the issue's lists, and the cases that reproduce it."""


def load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")
