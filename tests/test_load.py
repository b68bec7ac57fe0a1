"""Honest students keep their full marks when the host is busy: beside other grading batches
and their bombs, and beside busy loops on every core. Nothing here is timed: wall times are
printed for the record.
"""

from __future__ import annotations

import pytest
from conftest import needs_bubblewrap
from support.scenarios import BOMBS, concurrent_batches, overloaded

pytestmark = needs_bubblewrap


def test_concurrent_batches_beside_bombs_grade_every_honest_student(tmp_path):
    first, second, bombs = concurrent_batches(tmp_path, per_batch=20)
    print(f"two batches of 20 beside {', '.join(BOMBS)}: {first.seconds:.1f} s")
    assert first.line() == "20 / 0 / 0", first.output[-3000:]
    assert second.line() == "20 / 0 / 0", second.output[-3000:]
    assert first.exit_code == second.exit_code == 0
    # the bombs' own batch completes too, everyone graded (what they lose is test_hostile's)
    assert bombs.exit_code == 0 and bombs.not_graded == 0, bombs.output[-3000:]


@pytest.mark.parametrize("n", [6])
def test_busy_loops_on_every_core_cost_no_points(tmp_path, n):
    result = overloaded(tmp_path, n)
    print(f"{n} submissions beside a busy loop per core: {result.seconds:.1f} s "
          f"({result.seconds / n:.2f} s each)")  # fmt: skip
    assert result.line() == f"{n} / 0 / 0", result.output[-3000:]
    assert result.exit_code == 0
