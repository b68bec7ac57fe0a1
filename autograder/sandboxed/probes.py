"""What the hidden checks ask of the student's code: call patterns, recording what comes back.

A call pattern is ``fn(ns, inp, **args) -> {name: value}``: ``ns`` holds the functions under
test, ``inp`` a part's inputs (numpy arrays), ``args`` what a task declaration binds (the names
of its functions and inputs, and a parameter dict's *spec*: literals, and ``"@name"`` for the
part's input ``name``, ``"@name?"`` where it may be absent). The same call runs twice on the
same inputs: in the student's sandbox with the student's functions, and on the trusted side
with the reference. Only the returned values travel back, as plain arrays and strings; the
comparison happens on the trusted side.

Each pattern declares the outputs it returns (``OUTPUTS``: a function of its arguments giving
names, globs for families such as ``grad_*``), so a declaration that checks an output its
part never returns fails when the tasks load. The names of outputs derived from an argument
are spelled once, here: :func:`after`, :func:`numerical`. An assignment may bring call patterns
of its own (``autograder/tasks/<assignment>/_probes.py``: plain functions and an ``OUTPUTS``
dict, numpy only), added with :func:`extend`.

This module runs inside the sandbox (and, shipped with a release, in the student's notebook):
it imports nothing but numpy and names no task. Every call gets fresh copies of its inputs, so
nothing one function does to an array reaches another. The numerical gradient is the given
helpers' (``cs231n.gradient_check``), handed in by the caller.
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


def after(name: str) -> str:
    """The output holding input ``name`` as the call left it."""
    return f"{name}_after"


def numerical(grad: str) -> str:
    """The output holding the numerical gradient matching the analytic gradient ``grad``."""
    return f"{grad}_num"


CALLS: dict = {}
"""Call patterns by name: what a task declaration's ``Probe.call`` names."""
OUTPUTS: dict = {}
"""Call pattern -> a function of its arguments giving the names of its outputs (globs allowed)."""
NEEDS_GRADIENT: set = set()
"""Call patterns that take the numerical gradient function (``numgrad``)."""


def call(outputs, gradient: bool = False):
    """Register a call pattern and the outputs it returns."""

    def register(fn):
        CALLS[fn.__name__] = fn
        OUTPUTS[fn.__name__] = outputs
        if gradient:
            NEEDS_GRADIENT.add(fn.__name__)
        return fn

    return register


def extend(module) -> None:
    """Add an assignment's own call patterns (its module's functions named in ``OUTPUTS``)."""
    for name, outputs in module.OUTPUTS.items():
        known = CALLS.get(name)
        if known is not None and known.__code__.co_filename != module.__file__:
            raise ValueError(f"call pattern {name!r} is defined twice")
        CALLS[name] = getattr(module, name)
        OUTPUTS[name] = outputs
    NEEDS_GRADIENT.update(getattr(module, "NEEDS_GRADIENT", ()))


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


def _scalar(value):
    value = np.asarray(value)
    if value.ndim:
        return value.copy()
    return value.item()


def param_dict(inp, spec):
    """A parameter dict from its spec: literals, ``"@name"`` for the input ``name`` (a 0-d
    input becomes a Python number), ``"@name?"`` where the input may be absent."""
    if spec is None:
        return None
    found = {}
    for key, value in dict(spec).items():
        if isinstance(value, str) and value.startswith("@"):
            name = value[1:].rstrip("?")
            if name not in inp:
                if value.endswith("?"):
                    continue
                raise KeyError(f"the parameter {key!r} wants the input {name!r}")
            value = _scalar(inp[name])
        found[key] = value
    return found


def _spec_keys(spec) -> set:
    return set(dict(spec or {}))


# ---------------------------------------------------------------- forward passes
@call(lambda fn, args, param=None, keep=(): {"out", after(args[0]), *keep})
def forward(ns, inp, fn, args, param=None, keep=()):
    """``fn(*args[, param])``: its output, its first input afterwards, and the entries ``keep``
    of the parameter dict after the call (a batch norm's running statistics)."""
    values = _fresh(inp, args)
    extra = param_dict(inp, param)
    call_ = ns[fn](*values, extra) if extra is not None else ns[fn](*values)
    out, _ = _pair(call_, fn)
    result = {"out": out, after(args[0]): values[0]}
    result.update({key: (extra or {}).get(key) for key in keep})
    return result


def _stateful_outputs(fn, param, then, keep=(), args=("gamma", "beta")):
    return (
        {"steps_outs", "out", "out_one_row"}
        | {f"steps_{k}" for k in keep}
        | {after(k) for k in keep}
    )


@call(_stateful_outputs)
def stateful(ns, inp, fn, param, then, keep=(), args=("gamma", "beta")):
    """One parameter dict through several calls: ``fn(x, *args, param)`` for each ``x`` of the
    input ``xs``, then the dict changed by ``then`` (a mode switch) and ``fn`` called on
    ``x_test`` and on its first row. The entries ``keep`` of the dict after the steps
    (``steps_<key>``) and after the last call (``<key>_after``), every step's output."""
    given = _fresh(inp, args)
    state = param_dict(inp, param)
    outs = [_pair(ns[fn](x.copy(), *given, state), fn)[0] for x in inp["xs"]]
    result = {f"steps_{k}": (None if state.get(k) is None else np.array(state[k])) for k in keep}
    try:
        result["steps_outs"] = np.stack([np.asarray(out) for out in outs])
    except ValueError:
        pass  # outputs of different shapes: the checks of "out" say so
    state.update(param_dict(inp, then))
    x_test = inp["x_test"].copy()
    result["out"], _ = _pair(ns[fn](x_test, *given, state), fn)
    result.update({after(k): state.get(k) for k in keep})
    result["out_one_row"], _ = _pair(ns[fn](x_test[:1].copy(), *given, state), fn)
    return result


