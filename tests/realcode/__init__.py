"""Real students' implementations of the graded functions, kept verbatim with provenance.

Each entry of ``manifest.json`` is one public repository holding a student's CS231n
``layers.py`` (and, where it has one, ``fc_net.py`` with the layer helpers it calls). The files
live in ``files/<owner>__<repo>/`` byte for byte as the repository has them; the manifest says
where they come from (repository, path, commit, URL, licence, SHA-256) and states a verdict for
every function: ``right``, ``wrong`` (with what the mistake is), ``arguable`` (a convention the
mathematics leaves open, or a harmless difference) or ``absent`` (a stub). ``judge.py`` shows the
evidence for each verdict.

``answers(entry)`` turns an entry into the notebook's answer cells: for each implemented function,
its source and the module-level helpers it calls, keyed by the answer cell's grade_id, ready for
``corpus.with_answers``.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MANIFEST = HERE / "manifest.json"

LAYER_FUNCTIONS = (
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "layernorm_forward",
    "layernorm_backward",
)
"""The graded functions of ``layers.py``, in the notebook's order."""

NET = "FullyConnectedNet"
FUNCTIONS = (*LAYER_FUNCTIONS, NET)

FUNCTION_TASKS = {
    "affine_forward": ("affine_forward",),
    "affine_backward": ("affine_backward",),
    "relu_forward": ("relu_forward",),
    "relu_backward": ("relu_backward",),
    "batchnorm_forward": ("batchnorm_forward_train", "batchnorm_forward_test"),
    "batchnorm_backward": ("batchnorm_backward",),
    "batchnorm_backward_alt": ("batchnorm_backward_alt",),
    "layernorm_forward": ("layernorm_forward",),
    "layernorm_backward": ("layernorm_backward",),
    NET: ("FullyConnectedNet",),
}
"""Function -> the kit's tasks that grade it (``batchnorm_forward`` has two)."""

_SETUP = {"np", "numpy", "softmax_loss"}
"""Names the notebook's setup cell defines."""


def _given(name: str) -> set[str]:
    """Names defined when ``name``'s cell runs: the setup cell's, and the answer cells above it.

    A graded function defined *below* (e.g. a ``batchnorm_backward`` that calls
    ``batchnorm_backward_alt``, legal in a module) is not: it goes into the cell as a helper.
    """
    earlier = FUNCTIONS[: FUNCTIONS.index(name)] if name in FUNCTIONS else FUNCTIONS
    return _SETUP | set(earlier)


def _load_manifest() -> list[dict]:
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data["entries"]


ENTRIES: list[dict] = _load_manifest()
"""The manifest's entries, in order; each has ``name`` (``<owner>__<repo>``), ``repo``,
``files`` ({kind: {path, commit, url, sha256}}), ``license`` and ``verdicts``."""


def entry_dir(entry: dict) -> Path:
    return FILES / entry["name"]


def file_text(entry: dict, kind: str) -> str | None:
    """The text of an entry's ``layers``, ``fc_net`` or ``layer_utils`` file, or None.

    Raises
    ------
    FileNotFoundError
        When the manifest lists the file but it is not in ``files/`` (see README.md).
    ValueError
        When the file's bytes are not the ones the manifest recorded.
    """
    meta = entry["files"].get(kind)
    if meta is None:
        return None
    path = entry_dir(entry) / f"{kind}.py"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: fetch it from {meta['url']} (see tests/realcode/README.md)"
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != meta["sha256"]:
        raise ValueError(f"{path}: SHA-256 {digest} is not the manifest's {meta['sha256']}")
    return data.decode("utf-8")


def _module_defs(tree: ast.Module) -> dict[str, ast.stmt]:
    """Top-level name -> the statement that defines it (functions, classes, constants, imports)."""
    defs: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        defs[name.id] = node
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    defs[(alias.asname or alias.name).split(".")[0]] = node
    return defs


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _kept_import(node: ast.stmt) -> bool:
    """numpy is imported by the notebook; other cs231n modules (relative or absolute) are the
    notebook's own cells; past/future shims are not installed and not needed on Python 3."""
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level or module.split(".")[0] in {"cs231n", "numpy", "past", "future", "builtins"}:
            return False
        return True
    return not any(a.name.split(".")[0] in {"numpy", "cs231n"} for a in node.names)


def _segment(text: str, node: ast.stmt) -> str:
    """The statement's source lines (with decorators), verbatim."""
    lines = text.splitlines(keepends=True)
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "".join(lines[first - 1 : node.end_lineno])


