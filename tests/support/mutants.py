"""Mutants of a correct submission: each commits one mistake a student makes.

Every mutant replaces one answer cell (or two, for the out-of-order run) of the reference
notebook with a student's version of that function carrying one mistake, written the way a
student writes it. ``tests/test_mutants.py`` grades each one and asserts that the mistake
costs points in its task, that the feedback names it (``words`` is part of the text the
student reads) and that tasks that do not use the mutated function keep full marks.

The correct versions below (``*_OK``) are written in a student's style, not copied from the
reference, and a test proves they earn full marks: a mutant differs from its correct version
only in the lines its edit changes.

``bug`` ties a mutant to a row of the team's BUGS.md, whose mistake column is kept here as
``BUGS_MD_ROWS`` (``scripts/bugs_catalog.py`` compares the two): it is a substring of that
row's mistake column (backticks ignored). Mutants with ``bug=""`` are mistakes of our own.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.grading.reference import grade_id
from support.corpus import edit, reference_nb


@dataclass(frozen=True)
class Mutant:
    name: str
    task: str  # the graded task whose points the mistake must cost
    answers: dict[str, str]  # answer cell grade_id -> the student's whole cell source
    words: str  # must appear in the feedback of `task`: the mistake named
    extra_cells: tuple[tuple[int, str], ...] = ()  # (position, source) of added student cells
    bug: str = ""  # a BUGS.md row this mutant reproduces, or "" for one of our own


# ------------------------------------------------------------------ correct versions
AFFINE_FORWARD_OK = '''\
def affine_forward(x, w, b):
    """out = x w + b, with each example of x flattened to a row."""
    N = x.shape[0]
    x_rows = x.reshape(N, -1)
    out = x_rows.dot(w) + b
    cache = (x, w, b)
    return out, cache
'''

AFFINE_BACKWARD_OK = '''\
def affine_backward(dout, cache):
    """Gradients of an affine layer."""
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
'''

RELU_FORWARD_OK = '''\
def relu_forward(x):
    """max(0, x), elementwise."""
    out = np.maximum(0, x)
    cache = x
    return out, cache
'''

RELU_BACKWARD_OK = '''\
def relu_backward(dout, cache):
    """The upstream gradient where x > 0, zero elsewhere."""
    x = cache
    dx = dout * (x > 0)
    return dx
'''

BATCHNORM_FORWARD_OK = '''\
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization, train mode (batch statistics) or test mode (running ones)."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        std = np.sqrt(sample_var + eps)
        x_hat = (x - sample_mean) / std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, std)

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    # Store the updated running means back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
'''

BATCHNORM_BACKWARD_OK = '''\
def batchnorm_backward(dout, cache):
    """Backward pass, one node of the graph at a time."""
    x_hat, gamma, std = cache
    N, D = dout.shape

    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma

    # x_hat = xmu * ivar, ivar = 1 / sqrt(var + eps), var = mean(xmu ** 2), xmu = x - mu
    xmu = x_hat * std
    ivar = 1.0 / std
    divar = np.sum(dx_hat * xmu, axis=0)
    dxmu1 = dx_hat * ivar
    dsqrtvar = -1.0 / (std**2) * divar
    dvar = 0.5 * ivar * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dx1, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    dx = dx1 + dx2
    return dx, dgamma, dbeta
'''

BATCHNORM_BACKWARD_ALT_OK = '''\
def batchnorm_backward_alt(dout, cache):
    """Backward pass from the simplified closed form."""
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    return dx, dgamma, dbeta
'''

LAYERNORM_FORWARD_OK = '''\
def layernorm_forward(x, gamma, beta, ln_param):
    """Normalize each example over its features."""
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    mu = np.mean(x, axis=1, keepdims=True)
    var = np.var(x, axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, std)
    return out, cache
'''

LAYERNORM_BACKWARD_OK = '''\
def layernorm_backward(dout, cache):
    """Batch norm's closed form, with the statistics taken per example (axis 1)."""
    x_hat, gamma, std = cache
    D = dout.shape[1]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (
        D * dx_hat
        - np.sum(dx_hat, axis=1, keepdims=True)
        - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True)
    ) / (D * std)
    return dx, dgamma, dbeta
