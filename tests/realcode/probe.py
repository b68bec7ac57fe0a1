"""Measure a student's functions against the reference, inside the sandbox.

Run as ``python probe.py JOB.json OUT.json``: the job holds the student's cell sources, the
reference's answer cells and the helpers' ``softmax_loss`` source. Every function gets a list of
checks, each ``{"name", "kind", "ok", "detail"}`` with the numbers that show it; the verdict is
decided on the trusted side (``judge.py``). Imports nothing but numpy and the standard library: it
runs third-party code, so it holds nothing it could leak and trusts nothing it reads back.

Kinds: ``value`` (a number off), ``error`` (it raised), ``shape``, ``dtype``, ``side`` (an input,
the cache or the caller's dict edited in place), ``convention`` (a point the maths leaves open),
``A`` / ``B`` (a backward's two bases, see ``check_norm_backward``), ``info`` (context, never a
fault). A stub (NotImplementedError, or None returned) makes the function ``absent``.
"""

from __future__ import annotations

import copy
import json
import sys
import traceback

import numpy as np

H = 1e-5
VALUE_TOL = 1e-7  # student vs reference, float64
NUMERIC_TOL = 1e-6  # analytic vs centred differences, float64
F32_TOL = 1e-4


# ------------------------------------------------------------------ helpers
def rel(a, b) -> float:
    """Normwise relative error max|a - b| / max(max|a|, max|b|); inf when a and b cannot be
    compared (a shape that does not broadcast, None, non-numbers)."""
    try:
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        diff = np.abs(a - b)
    except (TypeError, ValueError):
        return float("inf")
    if diff.size == 0:
        return 0.0
    scale = max(float(np.abs(a).max()), float(np.abs(b).max()), 1e-12)
    out = float(diff.max()) / scale
    return out if np.isfinite(out) else float("inf")


def shape_of(a):
    return list(np.shape(a)) if a is not None else None


def numerical_gradient(f, x0, df):
    """Centred differences of sum(f(x) * df); ``f`` gets a fresh copy at every evaluation."""
    grad = np.zeros(x0.shape)
    for ix in np.ndindex(x0.shape):
        plus, minus = x0.copy(), x0.copy()
        plus[ix] += H
        minus[ix] -= H
        grad[ix] = np.sum((np.asarray(f(plus), float) - np.asarray(f(minus), float)) * df) / (2 * H)
    return grad


def snapshot(obj):
    """A deep copy of every array reachable in a cache (tuples, lists, dicts)."""
    try:
        return copy.deepcopy(obj)
    except Exception:  # noqa: BLE001  (an uncopyable cache: no side-effect check)
        return None


def same(a, b) -> bool:
    """Whether two caches hold the same values (arrays compared exactly, NaN equal)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
        except (TypeError, ValueError):
            return False
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:  # noqa: BLE001
        return False


class Stub(Exception):
    """The function is the starter's stub (raises NotImplementedError or returns None)."""


def call(fn, *args):
    try:
        result = fn(*args)
    except NotImplementedError as e:
        raise Stub(f"raises NotImplementedError({e})") from None
    items = result if isinstance(result, tuple) else (result,)
    if any(item is None for item in items[:1]):
        raise Stub("returns None")
    return result


class Checks:
    def __init__(self):
        self.items = []

    def add(self, name, kind, ok, detail, err=None):
        item = {"name": name, "kind": kind, "ok": bool(ok), "detail": detail}
        if err is not None:
            item["err"] = err
        self.items.append(item)

    def value(self, name, got, want, tol=VALUE_TOL, kind="value"):
        err = rel(got, want)
        self.add(name, kind, err < tol, f"rel. error {err:.2e}", err)
        return err

    def shape(self, name, got, want_shape):
        s = shape_of(got)
        self.add(name, "shape", s == list(want_shape), f"shape {s}, expected {list(want_shape)}")

    def unchanged(self, name, before, after):
        ok = same(before, after)
        self.add(name, "side", ok, "unchanged" if ok else "changed in place")

    def float32(self, name, got):
        dtype = np.asarray(got).dtype
        self.add(name, "dtype", dtype == np.float32, f"dtype {dtype}")


