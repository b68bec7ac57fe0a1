"""Correct submissions written differently get full marks; attacks score 0 on what they attack.

Every submission of ``tests/support/alternatives.py`` is graded through the real path (the
sandbox and the trusted comparison), all at once on a thread pool: each grade is a sandboxed
subprocess.
"""

from __future__ import annotations

import binascii
import functools
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import numpy as np
import pytest
from support.alternatives import ATTACKS, CORRECT, LEAK, notebook
from support.corpus import grade

from autograder.grading.inputs import draw_inputs
from autograder.grading.reference import expected_outputs, helpers, reference
from autograder.tasks import ids
from autograder.tasks import points as task_points

TASKS = ids()

POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))


def _as_saved(nb):
    """The notebook as the grader reads it from a file (validated, written and parsed back)."""
    nbformat.validate(nb)
    return nbformat.reads(nbformat.writes(nb), as_version=4)


@functools.cache
def _graded() -> dict:
    """name -> future of its SubmissionResult; every submission starts grading at once."""
    helpers(), reference(), task_points()  # load the trusted side once, not in every thread
    notebooks = {s.name: s.notebook() for s in CORRECT}
    notebooks |= {name: notebook(answers) for name, answers, _ in ATTACKS}
    notebooks[LEAK.name] = LEAK.notebook()
    return {
        name: POOL.submit(grade, _as_saved(nb), seed)
        for seed, (name, nb) in enumerate(notebooks.items(), start=1)
    }


def result(name: str):
    return _graded()[name].result(timeout=300)


def _failures(res, tasks=None) -> str:
    lines = []
    for task, t in res.tasks.items():
        if tasks is not None and task not in tasks:
            continue
        lines.append(f"{task}: {t.score}/{t.max_score} {t.notes}")
        lines += [f"    {f.what} | {f.detail} | {f.mistake}" for f in t.findings if not f.passed]
    return "\n".join(lines + [f"note: {n}" for n in res.notes])


def test_at_least_eight_independent_correct_submissions():
    assert len(CORRECT) >= 8
    assert len({s.name for s in CORRECT}) == len(CORRECT)
    replaced = [s for s in CORRECT if len(s.answers) >= 5]
    assert len(replaced) >= 5  # most rewrite half the answer cells or more


@pytest.mark.parametrize("name", [s.name for s in CORRECT])
def test_correct_alternative_gets_full_marks(name):
    res = result(name)
    assert set(res.tasks) == set(TASKS)
    assert res.total == res.max_total, _failures(res)
    assert not res.flags, res.flags  # nothing for a TA to look at either
    assert not [n for n in res.notes if "metadata" in n], res.notes


def test_scratch_cells_ran_and_their_errors_cost_nothing():
    """The scratch cells really ran: their own exceptions are reported, and cost no points."""
    res = result("scratch_cells_magics_and_raising")
    notes = "\n".join(res.notes)
    for error in ("RuntimeError: TODO", "ZeroDivisionError", "NameError"):
        assert error in notes, notes
    assert "magic" not in notes.lower(), notes  # %timeit, %%time, !ls ran without error
    assert res.total == res.max_total


@pytest.mark.parametrize("name", [name for name, _, _ in ATTACKS])
def test_attack_scores_zero_on_what_it_attacks(name):
    _, answers, attacked = next(a for a in ATTACKS if a[0] == name)
    res = result(name)
    for task in attacked:
        assert res.tasks[task].score == 0, _failures(res, [task])
    for task in set(TASKS) - set(attacked):
        t = res.tasks[task]
        assert t.score == t.max_score, _failures(res, [task])
    # the attacking cells ran to their end: the patches were in place for what followed
    for gid in answers:
        assert not any(gid in n and "failed" in n for n in res.notes), res.notes


def test_reference_solution_never_reaches_the_student():
    """A student's code may hook builtins.compile and hide what it saw in its net's parameter
    names: nothing the student is shown may hold the reference's solution code."""
    res = result(LEAK.name)
    shown = json.dumps(res.to_json())
    chunks = sorted(re.findall(r"'(\d{4}[0-9a-f]+)'", shown))
    try:
        decoded = binascii.unhexlify("".join(c[4:] for c in chunks)).decode(errors="replace")
    except binascii.Error:
        decoded = ""
    for text in (shown, decoded):
        assert "BEGIN SOLUTION" not in text
        assert "out = np.maximum(x, 0)" not in text


def test_expected_outputs_do_not_depend_on_other_threads():
    """Grading in threads must give each submission the expected values of its own seed.

    The reference net's initial weights come from np.random.seed then np.random.randn on the
    global random state: two threads computing expected values interleave their draws.
    """

    def weights(seed):
        init = expected_outputs(draw_inputs(seed))["FullyConnectedNet"]["init"]
        return {k: v for k, v in init.items() if k.startswith("param_W")}

    if _graded.cache_info().currsize:  # let the pool's grades finish first
        [f.result() for f in _graded().values()]
    alone = {seed: weights(seed) for seed in range(1, 5)}
    differ, deadline = [], time.monotonic() + 3.0
    with ThreadPoolExecutor(len(alone)) as pool:
        while not differ and time.monotonic() < deadline:
            together = {s: pool.submit(weights, s) for s in alone}
            differ = [
                s
                for s, f in together.items()
                if any(not np.array_equal(f.result()[k], v) for k, v in alone[s].items())
            ]
    assert not differ, f"seeds {differ}: the reference net's weights took another thread's draws"
