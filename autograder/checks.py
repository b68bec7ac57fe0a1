"""The hidden checks: the student's outputs against the reference's, on the trusted side.

Every check is one line of a table: which part and output it looks at, how it compares, its
weight in the task and what it tells the student. A task's score is its points times the
weight of the checks that passed over the weight of all its checks. The checkers and
tolerances are ``cs231n.checking``'s, the same the public checks use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import mistakes
from .source import helpers

HIDDEN_TOL = 1e-6
"""Relative error allowed against the reference in float64 (formulas differ in rounding)."""

FLOAT32_TOL = 1e-3
"""Relative error allowed against the reference for float32 inputs."""

NUMERIC_TOL = 1e-6
"""Error allowed between an analytic gradient and the numerical gradient of the student's own
forward, relative to the largest entry (``scaled_error``). An entry-by-entry relative error is
noise where an entry is near zero: over 400 draws of hidden inputs, the reference's own
gradients reached 1.7e-05 entry by entry (affine dw) and 2.5e-05 once in a grading run
(batch norm dx), against at most 3.7e-10 relative to the largest entry. Mistakes are off by
order 1 either way."""

NET_TOL = 1e-6
NET = "FullyConnectedNet"


@dataclass
class PartResult:
    """What came back from one probe part of the student's run."""

    arrays: dict = field(default_factory=dict)
    nones: set = field(default_factory=set)
    lists: dict = field(default_factory=dict)
    types: dict = field(default_factory=dict)
    error: dict | None = None  # {"error", "message", "where"} if the student's code raised
    missing: str | None = None  # why the part never produced a result (timeout, crash...)


@dataclass
class TaskResult:
    task: str
    score: float
    max_score: float
    findings: list  # cs231n.checking.Finding
    notes: list = field(default_factory=list)


# (part, output, how, weight, what) -- "how" is one of
#   "value"      output ≈ reference (shape exact, HIDDEN_TOL)
#   "value32"    output ≈ reference at FLOAT32_TOL and of the input's dtype
#   "unchanged:<input>"   the input array is unchanged after the call
#   "numeric:<output>"    output ≈ the numerical gradient of the student's own forward
#   "present"    output exists (not None)
SPEC = {
    "affine_forward": [
        ("nd", "out", "value", 3, "out for x of shape {x}"),
        ("nd", "x_after", "unchanged:x", 1, "x unchanged by the call"),
        ("flat", "out", "value", 2, "out for x of shape {x}"),
        ("float32", "out", "value32", 1, "out for float32 inputs"),
    ],
    "affine_backward": [
        ("given_cache", "dx", "value", 3, "dx for x of shape {x}"),
        ("given_cache", "dw", "value", 2, "dw"),
        ("given_cache", "db", "value", 2, "db"),
        ("given_cache", "dout_after", "unchanged:dout", 1, "dout unchanged by the call"),
        ("numeric", "dx", "numeric:dx_num", 1, "dx"),
        ("numeric", "dw", "numeric:dw_num", 1, "dw"),
        ("numeric", "db", "numeric:db_num", 1, "db"),
    ],
    "relu_forward": [
        ("nd", "out", "value", 3, "out for x of shape {x} (with some zeros)"),
        ("nd", "x_after", "unchanged:x", 2, "x unchanged by the call"),
        ("float32", "out", "value32", 1, "out for float32 inputs"),
    ],
    "relu_backward": [
        ("given_cache", "dx", "value", 3, "dx (x has some exact zeros)"),
        ("given_cache", "dout_after", "unchanged:dout", 1, "dout unchanged by the call"),
        ("numeric", "dx", "numeric:dx_num", 1, "dx"),
    ],
    "batchnorm_forward_train": [
        ("train", "out", "value", 4, "train-mode out for x of shape {x}"),
        ("train", "x_after", "unchanged:x", 1, "x unchanged by the call"),
        ("eps", "out", "value", 2, "train-mode out with bn_param['eps'] set"),
        ("float32", "out", "value32", 2, "train-mode out for float32 inputs"),
    ],
    "batchnorm_forward_test": [
        (
            "running",
            "train_running_mean",
            "value",
            2,
            "running_mean in the caller's bn_param after several train steps",
        ),
        (
            "running",
            "train_running_var",
            "value",
            2,
            "running_var in the caller's bn_param after several train steps",
        ),
        ("running", "out", "value", 3, "test-mode out after those train steps"),
        ("running", "out_one_row", "value", 1, "test-mode out for a batch of one example"),
        (
            "running",
            "after_test_running_mean",
            "value",
            1,
            "running_mean left unchanged by test mode",
        ),
        (
            "running",
            "after_test_running_var",
            "value",
            1,
            "running_var left unchanged by test mode",
        ),
        (
            "momentum",
            "train_running_mean",
            "value",
            1,
            "running_mean with bn_param['momentum'] set",
        ),
        ("momentum", "train_running_var", "value", 1, "running_var with bn_param['momentum'] set"),
        ("given_stats", "out", "value", 2, "test-mode out with running statistics you were given"),
        ("float32", "out", "value32", 1, "test-mode out for float32 inputs"),
        ("float32", "train_running_mean", "value32", 1, "running_mean for float32 inputs"),
        ("bad_mode", "raised", "side", 1, "an unknown mode ('eval') raises an error"),
    ],
    "batchnorm_backward": [
        ("grads", "dx", "value", 4, "dx for x of shape {x}"),
        ("grads", "dgamma", "value", 2, "dgamma, shaped (D,)"),
        ("grads", "dbeta", "value", 2, "dbeta, shaped (D,)"),
        ("grads", "dx", "numeric:dx_num", 1, "dx"),
        ("grads", "dout_after", "unchanged:dout", 1, "dout unchanged by the call"),
    ],
    "batchnorm_backward_alt": [
        ("grads", "dx", "value", 4, "dx from batchnorm_forward's cache, x of shape {x}"),
        ("grads", "dgamma", "value", 1, "dgamma, shaped (D,)"),
        ("grads", "dbeta", "value", 1, "dbeta, shaped (D,)"),
        ("grads", "dx", "numeric:dx_num", 1, "dx"),
        ("grads", "dout_after", "unchanged:dout", 1, "dout unchanged by the call"),
    ],
    "layernorm_forward": [
        ("train", "out", "value", 4, "out for x of shape {x}"),
        ("train", "x_after", "unchanged:x", 1, "x unchanged by the call"),
        (
            "extra_keys",
            "out",
            "value",
            2,
            "out with eps and extra keys (mode, momentum) in ln_param",
        ),
        ("float32", "out", "value32", 1, "out for float32 inputs"),
    ],
    "layernorm_backward": [
        ("grads", "dx", "value", 4, "dx for x of shape {x}"),
        ("grads", "dgamma", "value", 2, "dgamma, shaped (D,)"),
        ("grads", "dbeta", "value", 2, "dbeta, shaped (D,)"),
        ("grads", "dx", "numeric:dx_num", 1, "dx"),
        ("grads", "dout_after", "unchanged:dout", 1, "dout unchanged by the call"),
    ],
}

