"""The evidence behind every verdict of the real-code corpus.

Usage (from the repository root)::

    .venv/bin/python tests/realcode/judge.py                 # every entry of manifest.json
    .venv/bin/python tests/realcode/judge.py NAME ...        # some entries (owner__repo)
    .venv/bin/python tests/realcode/judge.py --file layers.py [--fc-net fc_net.py]
    .venv/bin/python tests/realcode/judge.py --json OUT.json # also write the measurements

Each entry's functions are extracted with ``ast`` (with the module-level helpers they call) and
run by ``probe.py`` in the kit's sandbox (bubblewrap when available, a timed subprocess
otherwise), in a fresh namespace with numpy, against the reference: the answer cells of
``solutions/batchnorm/BatchNormalization.ipynb``. The verdict is derived from the measurements
(``decide``) and printed, one line per (entry, function), with the numbers that show it, next to
the verdict the manifest states; a difference is marked ``MISMATCH`` and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.paths import SOURCE_DIR  # noqa: E402

from autograder import sandbox  # noqa: E402
from autograder.grading.reference import answer_cells, grade_id, source_notebook  # noqa: E402
from realcode import (  # noqa: E402
    ENTRIES,
    FUNCTIONS,
    LAYER_FUNCTIONS,
    NET,
    definitions,
    file_text,
    net_has_normalization,
)

PROBE = Path(__file__).resolve().parent / "probe.py"
SEED = 231
BACKWARD = {
    "batchnorm_backward": "batchnorm_forward",
    "batchnorm_backward_alt": "batchnorm_forward",
    "layernorm_backward": "layernorm_forward",
}


def reference_cells() -> dict[str, str]:
    """Function name -> the reference's answer cell source."""
    return {grade_id(c).removesuffix("_answer"): c.source for c in answer_cells(source_notebook())}


def student_cells(layers: str, fc_net: str | None, utils: str | None) -> dict[str, str]:
    cells = definitions(layers, LAYER_FUNCTIONS)
    if fc_net is not None and net_has_normalization(fc_net):
        cells |= definitions(fc_net, (NET,), extra=(utils,) if utils else ())
    return cells