def definitions(text: str, wanted: tuple[str, ...], extra: tuple[str, ...] = ()) -> dict[str, str]:
    """For each name in ``wanted`` defined at the top level of ``text``: its source preceded by
    the module-level helpers, constants and imports it needs (transitively), in file order.

    ``extra`` are further module sources (e.g. the repository's ``layer_utils.py``) whose
    top-level definitions may be used as helpers too.
    """
    modules = [(text, ast.parse(text))] + [(t, ast.parse(t)) for t in extra]
    main_defs = _module_defs(modules[0][1])
    pools = [(t, _module_defs(tree)) for t, tree in modules]
    out = {}
    for name in wanted:
        node = main_defs.get(name)
        if not isinstance(node, ast.FunctionDef | ast.ClassDef) or node.name != name:
            continue
        given = _given(name)
        needed: list[tuple[int, int, str, ast.stmt]] = []
        seen: set[int] = set()
        todo = list(_names_used(node) - given - {name})
        while todo:
            used = todo.pop()
            for rank, (src, defs) in enumerate(pools):
                helper = defs.get(used)
                is_import = isinstance(helper, ast.Import | ast.ImportFrom)
                if helper is None or (is_import and not _kept_import(helper)):
                    continue  # e.g. ``from ..layer_utils import f``: look in the next module
                if id(helper) not in seen:
                    seen.add(id(helper))
                    needed.append((rank, helper.lineno, src, helper))
                    if not is_import:
                        todo.extend(_names_used(helper) - given - {name})
                break
        needed.sort(key=lambda item: (-item[0], item[1]))
        parts = [_segment(src, helper) for _, _, src, helper in needed]
        parts.append(_segment(text, node))
        out[name] = "\n".join(p.rstrip("\n") + "\n" for p in parts)
    return out


def net_has_normalization(text: str) -> bool:
    """Whether the file's FullyConnectedNet takes ``normalization`` (the 2018+ contract; the
    2016-2017 editions took ``use_batchnorm`` instead and are not this assignment's net)."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and node.name == NET:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args.args + item.args.kwonlyargs
                    return any(a.arg == "normalization" for a in args)
    return False


def sources(entry: dict) -> dict[str, str]:
    """Function name -> cell source, for every function the entry implements (not ``absent``)."""
    present = [
        f for f in FUNCTIONS if entry["verdicts"].get(f, {}).get("verdict", "absent") != "absent"
    ]
    result = {}
    layers = file_text(entry, "layers")
    if layers is not None:
        result |= definitions(layers, tuple(f for f in present if f in LAYER_FUNCTIONS))
    net = file_text(entry, "fc_net")
    if net is not None and NET in present:
        utils = file_text(entry, "layer_utils")
        result |= definitions(net, (NET,), extra=(utils,) if utils else ())
    return result


def answers(entry: dict) -> dict[str, str]:
    """The kit's answer-cell grade_id -> cell source built from the entry's own functions.

    Absent functions are left out: the caller keeps the reference's cell for them.
    """
    return {f"{name}_answer": source for name, source in sources(entry).items()}


TASK_FUNCTIONS = {t: f for f, tasks in FUNCTION_TASKS.items() for t in tasks}
"""Kit task -> the function it grades."""

UPSTREAM = {
    "affine_backward": ("affine_forward",),
    "relu_backward": ("relu_forward",),
    "batchnorm_backward": ("batchnorm_forward",),
    "batchnorm_backward_alt": ("batchnorm_forward",),
    "layernorm_backward": ("layernorm_forward",),
    "layernorm_forward": ("batchnorm_forward",),  # some students reuse it
    NET: LAYER_FUNCTIONS,
}
"""Function -> the functions whose output its checks use."""


def task_verdict(entry: dict, task: str) -> dict:
    """The verdict of the function ``task`` grades, as it concerns that task: a
    ``batchnorm_forward`` mistake listed with ``tasks`` concerns only those tasks."""
    function = TASK_FUNCTIONS[task]
    v = entry["verdicts"].get(function, {"verdict": "absent"})
    if v["verdict"] in ("wrong", "arguable") and "tasks" in v and task not in v["tasks"]:
        return {"verdict": "right", "what": f"(its mistake concerns {', '.join(v['tasks'])})"}
    return v


def disagreement(entry: dict, task: str, score: float, maximum: float) -> str | None:
    """How a task's score disagrees with the verdict, by the issue's rules, or None.

    - ``missed mistake``: the function is wrong and the task keeps full marks;
    - ``false failure``: the function is right and the task loses points (with the wrong
      functions upstream, whose output the task's checks use, when there are any);
    - ``false failure (arguable, under half)``: an arguable function keeps under half;
    - ``overcharged``: the only faults are side effects and conventions, and the task loses more
      than 25 % per fault.

    An ``absent`` function is not compared: its cell keeps the reference's, which cannot read a
    student's own cache.
    """
    v = task_verdict(entry, task)
    lost = maximum - score
    if v["verdict"] == "wrong" and lost == 0:
        return "missed mistake"
    if v["verdict"] == "arguable" and score < 0.5 * maximum:
        return "false failure (arguable, under half)"
    if v["verdict"] == "wrong" and lost > 0:
        faults = set(v.get("kinds", []))
        allowed = 0.25 * len(faults) * maximum
        if faults <= {"side effect", "convention"} and lost > allowed + 1e-9:
            return f"overcharged ({' + '.join(sorted(faults))}: at most {allowed:g})"
    if v["verdict"] == "right" and lost > 0:
        upstream = [
            u
            for u in UPSTREAM.get(TASK_FUNCTIONS[task], ())
            if entry["verdicts"].get(u, {}).get("verdict") == "wrong"
        ]
        return "false failure" + (f" (upstream wrong: {', '.join(upstream)})" if upstream else "")
    return None