NET_PARTS = {
    "batchnorm": "with batch norm",
    "layernorm": "with layer norm",
    "plain": "without norm",
}


def _value(what, got, expected, tol):
    """cs231n.checking.close with the hidden tolerance, NaN-safe."""
    check = helpers().checking
    return check.close(what, got, expected, tol)


def scaled_error(got, expected) -> float:
    """max |got - expected| over the largest magnitude of either (NaN if not finite)."""
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(1e-8, float(np.max(np.abs(got), initial=0) + np.max(np.abs(expected), initial=0)))
    return float(np.max(np.abs(got - expected), initial=0.0)) / scale


def consistent(what, got, numeric, tol=NUMERIC_TOL):
    """An analytic gradient against a numerical one, relative to the largest entry."""
    Finding = helpers().checking.Finding
    if got is None or numeric is None:
        return Finding(what, False, "got None (the function returned nothing here)")
    if np.shape(got) != np.shape(numeric):
        return Finding(what, False, f"shape {np.shape(got)}, expected {np.shape(numeric)}")
    err = scaled_error(got, numeric)
    if not np.isfinite(err):
        return Finding(what, False, "contains NaN or inf")
    return Finding(
        what, err < tol, f"relative error {err:.2e} of the largest entry (pass: < {tol:.0e})"
    )


def _result_value(part: PartResult, key: str):
    """(present, value) of an output, or the reason it is missing."""
    if key in part.arrays:
        return True, part.arrays[key]
    if key in part.nones:
        return False, "it is None"
    if key in part.types:
        return False, f"it is {part.types[key]}"
    return False, "it was not returned"


def _part_problem(part: PartResult | None) -> str | None:
    if part is None:
        return "not run"
    if part.missing:
        return part.missing
    if part.error:
        where = f" ({part.error['where']})" if part.error.get("where") else ""
        return f"your code raised {part.error['error']}: {part.error['message']}{where}"
    return None


def _describe(what: str, inputs: dict) -> str:
    shapes = {k: tuple(np.shape(v)) for k, v in inputs.items()}
    try:
        return what.format(**shapes)
    except (KeyError, IndexError):
        return what


