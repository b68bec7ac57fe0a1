"""Grade every corpus through the grade command and record what each student got, to compare
two versions of the grader: the mutants, the correct variants and attacks, the hostile and
honest submissions, and the demo's examples, in one batch with a fixed grading secret.

    PYTHONPATH=tests .venv/bin/python scripts/compare_grades.py record OUT.json
    PYTHONPATH=tests .venv/bin/python scripts/compare_grades.py diff BEFORE.json AFTER.json

``record`` writes, per student, the total, each task's score and feedback text, the notes and
the flags (temporary paths replaced by ``<tmp>``). ``diff`` prints every difference and exits 1
if there is one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from hostile import CASES, load
from hostile._honest import HONEST
from support.alternatives import ATTACKS, CORRECT, notebook
from support.corpus import with_answers
from support.mutants import MUTANTS

from autograder import layout
from autograder.layout import ROOT, current

layout.use("batchnorm")  # the corpora are batch norm's submissions

SECRET = b"compare-grades: a fixed secret, so both versions draw the same hidden inputs"
TMP = re.compile(r"/tmp/[^\s)'\"]*")


def build(subs: Path) -> None:
    def put(name: str, nb) -> None:
        (subs / name).mkdir(parents=True)
        nbformat.write(nb, subs / name / current().notebook)

    for m in MUTANTS:
        put(f"mutant-{m.name}", with_answers(m.answers, extra=list(m.extra_cells)))
    for s in CORRECT:
        put(f"correct-{s.name}", s.notebook())
    for name, answers, _ in ATTACKS:
        put(f"attack-{name}", notebook(answers))
    for name in [*HONEST, *CASES]:
        (subs / name).mkdir(parents=True)
        (HONEST[name] if name in HONEST else load(name).build)(subs / name)
    from autograder.kit.examples import build as examples

    examples(subs / "examples", execute=False)
    for folder in sorted((subs / "examples").iterdir()):
        folder.rename(subs / f"example-{folder.name}")
    (subs / "examples").rmdir()


def record(path: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="compare-grades-") as tmp:
        subs, out = Path(tmp, "subs"), Path(tmp, "out")
        build(subs)
        out.mkdir()
        (out / "grading_secret").write_bytes(SECRET)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
               f"{os.environ['PATH']}"}  # fmt: skip
        run = subprocess.run(
            [sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
             "--workers", "2"],
            capture_output=True, text=True, cwd=ROOT, env=env,
        )  # fmt: skip
        if run.returncode != 0:
            print(run.stdout[-3000:], run.stderr[-3000:])
            return 1
        results = json.loads((out / "results.json").read_text())
    kept = {}
    for student, entry in sorted(results.items()):
        kept[student] = {
            "total": entry.get("total"),
            "notes": [TMP.sub("<tmp>", n) for n in entry.get("notes", [])],
            "flags": [TMP.sub("<tmp>", f) for f in entry.get("flags", [])],
            "tasks": {
                t: {"score": v["score"], "feedback": TMP.sub("<tmp>", v["feedback"])}
                for t, v in entry.get("tasks", {}).items()
            },
        }
    path.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")
    print(f"{len(kept)} students recorded in {path}")
    return 0


def diff(before: Path, after: Path) -> int:
    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    found = 0
    for student in sorted(set(a) | set(b)):
        if a.get(student) == b.get(student):
            continue
        found += 1
        old, new = a.get(student, {}), b.get(student, {})
        print(f"== {student}")
        for key in ("total", "notes", "flags"):
            if old.get(key) != new.get(key):
                print(f"  {key}: {old.get(key)!r}\n     -> {new.get(key)!r}")
        tasks = set(old.get("tasks", {})) | set(new.get("tasks", {}))
        for task in sorted(tasks):
            x, y = old.get("tasks", {}).get(task), new.get("tasks", {}).get(task)
            if x != y:
                print(f"  {task}: {x and x['score']} -> {y and y['score']}")
                if x and y and x["feedback"] != y["feedback"]:
                    print("    before: " + x["feedback"].replace("\n", "\n            "))
                    print("    after:  " + y["feedback"].replace("\n", "\n            "))
    print(f"{found} of {len(set(a) | set(b))} students differ")
    return 1 if found else 0


if __name__ == "__main__":
    command, *paths = sys.argv[1:]
    if command == "record":
        sys.exit(record(Path(paths[0])))
    sys.exit(diff(Path(paths[0]), Path(paths[1])))
