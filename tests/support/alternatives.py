"""Correct submissions written differently from the reference, and attacks on the grader.

``CORRECT`` holds whole submissions that honour the contract (the team's SPEC.md, CS231n's) but
share little with the reference: other caches, other valid formulas and computation graphs,
helpers in cells of their own, debugging output, warnings, scratch cells (one raising, one with
IPython magics), and a notebook saved after running its cells out of order. Each must get full
marks.

``ATTACKS`` holds wrong answers that try to fool a grader that compares inside the student's
process: an object whose ``==`` is always true, a cell that disables IPython's ``run_cell`` so
later check cells run nothing, and a patched ``np.allclose`` (with ``np.testing``, ``np.isclose``,
``rel_error`` and the public checker patched too). Each must score 0 on the tasks it attacks
and leave the tasks it does not touch (reference answers) at full marks.

``LEAK`` tries to read the reference's solution out of the grader: when a layer fails, the
net is checked again with the reference layers run inside the student's process.

Everything here is source text for notebook cells, put into the release as a student's file
would have it (``notebook``); answer cells a submission does not rewrite hold the reference's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat

from support.corpus import reference_nb, release_nb, with_answers

_REFERENCE = reference_nb()
_RELEASE = release_nb()


def _gid(c) -> str:
    return c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


REFERENCE_ANSWERS = {_gid(c): c.source for c in _REFERENCE.cells if _gid(c).endswith("_answer")}
"""Answer cell grade_id -> the reference's source, for the cells a submission keeps."""


def before(gid: str) -> int:
    """The release's index of the cell with this grade_id: an extra cell inserted at this
    position lands just above it."""
    for index, c in enumerate(_RELEASE.cells):
        if _gid(c) == gid:
            return index
    raise KeyError(gid)


def after(gid: str) -> int:
    return before(gid) + 1


def notebook(answers: dict[str, str], extra=(), tweak: Callable | None = None):
    """A student's file: the release with every answer cell filled (``answers``, and the
    reference's answer for the others) and the student's own cells inserted."""
    nb = with_answers(REFERENCE_ANSWERS | answers, base=_RELEASE, extra=list(extra))
    if tweak is not None:
        tweak(nb)
    return nb


@dataclass
class Submission:
    name: str
    answers: dict[str, str]
    extra: list[tuple[int, str]] = field(default_factory=list)
    tweak: Callable | None = None  # nb -> None, applied after the cells are in place

    def notebook(self):
        return notebook(self.answers, self.extra, self.tweak)


# =====================================================================================
# A. Dict cache, the classic many-stage graph, a closed form from other algebra,
#    layer norm by transposing and reusing batchnorm_forward. Reference net and affine.
# =====================================================================================
A_BATCHNORM_FORWARD = '''
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch norm; the cache is a dict of what the forward saw."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = np.sum(x, axis=0) / N
        centred = x - mu
        var = np.sum(centred * centred, axis=0) / N
        inv_std = 1.0 / np.sqrt(var + eps)
        out = (centred * inv_std) * gamma + beta
        cache = {"x": x, "mu": mu, "var": var, "eps": eps, "gamma": gamma}
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = {"mode": "test"}
        bn_param["running_mean"] = running_mean
        bn_param["running_var"] = running_var
    else:
        raise ValueError("batchnorm_forward: mode must be 'train' or 'test', got %r" % (mode,))
    return out, cache
'''

A_BATCHNORM_BACKWARD = '''
def batchnorm_backward(dout, cache):
    """One node at a time, as in the computational-graph blog posts."""
    x, mu, var, eps, gamma = (cache[k] for k in ("x", "mu", "var", "eps", "gamma"))
    N, D = dout.shape
    # forward again, node by node
    xmu = x - mu
    sq = xmu**2
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    # backward, node by node
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar**2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    dx = dx1 + dx2
    del sq
    return dx, dgamma, dbeta
'''

A_BATCHNORM_BACKWARD_ALT = """
def batchnorm_backward_alt(dout, cache):
    x, mu, var, eps, gamma = (cache[k] for k in ("x", "mu", "var", "eps", "gamma"))
    N = dout.shape[0]
    inv_std = (var + eps) ** -0.5
    xhat = (x - mu) * inv_std
    dbeta = dout.sum(0)
    dgamma = (dout * xhat).sum(0)
    dx = (gamma * inv_std / N) * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta
"""

A_LAYERNORM_FORWARD = '''
def layernorm_forward(x, gamma, beta, ln_param):
    """Layer norm is batch norm of x.T: reuse batchnorm_forward in train mode."""
    eps = ln_param.get("eps", 1e-5)
    N = x.shape[0]
    ones, zeros = np.ones(N, dtype=x.dtype), np.zeros(N, dtype=x.dtype)
    xhat_t, bn_cache = batchnorm_forward(x.T, ones, zeros, {"mode": "train", "eps": eps})
    xhat = xhat_t.T
    out = gamma * xhat + beta
    return out, (bn_cache, xhat, gamma)
'''

A_LAYERNORM_BACKWARD = """
def layernorm_backward(dout, cache):
    bn_cache, xhat, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat_t, _, _ = batchnorm_backward_alt((dout * gamma).T, bn_cache)
    return dxhat_t.T, dgamma, dbeta
"""

A = {
    "batchnorm_forward_answer": A_BATCHNORM_FORWARD,
    "batchnorm_backward_answer": A_BATCHNORM_BACKWARD,
    "batchnorm_backward_alt_answer": A_BATCHNORM_BACKWARD_ALT,
    "layernorm_forward_answer": A_LAYERNORM_FORWARD,
    "layernorm_backward_answer": A_LAYERNORM_BACKWARD,
}

# =====================================================================================
# B. np.dot / einsum, relu as x * (x > 0), tuple cache (x, mu, var, gamma, eps), and a net
#    built from a list of layers with helper functions in an extra cell above it.
# =====================================================================================
B_AFFINE_FORWARD = """
def affine_forward(x, w, b):
    D = w.shape[0]
    out = np.dot(x.reshape(-1, D), w) + b
    return out, (x, w, b)
"""

B_AFFINE_BACKWARD = """
def affine_backward(dout, cache):
    x, w, b = cache
    rows = x.reshape(-1, w.shape[0])
    dw = np.einsum("nd,nm->dm", rows, dout)
    dx = np.einsum("nm,dm->nd", dout, w).reshape(*x.shape)
    db = np.einsum("nm->m", dout)
    return dx, dw, db
"""