def check_task(task, inputs, got: dict[str, PartResult], expected, ref) -> tuple[list, list]:
    """(weighted findings, notes) of one task."""
    if task == "FullyConnectedNet":
        return _check_net(inputs, got, expected, ref)
    Finding = helpers().checking.Finding
    weighted = []
    for part_name, key, how, weight, what in SPEC[task]:
        inp, exp = inputs[part_name], expected[part_name]
        part = got.get(part_name)
        what = _describe(what, inp)
        primary = how in ("value", "value32")
        problem = _part_problem(part)
        if problem:
            weighted.append(
                (Finding(what, False, problem, _error_mistake(task, part)), weight, primary)
            )
            continue
        present, value = _result_value(part, key)
        if not present:
            mistake = None
            if key.startswith("train_running"):
                mistake = "the running statistics never reach the caller: store them in bn_param"
            weighted.append((Finding(what, False, f"no result: {value}", mistake), weight, primary))
            continue
        if how in ("value", "value32", "side"):
            tol = FLOAT32_TOL if how == "value32" else HIDDEN_TOL
            finding = _value(what, value, exp[key], tol)
            expected_dtype = np.asarray(exp[key]).dtype
            if finding.passed and how == "value32" and value.dtype != expected_dtype:
                finding = Finding(
                    what,
                    False,
                    f"dtype {value.dtype}, expected {expected_dtype}",
                    "the output's dtype changed: keep x's dtype (float32 in, float32 out)",
                )
            elif not finding.passed and key == "raised":
                finding = Finding(
                    what,
                    False,
                    "no error was raised",
                    "an unknown mode must raise an error (ValueError), not run train or test mode",
                )
            elif not finding.passed:
                words = mistakes.recognise(task, part_name, key, value, inp, ref)
                finding = Finding(
                    finding.what,
                    False,
                    finding.detail,
                    words or _shape_hint(task, key, value, exp[key]),
                )
        elif how.startswith("unchanged:"):
            original = inp[how.split(":")[1]]
            same = value.shape == original.shape and np.array_equal(value, original)
            finding = Finding(
                what,
                same,
                "unchanged" if same else "changed by your function",
                None
                if same
                else f"your function modifies its input "
                f"{how.split(':')[1]} in place: work on new arrays",
            )
        elif how.startswith("numeric:"):
            present_num, numeric = _result_value(part, how.split(":")[1])
            finding = consistent(
                f"{what} vs numerical gradient of your forward",
                value,
                numeric if present_num else None,
            )
        else:
            raise ValueError(how)
        weighted.append((finding, weight, primary))
    return weighted, []


def _shape_hint(task, key, got, expected) -> str | None:
    got_shape, exp_shape = np.shape(got), np.shape(expected)
    if got_shape == exp_shape:
        return None
    if len(exp_shape) == 1 and got_shape == (1, *exp_shape):
        return f"{key} is shaped (1, D): sum over axis 0 without keepdims, to get (D,)"
    if key in ("dgamma", "dbeta", "db") and len(got_shape) == 1:
        return f"{key} is summed over the wrong axis: sum over the batch, axis 0"
    if key == "dx" and task == "affine_backward":
        return "dx must have x's original shape: reshape it back"
    return None


def _error_mistake(task, part: PartResult | None) -> str | None:
    if part is None or not part.error:
        return None
    message = part.error.get("message", "")
    name = part.error.get("error", "")
    if name == "NotImplementedError":
        return None  # the message says it
    if name == "NameError":
        return (
            "a name your code uses is not defined when the notebook runs top to bottom: "
            "restart the kernel and Run All (stale kernel state, or cells run out of order)"
        )
    if task == "affine_forward" and ("align" in message or "mismatch" in message):
        return "x must be flattened to rows (N, D) before the product: x.reshape(N, -1)"
    if task == "affine_backward" and ("broadcast" in message or "reshape" in message):
        return "dx must have x's original shape: reshape it back"
    return None


