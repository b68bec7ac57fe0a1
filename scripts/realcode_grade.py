"""Grade every real-code entry through the kit's grader and compare with the corpus's verdicts.

Usage (from the repository root)::

    PYTHONPATH=tests .venv/bin/python scripts/realcode_grade.py --out OUT.json [--seed N]
    PYTHONPATH=tests .venv/bin/python scripts/realcode_grade.py --table OUT.json
    PYTHONPATH=tests .venv/bin/python scripts/realcode_grade.py --sweep 20

The first form builds each entry's notebook (``corpus.with_answers(realcode.answers(entry))``:
the release with the reference's answers, the entry's own functions in their cells) and grades
it once through the real path (sandbox and trusted comparison), writing per task the score, the
maximum and the feedback text (``autograder.feedback.task_text``). The second form prints, in
Markdown, the table of scores against the verdicts and every disagreement, by the rules of
``realcode.disagreement`` (missed mistakes, false failures, arguable points under half,
overcharged side effects and conventions). ``--sweep N`` grades the entries whose mistake
involves eps under N grading seeds, to show whether the hidden inputs catch it on every draw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from realcode import ENTRIES, FUNCTION_TASKS, TASK_FUNCTIONS, answers, disagreement, task_verdict
from support.corpus import grade, with_answers

from autograder.grading.feedback import task_text


def grade_all(out: Path, seed: int) -> None:
    results = json.loads(out.read_text()) if out.exists() else {}
    for entry in ENTRIES:
        if entry["name"] in results:
            continue
        start = time.perf_counter()
        result = grade(with_answers(answers(entry)), seed=seed)
        results[entry["name"]] = {
            "seed": seed,
            "notes": result.notes,
            "flags": result.flags,
            "tasks": {
                t: {"score": r.score, "max": r.max_score, "feedback": task_text(t, r)}
                for t, r in result.tasks.items()
            },
        }
        out.write_text(json.dumps(results, indent=1), encoding="utf-8")
        print(f"{entry['name']}: {time.perf_counter() - start:.1f} s", flush=True)


def _cell(score: float, maximum: float, verdict: str) -> str:
    mark = {"right": "", "wrong": " W", "arguable": " a", "absent": " -"}[verdict]
    return f"{score:g}{mark}" if score != maximum else f"✓{mark}"


def table(results_path: Path) -> str:
    results = json.loads(results_path.read_text())
    tasks = list(TASK_FUNCTIONS)
    short = {
        t: t.replace("batchnorm", "bn")
        .replace("layernorm", "ln")
        .replace("_forward", "_f")
        .replace("_backward", "_b")
        .replace("FullyConnectedNet", "net")
        for t in tasks
    }
    lines = [
        "| entry | " + " | ".join(short[t] for t in tasks) + " |",
        "|---|" + "---|" * len(tasks),
    ]
    disagreements = []
    for entry in ENTRIES:
        graded = results.get(entry["name"])
        if graded is None:
            continue
        cells = []
        for t in tasks:
            r = graded["tasks"][t]
            v = task_verdict(entry, t)
            cells.append(_cell(r["score"], r["max"], v["verdict"]))
            kind = disagreement(entry, t, r["score"], r["max"])
            if kind is not None:
                disagreements.append((entry["name"], t, r, v["verdict"], v.get("what", ""), kind))
        lines.append(f"| {entry['name']} | " + " | ".join(cells) + " |")
    out = ["\n".join(lines), "", f"### Disagreements ({len(disagreements)})", ""]
    for name, t, r, verdict, what, kind in disagreements:
        out.append(f"#### {name} · `{t}`: {r['score']:g} / {r['max']:g}, verdict {verdict}: {kind}")
        if what:
            out.append(f"Verdict: {what}")
        out.append("")
        out.append("```")
        out.append(r["feedback"])
        out.append("```")
        out.append("")
    return "\n".join(out)


def sweep(seeds: int) -> str:
    """Grade the entries whose mistake involves eps under grading seeds 1..``seeds``; a Markdown
    table of how many seeds each of their wrong tasks lost points under."""
    rows = ["| entry | task | the mistake | seeds that lose points |", "|---|---|---|---|"]
    for entry in ENTRIES:
        wrong = {
            t: v
            for f, v in entry["verdicts"].items()
            if v["verdict"] == "wrong" and "eps" in v.get("what", "")
            for t in v.get("tasks", FUNCTION_TASKS[f])
        }
        if not wrong:
            continue
        caught = dict.fromkeys(wrong, 0)
        notebook = with_answers(answers(entry))
        for seed in range(1, seeds + 1):
            result = grade(notebook, seed=seed)
            for t in wrong:
                caught[t] += result.tasks[t].score < result.tasks[t].max_score
        for t, v in wrong.items():
            rows.append(f"| {entry['name']} | `{t}` | {v['what']} | {caught[t]} / {seeds} |")
        print(rows[-1], file=sys.stderr, flush=True)
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="grade every entry, results to this JSON")
    parser.add_argument("--table", type=Path, help="print the table from this results JSON")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sweep", type=int, metavar="N", help="eps mistakes under seeds 1..N")
    args = parser.parse_args(argv)
    if args.out:
        grade_all(args.out, args.seed)
    if args.table:
        print(table(args.table))
    if args.sweep:
        print(sweep(args.sweep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