B_RELU_FORWARD = """
def relu_forward(x):
    return x * (x > 0), x
"""

B_RELU_BACKWARD = """
def relu_backward(dout, cache):
    return dout * (cache > 0)
"""

B_BATCHNORM_FORWARD = """
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    if "running_mean" not in bn_param:
        bn_param["running_mean"] = np.zeros(D, dtype=x.dtype)
    if "running_var" not in bn_param:
        bn_param["running_var"] = np.zeros(D, dtype=x.dtype)
    if mode == "train":
        mu = np.einsum("nd->d", x) / N
        var = np.einsum("nd,nd->d", x - mu, x - mu) / N
        out = gamma * (x - mu) / np.sqrt(var + eps) + beta
        bn_param.update(
            running_mean=momentum * bn_param["running_mean"] + (1 - momentum) * mu,
            running_var=momentum * bn_param["running_var"] + (1 - momentum) * var,
        )
        return out, (x, mu, var, gamma, eps)
    if mode == "test":
        mu, var = bn_param["running_mean"], bn_param["running_var"]
        return gamma * (x - mu) / np.sqrt(var + eps) + beta, None
    raise ValueError(f"unknown batchnorm mode: {mode}")
"""

B_BATCHNORM_BACKWARD = """
def batchnorm_backward(dout, cache):
    x, mu, var, gamma, eps = cache
    N = x.shape[0]
    xc = x - mu                      # node 1: centre
    istd = (var + eps) ** -0.5       # node 2: inverse std (var = mean(xc**2))
    xhat = xc * istd                 # node 3: normalise
    dbeta = dout.sum(axis=0)
    dgamma = np.einsum("nd,nd->d", dout, xhat)
    dxhat = dout * gamma
    dxc = dxhat * istd
    distd = np.einsum("nd,nd->d", dxhat, xc)
    dvar = distd * -0.5 * (var + eps) ** -1.5
    dxc = dxc + dvar * 2.0 * xc / N
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / N
    return dx, dgamma, dbeta
"""

B_BATCHNORM_BACKWARD_ALT = """
def batchnorm_backward_alt(dout, cache):
    x, mu, var, gamma, eps = cache
    istd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * istd
    dgamma = np.einsum("nd,nd->d", dout, xhat)
    dbeta = np.einsum("nd->d", dout)
    dx = gamma * istd * (dout - dout.mean(0) - xhat * (dout * xhat).mean(0))
    return dx, dgamma, dbeta
"""

B_LAYERNORM_FORWARD = """
def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    D = x.shape[1]
    mean = x.sum(axis=1, keepdims=True) / D
    var = ((x - mean) ** 2).sum(axis=1, keepdims=True) / D
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, (x, mean, var, gamma, eps)
"""

B_LAYERNORM_BACKWARD = """
def layernorm_backward(dout, cache):
    x, mean, var, gamma, eps = cache
    D = x.shape[1]
    istd = 1 / np.sqrt(var + eps)
    xhat = (x - mean) * istd
    dgamma = np.einsum("nd,nd->d", dout, xhat)
    dbeta = dout.sum(axis=0)
    g = dout * gamma
    row_sum = g.sum(axis=1, keepdims=True)
    row_dot = np.sum(g * xhat, axis=1, keepdims=True)
    dx = istd / D * (D * g - row_sum - xhat * row_dot)
    return dx, dgamma, dbeta
"""

B_NET_HELPERS = """
# My helpers for the net: a sandwich layer and a small record per layer.
def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    a, fc_cache = affine_forward(x, w, b)
    norm_cache = None
    if normalization == "batchnorm":
        a, norm_cache = batchnorm_forward(a, gamma, beta, norm_param)
    elif normalization == "layernorm":
        a, norm_cache = layernorm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, norm_cache, relu_cache)


def affine_norm_relu_backward(dout, cache, normalization):
    fc_cache, norm_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dgamma = dbeta = None
    if normalization == "batchnorm":
        da, dgamma, dbeta = batchnorm_backward(da, norm_cache)
    elif normalization == "layernorm":
        da, dgamma, dbeta = layernorm_backward(da, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


class Layer:
    def __init__(self, index, hidden):
        self.index, self.hidden = index, hidden
        self.W, self.b = f"W{index}", f"b{index}"
        self.gamma, self.beta = f"gamma{index}", f"beta{index}"
"""

B_NET = """
class FullyConnectedNet:
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32):
        self.normalization = normalization
        self.reg = reg
        self.dtype = dtype
        self.num_layers = len(hidden_dims) + 1
        dims = [input_dim] + list(hidden_dims) + [num_classes]
        self.layers = [Layer(i + 1, i + 1 < self.num_layers) for i in range(self.num_layers)]
        self.params = {}
        for layer, fan_in, fan_out in zip(self.layers, dims[:-1], dims[1:]):
            w = np.random.normal(0.0, weight_scale, size=(fan_in, fan_out))
            self.params[layer.W] = w.astype(dtype)
            self.params[layer.b] = np.zeros(fan_out, dtype=dtype)
            if layer.hidden and normalization:
                self.params[layer.gamma] = np.ones(fan_out, dtype=dtype)
                self.params[layer.beta] = np.zeros(fan_out, dtype=dtype)
        self.bn_params = []
        if normalization:
            self.bn_params = [{"mode": "train"} for layer in self.layers if layer.hidden]

    def loss(self, X, y=None):
        mode = "test" if y is None else "train"
        for p in self.bn_params:
            p["mode"] = mode
        h = X.astype(self.dtype).reshape(X.shape[0], -1)
        caches = []
        for layer in self.layers[:-1]:
            norm_param = self.bn_params[layer.index - 1] if self.bn_params else None
            h, cache = affine_norm_relu_forward(
                h, self.params[layer.W], self.params[layer.b],
                self.params.get(layer.gamma), self.params.get(layer.beta),
                norm_param, self.normalization)
            caches.append(cache)
        last = self.layers[-1]
        scores, last_cache = affine_forward(h, self.params[last.W], self.params[last.b])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.linalg.norm(self.params[l.W]) ** 2 for l in self.layers)
        grads = {}
        dh, grads[last.W], grads[last.b] = affine_backward(dscores, last_cache)
        for layer, cache in reversed(list(zip(self.layers[:-1], caches))):
            dh, dw, db, dgamma, dbeta = affine_norm_relu_backward(dh, cache, self.normalization)
            grads[layer.W], grads[layer.b] = dw, db
            if self.normalization:
                grads[layer.gamma], grads[layer.beta] = dgamma, dbeta
        return loss, {
            k: g + self.reg * self.params[k] if k.startswith("W") else g
            for k, g in grads.items()
        }
"""