def norm_inputs(rng, n, d, dtype=np.float64, small=False):
    scale = rng.uniform(2, 5, d)
    if small:  # half the features with std 1e-3 (var 1e-6, well under the default eps 1e-5)
        scale[: max(1, d // 2)] = 1e-3
    x = rng.standard_normal((n, d)) * scale + rng.uniform(-8, 8, d)
    return {
        "x": x.astype(dtype),
        "gamma": (rng.uniform(0.5, 2.0, d) * rng.choice([-1, 1], d)).astype(dtype),
        "beta": rng.standard_normal(d).astype(dtype),
        "dout": rng.standard_normal((n, d)).astype(dtype),
    }


def fresh(inp):
    return {k: v.copy() for k, v in inp.items()}


# ------------------------------------------------------------------ affine / relu
def check_affine_forward(S, R, rng, c):
    for label, dims, dtype in (
        ("nd", (3, 2), np.float64),
        ("flat", (7,), np.float64),
        ("float32", (2, 2, 2), np.float32),
    ):
        n, m = 4, 5
        x = rng.standard_normal((n, *dims)).astype(dtype)
        w = rng.standard_normal((int(np.prod(dims)), m)).astype(dtype)
        b = rng.standard_normal(m).astype(dtype)
        xs = x.copy()
        out, _ = call(S["affine_forward"], xs, w.copy(), b.copy())
        ref, _ = R["affine_forward"](x.copy(), w.copy(), b.copy())
        c.value(f"{label}: out", out, ref, F32_TOL if dtype == np.float32 else VALUE_TOL)
        c.shape(f"{label}: out shape", out, ref.shape)
        c.unchanged(f"{label}: x", x, xs)
        if dtype == np.float32:
            c.add(
                "float32: out dtype",
                "dtype",
                np.asarray(out).dtype == np.float32,
                f"dtype {np.asarray(out).dtype}",
            )


def check_affine_backward(S, R, rng, c):
    n, dims, m = 4, (3, 2), 5
    x = rng.standard_normal((n, *dims))
    w = rng.standard_normal((6, m))
    b = rng.standard_normal(m)
    dout = rng.standard_normal((n, m))
    want = R["affine_backward"](dout.copy(), (x.copy(), w.copy(), b.copy()))
    # the starter fixes affine_forward's cache as (x, w, b): the given cache is the contract
    cache = (x.copy(), w.copy(), b.copy())
    d = dout.copy()
    got = call(S["affine_backward"], d, cache)
    for name, g, r in zip(("dx", "dw", "db"), got, want, strict=True):
        c.value(f"given cache: {name}", g, r)
        c.shape(f"given cache: {name} shape", g, r.shape)
    c.unchanged("given cache: dout", dout, d)
    c.unchanged("given cache: cache", (x, w, b), cache)
    # through the student's own forward
    _, own = call(S["affine_forward"], x.copy(), w.copy(), b.copy())
    got = call(S["affine_backward"], dout.copy(), own)
    for name, g, r in zip(("dx", "dw", "db"), got, want, strict=True):
        c.value(f"own cache: {name}", g, r)


def _relu_x(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[rng.choice(x.size, size=x.size // 6, replace=False)] = 0.0
    return x


def check_relu_forward(S, R, rng, c):
    x = _relu_x(rng, (4, 3, 5))
    xs = x.copy()
    out, _ = call(S["relu_forward"], xs)
    c.value("out", out, R["relu_forward"](x.copy())[0])
    c.shape("out shape", out, x.shape)
    c.unchanged("x", x, xs)
    x32 = rng.standard_normal((4, 7)).astype(np.float32)
    out, _ = call(S["relu_forward"], x32.copy())
    c.add(
        "float32: out dtype",
        "dtype",
        np.asarray(out).dtype == np.float32,
        f"dtype {np.asarray(out).dtype}",
    )


def check_relu_backward(S, R, rng, c):
    x = _relu_x(rng, (5, 6))
    dout = rng.standard_normal(x.shape)
    want = R["relu_backward"](dout.copy(), x.copy())
    d, xs = dout.copy(), x.copy()
    got = call(S["relu_backward"], d, xs)
    c.shape("given cache: dx shape", got, x.shape)
    zero = x == 0
    c.value("given cache: dx where x != 0", np.where(zero, 0, got), np.where(zero, 0, want))
    at_zero = np.asarray(got)[zero] if np.shape(got) == x.shape else None
    if at_zero is not None and np.all(at_zero == 0):
        c.add("given cache: dx where x == 0", "convention", True, "0 (the gradient stops at 0)")
    elif at_zero is not None and np.allclose(at_zero, dout[zero]):
        c.add(
            "given cache: dx where x == 0",
            "convention",
            False,
            f"dout passes at x == 0 ({int(zero.sum())} entries)",
        )
    else:
        c.add("given cache: dx where x == 0", "value", False, "neither 0 nor dout")
    c.unchanged("given cache: dout", dout, d)
    c.unchanged("given cache: cache", x, xs)
    # through the student's own forward cache (x kept away from the kink)
    x2 = rng.standard_normal((5, 6))
    x2[np.abs(x2) < 0.05] = 0.5
    dout2 = rng.standard_normal(x2.shape)
    _, own = call(S["relu_forward"], x2.copy())
    got = call(S["relu_backward"], dout2.copy(), own)
    c.value("own cache: dx", got, R["relu_backward"](dout2.copy(), x2.copy()))
    num = numerical_gradient(lambda v: S["relu_forward"](v)[0], x2, dout2)
    c.value("own forward, numerical: dx", got, num, NUMERIC_TOL, kind="info")


# ------------------------------------------------------------------ batch norm forward
def bn_call(fn, inp, param):
    return fn(inp["x"], inp["gamma"], inp["beta"], param)


def check_batchnorm_forward(S, R, rng, c):
    f, r = S["batchnorm_forward"], R["batchnorm_forward"]
    _bn_train(f, r, rng, c)
    train_items = len(c.items)
    # ---- running statistics and test mode (task batchnorm_forward_test)
    for label, small, extra in (
        ("running, defaults", False, {}),
        ("running, small variance, momentum=0.5", True, {"momentum": 0.5}),
        ("running, float32", False, {}),
    ):
        _bn_running(f, r, rng, c, label, small, extra)
    inp = _bn_given_statistics(f, r, rng, c)
    # an unknown mode
    try:
        f(inp["x"].copy(), inp["gamma"].copy(), inp["beta"].copy(), {"mode": "eval"})
    except Exception as e:  # noqa: BLE001
        c.add("mode 'eval' raises", "value", True, f"{type(e).__name__}")
    else:
        c.add("mode 'eval' raises", "value", False, "returned normally")
    for item in c.items[:train_items]:
        item["task"] = "batchnorm_forward_train"
    for item in c.items[train_items:]:
        item["task"] = "batchnorm_forward_test"


def _bn_train(f, r, rng, c):
    """Train mode (task batchnorm_forward_train): values, shapes, inputs left alone."""
    cases = (
        ("train", norm_inputs(rng, 8, 5), {}),
        ("train, small variance, default eps", norm_inputs(rng, 8, 6, small=True), {}),
        ("train, eps=0.3", {**norm_inputs(rng, 7, 4)}, {"eps": 0.3}),
        ("train, float32", norm_inputs(rng, 8, 5, np.float32), {}),
    )
    for label, inp, extra in cases:
        if "eps=0.3" in label:
            inp["x"] = inp["x"] * 0.2
        s_inp = fresh(inp)
        param = {"mode": "train", **extra}
        out, _ = call(f, s_inp["x"], s_inp["gamma"], s_inp["beta"], param)
        ref, _ = bn_call(r, fresh(inp), {"mode": "train", **extra})
        f32 = inp["x"].dtype == np.float32
        c.value(f"{label}: out", out, ref, F32_TOL if f32 else VALUE_TOL)
        c.shape(f"{label}: out shape", out, ref.shape)
        for k in ("x", "gamma", "beta"):
            c.unchanged(f"{label}: {k}", inp[k], s_inp[k])
        if f32:
            c.float32(f"{label}: out dtype", out)


def _bn_running(f, r, rng, c, label, small, extra):
    """Running statistics after some train steps, then test mode on them."""
    n, d, steps = 6, 5, 5
    dtype = np.float32 if "float32" in label else np.float64
    base = norm_inputs(rng, n, d, dtype, small)
    xs = [norm_inputs(rng, n, d, dtype, small)["x"] + base["x"].mean(0) for _ in range(steps)]
    xs = [x.astype(dtype) for x in xs]
    x_test = (norm_inputs(rng, n + 1, d, dtype, small)["x"] * 1.5).astype(dtype)
    sp, rp = {"mode": "train", **extra}, {"mode": "train", **extra}
    g, b = base["gamma"], base["beta"]
    for x in xs:
        call(f, x.copy(), g.copy(), b.copy(), sp)
        r(x.copy(), g.copy(), b.copy(), rp)
    tol = F32_TOL if dtype == np.float32 else VALUE_TOL
    for k in ("running_mean", "running_var"):
        c.value(f"{label}: {k} after {steps} steps", sp.get(k), rp[k], tol)
        c.shape(f"{label}: {k} shape", sp.get(k), rp[k].shape)
    kept = {k: copy.deepcopy(sp.get(k)) for k in ("running_mean", "running_var")}
    sp["mode"], rp["mode"] = "test", "test"
    out, _ = call(f, x_test.copy(), g.copy(), b.copy(), sp)
    ref, _ = r(x_test.copy(), g.copy(), b.copy(), rp)
    c.value(f"{label}: test-mode out", out, ref, tol)
    c.shape(f"{label}: test-mode out shape", out, ref.shape)
    for k in kept:
        c.unchanged(f"{label}: {k} after test mode", kept[k], sp.get(k))
    one, _ = call(f, x_test[:1].copy(), g.copy(), b.copy(), sp)
    c.value(f"{label}: test-mode out, one row", one, ref[:1], tol)
    if dtype == np.float32:
        c.float32(f"{label}: test-mode out dtype", out)


def _bn_given_statistics(f, r, rng, c):
    """Test mode with statistics given by the caller, which it keeps; the inputs."""
    inp = norm_inputs(rng, 5, 4)
    stats = {"running_mean": rng.standard_normal(4) * 3, "running_var": rng.uniform(0.5, 4, 4)}
    sp = {"mode": "test", **copy.deepcopy(stats)}
    out, _ = call(f, inp["x"].copy(), inp["gamma"].copy(), inp["beta"].copy(), sp)
    ref, _ = bn_call(r, fresh(inp), {"mode": "test", **copy.deepcopy(stats)})
    c.value("given statistics: test-mode out", out, ref)
    for k in stats:
        c.value(f"given statistics: {k} kept", sp.get(k), stats[k])
    return inp


# ------------------------------------------------------------------ backward passes
def check_norm_backward(S, R, rng, c, forward, backward):
    """Basis A: the student's backward through the student's own forward cache, against the
    reference's gradients. Basis B: against centred differences of the student's own forward
    (fresh copies at every evaluation). Plus shapes and side effects."""
    layer = forward.startswith("layernorm")
    cases = [
        ("default eps", norm_inputs(rng, 6, 5), {}),
        ("eps=0.3", norm_inputs(rng, 7, 4), {"eps": 0.3}),
    ]
    if layer:
        for _, inp, _ in cases:
            inp["x"] = inp["x"] + rng.uniform(-5, 5, (inp["x"].shape[0], 1))
    cases[1][1]["x"] = cases[1][1]["x"] * 0.2
    for label, inp, extra in cases:
        param = dict(extra) if layer else {"mode": "train", **extra}
        ref_out, ref_cache = bn_call(R[forward], fresh(inp), dict(param))
        want = R[backward](inp["dout"].copy(), ref_cache)
        s_inp = fresh(inp)
        out, cache = call(S[forward], s_inp["x"], s_inp["gamma"], s_inp["beta"], dict(param))
        c.value(f"{label}: {forward} out (context)", out, ref_out, kind="info")
        before = snapshot(cache)
        d = inp["dout"].copy()
        got = call(S[backward], d, cache)
        if not isinstance(got, tuple) or len(got) != 3:
            c.add(f"{label}: returns (dx, dgamma, dbeta)", "error", False, repr(type(got)))
            return
        names = ("dx", "dgamma", "dbeta")
        for name, g, w in zip(names, got, want, strict=True):
            c.value(f"{label}: basis A (own cache vs reference): {name}", g, w, kind="A")
            c.shape(f"{label}: {name} shape", g, w.shape)
        c.unchanged(f"{label}: dout", inp["dout"], d)
        if before is not None:
            c.unchanged(f"{label}: cache", before, cache)
        again = call(S[backward], inp["dout"].copy(), cache)
        ok = same(again[0], got[0])  # bit for bit (NaN equal): same code, same inputs
        c.add(
            f"{label}: a second call on the same cache",
            "side",
            ok,
            "same dx" if ok else f"dx differs: rel. error {rel(again[0], got[0]):.2e}",
        )

        def fwd(which, inp=inp, param=param):
            def run(v):
                args = fresh(inp)
                args[which] = v
                return S[forward](args["x"], args["gamma"], args["beta"], dict(param))[0]

            return run

        for name, which, g in zip(names, ("x", "gamma", "beta"), got, strict=True):
            num = numerical_gradient(fwd(which), inp[which], inp["dout"])
            c.value(
                f"{label}: basis B (own forward, numerical): {name}", g, num, NUMERIC_TOL, kind="B"
            )


def check_batchnorm_backward(S, R, rng, c):
    check_norm_backward(S, R, rng, c, "batchnorm_forward", "batchnorm_backward")


def check_batchnorm_backward_alt(S, R, rng, c):
    check_norm_backward(S, R, rng, c, "batchnorm_forward", "batchnorm_backward_alt")


def check_layernorm_backward(S, R, rng, c):
    check_norm_backward(S, R, rng, c, "layernorm_forward", "layernorm_backward")


# ------------------------------------------------------------------ layer norm forward
def check_layernorm_forward(S, R, rng, c):
    f, r = S["layernorm_forward"], R["layernorm_forward"]
    small = norm_inputs(rng, 6, 7)
    small["x"] = small["x"][:, :1] + 1e-3 * rng.standard_normal((6, 7))  # rows of var ~1e-6
    cases = (
        ("no keys", norm_inputs(rng, 5, 6), {}),
        ("small row variance, default eps", small, {}),
        (
            "eps=0.3 with mode='test', momentum",
            norm_inputs(rng, 5, 6),
            {"eps": 0.3, "mode": "test", "momentum": 0.5},
        ),
        ("mode='train'", norm_inputs(rng, 4, 6), {"mode": "train"}),
        ("float32", norm_inputs(rng, 5, 6, np.float32), {}),
    )
    for label, inp, param in cases:
        inp["x"] = inp["x"] + rng.uniform(-5, 5, (inp["x"].shape[0], 1)).astype(inp["x"].dtype)
        if "eps=0.3" in label:
            inp["x"] = inp["x"] * 0.2
        s_inp, sp = fresh(inp), copy.deepcopy(param)
        try:
            out, _ = call(f, s_inp["x"], s_inp["gamma"], s_inp["beta"], sp)
        except Stub:
            raise
        except Exception as e:  # noqa: BLE001
            c.add(f"{label}: runs", "error", False, f"{type(e).__name__}: {e}")
            continue
        ref, _ = bn_call(r, fresh(inp), copy.deepcopy(param))
        f32 = inp["x"].dtype == np.float32
        c.value(f"{label}: out", out, ref, F32_TOL if f32 else VALUE_TOL)
        c.shape(f"{label}: out shape", out, ref.shape)
        c.unchanged(f"{label}: x", inp["x"], s_inp["x"])
        added = sorted(set(sp) - set(param))
        changed = sorted(k for k in param if not same(param[k], sp.get(k)))
        c.add(
            f"{label}: ln_param",
            "side",
            not (added or changed),
            "unchanged" if not (added or changed) else f"keys added {added}, changed {changed}",
        )
        if f32:
            c.add(
                f"{label}: out dtype",
                "dtype",
                np.asarray(out).dtype == np.float32,
                f"dtype {np.asarray(out).dtype}",
            )


# ------------------------------------------------------------------ the net
NET_D, NET_CLASSES, NET_HIDDEN, NET_N = 7, 4, [5, 9], 8
"""The net checked: input dimension, classes, hidden layers, batch size."""


def make_net(cls_, norm, reg=0.0, ws=0.1, dtype=np.float64, seed=None):
    if seed is not None:
        np.random.seed(seed)
    return cls_(
        list(NET_HIDDEN),
        input_dim=NET_D,
        num_classes=NET_CLASSES,
        normalization=norm,
        reg=reg,
        weight_scale=ws,
        dtype=dtype,
    )


def check_net(S, R, rng, c):
    """The student's FullyConnectedNet with the reference's layers (its own layers are judged
    apart): parameters, initial draws, loss and gradients, test-mode scores."""
    Net, Ref = S["FullyConnectedNet"], R["FullyConnectedNet"]
    try:
        model = make_net(Net, "batchnorm", seed=5)
    except NotImplementedError as e:
        raise Stub(str(e)) from None
    _net_init(Net, Ref, model, c)
    for norm in ("batchnorm", "layernorm", None):
        try:
            _net_loss(Net, Ref, norm, rng, c)
        except Exception as e:  # noqa: BLE001
            c.add(f"{norm or 'no normalization'}: runs", "error", False, f"{type(e).__name__}: {e}")


def _net_init(Net, Ref, model, c):
    """Parameter names, the initial draws (repeatable, in the documented order), dtypes, and
    one bn_param per layer."""
    ref = make_net(Ref, "batchnorm", seed=5)
    names = sorted(map(str, model.params))
    c.add("batchnorm: parameter names", "value", names == sorted(ref.params), f"{names}")
    again = make_net(Net, "batchnorm", seed=5)
    repeatable = same(dict(model.params), dict(again.params))
    c.add(
        "the same np.random.seed gives the same initial parameters",
        "side",
        repeatable,
        "yes" if repeatable else "no: the net reseeds or draws from another generator",
    )
    for k in ref.params:
        if k in model.params:
            c.shape(f"init {k} shape", model.params[k], ref.params[k].shape)
            if not k.startswith("W"):
                c.value(f"init {k}", model.params[k], ref.params[k])
            elif repeatable:
                # CS231n leaves the order of the draws open; the kit documents W1, W2, ...
                c.value(
                    f"init {k} (draws in the order W1, W2, ...)",
                    model.params[k],
                    ref.params[k],
                    kind="convention",
                )
    m32 = make_net(Net, "batchnorm", dtype=np.float32, seed=5)
    bad = sorted(k for k, v in m32.params.items() if np.asarray(v).dtype != np.float32)
    c.add("float32: parameter dtypes", "dtype", not bad, f"not float32: {bad}" if bad else "ok")
    bn_params = getattr(model, "bn_params", None)
    if isinstance(bn_params, list):
        c.add(
            "one bn_param dict per layer",
            "value",
            len({id(p) for p in bn_params}) == 2,
            f"{len(bn_params)} dicts, {len({id(p) for p in bn_params})} distinct",
        )


def _net_params(rng, norm) -> dict:
    """Parameters drawn for the net with ``norm``."""
    dims = [NET_D, *NET_HIDDEN, NET_CLASSES]
    params = {}
    for layer, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True), 1):
        params[f"W{layer}"] = rng.standard_normal((a, b)) * 0.3
        params[f"b{layer}"] = rng.standard_normal(b) * 0.1
        if norm and layer < len(dims) - 1:
            params[f"gamma{layer}"] = rng.uniform(0.5, 1.5, b)
            params[f"beta{layer}"] = rng.standard_normal(b) * 0.1
    return params


def _net_loss(Net, Ref, norm, rng, c):
    """The loss and gradients of two train steps on the same parameters, then test-mode
    scores."""
    reg, n = 0.7, NET_N
    params = _net_params(rng, norm)
    X, y = rng.standard_normal((n, NET_D)) * 2 + 1, rng.integers(0, NET_CLASSES, n)
    X_test = rng.standard_normal((n - 2, NET_D)) * 2 + 1
    label, L = norm or "no normalization", len(NET_HIDDEN) + 1
    model, ref = make_net(Net, norm, reg), make_net(Ref, norm, reg)
    for k, v in params.items():
        model.params[k], ref.params[k] = v.copy(), v.copy()
    for step in range(2):
        loss, grads = model.loss(X.copy(), y.copy())
        want_loss, want = ref.loss(X.copy(), y.copy())
        if step == 0:
            c.value(f"{label}: loss", loss, want_loss)
            for k in want:
                if k[0] == "b" and k[1:].isdigit() and norm == "batchnorm" and k != f"b{L}":
                    # a bias feeding a normalization has a true gradient of 0
                    err = float(np.abs(np.asarray(grads.get(k), float)).max())
                    c.add(f"{label}: grad {k}", "value", err < 1e-8, f"max |g| {err:.1e}")
                else:
                    c.value(f"{label}: grad {k}", grads.get(k), want[k])
    scores, ref_scores = model.loss(X_test.copy()), ref.loss(X_test.copy())
    c.value(f"{label}: test-mode scores after 2 steps", scores, ref_scores)


CHECKS = {
    "affine_forward": check_affine_forward,
    "affine_backward": check_affine_backward,
    "relu_forward": check_relu_forward,
    "relu_backward": check_relu_backward,
    "batchnorm_forward": check_batchnorm_forward,
    "batchnorm_backward": check_batchnorm_backward,
    "batchnorm_backward_alt": check_batchnorm_backward_alt,
    "layernorm_forward": check_layernorm_forward,
    "layernorm_backward": check_layernorm_backward,
    "FullyConnectedNet": check_net,
}


def namespace(cells: dict[str, str], base: dict[str, str], softmax: str) -> dict:
    """A notebook-like namespace: numpy, softmax_loss, then every answer cell in order (the
    given cells where they exist, the ``base`` ones otherwise)."""
    ns = {"np": np, "__name__": "__main__"}
    exec(compile(softmax, "<softmax_loss>", "exec"), ns)  # noqa: S102  (the given helper)
    for name in CHECKS:
        source = cells.get(name, base.get(name))
        if source is not None:
            exec(compile(source, f"<{name}>", "exec"), ns)  # noqa: S102  (in the sandbox)
    return ns


def main(path: str, out: str) -> None:
    with open(path, encoding="utf-8") as f:
        job = json.load(f)
    ref = namespace(job["reference"], {}, job["softmax"])
    results = {}
    for name in CHECKS:
        if name not in job["student"]:
            results[name] = {"absent": "not defined in the file"}
            continue
        c = Checks()
        try:
            # layers: the student's own cells, the reference where the student has none.
            # The net: its own class with the reference's layers (its layers are judged apart).
            if name == "FullyConnectedNet":
                cells = {name: job["student"][name]}
            else:
                cells = {k: v for k, v in job["student"].items() if k != "FullyConnectedNet"}
            student = namespace(cells, job["reference"], job["softmax"])
            CHECKS[name](student, ref, np.random.default_rng(job["seed"]), c)
        except Stub as e:
            results[name] = {"absent": str(e)}
            continue
        except Exception as e:  # noqa: BLE001
            tb = traceback.extract_tb(e.__traceback__)[-1]
            c.add("runs", "error", False, f"{type(e).__name__}: {e} (line {tb.lineno})")
        results[name] = {"checks": c.items}
    with open(out, "w", encoding="utf-8") as f:  # not stdout: students' code prints
        json.dump(results, f, default=float)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