'''

NET_OK = '''\
class FullyConnectedNet:
    """{affine - [batch/layer norm] - relu} x (L - 1) - affine - softmax"""

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
    ):
        self.normalization = normalization
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(self.num_layers):
            self.params[f"W{i + 1}"] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params[f"b{i + 1}"] = np.zeros(dims[i + 1])
            if self.normalization is not None and i < self.num_layers - 1:
                self.params[f"gamma{i + 1}"] = np.ones(dims[i + 1])
                self.params[f"beta{i + 1}"] = np.zeros(dims[i + 1])

        self.bn_params = []
        if self.normalization is not None:
            self.bn_params = [{"mode": "train"} for i in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        L = self.num_layers
        caches = {}
        out = X
        for i in range(1, L):
            out, caches[f"affine{i}"] = affine_forward(
                out, self.params[f"W{i}"], self.params[f"b{i}"]
            )
            if self.normalization == "batchnorm":
                out, caches[f"norm{i}"] = batchnorm_forward(
                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            elif self.normalization == "layernorm":
                out, caches[f"norm{i}"] = layernorm_forward(
                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            out, caches[f"relu{i}"] = relu_forward(out)
        scores, caches[f"affine{L}"] = affine_forward(
            out, self.params[f"W{L}"], self.params[f"b{L}"]
        )

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        loss, dout = softmax_loss(scores, y)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)

        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, caches[f"affine{L}"])
        for i in range(L - 1, 0, -1):
            dout = relu_backward(dout, caches[f"relu{i}"])
            if self.normalization == "batchnorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(
                    dout, caches[f"norm{i}"]
                )
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(
                    dout, caches[f"norm{i}"]
                )
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, caches[f"affine{i}"])

        for i in range(1, L + 1):
            grads[f"W{i}"] += self.reg * self.params[f"W{i}"]
        return loss, grads
'''

CORRECT = {
    "affine_forward_answer": AFFINE_FORWARD_OK,
    "affine_backward_answer": AFFINE_BACKWARD_OK,
    "relu_forward_answer": RELU_FORWARD_OK,
    "relu_backward_answer": RELU_BACKWARD_OK,
    "batchnorm_forward_answer": BATCHNORM_FORWARD_OK,
    "batchnorm_backward_answer": BATCHNORM_BACKWARD_OK,
    "batchnorm_backward_alt_answer": BATCHNORM_BACKWARD_ALT_OK,
    "layernorm_forward_answer": LAYERNORM_FORWARD_OK,
    "layernorm_backward_answer": LAYERNORM_BACKWARD_OK,
    "FullyConnectedNet_answer": NET_OK,
}
"""A student's correct cell for each answer: the baseline every mutant edits."""


def _bn(*changes):
    return {"batchnorm_forward_answer": edit(BATCHNORM_FORWARD_OK, *changes)}


def _net(*changes):
    return {"FullyConnectedNet_answer": edit(NET_OK, *changes)}


# A student who computes the batch statistics once, before the branch, and updates the
# running averages after it: test mode then updates them too.
_BN_TEST_UPDATES = """\
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    sample_mean = np.mean(x, axis=0)
    sample_var = np.var(x, axis=0)

    out, cache = None, None
    if mode == "train":
        std = np.sqrt(sample_var + eps)
        x_hat = (x - sample_mean) / std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, std)
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    running_mean = momentum * running_mean + (1 - momentum) * sample_mean
    running_var = momentum * running_var + (1 - momentum) * sample_var
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
"""

# CS231n's hint "layer norm is batch norm of the transposed data", taken literally: the
# ln_param dict goes to batchnorm_forward, so a 'mode': 'test' in it switches to running stats.
_LN_VIA_BATCHNORM = '''\
def layernorm_forward(x, gamma, beta, ln_param):
    """Layer norm = batch norm on x.T (each example is a "batch" of its features)."""
    eps = ln_param.get("eps", 1e-5)
    ln_param.setdefault("mode", "train")
    N = x.shape[0]
    ones, zeros = np.ones(N, dtype=x.dtype), np.zeros(N, dtype=x.dtype)
    xt_hat, _ = batchnorm_forward(x.T, ones, zeros, ln_param)
    x_hat = xt_hat.T
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, np.sqrt(np.var(x, axis=1, keepdims=True) + eps))
    return out, cache
