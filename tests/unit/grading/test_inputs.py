"""Hidden inputs: drawn per student, the same on a re-run, different across students, and made
so every check means something (the invariants the declarations' draws promise)."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import tasks
from autograder.grading.inputs import case_seed, draw_inputs

SEEDS = range(20)


def same(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[t][p][k], b[t][p][k]) for t in a for p in a[t] for k in a[t][p])


def test_a_seed_draws_the_same_inputs_every_time():
    assert same(draw_inputs(7), draw_inputs(7))


def test_students_draw_different_inputs():
    a = draw_inputs(case_seed(b"secret", "ann"))
    b = draw_inputs(case_seed(b"secret", "ben"))
    assert not same(a, b)
    assert case_seed(b"secret", "ann") != case_seed(b"other", "ann")


def test_every_task_and_part_is_drawn():
    inputs = draw_inputs(1)
    assert list(inputs) == tasks.ids()
    for task in tasks.ids():
        assert list(inputs[task]) == tasks.get(task).part_names, task


@pytest.mark.parametrize("seed", SEEDS)
def test_normalization_inputs_make_every_check_meaningful(seed):
    inputs = draw_inputs(seed)
    for task, parts in inputs.items():
        for part, inp in parts.items():
            if "dout" in inp:
                # a uniform dout makes batch norm's dx ~ 0: the check would mean nothing
                assert np.std(inp["dout"]) > 0.1, (task, part)
            if {"x", "gamma", "beta"} <= set(inp) and inp["x"].ndim == 2:
                assert np.abs(inp["x"].mean()) > 0 and np.all(np.std(inp["x"], axis=0) > 0)
                assert len(set(np.round(inp["gamma"], 12))) == inp["gamma"].size, (task, part)


@pytest.mark.parametrize("seed", SEEDS)
def test_relu_inputs_hold_exact_zeros_and_the_numeric_part_avoids_them(seed):
    inputs = draw_inputs(seed)
    for task, parts in inputs.items():
        if tasks.get(task).function.startswith("relu"):
            first = next(iter(parts.values()))
            assert np.any(first["x"] == 0), task
        if "numeric" in parts and tasks.get(task).function == "relu_backward":
            assert np.all(np.abs(parts["numeric"]["x"]) >= 0.05)


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_parts_are_float32(seed):
    for parts in draw_inputs(seed).values():
        for part, inp in parts.items():
            if part == "float32":
                arrays = [v for v in inp.values() if isinstance(v, np.ndarray) and v.ndim > 0]
                assert arrays and {str(a.dtype) for a in arrays if a.dtype.kind == "f"} <= {
                    "float32",
                    "float64",
                }
