"""The arithmetic of normalization mistakes, shared by the normalization tasks' declarations:
each computes what a function with one mistake returns on the hidden inputs."""

from __future__ import annotations

import numpy as np

from ...sandboxed.probes import after, numerical
from ..model import Check, CheckKind, Probe

TRAIN = {"mode": "train", "eps": "@eps?", "momentum": "@momentum?"}
"""A train-mode bn_param: eps and momentum where the part's inputs set them."""
RUNNING = ("running_mean", "running_var")
"""The entries of a bn_param that a call leaves behind (reported after it)."""
GRADS = ("dx", "dgamma", "dbeta")
CONSISTENCY = {"grads": {grad: numerical(grad) for grad in GRADS}}
"""A normalization's backward, judged also against the numerical gradients of its own forward."""


def backward_probe(forward: str, backward: str, param: dict) -> Probe:
    """A normalization's backward through the cache of the student's own forward."""
    args = {"forward": forward, "backward": backward, "args": ("x", "gamma", "beta")}
    return Probe("backward", {**args, "grads": GRADS, "param": param})


def side_checks(part: str) -> tuple[Check, ...]:
    """A backward's checks beside its values: dx against the numerical gradient of the
    student's own forward, dout and the cache left as they were."""
    return (
        Check(part, "dx", CheckKind.NUMERIC, 1, "dx", numerical("dx")),
        Check(part, after("dout"), CheckKind.UNCHANGED, 1, "dout unchanged by the call", "dout"),
        Check(part, "cache_intact", CheckKind.INTACT, 1, "the cache unchanged by the call"),
    )


WRONG_AXIS = "{key} is summed over the wrong axis: sum over the batch, axis 0"

THROUGH_THE_CACHE = ("grads",)
"""A backward's part that runs through its forward's cache: checked again, when that forward
failed, with the reference's forward in place of the student's (a mistake costs once)."""
RERUN_NOTE = (
    "Cause upstream: {failed} did not get full marks, so your backward was checked again "
    "through your own forward's cache with its values corrected: a mistake there costs points "
    "only there"
)


def stats(x, ddof=0):
    return x.mean(axis=0), x.var(axis=0, ddof=ddof)


def bn(x, gamma, beta, mean, var, eps=1e-5, root=True, eps_inside=True):
    if not root:
        scale = var + eps
    elif eps_inside:
        scale = np.sqrt(var + eps)
    else:
        scale = np.sqrt(var) + eps
    return gamma * (x - mean) / scale + beta


def eps(inp):
    return float(inp["eps"]) if "eps" in inp else 1e-5


def bn_train(inp, **kw):
    mean, var = stats(inp["x"], kw.pop("ddof", 0))
    return bn(inp["x"], inp["gamma"], inp["beta"], mean, var, **kw)


def ln(inp, ddof=0, axis=1):
    x = inp["x"]
    mean = x.mean(axis=axis, keepdims=True)
    std = np.sqrt(x.var(axis=axis, ddof=ddof, keepdims=True) + eps(inp))
    return inp["gamma"] * (x - mean) / std + inp["beta"]


def bn_dx_without(inp, path):
    """Batch norm's dx with one path of the graph dropped (or sums for means)."""
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


def sums_wrong_axis(inp, axis):
    """dgamma and dbeta summed over the features (axis 1) instead of the batch, for a
    normalization whose statistics run over ``axis`` (0: batch norm, 1: layer norm)."""
    x = inp["x"]
    mean = x.mean(axis=axis, keepdims=True)
    xhat = (x - mean) / np.sqrt(np.mean((x - mean) ** 2, axis=axis, keepdims=True) + eps(inp))
    return {
        "dgamma": np.sum(inp["dout"] * xhat, axis=1),
        "dbeta": np.sum(inp["dout"], axis=1),
    }