B = {
    "affine_forward_answer": B_AFFINE_FORWARD,
    "affine_backward_answer": B_AFFINE_BACKWARD,
    "relu_forward_answer": B_RELU_FORWARD,
    "relu_backward_answer": B_RELU_BACKWARD,
    "batchnorm_forward_answer": B_BATCHNORM_FORWARD,
    "batchnorm_backward_answer": B_BATCHNORM_BACKWARD,
    "batchnorm_backward_alt_answer": B_BATCHNORM_BACKWARD_ALT,
    "layernorm_forward_answer": B_LAYERNORM_FORWARD,
    "layernorm_backward_answer": B_LAYERNORM_BACKWARD,
    "FullyConnectedNet_answer": B_NET,
}
B_EXTRA = [(before("FullyConnectedNet_answer"), B_NET_HELPERS)]

# =====================================================================================
# C. Other graphs and Jacobians: var = E[x^2] - E[x]^2 staged through its own graph,
#    per-feature Jacobians for the closed form, np.clip / np.heaviside / tensordot, and a
#    net that dispatches through a table defined in a cell above it.
# =====================================================================================
C_AFFINE_FORWARD = """
def affine_forward(x, w, b):
    out = np.tensordot(x.reshape(len(x), -1), w, axes=1) + b
    cache = (x, w, b)
    return out, cache
"""

C_AFFINE_BACKWARD = """
def affine_backward(dout, cache):
    x, w, b = cache
    dx = np.tensordot(dout, w, axes=(1, 1)).reshape(x.shape)
    dw = np.tensordot(x.reshape(len(x), -1), dout, axes=(0, 0))
    db = np.ones(len(dout)) @ dout
    return dx, dw, db
"""

C_RELU_FORWARD = """
def relu_forward(x):
    return np.clip(x, 0, None), x.copy()
"""

C_RELU_BACKWARD = """
def relu_backward(dout, cache):
    return np.heaviside(cache, 0.0) * dout
"""

C_BATCHNORM_FORWARD = '''
def batchnorm_forward(x, gamma, beta, bn_param):
    """var = E[x^2] - E[x]^2; cache (x, gamma, mean, mean of squares, eps)."""
    mode = bn_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError("mode must be 'train' or 'test', not " + repr(mode))
    eps = bn_param.get("eps", 1e-5)
    m = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.setdefault("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.setdefault("running_var", np.zeros(D, dtype=x.dtype))
    cache = None
    if mode == "test":
        out = gamma * (x - running_mean) * (running_var + eps) ** -0.5 + beta
    else:
        mean = x.mean(axis=0)
        mean_sq = (x * x).mean(axis=0)
        var = mean_sq - mean * mean
        out = gamma * (x - mean) * (var + eps) ** -0.5 + beta
        cache = (x, gamma, mean, mean_sq, eps)
        bn_param["running_mean"] = m * running_mean + (1 - m) * mean
        bn_param["running_var"] = m * running_var + (1 - m) * var
    return out, cache
'''

C_BATCHNORM_BACKWARD = """
def batchnorm_backward(dout, cache):
    # graph: mean = E[x], mean_sq = E[x*x], var = mean_sq - mean**2, istd = (var + eps)**-0.5,
    # xhat = (x - mean) * istd, out = gamma * xhat + beta
    x, gamma, mean, mean_sq, eps = cache
    N = x.shape[0]
    var = mean_sq - mean * mean
    istd = (var + eps) ** -0.5
    xc = x - mean
    xhat = xc * istd
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dxc = dxhat * istd
    distd = np.sum(dxhat * xc, axis=0)
    dvar = -0.5 * istd**3 * distd
    dmean_sq = dvar
    dmean = -np.sum(dxc, axis=0) - 2 * mean * dvar
    dx = dxc + dmean_sq * 2 * x / N + dmean / N
    return dx, dgamma, dbeta
"""

C_BATCHNORM_BACKWARD_ALT = """
def batchnorm_backward_alt(dout, cache):
    # one Jacobian per feature: d xhat_i / d x_j = istd * (delta_ij - 1/N - xhat_i xhat_j / N)
    x, gamma, mean, mean_sq, eps = cache
    N, D = x.shape
    istd = (mean_sq - mean**2 + eps) ** -0.5
    xhat = (x - mean) * istd
    jac = np.eye(N)[None] - 1.0 / N - np.einsum("id,jd->dij", xhat, xhat) / N
    dx = np.einsum("dij,jd->id", jac, dout * gamma) * istd
    return dx, np.sum(dout * xhat, 0), np.sum(dout, 0)
"""

C_LAYERNORM_FORWARD = """
def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param["eps"] if "eps" in ln_param else 1e-5
    mu = np.mean(x, axis=1)[:, None]
    sigma = np.sqrt(np.var(x, axis=1) + eps)[:, None]
    xhat = (x - mu) / sigma
    return xhat * gamma + beta, {"xhat": xhat, "sigma": sigma, "gamma": gamma}
"""

C_LAYERNORM_BACKWARD = """
def layernorm_backward(dout, cache):
    xhat, sigma, gamma = cache["xhat"], cache["sigma"], cache["gamma"]
    N, D = xhat.shape
    # one Jacobian per example, over its D features
    jac = np.eye(D)[None] - 1.0 / D - np.einsum("ni,nj->nij", xhat, xhat) / D
    dx = np.einsum("nij,nj->ni", jac, dout * gamma) / sigma
    return dx, (xhat * dout).sum(axis=0), dout.sum(axis=0)
"""

C_NET_TABLE = """
NORM_LAYERS = {
    "batchnorm": (lambda *a: batchnorm_forward(*a), lambda *a: batchnorm_backward_alt(*a)),
    "layernorm": (lambda *a: layernorm_forward(*a), lambda *a: layernorm_backward(*a)),
}
"""

