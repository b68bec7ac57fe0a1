"""Real students' code, the corpus itself (``make realcode``): every verdict holds, and the
kit grades by the verdicts.

The students' files are third-party code and are not in the repository (README.md says how to
restore them from the repositories, at the recorded commits): this module is not collected by
``make test`` (``test_realcode.py`` checks the manifest there), and it FAILS, not skips, when
the files are missing.

- ``test_answers_build``: every entry becomes a submission (``corpus.with_answers``).
- ``test_verdict_holds``: ``judge.py``'s measurements give the manifest's verdict, kinds of fault
  and tasks, function by function (the students' code runs in the kit's sandbox).
- ``test_kit_grades_by_verdict``: the kit's grade of each entry has no missed mistake, no false
  failure, no arguable point under half and no overcharged side effect
  (``realcode.disagreement``). The entries the grader does not yet grade fairly are expected to
  fail, strictly: when a fix makes one pass, take it off ``NOT_YET``.

"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.corpus import grade, with_answers

from autograder.grading.feedback import task_text
from realcode import (
    ENTRIES,
    FUNCTIONS,
    TASK_FUNCTIONS,
    answers,
    disagreement,
    entry_dir,
    file_text,
    task_verdict,
)
from realcode.judge import differs, judge_cells, student_cells

NAMES = [e["name"] for e in ENTRIES]
BY_NAME = {e["name"]: e for e in ENTRIES}
MISSING = sorted(
    f"{e['name']}/{kind}.py"
    for e in ENTRIES
    for kind in e["files"]
    if not (entry_dir(e) / f"{kind}.py").exists()
)
if MISSING:
    pytest.fail(
        f"{len(MISSING)} corpus files are not here (e.g. {MISSING[:1]}): restore them as "
        "tests/realcode/README.md says",
        pytrace=False,
    )
POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))

NOT_YET: dict[str, str] = {}
"""Entries the kit does not yet grade by their verdicts (seed 1), with the reason (issue 10)."""


@pytest.mark.parametrize("name", NAMES)
def test_answers_build(name):
    entry = BY_NAME[name]
    cells = answers(entry)
    present = {f for f in FUNCTIONS if entry["verdicts"][f]["verdict"] != "absent"}
    assert set(cells) == {f"{f}_answer" for f in present}
    for gid, source in cells.items():
        code = compile(source, gid, "exec")
        assert gid.removesuffix("_answer") in code.co_names
    with_answers(cells)


@functools.cache
def _judged(name):
    entry = BY_NAME[name]
    cells = student_cells(*(file_text(entry, k) for k in ("layers", "fc_net", "layer_utils")))
    return POOL.submit(judge_cells, cells)


@functools.cache
def _graded(name):
    return POOL.submit(grade, with_answers(answers(BY_NAME[name])), 1)


@pytest.mark.parametrize("name", NAMES)
def test_verdict_holds(name):
    for other in NAMES:  # start every entry at once: each is a sandboxed subprocess
        _judged(other)
    measured = _judged(name).result()
    entry = BY_NAME[name]
    wrong = {
        f: (entry["verdicts"][f], {k: measured[f][k] for k in ("verdict", "kinds", "tasks")})
        for f in FUNCTIONS
        if differs(entry["verdicts"][f], measured[f])
    }
    assert not wrong, wrong


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[n]))
        if n in NOT_YET
        else n
        for n in NAMES
    ],
)
def test_kit_grades_by_verdict(name):
    for other in NAMES:
        _graded(other)
    result = _graded(name).result()
    entry = BY_NAME[name]
    found = {
        t: (disagreement(entry, t, r.score, r.max_score), f"{r.score:g} / {r.max_score:g}")
        for t, r in result.tasks.items()
        if t in TASK_FUNCTIONS and disagreement(entry, t, r.score, r.max_score)
    }
    assert not found, found
    for task, r in result.tasks.items():
        if task in TASK_FUNCTIONS and task_verdict(entry, task)["verdict"] == "arguable":
            if r.score < r.max_score:  # what it lost is named as arguable, for a TA to review
                assert r.arguable, (task, task_text(task, r))
