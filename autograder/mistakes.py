"""Known mistakes, recognised by what they output, named in a student's words.

Each entry says what a function with that mistake returns on the hidden inputs, computed on
the trusted side from the reference and numpy. When a value check fails and the student's
output matches one of these, the feedback names the mistake.
"""

from __future__ import annotations

import fnmatch
import types
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .source import answer_cells, grade_id, source_notebook


@dataclass(frozen=True)
class Mistake:
    task: str
    key: str  # which output it shows in (a glob pattern such as "grad_W*" for several)
    words: str  # the mistake, in a student's words ("{key}" is replaced by the output's name)
    output: Callable[[dict, dict], object]  # (inputs, reference namespace) -> mistaken output
    # (a dict of outputs by key when `key` is a pattern)
    part: str | None = None  # only on this part, or on every part that has `key`


def _stats(x, ddof=0):
    return x.mean(axis=0), x.var(axis=0, ddof=ddof)


def _bn(x, gamma, beta, mean, var, eps=1e-5, root=True, eps_inside=True):
    if not root:
        scale = var + eps
    elif eps_inside:
        scale = np.sqrt(var + eps)
    else:
        scale = np.sqrt(var) + eps
    return gamma * (x - mean) / scale + beta


def _eps(inp):
    return float(inp["eps"]) if "eps" in inp else 1e-5


def _bn_train(inp, **kw):
    mean, var = _stats(inp["x"], kw.pop("ddof", 0))
    return _bn(inp["x"], inp["gamma"], inp["beta"], mean, var, **kw)


def _momentum(inp):
    return float(inp["momentum"]) if "momentum" in inp else 0.9


def _running(inp, ddof=0, reverse=False, first_batch=False, momentum=None, std=False):
    m = _momentum(inp)
    if momentum is not None:
        m = momentum
    d = inp["xs"].shape[-1]
    rm, rv = np.zeros(d), np.zeros(d)
    for step, x in enumerate(inp["xs"]):
        mean, var = _stats(x, ddof)
        if std:
            var = np.sqrt(var + 1e-5)
        if first_batch and step == 0:
            rm, rv = mean, var
        elif reverse:
            rm, rv = (1 - m) * rm + m * mean, (1 - m) * rv + m * var
        else:
            rm, rv = m * rm + (1 - m) * mean, m * rv + (1 - m) * var
    return rm, rv


def _test_updates(inp):
    """Running statistics after the test-mode call on x_test also updated them."""
    m = _momentum(inp)
    rm, rv = _running(inp)
    mean, var = _stats(inp["x_test"])
    return m * rm + (1 - m) * mean, m * rv + (1 - m) * var


def _bn_grads(inp, ref, backward="batchnorm_backward"):
    _, cache = ref["batchnorm_forward"](inp["x"], inp["gamma"], inp["beta"], {"mode": "train"})
    return ref[backward](inp["dout"], cache)


def _bn_dx_without(inp, path):
    x, gamma, dout = inp["x"], inp["gamma"], inp["dout"]
    std = np.sqrt(x.var(axis=0) + 1e-5)
    xhat = (x - x.mean(axis=0)) / std
    g = gamma * dout
    if path == "mean":
        return (g - xhat * np.mean(g * xhat, axis=0)) / std
    if path == "var":
        return (g - g.mean(axis=0)) / std
    if path == "sums":
        return (g - g.sum(axis=0) - xhat * np.sum(g * xhat, axis=0)) / std
    if path == "gamma":
        return (dout - dout.mean(axis=0) - xhat * np.mean(dout * xhat, axis=0)) / std
    raise ValueError(path)


def _sums_wrong_axis(inp, ref, forward="batchnorm_forward"):
    """dgamma and dbeta summed over the features (axis 1) instead of the batch."""
    param = {"mode": "train"} if forward == "batchnorm_forward" else {}
    out, _ = ref[forward](inp["x"], np.ones_like(inp["gamma"]), np.zeros_like(inp["beta"]), param)
    return {
        "dgamma": np.sum(inp["dout"] * out, axis=1),
        "dbeta": np.sum(inp["dout"], axis=1),
    }


