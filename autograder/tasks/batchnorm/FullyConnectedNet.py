"""Task FullyConnectedNet: {affine - [batch/layer norm] - relu} x (L - 1) - affine - softmax,
its parameters, loss, gradients and test-mode scores."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._draws import dims
from ..model import EARLIER_TASKS, Check, CheckKind, Mistake, Part, Probe, Task

CLASS = "FullyConnectedNet"
NORMALIZED = {
    "batchnorm": "with batch norm",
    "layernorm": "with layer norm",
    "plain": "without norm",
}
LAYERNORM_RUNS_BATCHNORM = (
    "with normalization='layernorm' your net runs batch norm: call layernorm_forward and "
    "layernorm_backward"
)


def draw(rng):
    d, c = dims(rng, 5, 9), dims(rng, 3, 6)
    hidden = np.array([dims(rng, 4, 8), dims(rng, 9, 12)])  # different sizes
    n = dims(rng, 6, 10)

    def loss_case(normalization, reg):
        sizes = [d, *hidden, c]
        case = {
            "hidden_dims": hidden,
            "num_classes": np.array(c),
            "normalization": np.array(normalization),
            "reg": np.array(reg),
            "weight_scale": np.array(0.1),
            "train_steps": np.array(2),
            "X": rng.standard_normal((n, d)) * 2 + 1,
            "y": rng.integers(0, c, n),
            "X_test": rng.standard_normal((n - 2, d)) * 2 + 1,
        }
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
            case[f"param_W{layer}"] = rng.standard_normal((fan_in, fan_out)) * 0.3
            case[f"param_b{layer}"] = rng.standard_normal(fan_out) * 0.1
            if normalization and layer < len(sizes) - 1:
                case[f"param_gamma{layer}"] = rng.uniform(0.5, 1.5, fan_out)
                case[f"param_beta{layer}"] = rng.standard_normal(fan_out) * 0.1
        return case

    init = {
        "hidden_dims": hidden,
        "num_classes": np.array(c),
        "normalization": np.array(1),
        "reg": np.array(0.0),
        "weight_scale": np.array(rng.uniform(0.05, 0.5)),
        "seed": np.array(rng.integers(0, 2**31)),
        "X": np.zeros((1, d)),
        "float32": np.array(1),
    }
    return {
        "init": init,
        "batchnorm": loss_case(1, rng.uniform(0.1, 2.0)),
        "layernorm": loss_case(2, rng.uniform(0.1, 2.0)),
        "plain": loss_case(0, rng.uniform(0.1, 2.0)),
    }


# ---------------------------------------------------------------- known mistakes
def _net(inp, ref, norm=""):
    """The reference net with the hidden inputs' parameters (its own initial draws come from a
    private generator: see ``grading.reference``)."""
    if norm == "":
        norm = {0: None, 1: "batchnorm", 2: "layernorm"}[int(inp["normalization"])]
    net = ref.private_random(CLASS)(
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


def _loss_variant(inp, ref, **changes):
    """The reference net's loss, with the L2 penalty changed."""
    loss, _ = _net(inp, ref).loss(inp["X"].copy(), inp["y"].copy())
    reg = float(inp["reg"])
    weights = [v for k, v in inp.items() if k.startswith("param_W")]
    square = sum(float(np.sum(w * w)) for w in weights)
    if changes.get("no_half"):
        return loss + 0.5 * reg * square
    if changes.get("all_params"):
        others = [v for k, v in inp.items() if k.startswith("param_") and "W" not in k]
        return loss + 0.5 * reg * sum(float(np.sum(v * v)) for v in others)
    if changes.get("no_reg"):
        return loss - 0.5 * reg * square
    raise ValueError(changes)


def _no_reg_in_dw(inp, ref):
    """The reference gradients without the L2 penalty's reg * W in dW."""
    net = _net(inp, ref)
    _, grads = net.loss(inp["X"].copy(), inp["y"].copy())
    reg = float(inp["reg"])
    return {f"grad_{k}": g - reg * net.params[k] for k, g in grads.items() if k.startswith("W")}


def _batchnorm_instead(inp, ref, key):
    """A net asked for layer norm that runs batch norm (with the same gamma and beta)."""
    if int(inp["normalization"]) != 2:
        return None
    net = _net(inp, ref, norm="batchnorm")
    loss = None
    for step in range(int(inp["train_steps"])):
        value, _ = net.loss(inp["X"].copy(), inp["y"].copy())
        if step == 0:
            loss = value
    if key == "loss":
        return loss
    return net.loss(inp["X_test"].copy())


class _StaysInTrainMode(dict):
    """A bn_param that ignores the switch to test mode."""

    def __setitem__(self, key, value):
        if key != "mode":
            super().__setitem__(key, value)


def _scores_train_mode(inp, ref):
    """Test-mode scores computed with the test batch's own statistics (batch norm only)."""
    if int(inp["normalization"]) != 1:
        return None
    net = _net(inp, ref)
    for _ in range(int(inp["train_steps"])):
        net.loss(inp["X"].copy(), inp["y"].copy())
    net.bn_params = [_StaysInTrainMode(mode="train") for _ in net.bn_params]
    return net.loss(inp["X_test"].copy())


