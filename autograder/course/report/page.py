"""The report's page: one self-contained HTML document (``page.html.j2``), every untrusted text
escaped by the template."""

from __future__ import annotations

from markupsafe import Markup

from .figures import histogram_figure, mistakes_figure, tasks_figure, time_figure
from .templating import environment

TOP_MISTAKES = 20  # rows of the mistakes table (the figure shows the first 10)


def figures(numbers: dict) -> dict[str, str]:
    """The page's figures, as PNG ``data:`` URIs: the two score histograms and the pass rates,
    then the mistakes and the grading times when there are any."""
    dist = numbers["distribution"]
    drawn = {
        "autograded": histogram_figure(dist["autograded"], "points", "#4e79a7"),
        "total": histogram_figure(dist["total"], "points", "#f28e2b"),
        "tasks": tasks_figure(numbers["tasks"]),
    }
    if numbers["mistakes"]:
        drawn["mistakes"] = mistakes_figure(numbers["mistakes"])
    if numbers["time"]["timed"]:
        drawn["time"] = time_figure(numbers["time"])
    return drawn


def render(numbers: dict, similar: Markup | str = "") -> str:
    """The page, from :func:`summarize`'s numbers; ``similar`` is the section on similar code
    (HTML, ``similar.section``), after the flagged submissions."""
    mistakes = numbers["mistakes"]
    template = environment().get_template("page.html.j2")
    return template.render(
        numbers=numbers,
        figures=figures(numbers),
        mistakes=mistakes[:TOP_MISTAKES],
        more_mistakes=len(mistakes) - TOP_MISTAKES,
        similar=Markup(similar),
    )