def _ln_dx_batch_means(inp):
    """Layer norm's dx from batch norm's closed form: means over the batch (axis 0)."""
    x, gamma, dout = inp["x"], inp["gamma"], inp["dout"]
    std = np.sqrt(x.var(axis=1, keepdims=True) + _eps(inp))
    xhat = (x - x.mean(axis=1, keepdims=True)) / std
    g = gamma * dout
    return (g - g.mean(axis=0) - xhat * np.mean(g * xhat, axis=0)) / std


def _ln(inp, ddof=0, axis=1):
    x = inp["x"]
    mean = x.mean(axis=axis, keepdims=True)
    std = np.sqrt(x.var(axis=axis, ddof=ddof, keepdims=True) + _eps(inp))
    return inp["gamma"] * (x - mean) / std + inp["beta"]


def _net_loss_variant(inp, ref, **changes):
    """The reference net's loss and gradients, with the L2 penalty changed."""
    net = _ref_net(inp, ref)
    loss, grads = net.loss(inp["X"].copy(), inp["y"].copy())
    reg = float(inp["reg"])
    weights = {k.removeprefix("param_"): v for k, v in inp.items() if k.startswith("param_W")}
    square = sum(float(np.sum(w * w)) for w in weights.values())
    if changes.get("no_half"):
        return loss + 0.5 * reg * square
    if changes.get("all_params"):
        others = [v for k, v in inp.items() if k.startswith("param_") and "W" not in k]
        return loss + 0.5 * reg * sum(float(np.sum(v * v)) for v in others)
    if changes.get("no_reg"):
        return loss - 0.5 * reg * square
    raise ValueError(changes)


class _PrivateRandomNumpy(types.ModuleType):
    """numpy, but with ``np.random`` a generator of its own.

    The reference net draws its initial weights from numpy's global random state. Here those
    draws are thrown away (the net gets the hidden inputs' parameters), but taking them from
    the global state would shift the seeded draws another thread may be making at that moment
    (the expected initial weights of another submission graded in parallel).
    """

    def __init__(self):
        super().__init__("numpy")
        self.random = np.random.RandomState(0)

    def __getattr__(self, name):
        return getattr(np, name)


_NET_CLASSES: dict[int, type] = {}


def _net_class(ref: dict) -> type:
    """The reference's FullyConnectedNet, run with the reference's layers and a private RNG."""
    cls = _NET_CLASSES.get(id(ref))
    if cls is None:
        (cell,) = [
            c for c in answer_cells(source_notebook()) if grade_id(c) == "FullyConnectedNet_answer"
        ]
        namespace = {**ref, "np": _PrivateRandomNumpy(), "__name__": "reference"}
        code = compile(cell.source, "<reference FullyConnectedNet_answer>", "exec")
        exec(code, namespace)  # noqa: S102  (the instructor's own cell)
        cls = _NET_CLASSES[id(ref)] = namespace["FullyConnectedNet"]
    return cls


def _ref_net(inp, ref, norm=""):
    if norm == "":
        norm = {0: None, 1: "batchnorm", 2: "layernorm"}[int(inp["normalization"])]
    net = _net_class(ref)(
        [int(h) for h in inp["hidden_dims"]],
        input_dim=int(inp["X"].shape[1]),
        num_classes=int(inp["num_classes"]),
        normalization=norm,
        reg=float(inp["reg"]),
        weight_scale=float(inp["weight_scale"]),
        dtype=np.float64,
    )
    for k, v in inp.items():
        if k.startswith("param_"):
            net.params[k.removeprefix("param_")] = v.copy()
    return net


def _net_no_reg_in_dw(inp, ref):
    """The reference gradients without the L2 penalty's reg * W in dW."""
    net = _ref_net(inp, ref)
    _, grads = net.loss(inp["X"].copy(), inp["y"].copy())
    reg = float(inp["reg"])
    return {f"grad_{k}": g - reg * net.params[k] for k, g in grads.items() if k.startswith("W")}


def _net_batchnorm_instead(inp, ref, key):
    """A net asked for layer norm that runs batch norm (with the same gamma and beta)."""
    if int(inp["normalization"]) != 2:
        return None
    net = _ref_net(inp, ref, norm="batchnorm")
    loss = None
    for step in range(int(inp["train_steps"])):
        value, _ = net.loss(inp["X"].copy(), inp["y"].copy())
        if step == 0:
            loss = value
    if key == "loss":
        return loss
    return net.loss(inp["X_test"].copy())