NORMS = {"batchnorm": "batchnorm", "layernorm": "layernorm", "plain": None}
"""Part -> the normalization its net is made with."""


def _net_probe(part: str) -> Probe:
    return Probe("net_loss", {"cls": CLASS, "kwargs": {"normalization": NORMS[part]}})


DRAWS = "draw Wi = weight_scale * np.random.randn(fan_in, fan_out) in the order W1, W2, ..."


def _init_checks():
    """A new net's parameters: names, initial values, dtype, one bn_param per hidden layer.
    None of them earns points alone: the loss, gradients and scores are the net's values."""
    init = [
        Check("init", "names", CheckKind.NAMES, 1, "parameter names of a net with batch norm"),
        Check("init", "param_b*", CheckKind.VALUE, 0.5, "initial b", hint="biases start at zero"),
        Check("init", "param_gamma*", CheckKind.VALUE, 0.5, "initial gamma",
              hint="gamma starts at ones"),
        Check("init", "param_beta*", CheckKind.VALUE, 0.5, "initial beta",
              hint="beta starts at zeros"),
        Check("init", "param_W*", CheckKind.VALUE, 1,
              "initial weights drawn as documented (weight_scale * np.random.randn, W1 first)",
              hint=DRAWS, reordered=f"{DRAWS}: yours are the same draws in another order"),
        Check("init", "param_*", CheckKind.DTYPE, 0.5,
              "parameters of a net made with dtype=np.float32",
              hint="the dtype argument is ignored: cast every parameter to dtype"),
        Check("init", "bn_params_distinct", CheckKind.VALUE, 1,
              "one bn_param dict per hidden layer",
              hint="the hidden layers share one bn_param dict: each needs its own"),
    ]  # fmt: skip
    return tuple(replace(c, primary=False) for c in init)


def _loss_checks(part, label):
    return (
        Check(part, "loss", CheckKind.VALUE, 1, f"loss {label}"),
        Check(part, "grad_*", CheckKind.VALUE, 2, f"gradients {label}"),
        Check(
            part, "scores", CheckKind.VALUE, 1, f"test-mode scores {label} after two train steps"
        ),
    )


def _names_without_norm(inp, ref):
    """The parameter names of a normalizing net that makes no gamma or beta."""
    layers = len(inp["hidden_dims"]) + 1
    return [f"{p}{i}" for i in range(1, layers + 1) for p in ("W", "b")]


def _names_norm_after_last(inp, ref):
    """The parameter names of a net with a norm layer after its last affine too."""
    layers = len(inp["hidden_dims"]) + 1
    return _names_without_norm(inp, ref) + [
        f"{p}{i}" for i in range(1, layers + 1) for p in ("gamma", "beta")
    ]


TASK = Task(
    id="FullyConnectedNet",
    function=CLASS,
    answer="FullyConnectedNet_answer",
    points=8,
    parts=(
        Part("init", Probe("net_init", {"cls": CLASS, "kwargs": {"normalization": "batchnorm"}})),
        *(Part(part, _net_probe(part)) for part in NORMALIZED),
    ),
    draw=draw,
    checks=_init_checks() + tuple(c for p, l in NORMALIZED.items() for c in _loss_checks(p, l)),
    missing_hints={"bn_params_*": "keep one bn_param dict per hidden layer in self.bn_params"},
    mistakes=(
        Mistake(
            "names",
            "a norm layer after the last affine: gamma/beta belong to hidden layers only",
            _names_norm_after_last,
        ),
        Mistake(
            "names",
            "gamma1.../beta1... are missing: one pair per hidden layer when normalizing",
            _names_without_norm,
        ),
        Mistake(
            "loss",
            "the L2 penalty is missing its 0.5 factor: 0.5 * reg * sum of squared weights",
            lambda i, r: _loss_variant(i, r, no_half=True),
        ),
        Mistake(
            "loss",
            "the L2 penalty also covers biases, gamma or beta: it is on the weights W only",
            lambda i, r: _loss_variant(i, r, all_params=True),
        ),
        Mistake(
            "loss",
            "the L2 penalty is missing from the loss",
            lambda i, r: _loss_variant(i, r, no_reg=True),
        ),
        Mistake(
            "grad_W*",
            "dW is missing the gradient of the L2 penalty: add reg * W to each dW",
            _no_reg_in_dw,
        ),
        Mistake(
            "loss",
            LAYERNORM_RUNS_BATCHNORM,
            lambda i, r: _batchnorm_instead(i, r, "loss"),
            part="layernorm",
        ),
        Mistake(
            "scores",
            LAYERNORM_RUNS_BATCHNORM,
            lambda i, r: _batchnorm_instead(i, r, "scores"),
            part="layernorm",
        ),
        Mistake(
            "scores",
            "test mode (loss(X) without y) uses the batch's statistics: set each bn_param's "
            "mode to 'test'",
            _scores_train_mode,
            part="batchnorm",
        ),
    ),
    depends_on=EARLIER_TASKS,
    rerun_with_reference=tuple(NORMALIZED),
    rerun_note="Cause upstream: your net was checked with the reference layers in place of "
    "yours, because {failed} did not get full marks: a mistake there costs points only there",
)
