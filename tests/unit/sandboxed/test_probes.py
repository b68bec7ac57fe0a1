"""The sandboxed call patterns, run here on the reference: what they record, and that every call
gets fresh copies of its inputs."""

from __future__ import annotations

import numpy as np
import pytest

from autograder import tasks
from autograder.grading.inputs import draw_inputs
from autograder.grading.reference import helpers, reference
from autograder.sandboxed import probes

NUMGRAD = None


@pytest.fixture(scope="module")
def numgrad():
    return helpers().gradient_check.eval_numerical_gradient_array


@pytest.mark.parametrize("task", tasks.ids())
def test_every_probe_runs_on_the_reference_and_leaves_the_inputs_alone(task, numgrad):
    inputs = draw_inputs(5)[task]
    before = {p: {k: v.copy() for k, v in inp.items()} for p, inp in inputs.items()}
    for part in tasks.get(task).parts:
        out = probes.run(reference(), inputs[part.name], part.probe.to_json(), numgrad)
        assert isinstance(out, dict) and out, part.name
        for key, value in before[part.name].items():
            assert np.array_equal(inputs[part.name][key], value), (part.name, key)


def test_forward_records_its_input_afterwards_and_the_running_statistics(numgrad):
    inp = draw_inputs(5)
    bn = next(t for t in tasks.registry().values() if t.function == "batchnorm_forward")
    part = bn.parts[0]
    out = probes.run(reference(), inp[bn.id][part.name], part.probe.to_json(), numgrad)
    assert {"out", probes.after("x"), "running_mean", "running_var"} <= set(out)


def test_an_edit_in_place_is_seen_in_the_recorded_input():
    def affine_forward(x, w, b):
        x -= 1
        return x.reshape(len(x), -1) @ w + b, None

    inp = {"x": np.ones((2, 3)), "w": np.ones((3, 2)), "b": np.zeros(2)}
    out = probes.forward({"affine_forward": affine_forward}, inp, "affine_forward",
                         ("x", "w", "b"))  # fmt: skip
    assert np.all(out[probes.after("x")] == 0) and np.all(inp["x"] == 1)


def test_an_unknown_mode_must_raise():
    def lax(x, gamma, beta, param):
        return x, None

    def strict(x, gamma, beta, param):
        raise ValueError(param["mode"])

    inp = {"x": np.ones((2, 3)), "gamma": np.ones(3), "beta": np.zeros(3)}
    args = ("x", "gamma", "beta")
    assert probes.raises({"f": lax}, inp, "f", args, {"mode": "eval"})["raised"] == 0
    assert probes.raises({"f": strict}, inp, "f", args, {"mode": "eval"})["raised"] == 1


def test_a_parameter_dict_is_built_from_its_spec():
    inp = {"eps": np.array(0.3), "mean": np.arange(3.0)}
    spec = {"mode": "train", "eps": "@eps", "momentum": "@momentum?", "running_mean": "@mean"}
    made = probes.param_dict(inp, spec)
    assert made["mode"] == "train" and made["eps"] == 0.3 and isinstance(made["eps"], float)
    assert "momentum" not in made  # absent, and optional
    assert np.array_equal(made["running_mean"], inp["mean"])
    made["running_mean"][0] = 9  # a copy: the input stays as drawn
    assert inp["mean"][0] == 0
    with pytest.raises(KeyError, match="wants the input 'momentum'"):
        probes.param_dict(inp, {"momentum": "@momentum"})


@pytest.mark.parametrize("task", tasks.ids())
def test_every_part_returns_what_its_probe_declares(task, numgrad):
    """What a probe returns matches its declared outputs (``probes.OUTPUTS``): the names the
    declarations are checked against when they load."""
    import fnmatch

    inputs = draw_inputs(5)[task]
    for part in tasks.get(task).parts:
        call, args = part.probe.call, dict(part.probe.args)
        declared = set(probes.OUTPUTS[call](**args))
        out = probes.run(reference(), inputs[part.name], part.probe.to_json(), numgrad)
        for name in out:
            assert any(fnmatch.fnmatchcase(name, d) for d in declared), (task, part.name, name)


def test_magics_become_plain_python():
    source = probes.python_source("%matplotlib inline\nx = 1\n!ls\n")
    assert "get_ipython()" in source and "x = 1" in source


@pytest.mark.parametrize(
    "source",
    [
        "%matplotlib inline\nx = 1\n",
        "x = 1\n!ls\n",
        "np.zeros?\n",
        "  x = 1\n",  # indented first line: IPython dedents it
        ">>> x = 1\n",
        "In [1]: x = 1\n",  # valid Python (an annotation), but a pasted prompt
        "%%time\nx = 1\n",
    ],
)
def test_ipython_syntax_is_transformed(source):
    assert probes.needs_ipython(source)
    assert probes.plain_python(source) == probes.python_source(source)


@pytest.mark.parametrize(
    "source",
    [
        "if mode != 'train':\n    x = 1 % 3\n",
        's = "why? 100%!"\n',
        "def f(x):\n    '''Returns x!'''\n    return x\n",
        "",
    ],
)
def test_plain_python_is_left_alone(source):
    assert not probes.needs_ipython(source)
    assert probes.plain_python(source) == source


def test_a_cell_too_deep_to_compile_is_not_an_error_here():
    source = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    assert probes.needs_ipython(source)
