"""Mutation testing of the hidden checks: every mutant of ``mutants.py`` must be caught.

For each mutant (one mistake in one function, see ``mutants.py``) graded through the real
path: its task loses points, the feedback the student reads names the mistake, and the tasks
that never call the mutated function keep full marks. The mutants are graded in parallel
(each grade runs in its own sandboxed process) as soon as the module's first test asks.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from support.corpus import grade, with_answers
from support.mutants import BUGS_MD_ROWS, CORRECT, MUTANTS, Mutant, related_tasks

from autograder.grading.feedback import task_text
from autograder.tasks import ids

TASKS = ids()

SEED = 1

_POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="mutant")


def _grade(answers: dict[str, str], extra=()):
    return grade(with_answers(answers, extra=list(extra)), seed=SEED)


@functools.cache
def _baseline():
    """The correct versions the mutants edit, graded first (this also warms the caches)."""
    return _grade(CORRECT)


@functools.cache
def _graded() -> dict[str, Future]:
    _baseline()
    return {m.name: _POOL.submit(_grade, m.answers, m.extra_cells) for m in MUTANTS}


def _report(result, tasks) -> str:
    return "\n\n".join(task_text(t, result.tasks[t]) for t in tasks)


def test_correct_versions_earn_full_marks():
    """Each mutant is one edit away from these: a lost point is the mistake's doing."""
    result = _baseline()
    short = [t for t, r in result.tasks.items() if r.score < r.max_score]
    assert not short, _report(result, short)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_is_caught_and_named(mutant: Mutant):
    result = _graded()[mutant.name].result(timeout=600)
    own = result.tasks[mutant.task]
    text = task_text(mutant.task, own)
    assert own.score < own.max_score, f"{mutant.name} keeps full marks:\n{text}"
    assert mutant.words in text, f"the feedback does not say {mutant.words!r}:\n{text}"
    related = related_tasks(mutant)
    assert mutant.task in related
    hurt = [
        t for t in TASKS if t not in related and result.tasks[t].score < result.tasks[t].max_score
    ]
    assert not hurt, f"{mutant.name} costs points in unrelated tasks:\n{_report(result, hurt)}"


def test_mutants_are_distinct_and_well_formed():
    every = MUTANTS
    names = [m.name for m in every]
    assert len(set(names)) == len(names)
    sources = [tuple(sorted(m.answers.items())) + m.extra_cells for m in every]
    assert len(set(sources)) == len(sources), "two mutants make the same submission"
    for m in every:
        assert m.task in TASKS, m.name
        assert m.answers and all(gid in CORRECT for gid in m.answers), m.name
        assert m.words.strip(), m.name


def test_every_bugs_md_row_has_a_mutant_and_ten_more_of_our_own():
    for m in MUTANTS:
        if m.bug:
            matching = [row for row in BUGS_MD_ROWS if m.bug in row]
            assert len(matching) == 1, f"{m.name}: bug tag {m.bug!r} matches {matching}"
    uncovered = [row for row in BUGS_MD_ROWS if not any(m.bug and m.bug in row for m in MUTANTS)]
    assert not uncovered, f"BUGS.md rows without a mutant: {uncovered}"
    own = [m for m in MUTANTS if not m.bug]
    assert len(own) >= 10
    assert len(MUTANTS) >= len(BUGS_MD_ROWS) + 10
    # our own mistakes reach every graded task
    assert {m.task for m in own} == set(TASKS)
