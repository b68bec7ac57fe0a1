"""Plots of the notebook's experiments, and CS231n's ``print_mean_std``.

Each ``plot_*`` helper draws a new figure and returns it; none calls
``plt.show()``. In Jupyter, assign the result (``fig = plot_...(...)``) or end the
cell with ``;``: a pyplot figure is shown when the cell ends, and a returned
figure that is the cell's value would be shown a second time.

``matplotlib.pyplot`` is imported inside the helpers, so importing this module
does not choose a matplotlib backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from matplotlib.figure import Figure

    from .solver import Solver

_SWEEP_PANELS = (
    ("best_val_acc", "Best val accuracy vs weight initialization scale", "Best val accuracy"),
    ("best_train_acc", "Best train accuracy vs weight initialization scale", "Best train accuracy"),
    ("final_loss", "Final training loss vs weight initialization scale", "Final training loss"),
)


def print_mean_std(x, axis=0):
    """Print the means and standard deviations of ``x`` along ``axis``.

    Prints ``  means: [...]`` and ``  stds:  [...]`` followed by a blank line.

    Parameters
    ----------
    x : numpy.ndarray of shape (N, D)
        E.g. a layer's outputs for a minibatch.
    axis : int
        Axis to reduce: 0 gives the per-feature statistics, shape (D,).
    """
    print(f"  means: {x.mean(axis=axis)}")
    print(f"  stds:  {x.std(axis=axis)}\n")


def _require_nonempty(solvers: Mapping[str, Solver]) -> None:
    if not solvers:
        raise ValueError("solvers is empty: pass a dict from labels to trained Solvers")


def _plot_accuracies(ax, solvers: Mapping[str, Solver], attr: str, ylabel: str) -> None:
    """Plot ``solver.<attr>`` (one entry per epoch, from epoch 0) for every solver."""
    for label, solver in solvers.items():
        history = getattr(solver, attr)
        ax.plot(np.arange(len(history)), history, "-o", label=label)
    ax.set_xlabel("Epoch")
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right")


def plot_training_histories(solvers: Mapping[str, Solver], title: str | None = None) -> Figure:
    """Training loss, training accuracy and validation accuracy of several runs.

    Parameters
    ----------
    solvers : dict from str to Solver
        Trained solvers by label, e.g. ``{"baseline": s1, "batchnorm": s2}``;
        each gives one line per panel.
    title : str or None
        Title above the three panels.

    Returns
    -------
    matplotlib.figure.Figure
        Three stacked panels: training loss vs iteration, training accuracy vs
        epoch, validation accuracy vs epoch.
    """
    import matplotlib.pyplot as plt

    _require_nonempty(solvers)
    fig, (ax_loss, ax_train, ax_val) = plt.subplots(3, 1, figsize=(10, 12))

    for label, solver in solvers.items():
        loss = solver.loss_history
        ax_loss.plot(np.arange(1, len(loss) + 1), loss, "-", marker=".", label=label)
    ax_loss.set_title("Training loss")
    ax_loss.set_xlabel("Iteration")
    ax_loss.set_ylabel("Loss")
    ax_loss.legend(loc="upper right")

    _plot_accuracies(ax_train, solvers, "train_acc_history", "Training accuracy")
    ax_train.set_title("Training accuracy")
    _plot_accuracies(ax_val, solvers, "val_acc_history", "Validation accuracy")
    ax_val.set_title("Validation accuracy")

    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_weight_scale_sweep(
    weight_scales: Sequence[float], results: Mapping[str, Mapping[str, Sequence[float]]]
) -> Figure:
    """Results of a sweep over the weight initialization scale, on log x axes.

    Parameters
    ----------
    weight_scales : sequence of float, length S
        The weight scales tried, all > 0.
    results : dict from str to dict
        By label (e.g. ``"baseline"``, ``"batchnorm"``), a dict with the keys
        ``"best_val_acc"``, ``"best_train_acc"`` and ``"final_loss"``, each a
        list of S floats aligned with ``weight_scales``.

    Returns
    -------
    matplotlib.figure.Figure
        Three stacked semilogx panels: best validation accuracy, best training
        accuracy and final training loss, each vs weight initialization scale.

    Raises
    ------
    ValueError
        If ``results`` is empty, a key is missing, or a list's length is not S.
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results is empty: pass a dict from labels to sweep results")
    num_scales = len(weight_scales)
    for label, result in results.items():
        for key, _, _ in _SWEEP_PANELS:
            if key not in result:
                raise ValueError(f"results[{label!r}] has no key {key!r}")
            if len(result[key]) != num_scales:
                raise ValueError(
                    f"results[{label!r}][{key!r}] has {len(result[key])} values, "
                    f"but there are {num_scales} weight scales"
                )

    fig, axes = plt.subplots(3, 1, figsize=(10, 12))
    for ax, (key, title, ylabel) in zip(axes, _SWEEP_PANELS, strict=True):
        for label, result in results.items():
            ax.semilogx(weight_scales, result[key], "-o", label=label)
        ax.set_title(title)
        ax.set_xlabel("Weight initialization scale")
        ax.set_ylabel(ylabel)
        ax.legend(ncol=2, loc="best")
    fig.tight_layout()
    return fig


def _accuracy_panels(solvers: Mapping[str, Solver], title: str | None, sharey: bool) -> Figure:
    """Two stacked panels: training accuracy and validation accuracy vs epoch."""
    import matplotlib.pyplot as plt

    _require_nonempty(solvers)
    fig, (ax_train, ax_val) = plt.subplots(2, 1, figsize=(10, 8), sharey=sharey)
    _plot_accuracies(ax_train, solvers, "train_acc_history", "Training accuracy")
    ax_train.set_title("Training accuracy")
    _plot_accuracies(ax_val, solvers, "val_acc_history", "Validation accuracy")
    ax_val.set_title("Validation accuracy")
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_batch_size_experiment(solvers: Mapping[str, Solver], title: str) -> Figure:
    """Training and validation accuracy of runs that differ in batch size.

    Parameters
    ----------
    solvers : dict from str to Solver
        Trained solvers by label, e.g. ``{"batch size 5": s1, "batch size 50": s2}``.
    title : str
        Title above the two panels.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked panels: training accuracy vs epoch and validation accuracy
        vs epoch.
    """
    return _accuracy_panels(solvers, title, sharey=False)


def plot_dropout_experiment(solvers: Mapping[str, Solver], title: str | None = None) -> Figure:
    """Training and validation accuracy per epoch of runs with and without dropout.

    CS231n's plot of its dropout regularization experiment, with one y scale for both panels,
    so that the gap between a run's training and validation accuracy reads off directly.

    Parameters
    ----------
    solvers : dict from str to Solver
        Trained solvers by label, e.g. ``{"keep ratio 1 (no dropout)": s1,
        "keep ratio 0.25": s2}``; each gives one line per panel.
    title : str or None
        Title above the two panels.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked panels sharing their y axis: training accuracy vs epoch and
        validation accuracy vs epoch.
    """
    return _accuracy_panels(solvers, title, sharey=True)