def _net_scores_train_mode(inp, ref):
    net = _ref_net(inp, ref)
    for _ in range(int(inp["train_steps"])):
        net.loss(inp["X"].copy(), inp["y"].copy())
    for p in net.bn_params:
        p["mode"] = "train"
    # scores computed with the test batch's own statistics
    if int(inp["normalization"]) == 1:
        h = inp["X_test"]
        for layer in range(1, net.num_layers):
            h, _ = ref["affine_forward"](h, net.params[f"W{layer}"], net.params[f"b{layer}"])
            h, _ = ref["batchnorm_forward"](
                h, net.params[f"gamma{layer}"], net.params[f"beta{layer}"], {"mode": "train"}
            )
            h, _ = ref["relu_forward"](h)
        last = net.num_layers
        return ref["affine_forward"](h, net.params[f"W{last}"], net.params[f"b{last}"])[0]
    return None


CATALOGUE = [
    # affine
    Mistake(
        "affine_forward",
        "out",
        "the bias b is not added",
        lambda i, r: i["x"].reshape(i["x"].shape[0], -1) @ i["w"],
    ),
    Mistake(
        "affine_backward", "db", "db is not summed over the batch (axis 0)", lambda i, r: i["dout"]
    ),
    Mistake(
        "affine_backward",
        "db",
        "db is summed over the wrong axis: sum over the batch, axis 0",
        lambda i, r: i["dout"].sum(axis=1),
    ),
    Mistake(
        "affine_backward",
        "dx",
        "dx keeps the flattened (N, D) shape: reshape it to x's shape",
        lambda i, r: i["dout"] @ i["w"].T,
    ),
    # relu
    Mistake(
        "relu_backward",
        "dx",
        "the ReLU mask is taken from dout instead of x",
        lambda i, r: i["dout"] * (i["dout"] > 0),
    ),
    Mistake(
        "relu_backward",
        "dx",
        "the gradient passes where x == 0: use x > 0, not x >= 0",
        lambda i, r: i["dout"] * (i["x"] >= 0),
    ),
    Mistake(
        "relu_backward",
        "dx",
        "dx is the mask alone: multiply the mask by dout",
        lambda i, r: (i["x"] > 0).astype(float),
    ),
    # batchnorm forward, train mode
    Mistake(
        "batchnorm_forward_train",
        "out",
        "your variance uses N-1 (unbiased, ddof=1): batch norm uses the biased variance, 1/N",
        lambda i, r: _bn_train(i, eps=_eps(i), ddof=1),
    ),
    Mistake(
        "batchnorm_forward_train",
        "out",
        "you divide by the variance (var + eps) instead of the standard deviation sqrt(var + eps)",
        lambda i, r: _bn_train(i, eps=_eps(i), root=False),
    ),
    Mistake(
        "batchnorm_forward_train",
        "out",
        "eps is added outside the square root: use sqrt(var + eps)",
        lambda i, r: _bn_train(i, eps=_eps(i), eps_inside=False),
    ),
    Mistake(
        "batchnorm_forward_train",
        "out",
        "gamma and beta are swapped",
        lambda i, r: _bn_train({**i, "gamma": i["beta"], "beta": i["gamma"]}, eps=_eps(i)),
    ),
    Mistake(
        "batchnorm_forward_train",
        "out",
        "bn_param['eps'] is ignored: read it with bn_param.get('eps', 1e-5)",
        lambda i, r: _bn_train(i),
        part="eps",
    ),
    Mistake(
        "batchnorm_forward_train",
        "out",
        "you normalize each example over its features (that is layer norm): batch norm "
        "normalizes each feature over the batch (axis 0)",
        lambda i, r: _ln(i),
    ),
    # batchnorm forward, running statistics and test mode
    Mistake(
        "batchnorm_forward_test",
        "train_running_mean",
        "momentum is reversed: running = momentum * running + (1 - momentum) * batch",
        lambda i, r: _running(i, reverse=True)[0],
    ),
    Mistake(
        "batchnorm_forward_test",
        "train_running_var",
        "momentum is reversed: running = momentum * running + (1 - momentum) * batch",
        lambda i, r: _running(i, reverse=True)[1],
    ),
    Mistake(
        "batchnorm_forward_test",
        "train_running_var",
        "your running variance uses N-1 (unbiased): use the same biased variance as the "
        "normalization",
        lambda i, r: _running(i, ddof=1)[1],
    ),
    Mistake(
        "batchnorm_forward_test",
        "train_running_var",
        "your running variance averages the standard deviation sqrt(var + eps): average the "
        "batch variance",
        lambda i, r: _running(i, std=True)[1],
    ),
    Mistake(
        "batchnorm_forward_test",
        "after_test_running_mean",
        "test mode updates the running statistics: only train mode updates them, test mode "
        "only reads them",
        lambda i, r: _test_updates(i)[0],
    ),
    Mistake(
        "batchnorm_forward_test",
        "after_test_running_var",
        "test mode updates the running statistics: only train mode updates them, test mode "
        "only reads them",
        lambda i, r: _test_updates(i)[1],
    ),
    Mistake(
        "batchnorm_forward_test",
        "out_one_row",
        "test mode updates the running statistics: only train mode updates them, test mode "
        "only reads them",
        lambda i, r: _bn(i["x_test"][:1], i["gamma"], i["beta"], *_test_updates(i)),
    ),
    Mistake(
        "batchnorm_forward_test",
        "train_running_mean",
        "the running statistics start from the first batch: they start from zeros",
        lambda i, r: _running(i, first_batch=True)[0],
    ),
    Mistake(
        "batchnorm_forward_test",
        "train_running_mean",
        "bn_param['momentum'] is ignored: read it with bn_param.get('momentum', 0.9)",
        lambda i, r: _running(i, momentum=0.9)[0],
        part="momentum",
    ),
    Mistake(
        "batchnorm_forward_test",
        "out",
        "test mode is using the batch's statistics: it must use the running statistics",
        lambda i, r: _bn(i["x_test"], i["gamma"], i["beta"], *_stats(i["x_test"])),
    ),
    Mistake(
        "batchnorm_forward_test",
        "out",
        "test mode is using the batch's statistics: it must use the running statistics",
        lambda i, r: _bn(i["x"], i["gamma"], i["beta"], *_stats(i["x"])),
        part="given_stats",
    ),
    Mistake(
        "batchnorm_forward_test",
        "out",
        "test mode normalizes with zeros: the running statistics never reach the caller's bn_param",
        lambda i, r: _bn(i["x_test"], i["gamma"], i["beta"], 0.0, 0.0),
    ),
    # batchnorm backward
    Mistake(
        "batchnorm_backward",
        "dx",
        "gamma is left out of the gradient through x-hat (dxhat = dout * gamma)",
        lambda i, r: _bn_dx_without(i, "gamma"),
    ),
    Mistake(
        "batchnorm_backward",
        "dx",
        "the gradient through the mean is missing (x feeds the mean too: sum both paths)",
        lambda i, r: _bn_dx_without(i, "mean"),
    ),
    Mistake(
        "batchnorm_backward",
        "dx",
        "the gradient through the variance is missing (x feeds the variance too: sum both paths)",
        lambda i, r: _bn_dx_without(i, "var"),
    ),
    Mistake(
        "batchnorm_backward",
        "d[gb]*",
        "{key} is summed over the wrong axis: sum over the batch, axis 0",
        _sums_wrong_axis,
    ),
    Mistake(
        "batchnorm_backward_alt",
        "d[gb]*",
        "{key} is summed over the wrong axis: sum over the batch, axis 0",
        _sums_wrong_axis,
    ),
    Mistake(
        "batchnorm_backward_alt",
        "dx",
        "the 1/N is missing: the closed form uses means over the batch, not sums",
        lambda i, r: _bn_dx_without(i, "sums"),
    ),
    Mistake(
        "batchnorm_backward_alt",
        "dx",
        "gamma is left out of the gradient through x-hat (dxhat = dout * gamma)",
        lambda i, r: _bn_dx_without(i, "gamma"),
    ),
    Mistake(
        "batchnorm_backward_alt",
        "dx",
        "the gradient through the mean is missing",
        lambda i, r: _bn_dx_without(i, "mean"),
    ),
    # layer norm
    Mistake(
        "layernorm_forward",
        "out",
        "you normalize over the batch (axis 0): layer norm normalizes each example over its "
        "features (axis 1)",
        lambda i, r: _bn_train(i, eps=_eps(i)),
    ),
    Mistake(
        "layernorm_forward",
        "out",
        "your variance uses N-1 (unbiased): use the biased variance, 1/D",
        lambda i, r: _ln(i, ddof=1),
    ),
    Mistake(
        "layernorm_forward",
        "out",
        "ln_param['eps'] is ignored",
        lambda i, r: _ln({k: v for k, v in i.items() if k != "eps"}),
        part="extra_keys",
    ),
    Mistake(
        "layernorm_forward",
        "out",
        "your layer norm follows ln_param['mode'] (with 'test' it normalizes with running "
        "statistics, as batch norm does): layer norm ignores mode and always normalizes each "
        "example with its own mean and variance",
        lambda i, r: i["gamma"] * i["x"] / np.sqrt(_eps(i)) + i["beta"],
        part="extra_keys",
    ),
    Mistake(
        "layernorm_backward",
        "dx",
        "your dx takes means over the batch (axis 0), as batch norm's does: layer norm's "
        "statistics are per example, so take the means over the features (axis 1)",
        lambda i, r: _ln_dx_batch_means(i),
    ),
    Mistake(
        "layernorm_backward",
        "d[gb]*",
        "{key} is summed over the wrong axis: sum over the batch, axis 0",
        lambda i, r: _sums_wrong_axis(i, r, "layernorm_forward"),
    ),
    # the net
    Mistake(
        "FullyConnectedNet",
        "loss",
        "the L2 penalty is missing its 0.5 factor: 0.5 * reg * sum of squared weights",
        lambda i, r: _net_loss_variant(i, r, no_half=True),
    ),
    Mistake(
        "FullyConnectedNet",
        "loss",
        "the L2 penalty also covers biases, gamma or beta: it is on the weights W only",
        lambda i, r: _net_loss_variant(i, r, all_params=True),
    ),
    Mistake(
        "FullyConnectedNet",
        "loss",
        "the L2 penalty is missing from the loss",
        lambda i, r: _net_loss_variant(i, r, no_reg=True),
    ),
    Mistake(
        "FullyConnectedNet",
        "grad_W*",
        "dW is missing the gradient of the L2 penalty: add reg * W to each dW",
        _net_no_reg_in_dw,
    ),
    Mistake(
        "FullyConnectedNet",
        "loss",
        "with normalization='layernorm' your net runs batch norm: call layernorm_forward and "
        "layernorm_backward",
        lambda i, r: _net_batchnorm_instead(i, r, "loss"),
        part="layernorm",
    ),
    Mistake(
        "FullyConnectedNet",
        "scores",
        "with normalization='layernorm' your net runs batch norm: call layernorm_forward and "
        "layernorm_backward",
        lambda i, r: _net_batchnorm_instead(i, r, "scores"),
        part="layernorm",
    ),
    Mistake(
        "FullyConnectedNet",
        "scores",
        "test mode (loss(X) without y) uses the batch's statistics: set each bn_param's "
        "mode to 'test'",
        _net_scores_train_mode,
        part="batchnorm",
    ),
]


def _matches(got, expected) -> bool:
    try:
        got = np.asarray(got, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    denom = np.maximum(1e-8, np.abs(got) + np.abs(expected))
    return bool(np.max(np.abs(got - expected) / denom, initial=0.0) < 1e-6)


def recognise(task: str, part: str, key: str, got, inputs: dict, ref: dict) -> str | None:
    """The known mistake whose output ``got`` is, or None."""
    for mistake in CATALOGUE:
        if mistake.task != task or not fnmatch.fnmatchcase(key, mistake.key):
            continue
        if mistake.part not in (None, part):
            continue
        try:
            variant = mistake.output(inputs, ref)
        except (KeyError, ValueError, TypeError):
            continue
        if isinstance(variant, dict):
            variant = variant.get(key)
        if variant is not None and _matches(got, variant):
            return mistake.words.replace("{key}", key)
    return None