def _check_net(inputs, got, expected, ref):
    Finding = helpers().checking.Finding
    weighted, notes = [], []

    def add(finding, weight, primary=False):
        weighted.append((finding, weight, primary))

    init, init_exp = got.get("init"), expected["init"]
    problem = _part_problem(init)
    if problem:
        add(Finding("a new net's parameters", False, problem, _error_mistake(NET, init)), 4)
    else:
        names = init.lists.get("names", [])
        want = init_exp["names"]
        extra, missing = sorted(set(names) - set(want)), sorted(set(want) - set(names))
        hint = None
        last = f"gamma{len(inputs['init']['hidden_dims']) + 1}"
        if last in extra:
            hint = "a norm layer after the last affine: gamma/beta belong to hidden layers only"
        elif any(n.startswith("gamma") for n in missing):
            hint = "gamma1.../beta1... are missing: one pair per hidden layer when normalizing"
        add(
            Finding(
                "parameter names of a net with batch norm",
                not extra and not missing,
                f"unexpected {extra}, missing {missing}" if extra or missing else "as expected",
                hint,
            ),
            1,
        )
        for prefix, value, words in (
            ("b", 0.0, "biases start at zero"),
            ("gamma", 1.0, "gamma starts at ones"),
            ("beta", 0.0, "beta starts at zeros"),
        ):
            keys = [n for n in want if n.startswith(prefix) and f"param_{n}" in init.arrays]
            ok = bool(keys) and all(np.all(init.arrays[f"param_{n}"] == value) for n in keys)
            add(
                Finding(
                    f"initial {prefix}",
                    ok,
                    "as expected" if ok else f"not all {value}",
                    None if ok else words,
                ),
                0.5,
            )
        exact = all(
            f"param_{n}" in init.arrays
            and np.shape(init.arrays[f"param_{n}"]) == np.shape(init_exp[f"param_{n}"])
            and np.allclose(init.arrays[f"param_{n}"], init_exp[f"param_{n}"], rtol=1e-6, atol=0)
            for n in want
            if n.startswith("W")
        )
        add(
            Finding(
                "initial weights drawn as documented (weight_scale * np.random.randn, W1 first)",
                exact,
                "as expected" if exact else "different draws",
                None
                if exact
                else "draw Wi = weight_scale * np.random.randn(fan_in, fan_out)"
                " in the order W1, W2, ...",
            ),
            1,
        )
        dtypes = sorted({str(v.dtype) for k, v in init.arrays.items() if k.startswith("param_")})
        ok = dtypes == ["float32"]
        add(
            Finding(
                "parameters of a net made with dtype=np.float32",
                ok,
                f"dtypes {', '.join(dtypes) or 'none'}",
                None if ok else "the dtype argument is ignored: cast every parameter to dtype",
            ),
            0.5,
        )
        count = init.arrays.get("bn_params_distinct")
        layers = len(inputs["init"]["hidden_dims"])
        ok = count is not None and int(count) == layers
        add(
            Finding(
                "one bn_param dict per hidden layer",
                ok,
                f"{int(count) if count is not None else 'no'} distinct dicts for {layers} "
                "hidden layers",
                None if ok else "the hidden layers share one bn_param dict: each needs its own",
            ),
            1,
        )

    for part_name, label in NET_PARTS.items():
        inp, exp, part = inputs[part_name], expected[part_name], got.get(part_name)
        problem = _part_problem(part)
        if problem:
            add(
                Finding(
                    f"loss and gradients {label}",
                    False,
                    problem,
                    _error_mistake("FullyConnectedNet", part),
                ),
                4,
                True,
            )
            continue
        present, loss = _result_value(part, "loss")
        finding = _value(f"loss {label}", loss if present else None, exp["loss"], NET_TOL)
        if not finding.passed and present:
            words = mistakes.recognise("FullyConnectedNet", part_name, "loss", loss, inp, ref)
            finding = Finding(finding.what, False, finding.detail, words)
        add(finding, 1, True)
        names = sorted(k.removeprefix("grad_") for k in exp if k.startswith("grad_"))
        bad, words = [], None
        for name in names:
            p, g = _result_value(part, f"grad_{name}")
            if not (p and _value(name, g, exp[f"grad_{name}"], NET_TOL).passed):
                bad.append(name)
                if p and words is None:
                    words = mistakes.recognise(NET, part_name, f"grad_{name}", g, inp, ref)
        add(
            Finding(
                f"gradients {label}",
                not bad,
                f"wrong for {', '.join(bad)}" if bad else "all match",
                words,
            ),
            2,
            True,
        )
        present, scores = _result_value(part, "scores")
        finding = _value(
            f"test-mode scores {label} after two train steps",
            scores if present else None,
            exp["scores"],
            NET_TOL,
        )
        if not finding.passed and present:
            words = mistakes.recognise("FullyConnectedNet", part_name, "scores", scores, inp, ref)
            finding = Finding(finding.what, False, finding.detail, words)
        add(finding, 1, True)
    return weighted, notes


def score(task: str, points: float, weighted: list) -> float:
    """points × the weight of the checks passed / all weight; 0 when no value check passed.

    Side checks (inputs unchanged, parameters initialised) earn credit only beside a correct
    value: a function that computes nothing right gets nothing.
    """
    if not any(f.passed for f, _, primary in weighted if primary):
        return 0.0
    total = sum(w for _, w, _ in weighted)
    passed = sum(w for f, w, _ in weighted if f.passed)
    return round(points * passed / total, 2) if total else 0.0
