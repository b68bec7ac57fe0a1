"""What the hidden checks ask of each function: calls on given inputs, recording what comes back.

A probe part is ``fn(ns, inp) -> {name: value}``: ``ns`` is a namespace holding the functions
under test, ``inp`` the part's inputs (numpy arrays). The same parts run twice on the same
inputs: in the student's sandbox with the student's functions, and on the trusted side with the
reference. Only the returned values travel back, as plain arrays and strings, and the
comparison happens on the trusted side (``checks.py``).

This module is copied into the sandbox, so it imports nothing but numpy and holds no secret:
the inputs are drawn at grading time and the expected values never leave the trusted side.
"""

from __future__ import annotations

import numpy as np

FD_STEP = 1e-5  # as cs231n.checking.FD_STEP


def python_source(source: str) -> str:
    """A cell's source with IPython syntax (``%magic``, ``!cmd``) turned into plain Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return source
    return TransformerManager().transform_cell(source)


def numerical_gradient(f, x, df, h=FD_STEP):
    """Centred-difference gradient of sum(f(x) * df) with respect to x (x is restored)."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def _pair(result, what):
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{what} must return a tuple (out, cache), got {type(result).__name__}")
    return result


def _triple(result, what):
    if not isinstance(result, tuple) or len(result) != 3:
        raise TypeError(f"{what} must return a tuple of three gradients")
    return result


# ---------------------------------------------------------------- affine / relu
def affine_forward_call(ns, inp):
    x = inp["x"].copy()
    out, _ = _pair(ns["affine_forward"](x, inp["w"].copy(), inp["b"].copy()), "affine_forward")
    return {"out": out, "x_after": x}


def affine_backward_call(ns, inp):
    x, w, b, dout = (inp[k].copy() for k in ("x", "w", "b", "dout"))
    dx, dw, db = _triple(ns["affine_backward"](dout, (x, w, b)), "affine_backward")
    return {"dx": dx, "dw": dw, "db": db, "dout_after": dout}


def affine_backward_numeric(ns, inp):
    x, w, b, dout = (inp[k].copy() for k in ("x", "w", "b", "dout"))
    fwd = ns["affine_forward"]
    _, cache = _pair(fwd(x, w, b), "affine_forward")
    dx, dw, db = _triple(ns["affine_backward"](dout, cache), "affine_backward")
    return {
        "dx": dx,
        "dx_num": numerical_gradient(lambda v: fwd(v, w, b)[0], x, dout),
        "dw": dw,
        "dw_num": numerical_gradient(lambda v: fwd(x, v, b)[0], w, dout),
        "db": db,
        "db_num": numerical_gradient(lambda v: fwd(x, w, v)[0], b, dout),
    }


def relu_forward_call(ns, inp):
    x = inp["x"].copy()
    out, _ = _pair(ns["relu_forward"](x), "relu_forward")
    return {"out": out, "x_after": x}


def relu_backward_call(ns, inp):
    x, dout = inp["x"].copy(), inp["dout"].copy()
    return {"dx": ns["relu_backward"](dout, x), "dout_after": dout}


def relu_backward_numeric(ns, inp):
    x, dout = inp["x"].copy(), inp["dout"].copy()
    fwd = ns["relu_forward"]
    _, cache = _pair(fwd(x), "relu_forward")
    return {
        "dx": ns["relu_backward"](dout, cache),
        "dx_num": numerical_gradient(lambda v: fwd(v)[0], x, dout),
    }


# ---------------------------------------------------------------- batch norm
def _bn_param(inp, **extra):
    param = {"mode": "train", **extra}
    if "eps" in inp:
        param["eps"] = float(inp["eps"])
    if "momentum" in inp:
        param["momentum"] = float(inp["momentum"])
    return param


def _running(param):
    return {
        "running_mean": param.get("running_mean"),
        "running_var": param.get("running_var"),
    }


def batchnorm_train_call(ns, inp):
    x = inp["x"].copy()
    param = _bn_param(inp)
    out, _ = _pair(
        ns["batchnorm_forward"](x, inp["gamma"].copy(), inp["beta"].copy(), param),
        "batchnorm_forward",
    )
    return {"out": out, "x_after": x, **_running(param)}


def batchnorm_running_call(ns, inp):
    """Several train steps from an empty bn_param, then test mode on a batch and on one row."""
    gamma, beta = inp["gamma"].copy(), inp["beta"].copy()
    param = _bn_param(inp)
    for x in inp["xs"]:
        _pair(ns["batchnorm_forward"](x.copy(), gamma, beta, param), "batchnorm_forward")
    result = {f"train_{k}": v for k, v in _running(param).items()}
    result = {k: (None if v is None else np.array(v)) for k, v in result.items()}
    param["mode"] = "test"
    x_test = inp["x_test"].copy()
    out, _ = _pair(ns["batchnorm_forward"](x_test, gamma, beta, param), "batchnorm_forward")
    result["out"] = out
    result.update({f"after_test_{k}": v for k, v in _running(param).items()})
    one, _ = _pair(ns["batchnorm_forward"](x_test[:1].copy(), gamma, beta, param), "batchnorm")
    result["out_one_row"] = one
    return result


def batchnorm_bad_mode_call(ns, inp):
    """A mode other than 'train' or 'test' must raise."""
    try:
        ns["batchnorm_forward"](
            inp["x"].copy(), inp["gamma"].copy(), inp["beta"].copy(), {"mode": "eval"}
        )
    except Exception:  # noqa: BLE001  (any error will do)
        return {"raised": np.array(1)}
    return {"raised": np.array(0)}


