"""``bench --measurements``: each run's numbers in its row of the bench-grading table, the rest
of the page as it was."""

from __future__ import annotations

import pytest

from autograder.kit.bench import record
from autograder.kit.docs import BENCH_GRADING, markers

BEGIN, END = markers(BENCH_GRADING)


def row(run: str, kit: str) -> dict[str, str]:
    return {"run": run, "when": "today", "kit": kit, "stock nbgrader": "not run"}


def table(path) -> list[str]:
    block = path.read_text().split(BEGIN)[1].split(END)[0]
    return [line for line in block.splitlines() if line.startswith("| ")]


def test_the_table_is_made_then_each_run_keeps_its_row(tmp_path):
    path = tmp_path / "docs" / "measurements.md"
    record(path, row("30 full submissions", "9.0 s"), stock=True)
    assert path.read_text().startswith(BEGIN) and path.read_text().endswith(END + "\n")
    record(path, row("100 full submissions", "30.0 s"), stock=False)
    record(path, row("30 full submissions", "8.0 s"), stock=True)  # the same run, again
    lines = table(path)
    assert lines[0] == "| run | when | kit | stock nbgrader |"
    assert lines[1:] == [
        "| 30 full submissions (with stock) | today | 8.0 s | not run |",
        "| 100 full submissions | today | 30.0 s | not run |",
    ]


def test_the_rest_of_the_file_is_kept(tmp_path):
    path = tmp_path / "measurements.md"
    path.write_text("# Measurements\n\nBy hand.\n")
    record(path, row("30 full submissions", "9.0 s"), stock=False)
    record(path, row("30 full submissions", "7.0 s"), stock=False)
    text = path.read_text()
    assert text.startswith("# Measurements\n\nBy hand.\n\n" + BEGIN)
    assert table(path)[1:] == ["| 30 full submissions | today | 7.0 s | not run |"]


def test_the_table_goes_where_the_page_has_its_markers(tmp_path):
    path = tmp_path / "measurements.md"
    path.write_text(f"# Measurements\n\n## Grading\n\n{BEGIN}\n{END}\n\n## Later\n\nMore.\n")
    record(path, row("30 full submissions", "9.0 s"), stock=False)
    text = path.read_text()
    assert text.startswith(f"# Measurements\n\n## Grading\n\n{BEGIN}\n")
    assert text.endswith(f"\n{END}\n\n## Later\n\nMore.\n")
    assert table(path)[1:] == ["| 30 full submissions | today | 9.0 s | not run |"]


def test_a_page_with_one_marker_only_is_refused(tmp_path):
    path = tmp_path / "measurements.md"
    path.write_text(f"# Measurements\n\n{BEGIN}\n")
    with pytest.raises(SystemExit, match="bench-grading"):
        record(path, row("30 full submissions", "9.0 s"), stock=False)
    assert path.read_text() == f"# Measurements\n\n{BEGIN}\n"
