"""Grade the hostile corpus (tests/hostile) with the kit and with stock nbgrader; print a table.

    PYTHONPATH=tests .venv/bin/python scripts/compare_stock.py [--cases a,b] [--write-docs]

With ``--write-docs`` the table goes into docs/measurements.md, between its
``<!-- stock-comparison:begin -->`` and ``<!-- stock-comparison:end -->`` markers.

Stock nbgrader: the same source notebook in a course with nbgrader's default configuration
(the notebook runs in the student's Jupyter kernel, as the grader's user, in the course folder;
`Execute.timeout` 30 s per cell), one `nbgrader autograde batchnorm` call for the whole batch as
its documentation shows, then one call per student for those the batch call did not grade.
The kit: `python -m autograder grade`. Takes about 20 minutes on 2 cores: stock nbgrader runs
every experiment of every notebook and waits out every hang.

Stock nbgrader runs the hostile code without a sandbox, as you: the script therefore works in a
throwaway copy of the repository (the cases aim at the copy's instructor files), and the copy
is checked afterwards for what the cases changed in it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hostile
from nbgrader.api import Gradebook, MissingEntry

from autograder.kit.docs import STOCK_COMPARISON, replaced, shown

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
PAGE = Path("docs", "measurements.md")
"""Where the table goes (relative to the repository: the script runs in a copy of it)."""
STOCK_CONFIG = """\
c = get_config()
c.CourseDirectory.course_id = "stock"
"""


def build(cases: list[str], dest: Path) -> None:
    for name in cases:
        (dest / name).mkdir(parents=True)
        hostile.load(name).build(dest / name)


def kit(subs: Path, out: Path) -> tuple[dict, float]:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out)],
        env=ENV,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return json.loads((out / "results.json").read_text()), time.perf_counter() - start


def stock(subs: Path, course: Path, cases: list[str]) -> tuple[dict, str, float]:
    """Per case: autograded score or what went wrong; and how the one batch call ended."""
    (course / "source").mkdir(parents=True)
    shutil.copytree(
        ROOT / "solutions" / "batchnorm",
        course / "source" / "batchnorm",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
    nbgrader = [str(BIN / "nbgrader")]
    subprocess.run(
        [*nbgrader, "generate_assignment", "batchnorm", "--create", "--force"],
        cwd=course,
        env=ENV,
        check=True,
        capture_output=True,
    )
    for name in cases:
        shutil.copytree(subs / name, course / "submitted" / name / "batchnorm", symlinks=True)
    start = time.perf_counter()
    batch = subprocess.run(
        [*nbgrader, "autograde", "batchnorm", "--create", "--force"],
        cwd=course,
        env=ENV,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    batch_outcome = "completed" if batch.returncode == 0 else "aborted"
    results = {}
    for name in cases:
        score = _stock_score(course, name)
        if score is None:  # not graded by the batch call: try this student alone
            one = subprocess.run(
                [*nbgrader, "autograde", "batchnorm", "--create", "--force", "--student", name],
                cwd=course,
                env=ENV,
                capture_output=True,
                text=True,
            )
            score = _stock_score(course, name)
            if score is None:
                score = f"not graded: {_reason(one.stderr)}"
        results[name] = score
    return results, batch_outcome, seconds


def _reason(log: str) -> str:
    """The exception nbgrader logged for one student, by name."""
    names = re.findall(r"\b(\w+(?:Error|Exception|Exit))\b", log)
    names = [n for n in names if n not in ("NbGraderException",)]
    return names[-1] if names else "failed"


def _stock_score(course: Path, student: str):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            nb = gb.find_submission_notebook("BatchNormalization", "batchnorm", student)
        except MissingEntry:
            return None
        if not nb.grades or all(g.auto_score is None for g in nb.grades if g.cell_type == "code"):
            return None
        return sum(g.auto_score or 0 for g in nb.grades if g.cell_type == "code")


def table(cases, kit_results, stock_results, outcome, times) -> str:
    lines = [
        "| submission | what it does | kit: autograded score, flag | stock nbgrader: autograded "
        "score |",
        "|---|---|---|---|",
    ]
    for name in cases:
        module = hostile.load(name)
        what = " ".join((module.__doc__ or "").split())
        what = re.split(r"(?<=[.:])\s", what)[0].rstrip(":.")
        mine = kit_results.get(name, {})
        auto = sum(
            t["score"] or 0
            for k, t in mine.get("tasks", {}).items()
            if not k.startswith("inline_question")
        )
        flag = "flagged: " + mine["flags"][0][:70] if mine.get("flags") else "not flagged"
        theirs = stock_results.get(name)
        theirs = f"{theirs:g} / 43" if isinstance(theirs, float | int) else theirs
        lines.append(f"| `{name}` | {what[:140]} | {auto:g} / 43, {flag} | {theirs} |")
    lines.append("")
    lines.append(
        f"Stock nbgrader's one `autograde` call for the whole batch {outcome} "
        f"({times['stock']:.0f} s); the kit graded the batch in {times['kit']:.0f} s."
    )
    return "\n".join(lines)


def in_throwaway_copy(argv: list[str]) -> int:
    """Run this script again inside a copy of the repository; report what stock runs changed."""
    with tempfile.TemporaryDirectory(prefix="stock-comparison-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(
            ROOT,
            copy,
            ignore=shutil.ignore_patterns(
                ".venv", "data", "demo-out", "__pycache__", ".pytest_cache", ".git"
            ),
        )
        before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
        env = {
            **ENV,
            "PYTHONPATH": f"{copy}{os.pathsep}{copy / 'tests'}",
            "COMPARE_STOCK_IN_COPY": "1",
        }
        code = subprocess.run(
            [sys.executable, str(copy / "scripts" / "compare_stock.py"), *argv], cwd=copy, env=env
        ).returncode
        changed = sorted(
            str(p.relative_to(copy))
            for p, data in before.items()
            if not p.exists() or p.read_bytes() != data
        )
        changed = [c for c in changed if c != str(PAGE)]
        if changed:
            print(f"stock nbgrader's students changed instructor files: {', '.join(changed)}")
        if code == 0 and {"--write-docs", "--write-readme"} & set(argv):
            table = shown((copy / PAGE).read_text(), STOCK_COMPARISON)
            (ROOT / PAGE).write_text(replaced((ROOT / PAGE).read_text(), STOCK_COMPARISON, table))
            print(f"wrote the table into {ROOT / PAGE}")
    return code


def main() -> int:
    if os.environ.get("COMPARE_STOCK_IN_COPY") != "1":
        return in_throwaway_copy(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument(
        "--write-docs",
        "--write-readme",
        dest="write_docs",
        action="store_true",
        help=f"write the table into {PAGE}",
    )
    args = parser.parse_args()
    cases = args.cases.split(",") if args.cases else list(hostile.CASES)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build(cases, tmp / "subs")
        kit_results, kit_seconds = kit(tmp / "subs", tmp / "kit")
        stock_results, outcome, stock_seconds = stock(tmp / "subs", tmp / "stock", cases)
    text = table(
        cases, kit_results, stock_results, outcome, {"kit": kit_seconds, "stock": stock_seconds}
    )
    print(text)
    if args.write_docs:
        page = ROOT / PAGE
        page.write_text(replaced(page.read_text(), STOCK_COMPARISON, text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