def batchnorm_test_given_call(ns, inp):
    """Test mode with running statistics supplied by the caller."""
    param = {
        "mode": "test",
        "running_mean": inp["running_mean"].copy(),
        "running_var": inp["running_var"].copy(),
    }
    out, _ = _pair(
        ns["batchnorm_forward"](inp["x"].copy(), inp["gamma"].copy(), inp["beta"].copy(), param),
        "batchnorm_forward",
    )
    return {"out": out, **_running(param)}


def _norm_backward(ns, inp, forward, backward, param):
    x, gamma, beta, dout = (inp[k].copy() for k in ("x", "gamma", "beta", "dout"))
    fwd = ns[forward]
    _, cache = _pair(fwd(x, gamma, beta, dict(param)), forward)
    dx, dgamma, dbeta = _triple(ns[backward](dout, cache), backward)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta, "dout_after": dout}


def _norm_numeric(ns, inp, forward, backward, param):
    result = _norm_backward(ns, inp, forward, backward, param)
    x, gamma, beta, dout = (inp[k].copy() for k in ("x", "gamma", "beta", "dout"))
    fwd = ns[forward]
    result["dx_num"] = numerical_gradient(lambda v: fwd(v, gamma, beta, dict(param))[0], x, dout)
    result["dgamma_num"] = numerical_gradient(
        lambda v: fwd(x, v, beta, dict(param))[0], gamma, dout
    )
    result["dbeta_num"] = numerical_gradient(lambda v: fwd(x, gamma, v, dict(param))[0], beta, dout)
    return result


def batchnorm_backward_call(ns, inp):
    return _norm_numeric(ns, inp, "batchnorm_forward", "batchnorm_backward", {"mode": "train"})


def batchnorm_backward_alt_call(ns, inp):
    return _norm_numeric(ns, inp, "batchnorm_forward", "batchnorm_backward_alt", {"mode": "train"})


# ---------------------------------------------------------------- layer norm
def layernorm_call(ns, inp):
    x = inp["x"].copy()
    param = {"eps": float(inp["eps"])} if "eps" in inp else {}
    if "extra_keys" in inp:
        param.update(mode="test", momentum=0.5)
    out, _ = _pair(
        ns["layernorm_forward"](x, inp["gamma"].copy(), inp["beta"].copy(), param),
        "layernorm_forward",
    )
    return {"out": out, "x_after": x}


def layernorm_backward_call(ns, inp):
    return _norm_numeric(ns, inp, "layernorm_forward", "layernorm_backward", {})


# ---------------------------------------------------------------- the net
def _net(ns, inp, normalization):
    hidden = [int(h) for h in inp["hidden_dims"]]
    return ns["FullyConnectedNet"](
        hidden,
        input_dim=int(inp["X"].shape[1]),
        num_classes=int(inp["num_classes"]),
        normalization=normalization,
        reg=float(inp["reg"]),
        weight_scale=float(inp["weight_scale"]),
        dtype=np.float32 if "float32" in inp else np.float64,
    )


def _normalization(inp):
    return {0: None, 1: "batchnorm", 2: "layernorm"}[int(inp["normalization"])]


def net_init_call(ns, inp):
    """The parameters a new net creates: names, shapes, initial values."""
    np.random.seed(int(inp["seed"]))
    model = _net(ns, inp, _normalization(inp))
    result = {"names": sorted(map(str, model.params))}
    for name, value in model.params.items():
        result[f"param_{name}"] = value
    bn_params = getattr(model, "bn_params", None)
    if isinstance(bn_params, list):
        result["bn_params_count"] = len(bn_params)
        result["bn_params_distinct"] = len({id(p) for p in bn_params})
    return result


def net_loss_call(ns, inp):
    """Loss and gradients with given parameters, then test-mode scores."""
    model = _net(ns, inp, _normalization(inp))
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


PROBES = {
    "affine_forward": {
        "nd": affine_forward_call,
        "flat": affine_forward_call,
        "float32": affine_forward_call,
    },
    "affine_backward": {"given_cache": affine_backward_call, "numeric": affine_backward_numeric},
    "relu_forward": {"nd": relu_forward_call, "float32": relu_forward_call},
    "relu_backward": {"given_cache": relu_backward_call, "numeric": relu_backward_numeric},
    "batchnorm_forward_train": {
        "train": batchnorm_train_call,
        "eps": batchnorm_train_call,
        "float32": batchnorm_train_call,
    },
    "batchnorm_forward_test": {
        "running": batchnorm_running_call,
        "momentum": batchnorm_running_call,
        "given_stats": batchnorm_test_given_call,
        "float32": batchnorm_running_call,
        "bad_mode": batchnorm_bad_mode_call,
    },
    "batchnorm_backward": {"grads": batchnorm_backward_call},
    "batchnorm_backward_alt": {"grads": batchnorm_backward_alt_call},
    "layernorm_forward": {
        "train": layernorm_call,
        "extra_keys": layernorm_call,
        "float32": layernorm_call,
    },
    "layernorm_backward": {"grads": layernorm_backward_call},
    "FullyConnectedNet": {
        "init": net_init_call,
        "batchnorm": net_loss_call,
        "layernorm": net_loss_call,
        "plain": net_loss_call,
    },
}
"""task -> part -> probe. Parts of one task share nothing: each gets fresh inputs."""
