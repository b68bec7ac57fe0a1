"""A declaration checked against what its probes return, when the tasks load.

Every call pattern declares the outputs it returns (``probes.OUTPUTS``), and a part's inputs
are what its task's ``draw`` makes. A check, a mistake, a convention, a hint or a basis that
names an output its part never returns, or an input it never gets, is a typo: it fails here,
when the declarations load (``make test-fast`` loads them), not as "it was not returned" at
grading.
"""

from __future__ import annotations

import fnmatch
import importlib.util
from pathlib import Path

import numpy as np

from ..sandboxed import probes
from .model import CheckKind, Convention, Mistake, Task

PROBES = "_probes.py"
"""An assignment's own call patterns, beside its declarations."""


class DeclarationError(ValueError):
    """A declaration names an output or an input its parts do not have."""


def load_probes(folder: Path) -> Path | None:
    """Add the call patterns of ``folder/_probes.py`` (if any) to the probes; its path."""
    path = folder / PROBES
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"_probes_of_{folder.name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    probes.extend(module)
    return path


def _matches(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(p, name) for p in patterns)


def outputs(task: Task) -> dict[str, set[str]]:
    """part -> the outputs (names or globs) its probe returns."""
    found = {}
    for part in task.parts:
        call, args = part.probe.call, dict(part.probe.args)
        if call not in probes.OUTPUTS:
            known = ", ".join(sorted(probes.OUTPUTS))
            raise DeclarationError(f"{task.id}: part {part.name!r} calls {call!r}: known: {known}")
        found[part.name] = set(probes.OUTPUTS[call](**args))
    return found


def _param_inputs(spec) -> set[str]:
    """The inputs a parameter spec requires ("@name"; "@name?" is optional)."""
    return {
        v[1:]
        for v in dict(spec or {}).values()
        if isinstance(v, str) and v.startswith("@") and not v.endswith("?")
    }


def validate(task: Task) -> None:
    """Raise :class:`DeclarationError` at the first name ``task`` gets wrong."""
    made = outputs(task)
    inputs = {p: set(i) for p, i in task.draw(np.random.default_rng(0)).items()}
    for check in (_parts, _checks, _variants, _hints, _consistency, _guards):
        problem = check(task, made, inputs)
        if problem:
            raise DeclarationError(f"{task.id}: {problem}")


Outputs = dict[str, set[str]]
"""part -> the outputs (names or globs) its probe returns."""
Inputs = dict[str, set[str]]
"""part -> the names of the inputs its task draws for it."""


def _parts(task: Task, made: Outputs, inputs: Inputs) -> str | None:
    """Each part is drawn, with every input its parameters name."""
    for part in task.parts:
        if part.name not in inputs:
            return f"part {part.name!r} is not drawn (draw makes {sorted(inputs)})"
        args = dict(part.probe.args)
        for key in ("param", "then", "kwargs"):
            missing = _param_inputs(args.get(key)) - inputs[part.name]
            if missing:
                return (
                    f"part {part.name!r}: its {key} wants inputs {sorted(missing)} it is not given"
                )
    return None


def _checks(task: Task, made: Outputs, inputs: Inputs) -> str | None:
    """Each check reads an output its part returns, and compares with what exists."""
    for row in task.checks:
        if row.part not in made:
            return f"check {row.what!r} reads part {row.part!r}, which the task does not have"
        if not _matches(row.output, made[row.part]):
            return (
                f"check {row.what!r} reads {row.output!r}, which part {row.part!r} never returns "
                f"(it returns {sorted(made[row.part])})"
            )
        if row.kind is CheckKind.UNCHANGED and row.against not in inputs[row.part]:
            return f"check {row.what!r} compares with input {row.against!r}, which is not drawn"
        if row.kind is CheckKind.NUMERIC and not _matches(row.against, made[row.part]):
            return f"check {row.what!r} compares with {row.against!r}, which is never returned"
    return None


def _variants(task: Task, made: Outputs, inputs: Inputs) -> str | None:
    """Each mistake and convention reads an output of its part (of any part, without one)."""
    variants: list[Mistake | Convention] = [*task.mistakes, *task.conventions]
    for variant in variants:
        parts = [variant.part] if variant.part else list(made)
        if variant.part and variant.part not in made:
            return f"{variant.words[:40]!r} is for part {variant.part!r}, which is not a part"
        if not any(_matches(variant.output, made[p]) for p in parts):
            return f"{variant.words[:40]!r} reads {variant.output!r}, which no part returns"
    return None


def _hints(task: Task, made: Outputs, inputs: Inputs) -> str | None:
    for glob in task.missing_hints:
        if not any(_matches(glob, names) for names in made.values()):
            return f"the hint for a missing {glob!r} names an output no part returns"
    return None


def _consistency(task: Task, made: Outputs, inputs: Inputs) -> str | None:
    for name, mapping in task.consistency.items():
        for output, other in mapping.items():
            returned = made.get(name, set())
            if not (_matches(output, returned) and _matches(other, returned)):
                return f"consistency of {name!r} maps {output!r} to {other!r}: not both returned"
    return None


def _guards(task: Task, made: Outputs, inputs: Inputs) -> str | None:
    for guard in (task.consistency_guard, task.own_basis_guard):
        name, output = guard
        if name and (name not in made or not _matches(output, made[name])):
            return f"the guard {guard!r} names an output that is not returned"
    return None