'''

# The answer cell calls a helper that the student defined in a scratch cell further down,
# after the check cell: it worked in their kernel, not top to bottom.
_RELU_WITH_HELPER = """\
def relu_backward(dout, cache):
    x = cache
    dx = dout * relu_mask(x)
    return dx
"""
_HELPER_CELL = """\
def relu_mask(x):
    return (x > 0).astype(x.dtype)
"""


def _after_cell(gid: str) -> int:
    """Position just after the reference notebook's cell ``gid`` (a check cell)."""
    cells = reference_nb().cells
    return 1 + next(i for i, c in enumerate(cells) if grade_id(c) == gid)


_AFTER_RELU_BACKWARD_CHECK = _after_cell("relu_backward")


MUTANTS = [
    # ---------------------------------------------------------------- BUGS.md rows
    Mutant(
        "bn_unbiased_variance",
        "batchnorm_forward_train",
        _bn(("np.var(x, axis=0)", "np.var(x, axis=0, ddof=1)")),
        "N-1",
        bug="unbiased variance",
    ),
    Mutant(
        "bn_param_copied",
        "batchnorm_forward_test",
        _bn(
            (
                '    mode = bn_param["mode"]',
                '    bn_param = dict(bn_param)\n    mode = bn_param["mode"]',
            )
        ),
        "never reach the caller",
        bug="running statistics never reach the caller",
    ),
    Mutant(
        "bn_running_not_stored",
        "batchnorm_forward_test",
        _bn(
            ("    # Store the updated running means back into bn_param\n", ""),
            ('    bn_param["running_mean"] = running_mean\n', ""),
            ('    bn_param["running_var"] = running_var\n', ""),
        ),
        "never reach the caller",
        bug="running statistics never reach the caller",
    ),
    Mutant(
        "bn_param_rebuilt",
        "batchnorm_forward_test",
        _bn(
            (
                '    bn_param["running_mean"] = running_mean\n'
                '    bn_param["running_var"] = running_var\n',
                "    bn_param = {\n"
                '        "mode": mode,\n'
                '        "eps": eps,\n'
                '        "momentum": momentum,\n'
                '        "running_mean": running_mean,\n'
                '        "running_var": running_var,\n'
                "    }\n",
            )
        ),
        "never reach the caller",
        bug="running statistics never reach the caller",
    ),
    Mutant(
        "bn_test_uses_batch_stats",
        "batchnorm_forward_test",
        _bn(
            (
                "x_hat = (x - running_mean) / np.sqrt(running_var + eps)",
                "x_hat = (x - np.mean(x, axis=0)) / np.sqrt(np.var(x, axis=0) + eps)",
            )
        ),
        "test mode is using the batch's statistics",
        bug="batch statistics used in test mode",
    ),
    Mutant(
        "bn_momentum_reversed",
        "batchnorm_forward_test",
        _bn(
            (
                "momentum * running_mean + (1 - momentum) * sample_mean",
                "(1 - momentum) * running_mean + momentum * sample_mean",
            ),
            (
                "momentum * running_var + (1 - momentum) * sample_var",
                "(1 - momentum) * running_var + momentum * sample_var",
            ),
        ),
        "momentum is reversed",
        bug="momentum reversed",
    ),
    Mutant(
        "bn_divides_by_variance",
        "batchnorm_forward_train",
        _bn(("x_hat = (x - sample_mean) / std", "x_hat = (x - sample_mean) / (sample_var + eps)")),
        "instead of the standard deviation",
        bug="dividing by the variance",
    ),
    Mutant(
        "bn_backward_gamma_missing",
        "batchnorm_backward",
        {"batchnorm_backward_answer": edit(BATCHNORM_BACKWARD_OK, ("dout * gamma", "dout"))},
        "gamma is left out of the gradient",
        bug="gamma left out of the gradient",
    ),
    Mutant(
        "bn_backward_mean_path_dropped",
        "batchnorm_backward",
        {"batchnorm_backward_answer": edit(BATCHNORM_BACKWARD_OK, ("dx = dx1 + dx2", "dx = dx1"))},
        "gradient through the mean is missing",
        bug="one branch of the graph not summed",
    ),
    Mutant(
        "bn_backward_variance_path_dropped",
        "batchnorm_backward",
        {
            "batchnorm_backward_answer": edit(
                BATCHNORM_BACKWARD_OK, ("dx1 = dxmu1 + dxmu2", "dx1 = dxmu1")
            )
        },
        "gradient through the variance is missing",
        bug="one branch of the graph not summed",
    ),
    Mutant(
        "bn_backward_sums_wrong_axis",
        "batchnorm_backward",
        {
            "batchnorm_backward_answer": edit(
                BATCHNORM_BACKWARD_OK,
                ("dbeta = np.sum(dout, axis=0)", "dbeta = np.sum(dout, axis=1)"),
                ("dgamma = np.sum(dout * x_hat, axis=0)", "dgamma = np.sum(dout * x_hat, axis=1)"),
            )
        },
        "summed over the wrong axis",
        bug="summed over the wrong axis",
    ),
    Mutant(
        "bn_forward_subtracts_in_place",
        "batchnorm_forward_train",
        _bn(("x_hat = (x - sample_mean) / std", "x -= sample_mean\n        x_hat = x / std")),
        "changes x in place",
        bug="forward modifies x in place",
    ),
    Mutant(
        "bn_alt_sums_for_means",
        "batchnorm_backward_alt",
        {
            "batchnorm_backward_alt_answer": edit(
                BATCHNORM_BACKWARD_ALT_OK,
                (
                    "dx = (N * dx_hat - dx_hat.sum(axis=0)",
                    "dx = (dx_hat - dx_hat.sum(axis=0)",
                ),
                ("/ (N * std)", "/ std"),
            )
        },
        "the 1/N is missing",
        bug="simplified backward missing the 1/N",
    ),
    Mutant(
        "relu_backward_mask_from_dout",
        "relu_backward",
        {
            "relu_backward_answer": edit(
                RELU_BACKWARD_OK, ("dx = dout * (x > 0)", "mask = dout > 0\n    dx = dout * mask")
            )
        },
        "mask is taken from dout",
        bug="ReLU backward mask taken from dout",
    ),
    Mutant(
        "affine_backward_dx_flat",
        "affine_backward",
        {
            "affine_backward_answer": edit(
                AFFINE_BACKWARD_OK, ("dx = dout.dot(w.T).reshape(x.shape)", "dx = dout.dot(w.T)")
            )
        },
        "x's shape",
        bug="affine_backward returns dx as (N, D)",
    ),
    Mutant(
        "affine_forward_not_flattened",
        "affine_forward",
        {
            "affine_forward_answer": edit(
                AFFINE_FORWARD_OK, ("out = x_rows.dot(w) + b", "out = x.dot(w) + b")
            )
        },
        "must be flattened",
        bug="affine_forward without flattening",
    ),
    Mutant(
        "net_l2_without_half",
        "FullyConnectedNet",
        _net(("loss += 0.5 * self.reg * np.sum(W * W)", "loss += self.reg * np.sum(W * W)")),
        "missing its 0.5 factor",
        bug="L2 without the 0.5 factor",
    ),
    Mutant(
        "net_shared_bn_param",
        "FullyConnectedNet",
        _net(
            (
                'self.bn_params = [{"mode": "train"} for i in range(self.num_layers - 1)]',
                'self.bn_params = [{"mode": "train"}] * (self.num_layers - 1)',
            )
        ),
        "share one bn_param dict",
        bug="one bn_param dict shared",
    ),
    Mutant(
        "helper_defined_below_check",
        "relu_backward",
        {"relu_backward_answer": _RELU_WITH_HELPER},
        "Run All",
        extra_cells=((_AFTER_RELU_BACKWARD_CHECK, _HELPER_CELL),),
        bug="kernel state is stale",
    ),
    Mutant(
        "helper_defined_nowhere",
        "affine_backward",
        {
            "affine_backward_answer": edit(
                AFFINE_BACKWARD_OK,
                ("dw = x.reshape(N, -1).T.dot(dout)", "dw = flatten(x).T.dot(dout)"),
            )
        },
        "Run All",
        bug="kernel state is stale",
    ),
    # ---------------------------------------------------------------- our own
    Mutant(
        "affine_forward_no_bias",
        "affine_forward",
        {"affine_forward_answer": edit(AFFINE_FORWARD_OK, ("x_rows.dot(w) + b", "x_rows.dot(w)"))},
        "the bias b is not added",
    ),
    Mutant(
        "affine_backward_db_wrong_axis",
        "affine_backward",
        {
            "affine_backward_answer": edit(
                AFFINE_BACKWARD_OK, ("db = np.sum(dout, axis=0)", "db = np.sum(dout, axis=1)")
            )
        },
        "db is summed over the wrong axis",
    ),
    Mutant(
        "relu_forward_in_place",
        "relu_forward",
        {
            "relu_forward_answer": edit(
                RELU_FORWARD_OK, ("out = np.maximum(0, x)", "x[x < 0] = 0\n    out = x")
            )
        },
        "changes x in place",
    ),
    Mutant(
        "relu_forward_float64",
        "relu_forward",
        {
            "relu_forward_answer": edit(
                RELU_FORWARD_OK,
                ("out = np.maximum(0, x)", "out = np.zeros(x.shape)\n    out[x > 0] = x[x > 0]"),
            )
        },
        "dtype changed",
    ),
    Mutant(
        "relu_backward_mask_ge",
        "relu_backward",
        {"relu_backward_answer": edit(RELU_BACKWARD_OK, ("(x > 0)", "(x >= 0)"))},
        "course uses 0 there (the mask x > 0)",
    ),
    Mutant(
        "bn_eps_outside_sqrt",
        "batchnorm_forward_train",
        _bn(("std = np.sqrt(sample_var + eps)", "std = np.sqrt(sample_var) + eps")),
        "eps is added outside the square root",
    ),
    Mutant(
        "bn_gamma_beta_swapped",
        "batchnorm_forward_train",
        _bn(("out = gamma * x_hat + beta", "out = beta * x_hat + gamma")),
        "gamma and beta are swapped",
    ),
    Mutant(
        "bn_eps_ignored",
        "batchnorm_forward_train",
        _bn(('eps = bn_param.get("eps", 1e-5)', "eps = 1e-5")),
        "bn_param['eps'] is ignored",
    ),
    Mutant(
        "bn_momentum_ignored",
        "batchnorm_forward_test",
        _bn(('momentum = bn_param.get("momentum", 0.9)', "momentum = 0.9")),
        "bn_param['momentum'] is ignored",
    ),
    Mutant(
        "bn_running_from_first_batch",
        "batchnorm_forward_test",
        _bn(
            (
                'bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))',
                'bn_param.get("running_mean", np.mean(x, axis=0))',
            ),
            (
                'bn_param.get("running_var", np.zeros(D, dtype=x.dtype))',
                'bn_param.get("running_var", np.var(x, axis=0))',
            ),
        ),
        "start from the first batch",
    ),
    Mutant(
        "bn_test_updates_running",
        "batchnorm_forward_test",
        {"batchnorm_forward_answer": _BN_TEST_UPDATES},
        "test mode updates the running statistics",
    ),
    Mutant(
        "bn_running_var_of_std",
        "batchnorm_forward_test",
        _bn(("(1 - momentum) * sample_var", "(1 - momentum) * std")),
        "running variance averages the standard deviation",
    ),
    Mutant(
        "bn_backward_dgamma_keepdims",
        "batchnorm_backward",
        {
            "batchnorm_backward_answer": edit(
                BATCHNORM_BACKWARD_OK,
                (
                    "dgamma = np.sum(dout * x_hat, axis=0)",
                    "dgamma = np.sum(dout * x_hat, axis=0, keepdims=True)",
                ),
            )
        },
        "shaped (1, D)",
    ),
    Mutant(
        "bn_alt_gamma_missing",
        "batchnorm_backward_alt",
        {
            "batchnorm_backward_alt_answer": edit(
                BATCHNORM_BACKWARD_ALT_OK, ("dout * gamma", "dout")
            )
        },
        "gamma is left out of the gradient",
    ),
    Mutant(
        "ln_over_batch_axis",
        "layernorm_forward",
        {"layernorm_forward_answer": edit(LAYERNORM_FORWARD_OK, ("axis=1", "axis=0"))},
        "you normalize over the batch (axis 0)",
    ),
    Mutant(
        "ln_unbiased_variance",
        "layernorm_forward",
        {
            "layernorm_forward_answer": edit(
                LAYERNORM_FORWARD_OK, ("keepdims=True)\n    std", "keepdims=True, ddof=1)\n    std")
            )
        },
        "N-1",
    ),
    Mutant(
        "ln_follows_mode_key",
        "layernorm_forward",
        {"layernorm_forward_answer": _LN_VIA_BATCHNORM},
        "ln_param['mode']",
    ),
    Mutant(
        "ln_backward_means_over_batch",
        "layernorm_backward",
        {
            "layernorm_backward_answer": edit(
                LAYERNORM_BACKWARD_OK,
                ("D = dout.shape[1]", "D = dout.shape[0]"),
                ("axis=1, keepdims=True", "axis=0"),
            )
        },
        "means over the batch",
    ),
    Mutant(
        "ln_backward_dgamma_wrong_axis",
        "layernorm_backward",
        {
            "layernorm_backward_answer": edit(
                LAYERNORM_BACKWARD_OK,
                ("dgamma = np.sum(dout * x_hat, axis=0)", "dgamma = np.sum(dout * x_hat, axis=1)"),
            )
        },
        "dgamma is summed over the wrong axis",
    ),
    Mutant(
        "net_norm_after_last_layer",
        "FullyConnectedNet",
        _net(
            (
                "if self.normalization is not None and i < self.num_layers - 1:",
                "if self.normalization is not None:",
            )
        ),
        "after the last affine",
    ),
    Mutant(
        "net_reg_on_every_param",
        "FullyConnectedNet",
        _net(
            (
                'for i in range(1, L + 1):\n            W = self.params[f"W{i}"]\n'
                "            loss += 0.5 * self.reg * np.sum(W * W)",
                "for p in self.params.values():\n"
                "            loss += 0.5 * self.reg * np.sum(p * p)",
            ),
            (
                'for i in range(1, L + 1):\n            grads[f"W{i}"] += '
                'self.reg * self.params[f"W{i}"]',
                "for k in grads:\n            grads[k] += self.reg * self.params[k]",
            ),
        ),
        "also covers biases",
    ),
    Mutant(
        "net_weights_not_scaled",
        "FullyConnectedNet",
        _net(("weight_scale * np.random.randn(", "np.random.randn(")),
        "weight_scale * np.random.randn",
    ),
    Mutant(
        "net_ignores_dtype",
        "FullyConnectedNet",
        _net(("            self.params[k] = v.astype(dtype)", "            self.params[k] = v")),
        "the dtype argument is ignored",
    ),
    Mutant(
        "net_no_reg_in_dW",
        "FullyConnectedNet",
        _net(
            (
                '        for i in range(1, L + 1):\n            grads[f"W{i}"] += '
                'self.reg * self.params[f"W{i}"]\n',
                "",
            )
        ),
        "gradient of the L2 penalty",
    ),
    Mutant(
        "net_batchnorm_for_layernorm",
        "FullyConnectedNet",
        _net(
            ('if self.normalization == "batchnorm":', "if self.normalization is not None:"),
        ),
        "runs batch norm",
    ),
    Mutant(
        "net_test_mode_not_set",
        "FullyConnectedNet",
        _net(
            (
                '        for bn_param in self.bn_params:\n            bn_param["mode"] = mode\n',
                "",
            )
        ),
        "set each bn_param's mode to 'test'",
    ),
    Mutant(
        "bn_unknown_mode_runs_test",
        "batchnorm_forward_test",
        _bn(
            ('    elif mode == "test":', "    else:"),
            (
                "    else:\n"
                "        raise ValueError('Invalid forward batchnorm mode \"%s\"' % mode)\n",
                "",
            ),
        ),
        "an unknown mode must raise an error",
    ),
    Mutant(
        "bn_running_defaults_float64",
        "batchnorm_forward_test",
        _bn(("np.zeros(D, dtype=x.dtype)", "np.zeros(D)")),
        "the output's dtype changed",
    ),
    Mutant(
        "bn_alt_scales_dout_in_place",
        "batchnorm_backward_alt",
        {
            "batchnorm_backward_alt_answer": edit(
                BATCHNORM_BACKWARD_ALT_OK,
                ("dx_hat = dout * gamma", "dout *= gamma\n    dx_hat = dout"),
            )
        },
        "changes dout in place",
    ),
    Mutant(
        "ln_backward_scales_dout_in_place",
        "layernorm_backward",
        {
            "layernorm_backward_answer": edit(
                LAYERNORM_BACKWARD_OK, ("dx_hat = dout * gamma", "dout *= gamma\n    dx_hat = dout")
            )
        },
        "changes dout in place",
    ),
]


BUGS_MD_ROWS = (
    "normalising with the unbiased variance (ddof=1, or torch.var's default)",
    "running statistics never reach the caller (written to a copy, a new dict, a local that is"
    " not stored back)",
    "batch statistics used in test mode",
    "momentum reversed ((1−m)·old + m·new, PyTorch's convention)",
    "dividing by the variance (or var + eps) instead of the standard deviation",
    "gamma left out of the gradient through x̂",
    "one branch of the graph not summed (mean or variance path dropped)",
    "dgamma / dbeta summed over the wrong axis",
    "forward modifies x in place (x -= mu)",
    "simplified backward missing the 1/N or using sums for means",
    "ReLU backward mask taken from dout instead of x",
    "affine_backward returns dx as (N, D) instead of x's shape",
    "affine_forward without flattening",
    "FC net: L2 without the 0.5 factor",
    "FC net: one bn_param dict shared by all layers",
    "the kernel state is stale or cells ran out of order",
)
"""The mistake column of BUGS.md (backticks dropped); a test compares it with the file."""

RELATED = {
    "affine_forward": {"affine_forward", "affine_backward", "FullyConnectedNet"},
    "affine_backward": {"affine_backward", "FullyConnectedNet"},
    "relu_forward": {"relu_forward", "relu_backward", "FullyConnectedNet"},
    "relu_backward": {"relu_backward", "FullyConnectedNet"},
    "batchnorm_forward": {
        "batchnorm_forward_train",
        "batchnorm_forward_test",
        "batchnorm_backward",
        "batchnorm_backward_alt",
        "FullyConnectedNet",
    },
    "batchnorm_backward": {"batchnorm_backward", "FullyConnectedNet"},
    "batchnorm_backward_alt": {"batchnorm_backward_alt", "FullyConnectedNet"},
    "layernorm_forward": {"layernorm_forward", "layernorm_backward", "FullyConnectedNet"},
    "layernorm_backward": {"layernorm_backward", "FullyConnectedNet"},
    "FullyConnectedNet": {"FullyConnectedNet"},
}
"""function -> the graded tasks whose hidden checks call it (its own, the probes that use it
to make a cache or a numerical gradient, and the net)."""


def related_tasks(mutant: Mutant) -> set[str]:
    """The tasks a mutant may cost points in: those of the functions its cells define."""
    tasks = set()
    for gid in mutant.answers:
        tasks |= RELATED[gid.removesuffix("_answer")]
    return tasks