@call(lambda fn, args, param: {"raised"})
def raises(ns, inp, fn, args, param):
    """``fn(*args, param)`` must raise (an unknown mode): 1 when it did."""
    try:
        ns[fn](*_fresh(inp, args), param_dict(inp, param))
    except Exception:  # noqa: BLE001  (any error will do)
        return {"raised": np.array(1)}
    return {"raised": np.array(0)}


# ---------------------------------------------------------------- backward passes
@call(lambda fn, cache, grads: {*grads, "dout_after", *(after(f"cache_{c}") for c in cache)})
def given_cache(ns, inp, fn, cache, grads):
    """``fn(dout, cache)`` with the cache the reference's forward makes (the inputs named in
    ``cache``, a tuple when there are several); what the call left of dout and the cache."""
    values = _fresh(inp, cache)
    dout = inp["dout"].copy()
    result = ns[fn](dout, tuple(values) if len(values) > 1 else values[0])
    result = _triple(result, fn) if len(grads) > 1 else (result,)
    found = {**dict(zip(grads, result, strict=True)), "dout_after": dout}
    found.update({after(f"cache_{name}"): value for name, value in zip(cache, values, strict=True)})
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
    now = _arrays(cache)
    same = len(now) == len(before) and all(
        a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        for a, b in zip(now, before, strict=True)
    )
    return np.array(int(same))


def _fresh_forward(fwd, values, index, extra=None):
    """The forward as a function of its ``index``-th input alone, on fresh copies of every
    input (and of its parameter dict) at every evaluation: whatever it does to its arguments
    stays in that evaluation."""

    def f(v):
        args = [a.copy() for a in values]
        args[index] = np.array(v, copy=True)
        more = () if extra is None else (dict(extra),)
        return fwd(*args, *more)[0]

    return f


def _backward_outputs(forward, backward, args, grads, param=None):
    made = {"dout_after", "cache_intact", "forward_out"}
    return {*grads, *(numerical(g) for g in grads), *made}


@call(_backward_outputs, gradient=True)
def backward(ns, inp, forward, backward, args, grads, numgrad, param=None):
    """``backward(dout, cache)`` through the cache of the student's own forward: the
    gradients, whether the call left dout and the cache as they were, the forward's output, and
    the numerical gradients of that forward with respect to each input (fresh copies for every
    evaluation, so a forward that edits its input changes nothing here)."""
    extra = param_dict(inp, param)
    more = () if extra is None else (dict(extra),)
    fwd = ns[forward]
    out, cache = _pair(fwd(*_fresh(inp, args), *more), forward)
    before = [a.copy() for a in _arrays(cache)]
    dout = inp["dout"].copy()
    result = ns[backward](dout, cache)
    result = _triple(result, backward) if len(grads) > 1 else (result,)
    found = dict(zip(grads, result, strict=True))
    found.update(dout_after=dout, cache_intact=_intact(cache, before), forward_out=out)
    values = _fresh(inp, args)
    for index, grad in enumerate(grads):
        f = _fresh_forward(fwd, values, index, extra)
        found[numerical(grad)] = numgrad(f, values[index].copy(), inp["dout"].copy())
    return found


# ---------------------------------------------------------------- a network class
def _model(ns, inp, cls, kwargs):
    """``cls(hidden_dims, input_dim=..., ...)`` from the part's inputs, with the declaration's
    ``kwargs`` spec (a normalization, a keep ratio) on top."""
    made = {
        "input_dim": int(inp["X"].shape[1]),
        "num_classes": int(inp["num_classes"]),
        "reg": float(inp["reg"]),
        "weight_scale": float(inp["weight_scale"]),
        "dtype": np.float32 if "float32" in inp else np.float64,
    }
    made.update(param_dict(inp, kwargs) or {})
    return ns[cls]([int(h) for h in inp["hidden_dims"]], **made)


NET_INIT = {"names", "param_*", "bn_params_count", "bn_params_distinct"}


@call(lambda cls, kwargs=None: NET_INIT)
def net_init(ns, inp, cls, kwargs=None):
    """The parameters a new net creates (seeded): names, shapes, initial values."""
    np.random.seed(int(inp["seed"]))
    model = _model(ns, inp, cls, kwargs)
    result = {"names": sorted(map(str, model.params))}
    for name, value in model.params.items():
        result[f"param_{name}"] = value
    bn_params = getattr(model, "bn_params", None)
    if isinstance(bn_params, list):
        result["bn_params_count"] = len(bn_params)
        result["bn_params_distinct"] = len({id(p) for p in bn_params})
    return result


@call(lambda cls, kwargs=None: {"loss", "gradient_names", "grad_*", "scores"})
def net_loss(ns, inp, cls, kwargs=None):
    """Loss and gradients with given parameters, then test-mode scores."""
    model = _model(ns, inp, cls, kwargs)
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


def run(ns, inp, probe, numgrad):
    """Run a probe given as ``[call, args]`` (a declaration's ``Probe.to_json()``);
    ``numgrad`` is ``cs231n.gradient_check.eval_numerical_gradient_array``."""
    name, args = probe
    extra = {"numgrad": numgrad} if name in NEEDS_GRADIENT else {}
    return CALLS[name](ns, inp, **args, **extra)
