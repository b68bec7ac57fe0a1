"""What the hidden checks ask of the student's code: call patterns, recording what comes back.

A call pattern is ``fn(ns, inp, **args) -> {name: value}``: ``ns`` holds the functions under
test, ``inp`` a part's inputs (numpy arrays), ``args`` what a task declaration binds (the names
of its functions, of its inputs). The same call runs twice on the same inputs: in the student's
sandbox with the student's functions, and on the trusted side with the reference. Only the
returned values travel back, as plain arrays and strings; the comparison happens on the
trusted side.

This module runs inside the sandbox: it imports nothing but numpy and names no task. Every call
gets fresh copies of its inputs, so nothing one function does to an array reaches another. The
numerical gradient is the given helpers' (``cs231n.gradient_check``), handed in by the caller:
the runner binds it before the student's first line runs.
"""

from __future__ import annotations

import re

import numpy as np

PROMPT = re.compile(r"^\s*(>>>|\.\.\.:|In \[\d*\]:)", re.MULTILINE)
"""A pasted interpreter prompt, which IPython strips; ``In [1]: x`` is even valid Python (an
annotation), so compiling alone does not tell."""


def needs_ipython(source: str) -> bool:
    """Whether IPython's input transformer would change the cell: it is not plain Python
    (magics, shell escapes, help, an indented first line) or it holds pasted prompts."""
    if PROMPT.search(source):
        return True
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # the transformer passes it through; running it reports the error
    return False


def plain_python(source: str) -> str:
    """``python_source`` only where the cell needs it: importing IPython's transformer costs
    about a hundred milliseconds in every sandbox, and most cells are plain Python already
    (even with ``!=`` or ``%`` in them)."""
    return python_source(source) if needs_ipython(source) else source


def python_source(source: str) -> str:
    """A cell's source with IPython syntax (``%magic``, ``!cmd``) turned into plain Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


def _pair(result, what):
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{what} must return a tuple (out, cache), got {type(result).__name__}")
    return result


def _triple(result, what):
    if not isinstance(result, tuple) or len(result) != 3:
        raise TypeError(f"{what} must return a tuple of three gradients")
    return result


def _fresh(inp, names):
    return [inp[name].copy() for name in names]


# ---------------------------------------------------------------- parameter dicts
def _norm_param(inp, kind):
    """The bn_param / ln_param dict a call passes, from the part's inputs."""
    if kind == "train":
        param = {"mode": "train"}
        if "eps" in inp:
            param["eps"] = float(inp["eps"])
        if "momentum" in inp:
            param["momentum"] = float(inp["momentum"])
        return param
    if kind == "layer":
        param = {"eps": float(inp["eps"])} if "eps" in inp else {}
        if "extra_keys" in inp:
            param.update(mode="test", momentum=0.5)
        return param
    return None


def _running(param):
    return {"running_mean": param.get("running_mean"), "running_var": param.get("running_var")}


# ---------------------------------------------------------------- forward passes
def forward(ns, inp, fn, args, param=None):
    """``fn(*args[, param])``: its output, its first input afterwards, and the running
    statistics it stored in a batch-norm param dict."""
    values = _fresh(inp, args)
    extra = _norm_param(inp, param)
    call = ns[fn](*values, extra) if extra is not None else ns[fn](*values)
    out, _ = _pair(call, fn)
    result = {"out": out, f"{args[0]}_after": values[0]}
    if param == "train":
        result.update(_running(extra))
    return result