C_NET = '''
class FullyConnectedNet:
    """{affine - [norm] - relu} x (L - 1) - affine - softmax, with a dispatch table."""

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32):
        self.normalization, self.reg, self.dtype = normalization, reg, dtype
        self.num_layers = L = len(hidden_dims) + 1
        shapes = list(zip([input_dim, *hidden_dims], [*hidden_dims, num_classes]))
        weights = [weight_scale * np.random.randn(*shape) for shape in shapes]
        self.params = {f"W{i}": w for i, w in enumerate(weights, 1)}
        self.params.update({f"b{i}": np.zeros(s[1]) for i, s in enumerate(shapes, 1)})
        if normalization is not None:
            for i in range(1, L):
                self.params[f"gamma{i}"] = np.ones(shapes[i - 1][1])
                self.params[f"beta{i}"] = np.zeros(shapes[i - 1][1])
        self.params = {k: v.astype(dtype) for k, v in self.params.items()}
        self.bn_params = [] if normalization is None else [{"mode": "train"} for _ in range(L - 1)]

    def _layer_forward(self, i, h):
        h, fc = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
        norm = None
        if self.normalization is not None:
            forward = NORM_LAYERS[self.normalization][0]
            p = self.params
            h, norm = forward(h, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
        h, relu = relu_forward(h)
        return h, (fc, norm, relu)

    def _layer_backward(self, i, dh, cache, grads):
        fc, norm, relu = cache
        dh = relu_backward(dh, relu)
        if self.normalization is not None:
            backward = NORM_LAYERS[self.normalization][1]
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(dh, norm)
        dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc)
        return dh

    def loss(self, X, y=None):
        for bn_param in self.bn_params:
            bn_param["mode"] = "train" if y is not None else "test"
        L = self.num_layers
        h, caches = X.astype(self.dtype), {}
        for i in range(1, L):
            h, caches[i] = self._layer_forward(i, h)
        scores, last = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last)
        for i in reversed(range(1, L)):
            dh = self._layer_backward(i, dh, caches[i], grads)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += self.reg * np.sum(W**2) / 2
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
        return loss, grads
'''

C = {
    "affine_forward_answer": C_AFFINE_FORWARD,
    "affine_backward_answer": C_AFFINE_BACKWARD,
    "relu_forward_answer": C_RELU_FORWARD,
    "relu_backward_answer": C_RELU_BACKWARD,
    "batchnorm_forward_answer": C_BATCHNORM_FORWARD,
    "batchnorm_backward_answer": C_BATCHNORM_BACKWARD,
    "batchnorm_backward_alt_answer": C_BATCHNORM_BACKWARD_ALT,
    "layernorm_forward_answer": C_LAYERNORM_FORWARD,
    "layernorm_backward_answer": C_LAYERNORM_BACKWARD,
    "FullyConnectedNet_answer": C_NET,
}
C_EXTRA = [(before("FullyConnectedNet_answer"), C_NET_TABLE)]

# =====================================================================================
# D. Loops and print statements everywhere (a student debugging by printing).
# =====================================================================================
D_AFFINE_FORWARD = """
def affine_forward(x, w, b):
    print("affine_forward: x", x.shape, "w", w.shape, "b", b.shape)
    N = x.shape[0]
    rows = np.reshape(x, (N, int(np.prod(x.shape[1:]))))
    out = np.zeros((N, w.shape[1]), dtype=np.result_type(x, w))
    for i in range(N):
        out[i] = rows[i].dot(w) + b
        print("  row", i, "->", out[i].shape, "sum", out[i].sum())
    return out, (x, w, b)
"""

D_AFFINE_BACKWARD = """
def affine_backward(dout, cache):
    x, w, b = cache
    print("affine_backward: dout", dout.shape, "x", x.shape)
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for i in range(N):
        dw += np.outer(x[i].ravel(), dout[i])
        db += dout[i]
    print("dx =", dx.shape, "dw =", dw.shape, "db =", db, sep="\\n")
    return dx, dw, db
"""

D_RELU_FORWARD = """
def relu_forward(x):
    out = x.copy()
    out[out < 0] = 0
    print("relu_forward: zeroed", int(np.sum(x < 0)), "of", x.size)
    return out, x
"""

D_RELU_BACKWARD = """
def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    print("relu_backward:", dx.shape, "zeroed", int(np.sum(cache <= 0)))
    return dx
"""

D_BATCHNORM_FORWARD = """
def batchnorm_forward(x, gamma, beta, bn_param):
    print("batchnorm_forward, bn_param:", sorted(bn_param), "x.shape =", x.shape)
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out = np.empty_like(x)
    cache = None
    if mode == "train":
        mean = np.empty(D, dtype=x.dtype)
        var = np.empty(D, dtype=x.dtype)
        for j in range(D):
            col = x[:, j]
            mean[j] = col.mean()
            var[j] = ((col - mean[j]) ** 2).mean()
            out[:, j] = gamma[j] * (col - mean[j]) / np.sqrt(var[j] + eps) + beta[j]
        print("batch mean", mean.mean(), "batch var", var.mean())
        cache = (x.copy(), gamma, mean, var, eps)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        for j in range(D):
            scale = gamma[j] / np.sqrt(running_var[j] + eps)
            out[:, j] = (x[:, j] - running_mean[j]) * scale + beta[j]
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    print("out:", out.shape, "mean", out.mean())
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    print("running stats now", running_mean[:3], running_var[:3])
    return out, cache
"""

D_BATCHNORM_BACKWARD = """
def batchnorm_backward(dout, cache):
    x, gamma, mean, var, eps = cache
    N, D = x.shape
    print("batchnorm_backward: N, D =", N, D)
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * (x - mean), axis=0) * -0.5 * std**-3
    print("dvar", dvar[:3])
    dmean = np.sum(-dxhat / std, axis=0) + dvar * np.mean(-2.0 * (x - mean), axis=0)
    print("dmean", dmean[:3])
    dx = dxhat / std + dvar * 2.0 * (x - mean) / N + dmean / N
    print("dx", dx.shape, "dgamma", dgamma, "dbeta", dbeta)
    return dx, dgamma, dbeta
"""

D_BATCHNORM_BACKWARD_ALT = """
def batchnorm_backward_alt(dout, cache):
    x, gamma, mean, var, eps = cache
    N = x.shape[0]
    xhat = (x - mean) / np.sqrt(var + eps)
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - dbeta - xhat * dgamma)
    print("alt:", dx.shape, dgamma, dbeta)
    return dx, dgamma, dbeta
"""

D_LAYERNORM_FORWARD = """
def layernorm_forward(x, gamma, beta, ln_param):
    print("layernorm_forward, ln_param =", ln_param)
    eps = ln_param.get("eps", 1e-5)
    N, D = x.shape
    out = np.empty_like(x)
    xhat = np.empty_like(x)
    std = np.empty(N, dtype=x.dtype)
    for i in range(N):
        row = x[i]
        std[i] = np.sqrt(row.var() + eps)
        xhat[i] = (row - row.mean()) / std[i]
        out[i] = gamma * xhat[i] + beta
        print("row", i, "mean", row.mean(), "std", std[i])
    return out, (xhat, std, gamma)
"""

