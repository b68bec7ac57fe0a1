"""First-order update rules, as in CS231n.

Every rule has the interface::

    next_w, config = update(w, dw, config=None)

Parameters
----------
w : numpy.ndarray
    Current weights, any shape, e.g. (D, M) or (M,).
dw : numpy.ndarray
    Gradient of the loss with respect to ``w``, same shape.
config : dict or None
    Hyperparameters (learning rate, momentum, ...) and state kept between steps
    (velocity, moving averages, ...). Missing hyperparameters are set to their
    defaults; None starts a new dict.

Returns
-------
next_w : numpy.ndarray
    The updated weights, same shape as ``w``.
config : dict
    The config to pass to the next call for the same weights.

The :class:`~cs231n.solver.Solver` keeps one config per parameter and passes it
back each step, so any state a rule stores in ``config`` persists.
"""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: ``w <- w - learning_rate * dw``.

    Updates ``w`` in place and returns it.

    config format:

    - learning_rate: scalar learning rate (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

        v <- momentum * v - learning_rate * dw
        w <- w + v

    config format:

    - learning_rate: scalar learning rate (default 1e-2).
    - momentum: scalar in [0, 1) giving the momentum value; 0 is vanilla SGD
      (default 0.9).
    - velocity: array shaped like ``w`` and ``dw``, the moving average of the
      steps (starts at zeros).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v

    config["velocity"] = v
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: divide each step by a moving average of squared gradients.

        cache <- decay_rate * cache + (1 - decay_rate) * dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config format:

    - learning_rate: scalar learning rate (default 1e-2).
    - decay_rate: scalar in [0, 1), decay rate of the squared gradient cache
      (default 0.99).
    - epsilon: small scalar that avoids dividing by zero (default 1e-8).
    - cache: array shaped like ``w``, moving average of squared gradients
      (starts at zeros).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    decay = config["decay_rate"]
    config["cache"] = decay * config["cache"] + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and its square, with bias correction.

        t <- t + 1
        m <- beta1 * m + (1 - beta1) * dw
        v <- beta2 * v + (1 - beta2) * dw**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        w <- w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    The step counter ``t`` is incremented *before* the bias correction, as in
    CS231n's reference, so the first step uses ``t = 1``.

    config format:

    - learning_rate: scalar learning rate (default 1e-3).
    - beta1: decay rate of the moving average of the gradient (default 0.9).
    - beta2: decay rate of the moving average of the squared gradient
      (default 0.999).
    - epsilon: small scalar that avoids dividing by zero (default 1e-8).
    - m: array shaped like ``w``, moving average of the gradient (starts at zeros).
    - v: array shaped like ``w``, moving average of the squared gradient
      (starts at zeros).
    - t: iteration number (starts at 0).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    t = config["t"]
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = config["m"] / (1 - beta1**t)
    v_hat = config["v"] / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return next_w, config