def running_statistics(ns, inp, fn):
    """Several train steps from an empty bn_param, then test mode on a batch and on one row."""
    gamma, beta = inp["gamma"].copy(), inp["beta"].copy()
    param = _norm_param(inp, "train")
    outs = [_pair(ns[fn](x.copy(), gamma, beta, param), fn)[0] for x in inp["xs"]]
    result = {f"train_{k}": v for k, v in _running(param).items()}
    result = {k: (None if v is None else np.array(v)) for k, v in result.items()}
    try:
        result["train_outs"] = np.stack([np.asarray(out) for out in outs])
    except ValueError:
        pass  # outputs of different shapes: the checks of "out" say so
    param["mode"] = "test"
    x_test = inp["x_test"].copy()
    out, _ = _pair(ns[fn](x_test, gamma, beta, param), fn)
    result["out"] = out
    result.update({f"after_test_{k}": v for k, v in _running(param).items()})
    one, _ = _pair(ns[fn](x_test[:1].copy(), gamma, beta, param), "batchnorm")
    result["out_one_row"] = one
    return result


def test_mode_given(ns, inp, fn):
    """Test mode with running statistics supplied by the caller."""
    param = {
        "mode": "test",
        "running_mean": inp["running_mean"].copy(),
        "running_var": inp["running_var"].copy(),
    }
    out, _ = _pair(ns[fn](*_fresh(inp, ("x", "gamma", "beta")), param), fn)
    return {"out": out, **_running(param)}


def raises_on_unknown_mode(ns, inp, fn):
    """A mode other than 'train' or 'test' must raise."""
    try:
        ns[fn](*_fresh(inp, ("x", "gamma", "beta")), {"mode": "eval"})
    except Exception:  # noqa: BLE001  (any error will do)
        return {"raised": np.array(1)}
    return {"raised": np.array(0)}


# ---------------------------------------------------------------- backward passes
def backward_given_cache(ns, inp, fn, cache, grads):
    """``fn(dout, cache)`` with the cache the reference's forward makes (the inputs named in
    ``cache``, a tuple when there are several); what the call left of dout and the cache."""
    values = _fresh(inp, cache)
    dout = inp["dout"].copy()
    result = ns[fn](dout, tuple(values) if len(values) > 1 else values[0])
    if len(grads) > 1:
        result = _triple(result, fn)
    else:
        result = (result,)
    found = {**dict(zip(grads, result, strict=True)), "dout_after": dout}
    found.update({f"cache_{name}_after": value for name, value in zip(cache, values, strict=True)})
    return found


def _arrays(obj, depth=0):
    """The arrays a cache holds (in a tuple, list or dict, a few levels deep)."""
    if isinstance(obj, np.ndarray):
        return [obj]
    if depth < 3 and isinstance(obj, tuple | list):
        return [a for item in obj for a in _arrays(item, depth + 1)]
    if depth < 3 and isinstance(obj, dict):
        return [a for item in obj.values() for a in _arrays(item, depth + 1)]
    return []


def _intact(cache, before) -> np.ndarray:
    """1 when every array of the cache holds what it held before the call."""
    after = _arrays(cache)
    same = len(after) == len(before) and all(
        a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        for a, b in zip(after, before, strict=True)
    )
    return np.array(int(same))


def _fresh_forward(fwd, values, index, extra=()):
    """The forward as a function of its ``index``-th input alone, on fresh copies of every
    input at every evaluation: whatever it does to its arguments stays in that evaluation."""

    def f(v):
        args = [a.copy() for a in values]
        args[index] = np.array(v, copy=True)
        return fwd(*args, *[dict(e) for e in extra])[0]

    return f


def backward_numeric(ns, inp, forward, backward, args, grads, numgrad):
    """``backward(dout, cache)`` with the cache of the student's own forward, beside the
    numerical gradients of that forward with respect to each input (fresh copies for every
    evaluation, so a forward that edits its input changes nothing here)."""
    values = _fresh(inp, args)
    dout = inp["dout"].copy()
    fwd = ns[forward]
    _, cache = _pair(fwd(*_fresh(inp, args)), forward)
    result = ns[backward](dout, cache)
    result = _triple(result, backward) if len(grads) > 1 else (result,)
    found = dict(zip(grads, result, strict=True))
    for index, grad in enumerate(grads):
        point = values[index].copy()
        found[f"{grad}_num"] = numgrad(_fresh_forward(fwd, values, index), point, dout.copy())
    return found


