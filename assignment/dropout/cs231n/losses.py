"""Loss functions that return the loss and its gradient with respect to the scores."""

import numpy as np


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss, averaged over the minibatch, and its gradient.

    With probabilities ``p[i, c] = exp(x[i, c]) / sum_k exp(x[i, k])``:

        loss = -(1/N) sum_i log p[i, y[i]]
        dx[i, c] = (p[i, c] - [c == y[i]]) / N

    Each row is shifted by its maximum before exponentiating. Softmax does not
    change under a shift of a row, and after it every exponent is <= 0, so
    ``exp`` cannot overflow.

    Parameters
    ----------
    x : numpy.ndarray of shape (N, C)
        Scores: ``x[i, c]`` is the score of class ``c`` for the i-th sample.
    y : numpy.ndarray of shape (N,)
        Integer labels, ``0 <= y[i] < C``.

    Returns
    -------
    loss : float
        The mean cross-entropy.
    dx : numpy.ndarray of shape (N, C)
        Gradient of ``loss`` with respect to ``x``.
    """
    shifted = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted), axis=1, keepdims=True)
    log_probs = shifted - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
