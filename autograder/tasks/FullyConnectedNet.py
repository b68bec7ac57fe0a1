"""Task FullyConnectedNet: {affine - [batch/layer norm] - relu} x (L - 1) - affine - softmax,
its parameters, loss, gradients and test-mode scores."""

from __future__ import annotations

import numpy as np

from ._draws import dims
from .model import EARLIER_TASKS, Mistake, Part, Probe, Task

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


# ---------------------------------------------------------------- the comparison
def compare(ctx):
    """The net's checks: its parameters from a seeded init, then loss, gradients and test-mode
    scores with each normalization."""
    Finding, found = ctx.Finding, []

    def add(part, finding, weight, primary=False):
        found.append(ctx.graded(finding, weight, primary, part))

    init = ctx.got.get("init")
    init_exp = ctx.expected["init"]
    problem = ctx.problem("init")
    if problem:
        add("init", Finding("a new net's parameters", False, problem, ctx.error_hint("init")), 4)
    else:
        names = init.lists.get("names", [])
        want = init_exp["names"]
        extra, missing = sorted(set(names) - set(want)), sorted(set(want) - set(names))
        hint = None
        last = f"gamma{len(ctx.inputs['init']['hidden_dims']) + 1}"
        if last in extra:
            hint = "a norm layer after the last affine: gamma/beta belong to hidden layers only"
        elif any(n.startswith("gamma") for n in missing):
            hint = "gamma1.../beta1... are missing: one pair per hidden layer when normalizing"
        add(
            "init",
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
            finding = Finding(
                f"initial {prefix}", ok, "as expected" if ok else f"not all {value}",
                None if ok else words,
            )  # fmt: skip
            add("init", finding, 0.5)
        weights = [n for n in want if n.startswith("W")]
        exact = all(
            f"param_{n}" in init.arrays
            and np.shape(init.arrays[f"param_{n}"]) == np.shape(init_exp[f"param_{n}"])
            and np.allclose(init.arrays[f"param_{n}"], init_exp[f"param_{n}"], rtol=_tol(), atol=0)
            for n in weights
        )
        reordered = not exact and _same_draws(init.arrays, init_exp, weights)
        add(
            "init",
            Finding(
                "initial weights drawn as documented (weight_scale * np.random.randn, W1 first)",
                exact,
                "as expected" if exact else "different draws",
                None
                if exact
                else "draw Wi = weight_scale * np.random.randn(fan_in, fan_out)"
                " in the order W1, W2, ..."
                + (": yours are the same draws in another order" if reordered else ""),
                "draw order" if reordered else "",
            ),
            1,
        )
        dtypes = sorted({str(v.dtype) for k, v in init.arrays.items() if k.startswith("param_")})
        ok = dtypes == ["float32"]
        add(
            "init",
            Finding(
                "parameters of a net made with dtype=np.float32",
                ok,
                f"dtypes {', '.join(dtypes) or 'none'}",
                None if ok else "the dtype argument is ignored: cast every parameter to dtype",
            ),
            0.5,
        )
        count = init.arrays.get("bn_params_distinct")
        layers = len(ctx.inputs["init"]["hidden_dims"])
        ok = count is not None and int(count) == layers
        add(
            "init",
            Finding(
                "one bn_param dict per hidden layer",
                ok,
                f"{int(count) if count is not None else 'no'} distinct dicts for {layers} "
                "hidden layers",
                None if ok else "the hidden layers share one bn_param dict: each needs its own",
            ),
            1,
        )

    for part, label in NORMALIZED.items():
        exp = ctx.expected[part]
        problem = ctx.problem(part)
        if problem:
            finding = Finding(f"loss and gradients {label}", False, problem, ctx.error_hint(part))
            add(part, finding, 4, True)
            continue
        present, loss = ctx.output(part, "loss")
        finding = ctx.value(f"loss {label}", loss if present else None, exp["loss"])
        if not finding.passed and present:
            finding = Finding(finding.what, False, finding.detail,
                              ctx.recognise(part, "loss", loss))  # fmt: skip
        add(part, finding, 1, True)
        names = sorted(k.removeprefix("grad_") for k in exp if k.startswith("grad_"))
        bad, words = [], None
        for name in names:
            p, g = ctx.output(part, f"grad_{name}")
            if not (p and ctx.value(name, g, exp[f"grad_{name}"]).passed):
                bad.append(name)
                if p and words is None:
                    words = ctx.recognise(part, f"grad_{name}", g)
        add(
            part,
            Finding(f"gradients {label}", not bad,
                    f"wrong for {', '.join(bad)}" if bad else "all match", words),
            2,
            True,
        )  # fmt: skip
        present, scores = ctx.output(part, "scores")
        finding = ctx.value(
            f"test-mode scores {label} after two train steps",
            scores if present else None,
            exp["scores"],
        )
        if not finding.passed and present:
            finding = Finding(finding.what, False, finding.detail,
                              ctx.recognise(part, "scores", scores))  # fmt: skip
        add(part, finding, 1, True)
    return found


def _same_draws(got: dict, expected: dict, weights: list[str]) -> bool:
    """The same random draws as the documented order, taken in another order (CS231n leaves
    the order open): right shapes, and the same numbers overall."""
    keys = [f"param_{n}" for n in weights]
    if not all(k in got and np.shape(got[k]) == np.shape(expected[k]) for k in keys):
        return False
    mine = np.sort(np.concatenate([np.ravel(got[k]) for k in keys]))
    theirs = np.sort(np.concatenate([np.ravel(expected[k]) for k in keys]))
    return bool(np.allclose(mine, theirs, rtol=_tol(), atol=0))


def _tol() -> float:  # the hidden checks' relative tolerance, from the one home of numbers
    from ..grading.reference import helpers

    return helpers().checking.HIDDEN_TOL


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


NET = Probe("net_loss", {"cls": CLASS})

TASK = Task(
    id="FullyConnectedNet",
    function=CLASS,
    answer="FullyConnectedNet_answer",
    points=8,
    parts=(
        Part("init", Probe("net_init", {"cls": CLASS})),
        Part("batchnorm", NET),
        Part("layernorm", NET),
        Part("plain", NET),
    ),
    draw=draw,
    compare=compare,
    mistakes=(
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
    rerun_note="your net was checked with the reference layers in place of yours, because "
    "{failed} did not get full marks: a mistake there costs points only there",
)