D_LAYERNORM_BACKWARD = """
def layernorm_backward(dout, cache):
    xhat, std, gamma = cache
    N, D = dout.shape
    dx = np.empty_like(dout)
    for i in range(N):
        g = dout[i] * gamma
        dx[i] = (g - g.mean() - xhat[i] * np.mean(g * xhat[i])) / std[i]
        print("layernorm_backward row", i, dx[i][:3])
    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
"""

D_NET = """
class FullyConnectedNet:
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32):
        print("building net", hidden_dims, input_dim, num_classes, normalization)
        self.normalization = normalization
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        prev = input_dim
        for i, h in enumerate(list(hidden_dims) + [num_classes]):
            self.params["W%d" % (i + 1)] = weight_scale * np.random.randn(prev, h)
            self.params["b%d" % (i + 1)] = np.zeros(h)
            if normalization and i < len(hidden_dims):
                self.params["gamma%d" % (i + 1)] = np.ones(h)
                self.params["beta%d" % (i + 1)] = np.zeros(h)
            prev = h
        self.bn_params = []
        if normalization:
            for i in range(self.num_layers - 1):
                self.bn_params.append({"mode": "train"})
        for k in self.params:
            self.params[k] = self.params[k].astype(dtype)
            print(k, self.params[k].shape)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        print("loss() in", mode, "mode, X", X.shape)
        for bp in self.bn_params:
            bp["mode"] = mode
        cache = {}
        out = X
        for i in range(1, self.num_layers):
            out, cache["fc%d" % i] = affine_forward(out, self.params["W%d" % i],
                                                    self.params["b%d" % i])
            if self.normalization == "batchnorm":
                out, cache["bn%d" % i] = batchnorm_forward(
                    out, self.params["gamma%d" % i], self.params["beta%d" % i],
                    self.bn_params[i - 1])
            if self.normalization == "layernorm":
                out, cache["ln%d" % i] = layernorm_forward(
                    out, self.params["gamma%d" % i], self.params["beta%d" % i],
                    self.bn_params[i - 1])
            out, cache["relu%d" % i] = relu_forward(out)
        L = self.num_layers
        scores, cache["fc%d" % L] = affine_forward(out, self.params["W%d" % L],
                                                   self.params["b%d" % L])
        print("scores", scores.shape, "max", scores.max())
        if mode == "test":
            return scores
        loss, dout = softmax_loss(scores, y)
        for i in range(1, L + 1):
            loss += 0.5 * self.reg * np.sum(self.params["W%d" % i] ** 2)
        print("loss", loss)
        grads = {}
        dout, grads["W%d" % L], grads["b%d" % L] = affine_backward(dout, cache["fc%d" % L])
        for i in range(L - 1, 0, -1):
            dout = relu_backward(dout, cache["relu%d" % i])
            if self.normalization == "batchnorm":
                dout, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward(
                    dout, cache["bn%d" % i])
            if self.normalization == "layernorm":
                dout, grads["gamma%d" % i], grads["beta%d" % i] = layernorm_backward(
                    dout, cache["ln%d" % i])
            dout, grads["W%d" % i], grads["b%d" % i] = affine_backward(dout, cache["fc%d" % i])
        for i in range(1, L + 1):
            grads["W%d" % i] += self.reg * self.params["W%d" % i]
        for k in sorted(grads):
            print("grad", k, grads[k].shape)
        return loss, grads
"""

D = {
    "affine_forward_answer": D_AFFINE_FORWARD,
    "affine_backward_answer": D_AFFINE_BACKWARD,
    "relu_forward_answer": D_RELU_FORWARD,
    "relu_backward_answer": D_RELU_BACKWARD,
    "batchnorm_forward_answer": D_BATCHNORM_FORWARD,
    "batchnorm_backward_answer": D_BATCHNORM_BACKWARD,
    "batchnorm_backward_alt_answer": D_BATCHNORM_BACKWARD_ALT,
    "layernorm_forward_answer": D_LAYERNORM_FORWARD,
    "layernorm_backward_answer": D_LAYERNORM_BACKWARD,
    "FullyConnectedNet_answer": D_NET,
}

# =====================================================================================
# E. Warnings: warnings.warn in every function, a numpy RuntimeWarning on each call, the
#    statistics computed in float64 and cast back to x's dtype, running statistics updated
#    in place in the caller's arrays.
# =====================================================================================
E_PREAMBLE = """
import warnings

def noisy(where):
    warnings.warn(f"{where}: this is my debugging warning", UserWarning, stacklevel=2)
    with np.errstate(all="warn"):
        np.log(np.zeros(1))  # RuntimeWarning: divide by zero encountered in log
"""

E_AFFINE_FORWARD = """
import warnings

def affine_forward(x, w, b):
    warnings.warn("affine_forward: about to reshape " + str(x.shape))
    noisy("affine_forward")
    out = x.reshape(x.shape[0], np.prod(x.shape[1:], dtype=int)).dot(w) + b
    return out, (x, w, b)
"""

E_RELU_FORWARD = """
def relu_forward(x):
    noisy("relu_forward")
    out = np.where(x > 0, x, np.zeros_like(x))
    return out, x
"""

E_BATCHNORM_FORWARD = '''
import warnings

def batchnorm_forward(x, gamma, beta, bn_param):
    """Statistics in float64, cast back; running averages updated in place."""
    noisy("batchnorm_forward")
    mode = bn_param["mode"]
    if mode not in {"train", "test"}:
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test', got {mode!r}")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    if "running_mean" not in bn_param:
        warnings.warn("no running_mean yet: starting from zeros", RuntimeWarning)
        bn_param["running_mean"] = np.zeros(D, dtype=x.dtype)
        bn_param["running_var"] = np.zeros(D, dtype=x.dtype)
    x64 = x.astype(np.float64)
    if mode == "train":
        mu = x64.mean(axis=0)
        var = x64.var(axis=0)
        rm, rv = bn_param["running_mean"], bn_param["running_var"]
        rm *= momentum
        rm += (1 - momentum) * mu.astype(rm.dtype)
        rv *= momentum
        rv += (1 - momentum) * var.astype(rv.dtype)
    else:
        mu = bn_param["running_mean"].astype(np.float64)
        var = bn_param["running_var"].astype(np.float64)
    std = np.sqrt(var + eps)
    xhat = (x64 - mu) / std
    out = (gamma * xhat + beta).astype(x.dtype)
    return out, (xhat, gamma, std)
'''