def measure(cells: dict[str, str], seed: int = SEED) -> dict:
    """Run probe.py on the cells in the sandbox; function -> {"checks": [...]} or {"absent"}."""
    job = {
        "student": cells,
        "reference": reference_cells(),
        "softmax": (SOURCE_DIR / "cs231n" / "losses.py").read_text(encoding="utf-8"),
        "seed": seed,
    }
    work = Path(tempfile.mkdtemp(prefix="realcode-"))
    try:
        shutil.copy(PROBE, work / "probe.py")
        (work / "job.json").write_text(json.dumps(job), encoding="utf-8")
        result = sandbox.run_sandboxed(
            [sys.executable, "-I", "probe.py", "job.json", "result.json"],
            workdir=work,
            readonly_paths=[],
            limits=sandbox.Limits(wall_seconds=120, cpu_seconds=120),
            env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        )
        if result.returncode != 0:
            tail = (result.stderr or "")[-2000:]
            raise RuntimeError(
                f"probe.py failed (rc {result.returncode}, {result.isolation}): {tail}"
            )
        return json.loads((work / "result.json").read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fmt(check: dict) -> str:
    return f"{check['name']}: {check['detail']}"


def decide(name: str, measured: dict) -> dict:
    """The verdict the measurements support.

    - ``absent``: a stub.
    - ``wrong``: a value off (for a backward: off on both bases), an error, an input, the cache
      or the caller's dict changed in place, or a gradient of the wrong shape.
    - ``arguable``: only conventions (ReLU's gradient at exactly 0), shapes that broadcast to the
      right values (e.g. (1, D) running statistics), a dtype change, or keys added to ln_param.
    - ``right``: everything passes. A backward whose values differ from the reference's only
      because its own forward is wrong, and which matches that forward's numerical gradient, is
      right: the mistake is the forward's.
    """
    if "absent" in measured:
        return {"verdict": "absent", "kinds": [], "tasks": [], "evidence": [measured["absent"]]}
    checks = measured["checks"]
    failed = [c for c in checks if not c["ok"] and c["kind"] != "info"]
    wrong, arguable, notes = [], [], []
    if name in BACKWARD:
        basis_a = [c for c in checks if c["kind"] == "A"]
        basis_b = [c for c in checks if c["kind"] == "B"]
        a_ok = all(c["ok"] for c in basis_a)
        b_ok = all(c["ok"] for c in basis_b)
        worst_a = max(basis_a, key=lambda c: c.get("err", 0.0), default=None)
        if not a_ok:
            forward_wrong = any(
                not c["ok"] and c["kind"] == "info" and "out (context)" in c["name"] for c in checks
            )
            if b_ok and forward_wrong:
                notes.append(
                    "values differ from the reference only through its own forward, whose "
                    "numerical gradient it matches: " + _fmt(worst_a)
                )
            else:
                wrong += [c for c in basis_a if not c["ok"]]
                wrong += [c for c in basis_b if not c["ok"]]
        failed = [c for c in failed if c["kind"] not in ("A", "B")]
    for c in failed:
        if c["kind"] == "side" and "ln_param" in c["name"]:
            arguable.append(c)  # keys written into the caller's ln_param: harmless
        elif c["kind"] in ("value", "error", "side"):
            wrong.append(c)
        elif c["kind"] == "shape":
            # a shape is arguable when the values it holds are right; a gradient's shape is
            # not (a (1, D) dgamma makes the Solver's in-place update ``w -= lr * dw`` raise)
            twin = c["name"].replace(" shape", "")
            values = [
                v for v in checks if v["kind"] in ("value", "A") and v["name"].startswith(twin)
            ]
            gradient = any(g in c["name"] for g in ("dgamma", "dbeta", "dw", "db"))
            if values and all(v["ok"] for v in values) and not gradient:
                arguable.append(c)
            else:
                wrong.append(c)
        elif c["kind"] in ("dtype", "convention"):
            arguable.append(c)
    verdict = "wrong" if wrong else "arguable" if arguable else "right"
    faults = wrong + arguable
    return {
        "verdict": verdict,
        "kinds": sorted({_kind(c) for c in faults}),
        "tasks": sorted({c["task"] for c in faults if c.get("task")}),
        "evidence": [_fmt(c) for c in faults] + notes,
    }


def _kind(check: dict) -> str:
    """The kind of fault a failed check shows, as the manifest names it."""
    if check["kind"] == "side":
        return "caller's dict" if "ln_param" in check["name"] else "side effect"
    if check["kind"] == "convention" and "draws" in check["name"]:
        return "draw order"
    return {"A": "values", "B": "values", "value": "values"}.get(check["kind"], check["kind"])


def judge_cells(cells: dict[str, str], seed: int = SEED) -> dict[str, dict]:
    measured = measure(cells, seed)
    absent = [f for f, m in measured.items() if "absent" in m]
    if absent and any(f in cells for f in absent):
        # as in the kit: a function the student left as a stub is the reference's
        kept = {f: s for f, s in cells.items() if f not in absent}
        again = measure(kept, seed)
        measured = {f: (measured[f] if f in absent else again[f]) for f in measured}
    return {f: decide(f, measured[f]) | {"measured": measured[f]} for f in FUNCTIONS}


def differs(stated: dict, got: dict) -> bool:
    """Whether the manifest's verdict disagrees with the measured one: the verdict, and for a
    wrong or arguable function the kinds of fault and the tasks they concern."""
    if stated.get("verdict") != got["verdict"]:
        return True
    if got["verdict"] in ("wrong", "arguable"):
        return stated.get("kinds", []) != got["kinds"] or stated.get("tasks", []) != got["tasks"]
    return False


def _line(label: str, function: str, got: dict, stated: dict | None) -> str:
    mark = ""
    if stated is not None and differs(stated, got):
        mark = (
            f"  MISMATCH (manifest: {stated.get('verdict')} {stated.get('kinds', [])} "
            f"{stated.get('tasks', [])}; measured kinds {got['kinds']} tasks {got['tasks']})"
        )
    evidence = "; ".join(got["evidence"][:4])
    more = len(got["evidence"]) - 4
    if more > 0:
        evidence += f"; (+{more} more)"
    return f"{label:45s} {function:24s} {got['verdict']:8s} {evidence}{mark}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="entries to judge (owner__repo); default all")
    parser.add_argument("--file", type=Path, help="judge a layers.py outside the manifest")
    parser.add_argument("--fc-net", type=Path, help="with --file: its fc_net.py")
    parser.add_argument("--layer-utils", type=Path, help="with --file: its layer_utils.py")
    parser.add_argument("--json", type=Path, help="write the verdicts and measurements here")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    results, mismatches = {}, 0
    if args.file:
        read = lambda p: p.read_text(encoding="utf-8") if p else None  # noqa: E731
        try:
            cells = student_cells(read(args.file), read(args.fc_net), read(args.layer_utils))
        except SyntaxError as e:
            print(f"{args.file}: not Python 3 ({e.msg}, line {e.lineno})")
            return 2
        verdicts = judge_cells(cells, args.seed)
        results[str(args.file)] = verdicts
        for f, got in verdicts.items():
            print(_line(str(args.file)[-45:], f, got, None), flush=True)
    else:
        wanted = set(args.names)
        unknown = wanted - {e["name"] for e in ENTRIES}
        if unknown:
            parser.error(f"not in the manifest: {sorted(unknown)}")
        for entry in ENTRIES:
            if wanted and entry["name"] not in wanted:
                continue
            cells = student_cells(
                file_text(entry, "layers"),
                file_text(entry, "fc_net"),
                file_text(entry, "layer_utils"),
            )
            verdicts = judge_cells(cells, args.seed)
            results[entry["name"]] = verdicts
            for f, got in verdicts.items():
                stated = entry["verdicts"].get(f, {"verdict": "absent"})
                mismatches += differs(stated, got)
                print(_line(entry["name"], f, got, stated), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float), encoding="utf-8")
    if mismatches:
        print(f"{mismatches} verdict(s) differ from the manifest", file=sys.stderr)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
