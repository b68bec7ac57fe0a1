"""The README is a front page and the rest is in docs/: the README stays short, docs/ has its
pages, every relative link of either reaches a file (and a heading, when it names one), and the
generated parts have their markers where their scripts write them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.kit import docs

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
PAGES = sorted((REPO / "docs").glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
"""A markdown link, ``[text](target)``; the text may span lines."""


def _unfenced(text: str) -> str:
    """``text`` without its fenced code blocks."""
    return re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)


def _prose(text: str) -> str:
    """``text`` without its fenced code blocks and inline code."""
    return re.sub(r"`[^`\n]*`", "", _unfenced(text))


def _anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``path``."""
    headings = re.findall(r"^#+\s+(.+)$", _unfenced(path.read_text()), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_the_readme_is_a_front_page():
    lines = len(README.read_text().splitlines())
    assert lines <= 200, f"README.md has {lines} lines: move the detail to docs/"


def test_docs_has_its_pages():
    pages = {p.name for p in PAGES} - {"README.md"}
    assert len(pages) >= 5, pages
    assert (REPO / "docs" / "README.md").is_file(), "docs/README.md indexes the pages"
    index = (REPO / "docs" / "README.md").read_text()
    assert all(f"]({name})" in index for name in pages), "a page docs/README.md does not list"


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_reaches_a_file(page):
    for target in LINK.findall(_prose(page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        reached = (page.parent / path).resolve() if path else page
        assert reached.exists(), f"{page.name}: {target} reaches no file"
        if anchor and reached.suffix == ".md":
            assert anchor in _anchors(reached), f"{page.name}: {target} reaches no heading"


def test_the_generated_parts_have_their_markers():
    """Where ``python -m autograder tasks --write``, ``scripts/compare_stock.py --write-docs``
    and ``make bench-grading`` write; none is left in the README."""
    for assignment in ("batchnorm", "dropout"):
        assert docs.shown(docs.TASKS_PAGE.read_text(), docs.tasks_part(assignment))
    assert "| `fork_bomb` |" in docs.shown(
        docs.MEASUREMENTS_PAGE.read_text(), docs.STOCK_COMPARISON
    )
    assert "| run |" in docs.shown(docs.MEASUREMENTS_PAGE.read_text(), docs.BENCH_GRADING)
    assert "<!-- " not in README.read_text()


def test_a_part_is_replaced_between_its_markers_only():
    text = "head\n<!-- t:begin -->\nold\n<!-- t:end -->\ntail\n"
    new = docs.replaced(text, "t", "new")
    assert new == "head\n<!-- t:begin -->\nnew\n<!-- t:end -->\ntail\n"
    assert docs.shown(new, "t") == "new"
    with pytest.raises(ValueError):
        docs.replaced("no markers", "t", "new")