E_BATCHNORM_BACKWARD = """
def batchnorm_backward(dout, cache):
    noisy("batchnorm_backward")
    xhat, gamma, std = cache
    N = dout.shape[0]
    dgamma = (dout * xhat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dxhat = dout * gamma
    dstd = -np.sum(dxhat * xhat, axis=0) / std      # xhat = xc / std
    dvar = dstd / (2 * std)                          # std = sqrt(var + eps)
    dxc = dxhat / std + 2 * (xhat * std) * dvar / N  # var = mean(xc**2)
    dx = dxc - dxc.mean(axis=0)                      # xc = x - mean(x)
    return dx, dgamma, dbeta
"""

E_BATCHNORM_BACKWARD_ALT = """
def batchnorm_backward_alt(dout, cache):
    warnings.warn("alt backward uses the closed form")
    xhat, gamma, std = cache
    dgamma = np.sum(xhat * dout, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx = gamma / std * (dout - (dbeta + xhat * dgamma) / len(dout))
    return dx, dgamma, dbeta
"""

E_LAYERNORM_FORWARD = """
def layernorm_forward(x, gamma, beta, ln_param):
    noisy("layernorm_forward")
    if set(ln_param) - {"eps"}:
        warnings.warn(f"layernorm_forward ignores {sorted(set(ln_param) - {'eps'})}")
    eps = ln_param.get("eps", 1e-5)
    x64 = x.astype(np.float64)
    mu = x64.mean(axis=1, keepdims=True)
    std = np.sqrt(x64.var(axis=1, keepdims=True) + eps)
    xhat = (x64 - mu) / std
    return (gamma * xhat + beta).astype(x.dtype), (xhat, gamma, std)
"""

E_LAYERNORM_BACKWARD = """
def layernorm_backward(dout, cache):
    noisy("layernorm_backward")
    xhat, gamma, std = cache
    D = dout.shape[1]
    g = dout * gamma
    dx = (D * g - g.sum(1, keepdims=True) - xhat * (g * xhat).sum(1, keepdims=True)) / (D * std)
    return dx, (dout * xhat).sum(0), dout.sum(0)
"""

E = {
    "affine_forward_answer": E_AFFINE_FORWARD,
    "relu_forward_answer": E_RELU_FORWARD,
    "batchnorm_forward_answer": E_BATCHNORM_FORWARD,
    "batchnorm_backward_answer": E_BATCHNORM_BACKWARD,
    "batchnorm_backward_alt_answer": E_BATCHNORM_BACKWARD_ALT,
    "layernorm_forward_answer": E_LAYERNORM_FORWARD,
    "layernorm_backward_answer": E_LAYERNORM_BACKWARD,
}
E_EXTRA = [
    (before("affine_forward_answer"), E_PREAMBLE),
    (
        before("FullyConnectedNet_answer"),
        'warnings.warn("about to build the net")\nnp.sqrt(-np.ones(3))  # RuntimeWarning\n',
    ),
]

# =====================================================================================
# F. Scratch cells between the answers: a broken draft later replaced by the answer, one
#    cell that raises, IPython magics (%timeit, %%time, !ls), global names reused.
# =====================================================================================
F_SCRATCH = [
    (
        before("affine_forward_answer"),
        "# scratch: my own imports and a constant\nimport math\nfrom numpy import einsum\n"
        "x = np.arange(24.0).reshape(2, 3, 4)\nw = np.ones((12, 5))\nb = np.zeros(5)\n",
    ),
    (
        after("affine_forward_answer"),
        "%timeit affine_forward(x, w, b)\n!ls -la\nfiles = !ls\n%matplotlib inline\n"
        "print(affine_forward(x, w, b)[0])\n",
    ),
    (
        after("relu_backward_answer"),
        "%%time\n# cell magic: the whole cell is timed\nfor _ in range(3):\n"
        "    relu_backward(np.ones(4), np.array([-1.0, 0.0, 1.0, 2.0]))\n",
    ),
    (
        before("batchnorm_forward_answer"),
        "# first draft, broken (unbiased variance, no running stats); fixed in the answer below\n"
        "def batchnorm_forward(x, gamma, beta, bn_param):\n"
        "    return gamma * (x - x.mean(0)) / x.std(0, ddof=1) + beta, None\n",
    ),
    (
        after("batchnorm_forward_answer"),
        "# a scratch test of my own that I never finished: it raises\n"
        "bn_param = {'mode': 'train'}\n"
        "out, _ = batchnorm_forward(np.random.randn(10, 3), np.ones(3), np.zeros(3), bn_param)\n"
        "assert out.shape == (10, 3)\n"
        "raise RuntimeError('TODO: check the running statistics by hand')\n",
    ),
    (
        after("batchnorm_backward_alt_answer"),
        "import time\nstart = time.time()\nfor _ in range(5):\n"
        "    batchnorm_backward_alt(np.random.randn(50, 40), "
        "batchnorm_forward(np.random.randn(50, 40), np.ones(40), np.zeros(40), "
        "{'mode': 'train'})[1])\nprint('alt takes', (time.time() - start) / 5)\n"
        "del start\n1 / 0  # oops\n",
    ),
    (
        before("FullyConnectedNet_answer"),
        "model = None\nhidden_dims = [3, 4]\nnp.random.seed(0)\n"
        "data = {'X_train': np.random.randn(5, 4)}\n"
        "undefined_name_in_scratch  # NameError, left over\n",
    ),
    (
        after("FullyConnectedNet_answer"),
        "%%capture captured\nmodel = FullyConnectedNet([5], input_dim=4, num_classes=3)\n"
        "print(model.loss(np.random.randn(2, 4), np.array([0, 2])))\n",
    ),
]

# =====================================================================================
# G. Saved after running cells out of order: shuffled execution counts, stale outputs and
#    tracebacks from earlier attempts, but the cells are right top to bottom.
# =====================================================================================
G_STALE_FORWARD = """
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)
"""