def norm_backward(ns, inp, forward, backward, param, numgrad):
    """A normalization's backward through the student's own forward cache, whether it left
    that cache as it was, and the numerical gradients of that forward (fresh copies for every
    evaluation)."""
    kind = {"train": {"mode": "train"}, "layer": {}}[param]
    fwd = ns[forward]
    out, cache = _pair(fwd(*_fresh(inp, ("x", "gamma", "beta")), dict(kind)), forward)
    before = [a.copy() for a in _arrays(cache)]
    dout = inp["dout"].copy()
    dx, dgamma, dbeta = _triple(ns[backward](dout, cache), backward)
    result = {"dx": dx, "dgamma": dgamma, "dbeta": dbeta, "dout_after": dout}
    result["cache_intact"] = _intact(cache, before)
    result["forward_out"] = out
    values = _fresh(inp, ("x", "gamma", "beta"))
    for index, name in enumerate(("dx", "dgamma", "dbeta")):
        f = _fresh_forward(fwd, values, index, extra=(kind,))
        result[f"{name}_num"] = numgrad(f, values[index].copy(), inp["dout"].copy())
    return result


# ---------------------------------------------------------------- a network class
def _model(ns, inp, cls, normalization):
    hidden = [int(h) for h in inp["hidden_dims"]]
    return ns[cls](
        hidden,
        input_dim=int(inp["X"].shape[1]),
        num_classes=int(inp["num_classes"]),
        normalization=normalization,
        reg=float(inp["reg"]),
        weight_scale=float(inp["weight_scale"]),
        dtype=np.float32 if "float32" in inp else np.float64,
    )


NORMALIZATIONS = {0: None, 1: "batchnorm", 2: "layernorm"}


def net_init(ns, inp, cls):
    """The parameters a new net creates: names, shapes, initial values."""
    np.random.seed(int(inp["seed"]))
    model = _model(ns, inp, cls, NORMALIZATIONS[int(inp["normalization"])])
    result = {"names": sorted(map(str, model.params))}
    for name, value in model.params.items():
        result[f"param_{name}"] = value
    bn_params = getattr(model, "bn_params", None)
    if isinstance(bn_params, list):
        result["bn_params_count"] = len(bn_params)
        result["bn_params_distinct"] = len({id(p) for p in bn_params})
    return result


def net_loss(ns, inp, cls):
    """Loss and gradients with given parameters, then test-mode scores."""
    model = _model(ns, inp, cls, NORMALIZATIONS[int(inp["normalization"])])
    for key in inp:
        if key.startswith("param_"):
            model.params[key.removeprefix("param_")] = inp[key].copy()
    result = {}
    for step in range(int(inp["train_steps"])):
        loss, grads = model.loss(inp["X"].copy(), inp["y"].copy())
        if step == 0:
            result["loss"] = loss
            result["gradient_names"] = sorted(map(str, grads))
            for name, value in grads.items():
                result[f"grad_{name}"] = value
    result["scores"] = model.loss(inp["X_test"].copy())
    return result


CALLS = {
    "forward": forward,
    "running_statistics": running_statistics,
    "test_mode_given": test_mode_given,
    "raises_on_unknown_mode": raises_on_unknown_mode,
    "backward_given_cache": backward_given_cache,
    "backward_numeric": backward_numeric,
    "norm_backward": norm_backward,
    "net_init": net_init,
    "net_loss": net_loss,
}
"""Call patterns by name: what a task declaration's ``Probe.call`` names."""


NEEDS_GRADIENT = {"backward_numeric", "norm_backward"}


def run(ns, inp, probe, numgrad):
    """Run a probe given as ``[call, args]`` (a declaration's ``Probe.to_json()``);
    ``numgrad`` is ``cs231n.gradient_check.eval_numerical_gradient_array``."""
    call, args = probe
    extra = {"numgrad": numgrad} if call in NEEDS_GRADIENT else {}
    return CALLS[call](ns, inp, **args, **extra)
