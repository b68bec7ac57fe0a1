"""Hidden inputs, drawn at grading time: shapes and values the student has never seen.

Every part gets non-zero-mean x, random gamma and dout (a uniform dout makes BN's dx ~ 0 and
the check meaningless), and shapes drawn from ranges, so no two features or examples agree.
The generator is seeded per submission by the grader (``grader.case_seed``), so a re-run of
the same submission draws the same inputs and gives the same grade.
"""

from __future__ import annotations

import numpy as np


def _dims(rng, low, high, size=None):
    return rng.integers(low, high + 1, size=size)


def _norm_inputs(rng, n, d, dtype=np.float64):
    return {
        "x": (rng.uniform(2, 6) * rng.standard_normal((n, d)) + rng.uniform(-8, 8, d)).astype(
            dtype
        ),
        "gamma": (rng.uniform(0.5, 2.0, d) * rng.choice([-1, 1], d)).astype(dtype),
        "beta": rng.standard_normal(d).astype(dtype),
        "dout": rng.standard_normal((n, d)).astype(dtype),
    }


def affine_forward(rng):
    def case(shape, dtype=np.float64):
        n, dims, m = _dims(rng, 2, 5), shape, _dims(rng, 2, 6)
        return {
            "x": rng.standard_normal((n, *dims)).astype(dtype),
            "w": rng.standard_normal((int(np.prod(dims)), m)).astype(dtype),
            "b": rng.standard_normal(m).astype(dtype),
        }

    return {
        "nd": case(tuple(_dims(rng, 2, 4, size=2))),
        "flat": case((int(_dims(rng, 3, 8)),)),
        "float32": case(tuple(_dims(rng, 2, 4, size=3)), np.float32),
    }


def affine_backward(rng):
    def case():
        n, dims, m = _dims(rng, 2, 5), tuple(_dims(rng, 2, 3, size=2)), _dims(rng, 2, 5)
        return {
            "x": rng.standard_normal((n, *dims)),
            "w": rng.standard_normal((int(np.prod(dims)), m)),
            "b": rng.standard_normal(m),
            "dout": rng.standard_normal((n, m)),
        }

    return {"given_cache": case(), "numeric": case()}


def _with_zeros(rng, shape):
    x = rng.standard_normal(shape)
    x.flat[rng.choice(x.size, size=max(1, x.size // 8), replace=False)] = 0.0
    return x


def relu_forward(rng):
    shape = tuple(_dims(rng, 2, 5, size=3))
    return {
        "nd": {"x": _with_zeros(rng, shape)},
        "float32": {"x": rng.standard_normal((4, 7)).astype(np.float32)},
    }


def relu_backward(rng):
    shape = tuple(_dims(rng, 3, 6, size=2))
    x = _with_zeros(rng, shape)
    # finite differences are wrong at a kink: the numeric part keeps away from 0
    x_smooth = rng.standard_normal(shape)
    x_smooth[np.abs(x_smooth) < 0.05] = 0.5
    return {
        "given_cache": {"x": x, "dout": rng.standard_normal(shape)},
        "numeric": {"x": x_smooth, "dout": rng.standard_normal(shape)},
    }


def batchnorm_forward_train(rng):
    n, d = _dims(rng, 6, 12), _dims(rng, 3, 7)
    train = _norm_inputs(rng, n, d)
    eps = _norm_inputs(rng, n, d)
    eps["x"] = eps["x"] * 0.2  # small variance, so a large eps changes the output
    eps["eps"] = np.array(rng.uniform(0.1, 0.5))
    return {
        "train": train,
        "eps": eps,
        "float32": _norm_inputs(rng, n, d, np.float32),
    }


def batchnorm_forward_test(rng):
    def running(momentum=None, dtype=np.float64):
        n, d, steps = _dims(rng, 5, 10), _dims(rng, 3, 6), _dims(rng, 3, 6)
        base = _norm_inputs(rng, n, d, dtype)
        xs = np.stack(
            [_norm_inputs(rng, n, d, dtype)["x"] + base["x"].mean(0) for _ in range(steps)]
        )
        case = {
            "gamma": base["gamma"],
            "beta": base["beta"],
            "xs": xs,
            "x_test": _norm_inputs(rng, n, d, dtype)["x"],
        }
        if momentum is not None:
            case["momentum"] = np.array(momentum)
        return case

    d = _dims(rng, 3, 6)
    given = _norm_inputs(rng, 5, d)
    given["running_mean"] = rng.standard_normal(d) * 3
    given["running_var"] = rng.uniform(0.5, 4.0, d)
    return {
        "running": running(),
        "momentum": running(rng.uniform(0.3, 0.7)),
        "given_stats": given,
        "float32": running(dtype=np.float32),
        "bad_mode": _norm_inputs(rng, 4, d),
    }


def batchnorm_backward(rng):
    return {"grads": _norm_inputs(rng, _dims(rng, 4, 8), _dims(rng, 3, 6))}


def batchnorm_backward_alt(rng):
    return {"grads": _norm_inputs(rng, _dims(rng, 6, 14), _dims(rng, 4, 9))}


def layernorm_forward(rng):
    n, d = _dims(rng, 3, 8), _dims(rng, 4, 9)
    extra = _norm_inputs(rng, n, d)
    extra["extra_keys"] = np.array(1)
    extra["eps"] = np.array(rng.uniform(0.1, 0.5))
    extra["x"] = extra["x"] * 0.2
    # layer norm statistics run over features: give each row its own offset
    train = _norm_inputs(rng, n, d)
    train["x"] = train["x"] + rng.uniform(-5, 5, (n, 1))
    return {"train": train, "extra_keys": extra, "float32": _norm_inputs(rng, n, d, np.float32)}


def layernorm_backward(rng):
    case = _norm_inputs(rng, _dims(rng, 3, 6), _dims(rng, 4, 7))
    case["x"] = case["x"] + rng.uniform(-5, 5, (case["x"].shape[0], 1))
    return {"grads": case}


def FullyConnectedNet(rng):  # noqa: N802  (the task's name)
    d, c = _dims(rng, 5, 9), _dims(rng, 3, 6)
    hidden = np.array([_dims(rng, 4, 8), _dims(rng, 9, 12)])  # different sizes
    n = _dims(rng, 6, 10)

    def loss_case(normalization, reg):
        dims = [d, *hidden, c]
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
        for layer, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:], strict=True), 1):
            case[f"param_W{layer}"] = rng.standard_normal((fan_in, fan_out)) * 0.3
            case[f"param_b{layer}"] = rng.standard_normal(fan_out) * 0.1
            if normalization and layer < len(dims) - 1:
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


def draw(task: str, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """The hidden inputs of every part of ``task``."""
    return globals()[task](rng)
