"""The report's figures: matplotlib on the Agg canvas, each returned as a PNG ``data:`` URI.

The PNGs carry no version stamp, so the same numbers give the same bytes.
"""

from __future__ import annotations

import base64
import io


def _figure(width: float = 6.0, height: float = 3.2):
    """A figure on the Agg canvas, outside pyplot's global state (nothing to leak or close)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _label(text: str, limit: int = 40) -> str:
    """Text for a figure: literal dollars (no mathtext), cut to ``limit`` characters."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _empty(ax, what: str) -> None:
    ax.text(0.5, 0.5, what, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def histogram_figure(dist: dict, xlabel: str, color: str, ylabel: str = "students") -> str:
    fig = _figure()
    ax = fig.add_subplot()
    if dist["n"]:
        edges = dist["edges"]
        ax.bar(
            edges[:-1],
            dist["counts"],
            width=[b - a for a, b in zip(edges[:-1], edges[1:], strict=True)],
            align="edge",
            color=color,
            edgecolor="white",
        )
        ax.set_xlim(edges[0], edges[-1])
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    else:
        _empty(ax, "no graded submissions")
    return _png(fig)


def tasks_figure(tasks: dict) -> str:
    names = list(tasks)
    fig = _figure(6.0, 0.9 + 0.28 * max(1, len(names)))
    ax = fig.add_subplot()
    if names:
        y = list(range(len(names)))
        rates = [100 * (tasks[t]["pass_rate"] or 0.0) for t in names]
        colors = ["#b07aa1" if tasks[t]["manual"] else "#4e79a7" for t in names]
        ax.barh(y, rates, color=colors)
        ax.set_yticks(y, labels=[_label(t) for t in names])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("students with full marks (%), of those scored")
    else:
        _empty(ax, "no graded submissions")
    return _png(fig)


def mistakes_figure(mistakes: list[dict]) -> str:
    top = mistakes[:10]
    fig = _figure(6.0, 0.9 + 0.28 * len(top))
    ax = fig.add_subplot()
    y = list(range(len(top)))
    ax.barh(y, [m["count"] for m in top], color="#e15759")
    ax.set_yticks(y, labels=[f"#{i + 1} {_label(m['task'], 28)}" for i, m in enumerate(top)])
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("students")
    return _png(fig)


def time_figure(time: dict) -> str:
    return histogram_figure(
        {"n": time["timed"], "edges": time["edges"], "counts": time["counts"]},
        "seconds to grade one submission",
        "#59a14f",
        "submissions",
    )