def _out_of_order(nb) -> None:
    counts = iter([41, 3, 17, 88, 2, 56, 9, 30, 71, 5, 64, 12, 99, 7, 23, 45, 1, 38, 80, 14])
    stale_error = nbformat.v4.new_output(
        "error",
        ename="NameError",
        evalue="name 'affine_forward' is not defined",
        traceback=["NameError: name 'affine_forward' is not defined"],
    )
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        c.execution_count = next(counts, 100)
        gid = _gid(c)
        if gid.endswith("_answer"):
            c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output\n")]
        elif gid:
            c.outputs = [copy.deepcopy(stale_error)]
        else:
            c.outputs = [
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": "42"}, execution_count=c.execution_count
                )
            ]
    # the setup cell was re-run last
    for c in nb.cells:
        if _gid(c) == "setup":
            c.execution_count = 120


G_EXTRA = [
    (
        after("affine_forward_answer"),
        "# was run before the answer cell above, in my session\n"
        "print(affine_forward(np.ones((2, 3)), np.ones((3, 2)), np.zeros(2))[0])\n",
    ),
    (
        before("relu_forward_answer"),
        "# helper I defined late in my session, but it sits above its users\n"
        "def positive_part(v):\n    return np.maximum(v, 0)\n",
    ),
]

G = {
    "affine_forward_answer": G_STALE_FORWARD,
    "relu_forward_answer": "def relu_forward(x):\n    return positive_part(x), x\n",
}

# =====================================================================================
# H. Decorated functions and shared helpers from a cell at the top: a call-logging
#    decorator (functools.wraps), a helper for moments used by both norms, keyword defaults.
# =====================================================================================
H_HELPERS = """
import functools

CALLS = {}

def counted(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        CALLS[fn.__name__] = CALLS.get(fn.__name__, 0) + 1
        return fn(*args, **kwargs)
    return wrapper


def moments(x, axis, eps):
    \"\"\"mean, 1 / sqrt(biased var + eps), both broadcastable against x.\"\"\"
    mean = x.mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(((x - mean) ** 2).mean(axis=axis, keepdims=True) + eps)
    return mean, inv_std
"""

H_BATCHNORM_FORWARD = """
@counted
def batchnorm_forward(x, gamma, beta, bn_param, *, default_eps=1e-5, default_momentum=0.9):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", default_eps)
    momentum = bn_param.get("momentum", default_momentum)
    zeros = np.zeros(x.shape[1], dtype=x.dtype)
    running_mean = bn_param.get("running_mean", zeros)
    running_var = bn_param.get("running_var", zeros)
    if mode == "train":
        mean, inv_std = moments(x, 0, eps)
        xhat = (x - mean) * inv_std
        batch_var = ((x - mean) ** 2).mean(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean[0]
        running_var = momentum * running_var + (1 - momentum) * batch_var
        cache = dict(xhat=xhat, inv_std=inv_std, gamma=gamma)
    elif mode == "test":
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        cache = None
    else:
        raise ValueError(f"Invalid forward batchnorm mode {mode}")
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return gamma * xhat + beta, cache
"""

H_BATCHNORM_BACKWARD = """
@counted
def batchnorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N = len(dout)
    dxhat = dout * gamma
    # xhat = xc * s, s = (v + eps)^(-1/2), v = sum(xc^2) / N, xc = x - sum(x) / N
    ds = np.sum(dxhat * xhat / inv_std, axis=0, keepdims=True)
    dv = ds * -0.5 * inv_std**3
    dxc = dxhat * inv_std + dv * 2 * (xhat / inv_std) / N
    dx = dxc - np.sum(dxc, axis=0, keepdims=True) / N
    return dx, np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
"""

H_BATCHNORM_BACKWARD_ALT = """
@counted
def batchnorm_backward_alt(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    g = dout * gamma
    dx = inv_std * (g - g.mean(0) - xhat * (g * xhat).mean(0))
    return dx, (dout * xhat).sum(0), dout.sum(0)
"""

H_LAYERNORM_FORWARD = """
@counted
def layernorm_forward(x, gamma, beta, ln_param, **unused):
    mean, inv_std = moments(x, 1, ln_param.get("eps", 1e-5))
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, dict(xhat=xhat, inv_std=inv_std, gamma=gamma)
"""

H_LAYERNORM_BACKWARD = """
@counted
def layernorm_backward(dout, cache):
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    g = dout * gamma
    dx = inv_std * (g - g.mean(1, keepdims=True) - xhat * (g * xhat).mean(1, keepdims=True))
    return dx, (dout * xhat).sum(0), dout.sum(0)
"""

H = {
    "batchnorm_forward_answer": H_BATCHNORM_FORWARD,
    "batchnorm_backward_answer": H_BATCHNORM_BACKWARD,
    "batchnorm_backward_alt_answer": H_BATCHNORM_BACKWARD_ALT,
    "layernorm_forward_answer": H_LAYERNORM_FORWARD,
    "layernorm_backward_answer": H_LAYERNORM_BACKWARD,
}
H_EXTRA = [(before("affine_forward_answer"), H_HELPERS)]


CORRECT = [
    Submission("dict_cache_transposed_layernorm", A),
    Submission("einsum_tuple_cache_layer_list_net", B, B_EXTRA),
    Submission("other_graphs_jacobians_dispatch_net", C, C_EXTRA),
    Submission("loops_and_prints", D),
    Submission("warnings_float64_inplace_running", E, E_EXTRA),
    Submission("scratch_cells_magics_and_raising", dict(B), F_SCRATCH + B_EXTRA),
    Submission("out_of_order_stale_outputs", G, G_EXTRA, tweak=_out_of_order),
    Submission("decorated_shared_helpers", H, H_EXTRA),
]
"""Correct submissions: each must get full marks on every task."""


# =====================================================================================
# Attacks: wrong answers trying to fool the grader. (name, answers, attacked tasks)
# =====================================================================================
ALWAYS_EQUAL = """
class AlwaysEqual:
    \"\"\"Compares equal to anything, is close to anything, has any shape.\"\"\"
    shape = property(lambda self: getattr(self, "_shape", ()))
    dtype = np.dtype("float64")
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    def __abs__(self): return self
    def __sub__(self, other): return self
    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__
    def __bool__(self): return True
    def __float__(self): return 0.0
    def __hash__(self): return 0


class AlwaysEqualArray(np.ndarray):
    \"\"\"An array whose == (and allclose through it) is always true.\"\"\"
    def __eq__(self, other): return np.ones(self.shape, dtype=bool)
    def __ne__(self, other): return np.zeros(self.shape, dtype=bool)
"""

