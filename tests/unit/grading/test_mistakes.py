"""Every declared mistake is recognised from its own output wherever that output differs from
the reference's (elsewhere a value check passes and no mistake is looked for), and outputs are
matched to the tolerance of the one home for numbers."""

from __future__ import annotations

import fnmatch

import numpy as np
import pytest

from autograder import tasks
from autograder.grading.inputs import draw_inputs
from autograder.grading.mistakes import matches, recognise
from autograder.grading.reference import expected_outputs, helpers, reference

SEEDS = (1, 2, 3)


def cases():
    for task in tasks.registry().values():
        for index in range(len(task.mistakes)):
            yield pytest.param(task.id, index, id=f"{task.id}-{index}")


@pytest.fixture(scope="module")
def drawn():
    return {seed: draw_inputs(seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def expected(drawn):
    return {seed: expected_outputs(inputs) for seed, inputs in drawn.items()}


@pytest.mark.parametrize("task, index", list(cases()))
def test_a_mistake_is_recognised_from_its_output(task, index, drawn, expected):
    declared = tasks.get(task)
    mistake = declared.mistakes[index]
    seen = 0
    for seed in SEEDS:
        for part in declared.part_names:
            if mistake.part not in (None, part):
                continue
            outputs = [
                k for k in expected[seed][task][part] if fnmatch.fnmatchcase(k, mistake.output)
            ]
            for key in outputs:
                inp = drawn[seed][task][part]
                try:
                    variant = mistake.compute(inp, reference())
                except (KeyError, ValueError, TypeError):
                    continue  # made for another part's inputs (recognise skips it too)
                if isinstance(variant, dict):
                    variant = variant.get(key)
                if variant is None or matches(variant, expected[seed][task][part][key]):
                    continue
                seen += 1
                words = recognise(declared, part, key, variant, inp, reference())
                assert words is not None, (part, key)
    assert seen, "the mistake never shows on the hidden inputs"


def test_matching_uses_the_mistake_tolerance():
    check = helpers().checking
    x = np.linspace(1, 2, 10)
    assert matches(x * (1 + check.MISTAKE_TOL / 10), x)
    assert not matches(x * (1 + check.MISTAKE_TOL * 10), x)
    assert not matches(x[:5], x)
    assert not matches(np.full(10, np.nan), x)