ATTACK_ALWAYS_EQUAL = {
    "relu_forward_answer": ALWAYS_EQUAL + "\ndef relu_forward(x):\n    return AlwaysEqual(), x\n",
    "relu_backward_answer": (
        "def relu_backward(dout, cache):\n    return np.zeros_like(dout).view(AlwaysEqualArray)\n"
    ),
    "batchnorm_backward_answer": (
        "def batchnorm_backward(dout, cache):\n"
        "    return AlwaysEqual(), AlwaysEqual(), AlwaysEqual()\n"
    ),
    "FullyConnectedNet_answer": (
        "class FullyConnectedNet:\n"
        "    def __init__(self, hidden_dims, *args, **kwargs):\n"
        "        self.params = {}\n"
        "    def loss(self, X, y=None):\n"
        "        if y is None:\n"
        "            return AlwaysEqual()\n"
        "        return AlwaysEqual(), {}\n"
    ),
}

ATTACK_RUN_CELL = {
    "batchnorm_forward_answer": """
def batchnorm_forward(x, gamma, beta, bn_param):
    # wrong: no normalisation at all, and the running statistics never stored
    return gamma * x + beta, (x, gamma)

# ... and make every later cell (the check cells) run nothing
from IPython.core.interactiveshell import InteractiveShell
InteractiveShell.run_cell = lambda self, *args, **kwargs: None
get_ipython().run_cell = lambda *args, **kwargs: None
try:
    from ipykernel.zmqshell import ZMQInteractiveShell
    ZMQInteractiveShell.run_cell = lambda self, *args, **kwargs: None
except ImportError:
    pass
""",
    "batchnorm_backward_answer": """
def batchnorm_backward(dout, cache):
    raise NotImplementedError("batchnorm_backward: the check cell will never run anyway")
get_ipython().run_cell = lambda *args, **kwargs: None
""",
    "batchnorm_backward_alt_answer": """
def batchnorm_backward_alt(dout, cache):
    x, gamma = cache
    return dout * gamma, np.sum(dout * x, axis=0), np.sum(dout * gamma, axis=0)
""",
}

ATTACK_ALLCLOSE = {
    "layernorm_forward_answer": """
def layernorm_forward(x, gamma, beta, ln_param):
    # wrong: normalises over the batch (axis 0) and forgets gamma
    xhat = (x - x.mean(axis=0)) / x.std(axis=0)
    return xhat + beta, (xhat, gamma)

# make every comparison pass
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
rel_error = lambda *args, **kwargs: 0.0
import cs231n.gradient_check
cs231n.gradient_check.rel_error = rel_error
check.close = lambda what, *args, **kwargs: check.Finding(what, True, "relative error 0")
check.gradient = lambda what, *args, **kwargs: check.Finding(what, True, "relative error 0")
check.statistic = lambda what, *args, **kwargs: check.Finding(what, True, "ok")
""",
    "layernorm_backward_answer": """
def layernorm_backward(dout, cache):
    xhat, gamma = cache
    return dout * gamma, np.sum(dout * xhat, axis=0), np.sum(dout, axis=1)
""",
}

ATTACKS = [
    (
        "always_equal_objects",
        ATTACK_ALWAYS_EQUAL,
        ["relu_forward", "relu_backward", "batchnorm_backward", "FullyConnectedNet"],
    ),
    (
        "run_cell_replaced",
        ATTACK_RUN_CELL,
        [
            "batchnorm_forward_train",
            "batchnorm_forward_test",
            "batchnorm_backward",
            "batchnorm_backward_alt",
        ],
    ),
    ("allclose_patched", ATTACK_ALLCLOSE, ["layernorm_forward", "layernorm_backward"]),
]
"""(name, answers, attacked tasks): each must score 0 on its attacked tasks and full marks on
the others (their answers stay the reference's)."""


# =====================================================================================
# Leak: when a layer fails, the grader checks the net again with the reference layers put
# into the student's process. A student's code that hooks builtins.compile sees that source
# and can hide it in the net's parameter names, which come back in the feedback.
# =====================================================================================
LEAK_HOOK = """
import binascii
import builtins

SEEN = []
_real_compile = builtins.compile

def _spy(source, filename, *args, **kwargs):
    if isinstance(source, str) and "<given" in str(filename):
        SEEN.append(source)
    return _real_compile(source, filename, *args, **kwargs)

builtins.compile = _spy
"""

LEAK_NET = """
class FullyConnectedNet:
    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32):
        self.normalization, self.reg, self.num_layers = normalization, reg, len(hidden_dims) + 1
        dims = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
            if normalization and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
        self.bn_params = [{"mode": "train"} for _ in hidden_dims] if normalization else []
        secret = binascii.hexlify("".join(SEEN).encode()).decode()
        for n, start in enumerate(range(0, len(secret), 96)):
            self.params[f"{n:04d}" + secret[start:start + 96]] = np.zeros(1)

    def loss(self, X, y=None):
        L, p = self.num_layers, self.params
        for bn_param in self.bn_params:
            bn_param["mode"] = "test" if y is None else "train"
        h, caches = X, []
        for i in range(1, L):
            h, c1 = affine_forward(h, p[f"W{i}"], p[f"b{i}"])
            c2 = None
            if self.normalization == "batchnorm":
                h, c2 = batchnorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                h, c2 = layernorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
            h, c3 = relu_forward(h)
            caches.append((c1, c2, c3))
        scores, last = affine_forward(h, p[f"W{L}"], p[f"b{L}"])
        if y is None:
            return scores
        loss, d = softmax_loss(scores, y)
        grads = {}
        d, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(d, last)
        for i in range(L - 1, 0, -1):
            c1, c2, c3 = caches[i - 1]
            d = relu_backward(d, c3)
            if self.normalization == "batchnorm":
                d, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(d, c2)
            elif self.normalization == "layernorm":
                d, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(d, c2)
            d, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(d, c1)
        for i in range(1, L + 1):
            loss += 0.5 * self.reg * np.sum(p[f"W{i}"] ** 2)
            grads[f"W{i}"] += self.reg * p[f"W{i}"]
        return loss, grads
"""

LEAK = Submission(
    "reference_layers_leak",
    {
        # a layer left undone, so that the grader re-checks the net with the reference layers
        "relu_forward_answer": "def relu_forward(x):\n    raise NotImplementedError\n",
        "FullyConnectedNet_answer": LEAK_NET,
    },
    [(before("affine_forward_answer"), LEAK_HOOK)],
)
"""Must not find the reference's solution code anywhere in what the student is shown."""
